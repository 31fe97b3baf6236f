"""The two system slots on the boot partition, through the image's own scripts (sh, as the card
runs them): each slot's boot files in its folder (boot-assets.sh, build.sh's layout, checked by
check_boot.py), RAUC's boot backend (rauc-bootchooser.sh) giving a freshly written slot one
start and keeping it only when told it is good, and the slot chooser itself (boot.scr, from
boot.cmd) run by Debian's real U-Boot under qemu-system-aarch64 on a card holding that boot
partition. The slots' "kernels" are not kernels: U-Boot refuses them after choosing, prints
so and resets, which ends QEMU (-no-reboot); what it chose and wrote is what the test reads."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "image-build"
BOARDS = ("bcm2837-rpi-3-b-plus.dtb", "bcm2711-rpi-4-b.dtb", "bcm2837-rpi-zero-2-w.dtb")
UBOOT = Path("/usr/lib/u-boot/qemu_arm64/u-boot.bin")  # Debian's u-boot-qemu
MTOOLS = {**os.environ, "MTOOLS_SKIP_CHECK": "1"}
FAT_OFFSET = 1 << 20

needs_uboot = pytest.mark.skipif(not (UBOOT.exists() and shutil.which("qemu-system-aarch64")),
                                 reason="needs qemu-system-arm and u-boot-qemu (scripts/system-packages.sh)")


def fake_root(root: Path, kernel: str) -> Path:
    """A root file system's boot files as Debian's kernel package, update-initramfs and
    u-boot-rpi leave them."""
    (root / "boot").mkdir(parents=True, exist_ok=True)
    (root / "boot" / f"vmlinuz-{kernel}").write_bytes(b"kernel " + kernel.encode())
    (root / "boot" / f"initrd.img-{kernel}").write_bytes(b"initrd " + kernel.encode())
    uboot = root / "usr" / "lib" / "u-boot" / "rpi_arm64"
    uboot.mkdir(parents=True, exist_ok=True)
    (uboot / "u-boot.bin").write_bytes(b"u-boot for the Pi")
    return root


def uboot_starts(boot: Path, work: Path) -> str:
    """Power on a board whose card holds this boot partition: U-Boot runs boot.scr, which picks
    a slot and writes its counts back to linli-boot.env (copied back into ``boot``). Returns
    the slot it started and checks the command line it gave that slot."""
    disk = work / "card.img"
    disk.unlink(missing_ok=True)
    with open(disk, "wb") as f:
        f.truncate(80 << 20)
    subprocess.run(["sfdisk", "-q", str(disk)], input="label: gpt\nstart=2048, size=120000, "
                   "type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name=boot\n", text=True, check=True)
    subprocess.run(["mkfs.vfat", "-n", "LINLIBOOT", "--offset", "2048", str(disk), "60000"], check=True,
                   capture_output=True)
    fat = f"{disk}@@{FAT_OFFSET}"
    subprocess.run(["mcopy", "-s", "-i", fat, *[str(p) for p in boot.iterdir()], "::"], check=True, env=MTOOLS)
    done = subprocess.run(["qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a53", "-m", "256", "-nographic",
                           "-no-reboot", "-bios", str(UBOOT), "-drive", f"if=virtio,format=raw,file={disk}",
                           "-net", "none"], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    console = done.stdout + done.stderr
    started = re.search(r"Linli: starting slot ([AB])", console)
    assert started, console[-2000:]
    slot = started.group(1)
    line = re.search(r"Linli: command line (.*)", console).group(1)
    assert f"root=PARTLABEL=rootfs-{slot.lower()}" in line and f"rauc.slot={slot}" in line, line
    assert "Bad Linux ARM64 Image magic" in console  # it did go on to start that slot's kernel
    for name in ("linli-boot.env", "linli-boot.bak"):
        written = subprocess.run(["mtype", "-i", fat, f"::{name}"], check=True, capture_output=True,
                                 env=MTOOLS).stdout
        (boot / name).write_bytes(written)
    uboot_starts.console = console
    return slot


def counts(card) -> dict[str, str]:
    """The counts in linli-boot.env, which must be whole (LINLI_WHOLE=1 last) and the same as
    its copy linli-boot.bak."""
    text = (card["boot"] / "linli-boot.env").read_bytes().replace(b"\0", b"").decode()
    lines = text.splitlines()
    assert lines[-1] == "LINLI_WHOLE=1", text
    assert (card["boot"] / "linli-boot.bak").read_bytes().replace(b"\0", b"").decode() == text
    return dict(line.split("=", 1) for line in lines[:-1] if "=" in line)


def add_line(card, line: str) -> None:
    """A line added to both copies, before the last (what make image-test does for LINLI_ARGS)."""
    for name in ("linli-boot.env", "linli-boot.bak"):
        path = card["boot"] / name
        lines = path.read_bytes().replace(b"\0", b"").decode().splitlines()
        path.write_text("\n".join([*lines[:-1], line, lines[-1]]) + "\n")


@pytest.fixture
def card(tmp_path):
    """A boot partition laid out by build.sh's own step, a data folder and a kernel command line."""
    tree = fake_root(tmp_path / "tree", "6.1.0-50-arm64")
    firmware = tree / "boot" / "firmware"
    firmware.mkdir()
    # What raspi-firmware's kernel hook leaves: the kernel and initramfs go (slot-a/ has its
    # own), the device trees and the GPU firmware stay for the firmware.
    (firmware / "vmlinuz-6.1.0-50-arm64").write_bytes(b"k")
    (firmware / "initrd.img-6.1.0-50-arm64").write_bytes(b"i")
    for name in BOARDS:
        (firmware / name).write_bytes(b"d")
    (firmware / "config.txt").write_text("kernel=vmlinuz-6.1.0-50-arm64\n")
    (firmware / "cmdline.txt").write_text("root=/dev/mmcblk0p2\n")
    (firmware / "start.elf").write_bytes(b"gpu firmware")
    subprocess.run(["bash", str(BUILD / "build.sh"), "boot-layout", str(tree)], check=True, capture_output=True)
    home = tmp_path / "data"
    home.mkdir()
    cmdline = tmp_path / "cmdline"
    return {"tree": tree, "boot": firmware, "home": home, "cmdline": cmdline, "work": tmp_path}


def boot_into(card, slot: str) -> None:
    """The kernel command line of a system started from ``slot`` (as U-Boot gives it)."""
    bootargs = (card["boot"] / f"slot-{slot.lower()}" / "slot.env").read_text().split("=", 1)[1]
    card["cmdline"].write_text(bootargs)


def chooser(card, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LINLI_BOOT_DIR": str(card["boot"]), "LINLI_HOME": str(card["home"]),
           "LINLI_PROC_CMDLINE": str(card["cmdline"])}
    return subprocess.run(["sh", str(BUILD / "rauc-bootchooser.sh"), *args], env=env, capture_output=True, text=True)


def write_slot_b(card, kernel: str = "6.1.0-51-arm64") -> None:
    """What RAUC's install does: mark the target bad while writing, the post-install handler
    copies its boot files, and the slot is made primary (set-primary B)."""
    assert chooser(card, "set-state", "B", "bad").returncode == 0
    new_root = fake_root(card["tree"].parent / f"slot-b-root-{kernel}", kernel)
    subprocess.run(["sh", str(BUILD / "boot-assets.sh"), str(new_root), str(card["boot"]), "B"], check=True)
    assert chooser(card, "set-primary", "B").returncode == 0


def check_boot():
    spec = importlib.util.spec_from_file_location("check_boot", BUILD / "check_boot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@needs_uboot
def test_the_card_boots_slot_a_from_its_own_folder(card):
    boot = card["boot"]
    slot_a = boot / "slot-a"
    assert (slot_a / "vmlinuz").read_bytes() == b"kernel 6.1.0-50-arm64"
    assert (slot_a / "initrd.img").read_bytes() == b"initrd 6.1.0-50-arm64"
    assert "root=PARTLABEL=rootfs-a rauc.slot=A" in (slot_a / "slot.env").read_text()
    assert "panic=10" in (slot_a / "slot.env").read_text()
    # raspi-firmware's top-level kernel and command line are gone; the firmware's files stay.
    assert not list(boot.glob("vmlinuz-*")) and not (boot / "cmdline.txt").exists()
    assert (boot / "start.elf").exists() and {p.name for p in boot.glob("*.dtb")} == set(BOARDS)
    assert "kernel=u-boot.bin" in (boot / "config.txt").read_text()
    assert (boot / "u-boot.bin").read_bytes() == b"u-boot for the Pi"
    assert counts(card) == {"BOOT_ORDER": "A B", "BOOT_A_LEFT": "3", "BOOT_B_LEFT": "0"}
    found = [p for p in check_boot().problems(card["tree"]) if "initrd.img-6.1.0-50-arm64" not in p]
    assert found == []  # the fake initramfs is no cpio: only its own check may complain
    assert uboot_starts(boot, card["work"]) == "A"
    assert counts(card) == {"BOOT_ORDER": "A B", "BOOT_A_LEFT": "2", "BOOT_B_LEFT": "0"}
    # The box came up and `linli update confirm` gave slot A its starts back (mark-good).
    boot_into(card, "A")
    assert chooser(card, "set-state", "A", "good").returncode == 0
    assert counts(card)["BOOT_A_LEFT"] == "3"


def test_check_boot_refuses_a_card_that_cannot_start(card):
    (card["boot"] / "slot-a" / "initrd.img").unlink()
    (card["boot"] / "bcm2837-rpi-zero-2-w.dtb").unlink()
    (card["boot"] / "boot.scr").write_bytes(b"echo not compiled")
    found = check_boot().problems(card["tree"])
    assert "slot-a/initrd.img is not in boot/firmware" in found
    assert any("bcm2837-rpi-zero-2-w.dtb is missing" in p for p in found)
    assert any("boot.scr is missing or not a U-Boot script image" in p for p in found)


@needs_uboot
def test_a_written_slot_gets_one_start_and_is_kept_only_when_good(card):
    boot_into(card, "A")
    assert chooser(card, "get-primary").stdout.strip() == "A"
    assert chooser(card, "get-current").stdout.strip() == "A"
    write_slot_b(card)
    assert "rauc.slot=B" in (card["boot"] / "slot-b" / "slot.env").read_text()
    assert (card["boot"] / "slot-b" / "vmlinuz").read_bytes() == b"kernel 6.1.0-51-arm64"
    assert counts(card) == {"BOOT_ORDER": "B A", "BOOT_A_LEFT": "3", "BOOT_B_LEFT": "1"}
    assert chooser(card, "on-trial").returncode == 1
    # The restart after the install: U-Boot starts B and takes its one start.
    assert uboot_starts(card["boot"], card["work"]) == "B"
    assert counts(card)["BOOT_B_LEFT"] == "0"
    boot_into(card, "B")
    assert chooser(card, "on-trial").returncode == 0
    assert chooser(card, "get-current").stdout.strip() == "B"
    # `linli update confirm` found it healthy: mark-good, mark-active (set-primary B, running B).
    assert chooser(card, "set-state", "B", "good").returncode == 0
    assert chooser(card, "set-primary", "B").returncode == 0
    assert chooser(card, "on-trial").returncode == 1
    assert chooser(card, "get-primary").stdout.strip() == "B"
    assert uboot_starts(card["boot"], card["work"]) == "B"
    assert counts(card) == {"BOOT_ORDER": "B A", "BOOT_A_LEFT": "3", "BOOT_B_LEFT": "2"}


@needs_uboot
def test_a_try_that_never_confirms_goes_back_to_the_old_slot(card):
    """A kernel panic, the watchdog or a power cut during the try: B's one start is spent, so
    the next start of any kind is A, without anything of B's running."""
    boot_into(card, "A")
    write_slot_b(card)
    assert uboot_starts(card["boot"], card["work"]) == "B"
    assert uboot_starts(card["boot"], card["work"]) == "A"
    boot_into(card, "A")
    assert chooser(card, "on-trial").returncode == 1


@needs_uboot
def test_a_try_after_power_cuts_ran_the_old_slot_down_still_goes_back_to_it(card):
    """Three cuts soon after start, before `confirm` gave slot A its starts back: A is at 0.
    Writing B gives A its 3 again, else with both at 0 U-Boot would start B (first) again."""
    for _ in range(3):
        assert uboot_starts(card["boot"], card["work"]) == "A"
    assert counts(card)["BOOT_A_LEFT"] == "0"
    boot_into(card, "A")
    write_slot_b(card)
    assert counts(card) == {"BOOT_ORDER": "B A", "BOOT_A_LEFT": "3", "BOOT_B_LEFT": "1"}
    assert uboot_starts(card["boot"], card["work"]) == "B"
    assert uboot_starts(card["boot"], card["work"]) == "A"


@needs_uboot
def test_an_unhealthy_try_goes_back_to_the_old_slot_on_a_plain_restart(card):
    boot_into(card, "A")
    write_slot_b(card)
    assert uboot_starts(card["boot"], card["work"]) == "B"
    boot_into(card, "B")
    assert chooser(card, "set-state", "B", "bad").returncode == 0
    assert chooser(card, "get-state", "B").stdout.strip() == "bad"
    assert chooser(card, "get-state", "A").stdout.strip() == "good"
    assert counts(card)["BOOT_ORDER"] == "A B" and counts(card)["BOOT_B_LEFT"] == "0"
    assert uboot_starts(card["boot"], card["work"]) == "A"
    boot_into(card, "A")
    assert chooser(card, "on-trial").returncode == 1
    # The next update is written to B again, over the bad one, and gets its start.
    write_slot_b(card, kernel="6.1.0-52-arm64")
    assert chooser(card, "set-state", "B", "good").returncode == 0  # `rauc status mark-good other`
    assert uboot_starts(card["boot"], card["work"]) == "B"
    assert (card["boot"] / "slot-b" / "kernel-version").read_text().strip() == "6.1.0-52-arm64"
    assert not (card["boot"] / "slot-b.new").exists()


@needs_uboot
def test_starts_used_up_by_power_cuts_still_start_a_slot(card):
    """Power cut again and again before Linux gave slot A its starts back: still slot A."""
    for left in ("2", "1", "0"):
        assert uboot_starts(card["boot"], card["work"]) == "A"
        assert counts(card)["BOOT_A_LEFT"] == left
    assert uboot_starts(card["boot"], card["work"]) == "A"
    # Extra kernel arguments in the file (what make image-test adds) survive the backend's writes.
    add_line(card, "LINLI_ARGS=console=ttyAMA0")
    boot_into(card, "A")
    assert chooser(card, "set-state", "A", "good").returncode == 0
    assert counts(card)["LINLI_ARGS"] == "console=ttyAMA0" and counts(card)["BOOT_A_LEFT"] == "3"
    # ... and U-Boot's: it hands them to the kernel and writes them back.
    assert uboot_starts(card["boot"], card["work"]) == "A"
    assert "console=ttyAMA0" in re.search(r"Linli: command line (.*)", uboot_starts.console).group(1)
    assert counts(card)["LINLI_ARGS"] == "console=ttyAMA0" and counts(card)["BOOT_A_LEFT"] == "2"


@needs_uboot
@pytest.mark.parametrize("tear", ["zeroed", "cut short", "gone"])
def test_a_power_cut_during_a_write_leaves_the_other_copy(card, tear):
    """The try's one start was being written when the power went: linli-boot.env is torn, and
    U-Boot and the backend both go by linli-boot.bak, so the try is not lost for slot A."""
    boot_into(card, "A")
    write_slot_b(card)
    env = card["boot"] / "linli-boot.env"
    if tear == "zeroed":
        env.write_bytes(b"\0" * len(env.read_bytes()))
    elif tear == "cut short":
        env.write_bytes(env.read_bytes()[:-9])  # "BOOT_B_LEFT=1\nLINLI_WH"
    else:
        env.unlink()
    assert chooser(card, "get-primary").stdout.strip() == "B"
    assert uboot_starts(card["boot"], card["work"]) == "B"
    assert "linli-boot.env is missing or not whole; passed over" in uboot_starts.console
    assert counts(card) == {"BOOT_ORDER": "B A", "BOOT_A_LEFT": "3", "BOOT_B_LEFT": "0"}
    boot_into(card, "B")
    assert chooser(card, "on-trial").returncode == 0


@needs_uboot
def test_with_neither_copy_whole_the_flashed_slot_starts(card):
    boot_into(card, "A")
    write_slot_b(card)
    for name in ("linli-boot.env", "linli-boot.bak"):
        (card["boot"] / name).write_text("BOOT_ORDER=B A\nBOOT_A_LE")
    assert chooser(card, "get-primary").stdout.strip() == "A"
    assert uboot_starts(card["boot"], card["work"]) == "A"
    assert counts(card) == {"BOOT_ORDER": "A B", "BOOT_A_LEFT": "2", "BOOT_B_LEFT": "0"}
    # The backend writes both copies whole again from what it read.
    (card["boot"] / "linli-boot.bak").write_text("garbage")
    boot_into(card, "A")
    assert chooser(card, "set-state", "A", "good").returncode == 0
    assert counts(card) == {"BOOT_ORDER": "A B", "BOOT_A_LEFT": "3", "BOOT_B_LEFT": "0"}


def test_the_boot_backend_refuses_what_it_does_not_know(card):
    boot_into(card, "A")
    done = chooser(card, "swap")
    assert done.returncode == 1 and "unknown command swap" in done.stderr
    done = subprocess.run(["sh", str(BUILD / "boot-assets.sh"), str(card["tree"]), str(card["boot"]), "C"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "slot must be A or B" in done.stderr
    empty = card["tree"].parent / "empty"
    (empty / "boot").mkdir(parents=True)
    done = subprocess.run(["sh", str(BUILD / "boot-assets.sh"), str(empty), str(card["boot"]), "B"],
                          capture_output=True, text=True)
    assert done.returncode == 1 and "no kernel" in done.stderr
    assert not (card["boot"] / "slot-b").exists()
