"""The fonts of the PDF exports, registered with reportlab from ``resources/fonts``.

Only shipped fonts are used, never the system's: a PDF made on any laptop looks the same
and every glyph is embedded. Amiri (static TTF, Arabic and Latin) sets Arabic; Noto Sans
(static instances of the shipped variable font, see ``resources/fonts/README.md``) sets
Latin text in French and English documents.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from app.resources import resources_dir

ARABIC = "Himaya-Amiri"
ARABIC_BOLD = "Himaya-Amiri-Bold"
LATIN = "Himaya-NotoSans"
LATIN_BOLD = "Himaya-NotoSans-Bold"

FONT_FILES = {
    ARABIC: "Amiri-Regular.ttf",
    ARABIC_BOLD: "Amiri-Bold.ttf",
    LATIN: "NotoSans-Regular.ttf",
    LATIN_BOLD: "NotoSans-Bold.ttf",
}

_lock = threading.Lock()
_registered = False


def font_path(name: str) -> Path:
    return resources_dir() / "fonts" / FONT_FILES[name]


def register_fonts() -> None:
    """Register the shipped fonts once (a missing or broken file raises at once)."""
    global _registered
    with _lock:
        if _registered:
            return
        for name in FONT_FILES:
            pdfmetrics.registerFont(TTFont(name, str(font_path(name))))
        _registered = True


@dataclass(frozen=True)
class FontPair:
    """The font for Arabic-script letters and the one for everything else in a text."""

    arabic: str
    other: str
    #: Amiri's letters look small beside Noto Sans at the same size: scale them up there.
    arabic_scale: float = 1.0


#: Arabic documents set everything in Amiri (its Latin letters and digits match its Arabic);
#: French and English ones set Latin in Noto Sans and Arabic names in Amiri.
REGULAR = {"ar": FontPair(ARABIC, ARABIC), "latin": FontPair(ARABIC, LATIN, 1.15)}
BOLD = {"ar": FontPair(ARABIC_BOLD, ARABIC_BOLD), "latin": FontPair(ARABIC_BOLD, LATIN_BOLD, 1.15)}


def fonts_for(language: str, *, bold: bool = False) -> FontPair:
    table = BOLD if bold else REGULAR
    return table["ar" if language == "ar" else "latin"]


_ARABIC_RANGES = (
    (0x0600, 0x06FF), (0x0750, 0x077F), (0x0870, 0x08FF),  # Arabic, Supplement, Extended-A/B
    (0xFB50, 0xFDFF), (0xFE70, 0xFEFF),  # presentation forms A and B (what shaping produces)
)


def is_arabic(char: str) -> bool:
    code = ord(char)
    if code < 0x0600:  # Latin letters, digits, spaces, punctuation: most characters of any document
        return False
    if code <= 0x06FF:  # the Arabic block: most of an Arabic document (the ranges above, unrolled: hot)
        return True
    return 0x0750 <= code <= 0x077F or 0x0870 <= code <= 0x08FF or 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF
