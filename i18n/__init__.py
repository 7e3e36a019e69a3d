"""Translations (gettext catalogs), Babel formatting and bidi helpers.

Arabic is the default language of the interface. Catalogs live in ``i18n/locale`` as
``<lang>/LC_MESSAGES/himaya.po``, compiled to ``.mo`` with ``pybabel compile``.
"""

from __future__ import annotations

import gettext
import os
from functools import lru_cache
from pathlib import Path
from typing import Callable

LANGUAGES = ("ar", "fr", "en")
DEFAULT_LANGUAGE = "ar"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "himaya"


@lru_cache(maxsize=None)
def translation(language: str) -> gettext.NullTranslations:
    """The catalog for ``language``; English text (the msgids) when it has none."""
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


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
