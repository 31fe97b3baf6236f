"""Run a command with statx and faccessat2 answered "not implemented" (ENOSYS).

Why: in-target.sh runs arm64 programs as ``proot -q qemu-aarch64-static``. proot moves every
path into the root being built, but it does not know statx or faccessat2 (both newer than
it), so such a call made by qemu for an arm64 program looks the path up on the build machine
instead: files of the image "do not exist" (chrony's postinst, raspi-firmware's kernel hook)
or are "not executable" (mkinitramfs skipped its hooks: an initramfs without a shell), and
host files show through. With both refused, glibc in the image falls back to fstatat and
faccessat, which proot translates. A seccomp filter (inherited by proot, qemu and everything
they start) does the refusing; nothing else changes.

    python3 refuse_new_syscalls.py COMMAND [ARG...]
"""

from __future__ import annotations

import ctypes
import os
import platform
import struct
import sys

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
AUDIT_ARCH_X86_64 = 0xC000003E
STATX_X86_64 = 332
FACCESSAT2_X86_64 = 439
ENOSYS = 38
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_ALLOW = 0x7FFF0000
LD_W_ABS, JEQ_K, RET_K = 0x20, 0x15, 0x06


def _filter() -> bytes:
    program = [
        (LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        (JEQ_K, 0, 4, AUDIT_ARCH_X86_64),
        (LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
        (JEQ_K, 1, 0, STATX_X86_64),
        (JEQ_K, 0, 1, FACCESSAT2_X86_64),
        (RET_K, 0, 0, SECCOMP_RET_ERRNO | ENOSYS),
        (RET_K, 0, 0, SECCOMP_RET_ALLOW),
    ]
    return b"".join(struct.pack("HBBI", *instruction) for instruction in program)


def refuse_new_syscalls() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    code = _filter()
    instructions = ctypes.create_string_buffer(code, len(code))

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    program = Program(len(code) // 8, ctypes.addressof(instructions))
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP)")


def main(argv: list[str]) -> None:
    if len(argv) < 2:
        raise SystemExit("usage: refuse_new_syscalls.py COMMAND [ARG...]")
    if platform.machine() == "x86_64":
        refuse_new_syscalls()
    os.execvp(argv[1], argv[1:])


if __name__ == "__main__":
    main(sys.argv)
