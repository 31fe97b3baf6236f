#!/bin/sh
# RAUC post-install handler (rootfs/etc/rauc/system.conf): once RAUC has written a root slot,
# copy that slot's own kernel, initramfs and device trees to its folder on the boot partition
# (boot-assets.sh), where U-Boot's script loads them from. A failure here fails the
# install, and Linli then does not reboot into the slot.
set -eu
here=$(dirname "$(readlink -f "$0")")
BOOT=/boot/firmware
mnt=$(mktemp -d /run/linli-slot.XXXXXX)
cleanup() {
  mountpoint -q "$mnt" && umount "$mnt"
  rmdir "$mnt"
  sync; mount -o remount,ro "$BOOT" 2>/dev/null || true
}
trap cleanup EXIT
mount -o remount,rw "$BOOT"
for i in $RAUC_TARGET_SLOTS; do
  eval device=\$RAUC_SLOT_DEVICE_$i
  eval bootname=\$RAUC_SLOT_BOOTNAME_$i
  [ -n "$bootname" ] || continue
  mount -o ro "$device" "$mnt"
  "$here/boot-assets.sh" "$mnt" "$BOOT" "$bootname"
  umount "$mnt"
  echo "boot files of slot $bootname copied to $BOOT"
done
