"""`python -m bench`: run every bench/bench_*.py module; each prints and merges its figures."""
import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).resolve().parent
    failed = []
    for info in sorted(pkgutil.iter_modules([str(here)]), key=lambda m: m.name):
        if not info.name.startswith("bench_"):
            continue
        print(f"== {info.name}")
        try:
            importlib.import_module(f"bench.{info.name}").main()
        except Exception as exc:  # a broken benchmark must not hide the others' figures
            print(f"{info.name} failed: {exc!r}")
            failed.append(info.name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
