"""PDF exports with correct Arabic: shaped, joined letters, right to left, in the shipped fonts.

``app.reports`` is pure Python (reportlab, arabic-reshaper, python-bidi), no Qt. See
docs/REPORTS.md for how right-to-left text is laid out.
"""

from __future__ import annotations

from app.reports.document import ExportStamp, build_pdf, new_story
from app.reports.flowables import BidiParagraph, Story, TextStyle
from app.reports.sample import render_sample

__all__ = ["BidiParagraph", "ExportStamp", "Story", "TextStyle", "build_pdf", "new_story", "render_sample"]
