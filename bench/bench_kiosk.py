"""Memory of the kiosk screen: Chromium showing /kiosk/ beside a running `linli run`.

The image's kiosk (image-build/systemd/linli-kiosk.service) is cage + Chromium on the touch
screen. No board or display is here, so this is the nearest measurable stand-in: Debian's own
Chromium, headless, with the kiosk unit's memory flags (one renderer), an 800x480 window, on
the demo box's kiosk page, left polling as it does at the gate. Memory is summed over
Chromium's whole process tree as PSS (shared pages split between the processes that map them;
an RSS sum would count the shared libraries once per process). Sampled after the page settles
and again a minute later, to see whether the 5 s polls make it grow. Not measured: cage itself
(a few MiB) and the GPU process of a real display; x86-64 rather than arm64 code.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from bench._box import running_box
from bench._results import record

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The kiosk unit's own flags, less the display ones (headless instead of cage/Wayland).
KIOSK_FLAGS = ["--kiosk", "--noerrdialogs", "--disable-infobars", "--no-first-run", "--renderer-process-limit=1",
               "--disable-features=Translate"]
HEADLESS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--window-size=800,480"]
SETTLE_S = 20
LATER_S = 60


def _children(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").iterdir():
            children = (task / "children").read_text().split()
            todo.extend(int(c) for c in children)
    return found


def _rollup_kib(pid: int) -> dict[str, int]:
    lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
    return {line.split(":")[0]: int(line.split()[1]) for line in lines if line.endswith("kB")}


def _tree_memory_mib(pid: int) -> tuple[float, float, float, int]:
    """PSS, anonymous PSS and RSS summed over ``pid`` and its descendants, and how many
    processes. Anonymous memory is what the kernel cannot drop under pressure; the rest is
    mostly Chromium's own binary mapped from the card, paged back in when needed."""
    pss = anon = rss = 0
    pids = _children(pid)
    for p in pids:
        try:
            rollup = _rollup_kib(p)
        except (FileNotFoundError, ProcessLookupError):  # a helper process ended meanwhile
            continue
        pss += rollup["Pss"]
        anon += rollup.get("Pss_Anon", 0)
        rss += rollup["Rss"]
    return pss / 1024, anon / 1024, rss / 1024, len(pids)


def main() -> None:
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: make setup installs it")
    with running_box() as (box, base), tempfile.TemporaryDirectory() as profile:
        urllib.request.urlopen(f"{base}/kiosk/", timeout=10).read()
        browser = subprocess.Popen([CHROMIUM, *HEADLESS, *KIOSK_FLAGS, f"--user-data-dir={profile}",
                                    f"{base}/kiosk/"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        try:
            time.sleep(SETTLE_S)
            settled, anon, settled_rss, processes = _tree_memory_mib(browser.pid)
            time.sleep(LATER_S)
            later, later_anon, _, _ = _tree_memory_mib(browser.pid)
            box_memory = _rollup_kib(box.pid)
            box_pss, box_anon = box_memory["Pss"] / 1024, box_memory.get("Pss_Anon", 0) / 1024
        finally:
            os.killpg(browser.pid, signal.SIGTERM)
            browser.wait(timeout=30)
    print(f"  Chromium on /kiosk/: {processes} processes, PSS {settled:.0f} MiB of which anonymous {anon:.0f} MiB "
          f"(RSS summed {settled_rss:.0f} MiB); after another {LATER_S} s: PSS {later:.0f}, anonymous "
          f"{later_anon:.0f} MiB. linli run beside it: PSS {box_pss:.0f} MiB, anonymous {box_anon:.0f} MiB")
    record("kiosk_chromium_pss_mb", settled, "MiB", peer=f"after {LATER_S} s more polling", peer_value=later,
           goal="-")
    record("kiosk_chromium_anon_mb", anon, "MiB", peer=f"after {LATER_S} s more polling", peer_value=later_anon,
           goal="-")
    record("kiosk_with_box_anon_mb", anon + box_anon, "MiB", peer="linli run alone (anonymous)", peer_value=box_anon,
           goal="Zero 2 W: < ~350 of 512")


if __name__ == "__main__":
    main()
