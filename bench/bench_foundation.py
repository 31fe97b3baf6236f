"""Residents import speed (10,000 rows) and the memory of `linli run`."""

from __future__ import annotations

import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench._box import running_box
from bench._results import record

ROOT = Path(__file__).resolve().parent.parent


def bench_import(rows: int = 10_000) -> None:
    sys.path.insert(0, str(ROOT))
    from appliance.config import load_config
    from appliance.runtime import build_runtime
    from tests.helpers import many_rows, write_xlsx

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "box"
        rt = build_runtime(load_config(home), immediate_tasks=True, hardware=False)
        try:
            for n in range(1, 6):
                rt.services.registry.save_building({"name": f"{n}号楼"}, "bench")
            data = []
            for n in range(1, 6):
                data += many_rows(rows // 5, building=f"{n}号楼", start=(n - 1) * (rows // 5))
            path = write_xlsx(Path(tmp) / "big.xlsx", data)
            started = time.perf_counter()
            report = rt.services.residents_io.import_file(path, "bench", dry_run=True)
            checked = time.perf_counter() - started
            started = time.perf_counter()
            report = rt.services.residents_io.import_file(path, "bench")
            elapsed = time.perf_counter() - started
            assert report.ok and report.created == rows, report.errors[:3]
        finally:
            rt.close()
    record("import_10k_rows_s", elapsed, "s", peer="dry run (check only)", peer_value=checked, goal="< 60")


def bench_run_rss() -> None:
    with running_box() as (proc, base):
        for path in ("/login", "/healthz", "/kiosk/"):
            urllib.request.urlopen(f"{base}{path}", timeout=5).read()
        status = Path(f"/proc/{proc.pid}/status").read_text()
        fields = {line.split(":")[0]: line.split()[1] for line in status.splitlines() if line.startswith("Vm")}
    record("linli_run_rss_mb", int(fields["VmRSS"]) / 1024, "MiB", peer="peak (VmHWM)",
           peer_value=int(fields["VmHWM"]) / 1024, goal="<= 200 on a Pi 3B+")


def main() -> None:
    bench_import()
    bench_run_rss()
