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


# --- English shown to Chinese users ---------------------------------------------------------------
# Latin words a Chinese page may show: names of standards, file types and things a person types.
ALLOWED_WORDS = {
    "kqs",  # pinyin initials, the waste guide's search example (kqs = 矿泉水)
    "English",  # the language switch names its language in that language
    "Excel", "SQLite", "Wiegand", "PostgreSQL", "Raspberry", "Pi", "MiB", "tmpfs", "gpiochip", "udev",
    "linli", "Linli",  # the command people type, and the product's own name
    "true", "false", "auto", "serial", "simulated", "off", "int", "fp", "nc", "no", "max", "fps",  # values to type
    "ppocr", "hyperlpr", "generic", "current", "app", "pub", "photos",  # board, folder and file names
    "Home", "Assistant", "ChirpStack", "LoRaWAN", "Modbus", "kWh",  # products, protocols and units by their names
    # keys and values typed into config.toml's [[devices.*]] tables, as the help lines name them
    "name", "place", "watts", "responsible", "kind", "smoke", "door", "tilt", "garbage", "climate", "sos", "port",
    "register", "format", "scale", "unit", "input", "application",
    "ntp", "rtc",  # values of system.clock_sources
}
# Stripped before looking: markup, technical detail behind a 详情 toggle, code, URLs and addresses,
# placeholders of notice templates, setting keys, command lines, ALL-CAPS acronyms (PIN, QR, GPIO, USB, SD).
_STRIP = [
    r"(?s)<(script|style|svg|code|pre|textarea|select)\b.*?</\1>",
    r"(?s)<details class=\"tech\">.*?</details>",
    r"(?s)<!--.*?-->",
    r"(?s)<[^>]+>",
]
_TOKENS = [
    r"[a-z][a-z0-9+.-]*://\S*", r"\b[\w.-]+@[\w.-]+\b", r"%\(\w+\)s", r"\b[a-z_]+(?:\.[a-z_0-9\[\]]+)+\b",
    r"\b(?:linli|python)\s[\w -]+", r"\b[a-z]+_[a-z_]+\b", r"\b(?:v4l2|picamera|file):\S*", r"\b[A-Z0-9]{2,6}s?\b",
    r"\bjpg|png|xlsx|csv\b", r"\b[\w-]*\d[\w-]*\b",  # names with digits are identifiers (cam1, zs01, box-f0a8)
    r"\b\w+ = \"[^\"]*\"", r"(?:/[\w.-]+)+",  # key = "value" examples and file paths
    r"\[[a-z_]+\](?: [a-z_]+)?",  # a setting named as in config.toml: [parking] enabled
    r"\bsudo [^;，。\n]+",  # a command line to type
]


# English that other features still show, listed phrase by phrase so that nothing new slips in;
# each entry is for the feature's owner to translate and then delete here.
KNOWN_ENGLISH: list[str] = []  # phrases still shown in English somewhere; empty now


def english_words(text: str, markup: bool = True) -> list[str]:
    import html
    import re

    if markup:
        for pattern in _STRIP:
            text = re.sub(pattern, " ", text)
        text = html.unescape(text)
    for pattern in KNOWN_ENGLISH + _TOKENS:
        text = re.sub(pattern, " ", text)
    return [w for w in re.findall(r"[A-Za-z][A-Za-z'-]{2,}", text) if w not in ALLOWED_WORDS]
