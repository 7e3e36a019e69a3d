"""Translations (gettext catalogs), Babel formatting and bidi helpers.

Arabic is the default language of the interface. Catalogs are ``i18n/locale/<lang>/
LC_MESSAGES/himaya.po``; they are compiled with Babel, to ``.mo`` files by
``pybabel compile`` for bundles, or in memory at start when no up-to-date ``.mo`` exists,
so a fresh clone never shows stale text.
"""

from __future__ import annotations

import gettext
import io
import os
from functools import lru_cache
from pathlib import Path
from typing import Callable

LANGUAGES = ("ar", "fr", "en")
DEFAULT_LANGUAGE = "ar"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "himaya"
RTL_LANGUAGES = frozenset({"ar"})
#: Babel locales used for dates and numbers (Moroccan Arabic formats: Western digits).
BABEL_LOCALES = {"ar": "ar_MA", "fr": "fr_MA", "en": "en"}


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=None)
def translation(language: str) -> gettext.NullTranslations:
    """The catalog for ``language``; the English msgids when there is none."""
    po = po_path(language)
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with open(mo, "rb") as handle:
            return gettext.GNUTranslations(handle)
    if po.exists():
        return gettext.GNUTranslations(io.BytesIO(compile_po(po)))
    return gettext.NullTranslations()


def compile_po(po: Path) -> bytes:
    """Compile a ``.po`` catalog to ``.mo`` bytes with Babel (fuzzy entries are left out)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(po, "rb") as handle:
        catalog = read_po(handle)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def gettext_for(language: str) -> Callable[[str], str]:
    return translation(language).gettext


def language_from_environment(default: str = DEFAULT_LANGUAGE) -> str:
    """``HIMAYA_LANG``, else the language of ``LC_ALL``/``LC_MESSAGES``/``LANG`` if supported."""
    for name in ("HIMAYA_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        code = value.split("_")[0].split(".")[0].lower()
        if code in LANGUAGES:
            return code
    return default


def is_rtl(language: str) -> bool:
    return language in RTL_LANGUAGES
