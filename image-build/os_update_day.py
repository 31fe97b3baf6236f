"""The OS updates of `make image-test` (--os-update): a signed bundle of the build's own root
file system on a USB stick, installed from 备份与更新 and tried once through U-Boot's counts.
First a broken one (a model file missing), which the box must throw away and come back on
slot A; then a whole one, which must be kept and survive a power cut on slot B."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import requests

from box_pages import admin, csrf
from emulated_board import MTOOLS, Board

# A model file the health check verifies (models/manifest.json), left out of the "broken" system:
# the kind of mistake a bad build makes, which /healthz names ("vision models").
BROKEN_FILES = ("/opt/linli/venv/lib/python3.11/site-packages/models/plates/mininet_ssd_v1.caffemodel",
                "/opt/linli/models/plates/mininet_ssd_v1.caffemodel")


def os_bundle(rootfs: Path, work: Path, version: str, broken: bool) -> Path:
    """An OS bundle of the build's own root file system, signed with the build's keys;
    ``broken``: its system lacks a model file."""
    system = work / "rootfs-bundled.ext4"
    subprocess.run(["cp", "--sparse=always", str(rootfs), str(system)], check=True)
    for path in BROKEN_FILES if broken else ():
        subprocess.run(["debugfs", "-w", "-R", f"rm {path}", str(system)], check=True, capture_output=True)
        left = subprocess.run(["debugfs", "-R", f"stat {path}", str(system)], capture_output=True, text=True)
        if "File not found" not in left.stdout + left.stderr:
            raise SystemExit(f"could not remove {path} from the broken system")
    set_linli_version(system, version, work)
    bundle = work / f"linli-{version}.lub"
    started = time.monotonic()
    # The emulated board is no Pi: Linli reads its board as "generic", and refuses a bundle
    # made only for the Pis ("for another board"), as it should.
    subprocess.run([str(Path(__file__).parent / "make-os-bundle.sh"), str(system), version, str(bundle)], check=True,
                   stdout=subprocess.DEVNULL, env={**os.environ, "BUNDLE_BOARDS": "rpi3 rpi4 rpi-zero2w generic"})
    system.unlink()
    print(f"OS bundle {bundle.name}: {bundle.stat().st_size / 2**20:.0f} MiB, made in {time.monotonic() - started:.0f} s")
    return bundle


def set_linli_version(system: Path, version: str, work: Path) -> None:
    """The build's own system, numbered as a newer release: its Linli's pyproject.toml says
    ``version`` (make-os-bundle.sh refuses a bundle whose version is not the one inside)."""
    path = "/opt/linli/pyproject.toml"
    text = subprocess.run(["debugfs", "-R", f"cat {path}", str(system)], check=True, capture_output=True,
                          text=True).stdout
    renumbered = re.sub(r'(?m)^version = "[^"]*"', f'version = "{version}"', text, count=1)
    if renumbered == text:
        raise SystemExit(f"no version line in {path} of the bundled system")
    local = work / "pyproject.toml"
    local.write_text(renumbered)
    commands = work / "renumber.debugfs"
    commands.write_text(f"cd /opt/linli\nrm pyproject.toml\nwrite {local} pyproject.toml\n")
    subprocess.run(["debugfs", "-w", "-f", str(commands), str(system)], check=True, capture_output=True)


def stick_with(bundle: Path, work: Path) -> Path:
    """A FAT32 USB stick with the bundle where district staff put updates (linli/updates/)."""
    stick = work / "stick.img"
    stick.unlink(missing_ok=True)
    size_kib = (bundle.stat().st_size + 64 * 2**20) // 1024
    subprocess.run(["mkfs.vfat", "-F", "32", "-n", "LINLI", "-C", str(stick), str(size_kib)], check=True,
                   capture_output=True)
    subprocess.run(["mmd", "-i", str(stick), "::linli", "::linli/updates"], check=True, env=MTOOLS)
    subprocess.run(["mcopy", "-i", str(stick), str(bundle), "::linli/updates/"], check=True, env=MTOOLS)
    return stick


def install_from_stick(board: Board, version: str, timeout: float) -> None:
    """The administrator opens 备份与更新, sees the stick's bundle checked, and presses Install."""
    s, _token = admin(board)
    started = time.monotonic()
    while True:
        page = s.get(board.url + "/system/backups", timeout=600).text
        found = re.search(r'name="path" value="([^"]*linli-%s\.lub)"' % re.escape(version), page)
        if found:
            break
        refused = re.search(r'<td>linli-%s\.lub</td>.*?<span class="error">(.*?)</span>' % re.escape(version), page, re.S)
        if refused:
            raise SystemExit(f"备份与更新 refused the stick's bundle: {refused.group(1)}")
        if time.monotonic() - started > timeout:
            raise SystemExit("the stick's bundle never showed on 备份与更新")
        time.sleep(5)
    print(f"the stick's bundle listed on 备份与更新 after {time.monotonic() - started:.0f} s")
    # 备份与更新 checks every bundle on the stick (a SHA-256 of hundreds of MB, emulated) on
    # each view and again on Install.
    token = csrf(s, board.url + "/system/backups", timeout=900)
    answer = s.post(board.url + "/system/update", data={"path": found.group(1), "csrf_token": token}, timeout=900,
                    allow_redirects=False)
    if answer.status_code != 302:
        raise SystemExit(f"Install was refused: HTTP {answer.status_code}")


def install_os_update(board: Board, rootfs: Path, args, version: str, broken: bool) -> float:
    """Make the bundle, put it on a stick into the board, install it from 备份与更新 and wait
    for the restart into the try; returns when the install began (time.monotonic)."""
    bundle = os_bundle(rootfs, args.work, version, broken=broken)
    board.plug_stick(stick_with(bundle, args.work))
    install_from_stick(board, version, args.boot_timeout)
    started = time.monotonic()
    board.wait_off(args.update_timeout)
    return started


def expect_counts(board: Board, order: str, b_left: str, otherwise: str, problems: list[str]) -> None:
    """The slot order and slot B's starts in the counts on the card (the board is off), and
    both copies of them alike."""
    counts, copies = board.card.boot_counts(), board.card.boot_copies()
    print(f"linli-boot.env: {counts}; linli-boot.bak " + ("the same" if len(set(copies.values())) == 1 else "differs"))
    if (counts.get("BOOT_ORDER"), counts.get("BOOT_B_LEFT")) != (order, b_left):
        problems.append(f"{otherwise}: {counts}")
    if len(set(copies.values())) != 1:
        problems.append(f"the two copies of the counts differ: {copies}")


def broken_os_update_rolls_back(board: Board, rootfs: Path, args, problems: list[str]) -> None:
    version = "99.0.0"
    started = install_os_update(board, rootfs, args, version, broken=True)
    print(f"installed to the other slot and restarted for a try in {time.monotonic() - started:.0f} s")
    expect_counts(board, "B A", "1", "after the install slot B should be first with one start", problems)
    board.power_on()
    if board.slot != "B":
        problems.append(f"the try started slot {board.slot}, not B")
    started = time.monotonic()
    seen = None
    while board.proc is not None and board.proc.poll() is None:
        try:
            answer = requests.get(board.url + "/healthz", timeout=5)
            seen = {k: v["detail"] for k, v in answer.json()["subsystems"].items() if not v["ok"]}
        except (requests.RequestException, ValueError, KeyError):
            pass
        if time.monotonic() - started > args.update_timeout:
            raise SystemExit(f"the tried slot never went back:\n{board.console()[-3000:]}")
        time.sleep(3)
    board.wait_off(1)
    print(f"slot B up for {time.monotonic() - started:.0f} s, failing there: {seen}")
    # B's own `linli update confirm` marked it bad (last, no starts); a crash would have left
    # it first with its start spent.
    expect_counts(board, "A B", "0", "the unhealthy try did not mark slot B bad", problems)
    board.power_on()
    seconds, health = board.wait_health(args.boot_timeout)
    update = health["subsystems"].get("update", {})
    print(f"back on slot {board.slot} in {seconds:.0f} s; update line: {update.get('detail')}")
    if board.slot != "A":
        problems.append(f"after the failed try U-Boot started slot {board.slot}, not A")
    if version not in str(update.get("detail")):
        problems.append(f"the health page does not report the rolled-back update: {update}")
    console_b = (board.work / f"console-{board.boots - 1}.log").read_text(errors="replace")
    if not seen or "vision models" not in seen:
        problems.append(f"slot B did not fail on the missing model file as expected: {seen}")
    if "rauc.slot=B" not in console_b:
        problems.append("the try's console shows no rauc.slot=B on the kernel command line")


def healthy_os_update_is_kept(board: Board, rootfs: Path, args, problems: list[str]) -> None:
    """The same install with a whole system: the try is healthy, `confirm` keeps it (RAUC's
    mark-good and mark-active through the backend), and the next start, a power cut, is slot B
    again."""
    version = "99.1.0"
    install_os_update(board, rootfs, args, version, broken=False)
    board.power_on()
    if board.slot != "B":
        problems.append(f"the healthy try started slot {board.slot}, not B")
    seconds, health = board.wait_health(args.boot_timeout)
    trying = health["subsystems"].get("update", {}).get("detail")
    started, detail = time.monotonic(), trying
    while detail == trying and time.monotonic() - started < 900:  # confirm waits 120 s at most
        time.sleep(5)
        try:
            detail = requests.get(board.url + "/healthz", timeout=10).json()["subsystems"]["update"]["detail"]
        except (requests.RequestException, ValueError, KeyError):
            pass
    print(f"healthy try on slot B: /healthz in {seconds:.0f} s; update line {trying!r} -> {detail!r} "
          f"after {time.monotonic() - started:.0f} s")
    board.cut_power()
    expect_counts(board, "B A", "3", "the healthy try was not kept as slot B with 3 starts", problems)
    board.power_on()
    seconds, health = board.wait_health(args.boot_timeout)
    print(f"after a power cut: slot {board.slot}, /healthz in {seconds:.0f} s; update line: "
          f"{health['subsystems'].get('update', {}).get('detail')}")
    if board.slot != "B":
        problems.append(f"after the kept update a power cut started slot {board.slot}, not B")
