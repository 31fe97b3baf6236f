"""Refresh web/translations/messages.pot and merge it into each catalog.

Besides what `pybabel extract` finds, this adds msgids that live in packages which may not
import the project's i18n helpers (models/ answers with plain English reasons).
Run with `make extract-messages`, then translate the new empty entries in the .po files.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "web" / "translations" / "messages.pot"
KEYWORDS = ["_", "gettext", "N_", "ngettext:1,2", "ValidationError", "LinliError", "NotFound", "Conflict",
            "PermissionDenied", "ConfigError"]


def external_msgids() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from models.plates.validate import REASONS

    return list(REASONS)


def main() -> None:
    args = [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-o", str(POT),
            "--no-location", "--sort-output"]
    for k in KEYWORDS:
        args += ["-k", k]
    subprocess.run(args + ["."], cwd=ROOT, check=True)
    with open(POT, "rb") as fh:
        catalog = read_po(fh)
    for msgid in external_msgids():
        if msgid not in catalog:
            catalog.add(msgid)
    with open(POT, "wb") as fh:
        write_po(fh, catalog, sort_output=True, omit_header=False, width=0)
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "update", "-i", str(POT), "-d",
                    str(POT.parent), "-D", "messages", "--no-fuzzy-matching", "--ignore-obsolete"],
                   cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
