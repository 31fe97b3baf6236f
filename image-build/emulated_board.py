"""The emulated board of `make image-test`: the card file (its boot partition read and written
with mtools, its data partition listed with debugfs) and one QEMU -M virt machine on it,
started through Debian's U-Boot for QEMU, with the power cut, a USB stick plugged in and
QEMU's block counters read through the monitor."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import time
from pathlib import Path

import requests

MTOOLS = {**os.environ, "MTOOLS_SKIP_CHECK": "1"}
UBOOT = Path("/usr/lib/u-boot/qemu_arm64/u-boot.bin")
STARTED = re.compile(r"Linli: starting slot ([AB])")


class Card:
    """The card file. Its boot partition is read and written with mtools (nothing mounted)."""

    def __init__(self, path: Path):
        self.path = path

    def partition(self, name: str) -> tuple[int, int]:
        """Byte offset and size of a GPT partition, by name."""
        table = json.loads(subprocess.run(["sfdisk", "--json", str(self.path)], capture_output=True, text=True,
                                          check=True).stdout)["partitiontable"]
        part = next(p for p in table["partitions"] if p.get("name") == name)
        sector = table.get("sectorsize", 512)
        return part["start"] * sector, part["size"] * sector

    def _fat(self) -> str:
        return f"{self.path}@@{self.partition('boot')[0]}"

    def boot_file(self, name: str) -> str | None:
        done = subprocess.run(["mtype", "-i", self._fat(), f"::{name}"], capture_output=True, text=True, env=MTOOLS)
        return done.stdout if done.returncode == 0 else None

    def boot_counts(self) -> dict[str, str]:
        """The slot order and each slot's starts left (U-Boot's script): linli-boot.env, or its
        copy linli-boot.bak when a power cut tore it (no LINLI_WHOLE=1 at the end)."""
        for name in ("linli-boot.env", "linli-boot.bak"):
            lines = (self.boot_file(name) or "").replace("\0", "").splitlines()
            if lines[-1:] == ["LINLI_WHOLE=1"]:
                return dict(line.split("=", 1) for line in lines[:-1] if "=" in line)
        return {}

    def boot_copies(self) -> dict[str, str]:
        """Both copies of the counts as written (a power cut may tear one, never both)."""
        return {name: (self.boot_file(name) or "").replace("\0", "") for name in ("linli-boot.env", "linli-boot.bak")}

    def set_kernel_arguments(self, extra: str) -> None:
        """LINLI_ARGS in linli-boot.env and its copy: appended by boot.scr to every slot's
        command line."""
        counts = {**self.boot_counts(), "LINLI_ARGS": extra}
        text = "".join(f"{key}={value}\n" for key, value in counts.items()) + "LINLI_WHOLE=1\n"
        local = self.path.parent / "linli-boot.env"
        local.write_text(text)
        for name in ("linli-boot.env", "linli-boot.bak"):
            subprocess.run(["mcopy", "-o", "-i", self._fat(), str(local), f"::{name}"],
                           check=True, capture_output=True, env=MTOOLS)


class Board:
    """One emulated board on a copy of the card; ``cut_power`` is pulling the plug."""

    def __init__(self, card: Card, port: int, work: Path, memory_mb: int, journal_on_console: bool = False,
                 mqtt_port: int = 0):
        self.card, self.port, self.work = card, port, work
        self.mqtt_port = mqtt_port or port + 1
        # The journal is in RAM and gone at a power cut: on the console log it survives.
        self.journal_on_console = journal_on_console
        self.memory_mb = memory_mb
        self.boots = 0
        self.slot = ""
        self.proc: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{port}"
        self.monitor = work / "monitor.sock"

    def power_on(self, screen: bool = False) -> None:
        """``screen``: a virtio GPU, so /dev/dri/card0 exists and the kiosk unit starts. Returns
        once U-Boot said which slot it starts (``self.slot``)."""
        self.boots += 1
        log_path = self.work / f"console-{self.boots}.log"
        log = open(log_path, "wb")
        self.monitor.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            ["qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a53", "-smp", "2", "-m", str(self.memory_mb),
             "-nographic", "-no-reboot", "-bios", str(UBOOT),
             "-drive", f"if=virtio,format=raw,file={self.card.path}",
             "-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{self.port}-:8080,"
                        f"hostfwd=tcp:127.0.0.1:{self.mqtt_port}-:1883",
             "-device", "virtio-net-device,netdev=n0",
             # A USB controller to plug a stick into (plug_stick), and the monitor to do it with.
             "-device", "qemu-xhci,id=xhci", "-monitor", f"unix:{self.monitor},server,nowait"]
            + (["-device", "virtio-gpu-pci"] if screen else []),
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        started = time.monotonic()
        self.slot = "?"
        while time.monotonic() - started < 120 and self.proc.poll() is None:
            found = STARTED.search(log_path.read_text(errors="replace"))
            if found:
                self.slot = found.group(1)
                break
            time.sleep(0.5)
        print(f"boot {self.boots}: U-Boot started slot {self.slot}")

    def monitor_command(self, command: str) -> str:
        """One QEMU monitor (HMP) command and its answer."""
        for _ in range(50):
            if self.monitor.exists():
                break
            time.sleep(0.2)
        with socket.socket(socket.AF_UNIX) as mon:
            mon.connect(str(self.monitor))
            mon.settimeout(10)

            def until_prompt() -> str:
                seen = b""
                while not seen.rstrip().endswith(b"(qemu)"):
                    chunk = mon.recv(65536)
                    if not chunk:
                        break
                    seen += chunk
                return seen.decode(errors="replace")
            until_prompt()
            mon.sendall(command.encode() + b"\n")
            return until_prompt()

    def plug_stick(self, image: Path) -> None:
        """Put a USB stick (a raw FAT image) into the running board."""
        for command in (f"drive_add 0 if=none,id=stick,format=raw,file={image}",
                        "device_add usb-storage,bus=xhci.0,drive=stick,id=stickdev,removable=on"):
            answer = self.monitor_command(command)
            if "error" in answer.lower():
                raise SystemExit(f"the stick could not be plugged in: {answer[-500:]}")

    def card_bytes_written(self) -> int | None:
        """Bytes the board has written to its card since power on, as the card sees them
        (QEMU's block counters: after the kernel's page cache and ext4's commit interval)."""
        try:
            answer = self.monitor_command("info blockstats")
        except OSError:
            return None
        found = re.search(r"^virtio0:.*?\bwr_bytes=(\d+)", answer, re.M | re.S)
        return int(found.group(1)) if found else None

    def wait_off(self, timeout: float) -> None:
        """Wait for the board to restart by itself (QEMU ends: -no-reboot)."""
        started = time.monotonic()
        while self.proc is not None and self.proc.poll() is None:
            if time.monotonic() - started > timeout:
                raise SystemExit(f"the board did not restart within {timeout:.0f} s:\n{self.console()[-3000:]}")
            time.sleep(2)
        self.proc = None

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


def data_listing(card: Card, folder: str) -> str:
    """``ls -l`` of a folder on the card's data partition (read with debugfs; QEMU is off).
    ``-c``: the power was cut, so the journal is not replayed yet and the block bitmaps'
    checksums do not match; debugfs then refuses to open the file system ("Block bitmap
    checksum does not match") unless told to skip the bitmaps, which a listing does not need."""
    offset, _size = card.partition("data")
    done = subprocess.run(["debugfs", "-c", "-R", f"ls -l {folder}", f"{card.path}?offset={offset}"],
                          capture_output=True, text=True)
    return done.stdout
