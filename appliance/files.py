"""Small file helpers shared by features that keep secrets in the data folder."""

from __future__ import annotations

import os
from pathlib import Path


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` readable by the owner only (0600), atomically: temp file, fsync, rename,
    so a power cut leaves either the old file or the new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def read_or_create_private(path: Path, make) -> bytes:
    """The bytes of the secret file at ``path``; on first use ``make()`` creates them.

    Written 0600 through a temp file and a hard link, so the secret appears whole or not at
    all (a power cut leaves no half key), and two processes starting at once agree on one
    secret: the second link fails and that process reads the first one's file.
    """
    path = Path(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = make()
    tmp = path.with_name(f"{path.name}.{os.getpid()}.new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return path.read_bytes()
    finally:
        tmp.unlink(missing_ok=True)
    return data
