#!/bin/sh
# Boot files of one system slot, in their own folder on the boot partition:
#   boot-assets.sh ROOT BOOT SLOT     (SLOT: A or B)
# copies ROOT's kernel and initramfs into BOOT/slot-a/ (or slot-b/) and writes its command
# line as slot.env (bootargs=... root=PARTLABEL=rootfs-a rauc.slot=A), which U-Boot's boot
# script (boot.cmd) reads when it starts that slot. A slot brings its own kernel: an OS update
# may change the kernel version, and the modules on its root file system must match it.
# Used by the image build for slot A and by RAUC's post-install handler for the slot an update
# wrote. Written to slot-x.new and renamed, so a power cut leaves the old folder or the new one.
set -eu
root=$1 boot=$2 slot=$3
case "$slot" in A) lower=a ;; B) lower=b ;; *) echo "boot-assets.sh: slot must be A or B, not $slot" >&2; exit 2 ;; esac
kernel=$(ls "$root"/boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)
[ -n "$kernel" ] || { echo "boot-assets.sh: no kernel in $root/boot" >&2; exit 1; }
version=${kernel##*/vmlinuz-}
[ -f "$root/boot/initrd.img-$version" ] || { echo "boot-assets.sh: no initrd.img-$version in $root/boot" >&2; exit 1; }
new="$boot/slot-$lower.new"
rm -rf "$new" && mkdir -p "$new"
cp "$kernel" "$new/vmlinuz"
cp "$root/boot/initrd.img-$version" "$new/initrd.img"
# panic=10: a slot whose kernel or initramfs cannot go on restarts by itself, and U-Boot has
# already taken that start off its count. console=tty1 last: the screen is /dev/console, where
# first boot shows the address and setup code (ttyS1 is the 3B+/4/Zero 2 W's serial header
# under the mainline device trees).
printf 'bootargs=console=ttyS1,115200 console=tty1 root=PARTLABEL=rootfs-%s rauc.slot=%s rootfstype=ext4 ro fsck.repair=yes rootwait panic=10 quiet\n' \
  "$lower" "$slot" >"$new/slot.env"
echo "$version" >"$new/kernel-version"
sync
rm -rf "$boot/slot-$lower"
mv "$new" "$boot/slot-$lower"
sync
