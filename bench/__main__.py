"""Run every bench/bench_*.py module's main() (or the ones named on the command line)."""

from __future__ import annotations

import importlib
import sys
import traceback
from pathlib import Path

from bench._results import RESULTS, print_table


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    names = argv or sorted(p.stem for p in here.glob("bench_*.py"))
    failed = 0
    for name in names:
        print(f"== {name}", flush=True)
        try:
            importlib.import_module(f"bench.{name}").main()
        except Exception:
            traceback.print_exc()
            failed += 1
    print_table(RESULTS)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
