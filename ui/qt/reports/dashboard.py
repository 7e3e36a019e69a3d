"""The statistics dashboard: the anonymised figures of the statistics export, as charts.

For supervisors (their scope) and the secretariat (every scope) — ``StatisticsService``
refuses anyone else, and the workspace does not offer it to them. Looking is not
exporting: no reason is asked and nothing is audited until "Export…".

The figures are computed on the database worker (``StatisticsService.compute``; 100,000
cases take seconds), never on the GUI thread. Filters are applied a moment after the last
change; each computation carries a generation number and the previous one is cancelled, so
a result that arrives after the filters changed again is dropped instead of being shown
under the newer filters. The old charts stay until the new figures arrive.

Suppressed figures (``app.stats``: fewer than k = 11 cases, or hidden so that one cannot
be worked out from a total) have no count; they are drawn as a hatched block and the word
"suppressed", explained by the legend.
"""

from __future__ import annotations

from datetime import date
from typing import Callable

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox, QDateEdit, QDialog, QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QStyle,
    QVBoxLayout, QWidget,
)

from app.stats import (
    DIMENSIONS, MULTI_VALUED, Dimension, StatsTable, Tabulation, dimension_label, region_codes, value_label,
)
from app.text import N_
from i18n.formatting import format_number
from ui.qt.cases.widgets import date_box, error_label, hint_label
from ui.qt.context import AppContext, Locked
from ui.qt.lang import language, render_error, tr, trf
from ui.qt.ops import Cancel, Operation
from ui.qt.reports.bar_chart import Bar, BarChart, SuppressedSwatch
from ui.qt.reports.stats_export import StatsExportDialog, saved_text

#: Filters are applied this long after the last change (a date typed digit by digit computes once).
APPLY_DELAY_MS = 250
QUARTERS_OFFERED = 8
SUPPRESSED = N_("suppressed")  # the word of the PDF report (app.reports.statistics)
MULTI_TEXT = N_("A case referred for several categories counts once in each: these figures do not add up to "
                "the total.")
CHART_COLUMNS = 2

ALL_DATES, THIS_YEAR, LAST_YEAR, CHOSEN = "all", "this_year", "last_year", "chosen"


def quarter_range(code: str) -> tuple[date, date]:
    """``2025-Q3`` → its first and last day."""
    year, quarter = int(code[:4]), int(code[-1])
    first = date(year, 3 * quarter - 2, 1)
    last = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return first, date.fromordinal(last.toordinal() - 1)


def recent_quarters(today: date, count: int = QUARTERS_OFFERED) -> list[str]:
    """The current quarter and the ones before it, newest first."""
    found, year, quarter = [], today.year, (today.month - 1) // 3 + 1
    for _ in range(count):
        found.append(f"{year:04d}-Q{quarter}")
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    return found


class Dashboard(QDialog):
    """Filters, totals, the legend and one bar chart per dimension, in a scroll area."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, today: Callable[[], date] = date.today) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._today = today
        self.setObjectName("dashboard")
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.resize(1180, 780)
        self.table: StatsTable | None = None
        self.error: BaseException | None = None
        self.generation = 0
        self.operation: Operation | None = None
        self.export_dialog: StatsExportDialog | None = None
        self._saved_path: str | None = None
        self._stale = False  # a computation was dropped while hidden: compute again when shown
        self.charts: dict[Dimension, BarChart] = {}
        self.chart_titles: dict[Dimension, QLabel] = {}
        self.chart_notes: dict[Dimension, QLabel] = {}

        self._timer = QTimer(self, singleShot=True, interval=APPLY_DELAY_MS)
        self._timer.timeout.connect(self.recompute)
        self._build()
        ctx.hub.cases_changed.connect(self._cases_changed)  # a bound slot: disconnected when the dashboard goes
        language.changed.connect(self.retranslate)
        self.retranslate()
        self.recompute()

    def open(self) -> None:
        """Beside the case list, not in front of it: the dashboard never blocks the window."""
        self.setModal(False)
        self.show()

    # --- building ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.title = QLabel(objectName="dashboardTitle")
        self.title.setStyleSheet("font-size: 15pt; font-weight: 600;")
        self.period_label = QLabel()
        self.period = QComboBox(objectName="dashboardPeriod")
        self.period_label.setBuddy(self.period)
        self.from_label, self.to_label = QLabel(), QLabel()
        self.date_from: QDateEdit = date_box("dashboardFrom")
        self.date_to: QDateEdit = date_box("dashboardTo")
        for label, edit in ((self.from_label, self.date_from), (self.to_label, self.date_to)):
            label.setBuddy(edit)
            edit.setEnabled(False)
            edit.dateChanged.connect(self._dates_changed)
        self.date_from.setDate(QDate(self._today().year, 1, 1))
        self.date_to.setDate(QDate(self._today()))
        self.region_label = QLabel()
        self.region = QComboBox(objectName="dashboardRegion")
        self.region.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.region.setMinimumContentsLength(18)
        self.region_label.setBuddy(self.region)
        self.period.currentIndexChanged.connect(self._period_changed)
        self.region.currentIndexChanged.connect(lambda _index: self._timer.start())
        self.busy = hint_label("dashboardBusy")
        self.busy.setVisible(False)
        self.export_button = QPushButton(objectName="dashboardExport")
        self.export_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton))
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.ask_export)

        filters = QHBoxLayout()
        for widget in (self.period_label, self.period, self.from_label, self.date_from, self.to_label, self.date_to,
                       self.region_label, self.region):
            filters.addWidget(widget)
        filters.addStretch(1)
        filters.addWidget(self.busy)
        filters.addWidget(self.export_button)

        self.total = QLabel(objectName="dashboardTotal")
        self.total.setStyleSheet("font-size: 13pt; font-weight: 600;")
        self.figures = hint_label("dashboardFigures")
        self.scope = hint_label("dashboardScope")
        totals = QHBoxLayout()
        totals.addWidget(self.total)
        totals.addSpacing(24)
        totals.addWidget(self.figures)
        totals.addSpacing(24)
        totals.addWidget(self.scope)
        totals.addStretch(1)

        self.swatch = SuppressedSwatch()
        self.legend = QLabel(objectName="dashboardLegend", wordWrap=True)
        legend = QHBoxLayout()
        legend.addWidget(self.swatch, 0, Qt.AlignmentFlag.AlignTop)
        legend.addWidget(self.legend, 1)
        self.error_label = error_label("dashboardError")
        self.saved = QLabel(objectName="dashboardSaved", wordWrap=True)
        self.saved.setStyleSheet("color: #1d5631;")
        self.saved.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.saved.setVisible(False)

        # Two columns that stack their charts each on its own (a grid would give a short chart
        # the height of the long one beside it); the first column is on the start side.
        charts = QWidget(objectName="dashboardCharts")
        columns = QHBoxLayout(charts)
        columns.setSpacing(28)
        stacks = [QVBoxLayout() for _ in range(CHART_COLUMNS)]
        for stack in stacks:
            stack.setSpacing(4)
            columns.addLayout(stack, 1)
        for index, dimension in enumerate(DIMENSIONS):
            box = QFrame(objectName=f"chartBox_{dimension.value}")
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 8, 0, 8)
            title = QLabel(objectName=f"chartTitle_{dimension.value}", wordWrap=True)
            title.setStyleSheet("font-weight: 600;")
            chart = BarChart(f"chart_{dimension.value}")
            note = hint_label(f"chartNote_{dimension.value}")
            note.setVisible(dimension in MULTI_VALUED)
            box_layout.addWidget(title)
            box_layout.addWidget(chart)
            box_layout.addWidget(note)
            stacks[index % CHART_COLUMNS].addWidget(box)
            self.charts[dimension], self.chart_titles[dimension], self.chart_notes[dimension] = chart, title, note
        for stack in stacks:
            stack.addStretch(1)
        self.scroll = QScrollArea(objectName="dashboardScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(charts)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(filters)
        layout.addLayout(totals)
        layout.addLayout(legend)
        layout.addWidget(self.error_label)
        layout.addWidget(self.saved)
        layout.addWidget(self.scroll, 1)

    # --- filters -------------------------------------------------------------------------------
    def filters(self) -> tuple[date | None, date | None, str | None]:
        """(from, to, region) as chosen now."""
        choice = self.period.currentData() or ALL_DATES
        today = self._today()
        if choice == ALL_DATES:
            start = end = None
        elif choice == THIS_YEAR:
            start, end = date(today.year, 1, 1), today
        elif choice == LAST_YEAR:
            start, end = date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
        elif choice == CHOSEN:
            start, end = sorted((self.date_from.date().toPython(), self.date_to.date().toPython()))
        else:
            start, end = quarter_range(choice)
        return start, end, self.region.currentData() or None

    def _period_changed(self, _index: int) -> None:
        self._show_dates()
        self._timer.start()

    def _show_dates(self) -> None:
        """Dates to type for "chosen dates"; a preset's dates shown (not editable); none for all dates."""
        choice = self.period.currentData()
        chosen = choice == CHOSEN
        for widget in (self.from_label, self.date_from, self.to_label, self.date_to):
            widget.setVisible(choice != ALL_DATES)
        for edit in (self.date_from, self.date_to):
            edit.setEnabled(chosen)
        start, end, _region = self.filters()
        if not chosen:  # the dates of a preset, shown in the (disabled) date boxes
            for edit, day in ((self.date_from, start), (self.date_to, end)):
                if day is not None:
                    edit.blockSignals(True)
                    edit.setDate(QDate(day))
                    edit.blockSignals(False)

    def _cases_changed(self, _ids: list) -> None:
        if self.isVisible():
            self._timer.start()
        else:
            self._stale = True  # counted again when shown

    def _dates_changed(self) -> None:
        if self.period.currentData() == CHOSEN:
            self._timer.start()

    # --- computing ----------------------------------------------------------------------------
    def recompute(self) -> None:
        """Ask the worker for the figures of the current filters; an older request is dropped."""
        self._timer.stop()
        self.generation += 1
        generation = self.generation
        if self.operation is not None and not self.operation.done:
            self.operation.cancel()  # still queued: skipped; already running: its result is dropped
        start, end, region = self.filters()
        ctx = self.ctx

        def job(token: Cancel) -> StatsTable | None:  # worker thread: no widget here
            if token.cancelled:
                return None
            services = ctx.require()
            return services.statistics.compute(services.session, period_from=start, period_to=end, region=region)

        self._set_busy(True)
        self.operation = ctx.ops.run(job, cancellable=True, owner=self,
                                     on_done=lambda table: self._computed(generation, table),
                                     on_error=lambda exc: self._failed(generation, exc))

    def _computed(self, generation: int, table: StatsTable | None) -> None:
        if generation != self.generation or table is None:
            return  # the filters changed since: a newer computation is on its way
        self.table, self.error = table, None
        self._set_busy(False)
        self._render()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self.generation:
            return
        self._set_busy(False)
        if isinstance(exc, Locked):
            self.close()
            return
        self.error = exc
        self._render()

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.export_button.setEnabled(not busy and self.table is not None)

    @property
    def computing(self) -> bool:
        return self.operation is not None and not self.operation.done

    # --- showing ------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(tr("Statistics dashboard"))
        self.title.setText(tr("Anonymised statistics"))
        self.period_label.setText(tr("&Period of detection"))
        self.period.setAccessibleName(tr("Period of detection"))
        self.from_label.setText(tr("From"))
        self.to_label.setText(tr("To"))
        self.date_from.setAccessibleName(tr("Detected from"))
        self.date_to.setAccessibleName(tr("Detected until"))
        self.region_label.setText(tr("&Region"))
        self.region.setAccessibleName(tr("Region"))
        self.busy.setText(tr("Computing the figures…"))
        self.export_button.setText(tr("Export…"))
        self.export_button.setAccessibleName(tr("Export the statistics"))
        self.export_button.setToolTip(tr("Save these figures as CSV or as a PDF report, with a reason"))
        self.legend.setText(trf("Hatched, marked “suppressed”: a figure that is not shown. Every figure under {k} "
                                "cases is suppressed, as the Counter-Trafficking Data Collaborative does, and so is "
                                "any figure from which a suppressed one could be worked out. A hatched block says "
                                "nothing about how many cases there are.", k=self.table.k if self.table else 11))
        self.swatch.setAccessibleName(tr("Suppressed figure"))
        self._fill_periods()
        self._fill_regions()
        self._show_dates()
        self._render()

    def _fill_periods(self) -> None:
        lang = language.code
        items = [(tr("All dates"), ALL_DATES), (tr("This year"), THIS_YEAR), (tr("Last year"), LAST_YEAR)]
        items += [(value_label(Dimension.QUARTER, q, lang, tr), q) for q in recent_quarters(self._today())]
        items.append((tr("Chosen dates"), CHOSEN))
        _refill(self.period, items)

    def _fill_regions(self) -> None:
        lang = language.code
        items = [(tr("All regions"), "")]
        items += [(value_label(Dimension.REGION, code, lang, tr), code) for code in sorted(region_codes())]
        _refill(self.region, items)

    def _render(self) -> None:
        lang = language.code
        table = self.table
        self.error_label.setText(render_error(self.error) if self.error is not None else "")
        self.error_label.setVisible(self.error is not None)
        self.saved.setText(saved_text(self._saved_path) if self._saved_path else "")
        if table is None:
            self.total.setText(tr("Computing the figures…") if self.error is None else "")
            self.figures.clear()
            self.scope.clear()
        else:
            if table.total is None:
                self.total.setText(trf("Fewer than {k} cases: every figure is suppressed.", k=table.k))
            else:
                self.total.setText(trf("Cases counted: {count}", count=format_number(table.total, lang)))
            published = table.cell_count - table.suppressed_count
            self.figures.setText(trf("{published} figures published, {suppressed} suppressed",
                                     published=format_number(published, lang),
                                     suppressed=format_number(table.suppressed_count, lang)))
            self.scope.setText(trf("Scope: {scope}", scope=table.filters.scope) if table.filters.scope
                               else tr("All scopes"))
        self.total.setAccessibleName(self.total.text())
        for dimension in DIMENSIONS:
            self.chart_titles[dimension].setText(dimension_label(dimension, tr))
            self.chart_notes[dimension].setText(tr(MULTI_TEXT))
            chart = self.charts[dimension]
            chart.setAccessibleName(dimension_label(dimension, tr))
            tab = _one_way(table, dimension)
            chart.set_bars(bars_of(tab, lang) if tab is not None else (),
                           tr("No cases.") if table is not None else "")

    # --- exporting ----------------------------------------------------------------------------
    def ask_export(self) -> None:
        if self.table is None or self.computing:
            return
        if self.export_dialog is not None:
            self.export_dialog.deleteLater()
        self.export_dialog = StatsExportDialog(self.ctx, self.table, self)
        self.export_dialog.saved.connect(self._exported)
        self.export_dialog.open()

    def _exported(self, path: str) -> None:
        self._saved_path = path
        self.saved.setText(saved_text(path))
        self.saved.setAccessibleName(self.saved.text())
        self.saved.setVisible(True)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt API
        """Closed (Escape, the window's button, locking): nothing more to compute for it."""
        self._timer.stop()
        if self.operation is not None and not self.operation.done:
            self.operation.cancel()
            self._stale = True
        super().hideEvent(event)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.recompute()


def bars_of(tab: Tabulation, lang: str) -> list[Bar]:
    """One bar per value with cases, in the table's order; suppressed ones marked."""
    suppressed = tr(SUPPRESSED)
    dimension = tab.dimensions[0]
    return [Bar(value_label(dimension, cell.values[0], lang, tr), cell.count,
                suppressed if cell.count is None else format_number(cell.count, lang))
            for cell in tab.cells]


def _one_way(table: StatsTable | None, dimension: Dimension) -> Tabulation | None:
    if table is None:
        return None
    try:
        return table.table(dimension)
    except KeyError:
        return None


def _refill(combo: QComboBox, items: list[tuple[str, str]]) -> None:
    """Replace a combo's items (another language), keeping the chosen value, without a signal."""
    current = combo.currentData() if combo.count() else None
    combo.blockSignals(True)
    combo.clear()
    for text, value in items:
        combo.addItem(text, value)
    combo.setCurrentIndex(max(combo.findData(current), 0) if current is not None else 0)
    combo.blockSignals(False)
