"""The ``linli`` command. Each feature adds a module with ``register(subparsers)``; packages
that appliance must not import (web) add theirs through the ``linli.commands`` entry point."""

from __future__ import annotations

import argparse
import logging
from importlib.metadata import entry_points
import os
import sys

from appliance.errors import LinliError
from appliance.i18n import gettext as _, set_locale

# Feature modules, in the order their commands are listed in --help.
COMMAND_MODULES = [
    "appliance.cli.core",
    "appliance.cli.residents",
    "appliance.cli.plates",
    "appliance.cli.sync",
    "appliance.cli.hub",
    "appliance.cli.face",
    "appliance.cli.gate",
    "appliance.cli.vision",
    "appliance.cli.votes",
    "appliance.cli.system",
]


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(prog="linli", description=_("Linli community appliance"))
    parser.add_argument("--verbose", "-v", action="store_true", help=_("show debug logs"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    # Commands from packages above appliance (the web's `run`), declared in pyproject.toml.
    for entry in sorted(entry_points(group="linli.commands"), key=lambda e: e.name):
        entry.load()(sub)
    return parser


def _locale_from_env() -> str:
    lang = os.environ.get("LINLI_LANG") or os.environ.get("LC_ALL") or os.environ.get("LANG") or ""
    return "en" if lang.startswith("en") else "zh_CN"


def main(argv: list[str] | None = None) -> int:
    set_locale(_locale_from_env())
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except LinliError as exc:
        print(_("Error: %(message)s", message=exc.message()), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
