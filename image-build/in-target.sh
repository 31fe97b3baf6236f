#!/usr/bin/env bash
# in-target.sh ROOT CMD [ARG...]: run CMD inside the arm64 root file system being built.
#
# On an arm64 build machine this is a plain chroot. On x86 the arm64 programs run through
# qemu-aarch64-static under proot (ptrace): proot hands every exec to qemu itself, so no
# binfmt_misc registration is needed and the shared host is left as it is.
set -euo pipefail
root=$1; shift
env=(/usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8
  DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true)
if [ "$(uname -m)" = aarch64 ]; then
  exec chroot "$root" "${env[@]}" "$@"
fi
# proot translates neither statx nor faccessat2; refuse_new_syscalls.py refuses both, so glibc
# falls back to calls proot does translate.
exec python3 "$(dirname "$0")/refuse_new_syscalls.py" proot -q qemu-aarch64-static -r "$root" -b /dev -b /proc -b /sys -w / \
  "${env[@]}" "$@"
