"""Two workers at the same moment: on PostgreSQL (and SQLite) the same batch delivered twice
at once is stored once, and two batches of one box stored in parallel never ack a gap."""

from __future__ import annotations

import threading

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.hub.models import HubBatch, HubBoxDay, HubEntry
from appliance.hub.service import HubService
from appliance.hub.store import open_hub_db
from appliance.sync import batch as batchfmt
from appliance.sync.keys import public_text


@pytest.fixture(params=["sqlite", "postgresql"])
def hub(request, tmp_path):
    url = ""
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres").create_db(f"cc_{tmp_path.name[-12:].replace('-', '_').lower()}")
    h = HubService(open_hub_db(url, tmp_path), "district-1", tmp_path)
    yield h
    h.db.close()


def at_once(*calls):
    """Run the calls in threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))
    out = [None] * len(calls)

    def run(i, fn):
        barrier.wait()
        out[i] = fn()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def batches(box, key, sizes):
    seq, out = 0, []
    for n in sizes:
        entries = [batchfmt.Entry(s, f"{box}-{s}", "access.event", 1_795_000_000 + s, {"n": s})
                   for s in range(seq + 1, seq + n + 1)]
        out.append(batchfmt.build(entries, box, key, 65536)[0])
        seq += n
    return out


def test_the_same_batch_at_two_workers_at_once_is_stored_once(hub):
    rounds = 15
    for r in range(rounds):
        key = Ed25519PrivateKey.generate()
        box = f"box-{r}"
        hub.register_box(box, public_text(key))
        (data,) = batches(box, key, [25])
        first, second = at_once(lambda: hub.receive(data, "mqtt:w0"), lambda: hub.receive(data, "mqtt:w1"))
        assert sorted([first.status, second.status]) == ["duplicate", "stored"], (first, second)
        assert first.acked == second.acked == 25
    assert HubEntry.select().count() == rounds * 25
    assert sum(d.entries for d in HubBoxDay.select()) == rounds * 25
    assert HubBatch.select().where(HubBatch.status == "stored").count() == rounds


def test_two_batches_of_one_box_in_parallel_never_ack_a_gap(hub):
    for r in range(15):
        key = Ed25519PrivateKey.generate()
        box = f"box-{r}"
        hub.register_box(box, public_text(key))
        early, late = batches(box, key, [10, 10])
        got_late, got_early = at_once(lambda: hub.receive(late, "mqtt:w0"), lambda: hub.receive(early, "mqtt:w1"))
        assert got_early.status == got_late.status == "stored"
        if got_late.acked == 0:
            # The later batch was stored first: 11..20 are held, not acked, until 1..10 arrive.
            assert got_late.ranges == [[11, 20]]
            assert got_early.acked == 20
        else:
            assert (got_early.acked, got_late.acked) == (10, 20)
        assert hub.ack_bytes(box)  # the ack a worker would publish now
        assert {e.seq for e in HubEntry.select().where(HubEntry.box == box)} == set(range(1, 21))
