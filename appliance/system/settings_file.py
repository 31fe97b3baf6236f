"""Changing config.toml from a page: merge, validate the whole file, then write it at once.

A change that would make the file invalid is refused with the setting's name and nothing is
written, so the box never drops into safe mode because of a form.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import tomli_w

from appliance.config import build_config
from appliance.errors import ValidationError
from appliance.files import write_private
from appliance.i18n import N_


def read_settings(path: Path) -> dict:
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(N_("config.toml cannot be read (%(error)s); fix it first."), error=str(exc)) from exc


def update_settings(home: Path, changes: dict[str, dict]) -> dict:
    """Apply ``{"section": {"key": value}}`` to ``home/config.toml``; returns the new file's data."""
    path = Path(home) / "config.toml"
    data = read_settings(path)
    for section, values in changes.items():
        data.setdefault(section, {}).update(values)
    problems = build_config(data, Path(home)).problems
    if problems:
        first = problems[0]
        raise ValidationError(N_("This setting is not valid: %(problem)s"), field=first.split(":")[0], problem=first)
    header = "# Linli configuration. `linli check-config --explain` lists every setting.\n"
    write_private(path, (header + tomli_w.dumps(data)).encode("utf-8"))
    return data
