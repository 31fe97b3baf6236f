"""``setting()``: one config field with its default and help line. Kept apart from
appliance.config so each feature's section (appliance/<feature>/config.py) can use it
without importing the whole configuration module (which includes those sections)."""

from __future__ import annotations

from dataclasses import field


def setting(default, help: str, *, choices=None, min=None, max=None):
    meta = {"help": help, "choices": choices, "min": min, "max": max}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)
