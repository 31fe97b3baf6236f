"""Notice USB sticks appearing and disappearing under a mount directory (default /media).

The district staff carry sync data on a stick; the desktop automounter (udisks2) mounts
it at /media/<user>/<LABEL>, usbmount at /media/usb0. We poll the kernel's mount table
rather than the directory, because an empty mount point directory stays behind after
a stick is pulled.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from hardware.errors import HardwareError

logger = logging.getLogger(__name__)

_OCTAL = re.compile(r"\\([0-7]{3})")


class UsbWatchError(HardwareError):
    """The mount table cannot be read."""


@dataclass(frozen=True)
class UsbEvent:
    kind: str  # "appeared" or "removed"
    path: str
    label: str


class ProcMountTable:
    """Mount points from /proc/self/mounts (or a file in the same format)."""

    def __init__(self, path: str = "/proc/self/mounts"):
        self.path = path

    def mount_points(self) -> list[str]:
        try:
            with open(self.path, encoding="utf-8", errors="replace") as fh:
                lines = fh.read().splitlines()
        except OSError as exc:
            raise UsbWatchError(f"cannot read mount table {self.path}: {exc}") from exc
        points = []
        for line in lines:
            fields = line.split()
            if len(fields) >= 2:
                # The kernel escapes spaces in labels ("MY STICK" -> MY\040STICK).
                points.append(_OCTAL.sub(lambda m: chr(int(m.group(1), 8)), fields[1]))
        return points


class FakeMountTable:
    """A mount table tests control; ``history`` records every mount and unmount."""

    def __init__(self):
        self._points: list[str] = []
        self.history: list[tuple[str, str]] = []

    def mount(self, path: str | os.PathLike) -> None:
        self._points.append(str(path))
        self.history.append(("mount", str(path)))

    def unmount(self, path: str | os.PathLike) -> None:
        self._points.remove(str(path))
        self.history.append(("unmount", str(path)))

    def mount_points(self) -> list[str]:
        return list(self._points)


class UsbWatcher:
    """Poll for sticks mounted below ``root``; ``poll()`` returns what changed since last time."""

    def __init__(self, root: str | os.PathLike = "/media", mount_table=None):
        self.root = os.path.normpath(str(root))
        self.mount_table = mount_table if mount_table is not None else ProcMountTable()
        self._current: set[str] = set()
        self.history: list[UsbEvent] = []

    def sticks(self) -> list[str]:
        return sorted(self._current)

    def _under_root(self, point: str) -> bool:
        point = os.path.normpath(point)
        return point != self.root and point.startswith(self.root + os.sep)

    def poll(self) -> list[UsbEvent]:
        now = {os.path.normpath(p) for p in self.mount_table.mount_points() if self._under_root(p)}
        events = [UsbEvent("removed", p, Path(p).name) for p in sorted(self._current - now)]
        events += [UsbEvent("appeared", p, Path(p).name) for p in sorted(now - self._current)]
        self._current = now
        for event in events:
            logger.info("USB stick %s: %s", event.kind, event.label)
        self.history.extend(events)
        return events

    def watch(self, stop: threading.Event, on_event, interval_s: float = 2.0) -> None:
        """Poll until ``stop`` is set, calling ``on_event(event)`` for each change."""
        while not stop.is_set():
            try:
                for event in self.poll():
                    on_event(event)
            except Exception:  # top-level loop of the watcher thread: keep watching
                logger.exception("USB watch iteration failed")
            stop.wait(interval_s)
