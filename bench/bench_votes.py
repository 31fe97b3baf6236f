"""Owners' votes figures.

1. The art. 278 count of a 10,000-unit community (9,000 owners: 400 own two units, 200 units are
   the developer's) with 8,000 owners' ballots on 3 matters: the engine on plain data, the
   same against a plain Fraction reference in the same run, and the box's full count from
   its SQLite ledger (roll + hash-chained entries).
2. Ballot cast latency (p95) over HTTP with 20 residents voting at once on their phones, the
   server pinned to one CPU core, against a bare Flask route in the same server and run.
"""

from __future__ import annotations

import http.cookiejar
import multiprocessing
import os
import random
import re
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

from bench._results import record

UNITS, BALLOTS, MATTERS = 10_000, 8_000, 3
VOTERS, CASTS = 20, 400


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def community(seed=7):
    from appliance.votes.tally import RollEntry

    rng = random.Random(seed)
    roll = []
    for i in range(UNITS):
        if i < 200:
            owner = "开发商"
        elif i < 1000:
            owner = f"o{(i - 200) // 2}"  # 400 owners of two units each
        else:
            owner = f"o{i}"
        roll.append(RollEntry(f"u{i}", owner, rng.randint(4000, 14000)))
    owners = sorted({e.owner for e in roll})
    voters = rng.sample(owners, BALLOTS)
    ballots = {str(m): {o: rng.choice(("yes", "yes", "no", "abstain")) for o in voters} for m in range(1, MATTERS + 1)}
    return roll, ballots


def reference(roll, ballots):
    owners = {}
    for e in roll:
        owners[e.owner] = owners.get(e.owner, 0) + e.area
    out = []
    for m, choices in ballots.items():
        pa = Fraction(sum(owners[o] for o in choices), sum(owners.values()))
        yes = [o for o, c in choices.items() if c == "yes"]
        aa = Fraction(sum(owners[o] for o in yes), sum(owners[o] for o in choices))
        out.append((pa >= Fraction(2, 3), aa > Fraction(1, 2)))
    return out


def bench_tally():
    from appliance.votes.tally import tally

    roll, ballots = community()
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        tally(roll, ballots, list(ballots))
        runs.append((time.perf_counter() - started) * 1000)
    ref = []
    for _ in range(5):
        started = time.perf_counter()
        reference(roll, ballots)
        ref.append((time.perf_counter() - started) * 1000)
    record("votes tally 10k units 8k ballots", min(runs), "ms", "plain Fraction reference", min(ref),
           goal="<= 1000 ms")


def bench_box_count():
    """The box's count: roll and ledger from SQLite, chain-effective ballots, the tally."""
    from appliance.config import load_config
    from appliance.db.models import Building, Household, Resident, Unit
    from appliance.runtime import build_runtime

    home = Path(tempfile.mkdtemp(prefix="linli-bench-votes-"))
    os.environ["LINLI_HOME"] = str(home)
    runtime = build_runtime(load_config(home), immediate_tasks=True, hardware=False)
    v = runtime.services.votes
    try:
        db = runtime.db
        rng = random.Random(3)
        with db.atomic():
            b = Building.create(name="1号楼")
            for start in range(0, UNITS, 500):
                Unit.insert_many([{"building": b.id, "number": f"{i:05d}", "area_m2": rng.randint(40, 140)}
                                  for i in range(start, min(UNITS, start + 500))]).execute()
            units = [u.id for u in Unit.select(Unit.id).order_by(Unit.id)][200:]  # the first 200: the developer's
            for start in range(0, len(units), 500):
                Household.insert_many([{"unit": uid} for uid in units[start:start + 500]]).execute()
            households = [h.id for h in Household.select(Household.id).order_by(Household.id)]
            for start in range(0, len(households), 500):
                Resident.insert_many([{"household": hid, "name": f"业主{hid}", "role": "owner"}
                                      for hid in households[start:start + 500]]).execute()
        vote = v.service.save({"title": "bench"}, [{"title": f"m{i}", "item": "4"} for i in range(1, 4)], "bench")
        v.service.publish_roll(vote.id, "bench", correction_days=0)
        vote = v.service.open(vote.id, "bench")
        rows = [r for r in v.roll.rows(vote.id) if r.owner_key != "developer"]
        started = time.perf_counter()
        with v.ledger.lock, v.ledger.transaction():
            for r in rows[:BALLOTS]:
                v.ledger.append(vote, "ballot", r.owner_key, units=r.number, channel="paper",
                                choices={"1": "yes", "2": "no", "3": "abstain"})
        append_ms = (time.perf_counter() - started) * 1000 / BALLOTS
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            v.service.results(vote)
            runs.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        problems = v.ledger.verify(vote)
        verify_ms = (time.perf_counter() - started) * 1000
        assert not problems
        record("votes box count 10k units 8k ballots", min(runs), "ms", "ledger chain check", verify_ms,
               goal="<= 5000 ms")
        record("votes ledger append (one transaction)", append_ms, "ms/ballot", goal="<= 5 ms")
    finally:
        runtime.close()


def serve(home: str, port: int, ready, core: int):
    os.sched_setaffinity(0, {core})
    os.environ["LINLI_HOME"] = home
    from waitress import serve as waitress_serve

    from appliance.config import load_config
    from appliance.runtime import build_runtime
    from web import create_app

    runtime = build_runtime(load_config(Path(home)), immediate_tasks=True, hardware=False)
    app = create_app(runtime.config, runtime.services)
    app.add_url_rule("/me/bench-bare", "bench_bare", lambda: "ok", methods=["POST"])  # CSRF-checked like a ballot
    import logging

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # 20 voters on 4 threads queue by design
    ready.set()
    waitress_serve(app, host="127.0.0.1", port=port, threads=4, _quiet=True)


def prepare(home: Path) -> tuple[int, list[tuple[str, str]]]:
    os.environ["LINLI_HOME"] = str(home)
    from appliance.config import load_config
    from appliance.runtime import build_runtime

    runtime = build_runtime(load_config(home), immediate_tasks=True, hardware=False)
    try:
        reg, creds, v = runtime.services.registry, runtime.services.credentials, runtime.services.votes
        b = reg.save_building({"name": "1号楼"}, "bench")
        people = []
        for i in range(CASTS):
            u = reg.save_unit({"building_id": b.id, "number": f"{i:04d}", "area_m2": "60"}, "bench")
            phone = f"139{i:08d}"
            r = reg.save_resident({"name": f"业主{i}", "unit_id": u.id, "phone": phone, "move_in": "2020-01-01"}, "b")
            people.append((phone, creds.new_pin(r.id, "bench")))
        vote = v.service.save({"title": "bench"}, [{"title": "续聘", "item": "4"}], "bench")
        v.service.publish_roll(vote.id, "bench", correction_days=0)
        v.service.open(vote.id, "bench")
        return vote.id, people
    finally:
        runtime.close()


def client(base: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def csrf(path):
        html = opener.open(base + path).read().decode()
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def post(path, data):
        return opener.open(base + path, urllib.parse.urlencode(data).encode()).read()

    return csrf, post


def bench_cast():
    home = Path(tempfile.mkdtemp(prefix="linli-bench-cast-"))
    vote_id, people = prepare(home)
    port = 18000 + os.getpid() % 1000
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    core = sorted(os.sched_getaffinity(0))[0]
    server = ctx.Process(target=serve, args=(str(home), port, ready, core), daemon=True)
    server.start()
    ready.wait(60)
    time.sleep(0.5)
    base = f"http://127.0.0.1:{port}"
    try:
        sessions = []
        for phone, pin in people:
            csrf, post = client(base)
            post("/me/login", {"csrf_token": csrf("/me/login"), "phone": phone, "pin": pin})
            sessions.append((csrf(f"/me/votes/{vote_id}"), post))

        def cast(s):
            token, post = s
            started = time.perf_counter()
            body = post(f"/me/votes/{vote_id}", {"csrf_token": token, "m1": "yes"})
            assert "done" in body.decode()
            return (time.perf_counter() - started) * 1000

        def bare(s):
            token, post = s
            started = time.perf_counter()
            post("/me/bench-bare", {"csrf_token": token})
            return (time.perf_counter() - started) * 1000

        with ThreadPoolExecutor(VOTERS) as pool:
            bare_ms = list(pool.map(bare, sessions))
            cast_ms = list(pool.map(cast, sessions))
        record("votes ballot cast p95 (20 voters, 1 core)", percentile(cast_ms, 0.95), "ms",
               "bare Flask route, same server", percentile(bare_ms, 0.95), goal="<= 500 ms")
    finally:
        server.terminate()
        server.join(5)


def main():
    bench_tally()
    bench_box_count()
    bench_cast()


if __name__ == "__main__":
    main()
