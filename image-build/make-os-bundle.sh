#!/usr/bin/env bash
# An OS update bundle: a root file system image (rootfs.ext4, as `make image` writes it) in a
# RAUC bundle (verity format, signed with the build's RAUC key), inside a Linli bundle (signed
# with the build's Ed25519 key, kind os), which the box checks before RAUC checks its own.
#   image-build/make-os-bundle.sh ROOTFS.ext4 VERSION OUT.lub
# VERSION must be the version of the Linli in that root (/opt/linli/pyproject.toml): after the
# update the box shows that one as running and compares the next bundle with it.
# Keys from IMAGE_KEYS (default build/image/keys, made by `make image`). Needs rauc and
# squashfs-tools on the build machine (installed when missing and run as root).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
ROOTFS=$1 VERSION=$2 OUT=$3
KEYS="${IMAGE_KEYS:-${IMAGE_OUT:-$REPO/build/image}/keys}"
for f in update.key rauc.key.pem rauc.cert.pem; do
  [ -f "$KEYS/$f" ] || { echo "no $KEYS/$f: run make image first (it makes the build's keys)" >&2; exit 2; }
done
inside=$(debugfs -R "cat /opt/linli/pyproject.toml" "$ROOTFS" 2>/dev/null \
  | "$REPO/.venv/bin/python" -c 'import sys, tomllib; print(tomllib.loads(sys.stdin.read())["project"]["version"])' \
  2>/dev/null) || inside=""
if [ -z "$inside" ]; then
  echo "$ROOTFS holds no Linli (/opt/linli/pyproject.toml): not a root file system made by make image" >&2; exit 2
fi
if [ "$inside" != "$VERSION" ]; then
  echo "$ROOTFS holds Linli $inside, not $VERSION: the bundle's version must be the one inside it" >&2; exit 2
fi
if ! command -v rauc >/dev/null || ! command -v mksquashfs >/dev/null; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends rauc squashfs-tools >&2
  else
    echo "make-os-bundle.sh needs rauc and squashfs-tools (apt-get install rauc squashfs-tools)" >&2; exit 2
  fi
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/os-bundle.XXXXXX"); trap 'rm -rf "$work"' EXIT
mkdir "$work/content"
cp --sparse=always "$ROOTFS" "$work/content/rootfs.ext4"
cat >"$work/content/manifest.raucm" <<MANIFEST
[update]
compatible=linli-rpi-arm64
version=$VERSION

[bundle]
format=verity

[image.rootfs]
filename=rootfs.ext4
MANIFEST
rauc bundle --cert="$KEYS/rauc.cert.pem" --key="$KEYS/rauc.key.pem" "$work/content" "$work/rootfs.raucb" >&2
# BUNDLE_BOARDS: the boards the bundle is for (default the three Pis; make image-test adds
# "generic", which QEMU's -M virt reports).
boards=()
for board in ${BUNDLE_BOARDS:-rpi3 rpi4 rpi-zero2w}; do boards+=(--board "$board"); done
"$REPO/.venv/bin/linli" update make "$work/rootfs.raucb" "$OUT" --key "$KEYS/update.key" --version "$VERSION" --kind os \
  "${boards[@]}"
ls -l "$OUT"
