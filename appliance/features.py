"""Features: one folder each (like a Home Assistant integration), one ``setup(ctx)`` each.

A feature's ``setup`` receives one typed :class:`Context` (never the whole runtime), builds
its services, registers its health lines and background work on the :class:`Feature` it
returns, and the runtime starts the features in order and closes them in reverse. A feature
that needs another one's service asks the context for it by type (``ctx.need(AccessFeature)``),
so the order of the list in :mod:`appliance.runtime` is the dependency order and a missing
dependency fails at start, not on the first request.

Why not one big ``Runtime`` object: a feature that can reach everything ends up using
everything, and the composition root grows with every feature (the fire lane once touched
eight places). Here adding a feature is its own folder and one line in the runtime's list.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from peewee import Database

    from appliance.access.keys import BoxKeys
    from appliance.config import Config
    from appliance.services.audit import AuditService
    from appliance.services.health import HealthService
    from appliance.services.jobs import JobService

logger = logging.getLogger(__name__)

HealthCheck = Callable[[], tuple[bool, str]]
F = TypeVar("F", bound="Feature")


class Feature:
    """What ``setup`` returns: the feature's services as typed attributes, plus what must
    start beside the web server, what must be closed, and the feature's health lines."""

    name = "feature"

    def __init__(self) -> None:
        self._starts: list[Callable[[], None]] = []
        self._closes: list[Callable[[], None]] = []
        self._health: dict[str, HealthCheck] = {}

    # --- used by setup() --------------------------------------------------------------
    def on_start(self, fn: Callable[[], None]) -> None:
        self._starts.append(fn)

    def on_close(self, fn: Callable[[], None]) -> None:
        """Closed in reverse order of registration: register a thread after what it uses."""
        self._closes.append(fn)

    def check(self, name: str, fn: HealthCheck) -> None:
        self._health[name] = fn

    # --- used by the runtime ----------------------------------------------------------
    def start(self) -> None:
        for fn in self._starts:
            fn()

    def close(self) -> None:
        for fn in reversed(self._closes):
            try:
                fn()
            except Exception:
                logger.exception("error while closing %s", self.name)
        self._closes.clear()

    def health(self) -> dict[str, HealthCheck]:
        return dict(self._health)


@dataclass
class Context:
    """Everything a feature's setup may use. Built once by :func:`appliance.runtime.build_runtime`."""

    config: Config
    db: Database
    audit: AuditService
    health: HealthService
    jobs: JobService
    huey: Any  # huey.SqliteHuey (immediate in tests)
    keys: BoxKeys
    box_id: str
    secret_key: str
    home: Path
    hardware: bool  # False for CLI commands that must not claim pins, cameras or the modem
    pin_factory: Any = None  # gpiozero pin factory (MockFactory off the Pi); None without hardware
    clock: Callable[[], datetime.datetime] = datetime.datetime.now
    features: list[Feature] = field(default_factory=list)

    @property
    def safe_mode(self) -> bool:
        return self.config.safe_mode

    def need(self, kind: type[F]) -> F:
        """The feature of this type that was set up earlier (the runtime's list is in order)."""
        for feature in self.features:
            if isinstance(feature, kind):
                return feature
        raise LookupError(f"{kind.__name__} must be set up before the features that need it")

    def find(self, kind: type[F]) -> F | None:
        """Like :meth:`need` for optional collaborators (e.g. the hub, only on a district hub)."""
        for feature in self.features:
            if isinstance(feature, kind):
                return feature
        return None
