#!/usr/bin/env bash
# `make image-test`: boot the image's root file system under qemu-system-aarch64 -M virt with
# Debian's arm64 kernel, reach /healthz through a forwarded loopback port, then cut the power
# (kill QEMU) during writes 10 times and check SQLite's integrity and the access log after each boot.
# Needs `make image` first; stops with the reason when something is missing. Not part of `make test`.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${IMAGE_OUT:-$HERE/../build/image}"
PORT="${IMAGE_TEST_PORT:-18080}"
missing=()
command -v qemu-system-aarch64 >/dev/null || missing+=("qemu-system-aarch64 (apt install qemu-system-arm)")
[ -f "$OUT/linli.img" ] || missing+=("$OUT/linli.img (run make image first)")
[ -f "$OUT/tree/vmlinuz" ] || [ -n "$(ls "$OUT"/tree/boot/vmlinuz-* 2>/dev/null)" ] || missing+=("the image's arm64 kernel in $OUT/tree/boot")
if [ ${#missing[@]} -gt 0 ]; then
  echo "make image-test cannot run on this machine; missing:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 2
fi
kernel=$(ls "$OUT"/tree/boot/vmlinuz-* | tail -1)
initrd=$(ls "$OUT"/tree/boot/initrd.img-* | tail -1)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
# The checks themselves (first boot, wizard, power cuts, the access log) are in image_test.py.
"$HERE/../.venv/bin/python" "$HERE/image_test.py" --image "$OUT/linli.img" --kernel "$kernel" --initrd "$initrd" \
  --work "$work" --port "$PORT" --cuts "${IMAGE_TEST_CUTS:-10}"
