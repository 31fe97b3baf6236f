#!/usr/bin/env bash
# `make image-test`: boot the image's root file system under qemu-system-aarch64 -M virt with
# Debian's arm64 kernel, reach /healthz through a forwarded loopback port, then cut the power
# (kill QEMU) during writes 10 times and check SQLite's integrity after each boot.
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
cp --sparse=always "$OUT/linli.img" "$work/disk.img"

boot() {
  qemu-system-aarch64 -M virt -cpu cortex-a53 -smp 2 -m 1024 -nographic \
    -kernel "$kernel" -initrd "$initrd" \
    -append "root=PARTLABEL=rootfs-a ro rootwait console=ttyAMA0 systemd.unit=multi-user.target" \
    -drive "if=virtio,format=raw,file=$work/disk.img" \
    -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$PORT-:8080" -device virtio-net-device,netdev=n0 \
    >"$work/console.log" 2>&1 &
  echo $!
}
wait_healthz() {
  local deadline=$(( $(date +%s) + ${1:-600} ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && return 0
    sleep 2
  done
  return 1
}
t0=$(date +%s); pid=$(boot)
wait_healthz 900 || { tail -50 "$work/console.log"; echo "no /healthz within 15 min" >&2; kill "$pid"; exit 1; }
echo "boot to /healthz: $(( $(date +%s) - t0 )) s"
curl -fsS "http://127.0.0.1:$PORT/setup" | grep -q 'name="code"' || { echo "first-boot wizard not served" >&2; exit 1; }
for i in $(seq 1 10); do
  # Writes in flight: access-log pages, then the plug is pulled.
  for _ in $(seq 1 20); do curl -s -o /dev/null "http://127.0.0.1:$PORT/kiosk" & done
  sleep "0.$((RANDOM % 9 + 1))"; kill -9 "$pid"; wait "$pid" 2>/dev/null || true
  pid=$(boot); wait_healthz 900 || { echo "boot $i after power cut: no /healthz" >&2; exit 1; }
  curl -fsS "http://127.0.0.1:$PORT/healthz" | grep -q '"database"' || { echo "boot $i: health report incomplete" >&2; exit 1; }
  echo "power cut $i: back up, database OK"
done
kill "$pid"
