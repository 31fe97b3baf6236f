"""The sync page draws an update the district sends over MQTT: pieces and bytes of the
total as a bar (refreshed by htmx while it downloads), "waiting for next month's data budget
or a USB stick" when the budget stops it, "ready to install" once it is checked and staged,
and the district's withdrawal deletes what was fetched."""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import tarfile
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.sync import state
from appliance.sync.updates import CHUNK_BYTES, record_offer, record_withdrawal, split
from tests.conftest import PASSWORD


def _bar(html: str) -> float:
    return float(re.search(r'<rect class="update-bar" x="0" y="4" width="([\d.]+)"', html).group(1))


def _signed_bundle(services, tmp_path) -> bytes:
    key = Ed25519PrivateKey.generate()
    keys = services.system.updates.keys_dir
    keys.mkdir(parents=True, exist_ok=True)
    (keys / "district.pub").write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    from appliance.system.bundle import make_bundle

    payload = tmp_path / "payload.tar.gz"
    with tarfile.open(payload, "w:gz") as tar:
        for name, blob in (("serve.py", b"print('ok')\n"), ("blob.bin", secrets.token_bytes(CHUNK_BYTES * 2 + 1000))):
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    # Built for this box's board, so the real check passes it.
    out = make_bundle(tmp_path / "in.lub", payload, key, "0.8.0", compatible=(services.system.updates.board,))
    return out.read_bytes()


def test_the_sync_page_draws_the_download_then_says_ready_to_install(client_as, services, db, tmp_path):
    data = _signed_bundle(services, tmp_path)
    receiver = services.sync.update_receiver
    client = client_as("admin")
    assert 'id="update-download"' not in client.get("/sync").get_data(as_text=True)  # nothing offered
    with db.atomic():
        record_offer({"version": "0.8.0", "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                      "chunks": 3})
    pieces = split(data)
    with db.atomic():
        assert not receiver.take("linli/v1/x/update/0.8.0/0", pieces[0])

    html = client.get("/sync").get_data(as_text=True)
    assert 'data-state="downloading"' in html
    assert re.search(r'id="update-pieces">[^<]*1[^<]*3', html)  # 1 of 3 pieces
    assert 'hx-get="/sync/update"' in html and 'hx-trigger="every 5s"' in html
    assert _bar(html) == 6 * round(CHUNK_BYTES / len(data) * 100) and 200 < _bar(html) < 300  # of 600
    partial = client.get("/sync/update").get_data(as_text=True)
    assert partial.lstrip().startswith("<section") and "<html" not in partial and _bar(partial) == _bar(html)

    # A 1 MB budget already 0.5 MB used: the other 0.35 MB would pass 80 % of it.
    services.sync.update_receiver.budget_bytes = lambda: 1_000_000
    with db.atomic():
        state.add_usage(500_000)
    html = client.get("/sync").get_data(as_text=True)
    assert 'data-state="waiting-budget"' in html and "下个月" in html and "U 盘" in html
    assert not receiver.may_fetch()

    services.sync.update_receiver.budget_bytes = lambda: 0
    with db.atomic():
        receiver.take("linli/v1/x/update/0.8.0/1", pieces[1])
        assert receiver.take("linli/v1/x/update/0.8.0/2", pieces[2])
    assert receiver.assemble() is not None, receiver.history  # the real signature and board check
    html = client.get("/sync").get_data(as_text=True)
    assert 'data-state="staged"' in html and "可以安装" in html and _bar(html) == 600
    assert 'hx-trigger' not in html.split('id="update-download"')[1].split("</section>")[0]  # stops polling
    assert services.sync.status_payload()["update"] == {"version": "0.8.0", "state": "staged", "chunks": 3,
                                                        "have": 3}
    assert client_as("kiosk").get("/sync/update").status_code == 403
    receiver.staged_path(receiver.offer()).unlink()  # installed: the page no longer mentions it
    assert 'id="update-download"' not in client.get("/sync").get_data(as_text=True)
    assert services.sync.status_payload()["update"]["state"] == "staged"  # the hub still learns it


def test_a_withdrawal_drops_the_partial_download(client_as, services, db, tmp_path):
    data = _signed_bundle(services, tmp_path)
    receiver = services.sync.update_receiver
    with db.atomic():
        record_offer({"version": "0.8.0", "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                      "chunks": 3})
        receiver.take("linli/v1/x/update/0.8.0/0", data[:CHUNK_BYTES])
    folder = receiver.incoming / "0.8.0"
    assert (folder / "0").exists()
    with db.atomic():
        assert record_withdrawal({"version": "0.8.0"})
        assert not record_withdrawal({"version": "0.7.0"})  # not the offered one: nothing changes
    assert receiver.drop_withdrawn() and not folder.exists()
    assert receiver.missing() == [] and not receiver.may_fetch()
    html = client_as("admin").get("/sync").get_data(as_text=True)
    assert 'data-state="withdrawn"' in html and "撤回" in html


@pytest.mark.browser
def test_the_bar_grows_in_a_real_browser_without_a_reload(live_server, page, users, services, db, tmp_path):
    data = _signed_bundle(services, tmp_path)
    receiver = services.sync.update_receiver
    with db.atomic():
        record_offer({"version": "0.8.0", "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                      "chunks": 3})
    page.goto(live_server + "/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit], form button")
    page.goto(live_server + "/sync")
    bar = page.locator("#update-download rect.update-bar")
    assert bar.get_attribute("width") == "0.0"
    page.evaluate("window.__same_page = true")
    with db.atomic():
        receiver.take("linli/v1/x/update/0.8.0/0", data[:CHUNK_BYTES])
    deadline = time.monotonic() + 12  # htmx asks every 5 s
    while float(bar.get_attribute("width")) < 100 and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    assert float(bar.get_attribute("width")) > 100
    assert page.evaluate("window.__same_page === true")  # htmx swapped the bar; the page was not reloaded
    assert page.locator("#update-download").bounding_box()["width"] > 300
