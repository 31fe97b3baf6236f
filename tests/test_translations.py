"""Chinese is the default language: every message the code can show has a zh_CN translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "web" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2), "ValidationError": None,
            "LinliError": None, "NotFound": None, "Conflict": None, "PermissionDenied": None, "ConfigError": None}


def code_msgids() -> set[str]:
    found = set()
    method_map = [("appliance/**.py", "python"), ("web/**.py", "python"), ("web/templates/**.html", "jinja2")]
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, keywords=KEYWORDS,
            options_map={"web/templates/**.html": {}}):
        found.add(message if isinstance(message, str) else message[0])
    from models.plates.validate import REASONS

    found.update(REASONS)
    return {m for m in found if m}


def test_every_message_has_a_chinese_translation():
    with open(PO, "rb") as fh:
        catalog = read_po(fh)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string
                  and "fuzzy" not in m.flags}
    missing = sorted(code_msgids() - translated)
    assert not missing, "untranslated (run `make extract-messages` and fill the .po):\n" + "\n".join(missing)
