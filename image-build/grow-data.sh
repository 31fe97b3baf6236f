#!/usr/bin/env bash
# Grow partition PART of card DISK to the end of the card, keeping its hybrid MBR.
#   grow-data.sh DISK PART     (first-boot.sh: the data partition; tests/system/test_card_layout.py)
# The first sector is a hybrid MBR listing the FAT boot partition for the boot ROM of a Pi 3B+
# or Zero 2 W, which reads no GPT. growpart rewrites it as a plain protective MBR
# (cloud-guest-utils 0.33, tried on a copy of the card) and such a board would not boot again;
# the partitions that sector lists do not move, so it is put back as it was.
# Exit 0 when grown, 1 when the partition already fills the card (growpart's NOCHANGE), else 2.
set -euo pipefail
disk=$1 part=$2
mbr=$(mktemp)
trap 'rm -f "$mbr"' EXIT
dd if="$disk" of="$mbr" bs=512 count=1 status=none
set +e
growpart "$disk" "$part"
rc=$?
set -e
if [ "$rc" -eq 0 ]; then
  dd if="$mbr" of="$disk" bs=512 count=1 conv=notrunc,fsync status=none
fi
exit "$rc"
