"""The case list as a lazy table model: pages of ``CaseRow`` fetched off the GUI thread.

A store may hold 100,000 cases; the model never asks for all of them. It loads one page
(``case_page_size`` rows) when a query is set, and the next page only when the view asks
(``canFetchMore``/``fetchMore``, i.e. when the user scrolls near the end). The total comes
from a separate count, so the first rows show before the store has counted everything.

Every query runs through ``ctx.ops``. A generation counter stamps each request: a page
or a count that belongs to an older query (the user typed another letter meanwhile) is
dropped when it arrives, and the older requests are cancelled so the worker skips them.

Text typed in the search box goes to the store's cross-script index (``CaseQuery.text``:
محمد finds Mohamed). While no column is chosen for sorting, a search that matches at most
``RANK_WINDOW`` cases is shown whole and ranked, best first, as ``SearchService.search``
ranks it, each row with why it matched (the name's and number's tooltip). A broader search
(a first letter or two) keeps the store's order and pages: ranking thousands of equally
weak matches would cost time and tell the user nothing.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Any, Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont

from app.domain.values import STATE_LABELS, CaseState
from app.ports import CaseQuery, CaseRow
from app.resources import border_posts, load_json
from app.text import N_
from i18n.bidi import isolate, isolate_ltr
from i18n.formatting import format_date
from ui.composition import Services
from ui.qt.cases.labels import SEX_LABELS, join
from ui.qt.context import AppContext, Locked
from ui.qt.lang import language, render_error, tr, trf
from ui.qt.ops import Cancel, Operation

COL_NUMBER, COL_NAME, COL_SEX, COL_NATIONALITY, COL_POST, COL_DETECTED, COL_STATE = range(7)
COLUMN_COUNT = 7

HEADERS = {
    COL_NUMBER: N_("Case number"),
    COL_NAME: N_("Name"),
    COL_SEX: N_("Sex"),
    COL_NATIONALITY: N_("Nationality"),
    COL_POST: N_("Border post"),
    COL_DETECTED: N_("Detected on"),
    COL_STATE: N_("State"),
}

#: A search matching at most this many cases is shown ranked, all at once (see the docstring).
RANK_WINDOW = 500
#: Cases ranked at most to order a filtered search (the ranking itself ignores the filters).
RANK_DEPTH = 1500
#: The store's own order, used while no column is chosen: the only order a text search is ranked in.
DEFAULT_SORT = "opened_at"

#: What each sortable column sorts on in the store; the others cannot be sorted.
SORT_KEYS = {
    COL_NUMBER: "case_number",
    COL_NAME: "name",
    COL_POST: "border_post",
    COL_DETECTED: "detected_on",
    COL_STATE: "state",
}

#: The state column's tooltip: what the state means for the person and what comes next.
STATE_HELP = {
    CaseState.DETECTED: N_("Detected: the person has been identified as possibly at risk; screening has not started."),
    CaseState.SCREENING: N_("Screening: the person agreed to screening and the interview is under way."),
    CaseState.NO_INDICATORS: N_("No indicators: screening found no sign of trafficking."),
    CaseState.OTHER_VULNERABILITY: N_("Other vulnerability: not trafficking, but the person needs another kind of help."),
    CaseState.PRESUMED_VICTIM: N_("Presumed victim: screening found indicators of trafficking; protection and referral are due."),
    CaseState.URGENT_PROTECTION: N_("Urgent protection: the person is in immediate danger and is being protected now."),
    CaseState.REFERRED: N_("Referred: the case was sent to a service provider, which has not answered yet."),
    CaseState.ACCEPTED: N_("Accepted: a service provider accepted the referral."),
    CaseState.IN_ASSISTANCE: N_("In assistance: the person is receiving assistance."),
    CaseState.FOLLOW_UP: N_("Follow-up: assistance has ended; the person is being followed up."),
    CaseState.TRANSFERRED: N_("Transferred: the case was handed over to another region or country."),
    CaseState.FORMALLY_IDENTIFIED: N_("Formally identified: the authorities formally identified the person as a victim."),
    CaseState.CLOSED: N_("Closed: the case is closed."),
}

_LEADING = Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter  # Qt mirrors it in RTL


@lru_cache(maxsize=1)
def _countries() -> dict[str, dict[str, str]]:
    return {entry["code"]: entry for entry in load_json("reference/countries.json")["countries"]}


def country_name(code: str | None, lang: str) -> str:
    if not code:
        return ""
    entry = _countries().get(code) or {}
    return entry.get(lang) or entry.get("en") or code


def post_name(code: str | None, lang: str) -> str:
    if not code:
        return ""
    post = border_posts().get(code) or {}
    return post.get(lang) or post.get("en") or code


@lru_cache(maxsize=4096)
def _date_text(value: Any, lang: str) -> str:
    # Babel is slow next to a repaint; the list shows few distinct dates, so remember them.
    return format_date(value, lang, "medium")


def is_ranked(query: CaseQuery) -> bool:
    """Whether ``query`` is shown ranked: text typed and no column chosen for sorting."""
    return bool(query.text.strip()) and query.sort == DEFAULT_SORT


def ranked_rows(services: Services, query: CaseQuery) -> tuple[list[CaseRow], dict[str, tuple[str, ...]] | None]:
    """Worker thread: the rows of a text search, best first, and why each matched.

    The rows are the store's (every filter and the session's visibility applied there);
    ``SearchService.search`` only orders them and says why. More than ``RANK_WINDOW`` rows:
    they come back in the store's order with no reasons (None), to be paged as usual.
    """
    rows = services.cases.list_cases(services.session, query)
    if len(rows) > RANK_WINDOW:
        return rows, None
    if not rows:
        return rows, {}
    filtered = bool(query.states or query.border_posts or query.assigned_to or query.detected_from
                    or query.detected_to)
    # Unfiltered, the rows are the search's own best matches; filtered, they may rank lower.
    matches = services.search.search(services.session, query.text, limit=RANK_DEPTH if filtered else len(rows))
    ids = {row.id for row in rows}
    order = {m.case_id: i for i, m in enumerate(matches) if m.case_id in ids}
    # A row the ranking did not reach keeps its place in the store's order, after the ranked ones.
    ranked = sorted(rows, key=lambda row: order.get(row.id, len(order)))
    return ranked, {m.case_id: m.reasons for m in matches if m.case_id in ids}


def reasons_text(reasons: tuple[str, ...]) -> str:
    """Why a case matched, in the interface language (reasons are msgids)."""
    return trf("Why it matches: {reasons}", reasons=join(tr(r) for r in reasons)) if reasons else ""


def name_text(row: CaseRow, lang: str) -> str:
    """Both scripts, each isolated; the Arabic name leads in the Arabic interface."""
    arabic, latin = (row.name_ar or "").strip(), (row.name_latin or "").strip()
    if arabic and latin:
        first, second = (arabic, latin) if lang == "ar" else (latin, arabic)
        return f"{isolate(first)} — {isolate(second)}"
    return isolate(arabic or latin)


class CaseListModel(QAbstractTableModel):
    """Read-only, lazily paged list of the cases matching one ``CaseQuery``."""

    total_changed = Signal(int)  # the count of the current query arrived
    page_loaded = Signal()  # rows of the current query arrived (first page, more, refresh)
    failed = Signal(str)  # a query failed: the message, in the user's language

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._rows: list[CaseRow] = []
        self._query = CaseQuery()
        self._total: int | None = None
        self._active = False  # a query was set (and not cleared)
        self._generation = 0
        self._fetching = False
        self._exhausted = False
        self._operations: list[Operation] = []
        self._italic: QFont | None = None
        self._why: dict[str, tuple[str, ...]] | None = None  # case id → reasons, when ranked
        language.changed.connect(self.retranslate)

    # --- what the panel uses ------------------------------------------------------------
    @property
    def page_size(self) -> int:
        return int(self.ctx.settings.get("case_page_size") or 200)

    @property
    def query(self) -> CaseQuery:
        return self._query

    @property
    def total(self) -> int | None:
        """How many cases match the current query (None until counted)."""
        return self._total

    @property
    def loading(self) -> bool:
        return self._fetching

    @property
    def active(self) -> bool:
        """A query is set (False before the first one and after ``clear``)."""
        return self._active

    @property
    def ranked(self) -> bool:
        """The rows on screen are a search's matches, best first (not the store's order)."""
        return self._why is not None

    def reasons(self, case_id: str) -> tuple[str, ...]:
        """Why a case on screen matched the search (msgids, strongest first); () if unranked."""
        return (self._why or {}).get(case_id, ())

    def case_row(self, row: int) -> CaseRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def case_id(self, row: int) -> str | None:
        found = self.case_row(row)
        return found.id if found else None

    def row_of(self, case_id: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == case_id), -1)

    def set_query(self, query: CaseQuery) -> None:
        """Show the cases matching ``query`` (its offset and limit are the model's business).

        The rows on screen stay until the first page of the new query arrives, so typing
        in the search box does not make the list blink.
        """
        self._active = True
        self._query = dataclasses.replace(query, offset=0, limit=self.page_size)
        self._start(replace=True)

    def refresh(self) -> None:
        """Run the query again with the same filters, keeping as many rows as are loaded."""
        if self._active:
            self._start(replace=False)

    def clear(self) -> None:
        """Forget every row (locking): nothing about any case stays in the model."""
        self._new_generation()
        self._active = False
        self.beginResetModel()
        self._rows = []
        self._why = None
        self._total = None
        self._exhausted = False
        self.endResetModel()

    # --- Qt model API -------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else COLUMN_COUNT

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or section not in HEADERS:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return tr(HEADERS[section])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(_LEADING)
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(_LEADING)
        if role == Qt.ItemDataRole.ToolTipRole and column == COL_STATE:
            return tr(STATE_HELP[row.state])
        if role == Qt.ItemDataRole.ToolTipRole and column in (COL_NUMBER, COL_NAME) and self._why:
            return reasons_text(self._why.get(row.id, ())) or None
        if role == Qt.ItemDataRole.FontRole and column == COL_NAME and not (row.name_ar or row.name_latin):
            if self._italic is None:
                self._italic = QFont()
                self._italic.setItalic(True)
            return self._italic  # "name not recorded" must not read like a name
        return None

    def _display(self, row: CaseRow, column: int) -> str:
        lang = language.code
        if column == COL_NUMBER:
            return isolate_ltr(row.case_number)  # a case number is always read left to right
        if column == COL_NAME:
            return name_text(row, lang) or tr("Name not recorded")
        if column == COL_SEX:
            return tr(SEX_LABELS[row.sex])
        if column == COL_NATIONALITY:
            return country_name(row.nationality, lang)
        if column == COL_POST:
            return post_name(row.border_post, lang)
        if column == COL_DETECTED:
            return _date_text(row.detected_on, lang)
        if column == COL_STATE:
            return tr(STATE_LABELS[row.state])
        return ""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = SORT_KEYS.get(column)
        if key is None:
            return  # sex and nationality have no order the store can use
        query = dataclasses.replace(self._query, sort=key, descending=order == Qt.SortOrder.DescendingOrder)
        if not self._active:
            self._query = query  # remembered for the first set_query
        elif query != self._query:
            self.set_query(query)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008, N802
        if parent.isValid() or not self._active or self._fetching or self._exhausted:
            return False
        return self._total is None or len(self._rows) < self._total

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:  # noqa: B008, N802
        if not self.canFetchMore(parent):
            return  # also what keeps a second fetch of the same page from starting
        self._fetching = True
        # Continue after the last row shown (keyset paging: as fast at row 90,000 as at 200).
        query = dataclasses.replace(self._query, offset=0, limit=self.page_size,
                                    after_id=self._rows[-1].id if self._rows else None)
        generation, loaded = self._generation, len(self._rows)
        self._run(lambda svc: svc.cases.list_cases(svc.session, query),
                  lambda rows: self._on_more(generation, loaded, rows))

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, COLUMN_COUNT - 1)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, COLUMN_COUNT - 1))

    # --- the requests -------------------------------------------------------------------
    def _new_generation(self) -> int:
        self._generation += 1
        for operation in self._operations:
            operation.cancel()  # the worker skips what it has not started yet
        self._operations = []
        self._fetching = False
        return self._generation

    def _start(self, *, replace: bool) -> None:
        generation = self._new_generation()
        self._fetching = True
        self._exhausted = False
        # A refresh reloads what the user has scrolled through, so the view stays in place.
        limit = self.page_size if replace else max(self.page_size, len(self._rows))
        if replace:
            self._total = None  # the old count must not decide whether more rows exist
        if is_ranked(self._query):
            # One more than the window: whether the search is narrow enough to rank is known
            # from the answer itself, without counting first.
            query = dataclasses.replace(self._query, offset=0, limit=max(limit, RANK_WINDOW + 1))
            self._run(lambda svc: ranked_rows(svc, query),
                      lambda found: self._on_first(generation, query, found[0], replace, found[1]))
            return
        query = dataclasses.replace(self._query, offset=0, limit=limit)
        self._run(lambda svc: svc.cases.list_cases(svc.session, query),
                  lambda rows: self._on_first(generation, query, rows, replace))

    def _run(self, call: Callable[[Services], Any], on_done: Callable[[Any], None]) -> None:
        """Run ``call(services)`` on the worker; ``on_done`` checks the generation itself."""
        ctx = self.ctx

        def job(token: Cancel) -> Any:  # worker thread: no widget, no model state here
            if token.cancelled:
                return None
            return call(ctx.require())

        generation = self._generation
        operation = self.ctx.ops.run(job, on_done=on_done, owner=self, cancellable=True,
                                     on_error=lambda exc: self._on_error(generation, exc))
        self._operations = [op for op in self._operations if not op.done] + [operation]

    def _on_first(self, generation: int, query: CaseQuery, rows: list[CaseRow], replace: bool,
                  why: dict[str, tuple[str, ...]] | None = None) -> None:
        if generation != self._generation:
            return  # an older query's answer, arriving late
        # Still "fetching" while the rows go in: a view reacting to the change must not
        # ask for a page from an offset that is about to move.
        self._exhausted = len(rows) < query.limit
        self._why = why
        if replace:
            self.beginResetModel()
            self._rows = list(rows)
            self.endResetModel()
        else:
            self._replace_in_place(list(rows))
        self._fetching = False
        self.page_loaded.emit()
        if self._exhausted:
            self._on_total(generation, len(rows))  # all of them are here: no need to count
        else:
            # Counting a text search reads every person; it runs after the first rows show.
            self._run(lambda svc: svc.cases.count_cases(svc.session, query),
                      lambda total: self._on_total(generation, total))

    def _on_more(self, generation: int, offset: int, rows: list[CaseRow]) -> None:
        if generation != self._generation:
            return
        if offset == len(self._rows):
            self._exhausted = len(rows) < self.page_size
            if rows:
                self.beginInsertRows(QModelIndex(), offset, offset + len(rows) - 1)
                self._rows.extend(rows)
                self.endInsertRows()
        self._fetching = False
        self.page_loaded.emit()

    def _on_total(self, generation: int, total: int) -> None:
        if generation != self._generation:
            return
        self._total = int(total)
        self.total_changed.emit(self._total)

    def _on_error(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._fetching = False
        self._exhausted = True  # no retry loop from the view; refresh() tries again
        if not isinstance(exc, Locked):  # locking is not a failure the user must read about
            self.failed.emit(render_error(exc))

    def _replace_in_place(self, rows: list[CaseRow]) -> None:
        """Swap the rows without a reset, so the view keeps its scroll position."""
        old = len(self._rows)
        if len(rows) < old:
            self.beginRemoveRows(QModelIndex(), len(rows), old - 1)
            self._rows = self._rows[:len(rows)]
            self.endRemoveRows()
        elif len(rows) > old:
            self.beginInsertRows(QModelIndex(), old, len(rows) - 1)
            self._rows.extend(rows[old:])
            self.endInsertRows()
        self._rows[:] = rows
        if rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, COLUMN_COUNT - 1))
