"""Updates through sync: the hub offers a signed bundle, it travels on the district's USB
stick, the box checks and stages it, and only the staff's tap (or system.auto_update)
starts the health-checked install."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.errors import LinliError
from appliance.hub.updates import HubUpdates
from appliance.system.bundle import BundleRefused, make_bundle
from tests.conftest import csrf_token
from tests.system.test_updates import payload, signing_key  # noqa: F401 (fixture)


@pytest.fixture
def hub_updates(tmp_path, signing_key):  # noqa: F811
    (tmp_path / "in").mkdir()
    return HubUpdates(tmp_path / "hub-home", tmp_path / "update-keys")


def test_the_hub_offers_only_bundles_the_boxes_will_accept(tmp_path, hub_updates, signing_key):  # noqa: F811
    good = make_bundle(tmp_path / "in" / "a.lub", payload(tmp_path, "g"), signing_key, "0.5.0")
    foreign = make_bundle(tmp_path / "in" / "b.lub", payload(tmp_path, "f"), Ed25519PrivateKey.generate(), "0.6.0")
    garbage = tmp_path / "in" / "c.lub"
    garbage.write_bytes(b"not a bundle")

    assert hub_updates.offer(good).version == "0.5.0"
    for bad in (foreign, garbage, tmp_path / "missing.lub"):
        with pytest.raises(BundleRefused):
            hub_updates.offer(bad)
    assert [p.name for p in hub_updates.offered()] == ["linli-0.5.0.lub"]
    with pytest.raises(LinliError):
        HubUpdates(tmp_path / "other", tmp_path / "no-keys").offer(good)


def test_offers_go_on_the_stick_once_and_come_off_when_withdrawn(tmp_path, hub_updates, signing_key):  # noqa: F811
    hub_updates.offer(make_bundle(tmp_path / "in" / "a.lub", payload(tmp_path, "g"), signing_key, "0.5.0"))
    stick = tmp_path / "stick"
    own = stick / "linli" / "updates" / "linli-9.9.9.lub"  # put there by district staff by hand
    own.parent.mkdir(parents=True)
    own.write_bytes(b"x")
    assert hub_updates.to_stick(stick) == ["linli-0.5.0.lub"]
    assert hub_updates.to_stick(stick) == []  # already there whole
    assert hub_updates.withdraw("0.5.0") and not hub_updates.withdraw("0.5.0")
    hub_updates.to_stick(stick)
    assert sorted(p.name for p in (stick / "linli" / "updates").glob("*.lub")) == ["linli-9.9.9.lub"]
    assert json.loads((stick / "linli" / "updates" / ".offered-by-hub.json").read_text()) == []


def test_the_box_stages_the_offer_and_waits_for_the_tap(tmp_path, hub_updates, signing_key, client_as,  # noqa: F811
                                                       services):
    hub_updates.offer(make_bundle(tmp_path / "in" / "a.lub", payload(tmp_path, "g"), signing_key, "0.5.0"))
    stick = tmp_path / "media" / "STICK"
    hub_updates.to_stick(stick)
    feature = services.system
    feature.backups.sticks = lambda: [stick]
    feature.updates.keys_dir = tmp_path / "update-keys"
    feature.updates.board = "rpi4"

    assert feature.stage_updates() is None  # staged, not started: auto_update is off
    staged = feature.staged_dir / "linli-0.5.0.lub"
    assert staged.is_file() and feature.update_launcher.history == []

    # The installer takes the stick back to the office; the bundle is still offered.
    feature.backups.sticks = lambda: []
    admin = client_as("admin")
    html = admin.get("/system/backups").get_data(as_text=True)
    assert "0.5.0" in html and html.count('name="path"') == 1 and str(staged) in html
    token = csrf_token(admin, "/system/backups")
    started = admin.post("/system/update", data={"path": str(staged), "csrf_token": token})
    assert started.status_code == 302 and feature.update_launcher.history == [str(staged)]


def test_a_damaged_copy_is_not_staged(tmp_path, hub_updates, signing_key, services):  # noqa: F811
    stick = tmp_path / "media" / "STICK"
    folder = stick / "linli" / "updates"
    folder.mkdir(parents=True)
    make_bundle(folder / "linli-0.5.0.lub", payload(tmp_path, "g"), signing_key, "0.5.0")
    feature = services.system
    feature.backups.sticks = lambda: [stick]
    feature.updates.keys_dir = tmp_path / "update-keys"
    feature.updates.board = "rpi4"
    real_check = feature.updates.check

    def flaky(path):  # the copy comes off the stick damaged (pulled, bad sector)
        if path.name.endswith(".part"):
            raise BundleRefused("The update bundle is damaged or incomplete.")
        return real_check(path)

    feature.updates.check = flaky
    feature.stick_bundles()
    assert list(feature.staged_dir.iterdir()) == []


def test_auto_update_starts_the_newest_once_and_not_a_rolled_back_one(tmp_path, signing_key, services):  # noqa: F811
    stick = tmp_path / "media" / "STICK"
    folder = stick / "linli" / "updates"
    folder.mkdir(parents=True)
    make_bundle(folder / "linli-0.5.0.lub", payload(tmp_path, "a"), signing_key, "0.5.0")
    make_bundle(folder / "linli-0.6.0.lub", payload(tmp_path, "b"), signing_key, "0.6.0")
    feature = services.system
    feature.backups.sticks = lambda: [stick]
    feature.updates.keys_dir = tmp_path / "update-keys"
    feature.updates.board = "rpi4"
    feature.auto_update = True

    assert feature.stage_updates() == "0.6.0"
    assert feature.update_launcher.history == [str(folder / "linli-0.6.0.lub")]
    # 0.6.0 failed its health check and was rolled back: not started again by itself.
    feature.updates._record("0.6.0", "rolled back", "healthz failed")
    assert feature.stage_updates() is None and len(feature.update_launcher.history) == 1
