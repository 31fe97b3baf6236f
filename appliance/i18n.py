"""Translations shared by the CLI, the services and the web.

Msgids are English; the zh_CN catalog is the default. The web sets the locale per
request; the CLI sets it once from the config/LANG. Catalogs live in web/translations
(read as data here; appliance never imports web).
"""

from __future__ import annotations

import contextvars
import functools
from pathlib import Path

from babel import Locale
from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "web" / "translations"
DEFAULT_LOCALE = "zh_CN"
SUPPORTED_LOCALES = ("zh_CN", "en")

_locale: contextvars.ContextVar[str] = contextvars.ContextVar("linli_locale", default=DEFAULT_LOCALE)


@functools.lru_cache(maxsize=8)
def translations_for(locale: str) -> NullTranslations:
    if locale == "en":
        return NullTranslations()
    # Babel (and so flask-babel) spells zh_CN as zh_Hans_CN; the catalog folder uses that name.
    return Translations.load(str(TRANSLATIONS_DIR), [str(Locale.parse(locale))], domain="messages")


def set_locale(locale: str) -> contextvars.Token:
    if locale not in SUPPORTED_LOCALES:
        locale = DEFAULT_LOCALE
    return _locale.set(locale)


def current_locale() -> str:
    return _locale.get()


def gettext(msgid: str, **params) -> str:
    text = translations_for(_locale.get()).gettext(msgid)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params) -> str:
    params.setdefault("num", n)
    text = translations_for(_locale.get()).ngettext(singular, plural, n)
    return text % params


def N_(msgid: str) -> str:
    """Mark a string for extraction without translating it now."""
    return msgid
