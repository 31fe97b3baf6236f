"""Startup cost of the features' work-order categories: every start each feature registers
its categories again. Times build_runtime on a box that has started before, and the time
spent inside register_category, with one read of all categories (now) against one query per
category (the earlier way, reproduced by bypassing the read-once cache), in the same run."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from bench._results import record

RESTARTS = 7


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        os.environ["LINLI_HOME"] = str(home)
        from appliance.config import load_config
        from appliance.runtime import build_runtime
        from appliance.workorders import categories
        from appliance.workorders.service import WorkOrderService

        spent = {"s": 0.0, "calls": 0}
        original = WorkOrderService.register_category

        def timed(self, *args, **kwargs):
            started = time.perf_counter()
            try:
                return original(self, *args, **kwargs)
            finally:
                spent["s"] += time.perf_counter() - started
                spent["calls"] += 1

        WorkOrderService.register_category = timed
        cached = categories.CategoryRegistry._known_categories

        def start() -> tuple[float, float, int]:
            spent.update(s=0.0, calls=0)
            started = time.perf_counter()
            runtime = build_runtime(load_config(home), immediate_tasks=True, hardware=False)
            total = time.perf_counter() - started
            runtime.close()
            return total, spent["s"], spent["calls"]

        try:
            start()  # first start: creates the database and the categories
            figures = {}
            for mode in ("one_query_per_category", "read_once", "one_query_per_category", "read_once"):
                categories.CategoryRegistry._known_categories = (
                    cached if mode == "read_once" else (lambda self: {}))
                runs = [start() for _ in range(RESTARTS)]
                figures[mode] = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs),
                                 runs[0][2])
        finally:
            categories.CategoryRegistry._known_categories = cached
            WorkOrderService.register_category = original
        before, after = figures["one_query_per_category"], figures["read_once"]
        print(f"   {after[2]} categories registered per start; median of {RESTARTS} restarts")
        record("workorder_categories_register_ms", after[1] * 1000, "ms", peer="query per category",
               peer_value=before[1] * 1000)
        record("runtime_restart_build_ms", after[0] * 1000, "ms", peer="query per category",
               peer_value=before[0] * 1000)
