"""Collect figures into bench/results.json and print them as a table."""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"


def record(name: str, value: float, unit: str, peer: str | None = None, peer_value: float | None = None,
           goal: str | None = None) -> dict:
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    entry = {"value": round(float(value), 4), "unit": unit, "peer": peer,
             "peer_value": None if peer_value is None else round(float(peer_value), 4), "goal": goal}
    data[name] = entry
    RESULTS.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    print(f"  {name:<42} {entry['value']:>12} {unit:<8} goal {goal or '-':<14} peer {peer or '-'}"
          + (f" = {entry['peer_value']}" if peer_value is not None else ""), flush=True)
    return entry


def print_table() -> None:
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    print(f"\n{'figure':<42} {'value':>12} {'unit':<8} {'goal':<16} peer")
    for name, e in sorted(data.items()):
        peer = f"{e.get('peer') or '-'}" + (f" = {e['peer_value']}" if e.get("peer_value") is not None else "")
        print(f"{name:<42} {e['value']:>12} {e['unit']:<8} {e.get('goal') or '-':<16} {peer}")
