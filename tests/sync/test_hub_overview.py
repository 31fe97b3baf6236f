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


def test_exports_read_in_pages_every_entry_once_in_time_order(tmp_path):
    import datetime

    from appliance.hub.export import csv_chunks

    hub = HubService(open_hub_db("", tmp_path), "district-1", tmp_path)
    try:
        keys = {b: Ed25519PrivateKey.generate() for b in ("box-a", "box-b")}
        t0 = int(datetime.datetime(2026, 3, 30).timestamp())
        for box, key in keys.items():
            hub.register_box(box, public_text(key))
            # Ten entries share each second across the two boxes: ties on the time.
            rows = [batchfmt.Entry(s, f"{box}-{s}", "access.event", t0 + (s // 5) * 86400, {"n": s})
                    for s in range(1, 31)]
            hub.receive(batchfmt.build(rows, box, key, 1 << 20)[0], "test")
        got = [(e.box, e.seq) for e in hub.iter_events(chunk=7)]
        assert len(got) == len(set(got)) == 60
        times = [e.at for e in hub.iter_events(chunk=7)]
        assert times == sorted(times)
        march = list(hub.iter_events(since=datetime.datetime(2026, 3, 1), until=datetime.datetime(2026, 4, 1),
                                     chunk=3))
        assert {e.at.month for e in march} == {3} and len(march) == 2 * 9  # seqs 1-9 fall on 30 and 31 March
        text = b"".join(csv_chunks(hub.iter_events(box_id="box-b", chunk=4), rows_per_chunk=5)).decode("utf-8-sig")
        assert text.count("\n") == 31 and text.startswith("box,seq")
    finally:
        hub.db.close()
