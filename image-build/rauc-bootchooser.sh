#!/bin/sh
# RAUC custom bootloader backend (system.conf: bootloader=custom) for Linli's U-Boot script.
#
# U-Boot runs boot.scr (image-build/boot.cmd), which starts the first slot in BOOT_ORDER that
# has starts left (BOOT_A_LEFT, BOOT_B_LEFT) and takes one off before the kernel runs. Both
# read and write linli-boot.env on the boot partition, lines of NAME=value ending with
# LINLI_WHOLE=1, then its copy linli-boot.bak; a copy without that last line was torn by a
# power cut, and the other one counts.
#
#   set-primary X   X first in BOOT_ORDER. A slot that is not running (RAUC just wrote it)
#                   gets one start: if it does not prove itself healthy, the next start of any
#                   kind (a crash, the watchdog, a power cut, an unhealthy try) is the old slot.
#                   The running slot gets 3 then too: power cuts soon after earlier starts may
#                   have run it down, and with both at 0 U-Boot starts the first in the order,
#                   the try. The running slot made primary (the try was healthy: `rauc status
#                   mark-active`) gets 3.
#   set-state X good|bad
#                   good: 3 starts again (`linli update confirm` does this after every boot).
#                   bad: no starts, and last in BOOT_ORDER. Also remembered on the data
#                   partition, for get-state.
#   on-trial        exit 0 while the running slot is on trial: first in the order, its one
#                   start spent, so the next start picks the other slot.
#
# Why not the Pi firmware's tryboot: its `reboot "0 tryboot"` flag is set by the Raspberry Pi
# kernel's firmware driver only; Debian's kernel (linux-image-arm64) has no such code, so the
# try would silently start the old slot. Why not U-Boot's own saved environment (RAUC's uboot
# backend): the Pi's U-Boot keeps it in uboot.env and QEMU's in flash, so the emulated test
# could not share it; one text file works under both.
#
# LINLI_BOOT_DIR, LINLI_HOME and LINLI_PROC_CMDLINE move the files it uses (tests).
set -eu
BOOT=${LINLI_BOOT_DIR:-/boot/firmware}
STATE=${LINLI_HOME:-/var/lib/linli}
CMDLINE=${LINLI_PROC_CMDLINE:-/proc/cmdline}
ENV_FILE="$BOOT/linli-boot.env"
BAK_FILE="$BOOT/linli-boot.bak"

booted() { tr ' ' '\n' <"$CMDLINE" | sed -n 's/^rauc\.slot=\([AB]\)$/\1/p' | tail -1; }
other() { [ "$1" = A ] && echo B || echo A; }

# U-Boot's `env export -t` ends the file with a NUL byte.
whole() { tr -d '\000' <"$1" 2>/dev/null | tail -n 1 | grep -qx 'LINLI_WHOLE=1'; }
counts_file() {
  for copy in "$ENV_FILE" "$BAK_FILE"; do
    if whole "$copy"; then echo "$copy"; return; fi
  done
  echo /dev/null
}
value() {
  found=$(tr -d '\000' <"$(counts_file)" | sed -n "s/^$1=//p" | tail -1)
  echo "${found:-$2}"
}
# The same defaults as boot.cmd: a missing file is the flashed card, slot A.
order() { value BOOT_ORDER "A B"; }
left() { value "BOOT_$1_LEFT" "$([ "$1" = A ] && echo 3 || echo 0)"; }

# The boot partition is mounted read-only; it is opened for writing only while the file changes.
writable() {
  if [ -z "${LINLI_BOOT_DIR:-}" ] && findmnt -n -o OPTIONS "$BOOT" 2>/dev/null | grep -q '^ro'; then
    mount -o remount,rw "$BOOT"; trap 'sync; mount -o remount,ro "$BOOT"' EXIT
  fi
}

# write ORDER A_LEFT B_LEFT: the whole file, written beside and renamed over the old one, with
# any other line (LINLI_ARGS: extra kernel arguments) kept, then the same for its copy. FAT has
# no atomic rename, so a power cut can still tear one of them; never both.
write() {
  writable
  from=$(counts_file)
  {
    tr -d '\000' <"$from" | grep -v -e '^BOOT_ORDER=' -e '^BOOT_A_LEFT=' -e '^BOOT_B_LEFT=' \
      -e '^LINLI_WHOLE=' -e '^$' || true
    printf 'BOOT_ORDER=%s\nBOOT_A_LEFT=%s\nBOOT_B_LEFT=%s\nLINLI_WHOLE=1\n' "$1" "$2" "$3"
  } >"$ENV_FILE.new"
  for copy in "$ENV_FILE" "$BAK_FILE"; do
    [ "$copy" = "$ENV_FILE" ] || cp "$ENV_FILE" "$copy.new"
    sync
    mv "$copy.new" "$copy"
    sync
  done
}

# set SLOT STARTS FIRST|LAST
set_slot() {
  slot=$1 starts=$2 where=$3
  if [ "$where" = first ]; then new_order="$slot $(other "$slot")"; else new_order="$(other "$slot") $slot"; fi
  if [ "$where" = keep ]; then new_order=$(order); fi
  if [ "$slot" = A ]; then write "$new_order" "$starts" "$(left B)"; else write "$new_order" "$(left A)" "$starts"; fi
}

# The slot the next start picks: the first in the order with starts left.
next_slot() {
  for slot in $(order); do
    if [ "$(left "$slot")" -gt 0 ] 2>/dev/null; then echo "$slot"; return; fi
  done
  order | cut -d' ' -f1
}

case "${1:-}" in
  get-primary) next_slot ;;
  get-current) booted ;;
  set-primary)
    if [ "$2" = "$(booted)" ]; then
      set_slot "$2" 3 first
    elif [ "$2" = A ]; then
      write "A B" 1 3
    else
      write "B A" 3 1
    fi ;;
  get-state) [ -f "$STATE/rauc-bad-$2" ] && echo bad || echo good ;;
  set-state)
    if [ "$3" = bad ]; then
      touch "$STATE/rauc-bad-$2"
      set_slot "$2" 0 last
    else
      rm -f "$STATE/rauc-bad-$2"
      set_slot "$2" 3 keep
    fi ;;
  on-trial)
    # The running slot is first in the order but spent its one start, and the other slot
    # still has starts: the next start of any kind goes back to the other one.
    current=$(booted)
    [ -n "$current" ] && [ "$(order | cut -d' ' -f1)" = "$current" ] && [ "$(left "$current")" = 0 ] \
      && [ "$(left "$(other "$current")")" -gt 0 ] ;;
  *) echo "unknown command ${1:-} (get-primary, get-current, set-primary, get-state, set-state, on-trial)" >&2; exit 1 ;;
esac
