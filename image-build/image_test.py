"""`make image-test`: the flashed card's first day, on an emulated board.

Boots the image under qemu-system-aarch64 ``-M virt`` with the image's own Debian arm64
kernel and initramfs (the Pi firmware cannot be emulated; everything after the kernel is the
card's), through a forwarded loopback port:

1. first boot: /healthz answers, the setup code printed on the console opens the first-boot
   wizard, the community and the administrator's password are set, the wizard is finished;
2. power cuts: the administrator opens the gate again and again (each answered open is an
   acknowledged access event), and the power is cut (QEMU killed) at a random moment while
   the writes go on; after every boot the database line of /healthz must say the file is
   whole (SQLite's quick_check) and the access log must hold every acknowledged open exactly
   once;
3. services the box needs besides Linli: the MQTT broker answers a CONNECT on its port (after
   the first boot and after the last cut), and NetworkManager's profile folder is on the data
   partition, root only. (The wizard's network step itself is simulated here: Linli runs
   nmcli only on a Raspberry Pi, and ``-M virt`` is not one.)

Prints what it measured (boot to /healthz, events acknowledged and found). Exit 0 only when
every check passed. Run by image-build/test-image.sh, which checks the tools first.
"""

from __future__ import annotations

import argparse
import io
import json
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

PASSWORD = "Linli-image-test-2026"


class Board:
    """One emulated board on a copy of the card; ``cut_power`` is pulling the plug."""

    def __init__(self, disk: Path, kernel: Path, initrd: Path, port: int, work: Path, memory_mb: int,
                 journal_on_console: bool = False, mqtt_port: int = 0):
        self.disk, self.kernel, self.initrd, self.port, self.work = disk, kernel, initrd, port, work
        self.mqtt_port = mqtt_port or port + 1
        # The journal is in RAM and gone at a power cut: on the console log it survives.
        self.journal_on_console = journal_on_console
        self.memory_mb = memory_mb
        self.boots = 0
        self.proc: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{port}"

    def power_on(self) -> None:
        self.boots += 1
        log = open(self.work / f"console-{self.boots}.log", "wb")
        self.proc = subprocess.Popen(
            ["qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a53", "-smp", "2", "-m", str(self.memory_mb),
             "-nographic", "-kernel", str(self.kernel), "-initrd", str(self.initrd),
             "-append", "root=PARTLABEL=rootfs-a ro rootwait console=ttyAMA0"
             + (" systemd.journald.forward_to_console=1" if self.journal_on_console else ""),
             "-drive", f"if=virtio,format=raw,file={self.disk}",
             "-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{self.port}-:8080,"
                        f"hostfwd=tcp:127.0.0.1:{self.mqtt_port}-:1883",
             "-device", "virtio-net-device,netdev=n0"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)

    def cut_power(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def console(self) -> str:
        return (self.work / f"console-{self.boots}.log").read_text(errors="replace")

    def wait_health(self, timeout: float) -> tuple[float, dict]:
        """Seconds from power on to the first /healthz answer, and that answer (200 or 503:
        a box without cameras or a clock source still answers)."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.proc is not None and self.proc.poll() is not None:
                raise SystemExit(f"QEMU stopped (exit {self.proc.returncode}):\n{self.console()[-3000:]}")
            try:
                answer = requests.get(self.url + "/healthz", timeout=5)
                if answer.status_code in (200, 503):
                    return time.monotonic() - started, answer.json()
            except requests.RequestException:
                pass
            time.sleep(2)
        raise SystemExit(f"no /healthz within {timeout:.0f} s:\n{self.console()[-3000:]}")


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


def data_listing(disk: Path, folder: str) -> str:
    """``ls -l`` of a folder on the card's data partition (read with debugfs; QEMU is off)."""
    table = json.loads(subprocess.run(["sfdisk", "--json", str(disk)], capture_output=True, text=True,
                                      check=True).stdout)["partitiontable"]
    part = next(p for p in table["partitions"] if p.get("name") == "data")
    offset = part["start"] * table.get("sectorsize", 512)
    done = subprocess.run(["debugfs", "-R", f"ls -l {folder}", f"{disk}?offset={offset}"],
                          capture_output=True, text=True)
    return done.stdout


def csrf(session: requests.Session, url: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', session.get(url, timeout=30).text)
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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--image", type=Path, required=True)
    parser.add_argument("--kernel", type=Path, required=True)
    parser.add_argument("--initrd", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--port", type=int, default=18080)
    parser.add_argument("--mqtt-port", type=int, default=0, help="host port forwarded to the broker (port + 1)")
    parser.add_argument("--cuts", type=int, default=10)
    parser.add_argument("--memory-mb", type=int, default=1024)
    parser.add_argument("--boot-timeout", type=float, default=900)
    parser.add_argument("--journal-on-console", action="store_true", help="copy the journal to console-N.log")
    args = parser.parse_args()
    disk = args.work / "card.img"
    subprocess.run(["cp", "--sparse=always", str(args.image), str(disk)], check=True)
    board = Board(disk, args.kernel, args.initrd, args.port, args.work, args.memory_mb, args.journal_on_console,
                  args.mqtt_port)
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
        board.cut_power()
        # debugfs "ls -l": inode, mode, (type), uid, gid, ...; the "." line is the folder itself.
        listing = data_listing(disk, "/network/connections")
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
