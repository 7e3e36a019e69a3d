"""A horizontal bar chart drawn with QPainter (the app ships without QtCharts).

One row per value: its name on the start side (right in Arabic, left in French and
English), then the bar growing away from it, then the figure. A suppressed figure has no
count (``app.stats``: a figure suppressed to protect another may hold many cases), so it
gets no bar length either: a short hatched block of fixed width and the word "suppressed",
the same in every row, explained by the dashboard's legend (``SuppressedSwatch``).

Everything is laid out in "logical" x (distance from the start edge) and mirrored when
the widget's layout direction is right to left.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from PySide6.QtCore import QEvent, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QHelpEvent, QPainter, QPaintEvent, QPen, QTextOption
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

BAR = QColor("#1f3f73")
HATCH = QColor("#8a867d")
HATCH_BACKGROUND = QColor("#e8e6e1")
INK = QColor("#2b2924")
MUTED = QColor("#6b675e")
GRID = QColor("#d9d6cf")
MARGIN = 8
GAP = 10
SUPPRESSED_BLOCK = 26  # the hatched block's width: the same for every suppressed figure
LABEL_SHARE = 0.42  # the names take at most this share of the width (longer ones are elided)


@dataclass(frozen=True)
class Bar:
    label: str
    count: int | None  # None: suppressed
    value_text: str  # the figure as shown ("1 234", or "suppressed")

    @property
    def suppressed(self) -> bool:
        return self.count is None


def draw_text(painter: QPainter, rect: QRect, text: str, align: Qt.AlignmentFlag) -> None:
    """``text`` on one line in ``rect``, at the absolute ``align`` (a right-to-left painter
    would otherwise mirror "left" and "right" once more), in the painter's direction: the
    isolates the core puts around codes and numbers ("48+", a year) keep them in place."""
    option = QTextOption(align | Qt.AlignmentFlag.AlignAbsolute | Qt.AlignmentFlag.AlignVCenter)
    option.setWrapMode(QTextOption.WrapMode.NoWrap)
    option.setTextDirection(painter.layoutDirection())
    painter.drawText(QRectF(rect), text, option)


def paint_hatch(painter: QPainter, rect: QRect) -> None:
    painter.fillRect(rect, HATCH_BACKGROUND)
    painter.fillRect(rect, QBrush(HATCH, Qt.BrushStyle.BDiagPattern))
    painter.setPen(QPen(HATCH, 1))
    painter.drawRect(rect.adjusted(0, 0, -1, -1))


class BarChart(QWidget):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.bars: tuple[Bar, ...] = ()
        self.empty_text = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)

    def set_bars(self, bars: Sequence[Bar], empty_text: str = "") -> None:
        self.bars = tuple(bars)
        self.empty_text = empty_text
        self.setAccessibleDescription("\n".join(f"{bar.label}: {bar.value_text}" for bar in self.bars)
                                      or empty_text)
        self.updateGeometry()
        self.setFixedHeight(self.sizeHint().height())
        self.update()

    # --- geometry ---------------------------------------------------------------------------
    def row_height(self) -> int:
        return self.fontMetrics().height() + 10

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        rows = max(len(self.bars), 1)
        return QSize(420, rows * self.row_height() + 2 * MARGIN)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(240, self.sizeHint().height())

    def _columns(self) -> tuple[int, int, int]:
        """(label width, value width, bar area width) for the current width and texts."""
        metrics = self.fontMetrics()
        inner = max(self.width() - 2 * MARGIN, 60)
        label = min(max((metrics.horizontalAdvance(b.label) for b in self.bars), default=0) + 2 * GAP,
                    int(inner * LABEL_SHARE))
        value = max((metrics.horizontalAdvance(b.value_text) for b in self.bars), default=0) + GAP
        return label, value, max(inner - label - value - GAP, 20)

    def _visual(self, x: int, width: int, top: int, height: int) -> QRect:
        """A rectangle given from the start edge, placed on screen (mirrored right to left)."""
        if self.layoutDirection() == Qt.LayoutDirection.RightToLeft:
            x = self.width() - x - width
        return QRect(x, top, width, height)

    def bar_rects(self) -> list[tuple[QRect, QRect, QRect]]:
        """(name, bar, figure) rectangles of every row, on screen (tests and tooltips read them)."""
        label_w, value_w, area = self._columns()
        top_count = max((b.count for b in self.bars if b.count is not None), default=0)
        row_h = self.row_height()
        bar_h = max(row_h - 12, 6)
        rects = []
        for index, bar in enumerate(self.bars):
            top = MARGIN + index * row_h
            start = MARGIN + label_w + GAP
            if bar.count is None:
                length = min(SUPPRESSED_BLOCK, area)
            else:
                length = max(round(area * bar.count / top_count), 2) if top_count else 0
            rects.append((self._visual(MARGIN, label_w, top, row_h),
                          self._visual(start, length, top + (row_h - bar_h) // 2, bar_h),
                          self._visual(start + length + GAP // 2, value_w, top, row_h)))
        return rects

    # --- painting ---------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setLayoutDirection(self.layoutDirection())
        rtl = self.layoutDirection() == Qt.LayoutDirection.RightToLeft
        if not self.bars:
            painter.setPen(MUTED)
            edge = Qt.AlignmentFlag.AlignRight if rtl else Qt.AlignmentFlag.AlignLeft
            painter.drawText(self.rect().adjusted(MARGIN, 0, -MARGIN, 0),
                             Qt.AlignmentFlag.AlignAbsolute | Qt.AlignmentFlag.AlignVCenter | edge, self.empty_text)
            return
        metrics = self.fontMetrics()
        # Names aligned on the start edge, where a reader's eye starts (right in Arabic); each
        # figure right after the end of its bar.
        left, right = Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignRight
        start_edge, after_bar = (right, right) if rtl else (left, left)
        rects = self.bar_rects()
        axis_x = rects[0][1].right() + 1 if rtl else rects[0][1].left()
        painter.setPen(QPen(GRID, 1))
        painter.drawLine(axis_x, MARGIN, axis_x, self.height() - MARGIN)
        for bar, (name_rect, bar_rect, value_rect) in zip(self.bars, rects):
            painter.setPen(INK)
            room = name_rect.width() - GAP
            # elidedText cuts a text that fits exactly: only a name that does not fit is shortened.
            name = bar.label if metrics.horizontalAdvance(bar.label) <= room else \
                metrics.elidedText(bar.label, Qt.TextElideMode.ElideRight, room)
            draw_text(painter, name_rect, name, start_edge)
            if bar.suppressed:
                paint_hatch(painter, bar_rect)
                painter.setPen(MUTED)
            elif bar_rect.width() > 0:
                painter.fillRect(bar_rect, BAR)
                painter.setPen(INK)
            draw_text(painter, value_rect, bar.value_text, after_bar)
        painter.end()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            for bar, rects in zip(self.bars, self.bar_rects()):
                if any(r.contains(event.pos()) for r in rects) or rects[0].united(rects[2]).contains(event.pos()):
                    QToolTip.showText(event.globalPos(), f"{bar.label}: {bar.value_text}", self)
                    return True
            QToolTip.hideText()
            event.ignore()
            return True
        return super().event(event)


class SuppressedSwatch(QWidget):
    """The legend's sample of a suppressed figure: the same hatched block as in the charts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("suppressedSwatch")
        self.setFixedSize(SUPPRESSED_BLOCK, 16)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        paint_hatch(painter, self.rect())
        painter.end()
