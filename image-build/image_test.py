"""`make image-test`: the flashed card's first day, on an emulated board.

Boots the image under qemu-system-aarch64 ``-M virt`` through a forwarded loopback port. The
Pi firmware cannot be emulated; its one job on this card is to start U-Boot. Here Debian's
U-Boot for QEMU (u-boot-qemu, ``-bios``) stands in for the Pi's build of the same U-Boot: it
finds the card's boot.scr and runs it, and the script picks the root slot by its count of
starts in linli-boot.env and starts that slot's kernel, exactly as on the Pi. The harness adds
kernel arguments for the emulated board (a serial console) through LINLI_ARGS in that file.
QEMU runs with ``-no-reboot``: a restart of the board ends QEMU, and the harness powers it on
again. Everything after the firmware is the card's:

1. first boot: /healthz answers, the setup code printed on the console opens the first-boot
   wizard, the community and the administrator's password are set, the wizard is finished;
2. power cuts: the administrator opens the gate again and again (each answered open is an
   acknowledged access event), and the power is cut (QEMU killed) at a random moment while
   the writes go on; after every boot the database line of /healthz must say the file is
   whole (SQLite's quick_check) and the access log must hold every acknowledged open exactly
   once;
3. OS updates (``--os-update``), first one that fails: a root file system missing a model file, made
   into a signed OS bundle with the build's keys (make-os-bundle.sh), on a USB stick plugged
   into the running board (USB mass storage on an emulated xHCI controller); the
   administrator installs it from 备份与更新; RAUC writes slot B, gives it one start and the
   box restarts into it; /healthz fails there, so `linli update confirm` marks it bad and
   restarts; U-Boot must start slot A again, healthy, with its access log whole and the
   update recorded as rolled back; then one that works: the same install with the build's
   whole system, kept by `confirm`, and still slot B after the next power cut;
4. services the box needs besides Linli: the MQTT broker answers a CONNECT on its port (after
   the first boot and after the last cut), and NetworkManager's profile folder is on the data
   partition, root only. (The wizard's network step itself is simulated here: Linli runs
   nmcli only on a Raspberry Pi, and ``-M virt`` is not one.)

Prints what it measured (boot to /healthz, events acknowledged and found). Exit 0 only when
every check passed. Run by image-build/test-image.sh, which checks the tools first.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from openpyxl import load_workbook

from emulated_board import MTOOLS, Board, Card, data_listing

PASSWORD = "Linli-image-test-2026"


def broker_answer(board: Board, timeout: float) -> int | None:
    """The CONNACK return code of the box's MQTT broker to an anonymous MQTT 3.1.1 CONNECT
    (5, not authorised, is the expected one: the broker is up and refuses anonymous clients),
    or None when nothing answered within ``timeout`` seconds."""
    client = b"linli-image-test"
    body = b"\x00\x04MQTT\x04\x02\x00\x3c" + len(client).to_bytes(2, "big") + client
    packet = b"\x10" + bytes([len(body)]) + body
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            with socket.create_connection(("127.0.0.1", board.mqtt_port), timeout=5) as sock:
                sock.sendall(packet)
                answer = sock.recv(4)
            if len(answer) == 4 and answer[0] == 0x20:
                return answer[3]
        except OSError:
            pass
        time.sleep(2)
    return None


def csrf(session: requests.Session, url: str, timeout: float = 30) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', session.get(url, timeout=timeout).text)
    if not match:
        raise SystemExit(f"no form on {url}")
    return match.group(1)


def finish_wizard(board: Board) -> None:
    found = re.findall(r"设置码\s*[:：]\s*(\d{8})", board.console())
    if not found:
        raise SystemExit("the setup code was not printed on the console")
    s = requests.Session()
    token = csrf(s, board.url + "/setup")
    answer = s.post(board.url + "/setup/code", data={"code": found[-1], "csrf_token": token}, timeout=30)
    if answer.status_code != 200 or "/setup/" not in answer.text:
        raise SystemExit(f"the setup code was refused: HTTP {answer.status_code}")
    for step, fields in (("community", {"name": "幸福里小区", "address": "福州市鼓楼区"}),
                         ("admin", {"password": PASSWORD, "password2": PASSWORD})):
        answer = s.post(f"{board.url}/setup/{step}", data={**fields, "csrf_token": token}, timeout=30,
                        allow_redirects=False)
        if answer.status_code != 302:
            raise SystemExit(f"wizard step {step} refused: HTTP {answer.status_code}")
    answer = s.post(board.url + "/setup/finish", data={"csrf_token": token}, timeout=30, allow_redirects=False)
    if answer.status_code != 302 or "/login" not in answer.headers.get("Location", ""):
        raise SystemExit(f"the wizard did not finish: HTTP {answer.status_code}")


def admin(board: Board) -> tuple[requests.Session, str]:
    s = requests.Session()
    token = csrf(s, board.url + "/login")
    answer = s.post(board.url + "/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token},
                    timeout=30, allow_redirects=False)
    if answer.status_code != 302:
        raise SystemExit(f"the administrator could not log in: HTTP {answer.status_code}")
    return s, csrf(s, board.url + "/gate")


def logged_opens(board: Board) -> list[str]:
    """The reasons of every remote open in the access log's Excel export."""
    s, _token = admin(board)
    answer = s.get(board.url + "/access/log.xlsx", params={"method": "remote"}, timeout=120)
    answer.raise_for_status()
    rows = list(load_workbook(io.BytesIO(answer.content), read_only=True).active.iter_rows(values_only=True))
    return [str(r[-1]) for r in rows[1:] if r and r[-1] and str(r[-1]).startswith("cut")]


def open_until_stopped(board: Board, cut: int, acked: list[str], stop: threading.Event) -> None:
    s, token = admin(board)
    n = 0
    while not stop.is_set():
        reason = f"cut{cut}-{n}"
        n += 1
        try:
            answer = s.post(board.url + "/gate/open", data={"reason": reason, "csrf_token": token}, timeout=30)
        except requests.RequestException:
            return  # the plug was pulled mid-request: that open was never acknowledged
        if answer.status_code == 200:
            acked.append(reason)


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
    bundle = work / f"linli-{version}.lub"
    started = time.monotonic()
    # The emulated board is no Pi: Linli reads its board as "generic", and refuses a bundle
    # made only for the Pis ("for another board"), as it should.
    subprocess.run([str(Path(__file__).parent / "make-os-bundle.sh"), str(system), version, str(bundle)], check=True,
                   stdout=subprocess.DEVNULL, env={**os.environ, "BUNDLE_BOARDS": "rpi3 rpi4 rpi-zero2w generic"})
    system.unlink()
    print(f"OS bundle {bundle.name}: {bundle.stat().st_size / 2**20:.0f} MiB, made in {time.monotonic() - started:.0f} s")
    return bundle


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


def memory_in_use(board: Board, minutes: float) -> tuple[list[int], float | None]:
    """MB in use on the board (its /healthz memory line: MemTotal - MemAvailable), every 15 s,
    and the card writes over the same time, as MiB per day."""
    samples = []
    started, written_before = time.monotonic(), board.card_bytes_written()
    end = started + minutes * 60
    while time.monotonic() < end:
        try:
            detail = requests.get(board.url + "/healthz", timeout=10).json()["subsystems"]["memory"]["detail"]
            samples.append(int(re.search(r"(\d+) MB", detail).group(1)))
        except (requests.RequestException, ValueError, KeyError, AttributeError):
            pass
        time.sleep(15)
    written_after = board.card_bytes_written()
    per_day = None
    if written_before is not None and written_after is not None:
        per_day = (written_after - written_before) / (time.monotonic() - started) * 86400 / 2**20
    return samples, per_day


def _span(samples: list[int]) -> str:
    return f"{min(samples)}-{max(samples)} MB" if samples else "no answer"


def _per_day(mib: float | None) -> str:
    return "not measured" if mib is None else f"{mib:.0f} MiB/day"


def idle_and_kiosk(board: Board, minutes: float) -> None:
    """Memory in use and card writes, idle without a screen and then with one (cage +
    Chromium on the kiosk page), each for ``minutes`` after the box has settled."""
    without, writes_without = memory_in_use(board, minutes)
    board.cut_power()
    board.power_on(screen=True)
    board.wait_health(900)
    time.sleep(120)  # start-up writes (the kiosk's first page, Chromium's profile) are not idle wear
    with_kiosk, writes_with = memory_in_use(board, minutes)
    console = board.console()
    print(f"idle, no screen, over {minutes:.0f} min: memory in use {_span(without)}, card writes "
          f"{_per_day(writes_without)}")
    print(f"idle with the kiosk screen, over {minutes:.0f} min: memory in use {_span(with_kiosk)} "
          f"(last {with_kiosk[-1] if with_kiosk else '-'} MB, of {board.memory_mb} MB), card writes "
          f"{_per_day(writes_with)}")
    if "Linli kiosk screen" in console:
        print("kiosk unit on the console: " + "; ".join(sorted({line.strip()[-80:] for line in console.splitlines()
                                                                    if "Linli kiosk screen" in line})))


def install_os_update(board: Board, rootfs: Path, args, version: str, broken: bool) -> float:
    """Make the bundle, put it on a stick into the board, install it from 备份与更新 and wait
    for the restart into the try; returns when the install began (time.monotonic)."""
    bundle = os_bundle(rootfs, args.work, version, broken=broken)
    board.plug_stick(stick_with(bundle, args.work))
    install_from_stick(board, version, args.boot_timeout)
    started = time.monotonic()
    board.wait_off(args.update_timeout)
    return started


def broken_os_update_rolls_back(board: Board, rootfs: Path, args, problems: list[str]) -> None:
    version = "99.0.0"
    started = install_os_update(board, rootfs, args, version, broken=True)
    counts = board.card.boot_counts()
    print(f"installed to the other slot and restarted for a try in {time.monotonic() - started:.0f} s; "
          f"linli-boot.env: {counts}")
    if (counts.get("BOOT_ORDER"), counts.get("BOOT_B_LEFT")) != ("B A", "1"):
        problems.append(f"after the install slot B should be first with one start: {counts}")
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
    counts = board.card.boot_counts()
    print(f"slot B up for {time.monotonic() - started:.0f} s, failing there: {seen}; linli-boot.env: {counts}")
    # B's own `linli update confirm` marked it bad (last, no starts); a crash would have left
    # it first with its start spent.
    if (counts.get("BOOT_ORDER"), counts.get("BOOT_B_LEFT")) != ("A B", "0"):
        problems.append(f"the unhealthy try did not mark slot B bad: {counts}")
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
    counts = board.card.boot_counts()
    print(f"linli-boot.env after the kept try: {counts}")
    if (counts.get("BOOT_ORDER"), counts.get("BOOT_B_LEFT")) != ("B A", "3"):
        problems.append(f"the healthy try was not kept as slot B with 3 starts: {counts}")
    board.power_on()
    seconds, health = board.wait_health(args.boot_timeout)
    print(f"after a power cut: slot {board.slot}, /healthz in {seconds:.0f} s; update line: "
          f"{health['subsystems'].get('update', {}).get('detail')}")
    if board.slot != "B":
        problems.append(f"after the kept update a power cut started slot {board.slot}, not B")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--image", type=Path, required=True)
    parser.add_argument("--rootfs", type=Path, help="the build's rootfs.ext4, for the OS update (--os-update)")
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--port", type=int, default=18080)
    parser.add_argument("--mqtt-port", type=int, default=0, help="host port forwarded to the broker (port + 1)")
    parser.add_argument("--cuts", type=int, default=10)
    parser.add_argument("--memory-mb", type=int, default=1024)
    parser.add_argument("--boot-timeout", type=float, default=900)
    parser.add_argument("--journal-on-console", action="store_true", help="copy the journal to console-N.log")
    parser.add_argument("--os-update", action="store_true", help="also install a broken OS bundle from a stick "
                        "and check the box comes back on its old slot (needs --rootfs)")
    parser.add_argument("--update-timeout", type=float, default=3600)
    parser.add_argument("--card-gib", type=float, default=10, help="size of the emulated SD card")
    parser.add_argument("--kiosk-minutes", type=float, default=0, help="at the end, measure memory in use "
                        "and card writes for this long idle, then as long with the kiosk screen (a virtio GPU)")
    args = parser.parse_args()
    disk = args.work / "card.img"
    subprocess.run(["cp", "--sparse=always", str(args.image), str(disk)], check=True)
    # A card bigger than the image, as every real one is: the first boot grows the data
    # partition into the rest (grow-data.sh), where an OS bundle is staged and unpacked.
    with open(disk, "r+b") as f:
        f.truncate(max(os.path.getsize(disk), int(args.card_gib * 2**30)))
    card = Card(disk)
    # The emulated board's serial console (the Pi's is ttyS1), the boot messages that quiet
    # hides, and the journal (in RAM, gone at a power cut) copied to the console log.
    card.set_kernel_arguments("console=ttyAMA0,115200 loglevel=6 systemd.show_status=1"
                              + (" systemd.journald.forward_to_console=1" if args.journal_on_console else ""))
    board = Board(card, args.port, args.work, args.memory_mb, args.journal_on_console, args.mqtt_port)
    problems: list[str] = []

    def check_broker(when: str) -> None:
        code = broker_answer(board, 120)
        if code is None:
            problems.append(f"mosquitto: no MQTT answer on port 1883 {when}")
        print(f"mosquitto {when}: " + ("no answer" if code is None else f"up (CONNACK {code} to an anonymous client)"))
    try:
        board.power_on()
        seconds, health = board.wait_health(args.boot_timeout)
        print(f"first boot to /healthz: {seconds:.0f} s")
        failing = {k: v["detail"] for k, v in health["subsystems"].items() if not v["ok"]}
        print(f"health lines not OK on an emulated board (expected: no camera, no GPIO): {failing}")
        check_broker("after the first boot")
        finish_wizard(board)
        print("first-boot wizard finished with the code from the console")
        acked: list[str] = []
        boots = []
        for cut in range(1, args.cuts + 1):
            before = len(acked)
            stop = threading.Event()
            writer = threading.Thread(target=open_until_stopped, args=(board, cut, acked, stop), daemon=True)
            writer.start()
            deadline = time.monotonic() + 120
            while len(acked) < before + 3 and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(random.uniform(0.05, 1.5))
            board.cut_power()
            stop.set()
            writer.join(60)
            board.power_on()
            seconds, health = board.wait_health(args.boot_timeout)
            boots.append(seconds)
            database = health["subsystems"]["database"]
            if not database["ok"]:
                raise SystemExit(f"boot after cut {cut}: {database}")
            found = logged_opens(board)
            lost = sorted(set(acked) - set(found))
            twice = sorted({r for r in found if found.count(r) > 1})
            print(f"power cut {cut}: back in {seconds:.0f} s, database whole, "
                  f"{len(acked)} opens acknowledged, {len(found)} logged, lost {len(lost)}, twice {len(twice)}")
            if lost or twice:
                raise SystemExit(f"lost: {lost[:10]} twice: {twice[:10]}")
        if boots:
            print(f"boots after a power cut: {len(boots)}, to /healthz {min(boots):.0f}-{max(boots):.0f} s")
            check_broker(f"after boot {board.boots}")
        if args.os_update:
            broken_os_update_rolls_back(board, args.rootfs, args, problems)
            healthy_os_update_is_kept(board, args.rootfs, args, problems)
            found = logged_opens(board)
            lost = sorted(set(acked) - set(found))
            print(f"after the OS update: {len(acked)} acknowledged opens, lost {len(lost)}")
            if lost:
                problems.append(f"opens lost across the OS update: {lost[:10]}")
        if args.kiosk_minutes:
            idle_and_kiosk(board, args.kiosk_minutes)
        board.cut_power()
        # The first boot grew the data partition: the boot ROM's MBR entry must have survived it.
        sys.path.insert(0, str(Path(__file__).parent))
        from check_boot import card_problems

        data_size = card.partition("data")[1]
        print(f"data partition after the first boot: {data_size / 2**30:.1f} GiB; card check: "
              + ("; ".join(card_problems(card.path)) or "the MBR still lists the boot partition"))
        problems.extend(card_problems(card.path))
        # debugfs "ls -l": inode, mode, (type), uid, gid, ...; the "." line is the folder itself.
        listing = data_listing(card, "/network/connections")
        own = next((line.split() for line in listing.splitlines() if line.split()[-1:] == ["."]), [])
        print(f"data partition /network/connections: "
              + (f"mode {own[1][-4:]}, uid {own[3]}, gid {own[4]}" if len(own) > 4 else "missing"))
        if len(own) < 5 or own[1] != "40700" or own[3:5] != ["0", "0"]:
            problems.append("NetworkManager's profile folder /var/lib/linli/network/connections is not 0700 root")
        for problem in problems:
            print(f"FAILED: {problem}")
        return 1 if problems else 0
    finally:
        board.cut_power()


if __name__ == "__main__":
    sys.exit(main())
