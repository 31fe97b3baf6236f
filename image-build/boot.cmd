# Linli's boot script for U-Boot (compiled to boot.scr on the boot partition by build.sh).
#
# Picks the root slot the way RAUC's U-Boot integration does: BOOT_ORDER lists the slots,
# BOOT_A_LEFT / BOOT_B_LEFT count the starts each may still have before it is passed over.
# Every start takes one off, before the kernel runs, so a slot whose kernel panics or hangs
# loses its turn without any help from that slot. Linux (RAUC's custom backend,
# rauc-bootchooser.sh) gives a slot its count back once it proved itself: a freshly written
# slot gets one start; a healthy one is given 3 again after every boot.
#
# The counts live in linli-boot.env, a text file on the boot partition, not in U-Boot's saved
# environment: the Pi's U-Boot keeps that in uboot.env, QEMU's in flash, and this one file
# works the same under both (make image-test runs this script in QEMU's U-Boot).
#
# Two copies, as U-Boot's redundant environment keeps two: every writer (this script and
# rauc-bootchooser.sh) writes linli-boot.env, then linli-boot.bak, and each ends with
# LINLI_WHOLE=1 (env export sorts by name, so it is the last line). A power cut during one
# write leaves the other copy whole: a torn or zeroed linli-boot.env is passed over for the
# .bak, which at worst is one start behind (the slot gets one start more). With neither whole
# it counts as "A first": the flashed system.
#
# Each slot's kernel, initramfs and command line (slot.env) are in its folder on this
# partition (slot-a/, slot-b/; boot-assets.sh). The device tree is the one the firmware
# loaded (fdt_addr), as with every kernel the Pi firmware starts.

setenv linli_counts_from
for copy in linli-boot.env linli-boot.bak; do
  if test -z "${linli_counts_from}"; then
    setenv LINLI_WHOLE
    if load ${devtype} ${devnum}:${distro_bootpart} ${kernel_addr_r} ${copy}; then
      env import -t ${kernel_addr_r} ${filesize} BOOT_ORDER BOOT_A_LEFT BOOT_B_LEFT LINLI_ARGS LINLI_WHOLE
    fi
    if test "${LINLI_WHOLE}" = "1"; then
      setenv linli_counts_from ${copy}
    else
      echo "Linli: ${copy} is missing or not whole; passed over"
    fi
  fi
done
if test -z "${linli_counts_from}"; then
  setenv BOOT_ORDER "A B"
  setenv BOOT_A_LEFT 3
  setenv BOOT_B_LEFT 0
  setenv LINLI_ARGS
fi

setenv linli_slot
for slot in ${BOOT_ORDER}; do
  if test -z "${linli_slot}"; then
    if test "${slot}" = "A" && test ${BOOT_A_LEFT} -gt 0; then
      setexpr BOOT_A_LEFT ${BOOT_A_LEFT} - 1
      setenv linli_slot A
      setenv linli_dir slot-a
    elif test "${slot}" = "B" && test ${BOOT_B_LEFT} -gt 0; then
      setexpr BOOT_B_LEFT ${BOOT_B_LEFT} - 1
      setenv linli_slot B
      setenv linli_dir slot-b
    fi
  fi
done
if test -z "${linli_slot}"; then
  # Every slot used up its starts (power cut again and again before Linux gave the count
  # back): start the first in the order rather than none.
  setenv linli_slot A
  setenv linli_dir slot-a
  if test "${BOOT_ORDER}" = "B A"; then
    setenv linli_slot B
    setenv linli_dir slot-b
  fi
  echo "Linli: no slot has starts left; starting slot ${linli_slot} anyway"
fi

setenv LINLI_WHOLE 1
env export -t ${kernel_addr_r} BOOT_ORDER BOOT_A_LEFT BOOT_B_LEFT LINLI_ARGS LINLI_WHOLE
fatwrite ${devtype} ${devnum}:${distro_bootpart} ${kernel_addr_r} linli-boot.env ${filesize}
fatwrite ${devtype} ${devnum}:${distro_bootpart} ${kernel_addr_r} linli-boot.bak ${filesize}
echo "Linli: starting slot ${linli_slot} (starts left: A ${BOOT_A_LEFT}, B ${BOOT_B_LEFT})"

setenv bootargs
load ${devtype} ${devnum}:${distro_bootpart} ${kernel_addr_r} ${linli_dir}/slot.env
env import -t ${kernel_addr_r} ${filesize} bootargs
setenv bootargs "${bootargs} ${LINLI_ARGS}"
echo "Linli: command line ${bootargs}"
load ${devtype} ${devnum}:${distro_bootpart} ${ramdisk_addr_r} ${linli_dir}/initrd.img
setenv linli_initrd_size ${filesize}
load ${devtype} ${devnum}:${distro_bootpart} ${kernel_addr_r} ${linli_dir}/vmlinuz
booti ${kernel_addr_r} ${ramdisk_addr_r}:${linli_initrd_size} ${fdt_addr}
echo "Linli: slot ${linli_slot} could not be started; restarting"
reset
