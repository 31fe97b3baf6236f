"""Per-camera watch threads: open the camera (retrying), gate on motion, watch, report health.

The models are loaded once and shared by every camera behind a lock: on a 1 GB board two
copies of the nets cost more than the rare wait while another camera's frame is detected.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from appliance.firelane.watch import FireLaneWatch
from appliance.i18n import gettext as _
from hardware.camera import CameraError, MotionGate, backend_for, open_camera, redact_source

logger = logging.getLogger(__name__)

OPEN_BACKOFF_S = (2.0, 5.0, 15.0, 30.0, 60.0)


class Locked:
    """Calls one model at a time from several camera threads (the nets are not thread-safe)."""

    def __init__(self, model, lock: threading.Lock | None = None):
        self.model = model
        self.lock = lock or threading.Lock()

    def detect(self, *args, **kw):
        with self.lock:
            return self.model.detect(*args, **kw)

    def read(self, *args, **kw):
        with self.lock:
            return self.model.read(*args, **kw)


def camera_spec(entry: dict, fps: float) -> dict:
    """A [[firelane.cameras]] table -> open_camera() spec, pacing the camera at ``fps``."""
    spec = {k: v for k, v in entry.items() if k != "name"}
    kind = backend_for(spec["source"])
    pace = {"file": "fps", "picamera": "fps", "stream": "max_fps", "v4l2": "max_fps"}[kind]
    spec.setdefault(pace, fps)
    return spec


@dataclass
class CameraWatch:
    """One camera's thread. ``make_watch(name)`` builds its FireLaneWatch."""

    name: str
    spec: dict
    make_watch: object
    check_every_s: float = 30.0
    stop: threading.Event = field(default_factory=threading.Event)
    camera: object = None
    gate: MotionGate | None = None
    error: str = ""
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"firelane-{self.name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        watch: FireLaneWatch = self.make_watch(self.name)
        failures = 0
        while not self.stop.is_set():
            try:
                self.camera = open_camera(self.spec)
                self.camera.open()
            except CameraError as exc:
                self.error = str(exc)
                delay = OPEN_BACKOFF_S[min(failures, len(OPEN_BACKOFF_S) - 1)]
                failures += 1
                logger.warning("camera %s (%s) cannot be opened, retrying in %.0f s: %s", self.name,
                               redact_source(self.spec.get("source", "")), delay, exc)
                self.stop.wait(delay)
                continue
            failures, self.error = 0, ""
            self.gate = MotionGate(check_every_s=self.check_every_s)
            try:
                watch.run(self.camera, self.stop, self.gate)
            finally:
                try:
                    self.camera.close()
                except CameraError:
                    logger.warning("camera %s did not close cleanly", self.name, exc_info=True)

    def health(self) -> tuple[bool, str, str]:
        """(ok, a plain line for people, the technical detail behind 详情)."""
        if self.camera is None:
            return False, _("not started: check the camera's address in the settings"), self.error or "starting"
        h = self.camera.health()
        state = h.get("state", "?")
        age = h.get("last_frame_age_s")
        detail = state + (f", last frame {age:.1f} s ago" if age is not None else ", no frame yet")
        if h.get("reconnects"):
            detail += f", {h['reconnects']} reconnects"
        if self.gate is not None and self.gate.stats.frames:
            s = self.gate.stats
            detail += f", detector ran on {100 * (s.frames - s.skipped) / s.frames:.0f}% of frames"
        if self.error:
            detail += f", {self.error}"
        ok = state in ("streaming", "ended")
        if ok:
            line = _("working; latest picture %(s)s seconds ago", s=f"{age:.0f}") if age is not None else _("working")
        else:
            line = _("no picture: check the camera's network cable and power; Linli reconnects by itself")
        return ok, line, detail

    def close(self, timeout: float = 5.0) -> None:
        self.stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                logger.warning("camera %s watch did not stop within %.0f s", self.name, timeout)
