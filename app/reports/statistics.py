"""The anonymised statistics report: the filters, the suppression rule, a bar chart for each
dimension and the cross-tabulations as tables, in Arabic, French or English.

The charts are reportlab.graphics bar charts (bars and value axis); their words are laid
out by the PDF layer (``bidi_layout.wrap``: shaped, reordered, one font per run) and drawn
as strings beside the bars, so Arabic category names are joined and read right to left, and
copy out of the PDF as text. In Arabic a chart is mirrored: names on the right, bars
growing to the left. Only published figures are drawn: a suppressed one has no bar and
says "suppressed".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Sequence

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String

from app.reports.bidi_layout import Line, wrap
from app.reports.document import ExportStamp, build_pdf, new_story
from app.reports.flowables import ACCENT, INK, MUTED, RULE, Story, text_is_rtl
from app.reports.fonts import FontPair, fonts_for
from app.stats import (
    MULTI_VALUED, Dimension, StatsTable, Tabulation, dimension_label, value_label,
)
from app.text import N_
from i18n.bidi import fill, isolate
from i18n.formatting import format_date, format_number

Translate = Callable[[str], str]

TITLE = N_("Anonymised statistics")
SUBTITLE = N_("National Referral Mechanism for victims of trafficking")
SUPPRESSED = N_("suppressed")
SUPPRESSED_MARK = "×"
RULE_TEXT = N_(
    "Figures count cases. Every figure under {k} is suppressed, as the Counter-Trafficking Data "
    "Collaborative does, and so is a further figure wherever a suppressed one could otherwise be worked out "
    "from a total. Suppressed figures are marked {mark} and have no bar.")
REASON_TEXT = N_("Reason for the export: {reason}")
MULTI_TEXT = N_("A case referred for several categories counts once in each: these figures do not add up to "
                "the total.")
QUARTERS_PER_TABLE = 6
BAR_PITCH = 13.0
AXIS_SPACE = 14.0
CHART_PAD = 6.0


@dataclass(frozen=True)
class StatisticsReport:
    """What the report shows: the published table and who exported it, why."""

    table: StatsTable
    reason: str
    exported_by: str
    device: str
    exported_at: datetime


def statistics_pdf(report: StatisticsReport, language: str, translate: Translate) -> bytes:
    story = new_story(language)
    _Writer(story, report, language, translate).write()
    return build_pdf(story, language=language, translate=translate, title=translate(TITLE),
                     stamp=ExportStamp(report.exported_by, report.exported_at, report.device))


class _Writer:
    def __init__(self, story: Story, report: StatisticsReport, language: str, translate: Translate) -> None:
        self.story, self.report, self.language, self.t = story, report, language, translate
        self.table = report.table

    def label(self, dimension: Dimension, value: str) -> str:
        return value_label(dimension, value, self.language, self.t)

    def number(self, count: int | None) -> str:
        return SUPPRESSED_MARK if count is None else format_number(count, self.language)

    def write(self) -> None:
        t, story = self.t, self.story
        story.title(t(TITLE))
        story.paragraph(t(SUBTITLE), story.styles.small.but(align="center", space_after=6.0))
        story.fields(self.facts(), columns=2)
        story.paragraph(fill(t(REASON_TEXT), reason=self.report.reason), story.styles.body.but(space_before=6.0))
        story.paragraph(fill(t(RULE_TEXT), k=self.table.k, mark=SUPPRESSED_MARK),
                        story.styles.small.but(space_before=6.0))
        for tab in self.table.one_way:
            self.one_way(tab)
        for tab in self.table.crosstabs:
            self.crosstab(tab)

    def facts(self) -> list[tuple[str, str]]:
        t, f = self.t, self.table.filters
        start = format_date(f.period_from, self.language) if f.period_from else t(N_("the first case"))
        end = format_date(f.period_to, self.language) if f.period_to else t(N_("today"))
        region = value_label(Dimension.REGION, f.region, self.language, t) if f.region else t(N_("All regions"))
        scope = isolate(f.scope) if f.scope else t(N_("All scopes"))
        total = self.number(self.table.total)
        return [
            (t(N_("Period of detection")), fill(t(N_("{start} to {end}")), start=start, end=end)),
            (t(N_("Region")), region),
            (t(N_("Scope")), scope),
            (t(N_("Cases counted")), total),
            (t(N_("Figures published")), format_number(self.table.cell_count - self.table.suppressed_count,
                                                       self.language)),
            (t(N_("Figures suppressed")), format_number(self.table.suppressed_count, self.language)),
        ]

    def one_way(self, tab: Tabulation) -> None:
        dim = tab.dimensions[0]
        self.story.heading(dimension_label(dim, self.t))
        if not tab.cells:
            self.story.paragraph(self.t(N_("No cases.")))
            return
        items = [(self.label(dim, cell.values[0]), cell.count) for cell in tab.cells]
        self.story.add(bar_chart(items, self.story.width, self.language, self.t(SUPPRESSED)))
        if dim in MULTI_VALUED:
            self.story.paragraph(self.t(MULTI_TEXT), self.story.styles.small)

    def crosstab(self, tab: Tabulation) -> None:
        story, t = self.story, self.t
        names = [dimension_label(d, t) for d in tab.dimensions]
        story.heading(" × ".join(names))
        if not tab.cells:
            story.paragraph(t(N_("No cases.")))
            return
        if len(tab.dimensions) == 2:
            self.grid(tab)
            return
        rows = [[self.label(d, v) for d, v in zip(tab.dimensions, cell.values)] + [self.number(cell.count)]
                for cell in tab.cells]
        story.table([*names, t(N_("Cases"))], rows, [1.0] * len(names) + [0.5])

    def grid(self, tab: Tabulation) -> None:
        """Rows by the first dimension, columns by the second (a few at a time)."""
        rows_dim, cols_dim = tab.dimensions
        rows, cols = tab.values(0), tab.values(1)
        for start in range(0, len(cols), QUARTERS_PER_TABLE):
            part = cols[start:start + QUARTERS_PER_TABLE]
            header = [dimension_label(rows_dim, self.t), *(self.label(cols_dim, c) for c in part)]
            body = [[self.label(rows_dim, r), *(self.number(tab.count(r, c)) for c in part)] for r in rows]
            self.story.table(header, body, [2.2] + [1.0] * len(part))
            self.story.spacer(6.0)


def bar_chart(items: Sequence[tuple[str, int | None]], width: float, language: str, suppressed: str) -> Drawing:
    """A horizontal bar chart: one bar per (name, count), first at the top; None: suppressed."""
    rtl = language == "ar"
    fonts = fonts_for(language)
    size = 9.0 if rtl else 7.5
    label_width = width * 0.36
    count_width = 40.0
    height = len(items) * BAR_PITCH + AXIS_SPACE + CHART_PAD
    drawing = Drawing(width, height)
    top = max((n for _, n in items if n is not None), default=0)
    step = _nice_step(top)
    chart = HorizontalBarChart()
    chart.y, chart.height = AXIS_SPACE, len(items) * BAR_PITCH
    chart.width = width - label_width - count_width - 8
    chart.x = count_width if rtl else label_width + 8
    chart.data = [tuple(n or 0 for _, n in items)]
    chart.valueAxis.valueMin, chart.valueAxis.valueStep = 0, step
    chart.valueAxis.valueMax = step * max(1, -(-top // step))
    chart.valueAxis.reverseDirection = int(rtl)
    chart.valueAxis.labels.fontName, chart.valueAxis.labels.fontSize = fonts.other, size - 1
    chart.valueAxis.labels.fillColor = MUTED
    chart.valueAxis.visibleGrid, chart.valueAxis.gridStrokeColor, chart.valueAxis.gridStrokeWidth = 1, RULE, 0.3
    chart.valueAxis.strokeColor = RULE
    chart.valueAxis.visibleLabels = int(top > 0)  # every figure suppressed: no scale to read
    chart.categoryAxis.reverseDirection = 1  # the first item at the top
    chart.categoryAxis.visibleLabels = 0
    chart.categoryAxis.visibleTicks = 0
    chart.categoryAxis.strokeColor = RULE
    chart.barWidth, chart.groupSpacing = 9, 4
    chart.bars[0].fillColor, chart.bars[0].strokeColor = ACCENT, None
    drawing.add(chart)
    scale = chart.width / chart.valueAxis.valueMax
    for index, (name, count) in enumerate(items):
        middle = chart.y + chart.height - (index + 0.5) * BAR_PITCH - size * 0.32
        label = _one_line(name, label_width, fonts, size, rtl)
        _draw(drawing, label, width - label.width if rtl else 0.0, middle, muted=False)
        text = suppressed if count is None else format_number(count, language)
        figure = _one_line(text, count_width + chart.width, fonts, size - 0.5, rtl)
        length = (count or 0) * scale + 3
        if rtl:
            x = chart.x + chart.width - length - figure.width
        else:
            x = chart.x + length
        _draw(drawing, figure, x, middle, muted=count is None)
    return drawing


def _nice_step(top: int) -> int:
    """A round tick step giving at most six intervals up to ``top``."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if top <= step * factor * 6:
                return step * factor
        step *= 10


def _one_line(text: str, width: float, fonts: FontPair, size: float, rtl_document: bool) -> Line:
    """``text`` on one line of ``width``: smaller type for a long name, and only then cut at
    a space (the rest of a very long name is left out)."""
    rtl = text_is_rtl(text, "auto", rtl_document)
    for factor in (1.0, 0.88, 0.76):
        lines = wrap(text, width, fonts, size * factor, rtl)
        if len(lines) == 1:
            return lines[0]
    return lines[0]


def _draw(drawing: Drawing, line: Line, x: float, baseline: float, *, muted: bool) -> None:
    for run in line.runs:
        drawing.add(String(x, baseline, run.text, fontName=run.font, fontSize=run.size,
                           fillColor=MUTED if muted else INK))
        x += run.width
