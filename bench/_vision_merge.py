"""Merge figures into bench/results.json (kept local to the vision benchmarks)."""
from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"


def record(name, value, unit, peer=None, peer_value=None, goal=None, path: Path = RESULTS):
    try:
        from bench._results import record as shared_record  # the project's helper, once on main
    except ImportError:
        shared_record = None
    if shared_record is not None:
        return shared_record(name, value, unit, peer=peer, peer_value=peer_value, goal=goal)
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = {"value": value, "unit": unit, "peer": peer, "peer_value": peer_value,
                  "goal": goal}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    print(f"{name:<44} {value:>10} {unit:<6} peer {peer}={peer_value} goal {goal}")
