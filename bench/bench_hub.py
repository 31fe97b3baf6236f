"""The district hub at city scale, measured: simulated boxes (own keys, own broker logins,
signed batches, 5% redelivered) through a real mosquitto with the hub's ACL into 1, 2 and 4
hub worker processes on one PostgreSQL database.

Printed: batches/s and entries/s per worker count (each box keeps two batches in flight, so
the hub is the limit), p95 publish-to-signed-ack latency, the same run's raw ``COPY`` of the
same rows (the practical limit of the database), and a thousand boxes at a modest paced rate.
With ``--past-months N``: retention on PostgreSQL's monthly partitions, a month dropped whole
against the same number of rows deleted one by one. With ``--many-months N``: the backlog run
and the worker runs again on a hub with N more (empty) monthly partitions, both printed.
Everything here shares the machine's cores with the generator, mosquitto and PostgreSQL;
``python -m bench.bench_hub --help`` for sizes.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import sys
import tempfile
import time
from pathlib import Path

from bench._results import record

ROOT = Path(__file__).resolve().parent.parent


def copy_rate(db) -> tuple[int, float]:
    """Rows/s of PostgreSQL's COPY of the rows the run stored, into an empty twin table."""
    cur = db.cursor()
    buf = io.StringIO()
    # (COPY ... TO refuses a partitioned table by name; the query form reads every month.)
    cur.copy_expert("COPY (SELECT box, seq, uuid, kind, at, payload, received_at FROM hub_entry) TO STDOUT", buf)
    rows = buf.getvalue().count("\n")
    cur.execute("DROP TABLE IF EXISTS copy_probe")
    # A plain table with the same columns and indexes (one month's partition, as ingest fills).
    cur.execute("CREATE TABLE copy_probe (LIKE hub_entry INCLUDING ALL)")
    db.commit()
    buf.seek(0)
    started = time.perf_counter()
    cur.copy_expert("COPY copy_probe (box, seq, uuid, kind, at, payload, received_at) FROM STDIN", buf)
    db.commit()
    elapsed = time.perf_counter() - started
    cur.execute("DROP TABLE copy_probe")
    db.commit()
    return rows, rows / elapsed


def prune_by_month(db, months: int) -> None:
    """Spread the run's stored rows over ``months`` past months (as if the hub had stored them
    then), then time retention on the two oldest: the oldest month dropped whole, the next
    one's rows (as many, give or take one a box) deleted row by row."""
    from appliance.hub import partitions
    from appliance.hub.retention import prune

    this = partitions.month_start(datetime.datetime.now())
    partitions.ensure_months(db, 0, back=months)
    started = time.perf_counter()
    # Row with seq s goes to month 1 + (s mod N) back, stored on its 10th day, happened an hour before.
    db.execute_sql("UPDATE hub_entry SET received_at = %s - make_interval(months => 1 + (seq %% %s)::int) "
                   "+ interval '9 days', at = %s - make_interval(months => 1 + (seq %% %s)::int) + interval '9 days' "
                   "- interval '1 hour'", (this, months, this, months))
    db.execute_sql("ANALYZE hub_entry")
    print(f"   spread over {months} past months in {time.perf_counter() - started:.1f} s", flush=True)
    oldest = partitions.month_of(partitions.add_months(this, -months))
    older = partitions.month_of(partitions.add_months(this, -months + 1))
    count = {m.name: db.execute_sql(f"SELECT COUNT(*) FROM {m.name}").fetchone()[0] for m in (oldest, older)}
    days = 30  # "*=30": now is chosen so the cutoff falls where wanted

    started = time.perf_counter()
    dropped = prune(db, {"*": days}, now=oldest.end + datetime.timedelta(days=days))
    drop_s = time.perf_counter() - started
    if dropped.months != [oldest.label] or dropped.total != count[oldest.name]:
        raise RuntimeError(f"expected {oldest.label} dropped whole, got {dropped}")
    started = time.perf_counter()
    # The cutoff one second short of the month's end: not covered whole, so row by row.
    deleted = prune(db, {"*": days}, now=older.end - datetime.timedelta(seconds=1) + datetime.timedelta(days=days))
    delete_s = time.perf_counter() - started
    if deleted.months or deleted.total != count[older.name]:
        raise RuntimeError(f"expected {older.label} row by row, got {deleted}")
    print(f"   prune {oldest.label}: {dropped.total} rows, month dropped whole in {drop_s * 1000:.0f} ms; "
          f"{older.label}: {deleted.total} rows deleted row by row in {delete_s * 1000:.0f} ms "
          f"({delete_s / max(drop_s, 1e-9):.0f}x)", flush=True)
    record("hub_prune_month_drop_ms", drop_s * 1000, "ms", peer=f"row-by-row delete of {deleted.total} rows (ms)",
           peer_value=delete_s * 1000, goal="well under the delete")
    record("hub_prune_row_delete_rows_per_s", deleted.total / delete_s, "rows/s")


def partitions_of(db) -> list:
    from appliance.hub import partitions

    return partitions.months(db)


def one_run(pg, tmp: Path, name: str, boxes: int, per_box: int, workers: int, per_batch: int, rate: float = 0.0,
            with_copy: bool = False, past_months: int = 0, empty_months: int = 0):
    from appliance.hub.models import HubEntry
    from bench.hub_load import LoadGenerator
    from tests.sync.hubcity import City

    city = City(tmp / name, pg.create_db(name))
    if empty_months:
        from appliance.hub import partitions

        # Months a hub running for years has kept (retention not yet due): empty here, but the
        # ingest's lookups of stored seqs by (box, seq) still visit each month's index.
        partitions.ensure_months(city.hub.db, 0, back=empty_months)
    gen = LoadGenerator(city.hub.public_key, 0, boxes=boxes, entries_per_box=per_box, per_batch=per_batch,
                        window=2, duplicate_share=0.05)
    try:
        started = time.perf_counter()
        gen.pair(city.hub)
        paired = time.perf_counter() - started
        gen.port = city.start_broker().port
        city.start_workers(workers)
        gen.connect()
        gen.status_all()
        cpu0 = time.process_time()
        total = boxes * per_box

        def progress(done, all_):
            print(f"\r   {name}: {done}/{all_} entries acked", end="", flush=True)

        result = gen.run(rate=rate, timeout=600, progress=progress)
        gen_cpu = (time.process_time() - cpu0) / result.seconds
        print()
        gen.close()
        city.stop_workers()
        stored = HubEntry.select().count()
        if result.unacked_boxes or stored != total:
            raise RuntimeError(f"{name}: {result.unacked_boxes} boxes unacked, {stored} of {total} stored")
        copy = copy_rate(city.hub.db) if with_copy else None
        # hub_entry's months each have their own storage (the partitioned parent has none).
        size = city.hub.db.execute_sql(
            "SELECT (SELECT SUM(pg_total_relation_size(relid)) FROM pg_partition_tree('hub_entry')) "
            "+ pg_total_relation_size('hub_batch') + pg_total_relation_size('hub_box_day')").fetchone()[0]
        result.bytes_per_entry = size / stored
        if past_months:
            prune_by_month(city.hub.db, past_months)
        print(f"   {name}: {len(partitions_of(city.hub.db))} monthly partitions; paired {boxes} boxes in {paired:.1f} s; generator used {gen_cpu * 100:.0f}% of a core; "
              f"{result.ack_regressions} acks arrived after a newer one", flush=True)
        return result, copy
    finally:
        gen.close()
        city.close()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.bench_hub")
    ap.add_argument("--boxes", type=int, default=100, help="boxes for the worker-scaling runs")
    ap.add_argument("--per-box", type=int, default=300, help="entries each box sends in those runs")
    ap.add_argument("--workers", default="1,2,4", help="worker counts to try")
    ap.add_argument("--city-boxes", type=int, default=1000, help="boxes of the paced city run (0 skips it)")
    ap.add_argument("--city-rate", type=float, default=20, help="batches/s over all boxes in the city run")
    ap.add_argument("--city-per-box", type=int, default=30, help="entries each box sends in the city run (10 a batch)")
    ap.add_argument("--backlog-boxes", type=int, default=100,
                    help="boxes of the backlog run: every box back after an outage (0 skips it)")
    ap.add_argument("--backlog-per-box", type=int, default=1000, help="entries each box holds in the backlog run")
    ap.add_argument("--past-months", type=int, default=0,
                    help="after the first run, spread its rows over N past months (N >= 2) and time retention: "
                         "a month dropped whole against the same rows deleted one by one")
    ap.add_argument("--many-months", type=int, default=0,
                    help="run the backlog again on a hub that has N empty past months besides the usual ones, "
                         "and print both (ingest checks every month's (box, seq) index)")
    args = ap.parse_args(sys.argv[1:] if argv is None else argv)
    sys.path.insert(0, str(ROOT))
    from tests.sync.realparts import Postgres

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pg = Postgres(tmp / "pg")
        pg.start()
        try:
            best = 0.0
            if args.backlog_boxes:
                # Boxes back from an outage send big batches (a 64 KB batch holds ~600 gate
                # events): the regime to hold against COPY, which is bulk too.
                result, copy = one_run(pg, tmp, "backlog", args.backlog_boxes, args.backlog_per_box, 1,
                                       per_batch=500, with_copy=True, past_months=args.past_months)
                best = max(best, result.entries_per_s)
                rows, rate = copy
                record("hub_backlog_1w_entries_per_s", result.entries_per_s, "ent/s", goal=">= 30% of COPY")
                record("hub_backlog_1w_vs_copy", result.entries_per_s / rate * 100, "%",
                       peer=f"PostgreSQL COPY of the same {rows} rows", peer_value=rate, goal=">= 30")
                if args.many_months:
                    few = result.entries_per_s
                    many, _ = one_run(pg, tmp, f"backlog_{args.many_months}m", args.backlog_boxes,
                                      args.backlog_per_box, 1, per_batch=500, empty_months=args.many_months)
                    print(f"   backlog ingest: {few:,.0f} entries/s with the usual months; {many.entries_per_s:,.0f} "
                          f"with {args.many_months} more empty ones ({many.entries_per_s / few * 100:.0f}%)", flush=True)
                    record(f"hub_backlog_1w_entries_per_s_{args.many_months}_more_months", many.entries_per_s,
                           "ent/s", peer="same run, the usual months", peer_value=few, goal="close to the peer")
            for n in [int(x) for x in args.workers.split(",") if x]:
                result, copy = one_run(pg, tmp, f"w{n}", args.boxes, args.per_box, n, per_batch=20,
                                       with_copy=(n == 1), past_months=0 if args.backlog_boxes else args.past_months)
                args.past_months = 0
                if args.many_months:  # small live batches: the per-batch lookups weigh most here
                    many, _ = one_run(pg, tmp, f"w{n}_{args.many_months}m", args.boxes, args.per_box, n,
                                      per_batch=20, empty_months=args.many_months)
                    print(f"   {n} worker(s), batches of 20: {result.entries_per_s:,.0f} entries/s with the usual "
                          f"months; {many.entries_per_s:,.0f} with {args.many_months} more empty ones "
                          f"({many.entries_per_s / result.entries_per_s * 100:.0f}%)", flush=True)
                    record(f"hub_{args.boxes}boxes_{n}w_entries_per_s_{args.many_months}_more_months",
                           many.entries_per_s, "ent/s", peer="same run, the usual months",
                           peer_value=result.entries_per_s, goal="close to the peer")
                best = max(best, result.entries_per_s)
                record(f"hub_{args.boxes}boxes_{n}w_batches_per_s", result.batches_per_s, "b/s",
                       goal="more with more workers until the cores run out")
                record(f"hub_{args.boxes}boxes_{n}w_entries_per_s", result.entries_per_s, "ent/s")
                record(f"hub_{args.boxes}boxes_{n}w_p95_ack_ms", result.p(0.95) * 1000, "ms",
                       goal="saturated: queueing")
                if copy:
                    record("hub_pg_bytes_per_entry", result.bytes_per_entry, "B",
                           goal="disk per year = boxes x entries/day x 365 x this")
                    rows, rate = copy
                    record("hub_1w_vs_copy", result.entries_per_s / rate * 100, "%",
                           peer=f"PostgreSQL COPY of the same {rows} rows", peer_value=rate, goal=">= 30")
            if args.city_boxes:
                result, _ = one_run(pg, tmp, "city", args.city_boxes, args.city_per_box, 2, per_batch=10,
                                    rate=args.city_rate)
                name = f"hub_{args.city_boxes}boxes_at_{args.city_rate:g}bps"
                record(f"{name}_batches_per_s", result.batches_per_s, "b/s", goal=f"= offered {args.city_rate:g}")
                record(f"{name}_p50_ack_ms", result.p(0.50) * 1000, "ms")
                record(f"{name}_p95_ack_ms", result.p(0.95) * 1000, "ms", goal="< 1000")
                # Where the tail is: the batches sent while 1,000 boxes' first statuses are
                # being stored, against the rest of the run.
                early, n_early = result.p_sent_between(0.95, 0, 20)
                late, n_late = result.p_sent_between(0.95, 20, 1e9)
                print(f"   {name}: p95 of the {n_early} batches sent in the first 20 s {early * 1000:.0f} ms, "
                      f"of the {n_late} after {late * 1000:.0f} ms; {result.resent} batches resent", flush=True)
                record(f"{name}_p95_ack_ms_after_20s", late * 1000, "ms", goal="< 1000")
            # A city's day: 1,000 boxes x ~1,500 entries, at the best ingest rate measured above.
            if best:
                    record("hub_city_day_minutes_at_best_rate", 1000 * 1500 / best / 60, "min",
                       goal="a day's traffic in well under a day")
        finally:
            pg.stop()


if __name__ == "__main__":
    main()
