#!/usr/bin/env bash
# An app update bundle of this tree: the aarch64 wheelhouse (make wheelhouse) and an install
# step that builds the new version's venv from it on the box, offline.
#   image-build/make-app-bundle.sh KEY.key VERSION OUT.lub
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
KEY=$1 VERSION=$2 OUT=$3
WHEELS="${IMAGE_OUT:-$REPO/build/image}/wheelhouse"
[ -d "$WHEELS" ] || { echo "no wheelhouse at $WHEELS: run make wheelhouse first" >&2; exit 2; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/payload"
cp -r "$WHEELS" "$work/payload/wheelhouse"
cat >"$work/payload/install.sh" <<'SH'
set -eu
python3 -m venv --system-site-packages venv
venv/bin/pip install --quiet --no-index --find-links wheelhouse "linli[pi]"
venv/bin/linli --help >/dev/null
rm -rf wheelhouse
SH
tar -C "$work/payload" -czf "$work/payload.tar.gz" .
"$REPO/.venv/bin/linli" update make "$work/payload.tar.gz" "$OUT" --key "$KEY" --version "$VERSION" \
  --install /bin/sh install.sh
