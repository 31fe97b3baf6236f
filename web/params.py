"""Typed, bounded reading of what a browser or API client sends (query strings, forms, paths).

Every parameter a view reads goes through one of these helpers: a value that is not what
the view expects, or does not fit what the database can hold (SQLite integers are 64-bit,
dates end in 9999, floats must be finite), answers 400 with a plain message, never 500.
Absent or empty values give the default.
"""

from __future__ import annotations

import datetime
import math

from flask import request
from werkzeug.routing import IntegerConverter, ValidationError as NoMatch

from appliance.errors import ValidationError
from appliance.i18n import N_

MAX_ID = 2**63 - 1  # SQLite's largest INTEGER
MAX_PAGE = 100_000
DATE_MIN, DATE_MAX = datetime.date(1900, 1, 1), datetime.date(2199, 12, 31)


class BadParameter(ValidationError):
    def __init__(self, name: str):
        super().__init__(N_("The value given for %(name)s is not valid."), field=name, name=name)


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: 1 .. 2**63-1, at most 19 digits; anything else is no
    match (404) instead of an overflow deep in the database driver."""

    regex = r"\d{1,19}"

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        if len(value) > 19:
            raise NoMatch()
        return super().to_python(value)


def _raw(name: str, source) -> str | None:
    source = request.args if source is None else source
    value = source.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def int_arg(name: str, default: int | None = None, *, lo: int = -MAX_ID, hi: int = MAX_ID,
            source=None) -> int | None:
    raw = _raw(name, source)
    if raw is None:
        return default
    if len(raw) > 20 or not raw.lstrip("-").isdigit() or not raw.isascii():
        raise BadParameter(name)
    value = int(raw)
    if not lo <= value <= hi:
        raise BadParameter(name)
    return value


def id_arg(name: str, source=None) -> int | None:
    """A row id (a building, a resident, ...) or None when not given."""
    return int_arg(name, None, lo=1, hi=MAX_ID, source=source)


def page_arg(name: str = "page", source=None) -> int:
    return int_arg(name, 1, lo=1, hi=MAX_PAGE, source=source)


def text_arg(name: str, max_len: int, default: str = "", source=None) -> str:
    """Free text, cut to ``max_len`` characters (search boxes, notes)."""
    source = request.args if source is None else source
    value = source.get(name)
    return default if value is None else value.strip()[:max_len]


def choice_arg(name: str, choices, default=None, source=None):
    raw = _raw(name, source)
    if raw is None:
        return default
    if raw not in choices:
        raise BadParameter(name)
    return raw


def float_arg(name: str, default: float | None = None, *, lo: float, hi: float, source=None) -> float | None:
    raw = _raw(name, source)
    if raw is None:
        return default
    try:
        value = float(raw[:40])
    except ValueError:
        raise BadParameter(name) from None
    if not math.isfinite(value) or not lo <= value <= hi:
        raise BadParameter(name)
    return value


def date_arg(name: str, default: datetime.date | None = None, source=None) -> datetime.date | None:
    raw = _raw(name, source)
    if raw is None:
        return default
    try:
        value = datetime.date.fromisoformat(raw[:10]) if len(raw) == 10 else None
    except ValueError:
        value = None
    if value is None or not DATE_MIN <= value <= DATE_MAX:
        raise BadParameter(name)
    return value
