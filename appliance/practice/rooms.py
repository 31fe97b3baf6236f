"""Practice rooms: one sandbox per staff member who is practising.

A room is a whole second runtime (every feature, the same code) on its own SQLite file in
``<data>/practice/<user id>/``, seeded with the demo community, built *without hardware* (no
pin factory: no relay can be energised) and with the modem off, no cameras and no sync
started (nothing can be sent). The web routes that member's requests to it
(appliance/db/router.py); leaving discards the folder. Rooms are few (``max_rooms``) because
each holds its own services in memory, and are all discarded when Linli stops or starts.
"""

from __future__ import annotations

import copy
import logging
import shutil
import threading
from pathlib import Path

from appliance.db import router
from appliance.errors import LinliError
from appliance.i18n import N_

logger = logging.getLogger(__name__)


class RoomsFull(LinliError):
    msgid = N_("%(n)s people are practising already; try again when one of them has finished.")


class PracticeRooms:
    def __init__(self, config, max_rooms: int = 3):
        self.config = config
        self.root = Path(config.home) / "practice"
        self.max_rooms = max_rooms
        self._rooms: dict[int, object] = {}  # user id -> Runtime
        self._lock = threading.Lock()

    def room(self, user_id: int):
        """The user's practice runtime, or None when they are not practising."""
        return self._rooms.get(user_id)

    def enter(self, user_id: int):
        with self._lock:
            runtime = self._rooms.get(user_id)
            if runtime is not None:
                return runtime
            if len(self._rooms) >= self.max_rooms:
                raise RoomsFull(n=len(self._rooms))
            runtime = self._build(self.root / str(int(user_id)))
            self._rooms[user_id] = runtime
            logger.info("practice room opened (%s in use)", len(self._rooms))
            return runtime

    def leave(self, user_id: int) -> bool:
        with self._lock:
            runtime = self._rooms.pop(user_id, None)
        if runtime is None:
            return False
        self._discard(runtime)
        return True

    def close(self) -> None:
        with self._lock:
            rooms, self._rooms = list(self._rooms.values()), {}
        for runtime in rooms:
            self._discard(runtime)
        shutil.rmtree(self.root, ignore_errors=True)

    def _sandbox_config(self, folder: Path):
        cfg = copy.deepcopy(self.config)
        cfg.home = folder
        cfg.problems = []
        cfg.db.path = ""
        cfg.tasks.immediate = True
        cfg.firelane.modem = "off"
        cfg.firelane.cameras = []
        cfg.parking.entry_camera = ""
        cfg.hub.enabled = False
        return cfg

    def _build(self, folder: Path):
        from appliance.registry.demo import create_demo
        from appliance.runtime import build_runtime  # late: the runtime builds this class

        shutil.rmtree(folder, ignore_errors=True)
        runtime = build_runtime(self._sandbox_config(folder), immediate_tasks=True, hardware=False, sandbox=True)
        try:
            with router.using(runtime.db):
                create_demo(runtime.db, runtime.services.accounts)
        except BaseException:
            self._discard(runtime)
            raise
        return runtime

    @staticmethod
    def _discard(runtime) -> None:
        folder = runtime.config.home
        try:
            with router.using(runtime.db):
                runtime.close()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
