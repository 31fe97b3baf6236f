"""Refuse a card that cannot boot: run by build.sh on the finished tree, before genimage.

Checks what the Pi firmware, U-Boot and the kernel need and what a build under emulation can
get silently wrong (see README, "Boot files"): a config.txt that starts U-Boot, the boards'
device trees beside it, the compiled slot chooser (boot.scr) and its starting counts
(linli-boot.env: slot A first), slot A's kernel, initramfs and command line (slot.env) in
/boot/firmware/slot-a/, and an initramfs that holds a shell for its /init, the module that
mounts the root slot (ext4) and the SD card's driver.

    python3 check_boot.py TREE         exit 0 when bootable, else 1 with each problem on a line
    python3 check_boot.py --card IMG   the written card: the boot partition listed in its MBR,
                                       where a Pi 3B+ or Zero 2 W boot ROM looks (no GPT there)
"""

from __future__ import annotations

import gzip
import lzma
import struct
import sys
from pathlib import Path

NEEDED_MODULES = ("ext4.ko", "sdhci-iproc.ko")


def cpio_names(data: bytes) -> set[str]:
    """Member names of a (possibly concatenated) newc cpio archive."""
    names, i = set(), 0
    while i + 110 <= len(data):
        magic = data[i:i + 6]
        if magic not in (b"070701", b"070702"):
            i += 1  # padding between concatenated archives
            continue
        namesize = int(data[i + 94:i + 102], 16)
        filesize = int(data[i + 54:i + 62], 16)
        name = data[i + 110:i + 110 + namesize - 1].decode(errors="replace")
        names.add(name)
        i = (i + 110 + namesize + 3) & ~3
        i = (i + filesize + 3) & ~3
    return names


def unpack(path: Path) -> bytes:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        return gzip.decompress(raw)
    if raw[:6] == b"\xfd7zXZ\x00":
        return lzma.decompress(raw)
    return raw


BOARD_TREES = ("bcm2837-rpi-3-b-plus.dtb", "bcm2711-rpi-4-b.dtb", "bcm2837-rpi-zero-2-w.dtb")


UIMAGE_MAGIC = 0x27051956
UIMAGE_SCRIPT = 6  # ih_type IH_TYPE_SCRIPT


def problems(tree: Path) -> list[str]:
    found = []
    firmware = tree / "boot" / "firmware"
    config = firmware / "config.txt"
    if not config.exists():
        return ["boot/firmware/config.txt is missing"]
    settings = dict(line.strip().partition("=")[::2] for line in config.read_text().splitlines()
                    if "=" in line and not line.lstrip().startswith("#"))
    if settings.get("arm_64bit") != "1":
        found.append("config.txt lacks arm_64bit=1: the firmware would start U-Boot in 32-bit mode")
    kernel = settings.get("kernel", "")
    if kernel != "u-boot.bin" or not (firmware / kernel).is_file():
        found.append(f"config.txt must start u-boot.bin, which must be in boot/firmware (kernel={kernel!r})")
    script = firmware / "boot.scr"
    header = script.read_bytes()[:64] if script.is_file() else b""
    if len(header) < 64 or struct.unpack(">I", header[:4])[0] != UIMAGE_MAGIC or header[30] != UIMAGE_SCRIPT:
        found.append("boot/firmware/boot.scr is missing or not a U-Boot script image (mkimage -T script)")
    counts = firmware / "linli-boot.env"
    lines = counts.read_text().splitlines() if counts.is_file() else []
    values = dict(line.partition("=")[::2] for line in lines)
    if not values.get("BOOT_ORDER", "").startswith("A") or not values.get("BOOT_A_LEFT", "0").isdigit() \
            or int(values.get("BOOT_A_LEFT", "0")) < 1:
        found.append("linli-boot.env must put slot A first with starts left (BOOT_ORDER=A B, BOOT_A_LEFT=3)")
    if lines[-1:] != ["LINLI_WHOLE=1"]:
        found.append("linli-boot.env must end with LINLI_WHOLE=1 (boot.scr passes over a copy without it)")
    backup = firmware / "linli-boot.bak"
    if not backup.is_file() or backup.read_text().splitlines() != lines:
        found.append("linli-boot.bak must be a copy of linli-boot.env (the one a torn write falls back to)")
    slot = firmware / "slot-a"
    for name in ("vmlinuz", "initrd.img"):
        if not (slot / name).is_file():
            found.append(f"slot-a/{name} is not in boot/firmware")
    command_line = slot / "slot.env"
    text = command_line.read_text() if command_line.is_file() else ""
    if not text.startswith("bootargs=") or "root=PARTLABEL=rootfs-a" not in text or "rauc.slot=A" not in text:
        found.append("slot-a/slot.env must hold bootargs= with root=PARTLABEL=rootfs-a and rauc.slot=A")
    for dtb in BOARD_TREES:
        if not (firmware / dtb).is_file():
            found.append(f"{dtb} is missing from boot/firmware: the firmware would start that board without it")
    initrds = sorted((tree / "boot").glob("initrd.img-*"))
    if not initrds:
        found.append("no boot/initrd.img-*: the kernel's modules cannot be loaded to mount the root slot")
        return found
    names = cpio_names(unpack(initrds[-1]))
    if not names & {"usr/bin/sh", "bin/sh", "usr/lib/klibc/bin/sh.shared", "usr/bin/busybox"}:
        found.append(f"{initrds[-1].name} has no shell for its /init (the kernel panics: no working init)")
    for module in NEEDED_MODULES:
        if not any(n.endswith("/" + module) for n in names):
            found.append(f"{initrds[-1].name} lacks {module}")
    return found


FAT_TYPES = (0x0B, 0x0C)  # FAT32 (CHS, LBA): what the Pi's boot ROM looks for


def card_problems(card: Path) -> list[str]:
    """The MBR of the written card must list the GPT's first partition (boot) as FAT."""
    with open(card, "rb") as f:
        mbr = f.read(512)
        f.seek(512)
        gpt = f.read(512)
        if mbr[510:512] != b"\x55\xaa":
            return ["the card has no MBR signature"]
        entries = [struct.unpack("<B3xB3xII", mbr[446 + 16 * i:462 + 16 * i]) for i in range(4)]
        fat = [(start, size) for _flag, kind, start, size in entries if kind in FAT_TYPES]
        if gpt[:8] != b"EFI PART":
            return [] if fat else ["the MBR lists no FAT boot partition"]
        table_lba, = struct.unpack("<Q", gpt[72:80])
        f.seek(table_lba * 512)
        first = f.read(128)
    boot_start, boot_end = struct.unpack("<QQ", first[32:48])
    if (boot_start, boot_end - boot_start + 1) not in fat:
        return [f"the MBR does not list the boot partition (GPT sectors {boot_start}-{boot_end}): "
                "a Pi 3B+ or Zero 2 W would not find its firmware (partition-table-type must be hybrid)"]
    return []


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[1] == "--card":
        found = card_problems(Path(argv[2]))
        for problem in found:
            print(f"card check: {problem}", file=sys.stderr)
        if not found:
            print("card check: the MBR lists the boot partition for the Pi 3B+ / Zero 2 W boot ROM")
        return 1 if found else 0
    tree = Path(argv[1])
    found = problems(tree)
    for problem in found:
        print(f"image check: {problem}", file=sys.stderr)
    if not found:
        print("image check: config.txt, U-Boot, boot.scr, the device trees and slot A's kernel, initramfs and "
              "command line are in place")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
