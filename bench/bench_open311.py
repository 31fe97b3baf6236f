"""Open311 ``GET requests.json`` with 10,000 work orders and 10 concurrent clients: p95
latency of the box's route against a bare Flask route serving the same JSON (the same list,
serialised per request) on the same server (waitress, 4 threads) in the same run."""

from __future__ import annotations

import datetime
import statistics
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

from bench._results import record

ORDERS = 10_000
CLIENTS = 10
PER_CLIENT = 20


def fill(rt) -> None:
    from appliance.db.models import WorkOrder, WorkOrderNote

    wo = rt.services.workorders
    cats = [c for c in wo.categories()]
    b = rt.services.registry.save_building({"name": "3号楼"}, "bench")
    now = datetime.datetime.now().replace(microsecond=0)
    rows, notes = [], []
    for i in range(ORDERS):
        at = now - datetime.timedelta(minutes=13 * i)  # 10,000 orders over ~90 days
        rows.append({"uuid": uuid.uuid4().hex, "number": f"GD-B-{i:06d}", "source": "resident",
                     "category": cats[i % len(cats)].id, "building": b.id, "spot": f"东侧 {i % 40} 号灯",
                     "description": f"第 {i} 号报事：路灯不亮", "status": ("new", "accepted", "fixed", "closed")[i % 4],
                     "created_at": at, "updated_at": at, "due_at": at + datetime.timedelta(days=2)})
    with rt.db.atomic():
        for start in range(0, ORDERS, 500):
            WorkOrder.insert_many(rows[start:start + 500]).execute()
        ids = [i for (i,) in WorkOrder.select(WorkOrder.id).tuples()]
        for n, oid in enumerate(ids):
            notes.append({"uuid": uuid.uuid4().hex, "order": oid, "at": now, "actor": "bench", "kind": "status",
                          "text": f"处理中 {n}", "public": True})
        for start in range(0, len(notes), 500):
            WorkOrderNote.insert_many(notes[start:start + 500]).execute()


def _run(server) -> None:
    try:
        server.run()
    except OSError:  # the loop notices its sockets closed under it at the end
        pass


def serve(app):
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4, asyncore_loop_timeout=0.1)
    threading.Thread(target=lambda: _run(server), daemon=True).start()
    return server, f"http://127.0.0.1:{server.effective_port}"


def stop(server) -> None:
    server.close()
    for channel in list(server._map.values()):
        channel.close()
    server.task_dispatcher.shutdown(timeout=2)


def load(url: str) -> list[float]:
    times: list[float] = []
    lock = threading.Lock()

    def client():
        mine = []
        for _ in range(PER_CLIENT):
            started = time.perf_counter()
            with urllib.request.urlopen(url, timeout=60) as resp:
                resp.read()
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def main() -> None:
    from flask import Flask, jsonify

    from appliance.config import load_config
    from appliance.runtime import build_runtime
    from web import create_app

    with tempfile.TemporaryDirectory() as tmp:
        rt = build_runtime(load_config(Path(tmp) / "box"), immediate_tasks=True, hardware=False)
        try:
            fill(rt)
            app = create_app(rt.config, rt.services)
            server, base = serve(app)
            url = base + "/open311/v2/requests.json"
            with urllib.request.urlopen(url) as resp:  # warm up, and the JSON the bare route will serve
                import json

                data = json.loads(resp.read())
            print(f"  {len(data)} requests per answer ({ORDERS} orders in the database)")
            ours = load(url)
            stop(server)

            bare = Flask("bare")

            @bare.get("/requests.json")
            def same():
                return jsonify(data)

            bare_server, bare_base = serve(bare)
            urllib.request.urlopen(bare_base + "/requests.json").read()
            peer = load(bare_base + "/requests.json")
            stop(bare_server)
        finally:
            rt.close()
    record("open311_get_requests_p95_ms", p95(ours), "ms", peer="bare Flask route, same JSON", peer_value=p95(peer),
           goal="<= 3x peer")
    record("open311_get_requests_p95_ratio", p95(ours) / p95(peer), "x", goal="<= 3")


if __name__ == "__main__":
    main()
