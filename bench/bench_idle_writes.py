"""Bytes a running box writes to its card per day when nothing happens (card wear).

Starts `linli run` twice in a home on this machine's disk (tmpfs would count nothing): once as
first boot leaves a box (`linli init`, nothing configured) and once as the demo community
(cameras replaying into the fire-lane watch and the car gate, lamps on their clock). After a
warm-up it reads the process's ``write_bytes`` from /proc/<pid>/io (what it sent towards the
disk, page-cache write-back included) over a window and scales that to a day.

What the figure leaves out, on purpose: the nightly backup (one file of the database's size
a day, 7 kept), the journal (in RAM on the image, a small tail kept), and the file system's own
journal (ext4's commit=60 on the data partition batches it). Events (gate opens, reports) add
to it: bench_access gives the bytes per access event.

    python -m bench.bench_idle_writes [--minutes 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bench._box import running_box
from bench._results import record

ROOT = Path(__file__).resolve().parent.parent


def written(pid: int) -> int:
    """write_bytes of the process and its children (a box starts none today; counted if it does)."""
    total = 0
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/io").read_text().splitlines():
                if line.startswith("write_bytes:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total


def per_day(demo: bool, minutes: float, warmup_s: float) -> float:
    with running_box(demo=demo, folder=ROOT / "build") as (proc, _base):
        time.sleep(warmup_s)  # start-up writes (migrations, demo data, first checkpoint) are not idle
        before, started = written(proc.pid), time.monotonic()
        while time.monotonic() - started < minutes * 60:
            time.sleep(5)
            print(f"\r  {'demo' if demo else 'first boot'}: {time.monotonic() - started:4.0f} s, "
                  f"{(written(proc.pid) - before) / 1024:,.0f} KiB written", end="", flush=True)
        elapsed = time.monotonic() - started
        delta = written(proc.pid) - before
    print()
    return delta / elapsed * 86400


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.bench_idle_writes")
    ap.add_argument("--minutes", type=float, default=3, help="length of each measured window")
    ap.add_argument("--warmup", type=float, default=60, help="seconds after start not counted")
    args = ap.parse_args(sys.argv[1:] if argv is None else argv)
    (ROOT / "build").mkdir(exist_ok=True)
    bare = per_day(False, args.minutes, args.warmup)
    demo = per_day(True, args.minutes, args.warmup)
    record("idle_writes_first_boot_mib_per_day", bare / 2**20, "MiB/day",
           peer="demo community, cameras replaying", peer_value=demo / 2**20,
           goal="card wear: a 32 GB card takes years of this")


if __name__ == "__main__":
    main()
