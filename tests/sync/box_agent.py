"""A live box for the tests: produces gate events (each with its audit row, in one
transaction with its outbox entry) while the sync service drains them over MQTT.

    python -m tests.sync.box_agent TOTAL [--per-tx K] [--pause S] [--exit-when-drained]

It counts what it already produced from the database, so after a kill -9 it carries on
where the last committed transaction left off.
"""

from __future__ import annotations

import argparse
import sys
import time

from appliance.config import load_config
from appliance.db.models import AuditLog
from appliance.runtime import build_runtime
from appliance.sync.outbox import append


def produce(db, n: int) -> None:
    with db.atomic():
        AuditLog.create(actor="gate", action="test.event", entity="access", entity_id=str(n))
        append("access.event", {"n": n, "gate": "north", "method": "pin", "resident_uuid": f"r-{n % 97}",
                                "name": "张三", "phone": "13800000000"}, priority=7 if n % 10 else 2)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("total", type=int)
    ap.add_argument("--per-tx", type=int, default=50)
    ap.add_argument("--pause", type=float, default=0.01)
    ap.add_argument("--exit-when-drained", action="store_true")
    args = ap.parse_args()
    runtime = build_runtime(load_config(), immediate_tasks=True, hardware=False)
    runtime.start_sync()
    sync = runtime.services.sync
    produced = AuditLog.select().where(AuditLog.action == "test.event").count()
    print("start", produced, flush=True)
    while produced < args.total:
        for _ in range(min(args.per_tx, args.total - produced)):
            produce(runtime.db, produced)
            produced += 1
        sync.wakeup.set()
        time.sleep(args.pause)
    print("produced", produced, flush=True)
    while True:
        if sync.backlog() == 0:
            print("drained", sync.acked(), flush=True)
            if args.exit_when_drained:
                kinds = [e[1] for e in sync.channels["mqtt"].events]
                print("channel", " ".join(f"{k}={kinds.count(k)}" for k in sorted(set(kinds))), flush=True)
                break
        time.sleep(0.2)
    runtime.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
