"""Update bundles end to end: real signed files, real version folders and symlinks, a real
process per version answering /healthz, and the switch back when the new one is not healthy."""

from __future__ import annotations

import io
import json
import tarfile
import textwrap
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.system.bundle import BundleRefused, make_bundle
from appliance.system.simulated import ProcessRestarter
from appliance.system.slots import AppSlots, SlotError
from appliance.system.restarts import HttpProbe
from appliance.system.updates import UpdateFailed, UpdateService
from tests.conftest import free_port

SERVER = textwrap.dedent("""\
    import http.server, json, os, sys
    mode = open("HEALTH").read().strip()
    if mode == "crash":
        sys.exit(1)
    version = open("VERSION").read().strip()

    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            # "camera-broken": a subsystem that has nothing to do with the version fails.
            # "clock-unknown": restarted without a battery clock or a network.
            subsystems = {"database": {"ok": mode != "bad"}, "camera gate": {"ok": mode != "camera-broken"},
                          "clock": {"ok": mode != "clock-unknown"}}
            ok = all(v["ok"] for v in subsystems.values())
            body = json.dumps({"ok": ok, "version": version, "subsystems": subsystems}).encode()
            self.send_response(200 if ok else 503)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Health).serve_forever()
""")


def payload(tmp_path: Path, name: str, health: str = "ok") -> Path:
    out = tmp_path / f"{name}.tar.gz"
    with tarfile.open(out, "w:gz") as tar:
        for member, text in (("serve.py", SERVER), ("HEALTH", health)):
            data = text.encode()
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


@pytest.fixture
def signing_key(tmp_path):
    key = Ed25519PrivateKey.generate()
    keys = tmp_path / "update-keys"
    keys.mkdir()
    (keys / "district.pub").write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return key


@pytest.fixture
def box(tmp_path, signing_key):
    """A box running the factory version 0.1.0 from its own folder (as /opt/linli on the card)."""
    port = free_port()
    root = tmp_path / "app"
    factory = tmp_path / "opt-linli"
    with tarfile.open(payload(tmp_path, "factory")) as tar:
        tar.extractall(factory, filter="data")
    (factory / "VERSION").write_text("0.1.0\n")
    slots = AppSlots(root)
    slots.point("current", factory)
    restarter = ProcessRestarter(root, ["python3", "./serve.py"], env={"PORT": str(port)})
    probe = HttpProbe(f"http://127.0.0.1:{port}/healthz", interval_s=0.1)
    service = UpdateService(slots, tmp_path / "update-keys", "rpi4", restarter, probe, health_timeout_s=6)
    restarter.restart()
    assert probe.wait_healthy(10)[0]
    service.port = port
    yield service
    restarter.stop()


def running_version(box) -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{box.port}/healthz", timeout=3) as response:
            return json.loads(response.read())["version"]
    except urllib.error.HTTPError as exc:  # 503: running, with a failing subsystem
        return json.loads(exc.read())["version"]


def bundle(tmp_path, key, version, health="ok", **kw) -> Path:
    return make_bundle(tmp_path / f"linli-{version}.lub", payload(tmp_path, version, health), key, version, **kw)


def test_a_healthy_version_is_kept(tmp_path, box, signing_key):
    steps = []
    result = box.apply(bundle(tmp_path, signing_key, "0.2.0"), progress=lambda d, t: steps.append(d))
    assert result["result"] == "kept" and steps == [1, 2, 3, 4]
    assert running_version(box) == "0.2.0"
    assert box.slots.current() == box.slots.root / "versions" / "0.2.0"
    assert box.slots.previous() == tmp_path / "opt-linli"
    assert box.status()["last"]["result"] == "kept" and box.status()["trying"] is None


def test_a_flashed_card_takes_its_first_update(tmp_path, box, signing_key):
    """The image's /opt/linli is the source tree: no VERSION file, the number is in
    pyproject.toml. Read as its folder's name ("opt-linli" here, "linli" on the card), every
    numbered bundle was refused as not newer."""
    factory = box.slots.current()
    (factory / "VERSION").unlink()
    (factory / "pyproject.toml").write_text('[project]\nname = "linli"\nversion = "0.1.0"\n')
    assert box.slots.version_of(factory) == "0.1.0"
    assert box.apply(bundle(tmp_path, signing_key, "0.2.0"))["result"] == "kept"
    assert running_version(box) == "0.2.0"
    with pytest.raises(BundleRefused, match="not newer"):
        box.apply(bundle(tmp_path, signing_key, "0.1.0"))


@pytest.mark.parametrize("health", ["bad", "crash"])
def test_an_unhealthy_version_is_rolled_back(tmp_path, box, signing_key, health):
    box.apply(bundle(tmp_path, signing_key, "0.2.0"))
    with pytest.raises(UpdateFailed) as failed:
        box.apply(bundle(tmp_path, signing_key, "0.3.0", health=health))
    assert "0.2.0" in str(failed.value) and "0.3.0" in str(failed.value)
    assert running_version(box) == "0.2.0"
    assert box.slots.version_of(box.slots.current()) == "0.2.0"
    assert box.restarter.history == ["opt-linli", "0.2.0", "0.3.0", "0.2.0"]
    assert box.status()["last"]["result"] == "rolled back"
    # The box can take the next good update afterwards.
    assert box.apply(bundle(tmp_path, signing_key, "0.3.1"))["result"] == "kept"


def test_a_failure_that_was_there_before_does_not_block_an_update(tmp_path, box, signing_key):
    with pytest.raises(UpdateFailed):  # a new failure, even of a camera, sends the box back
        box.apply(bundle(tmp_path, signing_key, "0.2.0", health="camera-broken"))
    # The camera on the running version breaks (a cut cable): updates are judged against that.
    (tmp_path / "opt-linli" / "HEALTH").write_text("camera-broken")
    box.restarter.restart()
    assert box.probe.wait_healthy(10, {"camera gate"})[0]
    assert box.apply(bundle(tmp_path, signing_key, "0.2.1", health="camera-broken"))["result"] == "kept"
    with pytest.raises(UpdateFailed) as failed:
        box.apply(bundle(tmp_path, signing_key, "0.3.0", health="bad"))
    assert "database" in str(failed.value)
    assert running_version(box) == "0.2.1"


def test_a_trial_cut_short_by_a_power_cut_ends_at_the_next_confirm(tmp_path, box, signing_key):
    """The apply process died after switching (power cut): at boot, confirm finishes the job."""
    import appliance.system.updates as updates

    class Dies(Exception):
        pass

    original = box.confirm
    box.confirm = lambda: (_ for _ in ()).throw(Dies())
    with pytest.raises(Dies):
        box.apply(bundle(tmp_path, signing_key, "0.2.0", health="bad"))
    assert box.status()["trying"]["version"] == "0.2.0"
    box.confirm = original
    box.restarter.restart()  # the boot starts whatever `current` names: the bad version
    assert box.confirm()["result"] == "rolled back"
    assert running_version(box) == "0.1.0"
    assert updates.UpdateService.confirm(box)["result"] == "none"


def refuses(box, path, word: str):
    before = box.slots.current()
    with pytest.raises((BundleRefused, SlotError)) as refused:
        box.apply(path)
    assert word in str(refused.value)
    assert box.slots.current() == before and running_version(box) == "0.1.0"
    assert not (box.slots.root / "versions").exists() or not any(
        p.name.startswith(".") for p in (box.slots.root / "versions").iterdir())
    return refused.value


def test_bundles_that_must_be_refused(tmp_path, box, signing_key):
    stranger = Ed25519PrivateKey.generate()
    refuses(box, bundle(tmp_path, stranger, "0.2.0"), "signature")
    refuses(box, bundle(tmp_path, signing_key, "0.2.1", compatible=("rpi3",)), "rpi4")
    refuses(box, bundle(tmp_path, signing_key, "0.1.0"), "not newer")
    refuses(box, tmp_path / "missing.lub", "No update bundle")

    good = bundle(tmp_path, signing_key, "0.2.2")
    with tarfile.open(good) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    payload_name = next(n for n in members if n.endswith(".tar.gz"))
    members[payload_name] = members[payload_name][:-10] + b"0123456789"
    tampered = tmp_path / "tampered.lub"
    with tarfile.open(tampered, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    refuses(box, tampered, "damaged")

    garbage = tmp_path / "garbage.lub"
    garbage.write_bytes(b"\x00" * 4096)
    refuses(box, garbage, "not a Linli update bundle")

    refuses(box, bundle(tmp_path, signing_key, "0.2.3", install=("false",)), "install step failed")
    refuses(box, bundle(tmp_path, signing_key, "0.2.4", kind="os"), "RAUC")


def test_a_box_without_trusted_keys_accepts_nothing(tmp_path, box, signing_key):
    for pub in (tmp_path / "update-keys").glob("*.pub"):
        pub.unlink()
    refuses(box, bundle(tmp_path, signing_key, "0.2.0"), "trusts no update key")


def test_cli_check_names_the_problem_in_chinese(tmp_path, signing_key):
    from tests.test_cli import linli

    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(f'[system]\nupdate_keys = "{tmp_path / "update-keys"}"\nboard = "rpi4"\n')
    good = bundle(tmp_path, signing_key, "0.2.0")
    ok = linli(home, "update", "check", str(good))
    assert ok.returncode == 0 and "0.2.0" in ok.stdout
    bad = linli(home, "update", "check", str(bundle(tmp_path, Ed25519PrivateKey.generate(), "0.2.1")))
    assert bad.returncode == 2 and "签名" in bad.stderr


def test_cli_keygen_make_and_check_round_trip(tmp_path):
    from tests.test_cli import linli

    home = tmp_path / "home"
    home.mkdir()
    keys = tmp_path / "keys"
    keys.mkdir()
    made = linli(home, "update", "keygen", str(keys / "district"))
    assert made.returncode == 0 and (keys / "district.key").stat().st_mode & 0o077 == 0
    (home / "config.toml").write_text(f'[system]\nupdate_keys = "{keys}"\nboard = "rpi-zero2w"\n')
    out = tmp_path / "linli-0.3.0.lub"
    signed = linli(home, "update", "make", str(payload(tmp_path, "p")), str(out), "--key", str(keys / "district.key"),
                   "--version", "0.3.0", "--install", "/bin/true")
    assert signed.returncode == 0, signed.stderr
    checked = linli(home, "update", "check", str(out))
    assert checked.returncode == 0 and "0.3.0" in checked.stdout and "rpi-zero2w" in checked.stdout
    other_board = linli(home, "update", "make", str(payload(tmp_path, "q")), str(tmp_path / "b.lub"), "--key",
                        str(keys / "district.key"), "--version", "0.3.1", "--board", "rpi4")
    assert other_board.returncode == 0
    refused = linli(home, "update", "check", str(tmp_path / "b.lub"))
    assert refused.returncode == 2 and "rpi-zero2w" in refused.stderr


def test_a_bundle_on_a_stick_is_offered_and_installed_outside_the_service(tmp_path, signing_key, client_as,
                                                                           services):
    from tests.conftest import csrf_token

    feature = services.system
    stick = tmp_path / "media" / "STICK"
    folder = stick / "linli" / "updates"
    folder.mkdir(parents=True)
    good = make_bundle(folder / "linli-0.5.0.lub", payload(tmp_path, "g"), signing_key, "0.5.0")
    make_bundle(folder / "linli-0.6.0.lub", payload(tmp_path, "s"), Ed25519PrivateKey.generate(), "0.6.0")
    feature.backups.sticks = lambda: [stick]
    feature.updates.keys_dir = tmp_path / "update-keys"
    feature.updates.board = "rpi4"

    admin = client_as("admin")
    html = admin.get("/system/backups").get_data(as_text=True)
    assert "0.5.0" in html and html.count('name="path"') == 1 and "签名无效" in html
    token = csrf_token(admin, "/system/backups")
    refused = admin.post("/system/update", data={"path": str(folder / "linli-0.6.0.lub"), "csrf_token": token})
    assert refused.status_code == 400 and feature.update_launcher.history == []
    started = admin.post("/system/update", data={"path": str(good), "csrf_token": token})
    assert started.status_code == 302 and feature.update_launcher.history == [str(good)]
    assert client_as("volunteer").post("/system/update", data={"path": str(good), "csrf_token": token}
                                       ).status_code in (400, 403)
