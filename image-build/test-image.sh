#!/usr/bin/env bash
# `make image-test`: boot the image's root file system under qemu-system-aarch64 -M virt with
# Debian's arm64 kernel, reach /healthz through a forwarded loopback port, then cut the power
# (kill QEMU) during writes 10 times and check SQLite's integrity and the access log after each boot;
# also that the MQTT broker answers and the wizard's network profile lands on the data partition.
# Needs `make image` first; stops with the reason when something is missing. Not part of `make test`.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${IMAGE_OUT:-$HERE/../build/image}"
PORT="${IMAGE_TEST_PORT:-18080}"
missing=()
command -v qemu-system-aarch64 >/dev/null || missing+=("qemu-system-aarch64 (apt install qemu-system-arm)")
# image_test.py reads the data partition of the card after the run (the network profile).
command -v sfdisk >/dev/null || missing+=("sfdisk (apt install fdisk)")
command -v debugfs >/dev/null || missing+=("debugfs (apt install e2fsprogs)")
[ -f "$OUT/linli.img" ] || missing+=("$OUT/linli.img (run make image first)")
[ -f "$OUT/tree/vmlinuz" ] || [ -n "$(ls "$OUT"/tree/boot/vmlinuz-* 2>/dev/null)" ] || missing+=("the image's arm64 kernel in $OUT/tree/boot")
if [ ${#missing[@]} -gt 0 ]; then
  echo "make image-test cannot run on this machine; missing:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 2
fi
kernel=$(ls "$OUT"/tree/boot/vmlinuz-* | tail -1)
initrd=$(ls "$OUT"/tree/boot/initrd.img-* | tail -1)
# IMAGE_TEST_WORK=DIR keeps the card copy and the console logs there (for a failed run);
# IMAGE_TEST_JOURNAL=1 copies the board's journal (in RAM) into those console logs.
if [ -n "${IMAGE_TEST_WORK:-}" ]; then
  work="$IMAGE_TEST_WORK"; mkdir -p "$work"
else
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fi
extra=()
[ "${IMAGE_TEST_JOURNAL:-0}" = 1 ] && extra+=(--journal-on-console)
# The checks themselves (first boot, wizard, power cuts, the access log) are in image_test.py.
"$HERE/../.venv/bin/python" "$HERE/image_test.py" --image "$OUT/linli.img" --kernel "$kernel" --initrd "$initrd" \
  --work "$work" --port "$PORT" --cuts "${IMAGE_TEST_CUTS:-10}" "${extra[@]}"
