#!/usr/bin/env bash
# `make image-test`: boot the card under qemu-system-aarch64 -M virt through U-Boot, which runs
# the card's boot.scr as the Pi's U-Boot does and starts the chosen slot's own kernel;
# reach /healthz through a forwarded loopback port, then cut the power (kill QEMU) during writes
# 10 times and check SQLite's integrity and the access log after each boot, and that slot A got
# its starts back; install a broken OS update from a USB stick and check the box comes back on
# its old slot, then a whole one, which is kept; also that the MQTT broker answers and the
# wizard's network profile lands on the data partition.
# Needs `make image` first; stops with the reason when something is missing. Not part of `make test`.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${IMAGE_OUT:-$HERE/../build/image}"
PORT="${IMAGE_TEST_PORT:-18080}"
missing=()
command -v qemu-system-aarch64 >/dev/null || missing+=("qemu-system-aarch64 (apt install qemu-system-arm)")
# U-Boot for QEMU stands in for the Pi's U-Boot: it runs the card's boot.scr.
[ -f /usr/lib/u-boot/qemu_arm64/u-boot.bin ] || missing+=("U-Boot for QEMU (apt install u-boot-qemu)")
# image_test.py reads the data partition of the card after the run (the network profile).
command -v sfdisk >/dev/null || missing+=("sfdisk (apt install fdisk)")
command -v debugfs >/dev/null || missing+=("debugfs (apt install e2fsprogs)")
[ -f "$OUT/linli.img" ] || missing+=("$OUT/linli.img (run make image first)")
command -v mcopy >/dev/null || missing+=("mcopy (apt install mtools): the boot partition is read as the Pi firmware reads it")
command -v mkfs.vfat >/dev/null || missing+=("mkfs.vfat (apt install dosfstools): the USB stick")
if [ ${#missing[@]} -gt 0 ]; then
  echo "make image-test cannot run on this machine; missing:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 2
fi
# IMAGE_TEST_WORK=DIR keeps the card copy and the console logs there (for a failed run);
# IMAGE_TEST_JOURNAL=1 copies the board's journal (in RAM) into those console logs.
if [ -n "${IMAGE_TEST_WORK:-}" ]; then
  work="$IMAGE_TEST_WORK"; mkdir -p "$work"
else
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fi
extra=()
[ "${IMAGE_TEST_JOURNAL:-0}" = 1 ] && extra+=(--journal-on-console)
# IMAGE_TEST_OS_UPDATE=0 leaves out the OS update (it writes a 2.5 GiB slot under emulation).
[ "${IMAGE_TEST_OS_UPDATE:-1}" = 1 ] && extra+=(--os-update --rootfs "$OUT/rootfs.ext4")
# IMAGE_TEST_KIOSK_MINUTES=N: at the end, memory in use and card writes for N minutes idle, then N minutes
# with the kiosk screen (virtio GPU).
[ -n "${IMAGE_TEST_KIOSK_MINUTES:-}" ] && extra+=(--kiosk-minutes "$IMAGE_TEST_KIOSK_MINUTES")
# The checks themselves (first boot, wizard, power cuts, the access log) are in image_test.py.
"$HERE/../.venv/bin/python" "$HERE/image_test.py" --image "$OUT/linli.img" \
  --work "$work" --port "$PORT" --cuts "${IMAGE_TEST_CUTS:-10}" "${extra[@]}"
