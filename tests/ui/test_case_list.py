"""The case list: lazy paging, search, filters, sorting, late answers, languages.

Most tests share one store of 1,500 synthetic cases (made once for this file, a few seconds) and
only read it; the test that changes cases makes its own small store.
"""

from __future__ import annotations

import dataclasses
import threading
from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QDateEdit, QLabel, QLineEdit, QTableView, QWidget

from app.demo import generate
from app.domain.person import Person
from app.domain.values import STATE_LABELS, CaseState, Role
from app.ports import CaseQuery
from uikit import PASSPHRASE, make_user, type_text
from i18n.bidi import strip_isolates
from i18n.formatting import format_number
from storage.vault import Vault
from ui.composition import services_for
from ui.qt.cases.list_model import COL_NAME, COL_NUMBER, COL_SEX, COL_STATE, STATE_HELP, CaseListModel
from ui.qt.cases.list_panel import CaseListPanel
from ui.qt.lang import language, ntr, tr
from ui.qt.ops import Operation

N_CASES = 1500
PAGE = 200
ALL = 10_000  # larger than the store: "every matching row" in the expectations


@dataclasses.dataclass
class Facts:
    """What the store holds, asked of it directly, to compare the screen with."""

    user_id: str
    arabic_term: str
    arabic_ids: set[str]
    latin_term: str
    latin_ids: set[str]
    state: CaseState
    state_count: int
    other_state: CaseState
    other_state_count: int
    mine_ids: set[str]
    first_number_asc: str
    first_number_desc: str
    date_from: date
    date_to: date
    dated_count: int


def _ids(svc, **query) -> set[str]:
    return {r.id for r in svc.cases.list_cases(svc.session, CaseQuery(limit=ALL, **query))}


def _term(svc, rows, script: str) -> tuple[str, set[str]]:
    """A family name matching a few cases (fewer than a page, so all of them show); Latin
    terms are ASCII because they are typed with keyClicks, which aborts on other text."""
    for row in rows:
        name = row.name_ar if script == "ar" else row.name_latin
        words = (name or "").split()
        if len(words) >= 2 and len(words[-1]) >= 4 and (script == "ar" or words[-1].isascii()):
            term = words[-1] if script == "ar" else words[-1].lower()
            ids = _ids(svc, text=term)
            if 2 <= len(ids) <= 60:
                return term, ids
    raise AssertionError(f"no suitable {script} name in the demo data")


@pytest.fixture(scope="module")
def big_store(tmp_path_factory):
    user = make_user()
    opened = Vault(tmp_path_factory.mktemp("caselist") / "store").create(user, PASSPHRASE)
    svc = services_for(opened)
    worker = make_user("youssef.e", Role.SOCIAL_WORKER)
    stored = svc.cases.add_prepared(svc.session, generate(
        N_CASES, seed=11, users=[user, worker], device_code=opened.store.device_code))
    assert stored == N_CASES
    rows = svc.cases.list_cases(svc.session, CaseQuery(limit=600))
    counts = {s: svc.cases.count_cases(svc.session, CaseQuery(states=frozenset({s}))) for s in CaseState}
    modest = sorted((s for s, n in counts.items() if 5 <= n <= 150), key=lambda s: counts[s])
    arabic_term, arabic_ids = _term(svc, rows, "ar")
    latin_term, latin_ids = _term(svc, rows, "lat")
    by_number = CaseQuery(sort="case_number", descending=False, limit=1)
    dates = sorted(r.detected_on for r in rows)
    date_from, date_to = dates[len(dates) // 3], dates[len(dates) // 2]
    facts = Facts(
        user_id=user.id,
        arabic_term=arabic_term, arabic_ids=arabic_ids, latin_term=latin_term, latin_ids=latin_ids,
        state=modest[-1], state_count=counts[modest[-1]],
        other_state=modest[0], other_state_count=counts[modest[0]],
        mine_ids=_ids(svc, assigned_to=user.id),
        first_number_asc=svc.cases.list_cases(svc.session, by_number)[0].case_number,
        first_number_desc=svc.cases.list_cases(svc.session, dataclasses.replace(by_number, descending=True))[0].case_number,
        date_from=date_from, date_to=date_to,
        dated_count=svc.cases.count_cases(svc.session, CaseQuery(detected_from=date_from, detected_to=date_to)),
    )
    assert PAGE < len(facts.mine_ids) < N_CASES
    yield opened, facts
    opened.lock()


@pytest.fixture
def store(ctx, big_store):
    """The shared store opened in this test's context (and handed back, not locked, after)."""
    opened, facts = big_store
    ctx.services = services_for(opened)
    yield facts
    ctx.ops.wait()
    QApplication.processEvents()
    ctx.services = None


def _settled(ctx) -> bool:
    return not ctx.ops.busy


def _panel(ctx, qtbot) -> CaseListPanel:
    panel = CaseListPanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(1200, 700)
    panel.show()
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0 and panel.model.total is not None and _settled(ctx))
    return panel


def _wait_query(panel, qtbot, ctx, **expected) -> None:
    """Wait until the model runs a query with ``expected`` fields and every answer arrived."""
    qtbot.waitUntil(lambda: all(getattr(panel.model.query, k) == v for k, v in expected.items())
                    and not panel._search_timer.isActive() and _settled(ctx), timeout=5000)
    QApplication.processEvents()


def _loaded_ids(model) -> set[str]:
    return {model.index(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(model.rowCount())}


def _count_text(n: int) -> str:
    return ntr("{count} case", "{count} cases", n).format(count=format_number(n, language.code))


def _cell(model, row: int, column: int) -> str:
    return strip_isolates(model.index(row, column).data())


# --- paging ------------------------------------------------------------------------------

def test_first_fetch_loads_one_page_and_counts_all(store, ctx, qtbot):
    panel = _panel(ctx, qtbot)
    model = panel.model
    assert model.total == N_CASES
    assert model.rowCount() == PAGE
    assert model.canFetchMore()
    assert strip_isolates(panel.findChild(QLabel, "caseCount").text()) == _count_text(N_CASES)
    assert strip_isolates(_count_text(N_CASES)) == "1.500 حالة"  # Arabic plural form for 100+, Moroccan digits
    assert panel.findChild(QTableView, "caseTable").isVisible()


def test_scrolling_to_the_bottom_loads_one_more_page_at_a_time(store, ctx, qtbot):
    panel = _panel(ctx, qtbot)
    model, table = panel.model, panel.findChild(QTableView, "caseTable")
    batches: list[int] = []
    model.rowsInserted.connect(lambda _parent, first, last: batches.append(last - first + 1))

    table.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() == 2 * PAGE and _settled(ctx))
    model.fetchMore()
    model.fetchMore()  # a second call while the page is on its way must not fetch it again
    assert not model.canFetchMore()
    qtbot.waitUntil(lambda: _settled(ctx))
    QApplication.processEvents()
    assert model.rowCount() == 3 * PAGE
    assert batches and max(batches) == PAGE
    assert len(_loaded_ids(model)) == 3 * PAGE  # no page twice
    assert model.rowCount() < N_CASES


def test_the_model_passes_the_qt_model_checks(store, ctx, qtbot, qtmodeltester):
    model = CaseListModel(ctx)
    model.set_query(CaseQuery())
    qtbot.waitUntil(lambda: model.rowCount() == PAGE and _settled(ctx))
    qtmodeltester.check(model)  # the checker itself asks for the next page once
    qtbot.waitUntil(lambda: model.rowCount() == 2 * PAGE and _settled(ctx))
    model.fetchMore()
    qtbot.waitUntil(lambda: model.rowCount() == 3 * PAGE and _settled(ctx))
    model.refresh()  # in place: rows replaced, none added or lost
    qtbot.waitUntil(lambda: _settled(ctx))
    assert model.rowCount() == 3 * PAGE
    language.apply("fr")  # every cell and header changes under the checker
    model.sort(COL_NUMBER, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: model.query.sort == "case_number" and _settled(ctx))
    numbers = [model.case_row(r).case_number for r in range(model.rowCount())]
    assert numbers == sorted(numbers) and len(numbers) >= PAGE
    state = model.case_row(0).state
    assert model.index(0, COL_STATE).data(Qt.ItemDataRole.ToolTipRole) == tr(STATE_HELP[state])
    assert tr(STATE_HELP[CaseState.CLOSED]) == "Clôturé : le dossier est clôturé."
    model.clear()
    assert model.rowCount() == 0 and model.total is None


# --- search and filters ------------------------------------------------------------------

def test_arabic_search_typed_narrows_the_list_and_the_count(store, ctx, qtbot, monkeypatch):
    panel = _panel(ctx, qtbot)
    asked: list[str] = []
    original = ctx.services.cases.list_cases
    monkeypatch.setattr(ctx.services.cases, "list_cases",
                        lambda session, query: asked.append(query.text) or original(session, query))
    search = panel.findChild(QLineEdit, "caseSearch")
    search.setFocus()
    type_text(search, store.arabic_term)
    _wait_query(panel, qtbot, ctx, text=store.arabic_term)
    assert asked == [store.arabic_term]  # typed letter by letter, asked once (debounced)
    assert panel.model.total == len(store.arabic_ids)
    assert _loaded_ids(panel.model) == store.arabic_ids
    assert strip_isolates(panel.findChild(QLabel, "caseCount").text()) == _count_text(len(store.arabic_ids))


def test_latin_search_is_case_insensitive(store, ctx, qtbot):
    panel = _panel(ctx, qtbot)
    search = panel.findChild(QLineEdit, "caseSearch")
    qtbot.keyClicks(search, store.latin_term.upper())
    _wait_query(panel, qtbot, ctx, text=store.latin_term.upper())
    assert _loaded_ids(panel.model) == store.latin_ids
    assert strip_isolates(panel.findChild(QLabel, "caseCount").text()) == _count_text(len(store.latin_ids))
    names = [_cell(panel.model, r, COL_NAME) for r in range(panel.model.rowCount())]
    assert any(store.latin_term in n.lower() for n in names)


def test_a_search_without_match_shows_the_empty_state(store, ctx, qtbot):
    panel = _panel(ctx, qtbot)
    qtbot.keyClicks(panel.findChild(QLineEdit, "caseSearch"), "zzqxw")
    _wait_query(panel, qtbot, ctx, text="zzqxw")
    empty = panel.findChild(QLabel, "caseEmpty")
    assert panel.model.rowCount() == 0 and empty.isVisible()
    assert empty.text() == tr("No case matches this search. Try fewer words or clear the filters.")
    assert panel.findChild(QLabel, "caseCount").text() == "لا توجد أي حالة"


def test_state_filter_shows_only_that_state(store, ctx, qtbot):
    panel = _panel(ctx, qtbot)
    combo = panel.findChild(QComboBox, "caseFilterState")
    combo.setCurrentIndex(combo.findData(store.state.value))
    _wait_query(panel, qtbot, ctx, states=frozenset({store.state}))
    model = panel.model
    assert model.total == store.state_count == model.rowCount()
    label = tr(STATE_LABELS[store.state])
    assert {model.index(r, COL_STATE).data() for r in range(model.rowCount())} == {label}
    combo.setCurrentIndex(0)
    _wait_query(panel, qtbot, ctx, states=frozenset())
    assert model.total == N_CASES


def test_my_cases_shows_only_cases_assigned_to_me(store, ctx, qtbot):
    panel = _panel(ctx, qtbot)
    mine = panel.findChild(QCheckBox, "caseFilterMine")
    qtbot.waitUntil(mine.isEnabled)
    mine.click()
    _wait_query(panel, qtbot, ctx, assigned_to=store.user_id)
    assert panel.model.total == len(store.mine_ids) < N_CASES
    assert _loaded_ids(panel.model) <= store.mine_ids


def test_date_range_filter(store, ctx, qtbot):
    panel = _panel(ctx, qtbot)
    start, end = panel.findChild(QDateEdit, "caseFilterFrom"), panel.findChild(QDateEdit, "caseFilterTo")
    assert not start.isEnabled()
    start.setDate(QDate(store.date_to))  # given in the wrong order: the range still holds
    end.setDate(QDate(store.date_from))
    panel.findChild(QCheckBox, "caseFilterDates").click()
    _wait_query(panel, qtbot, ctx, detected_from=store.date_from, detected_to=store.date_to)
    assert start.isEnabled()
    assert panel.model.total == store.dated_count


# --- sorting -----------------------------------------------------------------------------

def test_sorting_by_case_number_both_ways(store, ctx, qtbot):
    panel = _panel(ctx, qtbot)
    table = panel.findChild(QTableView, "caseTable")
    table.sortByColumn(COL_NUMBER, Qt.SortOrder.AscendingOrder)
    _wait_query(panel, qtbot, ctx, sort="case_number", descending=False)
    assert _cell(panel.model, 0, COL_NUMBER) == store.first_number_asc
    table.sortByColumn(COL_NUMBER, Qt.SortOrder.DescendingOrder)
    _wait_query(panel, qtbot, ctx, sort="case_number", descending=True)
    assert _cell(panel.model, 0, COL_NUMBER) == store.first_number_desc
    assert panel.model.rowCount() == PAGE

    table.sortByColumn(COL_SEX, Qt.SortOrder.AscendingOrder)  # not sortable: nothing changes
    qtbot.waitUntil(lambda: _settled(ctx))
    assert panel.model.query.sort == "case_number"
    assert table.horizontalHeader().sortIndicatorSection() == COL_NUMBER
    assert _cell(panel.model, 0, COL_NUMBER) == store.first_number_desc


# --- late answers ------------------------------------------------------------------------

@pytest.mark.parametrize("cancelling", [True, False], ids=["cancelled", "not-cancelled"])
def test_a_late_answer_to_an_old_query_never_replaces_the_new_one(store, ctx, qtbot, monkeypatch, cancelling):
    panel = _panel(ctx, qtbot)
    if not cancelling:  # only the generation counter stands between the old answer and the screen
        monkeypatch.setattr(Operation, "cancel", lambda self: None)
    cases = ctx.services.cases
    original = cases.list_cases
    started, release = threading.Event(), threading.Event()

    def slow(session, query):
        if query.states == frozenset({store.state}):
            started.set()
            release.wait(5)
        return original(session, query)

    monkeypatch.setattr(cases, "list_cases", slow)
    combo = panel.findChild(QComboBox, "caseFilterState")
    combo.setCurrentIndex(combo.findData(store.state.value))
    qtbot.waitUntil(started.is_set)
    combo.setCurrentIndex(combo.findData(store.other_state.value))  # the user changed their mind
    model = panel.model
    shown: list[set[CaseState]] = []  # what the list showed each time rows or a count arrived
    totals: list[int] = []
    model.page_loaded.connect(lambda: shown.append({model.case_row(r).state for r in range(model.rowCount())}))
    model.total_changed.connect(totals.append)
    release.set()
    _wait_query(panel, qtbot, ctx, states=frozenset({store.other_state}))
    assert shown == [{store.other_state}]  # the old answer never reached the screen, even briefly
    assert totals == [store.other_state_count]
    assert model.total == store.other_state_count == model.rowCount()
    assert {model.index(r, COL_STATE).data() for r in range(model.rowCount())} == {tr(STATE_LABELS[store.other_state])}


# --- activation, language, disposal ------------------------------------------------------

def test_double_click_and_enter_open_the_case(store, ctx, qtbot):
    panel = _panel(ctx, qtbot)
    table = panel.findChild(QTableView, "caseTable")
    first = panel.model.index(0, COL_NUMBER).data(Qt.ItemDataRole.UserRole)
    rect = table.visualRect(panel.model.index(0, COL_NAME))
    with qtbot.waitSignal(panel.case_activated) as clicked:  # a real double-click: press first
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert clicked.args == [first]

    search = panel.findChild(QLineEdit, "caseSearch")
    search.setFocus()
    qtbot.keyClick(search, Qt.Key.Key_Down)  # from the search box into the results
    qtbot.keyClick(table, Qt.Key.Key_Down)
    second = panel.model.index(1, 0).data(Qt.ItemDataRole.UserRole)
    with qtbot.waitSignal(panel.case_activated) as entered:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert entered.args == [second]


def test_headers_follow_the_language(store, ctx, qtbot):
    panel = _panel(ctx, qtbot)
    model = panel.model
    heading = lambda: model.headerData(COL_NUMBER, Qt.Orientation.Horizontal)  # noqa: E731
    assert heading() == "رقم الحالة"
    assert model.headerData(COL_STATE, Qt.Orientation.Horizontal) == "الوضعية"
    typed = "abc"
    qtbot.keyClicks(panel.findChild(QLineEdit, "caseSearch"), typed)
    with qtbot.waitSignal(model.headerDataChanged):
        language.apply("fr")
    assert heading() == "Numéro de dossier"
    assert model.headerData(COL_STATE, Qt.Orientation.Horizontal) == "État"
    assert panel.findChild(QComboBox, "caseFilterState").itemText(0) == "Tous les états"
    assert panel.findChild(QLineEdit, "caseSearch").text() == typed  # nothing typed is lost
    assert model.index(0, COL_STATE).data() == tr(STATE_LABELS[model.case_row(0).state])
    assert tr(STATE_LABELS[CaseState.CLOSED]) == "Clôturé"
    language.apply("ar")
    assert heading() == "رقم الحالة"
    assert not language.missing & {"Case number", "State", "Nationality", "Border post", "Detected on"}


def test_dispose_forgets_every_case_and_the_search(store, ctx, qtbot):
    panel = _panel(ctx, qtbot)
    qtbot.keyClicks(panel.findChild(QLineEdit, "caseSearch"), store.latin_term)
    _wait_query(panel, qtbot, ctx, text=store.latin_term)
    panel.dispose()
    assert panel.model.rowCount() == 0 and panel.model.total is None
    assert panel.findChild(QLineEdit, "caseSearch").text() == ""
    assert panel.findChild(QLabel, "caseCount").text() == ""
    ctx.hub.cases_changed.emit([])  # a late change notice brings nothing back
    qtbot.wait(200)
    assert panel.model.rowCount() == 0


# --- refresh on change (own small store: this one writes) --------------------------------

def test_list_refreshes_when_cases_change_and_keeps_the_selection(ctx, qtbot):
    user = make_user()
    opened = ctx.vault.create(user, PASSPHRASE)
    ctx.services = services_for(opened)
    svc = ctx.services
    svc.cases.add_prepared(svc.session, generate(30, seed=3, users=[user], device_code=opened.store.device_code))
    panel = _panel(ctx, qtbot)
    table = panel.findChild(QTableView, "caseTable")
    table.setCurrentIndex(panel.model.index(2, COL_NUMBER))
    chosen = panel.model.case_id(2)

    ctx.ops.wait()
    person = Person(id="7d1f6a59-1d0c-4d3e-9a53-4a1f1c1e2b3c", first_name="Awa", second_name="Diallo",
                    first_name_ar="عوا", second_name_ar="ديالو")
    case = svc.cases.register(svc.session, person, border_post="TNG-MED")
    ctx.hub.cases_changed.emit([case.id])
    qtbot.waitUntil(lambda: panel.model.total == 31 and _settled(ctx))
    QApplication.processEvents()
    assert strip_isolates(panel.findChild(QLabel, "caseCount").text()) == _count_text(31)
    assert case.id in _loaded_ids(panel.model)
    assert panel.model.case_id(table.currentIndex().row()) == chosen


def test_every_control_is_named_and_reachable_by_keyboard(store, ctx, qtbot):
    panel = _panel(ctx, qtbot)
    names = ("caseSearch", "caseFilterState", "caseFilterPost", "caseFilterDates", "caseFilterFrom",
             "caseFilterTo", "caseFilterMine", "caseTable", "caseRefresh")
    for name in names:
        widget = panel.findChild(QWidget, name)
        assert widget is not None and widget.accessibleName(), name
    search = panel.findChild(QLineEdit, "caseSearch")
    panel.findChild(QTableView, "caseTable").setFocus()
    qtbot.keyClick(panel.findChild(QTableView, "caseTable"), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert search.hasFocus()
    assert search.nextInFocusChain() is panel.findChild(QComboBox, "caseFilterState")
    posts = panel.findChild(QComboBox, "caseFilterPost")
    assert posts.itemText(0) == "كل المراكز الحدودية والمكاتب" and posts.count() > 10


def test_a_slow_count_shows_counting_instead_of_the_old_number(store, ctx, qtbot, monkeypatch):
    panel = _panel(ctx, qtbot)
    label = panel.findChild(QLabel, "caseCount")
    cases = ctx.services.cases
    original, release = cases.count_cases, threading.Event()

    def slow(session, query):
        release.wait(5)
        return original(session, query)

    monkeypatch.setattr(cases, "count_cases", slow)
    qtbot.waitUntil(panel.findChild(QCheckBox, "caseFilterMine").isEnabled)
    panel.findChild(QCheckBox, "caseFilterMine").click()  # more than a page: the store must count
    qtbot.waitUntil(lambda: label.text() == "جارٍ العدّ…", timeout=3000)
    assert panel.model.rowCount() == PAGE
    release.set()
    _wait_query(panel, qtbot, ctx, assigned_to=store.user_id)
    assert strip_isolates(label.text()) == _count_text(len(store.mine_ids))
