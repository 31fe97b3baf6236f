"""District pages over a large hub database on PostgreSQL: p50/p95 of whole requests (login
session, queries, template) through the Flask app, with and without hub migration 0004's
indexes.

    nice .venv/bin/python -m bench.bench_hub_pages --rows 2000000

The rows are generated inside PostgreSQL (generate_series): 1,000 boxes, one year, 90% gate
events, 5% fire-lane events, 5% resident changes; day counts filled from them as the worker
keeps them. The issue asks for 10 million rows; --rows says what was measured.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench._results import record

ROOT = Path(__file__).resolve().parent.parent
INDEXES_0004 = {"hub_entry_kind_at": "hub_entry (kind, at)"}
# What the overview and the kind list ran before migration 0004 (timed for comparison).
OLD_QUERIES = {"overview sum of day counts": "SELECT box, SUM(entries) FROM hub_box_day GROUP BY box",
               "distinct kinds of day counts": "SELECT DISTINCT kind FROM hub_box_day ORDER BY kind"}
PAGES = {
    "overview": "/district/",
    "overview_page10": "/district/?page=10",
    "events_newest": "/district/events",
    "events_page50": "/district/events?page=50",
    "events_fire_lane": "/district/events?kind=firelane.event",
    "events_residents_page20": "/district/events?kind=resident.upsert&page=20",
    "events_one_box": "/district/events?box=box-0500",
    "events_one_box_fire_lane": "/district/events?box=box-0500&kind=firelane.event",
}


def generate(db, rows: int, boxes: int = 1000) -> float:
    from appliance.hub import partitions

    started = time.perf_counter()
    # The rows below are stored through 2026: their months, as the workers would have made them.
    partitions.ensure_months(db, 12, now=datetime.datetime(2026, 1, 1))
    db.execute_sql(f"""INSERT INTO hub_box (box_id, public_key, name, registered_at, acked, down_acked, backlog,
                       online, last_channel, mqtt_hash)
                       SELECT 'box-' || lpad(i::text, 4, '0'), 'x', '社区 ' || i, now(), 0, 0, 0, 'online', 'mqtt', ''
                       FROM generate_series(1, {boxes}) i""")
    # Loading into indexed partitions row by row was the slow part (five indexes per row); the
    # indexes are dropped while the rows go in and built once per partition afterwards, as
    # migration 0005 does after its copy. Same rows, same indexes at the end.
    indexes = db.execute_sql("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'hub_entry'").fetchall()
    for name, _ in indexes:
        db.execute_sql(f"DROP INDEX {name}")
    step = 1_000_000
    for lo in range(0, rows, step):
        hi = min(rows, lo + step)
        db.execute_sql(f"""INSERT INTO hub_entry (box, seq, uuid, kind, at, payload, received_at)
            SELECT 'box-' || lpad((1 + mod(g, {boxes}))::text, 4, '0'), 1 + g / {boxes}, md5(g::text),
                   CASE WHEN mod(g, 20) = 0 THEN 'firelane.event' WHEN mod(g, 20) = 1 THEN 'resident.upsert'
                        ELSE 'access.event' END,
                   timestamp '2026-01-01' + (g::float8 / {rows} * 365) * interval '1 day',
                   '{{"door": "东门", "method": "card", "result": "granted", "unit": "3-2-501"}}',
                   timestamp '2026-01-01' + (g::float8 / {rows} * 365) * interval '1 day'
            FROM generate_series({lo}, {hi - 1}) g""")
        print(f"\r  generated {hi:,}/{rows:,} entries", end="", flush=True)
    print(f"\n  rows in {time.perf_counter() - started:.0f} s; building {len(indexes)} indexes", flush=True)
    db.execute_sql("SET maintenance_work_mem = '256MB'")
    for _, sql in indexes:  # pg_indexes says "ON ONLY hub_entry": that would skip the partitions
        db.execute_sql(sql.replace(" ON ONLY ", " ON "))
    print(f"  indexes built at {time.perf_counter() - started:.0f} s", flush=True)
    per_month = db.execute_sql("SELECT tableoid::regclass::text, COUNT(*) FROM hub_entry GROUP BY 1 ORDER BY 1").fetchall()
    print("  rows per partition: " + ", ".join(f"{name.removeprefix('hub_entry_')} {n:,}" for name, n in per_month))
    assert not any(name == "hub_entry_default" for name, _ in per_month), "rows outside the months made"
    db.execute_sql("INSERT INTO hub_box_month SELECT box, CAST(date_trunc('month', received_at) AS DATE), "
                   "MIN(seq), MAX(seq) FROM hub_entry GROUP BY 1, 2")  # as ingest keeps it (migration 0006)
    db.execute_sql("UPDATE hub_box SET acked = m.top FROM (SELECT box, max(seq) AS top FROM hub_entry GROUP BY box) m "
                   "WHERE m.box = hub_box.box_id")
    db.execute_sql("INSERT INTO hub_box_day (box, day, kind, entries) SELECT box, CAST(at AS DATE), kind, COUNT(*) "
                   "FROM hub_entry GROUP BY 1, 2, 3")
    db.execute_sql("UPDATE hub_box SET entries = (SELECT COALESCE(SUM(d.entries), 0) FROM hub_box_day d "
                   "WHERE d.box = hub_box.box_id)")
    db.execute_sql("VACUUM ANALYZE")
    return time.perf_counter() - started


def measure(client, repeat: int) -> dict[str, tuple[float, float]]:
    out = {}
    for name, url in PAGES.items():
        assert client.get(url).status_code == 200, url  # warm: plans and pages cached as in use
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - t)
            assert response.status_code == 200, url
        times.sort()
        out[name] = (statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))])
        print(f"    {name:<28} p50 {out[name][0] * 1000:8.1f} ms   p95 {out[name][1] * 1000:8.1f} ms", flush=True)
    return out


def _peak_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def export_month(client, hub, label: str) -> None:
    """A month of every box (March) as CSV (streamed) and XLSX, then the old way (the whole
    list in memory) last, since peak RSS only ever grows."""
    import datetime

    from appliance.hub.export import to_csv

    base = _peak_mib()
    print(f"  exports of March; process peak RSS before: {base:.0f} MiB")
    for fmt in ("csv", "xlsx"):
        t = time.perf_counter()
        response = client.get(f"/district/events.{fmt}?month=2026-03")
        size = sum(len(chunk) for chunk in response.response)  # drain the stream as a download would
        seconds = time.perf_counter() - t
        peak = _peak_mib()
        print(f"    {fmt}: {size / 2**20:.1f} MiB in {seconds:.1f} s; peak RSS {peak:.0f} MiB (+{peak - base:.0f})")
        record(f"hub_export_month_{label}_{fmt}_peak_rss_growth_mib", peak - base, "MiB",
               goal="bounded (streamed)")
    t = time.perf_counter()
    old = to_csv(list(hub.iter_events(since=datetime.datetime(2026, 3, 1), until=datetime.datetime(2026, 4, 1),
                                      chunk=10**9)))
    peak = _peak_mib()
    print(f"    the old way (whole list, then one bytes object): {len(old) / 2**20:.1f} MiB in "
          f"{time.perf_counter() - t:.1f} s; peak RSS {peak:.0f} MiB (+{peak - base:.0f})")
    record(f"hub_export_month_{label}_csv_in_memory_peak_rss_growth_mib", peak - base, "MiB", goal="(before)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.bench_hub_pages")
    ap.add_argument("--rows", type=int, default=2_000_000, help="entries to generate (the issue's figure is 10M)")
    ap.add_argument("--repeat", type=int, default=20, help="requests per page")
    ap.add_argument("--repeat-without", type=int, default=None,
                    help="requests per page without 0004's indexes (default --repeat; at 10M each event page "
                         "then takes seconds, as the kind list scans every month)")
    args = ap.parse_args(sys.argv[1:] if argv is None else argv)
    sys.path.insert(0, str(ROOT))
    from tests.sync.realparts import Postgres

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pg = Postgres(tmp / "pg")
        pg.start()
        try:
            url = pg.create_db("pages")
            home = tmp / "home"
            home.mkdir()
            saved_home = os.environ.get("LINLI_HOME")  # `python -m bench` runs the next bench in this process
            os.environ["LINLI_HOME"] = str(home)
            (home / "config.toml").write_text(f'[hub]\nenabled = true\nid = "district-1"\ndb_url = "{url}"\n',
                                              encoding="utf-8")
            from appliance.config import load_config
            from appliance.runtime import build_runtime
            from tests.conftest import PASSWORD, login
            from web import create_app

            rt = build_runtime(load_config(home), immediate_tasks=True, hardware=False)
            try:
                db = rt.services.hub.db
                seconds = generate(db, args.rows)
                size = db.execute_sql("SELECT SUM(pg_total_relation_size(relid)) "
                                      "FROM pg_partition_tree('hub_entry')").fetchone()[0]
                print(f"  {args.rows:,} entries in {seconds:.0f} s; hub_entry with its indexes {size / 2**20:.0f} MiB")
                app = create_app(rt.config, rt.services, testing=True)
                rt.services.accounts.create("district", "district", PASSWORD, display_name="District")
                client = app.test_client()
                assert login(client, "district").status_code == 302

                for name in INDEXES_0004:
                    db.execute_sql(f"DROP INDEX IF EXISTS {name}")
                db.execute_sql("ANALYZE hub_entry")
                print("  without migration 0004's indexes:")
                before = measure(client, args.repeat if args.repeat_without is None else args.repeat_without)
                for name, on in INDEXES_0004.items():
                    db.execute_sql(f"CREATE INDEX {name} ON {on}")
                db.execute_sql("ANALYZE hub_entry")
                print("  with them:")
                after = measure(client, args.repeat)
                # The queries alone, to tell the database's share from the page's.
                hub = rt.services.hub
                old = {name: (lambda sql=sql: db.execute_sql(sql).fetchall()) for name, sql in OLD_QUERIES.items()}
                for name, call in (*old.items(), ("overview()", hub.overview), ("kinds()", hub.kinds), ("events()", lambda: hub.events(None, None, 100, 0)),
                                   ("events(kind)", lambda: hub.events("firelane.event", None, 100, 0))):
                    times = []
                    for _ in range(args.repeat):
                        t = time.perf_counter()
                        call()
                        times.append(time.perf_counter() - t)
                    times.sort()
                    print(f"    query {name:<30} p50 {statistics.median(times) * 1000:8.1f} ms   p95 "
                          f"{times[min(len(times) - 1, int(0.95 * len(times)))] * 1000:8.1f} ms", flush=True)
                label = f"{args.rows / 1e6:g}M"
                export_month(client, hub, label)
                for name, (p50, p95) in after.items():
                    record(f"hub_pages_{label}_{name}_p95_ms", p95 * 1000, "ms", goal="<= 300",
                           peer="without 0004's indexes", peer_value=before[name][1] * 1000)
            finally:
                rt.close()
                if saved_home is None:
                    os.environ.pop("LINLI_HOME", None)
                else:
                    os.environ["LINLI_HOME"] = saved_home
        finally:
            pg.stop()


if __name__ == "__main__":
    main()
