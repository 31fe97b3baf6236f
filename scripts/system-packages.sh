#!/usr/bin/env bash
# Debian packages Linli needs on a development machine or CI: npm (fetches htmx at setup),
# chromium (browser tests), mosquitto (sync tests), postgresql (hub scale path), fonts for
# Chinese text and emoji, espeak-ng (spoken kiosk prompts), genimage and growpart (card layout
# test), U-Boot and QEMU (boot script test). A package is installed only when what it provides
# is missing (a machine may already have node/npm from elsewhere); sudo when not root.
set -euo pipefail
missing=()
need() {  # need PACKAGE TEST...
  local pkg=$1; shift
  "$@" >/dev/null 2>&1 || missing+=("$pkg")
}
need npm            command -v npm
need chromium       test -x /usr/bin/chromium
need mosquitto      test -x /usr/sbin/mosquitto
need postgresql     bash -c 'ls /usr/lib/postgresql/*/bin/pg_ctl'
need fonts-wqy-zenhei test -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
need fonts-noto-color-emoji test -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf  # emoji in names, not tofu
need espeak-ng      command -v espeak-ng
need opencv-doc     test -f /usr/share/doc/opencv-doc/examples/data/vtest.avi  # street photos/video for vehicle tests
need fonts-dejavu-extra test -f /usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf  # plate type for synthetic plates
# The SD card's partition table (tests/system/test_card_layout.py): the image's genimage.cfg
# and the first boot's growpart, with the file system tools genimage calls.
need genimage       command -v genimage
need cloud-guest-utils command -v growpart
need fdisk          command -v sfdisk
need dosfstools     command -v mkfs.vfat
need mtools         command -v mcopy
need e2fsprogs      command -v mke2fs
# The boot partition's slot chooser (tests/system/test_boot_slots.py): compiled with mkimage
# and run by Debian's U-Boot for QEMU, as the card's U-Boot runs it.
need u-boot-tools   command -v mkimage
need u-boot-qemu    test -f /usr/lib/u-boot/qemu_arm64/u-boot.bin
need qemu-system-arm command -v qemu-system-aarch64
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "Please install: ${missing[*]} (Debian/Ubuntu package names)" >&2
  exit 1
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
