"""The wizard's hardware checks: the installer clicks the gate relay, presses the exit button
and trips the fire input while watching their state live, and picks a camera's source
string while seeing its snapshot. Nothing here changes a setting until the step is saved."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable

from appliance.errors import LinliError, ValidationError
from appliance.i18n import N_

SOURCE_PREFIXES = ("rtsp://", "rtsps://", "http://", "https://", "v4l2:", "picamera:", "file:")
TEST_PULSE_S = 1.0


class GateTest:
    """What the installer saw since opening the step: relay clicked, exit button pressed, fire
    input active. ``access`` returns the access service (set up after this feature)."""

    def __init__(self, access: Callable[[], object], audit):
        self._access = access
        self.audit = audit
        self._mark = 0
        self.clicked = False
        self.fire_seen = False

    def _gate(self):
        gate = getattr(self._access(), "gate", None)
        if gate is None or isinstance(gate, (str, Exception)):
            raise LinliError(N_("The gate is not running, so its wiring cannot be tested. See the system status "
                                "on the overview page."))
        return gate

    def begin(self) -> None:
        """Opening the step starts a new test: earlier presses do not count."""
        try:
            self._mark = self._count("exit_button")
        except LinliError:
            self._mark = 0
        self.clicked = self.fire_seen = False

    def _count(self, kind: str) -> int:
        return sum(1 for _t, k, _d in list(self._gate().history) if k == kind)

    def click(self, actor: str) -> None:
        gate = self._gate()
        gate.open(pulse_s=TEST_PULSE_S, source="setup test")
        self.clicked = True
        self.audit.record(actor, "update", "setup", "gate relay test")

    def state(self) -> dict:
        try:
            gate = self._gate()
        except LinliError as exc:
            return {"present": False, "error": exc.message()}
        status = gate.status()
        self.fire_seen = self.fire_seen or bool(status["fire_input"])
        return {"present": True, "relay": status["relay_energised"], "fire": status["fire_input"],
                "exit_presses": max(0, self._count("exit_button") - self._mark), "clicked": self.clicked,
                "fire_seen": self.fire_seen, "has_exit": "exit_button" in gate._named,
                "has_fire": "fire_alarm" in gate._named}

    def result(self) -> dict:
        state = self.state()
        if not state["present"]:
            raise LinliError(state["error"])
        if not state["clicked"]:
            raise ValidationError(N_("Press “Click the relay” first and listen for the click at the gate."),
                                  field="relay")
        return {"relay_clicked": True, "exit_seen": state["exit_presses"] > 0, "fire_seen": state["fire_seen"]}


def check_source(source: str) -> str:
    source = (source or "").strip()
    if not source:
        raise ValidationError(N_("Give the camera's address."), field="source")
    if len(source) > 300 or not source.lower().startswith(SOURCE_PREFIXES):
        raise ValidationError(N_("A camera address starts with rtsp://, http://, v4l2: (USB camera), picamera: or "
                                 "file:."), field="source")
    return source


def snapshot(source: str, timeout_s: float = 8.0, opener=None) -> str:
    """One picture from ``source`` as a data: URL (JPEG), or a ValidationError saying it came
    to nothing. Runs in a thread with a deadline: an address that does not answer must not
    hold the page for the camera backend's own, long timeouts."""
    from hardware.camera.factory import open_camera

    source = check_source(source)
    opener = opener or open_camera
    out: dict = {}

    def grab():
        try:
            with opener({"source": source}) as cam:
                deadline = time.monotonic() + timeout_s
                while time.monotonic() < deadline and "jpeg" not in out:
                    if cam.read(timeout=1.0) is not None:
                        out["jpeg"] = cam.snapshot_jpeg(quality=70)
        except Exception as exc:  # the backend's own error (HardwareError, OpenCV), shown in words below
            out["error"] = str(exc)

    worker = threading.Thread(target=grab, name="setup-snapshot", daemon=True)
    worker.start()
    worker.join(timeout_s + 2)
    if not out.get("jpeg"):
        raise ValidationError(N_("No picture came from this camera: check the address, the user name and "
                                 "password, and that the camera is on the same network."), field="source")
    return "data:image/jpeg;base64," + base64.b64encode(out["jpeg"]).decode()
