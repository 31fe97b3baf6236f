"""The two system slots on the boot partition, through the image's own scripts (sh, as the card
runs them): each slot's boot files in its folder (boot-assets.sh, build.sh's layout, checked by
check_boot.py), and RAUC's boot backend (rauc-bootchooser.sh) trying a freshly written slot
once and keeping it only when told it is good. ``firmware_boots`` plays the Pi firmware: a
plain boot reads config.txt, a boot after ``reboot "0 tryboot"`` reads tryboot.txt."""

from __future__ import annotations

import importlib.util
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "image-build"
BOARDS = ("bcm2837-rpi-3-b-plus.dtb", "bcm2711-rpi-4-b.dtb", "bcm2837-rpi-zero-2-w.dtb")


def fake_root(root: Path, kernel: str) -> Path:
    """A root file system's boot files as Debian's kernel package and update-initramfs leave them."""
    (root / "boot").mkdir(parents=True, exist_ok=True)
    (root / "boot" / f"vmlinuz-{kernel}").write_bytes(b"kernel " + kernel.encode())
    (root / "boot" / f"initrd.img-{kernel}").write_bytes(b"initrd " + kernel.encode())
    trees = root / "usr" / "lib" / f"linux-image-{kernel}" / "broadcom"
    trees.mkdir(parents=True, exist_ok=True)
    for name in BOARDS + ("bcm2711-rpi-400.dtb",):
        (trees / name).write_bytes(b"dtb")
    return root


def firmware_boots(boot: Path, tryboot: bool) -> str:
    """The slot the Pi firmware starts: os_prefix from tryboot.txt (once, after a tryboot
    reboot, when the file is there) or config.txt, then that folder's cmdline.txt."""
    config = boot / ("tryboot.txt" if tryboot and (boot / "tryboot.txt").exists() else "config.txt")
    prefix = next(line.split("=", 1)[1] for line in config.read_text().splitlines() if line.startswith("os_prefix="))
    cmdline = (boot / prefix / "cmdline.txt").read_text()
    assert (boot / prefix / "vmlinuz").is_file()
    return next(word.split("=")[1] for word in cmdline.split() if word.startswith("rauc.slot="))


@pytest.fixture
def card(tmp_path):
    """A boot partition laid out by build.sh's own step, a data folder and a kernel command line."""
    tree = fake_root(tmp_path / "tree", "6.1.0-50-arm64")
    firmware = tree / "boot" / "firmware"
    firmware.mkdir()
    # What raspi-firmware's kernel hook leaves, which the layout moves into slot-a/.
    (firmware / "vmlinuz-6.1.0-50-arm64").write_bytes(b"k")
    (firmware / "bcm2837-rpi-3-b-plus.dtb").write_bytes(b"d")
    (firmware / "config.txt").write_text("kernel=vmlinuz-6.1.0-50-arm64\n")
    (firmware / "start.elf").write_bytes(b"gpu firmware")
    subprocess.run(["bash", str(BUILD / "build.sh"), "boot-layout", str(tree)], check=True, capture_output=True)
    home = tmp_path / "data"
    home.mkdir()
    cmdline = tmp_path / "cmdline"
    return {"tree": tree, "boot": firmware, "home": home, "cmdline": cmdline}


def boot_into(card, slot: str) -> None:
    card["cmdline"].write_text((card["boot"] / f"slot-{slot.lower()}" / "cmdline.txt").read_text())


def chooser(card, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LINLI_BOOT_DIR": str(card["boot"]), "LINLI_HOME": str(card["home"]),
           "LINLI_PROC_CMDLINE": str(card["cmdline"])}
    return subprocess.run(["sh", str(BUILD / "rauc-bootchooser.sh"), *args], env=env, capture_output=True, text=True)


def write_slot_b(card, kernel: str = "6.1.0-51-arm64") -> None:
    """What RAUC's install does: mark the target bad while writing, the post-install handler
    copies its boot files, and the slot is made primary (set-primary B)."""
    assert chooser(card, "set-state", "B", "bad").returncode == 0
    new_root = fake_root(card["tree"].parent / "slot-b-root", kernel)
    subprocess.run(["sh", str(BUILD / "boot-assets.sh"), str(new_root), str(card["boot"]), "B"], check=True)
    assert chooser(card, "set-state", "B", "good").returncode == 0
    assert chooser(card, "set-primary", "B").returncode == 0


def check_boot():
    spec = importlib.util.spec_from_file_location("check_boot", BUILD / "check_boot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_card_boots_slot_a_from_its_own_folder(card):
    boot = card["boot"]
    slot_a = boot / "slot-a"
    assert (slot_a / "vmlinuz").read_bytes() == b"kernel 6.1.0-50-arm64"
    assert (slot_a / "initrd.img").read_bytes() == b"initrd 6.1.0-50-arm64"
    assert {p.name for p in slot_a.glob("*.dtb")} >= set(BOARDS)
    assert "root=PARTLABEL=rootfs-a rauc.slot=A" in (slot_a / "cmdline.txt").read_text()
    # The top-level copies raspi-firmware's hook made are gone; the GPU firmware stays.
    assert not list(boot.glob("vmlinuz-*")) and not list(boot.glob("*.dtb"))
    assert (boot / "start.elf").exists()
    assert firmware_boots(boot, tryboot=False) == "A"
    found = [p for p in check_boot().problems(card["tree"]) if "initrd.img-6.1.0-50-arm64" not in p]
    assert found == []  # the fake initramfs is no cpio: only its own check may complain


def test_check_boot_refuses_a_card_without_the_slot_folder(card):
    (card["boot"] / "slot-a" / "initrd.img").unlink()
    (card["boot"] / "slot-a" / "bcm2837-rpi-zero-2-w.dtb").unlink()
    found = check_boot().problems(card["tree"])
    assert "config.txt names slot-a/initrd.img, which is not in boot/firmware" in found
    assert any("bcm2837-rpi-zero-2-w.dtb is missing" in p for p in found)


def test_a_written_slot_is_tried_once_and_kept_only_when_good(card):
    boot_into(card, "A")
    assert chooser(card, "get-primary").stdout.strip() == "A"
    assert chooser(card, "get-current").stdout.strip() == "A"
    write_slot_b(card)
    # Written and made primary for RAUC, but a plain boot still starts A: only a tryboot starts B.
    assert "rauc.slot=B" in (card["boot"] / "slot-b" / "cmdline.txt").read_text()
    assert (card["boot"] / "slot-b" / "vmlinuz").read_bytes() == b"kernel 6.1.0-51-arm64"
    assert firmware_boots(card["boot"], tryboot=False) == "A"
    assert firmware_boots(card["boot"], tryboot=True) == "B"
    assert chooser(card, "on-trial").returncode == 1
    boot_into(card, "B")
    assert chooser(card, "on-trial").returncode == 0
    assert chooser(card, "get-current").stdout.strip() == "B"
    # `linli update confirm` found it healthy: mark-good, mark-active (set-primary B, running B).
    assert chooser(card, "set-state", "B", "good").returncode == 0
    assert chooser(card, "set-primary", "B").returncode == 0
    assert firmware_boots(card["boot"], tryboot=False) == "B"
    assert not (card["boot"] / "tryboot.txt").exists()
    assert chooser(card, "on-trial").returncode == 1
    assert chooser(card, "get-primary").stdout.strip() == "B"


def test_an_unhealthy_try_goes_back_to_the_old_slot_on_a_plain_restart(card):
    boot_into(card, "A")
    write_slot_b(card)
    boot_into(card, "B")
    assert chooser(card, "set-state", "B", "bad").returncode == 0
    assert chooser(card, "get-state", "B").stdout.strip() == "bad"
    assert chooser(card, "get-state", "A").stdout.strip() == "good"
    # The plain restart after mark-bad (or a crash, the watchdog, a power cut) starts A again.
    assert firmware_boots(card["boot"], tryboot=False) == "A"
    boot_into(card, "A")
    assert chooser(card, "on-trial").returncode == 1
    # The next update is written to B again, over the bad one.
    write_slot_b(card, kernel="6.1.0-52-arm64")
    assert chooser(card, "get-state", "B").stdout.strip() == "good"
    assert firmware_boots(card["boot"], tryboot=True) == "B"
    assert (card["boot"] / "slot-b" / "kernel-version").read_text().strip() == "6.1.0-52-arm64"
    assert not (card["boot"] / "slot-b.new").exists()


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
