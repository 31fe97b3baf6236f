"""Merge figures into bench/results.json and print them as a table."""

from __future__ import annotations

import json
import os
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"


def record(name: str, value: float, unit: str, peer: str | None = None, peer_value: float | None = None,
           goal: str | None = None) -> dict:
    path = Path(os.environ.get("LINLI_BENCH_RESULTS", RESULTS))
    data = json.loads(path.read_text()) if path.exists() else {}
    entry = {"value": round(float(value), 4), "unit": unit}
    if peer is not None:
        entry["peer"] = peer
    if peer_value is not None:
        entry["peer_value"] = round(float(peer_value), 4)
    if goal is not None:
        entry["goal"] = goal
    data[name] = entry
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    tmp.replace(path)
    peer_text = f"  (vs {peer}: {peer_value:g})" if peer is not None and peer_value is not None else ""
    print(f"{name:<48} {value:>12.3f} {unit:<10} {goal or '':<14}{peer_text}", flush=True)
    return entry


def print_table(path: Path = RESULTS) -> None:
    data = json.loads(Path(path).read_text()) if Path(path).exists() else {}
    print(f"\n{'figure':<48} {'value':>12} {'unit':<10} goal")
    for name, e in sorted(data.items()):
        print(f"{name:<48} {e['value']:>12} {e['unit']:<10} {e.get('goal', '')}")
