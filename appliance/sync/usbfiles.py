"""Atomic files on a USB stick: temp name, fsync, rename, fsync the folder.

A stick pulled mid-write leaves at worst a stray temp file (ignored and cleaned up
later), never a half file under the real name. A full stick raises :class:`StickFull`
and leaves nothing behind. The writer is injectable so tests can fail it at the boundary.
"""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path

from appliance.errors import LinliError
from appliance.i18n import N_

logger = logging.getLogger(__name__)
TMP_PREFIX = ".linli-tmp-"


class StickFull(LinliError):
    msgid = N_("The USB stick is full; free some space and try again.")


class StickError(LinliError):
    msgid = N_("The USB stick could not be written (%(reason)s).")


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems (vfat on some kernels) refuse a directory fsync
    finally:
        os.close(fd)


class AtomicWriter:
    """Writes whole files or nothing. Keeps a history of what it wrote for tests."""

    def __init__(self):
        self.written: list[Path] = []

    def _write_fd(self, fd: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]

    def write(self, path: Path, data: bytes) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(TMP_PREFIX + path.name)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                self._write_fd(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, path)
            _fsync_dir(path.parent)
        except OSError as exc:
            try:
                tmp.unlink()
            except OSError:
                pass
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StickFull() from exc
            raise StickError(reason=exc.strerror or str(exc)) from exc
        self.written.append(path)


def read(path: Path) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StickError(reason=exc.strerror or str(exc)) from exc


def clean_temps(folder: Path) -> None:
    for stray in Path(folder).rglob(TMP_PREFIX + "*"):
        try:
            stray.unlink()
        except OSError:
            pass
