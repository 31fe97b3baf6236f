"""Each subsystem's state for /healthz and ``linli selfcheck``."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Check:
    name: str
    probe: Callable[[], tuple[bool, str]]  # -> (ok, detail or the fix)


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
            try:
                ok, detail = check.probe()
            except Exception as exc:  # a broken probe must not break /healthz itself
                ok, detail = False, f"{type(exc).__name__}: {exc}"
            results[check.name] = {"ok": bool(ok), "detail": detail,
                                   "ms": round((time.monotonic() - started) * 1000, 1)}
        return {"ok": all(r["ok"] for r in results.values()), "subsystems": results}
