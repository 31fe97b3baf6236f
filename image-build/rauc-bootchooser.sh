#!/bin/sh
# RAUC custom bootloader backend for the Pi firmware (system.conf: bootloader=custom).
#
# Each slot's kernel, initramfs and cmdline.txt are in its own folder on the boot partition
# (boot-assets.sh). config.txt's `os_prefix=slot-a/` names the slot every plain boot starts.
# A freshly written slot is never made that slot straight away: set-primary for a slot that is
# not running writes tryboot.txt (config.txt with the other os_prefix), which the firmware
# reads once, after `reboot "0 tryboot"`. Only when the tried slot is healthy does
# `linli update confirm` mark it active, and set-primary for the running slot rewrites
# config.txt. Any other reboot (a crash, the watchdog, a power cut, an unhealthy try) starts
# the old slot again: the fallback needs no software on the new slot to work.
#
# LINLI_BOOT_DIR, LINLI_HOME and LINLI_PROC_CMDLINE move the files it uses (tests).
set -eu
BOOT=${LINLI_BOOT_DIR:-/boot/firmware}
STATE=${LINLI_HOME:-/var/lib/linli}
CMDLINE=${LINLI_PROC_CMDLINE:-/proc/cmdline}

slot_of() { sed -n 's/^os_prefix=slot-\([ab]\)\/$/\1/p' "$1" 2>/dev/null | tail -1 | tr ab AB; }
booted() { tr ' ' '\n' <"$CMDLINE" | sed -n 's/^rauc\.slot=\([AB]\)$/\1/p' | tail -1; }
lower() { echo "$1" | tr AB ab; }

# The boot partition is mounted read-only; it is opened for writing only while a file changes.
writable() {
  if [ -z "${LINLI_BOOT_DIR:-}" ] && findmnt -n -o OPTIONS "$BOOT" 2>/dev/null | grep -q '^ro'; then
    mount -o remount,rw "$BOOT"; trap 'sync; mount -o remount,ro "$BOOT"' EXIT
  fi
}

# config.txt (or tryboot.txt) pointing at slot $2, written as a new file and renamed over $1.
# RAUC calls set-primary before its post-install handler copies the slot's boot files, so the
# folder need not exist yet; Linli reboots into the try only after the whole install succeeded.
write_config() {
  sed "s/^os_prefix=slot-[ab]\/$/os_prefix=slot-$(lower "$2")\//" "$BOOT/config.txt" >"$BOOT/$1.new"
  sync
  mv "$BOOT/$1.new" "$BOOT/$1"
}

case "${1:-}" in
  get-primary) slot_of "$BOOT/config.txt" ;;
  get-current) booted ;;
  set-primary)
    slot=$2
    writable
    if [ "$slot" = "$(slot_of "$BOOT/config.txt")" ]; then
      rm -f "$BOOT/tryboot.txt"
    elif [ "$slot" = "$(booted)" ]; then
      write_config config.txt "$slot"   # the tried slot proved healthy: keep it
      rm -f "$BOOT/tryboot.txt"
    else
      write_config tryboot.txt "$slot"  # tried once, at the next `reboot "0 tryboot"`
    fi ;;
  get-state) [ -f "$STATE/rauc-bad-$2" ] && echo bad || echo good ;;
  set-state)
    if [ "$3" = bad ]; then touch "$STATE/rauc-bad-$2"; else rm -f "$STATE/rauc-bad-$2"; fi ;;
  on-trial)
    # Exit 0 when the running slot is not the one a plain boot starts (a try is under way).
    current=$(booted); [ -n "$current" ] && [ "$current" != "$(slot_of "$BOOT/config.txt")" ] ;;
  *) echo "unknown command ${1:-} (get-primary, get-current, set-primary, get-state, set-state, on-trial)" >&2; exit 1 ;;
esac
