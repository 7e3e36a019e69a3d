"""Reading exported PDFs back with poppler's ``pdftotext``, as a reader's copy-and-paste would.

``pdftotext`` gives Arabic back in presentation forms (the joined glyphs drawn), so text is
NFKC-normalised to plain letters, and the bidi embedding marks it adds around each run are
dropped. What remains is compared as a sequence of words: a paragraph comes back in
logical (reading) order only if its lines were wrapped, shaped and reordered correctly.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from html import unescape

import pytest

PDFTOTEXT = shutil.which("pdftotext")
PDFIMAGES = shutil.which("pdfimages")
needs_pdftotext = pytest.mark.skipif(
    PDFTOTEXT is None, reason="pdftotext is not installed (apt-get install poppler-utils)")

_MARKS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u200e\u200f\u2066\u2067\u2068\u2069"))
_WORD = re.compile(r"\w+")
_ARABIC = re.compile(r"[\u0600-\u06ff]+|[^\u0600-\u06ff]+")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")
_BOX = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


def plain(text: str) -> str:
    """Plain letters: no presentation forms, no bidi marks, no Arabic vowel marks (the PDF
    layer drops them: drawn without mark positioning they would land beside their letter)."""
    text = unicodedata.normalize("NFKC", text).translate(_MARKS)
    return "".join(c for c in text if not ("\u064b" <= c <= "\u065f" or c == "\u0670"))


def pages(pdf: bytes) -> list[str]:
    """The text of each page (plain letters, no bidi marks)."""
    assert PDFTOTEXT is not None
    out = subprocess.run([PDFTOTEXT, "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                         check=True, timeout=60).stdout.decode("utf-8")
    return [plain(page) for page in out.split("\f")[:-1]]


def words(text: str) -> list[str]:
    """Letters-and-digits words, in order (punctuation and spacing ignored). Arabic and Latin
    are separate words even when touching: pdftotext may drop the space between them."""
    return [part for word in _WORD.findall(plain(text)) for part in _ARABIC.findall(word)]


def contains_in_order(text: str, expected: str) -> bool:
    """Whether the words of ``expected`` occur in ``text`` consecutively, in the same order."""
    haystack, needle = words(text), words(expected)
    return any(haystack[i:i + len(needle)] == needle for i in range(len(haystack) - len(needle) + 1))


@dataclass(frozen=True)
class Word:
    page: int
    x_min: float
    y_min: float
    x_max: float
    text: str


def boxes(pdf: bytes) -> list[Word]:
    """Every word with its position (points from the top left of its page)."""
    assert PDFTOTEXT is not None
    out = subprocess.run([PDFTOTEXT, "-bbox", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                         check=True, timeout=60).stdout.decode("utf-8")
    found = []
    for page, chunk in enumerate(out.split("<page ")[1:], start=1):
        for x0, y0, x1, _y1, text in _BOX.findall(chunk):
            text = plain(unescape(text))
            if _ARABIC_LETTER.search(text):  # -bbox gives Arabic words as drawn, right to left
                text = text[::-1]
            found.append(Word(page, float(x0), float(y0), float(x1), text))
    return found


def find(words_: list[Word], text: str, page: int | None = None) -> Word:
    """The first word that is ``text``, punctuation aside."""
    for word in words_:
        if text in words(word.text) and (page is None or word.page == page):
            return word
    raise AssertionError(f"{text!r} is not in the PDF")


def images_per_page(pdf: bytes) -> dict[int, int]:
    """How many images (soft masks not counted) each page draws."""
    assert PDFIMAGES is not None
    out = subprocess.run([PDFIMAGES, "-list", "-"], input=pdf, capture_output=True, check=True,
                         timeout=60).stdout.decode()
    counts: dict[int, int] = {}
    for line in out.splitlines()[2:]:
        fields = line.split()
        if len(fields) > 2 and fields[2] == "image":
            counts[int(fields[0])] = counts.get(int(fields[0]), 0) + 1
    return counts
