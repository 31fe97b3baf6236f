"""The huey task queue (SQLite storage) and its in-process consumer.

Each feature registers its own tasks on the injected huey instance in its ``setup``
(e.g. appliance/registry/tasks.py). Tasks take ids and paths, never objects, and are safe
to run twice. In tests the huey instance is in immediate mode, so a task runs inline.
"""

from __future__ import annotations

import logging
from pathlib import Path

from huey import SqliteHuey
from huey.consumer import Consumer

logger = logging.getLogger(__name__)


def make_huey(home: Path, immediate: bool) -> SqliteHuey:
    return SqliteHuey("linli", filename=str(home / "tasks.db"), immediate=immediate, utc=True)


class InProcessConsumer(Consumer):
    """Runs huey's workers as threads inside ``linli run``; the runtime owns the signals."""

    def _set_signal_handlers(self):
        pass


def start_consumer(huey: SqliteHuey, workers: int) -> InProcessConsumer | None:
    if huey.immediate:
        return None
    consumer = InProcessConsumer(huey, workers=workers, worker_type="thread", periodic=True)
    consumer.start()
    return consumer
