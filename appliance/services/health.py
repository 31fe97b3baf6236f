"""Each subsystem's state for /healthz and ``linli selfcheck``."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from appliance.i18n import N_, gettext

# What each line is called for people; the JSON keys stay the short English names machines use.
LABELS = {
    "config": N_("Settings file"), "database": N_("Database"), "accounts": N_("Staff accounts"),
    "tasks": N_("Background work"), "gpio": N_("Gate wiring"), "vision models": N_("Recognition models"),
    "work orders": N_("Work orders"), "gate": N_("Gate"), "face": N_("Face recognition"),
    "face entry": N_("Face entry at the kiosk"), "modem": N_("SMS modem"), "cameras": N_("Cameras"), "camera": N_("Cameras"),
    "sync": N_("Sync with the district"), "hub": N_("District hub"), "car gate": N_("Car gate"),
    "backup": N_("Backups"), "update": N_("Software updates"), "clock": N_("Clock"), "storage": N_("Storage card"),
    "temperature": N_("Temperature"), "memory": N_("Memory"), "plates": N_("Plate reading"),
    "votes": N_("Votes"), "parking": N_("Parking"),
    "care": N_("Elder care"), "lamps": N_("Street lamps"), "sensors": N_("Sensors"),
}
CAMERA_PREFIX = "camera "


def label(name: str) -> str:
    """The plain name of a health line ("camera 东门" becomes "摄像头 东门")."""
    if name.startswith(CAMERA_PREFIX):
        return gettext("Camera %(name)s", name=name[len(CAMERA_PREFIX):])
    return gettext(LABELS[name]) if name in LABELS else name


@dataclass
class Check:
    name: str
    # -> (ok, a plain line saying what to do) or (ok, line, technical detail for the 详情 toggle)
    probe: Callable[[], tuple]


@dataclass
class HealthService:
    checks: list[Check] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, probe: Callable[[], tuple[bool, str]]) -> None:
        with self._lock:
            self.checks.append(Check(name, probe))

    def report(self) -> dict:
        results = {}
        for check in list(self.checks):
            started = time.monotonic()
            technical = ""
            try:
                answer = check.probe()
                ok, detail = answer[0], answer[1]
                if len(answer) > 2:
                    technical = answer[2]
            except Exception as exc:  # a broken probe must not break /healthz itself
                ok, detail = False, gettext("This check failed unexpectedly; restart Linli. If it stays, tell "
                                            "the administrator.")
                technical = f"{type(exc).__name__}: {exc}"
            results[check.name] = {"ok": bool(ok), "label": label(check.name), "detail": detail,
                                   "technical": technical, "ms": round((time.monotonic() - started) * 1000, 1)}
        return {"ok": all(r["ok"] for r in results.values()), "subsystems": results}
