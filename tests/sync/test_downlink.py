"""Downlink from the hub: applied whole and once, or not at all."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.db.models import CredentialRevocation, DistrictNotice, DistrictSetting, PlateWatch
from appliance.errors import LinliError
from appliance.sync import downlink
from appliance.sync.outbox import append

HUB_KEY = Ed25519PrivateKey.generate()


@pytest.fixture
def paired(services):
    from appliance.sync.keys import public_text

    services.sync.pin_hub("district-1", public_text(HUB_KEY))
    return services.sync


ITEMS = [
    {"s": 1, "k": "notice", "d": {"uuid": "n-1", "title": "停水通知", "body": "明天 9:00-12:00"}},
    {"s": 2, "k": "config", "d": {"key": "sync.share_names", "value": True}},
    {"s": 3, "k": "revoke", "d": {"credential": "card:0415", "reason": "lost"}},
    {"s": 4, "k": "plate_watch", "d": {"plate": "京A12345", "reason": "stolen"}},
]


def counts():
    return (DistrictNotice.select().count(), DistrictSetting.select().count(),
            CredentialRevocation.select().count(), PlateWatch.select().count())


def test_a_signed_bundle_is_applied_whole_once_and_changes_what_leaves(paired, services, db):
    data = downlink.build(ITEMS, "district-1", services.box_id, HUB_KEY)
    assert paired.handle_downlink(data, "mqtt") == {"applied": 4, "down_ack": 4}
    assert counts() == (1, 1, 1, 1)
    assert paired.down_applied() == 4
    assert paired.handle_downlink(data, "usb") == {"applied": 0, "down_ack": 4}  # replayed: nothing again
    assert counts() == (1, 1, 1, 1)
    # The district enabled names: they now leave; the box's status carries the downlink ack.
    with db.atomic():
        append("access.event", {"resident_uuid": "r1", "name": "王小明"})
    batch, _ = paired.next_batch()
    import zlib

    from appliance.sync import envelope

    env = envelope.parse(batch)
    assert "王小明" in zlib.decompress(env.body).decode() and env.header["down_ack"] == 4


@pytest.mark.parametrize("case", ["unsigned", "foreign hub", "other box", "truncated", "bad item after good",
                                  "forbidden setting", "gap", "incomplete item"])
def test_bad_bundles_apply_nothing(paired, services, case):
    items, key, box = ITEMS, HUB_KEY, services.box_id
    if case == "foreign hub":
        key = Ed25519PrivateKey.generate()
    if case == "other box":
        box = "box-elsewhere"
    if case == "bad item after good":
        items = ITEMS[:2] + [{"s": 3, "k": "open_all_gates", "d": {}}]
    if case == "forbidden setting":
        items = ITEMS[:1] + [{"s": 2, "k": "config", "d": {"key": "web.port", "value": 80}}]
    if case == "gap":
        items = [dict(i, s=i["s"] + 1) for i in ITEMS]
    if case == "incomplete item":
        items = ITEMS[:1] + [{"s": 2, "k": "revoke", "d": {"reason": "no credential"}}]
    data = downlink.build(items, "district-1", box, key)
    if case == "unsigned":
        data = data[:-64] + bytes(64)
    if case == "truncated":
        data = data[:-20]
    with pytest.raises(LinliError):
        paired.handle_downlink(data, "usb")
    assert counts() == (0, 0, 0, 0)
    assert paired.down_applied() == 0


def test_nothing_is_applied_before_pairing(services):
    data = downlink.build(ITEMS, "district-1", services.box_id, HUB_KEY)
    with pytest.raises(LinliError):
        services.sync.handle_downlink(data, "usb")
    assert counts() == (0, 0, 0, 0)


def test_a_district_revocation_closes_the_gate_to_that_card_and_pass(paired, services, credentials):
    reg = services.registry
    b = reg.save_building({"name": "1号楼"}, "test")
    u = reg.save_unit({"building_id": b.id, "number": "101"}, "test")
    resident = reg.save_resident({"name": "张三", "unit_id": u.id, "move_in": "2020-01-01"}, "test")
    access = services.access
    card = credentials.add_card(resident.id, "0012345678", "volunteer")
    assert access.scan("0012345678", "kiosk").granted
    items = [{"s": 1, "k": "revoke", "d": {"credential": str(card.uuid), "reason": "lost"}},
             {"s": 2, "k": "revoke", "d": {"credential": "card:from-another-box", "reason": "lost"}}]
    paired.handle_downlink(downlink.build(items, "district-1", services.box_id, HUB_KEY), "usb")
    decision = access.scan("0012345678", "kiosk")
    assert not decision.granted and decision.reason == "revoked"
    assert CredentialRevocation.select().count() == 2


def test_the_district_can_switch_off_opening_the_gate_from_the_admin_site(paired, services):
    from appliance.errors import PermissionDenied

    assert services.access.remote_open("老人忘带钥匙", "volunteer").granted
    off = [{"s": 1, "k": "config", "d": {"key": "gate.remote_open_allowed", "value": False}}]
    paired.handle_downlink(downlink.build(off, "district-1", services.box_id, HUB_KEY), "mqtt")
    with pytest.raises(PermissionDenied):
        services.access.remote_open("老人忘带钥匙", "volunteer")
    on = [{"s": 2, "k": "config", "d": {"key": "gate.remote_open_allowed", "value": True}}]
    paired.handle_downlink(downlink.build(on, "district-1", services.box_id, HUB_KEY), "mqtt")
    assert services.access.remote_open("老人忘带钥匙", "volunteer").granted


def test_a_district_banner_setting_is_refused_whole(paired, services):
    items = ITEMS[:1] + [{"s": 2, "k": "config", "d": {"key": "notices.banner", "value": "x"}}]
    with pytest.raises(LinliError):
        paired.handle_downlink(downlink.build(items, "district-1", services.box_id, HUB_KEY), "mqtt")
    assert counts() == (0, 0, 0, 0)
