"""Run every bench/bench_*.py module's main() (or the ones named on the command line)."""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from pathlib import Path

from bench._results import print_table


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    failed = []
    for name in names:
        module = importlib.import_module(f"bench.{name.removesuffix('.py')}")
        print(f"== {name}", flush=True)
        started = time.monotonic()
        saved_argv, sys.argv = sys.argv, [f"bench.{name}"]  # benches with their own options get none
        try:
            module.main()
        except (Exception, SystemExit):
            traceback.print_exc()
            failed.append(name)
        finally:
            sys.argv = saved_argv
        print(f"   ({time.monotonic() - started:.1f} s)", flush=True)
    print_table()
    if failed:
        print("failed:", ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
