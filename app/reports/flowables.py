"""Platypus building blocks that set Arabic and Latin text correctly in either direction.

``BidiParagraph`` wraps its text with ``bidi_layout`` (logical wrap, then shaping and
reordering per line) and draws the visual lines; it splits across pages by whole lines.
``Story`` assembles a document's flowables for one language: paragraphs, headings, bullet
lists, label/value tables and multi-column tables whose columns run right to left in
Arabic and left to right in French and English.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Sequence

from reportlab.lib import colors
from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from app.reports.bidi_layout import Line, dominant_rtl, wrap
from app.reports.fonts import fonts_for, is_arabic

INK = colors.HexColor("#1B1F24")
MUTED = colors.HexColor("#5B6470")
ACCENT = colors.HexColor("#1F3A5F")
RULE = colors.HexColor("#B8C0CC")
LABEL_FILL = colors.HexColor("#EEF1F5")
ZEBRA = colors.HexColor("#F7F8FA")
#: The label column's share of the frame width in label/value tables.
LABEL_SHARE = 0.17
LABEL_SHARE_LATIN = 0.2  # French and English labels are longer
GAP = 12.0  # between blocks set side by side
URGENT = colors.HexColor("#9B1C1C")


@dataclass(frozen=True)
class TextStyle:
    size: float = 10.0
    leading: float = 15.0
    bold: bool = False
    color: Color = INK
    align: str = "start"  # start | end | center (start is the right edge in Arabic)
    #: "auto": the direction of most of the text's letters (a Latin name in an Arabic form
    #: reads left to right, an English fallback of an untranslated label too), else the
    #: document's; "document"; "rtl"; "ltr". Phone numbers and other digit groups go in a
    #: left-to-right isolate (i18n.bidi.isolate_ltr) so that their groups keep their order.
    direction: str = "auto"
    space_before: float = 0.0
    space_after: float = 0.0
    indent: float = 0.0  # on the start side
    bullet: str | None = None

    def but(self, **changes: Any) -> "TextStyle":
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class Styles:
    body: TextStyle
    small: TextStyle
    label: TextStyle
    value: TextStyle
    title: TextStyle
    heading: TextStyle
    subheading: TextStyle
    header_cell: TextStyle


def styles_for(language: str) -> Styles:
    """Sizes per script: Amiri's Arabic needs a larger size and more leading than Noto Sans."""
    if language == "ar":
        body = TextStyle(size=11.0, leading=17.5)
        small = TextStyle(size=9.0, leading=14.0, color=MUTED)
    else:
        body = TextStyle(size=9.5, leading=13.5)
        small = TextStyle(size=8.0, leading=11.0, color=MUTED)
    return Styles(
        body=body,
        small=small,
        label=small.but(color=MUTED, bold=True),
        value=body,
        title=body.but(size=body.size * 1.6, leading=body.leading * 1.55, bold=True, color=ACCENT,
                       align="center", space_after=4.0),
        heading=body.but(size=body.size * 1.2, leading=body.leading * 1.2, bold=True, color=ACCENT,
                         space_before=9.0, space_after=3.0),
        subheading=body.but(bold=True, space_before=5.0, space_after=1.0),
        header_cell=small.but(bold=True, color=colors.white),
    )


class BidiParagraph(Flowable):
    """A paragraph wrapped in logical order and drawn as shaped, reordered visual lines."""

    def __init__(self, text: str, style: TextStyle, language: str) -> None:
        super().__init__()
        self.text = text
        self.style = style
        self.language = language
        self.rtl_document = language == "ar"
        self.rtl = text_is_rtl(text, style.direction, self.rtl_document)
        self.fonts = fonts_for(language, bold=style.bold)
        self.leading = style.leading
        if self.fonts.arabic_scale > 1 and any(is_arabic(c) for c in text):  # taller Arabic letters
            self.leading = max(style.leading, style.size * self.fonts.arabic_scale * 1.5)
        self.lines: list[Line] = []
        self.spaceBefore = style.space_before
        self.spaceAfter = style.space_after

    def _text_width(self, width: float) -> float:
        return max(width - self.style.indent, self.style.size)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 - reportlab API
        width = self._text_width(availWidth)
        if width != getattr(self, "_wrapped_for", None):  # tables wrap each cell more than once
            self.lines = wrap(self.text, width, self.fonts, self.style.size, self.rtl)
            self._wrapped_for = width
        self.width = availWidth
        self.height = len(self.lines) * self.leading
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803 - reportlab API
        self.wrap(availWidth, availHeight)
        fit = int(availHeight // self.leading)
        if fit < 2 or fit >= len(self.lines):  # never leave a single line behind (a widow)
            return [] if fit < len(self.lines) else [self]
        first = _LaidOut(self, self.lines[:fit], last=False)
        rest = _LaidOut(self, self.lines[fit:], last=True)
        return [first, rest]

    def draw(self) -> None:
        draw_lines(self.canv, self.lines, self.style, self.width, self.height, rtl_document=self.rtl_document,
                   language=self.language, leading=self.leading)


class _LaidOut(Flowable):
    """Part of a paragraph split across pages, with its lines already made."""

    def __init__(self, source: BidiParagraph, lines: list[Line], *, last: bool) -> None:
        super().__init__()
        self.source = source
        self.lines = lines
        self.spaceBefore = 0.0 if last else source.spaceBefore
        self.spaceAfter = source.spaceAfter if last else 0.0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 - reportlab API
        self.width = availWidth
        self.height = len(self.lines) * self.source.leading
        return self.width, self.height

    def draw(self) -> None:
        draw_lines(self.canv, self.lines, self.source.style, self.width, self.height,
                   rtl_document=self.source.rtl_document, language=self.source.language, leading=self.source.leading)


def text_is_rtl(text: str, direction: str, rtl_document: bool) -> bool:
    """Whether ``text`` is laid out right to left, per a style's ``direction``."""
    if direction == "rtl":
        return True
    if direction == "ltr":
        return False
    if direction == "auto":
        found = dominant_rtl(text)
        return rtl_document if found is None else found
    return rtl_document


def draw_lines(canv: Canvas, lines: Sequence[Line], style: TextStyle, width: float, height: float, *,
               rtl_document: bool, language: str, leading: float | None = None) -> None:
    """Draw laid-out lines from the top of a box ``width`` × ``height`` (aligned per style)."""
    leading = leading or style.leading
    start_right = rtl_document  # the start side follows the document, not the line
    left = 0.0 if start_right else style.indent
    right = width - style.indent if start_right else width
    canv.saveState()
    canv.setFillColor(style.color)
    for index, line in enumerate(lines):
        baseline = height - index * leading - leading / 2 - style.size * 0.3
        if style.align == "center":
            x = left + (right - left - line.width) / 2
        elif (style.align == "start") == start_right:
            x = right - line.width
        else:
            x = left
        draw_runs(canv, line, x, baseline)
        if index == 0 and style.bullet:
            fonts = fonts_for(language, bold=style.bold)
            bullet = wrap(style.bullet, width, fonts, style.size, rtl_document)[0]
            bx = width - style.indent * 0.6 if start_right else style.indent * 0.6 - bullet.width
            draw_runs(canv, bullet, bx, baseline)
    canv.restoreState()


def draw_runs(canv: Canvas, line: Line, x: float, baseline: float) -> None:
    for run in line.runs:
        canv.setFont(run.font, run.size)
        canv.drawString(x, baseline, run.text)
        x += run.width


class Story:
    """The flowables of one document in one language, added in reading order."""

    def __init__(self, language: str, width: float) -> None:
        self.language = language
        self.rtl = language == "ar"
        self.width = width
        self.styles = styles_for(language)
        self.items: list[Flowable] = []

    def add(self, *flowables: Flowable) -> None:
        self.items.extend(flowables)

    def para(self, text: str, style: TextStyle | None = None) -> BidiParagraph:
        return BidiParagraph(text, style or self.styles.body, self.language)

    def paragraph(self, text: str, style: TextStyle | None = None) -> None:
        self.add(self.para(text, style))

    def title(self, text: str) -> None:
        self.paragraph(text, self.styles.title)

    def heading(self, text: str) -> None:
        """A section heading with a rule under it, kept with what follows."""
        heading, rule = BidiParagraph(text, self.styles.heading, self.language), Rule(self.width, ACCENT, 0.8)
        heading.keepWithNext = rule.keepWithNext = True
        self.add(heading, rule)

    def subheading(self, text: str) -> None:
        heading = self.para(text, self.styles.subheading)
        heading.keepWithNext = True
        self.add(heading)

    def bullets(self, items: Sequence[str], style: TextStyle | None = None) -> None:
        base = style or self.styles.body
        for item in items:
            self.paragraph(item, base.but(bullet="•", indent=base.size * 1.4, space_after=1.0))

    def spacer(self, height: float) -> None:
        self.add(Spacer(self.width, height))

    def fields(self, rows: Sequence[tuple[str, str]], *, columns: int = 1) -> None:
        """Label/value rows, the label on the start side; ``columns`` pairs side by side."""
        if rows:
            self.add(self.fields_table(rows, columns=columns))

    def fields_table(self, rows: Sequence[tuple[str, str]], *, columns: int = 1, width: float | None = None) -> Table:
        """The table of ``fields``, ``width`` wide. Label columns have the same width in tables
        of one or two pairs per row, so stacked tables line up."""
        width = width or self.width
        label = (LABEL_SHARE if self.rtl else LABEL_SHARE_LATIN) * self.width / width
        pairs = [(self.para(lab, self.styles.label), self.para(value or "—", self.styles.value)) for lab, value in rows]
        while len(pairs) % columns:
            pairs.append((self.para("", self.styles.label), self.para("", self.styles.value)))
        data = [[cell for pair in pairs[i:i + columns] for cell in pair] for i in range(0, len(pairs), columns)]
        shares = [label, 1 / columns - label] * columns
        table = self._table(data, shares, header=False, width=width)
        labels = [2 * i for i in range(columns)]
        if self.rtl:
            labels = [len(shares) - 1 - i for i in labels]
        table.setStyle(TableStyle([("BACKGROUND", (i, 0), (i, -1), LABEL_FILL) for i in labels]))
        return table

    def side_by_side(self, first: Sequence[Flowable], second: Sequence[Flowable]) -> None:
        """Two blocks in columns, ``first`` on the start side; build them ``half_width`` wide."""
        cells = [list(first), list(second)]
        if self.rtl:
            cells.reverse()
        table = Table([cells], colWidths=[self.half_width + GAP / 2] * 2, spaceBefore=GAP * 0.75)
        table.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (0, 0), 0), ("RIGHTPADDING", (0, 0), (0, 0), GAP / 2),
            ("LEFTPADDING", (1, 0), (1, 0), GAP / 2), ("RIGHTPADDING", (1, 0), (1, 0), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ]))
        self.add(table)

    @property
    def half_width(self) -> float:
        return (self.width - GAP) / 2

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], shares: Sequence[float]) -> None:
        """A multi-column table (first column on the start side), its header repeated per page."""
        data = [[self.para(text, self.styles.header_cell) for text in header]]
        data += [[self.para(text or "—", self.styles.value.but(size=self.styles.body.size * 0.95))
                  for text in row] for row in rows]
        table = self._table(data, list(shares), header=True)
        zebra = [("BACKGROUND", (0, i), (-1, i), ZEBRA) for i in range(2, len(data), 2)]
        table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), ACCENT), *zebra]))
        self.add(table)

    def _table(self, data: list[list[Flowable]], shares: list[float], *, header: bool,
               width: float | None = None) -> Table:
        total = sum(shares)
        widths = [(width or self.width) * share / total for share in shares]
        if self.rtl:  # columns run from right to left
            data = [list(reversed(row)) for row in data]
            widths = list(reversed(widths))
        table = Table(data, colWidths=widths, repeatRows=1 if header else 0, hAlign="CENTER")
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, RULE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 5),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]))
        return table

    def letterhead(self, right: list[Flowable], left: list[Flowable]) -> None:
        """Two blocks side by side whatever the direction (Arabic right, Latin left), then a rule."""
        table = Table([[left, right]], colWidths=[self.width / 2] * 2)
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
        self.add(table, Rule(self.width, ACCENT, 1.2, space=4.0))

    def checkboxes(self, labels: Sequence[str], style: TextStyle | None = None) -> None:
        """Empty boxes to tick by hand, each followed by its label, in reading order."""
        self.add(CheckBoxes(labels, style or self.styles.body, self.language))

    def blank_line(self, label: str, style: TextStyle | None = None) -> None:
        """A label and a line to write on, filling the rest of the width."""
        self.add(BlankLine(label, style or self.styles.body, self.language))

    def keep_together(self, count: int) -> None:
        """Keep the last ``count`` flowables on one page (a small section, a signature block)."""
        group, self.items = self.items[-count:], self.items[:-count]
        self.items.append(KeepTogether(group))


class Rule(Flowable):
    """A horizontal line the width of the frame."""

    def __init__(self, width: float, color: Color = RULE, thickness: float = 0.5, space: float = 3.0) -> None:
        super().__init__()
        self.width, self.color, self.thickness, self.space = width, color, thickness, space

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 - reportlab API
        self.width = availWidth
        return availWidth, self.thickness + self.space

    def draw(self) -> None:
        self.canv.saveState()
        self.canv.setStrokeColor(self.color)
        self.canv.setLineWidth(self.thickness)
        self.canv.line(0, self.space, self.width, self.space)
        self.canv.restoreState()


class CheckBoxes(Flowable):
    """A row of empty boxes with labels, laid out from the start side."""

    def __init__(self, labels: Sequence[str], style: TextStyle, language: str) -> None:
        super().__init__()
        self.labels, self.style, self.language = list(labels), style, language
        self.rtl = language == "ar"
        self.spaceBefore, self.spaceAfter = 4.0, 2.0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 - reportlab API
        self.width = availWidth
        self.height = self.style.leading * 1.3
        return self.width, self.height

    def draw(self) -> None:
        fonts = fonts_for(self.language, bold=self.style.bold)
        box = self.style.size * 1.1
        gap = self.style.size * 0.6
        baseline = self.height / 2 - self.style.size * 0.3
        x = self.width if self.rtl else 0.0
        canv = self.canv
        canv.saveState()
        canv.setStrokeColor(INK)
        canv.setFillColor(self.style.color)
        canv.setLineWidth(0.8)
        for label in self.labels:
            line = wrap(label, self.width, fonts, self.style.size, text_is_rtl(label, "auto", self.rtl))[0]
            box_x = x - box if self.rtl else x
            canv.rect(box_x, baseline - box * 0.15, box, box, stroke=1, fill=0)
            text_x = box_x - gap - line.width if self.rtl else box_x + box + gap
            draw_runs(canv, line, text_x, baseline)
            step = box + gap + line.width + self.style.size * 3
            x = x - step if self.rtl else x + step
        canv.restoreState()


class BlankLine(Flowable):
    """"Label: ________" — a line to fill in by hand."""

    def __init__(self, label: str, style: TextStyle, language: str) -> None:
        super().__init__()
        self.label, self.style, self.language = label, style, language
        self.rtl = language == "ar"
        self.spaceBefore = style.space_before

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 - reportlab API
        self.width = availWidth
        self.height = self.style.leading * 1.2
        return self.width, self.height

    def draw(self) -> None:
        fonts = fonts_for(self.language, bold=self.style.bold)
        baseline = self.style.size * 0.35
        canv = self.canv
        canv.saveState()
        canv.setFillColor(MUTED)
        width = 0.0
        if self.label:
            text = self.label + (" :" if self.language == "fr" else ":")
            line = wrap(text, self.width, fonts, self.style.size, text_is_rtl(text, "auto", self.rtl))[0]
            draw_runs(canv, line, self.width - line.width if self.rtl else 0.0, baseline)
            width = line.width + self.style.size * 0.5
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.7)
        canv.setDash(1, 2)
        if self.rtl:
            canv.line(0, baseline - 2, self.width - width, baseline - 2)
        else:
            canv.line(width, baseline - 2, self.width, baseline - 2)
        canv.restoreState()
