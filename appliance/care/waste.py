"""The offline waste-sorting guide (垃圾分类): item → bin, with the city's four bin names,
searchable by Chinese text or by pinyin initials ("kqs" finds 矿泉水瓶) for elders who type
slowly. Built once in memory (a few hundred items)."""

from __future__ import annotations

import functools

from appliance.care.waste_data import ITEMS
from appliance.i18n import N_, gettext

BINS = ("recyclable", "hazardous", "kitchen", "other")
# The four bin names as each city paints them on the bins.
CITY_BINS = {
    "national": {"recyclable": "可回收物", "hazardous": "有害垃圾", "kitchen": "厨余垃圾", "other": "其他垃圾"},
    "shanghai": {"recyclable": "可回收物", "hazardous": "有害垃圾", "kitchen": "湿垃圾", "other": "干垃圾"},
    "beijing": {"recyclable": "可回收物", "hazardous": "有害垃圾", "kitchen": "厨余垃圾", "other": "其他垃圾"},
    "shenzhen": {"recyclable": "可回收物", "hazardous": "有害垃圾", "kitchen": "厨余垃圾", "other": "其他垃圾"},
}
BIN_WORDS_EN = {"recyclable": N_("Recyclable"), "hazardous": N_("Hazardous"), "kitchen": N_("Kitchen waste"),
                "other": N_("Residual waste")}
MAX_RESULTS = 30


@functools.lru_cache(maxsize=1)
def _index() -> list[tuple[str, str, str]]:
    out = []
    for bin_kind, words in ITEMS.items():
        for item in dict.fromkeys(words.split()):
            out.append((item, initials_of(item), bin_kind))
    return out


def bin_name(kind: str, city: str, locale: str = "zh_CN") -> str:
    if locale == "en":
        return gettext(BIN_WORDS_EN[kind])
    return CITY_BINS.get(city, CITY_BINS["national"])[kind]


@functools.lru_cache(maxsize=2048)
def initials_of(item: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(item, style=Style.FIRST_LETTER)).lower()


def search(query: str, city: str = "national", local=()) -> list[dict]:
    """Items whose name contains the text, or whose pinyin initials start with it. ``local``
    holds the community's own entries, (name, kind, note, hidden): they replace a built-in
    item of the same name, add new ones, or hide one."""
    text = "".join(str(query or "").split())[:20]
    if not text:
        return []
    letters = text.lower() if text.isascii() and text.isalpha() else None
    mine = {name: (kind, note, hidden) for name, kind, note, hidden in local}
    notes = {name: note for name, (kind, note, hidden) in mine.items() if note and not hidden}
    rows = [(item, initials, kind) for item, initials, kind in _index() if item not in mine]
    rows += [(name, initials_of(name), kind) for name, (kind, _note, hidden) in mine.items()
             if not hidden and kind in BINS]
    hits = []
    for item, initials, kind in rows:
        if text in item:
            rank = 0 if item == text else 1 if item.startswith(text) else 2
        elif letters and initials.startswith(letters):
            rank = 1 if initials == letters else 2
        else:
            continue
        hits.append((rank, len(item), item, kind))
    hits.sort()
    return [{"item": item, "bin": kind, "bin_name": CITY_BINS.get(city, CITY_BINS["national"])[kind],
             "note": notes.get(item, "")} for _rank, _n, item, kind in hits[:MAX_RESULTS]]
