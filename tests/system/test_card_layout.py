"""The SD card's partition table, written by the image's own genimage.cfg on a tiny tree: GPT
for Linux with a hybrid MBR for the boot ROM of a Pi 3B+ / Zero 2 W (which reads no GPT), and
the first boot's growth of the data partition keeping that MBR (image-build/grow-data.sh).
The tools are the ones `make image` and the card use: genimage, growpart, sfdisk."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "image-build"
MIB = 1024 * 1024


def check_boot():
    spec = importlib.util.spec_from_file_location("check_boot", BUILD / "check_boot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def table(card: Path) -> dict:
    out = subprocess.run(["sfdisk", "--json", str(card)], capture_output=True, text=True, check=True).stdout
    return json.loads(out)["partitiontable"]


@pytest.fixture
def card(tmp_path) -> Path:
    """A card as make image writes it (sparse: the partitions hold empty file systems)."""
    tree = tmp_path / "tree"
    (tree / "boot" / "firmware").mkdir(parents=True)
    (tree / "boot" / "firmware" / "config.txt").write_text("kernel=vmlinuz\n")
    (tree / "var" / "lib" / "linli").mkdir(parents=True)
    (tree / "var" / "lib" / "linli" / ".keep").write_text("")
    out = tmp_path / "out"
    subprocess.run(["genimage", "--config", str(BUILD / "config" / "genimage.cfg"), "--rootpath", str(tree),
                    "--tmppath", str(tmp_path / "tmp"), "--inputpath", str(tmp_path / "in"),
                    "--outputpath", str(out)], check=True, capture_output=True)
    return out / "linli.img"


def test_the_card_lists_its_boot_partition_where_every_supported_pi_looks(card):
    parts = table(card)
    assert parts["label"] == "gpt"  # Linux finds root=PARTLABEL=rootfs-a through it
    assert [p["name"] for p in parts["partitions"]] == ["boot", "rootfs-a", "rootfs-b", "data"]
    assert all(p["start"] * 512 % (4 * MIB) == 0 for p in parts["partitions"])  # erase-block aligned
    assert check_boot().card_problems(card) == []  # the MBR names the FAT boot partition


def test_growing_the_data_partition_at_first_boot_keeps_the_card_bootable(card):
    before = table(card)["partitions"][3]
    with open(card, "r+b") as f:  # flashed onto a bigger card
        f.truncate(os.path.getsize(card) + 1024 * MIB)
    grown = subprocess.run([str(BUILD / "grow-data.sh"), str(card), "4"], capture_output=True, text=True)
    assert grown.returncode == 0, grown.stderr
    after = table(card)["partitions"][3]
    assert after["start"] == before["start"] and after["size"] >= before["size"] + (1024 - 1) * MIB // 512
    assert check_boot().card_problems(card) == []
    assert subprocess.run(["sfdisk", "--verify", str(card)], capture_output=True).returncode == 0
    # A second boot finds nothing to grow and changes nothing.
    again = subprocess.run([str(BUILD / "grow-data.sh"), str(card), "4"], capture_output=True, text=True)
    assert again.returncode == 1 and check_boot().card_problems(card) == []


def test_growpart_alone_would_lose_the_boot_rom_s_entry(card):
    """Why grow-data.sh exists, and that the card check sees it."""
    with open(card, "r+b") as f:
        f.truncate(os.path.getsize(card) + 256 * MIB)
    subprocess.run(["growpart", str(card), "4"], capture_output=True, check=True)
    problems = check_boot().card_problems(card)
    assert problems and "MBR" in problems[0]
