#!/bin/sh
# RAUC custom bootloader backend for the Pi firmware. The firmware reads config.txt, whose
# `cmdline=` names cmdline-A.txt or cmdline-B.txt (root=PARTLABEL=rootfs-a|b). A new slot is
# tried once with the firmware's tryboot (tryboot.txt names the other cmdline; `reboot
# "0 tryboot"`); only `linli update confirm` after a healthy /healthz makes it primary
# (rauc status mark-good -> set-primary). A failed try reboots into config.txt's slot.
# Not exercised on this build machine: it needs the Pi firmware.
set -eu
BOOT=/boot/firmware
slot_of() { sed -n 's/^cmdline=cmdline-\([AB]\)\.txt$/\1/p' "$1" 2>/dev/null; }
case "$1" in
  get-primary) slot_of "$BOOT/config.txt" ;;
  get-current) grep -q 'rootfs-b' /proc/cmdline && echo B || echo A ;;
  set-primary)
    mount -o remount,rw "$BOOT"
    sed -i "s/^cmdline=cmdline-[AB]\.txt$/cmdline=cmdline-$2.txt/" "$BOOT/config.txt"
    sed -i "s/^cmdline=cmdline-[AB]\.txt$/cmdline=cmdline-$2.txt/" "$BOOT/tryboot.txt"
    sync; mount -o remount,ro "$BOOT" ;;
  get-state) [ -f "/var/lib/linli/rauc-bad-$2" ] && echo bad || echo good ;;
  set-state)
    if [ "$3" = bad ]; then touch "/var/lib/linli/rauc-bad-$2"; else rm -f "/var/lib/linli/rauc-bad-$2"; fi ;;
  *) echo "unknown command $1" >&2; exit 1 ;;
esac
