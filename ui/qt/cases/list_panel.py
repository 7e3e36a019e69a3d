"""The case list screen: search, filters, the lazy table and how many cases match.

The search runs as the user types, 150 ms after the last key, so a name typed quickly
asks the store once; it finds a name whichever script it was written in (the store's
search index), and a narrow search is shown best match first with why each case matched
(``list_model.ranked_rows``). Filters apply at once. The list refreshes when the event hub
says cases changed, keeping the selected case selected.
"""

from __future__ import annotations

import dataclasses
from functools import cmp_to_key

from PySide6.QtCore import QCollator, QDate, QEvent, QLocale, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDateEdit, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
    QStackedWidget, QStyle, QTableView, QToolButton, QVBoxLayout, QWidget,
)

from app.domain.values import STATE_LABELS, CaseState, Sex
from app.ports import CaseQuery
from app.resources import border_posts
from i18n.bidi import isolate
from i18n.formatting import format_number
from ui.qt.cases.labels import SEX_LABELS
from ui.qt.cases.list_model import (
    COL_DETECTED, COL_NAME, COL_NATIONALITY, COL_NUMBER, COL_POST, COL_SEX, COL_STATE, SORT_KEYS,
    CaseListModel, post_name,
)
from ui.qt.context import AppContext
from ui.qt.lang import language, ntr, tr

SEARCH_DELAY_MS = 150
REFRESH_DELAY_MS = 100  # several changes in a row (an import, a sync) refresh once
COUNTING_DELAY_MS = 300


class CaseListPanel(QWidget):
    case_activated = Signal(str)  # case id: double-click or Enter on a row

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("caseListPanel")
        self.model = CaseListModel(ctx, self)
        self._me: str | None = None  # the session's user id, for "my cases"
        self._keep_id: str | None = None  # the case to select again after a refresh
        self._name_minimum = 0  # set with the other column widths, in the language's font
        # No column sorted at first: the store's own order, newest cases first (opened_at,
        # which the store has an index for, so the first rows come at once on 100,000 cases).
        self._sort = (-1, Qt.SortOrder.DescendingOrder)

        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply)
        self._refresh_timer = QTimer(self, singleShot=True, interval=REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        # The old count stays up while a new one is on its way, but not for long: counting a
        # text search over 100,000 people takes seconds, and a wrong number must not linger.
        self._counting_timer = QTimer(self, singleShot=True, interval=COUNTING_DELAY_MS)
        self._counting_timer.timeout.connect(self._show_count)

        self._build()
        self.model.total_changed.connect(self._show_count)
        self.model.page_loaded.connect(self._on_page_loaded)
        self.model.failed.connect(self._show_error)
        ctx.hub.cases_changed.connect(self._on_cases_changed)
        language.changed.connect(self.retranslate)
        self.retranslate()
        # Who "my cases" means is asked of the store like everything else: off the GUI thread.
        ctx.ops.run(lambda: ctx.require().session.user.id, on_done=self._know_user,
                    on_error=lambda _exc: None, owner=self)
        self._apply()

    # --- building -----------------------------------------------------------------------
    def _build(self) -> None:
        self.search = QLineEdit(objectName="caseSearch", clearButtonEnabled=True)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self._apply)  # Enter: no need to wait for the pause
        self.search.installEventFilter(self)

        self.state_label = QLabel()
        self.state_filter = QComboBox(objectName="caseFilterState")
        self.state_label.setBuddy(self.state_filter)
        self.post_label = QLabel()
        self.post_filter = QComboBox(objectName="caseFilterPost")
        self.post_label.setBuddy(self.post_filter)
        for combo in (self.state_filter, self.post_filter):
            # Long post names must not push the other filters off a laptop screen.
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(14)
            combo.currentIndexChanged.connect(self._apply)

        self.dates = QCheckBox(objectName="caseFilterDates")
        self.from_label, self.to_label = QLabel(), QLabel()
        today = QDate.currentDate()
        self.date_from = QDateEdit(today.addDays(-30), objectName="caseFilterFrom")
        self.date_to = QDateEdit(today, objectName="caseFilterTo")
        for label, edit in ((self.from_label, self.date_from), (self.to_label, self.date_to)):
            label.setBuddy(edit)
            edit.setCalendarPopup(True)
            edit.setEnabled(False)
            edit.dateChanged.connect(self._apply_dates)
        self.dates.toggled.connect(self._dates_toggled)

        self.mine = QCheckBox(objectName="caseFilterMine", enabled=False)
        self.mine.toggled.connect(self._apply)

        self.ranked = QLabel(objectName="caseRanked")
        self.ranked.setStyleSheet("color: palette(placeholder-text);")
        self.ranked.hide()
        self.count = QLabel(objectName="caseCount")
        self.count.setAlignment(Qt.AlignmentFlag.AlignTrailing | Qt.AlignmentFlag.AlignVCenter)
        self.refresh_button = QToolButton(objectName="caseRefresh")
        self.refresh_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_BrowserReload))
        self.refresh_button.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        self.refresh_button.clicked.connect(self.refresh)

        self.message = QLabel(objectName="caseMessage", wordWrap=True)
        self.message.setStyleSheet("color: #a4262c;")
        self.message.hide()

        self.table = QTableView(objectName="caseTable")
        self._setup_table()
        self.empty = QLabel(objectName="caseEmpty", wordWrap=True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: palette(placeholder-text); font-size: 13pt; padding: 24px;")
        self.stack = QStackedWidget(objectName="caseStack")
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.ranked)
        top.addWidget(self.count)
        top.addWidget(self.refresh_button)
        # Two rows of filters: the list shares the window with the case file, so it must
        # fit in about half a laptop screen.
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        for widgets in ((self.state_label, self.state_filter, self.post_label, self.post_filter),
                        (self.dates, self.from_label, self.date_from, self.to_label, self.date_to, self.mine)):
            row = QHBoxLayout()
            for widget in widgets:
                row.addWidget(widget)
            row.addStretch(1)
            layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(self.stack, 1)

        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self, self.focus_search)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.setFocusProxy(self.search)
        # Tab goes search, filters, results; the reload button (also F5) comes last.
        chain = (self.search, self.state_filter, self.post_filter, self.dates, self.date_from, self.date_to,
                 self.mine, self.table, self.refresh_button)
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

    def _setup_table(self) -> None:
        table = self.table
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Several rows may be selected (Shift/Ctrl+click) for a batch export of their summaries.
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move in it
        rows = table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no per-row measuring
        rows.setDefaultSectionSize(table.fontMetrics().height() + 6)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        # Qt derives a minimum from the font that is wider than a short column needs.
        header.setMinimumSectionSize(table.fontMetrics().horizontalAdvance("0000") + 16)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table.viewport().installEventFilter(self)  # the name column takes the room left over
        header.setSortIndicator(*self._sort)
        table.setSortingEnabled(True)  # before any query, and -1 sorts nothing: no query yet
        header.sortIndicatorChanged.connect(self._on_sort_indicator)
        table.activated.connect(self._activate)

    def _size_columns(self) -> None:
        metrics = self.table.fontMetrics()
        pad = 28

        def widest(*texts: str) -> int:
            return max(metrics.horizontalAdvance(t) for t in texts) + pad

        header = self.table.horizontalHeader()
        sizes = {
            COL_NUMBER: widest("HMY-0000-XXXXXX-00000", tr("Case number")),
            COL_SEX: widest(tr("Sex"), *(tr(SEX_LABELS[s]) for s in (Sex.MALE, Sex.FEMALE, Sex.UNKNOWN))),
            COL_NATIONALITY: widest(tr("Nationality"), "0" * 13),
            COL_POST: widest(tr("Border post"), "0" * 20),
            COL_DETECTED: widest(tr("Detected on"), "00 0000. 0000"),
            COL_STATE: widest(tr("State"), *(tr(label) for label in STATE_LABELS.values())),
        }
        for column, width in sizes.items():
            header.resizeSection(column, width)
        self._name_minimum = widest("0" * 24)
        self._fit_name_column()

    def _fit_name_column(self) -> None:
        """Like a stretched column, but never narrower than a name: in a narrow pane the
        table scrolls sideways instead of cutting every name short."""
        header = self.table.horizontalHeader()
        others = sum(header.sectionSize(c) for c in range(header.count()) if c != COL_NAME)
        header.resizeSection(COL_NAME, max(self._name_minimum, self.table.viewport().width() - others))

    # --- public -------------------------------------------------------------------------
    def refresh(self) -> None:
        """Run the current query again (same filters, same scroll position)."""
        self._refresh_timer.stop()
        self._keep_id = self._current_id()
        self.model.refresh()

    def dispose(self) -> None:
        """Forget every case shown, and the search text (it may be a person's name)."""
        self._search_timer.stop()
        self._refresh_timer.stop()
        self._counting_timer.stop()
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self._keep_id = None
        self.model.clear()
        self.message.hide()
        self.ranked.hide()
        self.count.clear()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def selected_cases(self) -> list[tuple[str, str]]:
        """(case id, case number) of the selected rows, in list order."""
        found = []
        for index in sorted(self.table.selectionModel().selectedRows(), key=lambda i: i.row()):
            row = self.model.case_row(index.row())
            if row is not None:
                found.append((row.id, row.case_number))
        return found

    # --- queries ------------------------------------------------------------------------
    def _query(self) -> CaseQuery:
        state = self.state_filter.currentData()
        post = self.post_filter.currentData()
        start = end = None
        if self.dates.isChecked():
            start, end = sorted((self.date_from.date().toPython(), self.date_to.date().toPython()))
        return dataclasses.replace(
            self.model.query,
            text=self.search.text().strip(),
            states=frozenset({CaseState(state)}) if state else frozenset(),
            border_posts=frozenset({post}) if post else frozenset(),
            assigned_to=self._me if (self.mine.isChecked() and self._me) else None,
            detected_from=start,
            detected_to=end,
        )

    def _apply(self) -> None:
        self._search_timer.stop()
        query = self._query()
        if self.model.total is not None and query == self.model.query:
            return  # nothing changed (e.g. a letter typed and erased)
        self._keep_id = None
        self.model.set_query(query)

    def _apply_dates(self) -> None:
        if self.dates.isChecked():
            self._apply()

    def _dates_toggled(self, on: bool) -> None:
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)
        self._apply()

    def _know_user(self, user_id: str) -> None:
        self._me = user_id
        self.mine.setEnabled(True)
        if self.mine.isChecked():
            self._apply()

    def _on_cases_changed(self, _ids: list) -> None:
        self._refresh_timer.start()

    def _on_sort_indicator(self, column: int, order: Qt.SortOrder) -> None:
        if column in SORT_KEYS:
            self._sort = (column, order)
            return
        header = self.table.horizontalHeader()  # not sortable: put the arrow back
        header.blockSignals(True)
        header.setSortIndicator(*self._sort)
        header.blockSignals(False)

    # --- results ------------------------------------------------------------------------
    def _on_page_loaded(self) -> None:
        self.message.hide()
        self.stack.setCurrentWidget(self.empty if self.model.rowCount() == 0 else self.table)
        self.ranked.setVisible(self.model.ranked and self.model.rowCount() > 1)
        if self.model.total is None:
            self._counting_timer.start()
        if self._keep_id is not None:
            row = self.model.row_of(self._keep_id)
            if row >= 0:
                self.table.setCurrentIndex(self.model.index(row, COL_NUMBER))
            else:
                self.table.clearSelection()
            self._keep_id = None
        self._retranslate_empty()

    def _show_count(self, total: int | None = None) -> None:
        if total is None:
            total = self.model.total
        if total is None:
            self.count.setText(tr("Counting…") if self.model.active else "")
            return
        self._counting_timer.stop()
        template = ntr("{count} case", "{count} cases", total)
        self.count.setText(template.format(count=isolate(format_number(total, language.code))))

    def _show_error(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    def _activate(self, index: QModelIndex) -> None:
        case_id = self.model.case_id(index.row())
        if case_id:
            self.case_activated.emit(case_id)

    def _current_id(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.case_id(index.row()) if index.isValid() else None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_name_column()
            return False
        # Down arrow in the search box goes to the results, as in a browser's address bar.
        if watched is self.search and event.type() == QEvent.Type.KeyPress \
                and event.key() == Qt.Key.Key_Down and self.model.rowCount() > 0:
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)
            if not self.table.currentIndex().isValid():
                self.table.setCurrentIndex(self.model.index(0, COL_NUMBER))
            return True
        return super().eventFilter(watched, event)

    # --- language -----------------------------------------------------------------------
    def retranslate(self) -> None:
        self.search.setPlaceholderText(tr("Search by name or case number"))
        self.search.setAccessibleName(tr("Search cases"))
        self.state_label.setText(tr("&State"))
        self.state_filter.setAccessibleName(tr("Filter by state"))
        self.post_label.setText(tr("Border &post"))
        self.post_filter.setAccessibleName(tr("Filter by border post"))
        self.dates.setText(tr("&Detection date"))
        self.dates.setAccessibleName(tr("Filter by detection date"))
        self.from_label.setText(tr("From"))
        self.to_label.setText(tr("To"))
        self.date_from.setAccessibleName(tr("Detected from"))
        self.date_to.setAccessibleName(tr("Detected until"))
        self.mine.setText(tr("&My cases"))
        self.mine.setAccessibleName(tr("Show only the cases assigned to me"))
        self.refresh_button.setToolTip(tr("Reload the list (F5)"))
        self.refresh_button.setAccessibleName(tr("Reload the list"))
        self.count.setAccessibleName(tr("Number of cases found"))
        self.ranked.setText(tr("Best matches first"))
        self.ranked.setToolTip(tr("Point at a name to see why it matches. Click a column title to sort "
                                  "the matches instead."))
        self.table.setAccessibleName(tr("Cases"))
        self._fill_states()
        self._fill_posts()
        self._localise_dates()
        self._size_columns()
        self._show_count()
        self._retranslate_empty()

    def _retranslate_empty(self) -> None:
        query = self.model.query
        filtered = bool(query.text or query.states or query.border_posts or query.assigned_to
                        or query.detected_from or query.detected_to)
        self.empty.setText(tr("No case matches this search. Try fewer words or clear the filters.")
                           if filtered else tr("There are no cases yet."))

    def _fill_states(self) -> None:
        items = [(tr("All states"), "")] + [(tr(STATE_LABELS[s]), s.value) for s in CaseState]
        _refill(self.state_filter, items)

    def _fill_posts(self) -> None:
        collator = QCollator(QLocale())
        posts = sorted(((post_name(code, language.code), code) for code in border_posts()),
                       key=cmp_to_key(lambda a, b: collator.compare(a[0], b[0])))
        _refill(self.post_filter, [(tr("All border posts and offices"), "")] + posts)

    def _localise_dates(self) -> None:
        locale = QLocale()
        fmt = locale.dateFormat(QLocale.FormatType.ShortFormat)
        if "yyyy" not in fmt:
            fmt = fmt.replace("yy", "yyyy")  # a two-digit year is ambiguous
        for edit in (self.date_from, self.date_to):
            edit.setLocale(locale)
            edit.calendarWidget().setLocale(locale)
            edit.setDisplayFormat(fmt)


def _refill(combo: QComboBox, items: list[tuple[str, str]]) -> None:
    """Replace a combo's items in another language, keeping the chosen value, without a query.

    "All" is the empty string, not None, so every item round-trips as a plain string
    (PySide6 6.12 lost a reference to None each time an empty value was read back).
    """
    current = combo.currentData() if combo.count() else ""
    combo.blockSignals(True)
    combo.clear()
    for text, value in items:
        combo.addItem(text, value)
    combo.setCurrentIndex(max(combo.findData(current), 0))
    combo.blockSignals(False)
