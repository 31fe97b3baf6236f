"""A write-ahead ring of 512-byte sectors for access-log rows, cheap on an SD card.

Why sectors and O_DIRECT: an append through the page cache dirties a whole 4 KiB page,
and when gate events are more than the kernel's writeback age (~30 s) apart — most of a
community's day — every event costs that page again. Written with ``O_DIRECT`` a record
goes to the card as one 512-byte sector (the card's logical block) at once: a crash of the
process or a power cut a moment later loses nothing, and the cost is 512 bytes per event
(``bench/bench_access.py`` measures it from /proc/self/io).

Layout: the file is ``slots`` sectors, zero-filled once when it is created (so later writes
never allocate blocks or change the file's size, and ext4 has no metadata to journal but
the mtime, which the data partition's ``lazytime`` mount option keeps in memory). A record
is a header (magic, sequence number, kind, length, CRC-32) and its payload, padded to whole
sectors, written at the next free slot; a record that does not fit before the end of the
file starts again at slot 0. The magic begins with 0xFF, a byte UTF-8 never contains, so
the middle of a payload is never mistaken for a record. A *checkpoint* record says "every
record up to sequence N is in the database"; after a restart :meth:`pending` returns the
records after the newest checkpoint. The caller must checkpoint before the ring wraps onto
records it has not stored (:meth:`pressure`).

One process owns a journal: it holds an exclusive ``flock`` while open, and a second opener
gets :class:`JournalBusy` rather than writing into the same slots.

Where ``O_DIRECT`` is refused (tmpfs, some network file systems) the same records are
written through the page cache; that is correct, only not as cheap.
"""

from __future__ import annotations

import collections
import errno
import fcntl
import logging
import mmap
import os
import struct
import zlib
from pathlib import Path

from appliance.errors import LinliError

logger = logging.getLogger(__name__)

SECTOR = 512
MAGIC = b"\xffLJ1"
HEADER = struct.Struct("<4sQBHI")  # magic, sequence, kind, payload length, crc32(payload)
EVENT, CHECKPOINT = 1, 2
MAX_PAYLOAD = 8 * SECTOR - HEADER.size
DEFAULT_SLOTS = 4096  # 2 MiB: room for several full batches of rows


def mount_options(path: Path, mountinfo: str | None = None) -> set[str]:
    """Mount and super-block options of the file system holding ``path`` (from
    /proc/self/mountinfo unless given), or empty."""
    best, options = "", set()
    target = str(Path(path).resolve())
    if mountinfo is None:
        try:
            mountinfo = Path("/proc/self/mountinfo").read_text()
        except OSError:
            return set()
    for line in mountinfo.splitlines():
        left, _sep, right = line.partition(" - ")
        fields, super_fields = left.split(), right.split()
        if len(fields) < 6 or len(super_fields) < 3:
            continue
        point = fields[4].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, options = point, set(fields[5].split(",")) | set(super_fields[2].split(","))
    return options


class JournalBusy(LinliError):
    """Another process holds this journal."""


def slots_for(payload_len: int) -> int:
    return -(-(HEADER.size + payload_len) // SECTOR)


class SectorJournal:
    def __init__(self, path: Path, slots: int = DEFAULT_SLOTS):
        self.path = Path(path)
        self.slots = slots
        self._fd = -1
        self._buffer = None
        self._lock_fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self._lock_fd)
            raise JournalBusy("The access journal %(path)s is in use by another process.", path=str(self.path)) from None
        try:
            self._prepare_file()
            records, self._next_slot, self._last_seq = self._scan()
            self._fd, self.direct = self._open_for_writing()
        except BaseException:
            self.close()
            raise
        self._buffer = mmap.mmap(-1, 8 * SECTOR)  # page-aligned, as O_DIRECT wants
        upto = max((struct.unpack("<Q", r[2])[0] for r in records if r[1] == CHECKPOINT), default=0)
        self._pending = sorted((r[0], r[2]) for r in records if r[1] == EVENT and r[0] > upto)
        # (sequence, slots) of the event records not yet checkpointed, oldest first
        self._open = collections.deque((seq, slots_for(len(body))) for seq, body in self._pending)
        self._open_slots = sum(n for _seq, n in self._open)

    # --- opening -----------------------------------------------------------------------------
    def _prepare_file(self) -> None:
        size = self.slots * SECTOR
        if self.path.exists() and self.path.stat().st_size == size:
            return
        # Created (or resized) once; zeros so that no later write allocates a block.
        old = self.path.read_bytes()[:size] if self.path.exists() else b""
        tmp = self.path.with_name(self.path.name + ".new")
        with open(tmp, "wb") as fh:
            fh.write(old.ljust(size, b"\0"))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    def _open_for_writing(self) -> tuple[int, bool]:
        try:
            return os.open(self.path, os.O_WRONLY | os.O_DIRECT), True
        except OSError as exc:
            logger.info("access journal %s: no direct I/O here (%s); writing through the page cache",
                        self.path, exc.strerror)
            return os.open(self.path, os.O_WRONLY), False

    def _scan(self) -> tuple[list, int, int]:
        """Every intact record in the file: [(seq, kind, payload, slot)], the slot after the
        newest record and its sequence number."""
        data = self.path.read_bytes()
        records, slot = [], 0
        while slot < self.slots:
            start = slot * SECTOR
            if data[start:start + 4] != MAGIC:
                slot += 1
                continue
            _magic, seq, kind, length, crc = HEADER.unpack_from(data, start)
            body = data[start + HEADER.size:start + HEADER.size + length]
            if length > MAX_PAYLOAD or len(body) != length or zlib.crc32(body) != crc:
                slot += 1  # torn by a power cut mid-write, or stale
                continue
            records.append((seq, kind, body, slot))
            slot += slots_for(length)
        if not records:
            return [], 0, 0
        newest = max(records)
        return records, (newest[3] + slots_for(len(newest[2]))) % self.slots, newest[0]

    # --- reading after a restart -----------------------------------------------------------------
    def pending(self) -> list[tuple[int, bytes]]:
        """(sequence, payload) of every event record that was in the file at opening and
        after its newest checkpoint, oldest first."""
        return list(self._pending)

    # --- writing -----------------------------------------------------------------------------------
    def append(self, payload: bytes) -> int:
        """Write one event record; returns its sequence number."""
        seq = self._write(EVENT, payload)
        self._open.append((seq, slots_for(len(payload))))
        self._open_slots += self._open[-1][1]
        return seq

    def checkpoint(self, upto_seq: int) -> None:
        """Records up to ``upto_seq`` are stored elsewhere; a restart will not return them."""
        self._write(CHECKPOINT, struct.pack("<Q", upto_seq))
        while self._open and self._open[0][0] <= upto_seq:
            self._open_slots -= self._open.popleft()[1]
        self._pending = [p for p in self._pending if p[0] > upto_seq]

    def health(self) -> str:
        """One line for /healthz: how cheap this journal is on the card here."""
        if not self.direct:
            return "access journal written through the page cache (no direct I/O here)"
        if "lazytime" not in mount_options(self.path):
            return "access journal: data folder mounted without lazytime, each event also rewrites an inode"
        return "access journal: one sector per event"

    def pressure(self) -> float:
        """Share of the ring holding records not yet checkpointed; at 0.5 the caller must
        store and checkpoint, or the ring starts to overwrite them."""
        return self._open_slots / self.slots

    def _write(self, kind: int, payload: bytes) -> int:
        if len(payload) > MAX_PAYLOAD:
            raise ValueError("journal record too long")
        n = slots_for(len(payload))
        if self._next_slot + n > self.slots:
            self._next_slot = 0
        self._last_seq += 1
        record = HEADER.pack(MAGIC, self._last_seq, kind, len(payload), zlib.crc32(payload)) + payload
        self._buffer.seek(0)
        self._buffer.write(record.ljust(n * SECTOR, b"\0"))
        view = memoryview(self._buffer)[:n * SECTOR]
        try:
            written = self._pwrite(view, self._next_slot * SECTOR)
        finally:
            view.release()
        if written != n * SECTOR:
            raise OSError(f"short write to the access journal ({written} of {n * SECTOR} bytes)")
        self._next_slot = (self._next_slot + n) % self.slots
        return self._last_seq

    def _pwrite(self, data, offset: int) -> int:
        try:
            return os.pwrite(self._fd, data, offset)
        except OSError as exc:
            # A device whose logical block is 4 KiB refuses 512-byte direct writes: go on
            # through the page cache rather than lose the row.
            if not (self.direct and exc.errno == errno.EINVAL):
                raise
            logger.warning("access journal %s: direct 512-byte writes refused; using the page cache", self.path)
            os.close(self._fd)
            self._fd, self.direct = os.open(self.path, os.O_WRONLY), False
            return os.pwrite(self._fd, data, offset)

    def close(self) -> None:
        if self._buffer is not None:
            self._buffer.close()
            self._buffer = None
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        if self._lock_fd >= 0:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = -1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
