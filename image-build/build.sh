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

# Debian packages the build machine needs (tool -> package); preflight installs the missing
# ones with apt-get when it runs as root (IMAGE_NO_APT=1 to forbid), else names them and stops.
HOST_TOOLS="mmdebstrap:mmdebstrap genimage:genimage mkfs.vfat:dosfstools mke2fs:e2fsprogs xz:xz-utils sfdisk:fdisk mcopy:mtools mkimage:u-boot-tools"
# On a machine that is not arm64, the arm64 maintainer scripts and the venv run through
# qemu-user under proot (image-build/in-target.sh): no binfmt_misc registration, which in a
# container would change the shared host.
EMU_TOOLS="proot:proot qemu-aarch64-static:qemu-user-static"

preflight() {
  local tools="$HOST_TOOLS" missing=() pkgs=() t
  [ "$(uname -m)" = aarch64 ] || tools="$tools $EMU_TOOLS"
  for t in $tools; do
    command -v "${t%%:*}" >/dev/null || pkgs+=("${t#*:}")
  done
  if [ ${#pkgs[@]} -gt 0 ] && [ "$(id -u)" -eq 0 ] && [ -z "${IMAGE_NO_APT:-}" ] && command -v apt-get >/dev/null; then
    note "installing the build tools: ${pkgs[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}" >&2 || true
    pkgs=()
    for t in $tools; do command -v "${t%%:*}" >/dev/null || pkgs+=("${t#*:}"); done
  fi
  for t in "${pkgs[@]}"; do missing+=("Debian package $t (apt-get install -y $t)"); done
  if [ "$(uname -m)" != aarch64 ] && command -v proot >/dev/null && ! proot -r / true 2>/dev/null; then
    missing+=("ptrace for proot (the container forbids it; arm64 scripts cannot run)")
  fi
  if [ "$(id -u)" -ne 0 ] && ! unshare --user --map-root-user true 2>/dev/null; then
    missing+=("root, or unprivileged user namespaces for mmdebstrap --mode=unshare")
  fi
  [ -x "$REPO/.venv/bin/pip" ] || missing+=("the project venv for the wheelhouse (run make setup first)")
  [ -f "$REPO/web/static/vendor/htmx.min.js" ] || missing+=("htmx (run make setup first)")
  [ -f "$REPO/web/static/vendor/sounds/granted.wav" ] || missing+=("kiosk sounds (run make setup first)")
  # Without the compiled catalog the image speaks English only (a checkout that skipped setup).
  [ -f "$REPO/web/translations/zh_Hans_CN/LC_MESSAGES/messages.mo" ] || missing+=("compiled translations (run make setup first)")
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
project = tomllib.load(open(sys.argv[1], "rb"))["project"]
print("\n".join(project["dependencies"] + project["optional-dependencies"]["pi"]))
PY
  "$REPO/.venv/bin/pip" download --quiet --only-binary=:all: --platform manylinux2014_aarch64 \
    --platform manylinux_2_17_aarch64 --platform manylinux_2_28_aarch64 --platform manylinux_2_34_aarch64 --python-version 3.11 \
    --implementation cp -d "$OUT/wheelhouse" -r "$reqs"
  "$REPO/.venv/bin/pip" wheel --quiet --no-deps -w "$OUT/wheelhouse" "$REPO"
  du -sh "$OUT/wheelhouse"
}

rootfs() {
  export IN_TARGET="$HERE/in-target.sh"
  note "root file system (mmdebstrap, $SUITE arm64) -> $OUT/rootfs.tar"
  # Checked first: mmdebstrap would otherwise spend minutes configuring packages, then fail.
  if [ ! -d "$OUT/wheelhouse" ]; then
    die "no $OUT/wheelhouse: run 'bash image-build/build.sh wheelhouse' first"
  fi
  local packages
  # IMAGE_PACKAGES (comma-separated) replaces the list for a quick trial of the build steps.
  packages=${IMAGE_PACKAGES:-$(grep -v '^#' "$HERE/config/packages.txt" | grep -v '^$' | paste -sd, -)}
  mkdir -p "$OUT" && rm -f "$OUT/rootfs.tar"
  # --variant=extract: mmdebstrap resolves, downloads and unpacks, and runs only extract hooks,
  # so every step is an --extract-hook; the first (second-stage.sh) configures
  # the packages under emulation (mmdebstrap itself would need binfmt_misc for that).
  # merged /usr is laid out by mmdebstrap's merged-usr setup hook and usr-is-merged is asked for:
  # otherwise apt picks usrmerge, whose conversion script runs ldd, which fails under qemu-user.
  mmdebstrap --arch=arm64 --variant=extract --components="main non-free-firmware" \
    --include='?essential' --include="apt,usr-is-merged,$packages" \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --extract-hook="'$HERE/second-stage.sh' \"\$1\"" \
    --extract-hook='mkdir -p "$1/opt/linli" "$1/var/lib/linli"' \
    --extract-hook="tar -C '$REPO' --exclude=.venv --exclude=.git --exclude=build --exclude=var --exclude=.cache -cf - . | tar -C \"\$1/opt/linli\" -xf -" \
    --extract-hook="cp -r '$OUT/wheelhouse' \"\$1/opt/linli/wheelhouse\"" \
    --extract-hook="cp -r '$HERE/rootfs/.' \"\$1/\"" \
    --extract-hook='"$IN_TARGET" "$1" update-initramfs -c -k all' \
    --extract-hook='for k in "$1"/boot/vmlinuz-*; do "$IN_TARGET" "$1" env DEB_MAINT_PARAMS=configure /etc/kernel/postinst.d/z50-raspi-firmware "${k##*/vmlinuz-}"; done' \
    --extract-hook='"$IN_TARGET" "$1" python3 -m venv --system-site-packages /opt/linli/venv' \
    --extract-hook='"$IN_TARGET" "$1" /opt/linli/venv/bin/pip install --no-user --no-cache-dir --no-index --find-links /opt/linli/wheelhouse "linli[pi]"' \
    --extract-hook='"$IN_TARGET" "$1" /opt/linli/venv/bin/python -c "import appliance, web, cv2, numpy, ai_edge_litert"' \
    --extract-hook='rm -rf "$1/opt/linli/wheelhouse" "$1/root/.cache" "$1/root/.local"' \
    --extract-hook='"$IN_TARGET" "$1" groupadd --system gpio' \
    --extract-hook='"$IN_TARGET" "$1" useradd --system --home-dir /var/lib/linli --groups gpio,video,dialout,plugdev linli' \
    --extract-hook='"$IN_TARGET" "$1" usermod --append --groups linli mosquitto' \
    --extract-hook='ln -sf /run/NetworkManager/resolv.conf "$1/etc/resolv.conf"' \
    --extract-hook="for u in '$HERE'/systemd/*.service '$HERE'/systemd/*.path; do cp \"\$u\" \"\$1/etc/systemd/system/\"; done" \
    --extract-hook='"$IN_TARGET" "$1" systemctl enable linli.service linli-firstboot.service linli-update-confirm.service linli-update.path linli-log-tail.service linli-kiosk.service mosquitto.service' \
    --extract-hook='echo linli > "$1/etc/hostname"' \
    "$SUITE" "$OUT/rootfs.tar" "$MIRROR"
}

# The Pi firmware starts U-Boot (Debian's u-boot-rpi, the 64-bit build for the 3B+, 4 and
# Zero 2 W), with the device tree the firmware chose; U-Boot runs boot.scr (boot.cmd), which
# picks the root slot by its count of starts in linli-boot.env and starts that slot's kernel
# from its folder on the boot partition (boot-assets.sh). raspi-firmware's hook put a kernel,
# initramfs and cmdline.txt at the top: they go (slot-a/ has its own); the device trees stay,
# for the firmware. config.txt is written here and never changes on the box.
boot_layout() {
  local fw="$1/boot/firmware" uboot="$1/usr/lib/u-boot/rpi_arm64/u-boot.bin"
  install -d "$fw"
  "$HERE/boot-assets.sh" "$1" "$fw" A
  rm -f "$fw"/vmlinuz-* "$fw"/initrd.img-* "$fw/cmdline.txt" "$fw/config.txt"
  [ -f "$uboot" ] || die "no $uboot in the tree (Debian package u-boot-rpi)"
  cp "$uboot" "$fw/u-boot.bin"
  mkimage -A arm64 -O linux -T script -C none -n "Linli slot chooser" -d "$HERE/boot.cmd" "$fw/boot.scr" >/dev/null
  # The flashed card: slot A, 3 starts; slot B empty until an OS update writes it.
  printf 'BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\nLINLI_WHOLE=1\n' >"$fw/linli-boot.env"
  cp "$fw/linli-boot.env" "$fw/linli-boot.bak"
  cat >"$fw/config.txt" <<'CFG'
# Written by Linli's image build (image-build/build.sh). The firmware starts U-Boot, which
# runs boot.scr: it picks the root slot (linli-boot.env) and starts its kernel from slot-a/ or
# slot-b/. upstream_kernel: the device trees are the mainline ones of Debian's kernel.
arm_64bit=1
enable_uart=1
upstream_kernel=1
kernel=u-boot.bin
CFG
}

# The keys this card trusts for updates: Linli's bundle key (Ed25519, update.pub) and the
# certificate RAUC checks OS bundles against (rauc.cert.pem). Taken from IMAGE_KEYS, or made
# once in $OUT/keys and kept there: whoever builds the cards signs the updates for them, and
# the private halves never go on a card.
update_keys() {
  local keys="${IMAGE_KEYS:-$OUT/keys}"
  if [ ! -f "$keys/update.key" ] || [ ! -f "$keys/rauc.key.pem" ]; then
    [ -z "${IMAGE_KEYS:-}" ] || die "IMAGE_KEYS=$keys needs update.key, update.pub, rauc.key.pem and rauc.cert.pem"
    note "making this build's update keys in $keys (keep them: they sign every update for these cards)"
    mkdir -p "$keys" && chmod 0700 "$keys"
    "$REPO/.venv/bin/linli" update keygen "$keys/update"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7300 \
      -subj "/O=Linli/CN=Linli OS updates" -keyout "$keys/rauc.key.pem" -out "$keys/rauc.cert.pem" 2>/dev/null
  fi
  install -d "$1/etc/linli/update-keys"
  install -m 0644 "$keys/update.pub" "$1/etc/linli/update-keys/build.pub"
  install -m 0644 "$keys/rauc.cert.pem" "$1/etc/linli/update-keys/rauc-ca.pem"
}

image() {
  note "partitions and image (genimage) -> $OUT/linli.img"
  local tree="$OUT/tree"
  rm -rf "$tree" "$OUT/genimage-tmp" && mkdir -p "$tree"
  tar -C "$tree" -xf "$OUT/rootfs.tar"
  boot_layout "$tree"
  update_keys "$tree"
  # A card that cannot boot is refused (IMAGE_ALLOW_UNBOOTABLE=1 writes it anyway, to inspect).
  if ! python3 "$HERE/check_boot.py" "$tree"; then
    [ "${IMAGE_ALLOW_UNBOOTABLE:-0}" = 1 ] || die "the card would not boot (above); see image-build/README.md, 'Boot files'"
  fi
  genimage --config "$HERE/config/genimage.cfg" --rootpath "$tree" --tmppath "$OUT/genimage-tmp" \
    --inputpath "$OUT" --outputpath "$OUT"
  if ! python3 "$HERE/check_boot.py" --card "$OUT/linli.img"; then
    [ "${IMAGE_ALLOW_UNBOOTABLE:-0}" = 1 ] || die "a Pi 3B+ or Zero 2 W could not boot this card (above)"
  fi
  xz -T0 -k -f -6 "$OUT/linli.img"
  ls -l "$OUT/linli.img" "$OUT/linli.img.xz"
}

case "$STEP" in
  preflight) preflight ;;
  wheelhouse) wheelhouse ;;
  rootfs) preflight; rootfs ;;
  image) image ;;
  # The boot partition's layout on a given tree (tests/system/test_boot_slots.py).
  boot-layout) boot_layout "$2" ;;
  all) preflight; wheelhouse; rootfs; image ;;
  *) die "unknown step $STEP (preflight, wheelhouse, rootfs, image, all)" ;;
esac
echo "make image: $STEP done in $(( $(date +%s) - started )) s"
