"""Domain services. Views and the CLI call exactly one service method per action."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Services:
    """Everything the web and the CLI may call, built by :mod:`appliance.runtime`."""

    config: Any
    db: Any
    box_id: str = ""
    secret_key: str = ""
    accounts: Any = None
    audit: Any = None
    registry: Any = None
    residents_io: Any = None
    jobs: Any = None
    health: Any = None
    tasks: Any = None
    access: Any = None  # appliance.access.service.AccessService (+ .credentials)
    extra: dict = field(default_factory=dict)  # features register more services here
