"""Arabic and mixed-direction text laid out as lines of glyph runs for reportlab.

reportlab draws glyphs left to right as given; it neither joins Arabic letters nor
reorders right-to-left text. So a paragraph is prepared here, in this order:

1. shaped in LOGICAL order (``arabic_reshaper``: each letter becomes its joined
   presentation form; the Lam-Alef ligatures are made), so every width measured below is
   the width that will be drawn;
2. given its bidi embedding levels once, for the whole paragraph (python-bidi's Rust
   implementation of the Unicode Bidirectional Algorithm: isolates and bracket pairs
   included);
3. wrapped in logical order at spaces, by the shaped width (a word longer than the line
   is cut);
4. each line then reordered on its own (rules L1, L2 and L4 of UAX #9: trailing spaces
   to the paragraph level, runs reversed, brackets mirrored in right-to-left runs) and
   split into runs of one font (Amiri for Arabic letters, the document's font otherwise).

Wrapping before reordering is what keeps a multi-line paragraph readable: reordering the
whole paragraph first and cutting it afterwards would put its end on the first line.
The reordering is done here from the levels because python-bidi's ``get_display`` (Rust)
does not mirror brackets: "(32 سنة)" would print as ")32 سنة(".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import arabic_reshaper
from bidi import get_display
from bidi.mirror import MIRRORED
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth

from app.reports.fonts import LATIN, FontPair, is_arabic

#: Characters that a line's end resets to the paragraph level (UAX #9 rule L1).
_L1_CLASSES = frozenset({"WS", "S", "B", "BN", "FSI", "LRI", "RLI", "PDI", "LRE", "RLE", "LRO", "RLO", "PDF"})
_LEVEL = re.compile(r"Level\(\s*(\d+)")


@dataclass(frozen=True)
class Run:
    """Glyphs of one font, in visual (drawing) order."""

    text: str
    font: str
    size: float
    width: float


@dataclass(frozen=True)
class Line:
    runs: tuple[Run, ...]
    width: float
    logical: str  # the line's letters in reading order, unshaped (for tests and debugging)


def shape(text: str) -> str:
    """Arabic letters in their joined forms; other characters unchanged (logical order)."""
    return arabic_reshaper.reshape(text) if any(is_arabic(c) for c in text) else text


def levels(text: str, rtl: bool) -> list[int]:
    """The resolved embedding level of each character of one paragraph.

    python-bidi exposes the levels of its Rust implementation only in its debug output
    (one level per UTF-8 byte); they are read from there. The count is checked, so a
    change of that output fails loudly instead of drawing text in a wrong order.
    """
    if not text:
        return []
    if not any(is_strong_rtl(c) for c in text) and not rtl:
        return [0] * len(text)  # nothing to reorder: skip the algorithm
    info = get_display(text, base_dir="R" if rtl else "L", debug=True)
    section = info[info.index("levels:"):]
    section = section[:section.index("]")]
    per_byte = [int(x) for x in _LEVEL.findall(section)]
    if len(per_byte) != len(text.encode("utf-8")):
        raise RuntimeError("python-bidi returned an unexpected number of levels")
    result, offset = [], 0
    for char in text:
        result.append(per_byte[offset])
        offset += len(char.encode("utf-8"))
    return result


def dominant_rtl(text: str) -> bool | None:
    """Whether most strong letters of ``text`` are right to left (None: no letters, or a tie).

    Not UAX #9's first-strong rule: an Arabic sentence that begins with a Latin name must
    still read right to left. Like that rule, it skips isolated values (a long Latin name
    inserted into an Arabic message does not make the message left to right).
    """
    rtl = ltr = depth = 0
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("FSI", "LRI", "RLI"):
            depth += 1
        elif kind == "PDI":
            depth = max(0, depth - 1)
        elif depth:
            continue
        elif kind in ("R", "AL"):
            rtl += 1
        elif kind == "L":
            ltr += 1
    return None if rtl == ltr else rtl > ltr


def is_strong_rtl(char: str) -> bool:
    return unicodedata.bidirectional(char) in ("R", "AL", "RLE", "RLO", "RLI", "FSI")


def visual_order(text: str, char_levels: list[int], base: int) -> str:
    """One line (logical order, with its levels) in drawing order, controls removed."""
    lv = list(char_levels)
    end = len(text)
    while end > 0 and unicodedata.bidirectional(text[end - 1]) in _L1_CLASSES:  # rule L1
        end -= 1
        lv[end] = base
    for i, char in enumerate(text):
        if unicodedata.bidirectional(char) in ("S", "B"):
            lv[i] = base
    order = list(range(len(text)))
    if lv:
        highest = max(lv)
        lowest_odd = min((x for x in lv if x % 2), default=highest + 1)
        for level in range(highest, lowest_odd - 1, -1):  # rule L2
            i = 0
            while i < len(order):
                if lv[order[i]] >= level:
                    j = i
                    while j < len(order) and lv[order[j]] >= level:
                        j += 1
                    order[i:j] = reversed(order[i:j])
                    i = j
                else:
                    i += 1
    out = []
    for index in order:
        char = text[index]
        if lv[index] % 2:
            char = MIRRORED.get(char, char)  # rule L4
        if unicodedata.category(char) not in ("Cf", "Cc"):
            out.append(char)
    return "".join(out)


@lru_cache(maxsize=8192)
def _width(text: str, font: str, size: float) -> float:
    return stringWidth(text, font, size)


def font_runs(text: str, fonts: FontPair, size: float) -> list[tuple[str, str, float]]:
    """(text, font, size) pieces: Arabic letters in the Arabic font, the rest in the other one."""
    runs: list[tuple[str, str, float]] = []
    for char in text:
        if is_arabic(char) or not has_glyph(fonts.other, char) and has_glyph(fonts.arabic, char):
            font, font_size = fonts.arabic, size * fonts.arabic_scale
        elif has_glyph(fonts.other, char) or fonts.other != fonts.arabic:
            font, font_size = fonts.other, size
        else:  # a letter Amiri lacks in an Arabic document (Vietnamese, say): Noto Sans has more
            font, font_size = LATIN, size
        if runs and runs[-1][1] == font:
            runs[-1] = (runs[-1][0] + char, font, font_size)
        else:
            runs.append((char, font, font_size))
    return runs


@lru_cache(maxsize=4096)
def has_glyph(font: str, char: str) -> bool:
    return ord(char) in getFont(font).face.charToGlyph


def measure(text: str, fonts: FontPair, size: float) -> float:
    return sum(_width(piece, font, font_size) for piece, font, font_size in font_runs(text, fonts, size))


def _clean(text: str) -> str:
    """Tabs become spaces; control characters go (the bidi formatting ones are Cf: they stay)."""
    text = text.replace("\t", " ")  # no-break spaces stay: they are not break points
    return "".join(c for c in text if unicodedata.category(c) != "Cc")


def _pieces(shaped: str) -> list[tuple[int, int]]:
    """(start, end) of each word with the spaces after it, in logical order."""
    return [(m.start(), m.end()) for m in re.finditer(r"[^ ]+ *| +", shaped)]


def wrap(text: str, width: float, fonts: FontPair, size: float, rtl: bool) -> list[Line]:
    """Lay out ``text`` (hard line breaks kept) in lines no wider than ``width``."""
    lines: list[Line] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2029", "\n").split("\n"):
        lines.extend(_wrap_paragraph(_clean(paragraph), width, fonts, size, rtl))
    return lines


def _wrap_paragraph(logical: str, width: float, fonts: FontPair, size: float, rtl: bool) -> list[Line]:
    shaped = shape(logical)
    if not shaped.strip():
        return [Line((), 0.0, "")]
    char_levels = levels(shaped, rtl)
    ranges: list[tuple[int, int]] = []
    start: int | None = None  # where the current line begins
    used = 0.0  # width of the current line up to the end of its last piece (spaces included)
    for a, b in _pieces(shaped):
        word_end = a + len(shaped[a:b].rstrip(" "))
        word = measure(shaped[a:word_end], fonts, size)  # widths add up: reportlab does not kern
        spaces = measure(shaped[word_end:b], fonts, size)
        if start is None:
            start, used = a, 0.0
        elif used + word > width:
            ranges.append((start, a))
            start, used = a, 0.0
        if word > width:  # one word wider than the line: cut it
            start = _cut(shaped, start, word_end, width, fonts, size, ranges)
            word = measure(shaped[start:word_end], fonts, size)
        used += word + spaces
    ranges.append((start or 0, len(shaped)))
    base = 1 if rtl else 0
    return [_line(shaped, char_levels, a, b, base, fonts, size) for a, b in ranges]


def _cut(shaped: str, start: int, stop: int, width: float, fonts: FontPair, size: float,
         ranges: list[tuple[int, int]]) -> int:
    """Append full-width pieces of an over-long word; return where its rest begins."""
    while measure(shaped[start:stop], fonts, size) > width:
        cut = start + 1
        while cut < stop and measure(shaped[start:cut + 1], fonts, size) <= width:
            cut += 1
        ranges.append((start, cut))
        start = cut
    return start


def _line(shaped: str, char_levels: list[int], a: int, b: int, base: int, fonts: FontPair,
          size: float) -> Line:
    text = shaped[a:b].rstrip(" ")
    visual = visual_order(text, char_levels[a:a + len(text)], base)
    runs = tuple(Run(piece, font, font_size, _width(piece, font, font_size))
                 for piece, font, font_size in font_runs(visual, fonts, size))
    logical = unicodedata.normalize("NFKC", text)
    return Line(runs, sum(r.width for r in runs), logical)
