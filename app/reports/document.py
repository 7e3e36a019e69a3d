"""A4 documents: every page watermarked and numbered, built in memory.

The PDF is made in a ``BytesIO`` and returned as bytes: no temporary file ever holds case
content; the caller writes the one file the user chose. Each page carries

- a light diagonal mark, "سري — confidential" with who exported it, when and on which device,
  drawn beneath the content so it never hides a word (a picture, so that copying the
  page's text does not pick up its letters);
- a footer band with the same facts in the document's language and "page X of Y" (the
  total is known only at the end, so the footers are drawn when the canvas is saved).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Callable, Sequence

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate

from app.reports.bidi_layout import Line, wrap
from app.reports.flowables import MUTED, RULE, Story, TextStyle, draw_runs, text_is_rtl
from app.reports.fonts import font_path, fonts_for, register_fonts
from app.text import N_
from i18n.bidi import fill, isolate
from i18n.formatting import format_datetime

Translate = Callable[[str], str]

PAGE = A4
MARGIN_SIDE = 18 * mm
MARGIN_TOP = 16 * mm
MARGIN_BOTTOM = 24 * mm  # room for the footer band
FRAME_WIDTH = PAGE[0] - 2 * MARGIN_SIDE

#: The diagonal mark: the Arabic word is kept in every language (the documents circulate in
#: a bilingual administration), with the Latin word of the document's language.
CONFIDENTIAL_MARK = {"ar": "سري — confidential", "fr": "سري — confidentiel", "en": "سري — confidential"}
FOOTER = N_("Confidential. Exported by {user} on {date}, device {device}.")
PAGE_OF = N_("Page {page} of {pages}")
MARK_RGBA = (110, 112, 125, 44)  # light grey, mostly transparent
_MARK_FORM = "HimayaConfidentialMark"
#: The last few marks drawn, by language and stamp (no case content in them).
_MARKS: dict[tuple[str, str], tuple[ImageReader, float, float]] = {}


#: Canvas attributes a ``RunningHead`` sets: the text, and the page it was placed on.
_HEAD, _HEAD_PAGE = "_himaya_head", "_himaya_head_page"


class RunningHead(Flowable):
    """Takes no room; names the document part (a case) at the top of the pages that follow.

    The head is printed from the page after the one where it is placed (that page has the
    part's own title) until the next ``RunningHead``: a page torn from a printed batch
    still says which case it belongs to.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 - reportlab API
        return 0.0, 0.0

    def draw(self) -> None:
        setattr(self.canv, _HEAD, self.text)
        setattr(self.canv, _HEAD_PAGE, self.canv.getPageNumber())


@dataclass(frozen=True)
class ExportStamp:
    """Who exported a document, when and on which device (printed on every page)."""

    exported_by: str
    exported_at: datetime
    device: str


def new_story(language: str) -> Story:
    """A story sized for the page frame of ``build_pdf``."""
    register_fonts()
    return Story(language, FRAME_WIDTH)


def build_pdf(story: Story | Sequence[Flowable], *, language: str, translate: Translate, stamp: ExportStamp,
              title: str, tz: str | None = None) -> bytes:
    """The document as PDF bytes. ``title`` goes into the PDF's properties: no case content."""
    register_fonts()
    flowables = list(story.items if isinstance(story, Story) else story)
    when = format_datetime(stamp.exported_at, language, tz)
    page = _PageFurniture(language, translate, stamp, when)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=PAGE, leftMargin=MARGIN_SIDE, rightMargin=MARGIN_SIDE, topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM, title=title, author="", subject="", creator="Himaya", lang=language,
    )
    doc.build(flowables, onFirstPage=page.mark, onLaterPages=page.mark,
              canvasmaker=partial(_NumberedCanvas, footer=page.footer))
    return buffer.getvalue()


class _PageFurniture:
    def __init__(self, language: str, translate: Translate, stamp: ExportStamp, when: str) -> None:
        self.language = language
        self.rtl = language == "ar"
        self.translate = translate
        self.stamp = stamp
        self.when = when
        self._mark: tuple[ImageReader, float, float] | None = None

    def mark(self, canv: Canvas, doc: Any) -> None:
        """The diagonal confidentiality mark, under the page's content.

        Drawn once into a form (a PDF XObject) that every page then places: drawing the
        picture on each page would make reportlab hash its pixels again on each page."""
        if self._mark is None:
            self._mark = self._mark_image()
            image, width, height = self._mark
            canv.beginForm(_MARK_FORM)
            canv.translate(PAGE[0] / 2, PAGE[1] / 2)
            canv.rotate(38)
            canv.drawImage(image, -width / 2, -height / 2, width, height, mask="auto")
            canv.endForm()
        canv.doForm(_MARK_FORM)

    def _mark_image(self) -> tuple[ImageReader, float, float]:
        """The mark as a picture: as text it would be mixed into the page's words when they
        are copied or read aloud (PDF readers ignore the "artifact" marking). Made once and
        shared by every page, and by the next documents of the same export (a batch of files):
        it names who, when and where, never a case."""
        who = " · ".join(isolate(x) for x in (self.stamp.exported_by, self.when, self.stamp.device))
        key = (self.language, who)
        if key not in _MARKS:
            if len(_MARKS) >= 4:
                _MARKS.clear()
            _MARKS[key] = self._draw_mark(who)
        return _MARKS[key]

    def _draw_mark(self, who: str) -> tuple[ImageReader, float, float]:
        mark = CONFIDENTIAL_MARK.get(self.language, CONFIDENTIAL_MARK["en"])
        lines = [(self._line(mark, TextStyle(size=50, bold=True)), 0.0), (self._line(who, TextStyle(size=13)), -30.0)]
        width = max(line.width for line, _ in lines) + 20
        top, bottom = 50 * 1.25, -30 - 13 * 0.9  # room for Amiri's tall letters
        scale = 3.0  # pixels per point (216 dpi)
        picture = Image.new("RGBA", (int(width * scale), int((top - bottom) * scale)), (0, 0, 0, 0))
        draw = ImageDraw.Draw(picture)
        for line, baseline in lines:
            x = (width - line.width) / 2
            for run in line.runs:
                face = ImageFont.truetype(str(font_path(run.font)), run.size * scale,
                                          layout_engine=ImageFont.Layout.BASIC)  # already shaped and ordered
                draw.text((x * scale, (top - baseline) * scale), run.text, font=face, fill=MARK_RGBA, anchor="ls")
                x += run.width
        return ImageReader(picture), width, top - bottom

    def _line(self, text: str, style: TextStyle) -> Line:
        fonts = fonts_for(self.language, bold=style.bold)
        return wrap(text, 10_000, fonts, style.size, text_is_rtl(text, "auto", self.rtl))[0]

    def footer(self, canv: Canvas, page: int, pages: int) -> None:
        """The footer band: who exported, when, where; page X of Y."""
        t = self.translate
        style = TextStyle(size=7.5 if self.language != "ar" else 8.5, leading=11)
        fonts = fonts_for(self.language)
        numbers_text = fill(t(PAGE_OF), page=page, pages=pages)
        numbers = wrap(numbers_text, FRAME_WIDTH, fonts, style.size, text_is_rtl(numbers_text, "auto", self.rtl))[0]
        stamp = fill(t(FOOTER), user=self.stamp.exported_by, date=self.when, device=self.stamp.device)
        lines = wrap(stamp, FRAME_WIDTH - numbers.width - 12, fonts, style.size,
                     text_is_rtl(stamp, "auto", self.rtl))[:2]
        top = MARGIN_BOTTOM - 9 * mm
        canv.saveState()
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.6)
        canv.line(MARGIN_SIDE, top + 3, PAGE[0] - MARGIN_SIDE, top + 3)
        canv.setFillColor(MUTED)
        left, right = MARGIN_SIDE, PAGE[0] - MARGIN_SIDE
        for index, line in enumerate(lines):
            y = top - 9 - index * style.leading
            draw_runs(canv, line, right - line.width if self.rtl else left, y)
        draw_runs(canv, numbers, left if self.rtl else right - numbers.width, top - 9)
        head = getattr(canv, _HEAD, None)
        if head and getattr(canv, _HEAD_PAGE, page) != page:
            line = wrap(head, FRAME_WIDTH, fonts, style.size, text_is_rtl(head, "auto", self.rtl))[0]
            y = PAGE[1] - MARGIN_TOP + 5 * mm
            draw_runs(canv, line, right - line.width if self.rtl else left, y)
            canv.line(MARGIN_SIDE, y - 4, PAGE[0] - MARGIN_SIDE, y - 4)
        canv.restoreState()


class _NumberedCanvas(Canvas):
    """Keeps each page until the end, then draws its footer knowing the page count."""

    def __init__(self, *args: Any, footer: Callable[[Canvas, int, int], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab API
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            for name in (_HEAD, _HEAD_PAGE):  # a page without a head does not take the last page's
                self.__dict__.pop(name, None)
            self.__dict__.update(state)
            self._footer(self, number, total)
            super().showPage()
        super().save()
