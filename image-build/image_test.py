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
   once; afterwards slot A must have its starts back (U-Boot took one at each boot) in both
   copies of the counts;
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

from box_pages import finish_wizard, logged_opens, open_until_stopped
from emulated_board import Board, Card, data_listing
from os_update_day import broken_os_update_rolls_back, healthy_os_update_is_kept

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


def starts_given_back(board: Board, timeout: float) -> list[str]:
    """U-Boot took a start off slot A at each of the boots; `linli update confirm` gives them
    back after every boot (RAUC's mark-good through rauc-bootchooser.sh), which writes both
    copies of the counts. Read off the card while the board runs (the backend syncs)."""
    started = time.monotonic()
    while True:
        counts, copies = board.card.boot_counts(), board.card.boot_copies()
        if counts.get("BOOT_A_LEFT") == "3" and len(set(copies.values())) == 1:
            print(f"slot A's starts given back {time.monotonic() - started:.0f} s after /healthz answered; "
                  f"both copies of the counts agree: {counts}")
            return []
        if time.monotonic() - started > timeout:
            return [f"slot A's starts were not given back after the cuts: {counts}; copies agree: "
                    f"{len(set(copies.values())) == 1}"]
        time.sleep(10)


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


def idle_and_kiosk(board: Board, minutes: float, figures: dict) -> None:
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
    for name, samples, writes in (("no_screen", without, writes_without), ("kiosk", with_kiosk, writes_with)):
        if samples:
            figures[f"image_idle_{name}_memory_in_use_max"] = (max(samples), "MB")
        if writes is not None:
            figures[f"image_idle_{name}_card_writes"] = (writes, "MiB/day")
    if "Linli kiosk screen" in console:
        print("kiosk unit on the console: " + "; ".join(sorted({line.strip()[-80:] for line in console.splitlines()
                                                                    if "Linli kiosk screen" in line})))


def record_figures(figures: dict[str, tuple[float, str]], image: Path) -> None:
    """A passing run's figures go to bench/results.json beside `make bench`'s (QEMU TCG on the
    build machine: an emulated board, not a Pi's speed)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bench._results import record

    figures = {**figures, "image_size": (image.stat().st_size / 2**20, "MiB")}
    packed = image.with_name(image.name + ".xz")
    if packed.exists():
        figures["image_size_xz"] = (packed.stat().st_size / 2**20, "MiB")
    for name, (value, unit) in sorted(figures.items()):
        record(name, value, unit)


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
    figures: dict[str, tuple[float, str]] = {}

    def check_broker(when: str) -> None:
        code = broker_answer(board, 120)
        if code is None:
            problems.append(f"mosquitto: no MQTT answer on port 1883 {when}")
        print(f"mosquitto {when}: " + ("no answer" if code is None else f"up (CONNACK {code} to an anonymous client)"))
    try:
        board.power_on()
        seconds, health = board.wait_health(args.boot_timeout)
        print(f"first boot to /healthz: {seconds:.0f} s")
        figures["image_first_boot_to_healthz"] = (seconds, "s")
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
            figures["image_boot_after_power_cut_max"] = (max(boots), "s")
            check_broker(f"after boot {board.boots}")
        problems.extend(starts_given_back(board, 300))
        if args.os_update:
            broken_os_update_rolls_back(board, args.rootfs, args, problems)
            healthy_os_update_is_kept(board, args.rootfs, args, problems)
            found = logged_opens(board)
            lost = sorted(set(acked) - set(found))
            print(f"after the OS update: {len(acked)} acknowledged opens, lost {len(lost)}")
            if lost:
                problems.append(f"opens lost across the OS update: {lost[:10]}")
        if args.kiosk_minutes:
            idle_and_kiosk(board, args.kiosk_minutes, figures)
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
        print("data partition /network/connections: "
              + (f"mode {own[1][-4:]}, uid {own[3]}, gid {own[4]}" if len(own) > 4 else "missing"))
        if len(own) < 5 or own[1] != "40700" or own[3:5] != ["0", "0"]:
            problems.append("NetworkManager's profile folder /var/lib/linli/network/connections is not 0700 root")
        for problem in problems:
            print(f"FAILED: {problem}")
        if not problems:
            record_figures(figures, args.image)
        return 1 if problems else 0
    finally:
        board.cut_power()


if __name__ == "__main__":
    sys.exit(main())
