"""USB channel: the same signed batches as files on a stick; acks and downlink come back on it.

Layout under the stick's root (shared with the hub, see schema/README.md)::

    linli/<box>/up/<first>-<last>.lnb   uplink batches (box writes)
    linli/<box>/status.lnb               an empty batch that carries the box's downlink ack
    linli/<box>/ack.lna                  the hub's signed ack (hub writes)
    linli/<box>/down.lnd                 the hub's signed downlink bundle (hub writes)
    linli/pairing/hub.json, linli/pairing/<box>.json

A stick watcher (mount polling or udev, in ``hardware``) tells :class:`UsbAgent` when a
stick appears; anything with ``poll() -> iterable of mount paths`` fits.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path
from typing import Iterable, Protocol

from appliance.errors import LinliError
from appliance.sync import usbfiles
from appliance.sync.usbfiles import AtomicWriter

logger = logging.getLogger(__name__)
UP_NAME = re.compile(r"^(\d{12})-(\d{12})\.lnb$")


def box_dir(root: Path, box_id: str) -> Path:
    return Path(root) / "linli" / box_id


def up_files(folder: Path) -> list[tuple[int, int, Path]]:
    out = []
    if folder.is_dir():
        for p in folder.iterdir():
            m = UP_NAME.match(p.name)
            if m:
                out.append((int(m.group(1)), int(m.group(2)), p))
    return sorted(out)


class UsbChannel:
    def __init__(self, sync, writer: AtomicWriter | None = None):
        self.sync = sync
        self.writer = writer or AtomicWriter()
        self.history: list[tuple[str, str]] = []

    def describe(self) -> dict:
        return {"last": self.history[-1] if self.history else None}

    def import_from(self, root: Path) -> dict:
        """Read the hub's ack and downlink from the stick; remove delivered batch files."""
        folder = box_dir(root, self.sync.box_id)
        result = {"acked": None, "down_applied": 0, "refused": []}
        if folder.exists():
            usbfiles.clean_temps(folder)
        ack = usbfiles.read(folder / "ack.lna")
        if ack:
            try:
                result["acked"] = self.sync.handle_ack(ack, "usb")
            except LinliError as exc:
                result["refused"].append(("ack.lna", exc.message()))
        down = usbfiles.read(folder / "down.lnd")
        if down:
            try:
                result["down_applied"] = self.sync.handle_downlink(down, "usb")["applied"]
            except LinliError as exc:
                result["refused"].append(("down.lnd", exc.message()))
        acked = self.sync.acked()
        for first, last, path in up_files(folder / "up"):
            if last <= acked:
                path.unlink(missing_ok=True)
        self.history.append(("import", str(root)))
        return result

    def export_to(self, root: Path) -> dict:
        """Write every unacknowledged entry not already on the stick, batch by batch.

        Runs the import first so nothing the hub already has is written again. Stops at the
        first failure (full stick); what was written is complete and the box is unchanged.
        """
        imported = self.import_from(root)
        folder = box_dir(root, self.sync.box_id)
        after = self._keep_good_files(folder / "up")
        files = entries = 0
        while True:
            built = self.sync.next_batch(after=after)
            if built is None:
                break
            data, batch = built
            name = "%012d-%012d.lnb" % (batch[0].seq, batch[-1].seq)
            self.writer.write(folder / "up" / name, data)
            self.sync.sent("usb", data, batch, count_usage=False)
            after = batch[-1].seq
            files += 1
            entries += len(batch)
        status, _none = self.sync.next_batch(allow_empty=True, after=10**15)
        self.writer.write(folder / "status.lnb", status)
        self.history.append(("export", str(root)))
        return {"files": files, "entries": entries, "imported": imported}


    def _keep_good_files(self, folder: Path) -> int:
        """Keep the batch files on the stick that still verify and follow on from the ack;
        delete the rest (damaged, or after a gap) so they are written again. Returns the
        last seq the kept files cover."""
        after = self.sync.acked()
        for first, last, path in up_files(folder):
            if last <= after:
                continue
            good = first <= after + 1
            if good:
                try:
                    self.sync.verify_own(path.read_bytes())
                except (LinliError, OSError):
                    good = False
            if good:
                after = last
            else:
                path.unlink(missing_ok=True)
        return after


class StickWatcher(Protocol):
    def poll(self) -> Iterable[Path]:
        """Mount points of sticks that appeared since the last call."""


class SimulatedStickWatcher:
    """Sticks "appear" when a test calls :meth:`insert`; keeps the history."""

    def __init__(self):
        self._pending: list[Path] = []
        self.history: list[tuple[str, Path]] = []

    def insert(self, path: Path) -> None:
        self._pending.append(Path(path))
        self.history.append(("insert", Path(path)))

    def poll(self) -> list[Path]:
        out, self._pending = self._pending, []
        return out


class UsbAgent:
    """Polls a watcher and runs import + export on every stick that appears."""

    def __init__(self, channel: UsbChannel, watcher: StickWatcher, poll_s: float):
        self.channel = channel
        self.watcher = watcher
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sync-usb", daemon=True)
        self.results: list[dict] = []

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                for root in self.watcher.poll():
                    self.results.append(self.channel.export_to(root))
            except LinliError as exc:
                logger.warning("USB sync failed: %s", exc)
            except Exception:
                logger.exception("USB sync error")
