#!/usr/bin/env bash
# second-stage.sh ROOT PACKAGES: install the packages mmdebstrap only unpacked (--variant=extract).
#
# mmdebstrap 1.x runs maintainer scripts of a foreign architecture only through binfmt_misc
# (it has no proot mode any more). So the build lets mmdebstrap resolve, download and unpack,
# and does what its own "essential" and "customize" stages would do here, through in-target.sh:
#   1. dpkg --install the Essential: yes packages (their files are already unpacked, so the
#      shell and coreutils their scripts need exist),
#   2. dpkg --install the rest in one run, then dpkg --configure -a until nothing is left.
#      mmdebstrap already resolved and downloaded the whole closure, so no apt and no network
#      is needed here; --force-depends only lets dpkg unpack in file order (every file is on
#      disk already), configuration still follows the dependencies.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
root=$1
in_target() { "$HERE/in-target.sh" "$root" "$@"; }

# No daemon may start inside the build (policy-rc.d), removed again at the end.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"

essential=() rest=()
for deb in "$root"/var/cache/apt/archives/*.deb; do
  # mawk is not Essential but gives /usr/bin/awk (an alternative its postinst makes), which
  # maintainer scripts use freely (locales.config does): it goes in with the first set.
  if [ "$(dpkg-deb -f "$deb" Essential)" = yes ] || [ "$(dpkg-deb -f "$deb" Package)" = mawk ]; then
    essential+=("/var/cache/apt/archives/$(basename "$deb")")
  else
    rest+=("/var/cache/apt/archives/$(basename "$deb")")
  fi
done
echo "== second stage: ${#essential[@]} essential packages (dpkg, under emulation)"
in_target dpkg --install --force-depends "${essential[@]}"
# proot 5.4 aborts on readlinkat() with an empty path, which systemd-tmpfiles uses (proot-me/proot
# issues #182, #366); it is called by many postinsts. It is diverted to a no-op here and run
# once at the end from the host with --root (same systemd 252 as bookworm), or at every boot
# by systemd-tmpfiles-setup.service anyway.
# systemd's own tools that write through a temporary file and link it into place
# (sysusers, the journal catalog, hwdb, machine-id) trip the same proot assertion
# (compare_paths2), which aborts the whole dpkg run. Inside the build they are no-ops; the
# host's copies (same systemd 252, --root) do their work: users and groups before any postinst
# needs them, the rest once at the end.
# The diversion names the path the package ships (bookworm's systemd and udev put these in
# /bin, reached through merged /usr): a diversion of /usr/bin/... was silently overwritten
# when dpkg unpacked systemd again.
SYSTEMD_TOOLS="systemd-tmpfiles systemd-sysusers journalctl systemd-machine-id-setup systemd-hwdb"
for tool in $SYSTEMD_TOOLS; do
  in_target dpkg-divert --local --rename --add "/bin/$tool"
  printf '#!/bin/sh\nexit 0\n' >"$root/usr/bin/$tool"
  chmod 755 "$root/usr/bin/$tool"
done
host_sysusers() {
  if command -v systemd-sysusers >/dev/null; then
    systemd-sysusers --root="$root" 2>&1 | tail -5
  else
    echo "second stage: this machine has no systemd-sysusers to create the image's system users" >&2
    return 1
  fi
}
host_sysusers
# The image's initramfs settings (MODULES=list) go in before the kernel and initramfs-tools are
# configured: with Debian's default (MODULES=most) their postinst and trigger each copied a
# thousand modules one emulated exec at a time, over 20 minutes of the build. --force-confold
# keeps this modules list over the package's empty one.
mkdir -p "$root/etc/initramfs-tools/conf.d"
cp "$HERE/rootfs/etc/initramfs-tools/modules" "$root/etc/initramfs-tools/modules"
cp "$HERE/rootfs/etc/initramfs-tools/conf.d/linli.conf" "$root/etc/initramfs-tools/conf.d/"
echo "== second stage: ${#rest[@]} more packages"
in_target dpkg --install --force-depends --force-confold "${rest[@]}" || true
for pass in 1 2 3 4 5; do
  in_target dpkg --configure -a --force-confold && break
  echo "== second stage: configure pass $pass left packages, trying again"
done
broken=$(in_target dpkg --audit || true)
if [ -n "$broken" ]; then
  echo "second stage left packages unconfigured:" >&2
  echo "$broken" >&2
  exit 1
fi
host_sysusers
rm -f "$root/usr/sbin/policy-rc.d"
for tool in $SYSTEMD_TOOLS; do
  rm -f "$root/usr/bin/$tool"
  in_target dpkg-divert --local --rename --remove "/bin/$tool"
done
if command -v systemd-tmpfiles >/dev/null; then
  systemd-tmpfiles --create --root="$root" 2>&1 | tail -5 || true
fi
journalctl --root="$root" --update-catalog 2>&1 | tail -2 || true
# No systemd-hwdb on a build machine without udev: the image's own, under emulation, once.
if [ -x "$root/usr/bin/systemd-hwdb" ]; then
  in_target systemd-hwdb update --usr || echo "== second stage: the hardware database was not built (udev works without it)"
fi
# Every card makes its own machine ID at boot: an empty file means "not yet set".
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
echo "== second stage: $(in_target dpkg-query -f '.\n' -W | wc -l) packages installed"
