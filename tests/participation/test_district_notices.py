"""Notices posted on a box go up through the outbox (UUIDs) and the district's page lists the
notices of every community; a withdrawn notice disappears there too."""

from __future__ import annotations

import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.db.models import OutboxEntry
from appliance.sync import batch as batchfmt
from appliance.sync.keys import public_text
from tests.conftest import PASSWORD, login
from tests.participation.test_district import hub_runtime  # noqa: F401  (fixture)


def ship(s):
    after = 0
    while (batch := s.sync.next_batch(after)) is not None:
        data, entries = batch
        s.hub.receive(data, "usb")
        after = entries[-1].seq


def test_box_notices_reach_the_district_page_across_communities(hub_runtime):  # noqa: F811
    from web import create_app

    s = hub_runtime.services
    app = create_app(hub_runtime.config, s, testing=True)
    s.accounts.create("district", "district", PASSWORD, display_name="District")
    s.hub.register_box(s.box_id, s.sync.public_key)
    s.sync.pin_hub("district-1", s.hub.public_key)
    b3 = s.registry.save_building({"name": "3号楼"}, "t")
    water = s.participation.notices.post({"title": "周三停水", "body": "9:00–12:00 停水 <script>x</script>",
                                          "audience": "buildings", "buildings": [str(b3.id)], "pinned": "1"},
                                         "volunteer")
    lift = s.participation.notices.post({"title": "电梯检修", "body": "2号梯停用一天"}, "volunteer")
    entry = OutboxEntry.select().where(OutboxEntry.kind == "notice.upsert").first()
    assert entry.payload["uuid"] == str(water.uuid) and entry.payload["buildings"] == ["3号楼"]
    assert "created_by" not in entry.payload and "volunteer" not in str(entry.payload)
    s.participation.notices.withdraw(lift.id, "volunteer")

    # A second community's box sends its own notice.
    key = Ed25519PrivateKey.generate()
    s.hub.register_box("box-b", public_text(key))
    now = datetime.datetime.now().replace(microsecond=0)
    other = batchfmt.Entry(1, "b-1", "notice.upsert", int(now.timestamp()), {
        "uuid": "5b0c6f0e-3f0a-4b7e-9a51-0d7d8f1f2a11", "title": "垃圾分类宣传", "body": "周六上午在广场",
        "buildings": [], "pinned": False, "important": True, "created_at": now.isoformat(),
        "expires_at": None, "withdrawn_at": None})
    s.hub.receive(batchfmt.build([other], "box-b", key, 65536)[0], "test")
    ship(s)

    c = app.test_client()
    assert login(c, "district").status_code == 302
    html = c.get("/district/community-notices").get_data(as_text=True)
    assert "周三停水" in html and "垃圾分类宣传" in html and "电梯检修" not in html  # withdrawn
    assert html.index("周三停水") < html.index("垃圾分类宣传")  # pinned first
    assert "&lt;script&gt;" in html and "<script>x" not in html
    assert "3号楼" in html and "需居民确认已读" in html
    only_b = c.get("/district/community-notices?box=box-b").get_data(as_text=True)
    assert "垃圾分类宣传" in only_b and "周三停水" not in only_b
    assert c.get("/district/community-notices?box=" + "x" * 500).status_code == 200
    assert "各社区公告" in c.get("/district/community-notices").get_data(as_text=True)


def test_read_counts_of_an_important_notice_reach_the_district_once_a_minute(hub_runtime):  # noqa: F811
    from web import create_app

    s = hub_runtime.services
    app = create_app(hub_runtime.config, s, testing=True)
    s.accounts.create("district", "district", PASSWORD, display_name="District")
    s.hub.register_box(s.box_id, s.sync.public_key)
    s.sync.pin_hub("district-1", s.hub.public_key)
    reg = s.registry
    b3 = reg.save_building({"name": "3号楼"}, "t")
    b5 = reg.save_building({"name": "5号楼"}, "t")
    homes = [reg.save_unit({"building_id": b.id, "number": n}, "t") for b, n in
             ((b3, "101"), (b3, "102"), (b5, "201"))]
    people = [reg.save_resident({"name": f"住户{i}", "phone": f"1380013800{i}", "unit_id": u.id,
                                 "move_in": "2020-01-01"}, "t") for i, u in enumerate(homes)]
    notices = s.participation.notices
    from tests.participation.conftest import phone_photo
    n = notices.post({"title": "业主大会", "body": "请阅读", "important": "1"}, "volunteer")
    notices.post({"title": "新车位示意", "body": "见图"}, "volunteer", picture=phone_photo())
    notices.mark_read(n.id, people[0].id)
    notices.mark_read(n.id, people[1].id)
    before = OutboxEntry.select().where(OutboxEntry.kind == "notice.upsert").count()
    assert notices.publish_reads() == 1  # two reads, one entry
    assert notices.publish_reads() == 0  # nothing new, nothing sent
    assert OutboxEntry.select().where(OutboxEntry.kind == "notice.upsert").count() == before + 1
    payload = OutboxEntry.select().where(OutboxEntry.kind == "notice.upsert").order_by(OutboxEntry.seq.desc()).first().payload
    assert payload["reads"] == [{"building": "3号楼", "read": 2, "units": 2}, {"building": "5号楼", "read": 0, "units": 1}]
    assert "住户" not in str(payload) and "1380013800" not in str(payload)  # units counted, never who
    ship(s)

    c = app.test_client()
    assert login(c, "district").status_code == 302
    html = c.get("/district/community-notices").get_data(as_text=True)
    assert "2 户中 2 户" in html and "1 户中 0 户" in html
    assert html.count('data-testid="notice-picture-note"') == 1 and "图片不离开小区" in html
