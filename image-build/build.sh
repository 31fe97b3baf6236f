#!/usr/bin/env bash
# `make image`: a flashable SD-card image (Debian bookworm arm64) for Raspberry Pi 3B+/4/Zero 2 W.
#
#   1. preflight   every tool the build needs, or a clear message naming the Debian package
#   2. wheelhouse  Linli and its pinned dependencies as aarch64 / CPython 3.11 wheels (PyPI)
#   3. rootfs      mmdebstrap: Debian packages only (config/packages.txt), the overlay in rootfs/,
#                  /opt/linli with a venv installed from the wheelhouse (no network at first boot)
#   4. image       genimage (config/genimage.cfg): boot | root A | root B | data, then xz
#
# Nothing is faked: a step that cannot run on this machine stops the build with the reason.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
OUT="${IMAGE_OUT:-$REPO/build/image}"
SUITE=bookworm
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
STEP="${1:-all}"
started=$(date +%s)

die() { echo "make image: $*" >&2; exit 2; }
note() { echo "== $*"; }

preflight() {
  local missing=()
  command -v mmdebstrap >/dev/null || missing+=("mmdebstrap (apt install mmdebstrap)")
  command -v genimage >/dev/null || missing+=("genimage (apt install genimage)")
  command -v mkfs.vfat >/dev/null || missing+=("mkfs.vfat (apt install dosfstools)")
  command -v mke2fs >/dev/null || missing+=("mke2fs (apt install e2fsprogs)")
  command -v xz >/dev/null || missing+=("xz (apt install xz-utils)")
  if [ "$(uname -m)" != "aarch64" ]; then
    # Package scripts of an arm64 system run under qemu: the kernel must know to hand arm64
    # programs to qemu-aarch64 (binfmt_misc). Registering it changes the whole host, so the
    # build asks for it instead of doing it.
    if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
      missing+=("arm64 emulation: apt install qemu-user-static binfmt-support, and a host where binfmt_misc is mounted (/proc/sys/fs/binfmt_misc/qemu-aarch64 must exist; containers usually lack it)")
    fi
  fi
  if [ "$(id -u)" -ne 0 ] && ! unshare --user --map-root-user true 2>/dev/null; then
    missing+=("root, or unprivileged user namespaces for mmdebstrap --mode=unshare")
  fi
  [ -f "$REPO/web/static/vendor/htmx.min.js" ] || missing+=("htmx (run make setup first)")
  [ -f "$REPO/web/static/vendor/sounds/granted.wav" ] || missing+=("kiosk sounds (run make setup first)")
  if [ ${#missing[@]} -gt 0 ]; then
    echo "make image cannot build on this machine; missing:" >&2
    printf '  - %s\n' "${missing[@]}" >&2
    exit 2
  fi
}

wheelhouse() {
  note "wheelhouse (aarch64, CPython 3.11) -> $OUT/wheelhouse"
  mkdir -p "$OUT/wheelhouse"
  local reqs="$OUT/requirements.txt"
  "$REPO/.venv/bin/python" - "$REPO/pyproject.toml" >"$reqs" <<'PY'
import sys, tomllib
print("\n".join(tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]))
PY
  "$REPO/.venv/bin/pip" download --quiet --only-binary=:all: --platform manylinux2014_aarch64 \
    --platform manylinux_2_17_aarch64 --platform manylinux_2_28_aarch64 --python-version 3.11 \
    --implementation cp -d "$OUT/wheelhouse" -r "$reqs"
  "$REPO/.venv/bin/pip" wheel --quiet --no-deps -w "$OUT/wheelhouse" "$REPO"
  du -sh "$OUT/wheelhouse"
}

rootfs() {
  note "root file system (mmdebstrap, $SUITE arm64) -> $OUT/rootfs.tar"
  local packages
  packages=$(grep -v '^#' "$HERE/config/packages.txt" | grep -v '^$' | paste -sd, -)
  mmdebstrap --arch=arm64 --variant=apt --components="main non-free-firmware" --include="$packages" \
    --customize-hook='mkdir -p "$1/opt/linli" "$1/var/lib/linli"' \
    --customize-hook="tar -C '$REPO' --exclude=.venv --exclude=.git --exclude=build --exclude=var --exclude=.cache -cf - . | tar -C \"\$1/opt/linli\" -xf -" \
    --customize-hook="cp -r '$OUT/wheelhouse' \"\$1/opt/linli/wheelhouse\"" \
    --customize-hook="cp -r '$HERE/rootfs/.' \"\$1/\"" \
    --customize-hook='chroot "$1" python3 -m venv --system-site-packages /opt/linli/venv' \
    --customize-hook='chroot "$1" /opt/linli/venv/bin/pip install --no-index --find-links /opt/linli/wheelhouse linli' \
    --customize-hook='chroot "$1" useradd --system --home-dir /var/lib/linli --groups gpio,video,dialout,plugdev linli || chroot "$1" useradd --system --home-dir /var/lib/linli linli' \
    --customize-hook="for u in '$HERE'/systemd/*.service; do cp \"\$u\" \"\$1/etc/systemd/system/\"; done" \
    --customize-hook='chroot "$1" systemctl enable linli.service linli-firstboot.service linli-update-confirm.service linli-log-tail.service linli-kiosk.service mosquitto.service' \
    --customize-hook='echo linli > "$1/etc/hostname"' \
    "$SUITE" "$OUT/rootfs.tar" "$MIRROR"
}

image() {
  note "partitions and image (genimage) -> $OUT/linli.img"
  local tree="$OUT/tree"
  rm -rf "$tree" "$OUT/genimage-tmp" && mkdir -p "$tree"
  tar -C "$tree" -xf "$OUT/rootfs.tar"
  install -d "$tree/boot/firmware"
  printf 'console=serial0,115200 console=tty1 root=PARTLABEL=rootfs-a rootfstype=ext4 ro fsck.repair=yes rootwait quiet\n' \
    >"$tree/boot/firmware/cmdline.txt"
  genimage --config "$HERE/config/genimage.cfg" --rootpath "$tree" --tmppath "$OUT/genimage-tmp" \
    --inputpath "$OUT" --outputpath "$OUT"
  xz -T0 -k -f -6 "$OUT/linli.img"
  ls -l "$OUT/linli.img" "$OUT/linli.img.xz"
}

case "$STEP" in
  preflight) preflight ;;
  wheelhouse) wheelhouse ;;
  all) preflight; wheelhouse; rootfs; image ;;
  *) die "unknown step $STEP (preflight, wheelhouse, all)" ;;
esac
echo "make image: $STEP done in $(( $(date +%s) - started )) s"
