"""The district's boxes overview (each box's running total and downlink heads, a page at a
time) and the kind list agree with the raw rows."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.hub.models import HubEntry
from appliance.hub.service import HubService
from appliance.hub.store import open_hub_db
from appliance.sync import batch as batchfmt
from appliance.sync.keys import public_text


def test_overview_counts_entries_and_unapplied_downlink_per_box(tmp_path):
    hub = HubService(open_hub_db("", tmp_path), "district-1", tmp_path)
    try:
        keys = {b: Ed25519PrivateKey.generate() for b in ("box-a", "box-b", "box-c")}
        for box, key in keys.items():
            hub.register_box(box, public_text(key))
        day = 86400
        a = [batchfmt.Entry(s, f"a{s}", "access.event" if s % 3 else "firelane.event", 1_795_000_000 + s * day // 4,
                            {"n": s}) for s in range(1, 31)]
        hub.receive(batchfmt.build(a[:20], "box-a", keys["box-a"], 65536)[0], "test")
        hub.receive(batchfmt.build(a[20:], "box-a", keys["box-a"], 65536)[0], "test")
        hub.receive(batchfmt.build(a[20:], "box-a", keys["box-a"], 65536)[0], "test")  # a redelivery
        b = [batchfmt.Entry(1, "b1", "resident.upsert", 1_795_000_000, {"u": 1})]
        hub.receive(batchfmt.build(b, "box-b", keys["box-b"], 65536)[0], "test")
        hub.queue_downlink(["box-a", "box-b"], "notice", {"uuid": "n1", "title": "停水", "body": ""})
        hub.queue_downlink(["box-a"], "notice", {"uuid": "n2", "title": "停电", "body": ""})
        rows = {r["box"].box_id: (r["entries"], r["down_pending"]) for r in hub.overview()}
        assert rows == {"box-a": (30, 2), "box-b": (1, 1), "box-c": (0, 0)}
        assert rows["box-a"][0] == HubEntry.select().where(HubEntry.box == "box-a").count()
        # box-a applied the first notice: its next batch says so (signed), one is left.
        c = [batchfmt.Entry(31, "a31", "access.event", 1_795_000_000 + 31 * day, {"n": 31})]
        hub.receive(batchfmt.build(c, "box-a", keys["box-a"], 65536, down_ack=1)[0], "test")
        rows = {r["box"].box_id: (r["entries"], r["down_pending"]) for r in hub.overview()}
        assert rows["box-a"] == (31, 1)
        assert hub.kinds() == ["access.event", "firelane.event", "resident.upsert"]
        assert [r["box"].box_id for r in hub.overview(2, 0)] == ["box-a", "box-b"]
        assert [(r["box"].box_id, r["entries"]) for r in hub.overview(2, 2)] == [("box-c", 0)]
    finally:
        hub.db.close()
