"""Finding people across scripts on the desktop: search as you type in the case list, the
duplicate warning of the new-case dialog and of the person tab, and a supervisor's merge.

Each test makes its own small store with the names it needs (a few cases: the point is
which cases are found and what is written, not speed).
"""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication, QDialog, QLabel, QLineEdit, QListWidget, QPlainTextEdit, QPushButton, QRadioButton, QSpinBox,
    QTreeWidget,
)

from app.domain.checks import new_id
from app.domain.link import LinkKind
from app.domain.person import Person
from app.domain.values import CaseState, ClosureReason, Role, Sex
from app.ports import CaseQuery
from app.services.search import ACROSS_SCRIPTS, SAME_BIRTH_YEAR, SAME_NAME
from i18n.bidi import strip_isolates
from uikit import PASSPHRASE, make_user, type_text
from ui.composition import services_for
from ui.qt.cases.case_file import CaseFilePanel
from ui.qt.cases.duplicates import DuplicateDialog
from ui.qt.cases.list_model import COL_NAME, COL_NUMBER
from ui.qt.cases.list_panel import CaseListPanel
from ui.qt.cases.new_case import NewCaseDialog
from ui.qt.lang import tr
from ui.qt.ops import Operation
from ui.qt.workspace import Workspace

OFFICER, OFFICER_PASSPHRASE = "karim.t", "cactus lantern mosaic harbour 9"
WORKER, WORKER_PASSPHRASE = "amina.k", "pebble saffron lighthouse 4"


@pytest.fixture
def services(ctx):
    opened = ctx.vault.create(make_user(post="TNG-MED"), PASSPHRASE)
    ctx.services = services_for(opened)
    return ctx.services


def add(services, post: str = "TNG-MED", **fields) -> str:
    """A case registered straight through the service (the store the screens then read)."""
    return services.cases.register(services.session, Person(new_id(), **fields), border_post=post).id


def mohamed(services, **extra) -> str:
    return add(services, first_name="Mohamed", second_name="Alami", sex=Sex.MALE, birth_year=1990,
               nationality="MA", **extra)


def settle(ctx, qtbot) -> None:
    qtbot.waitUntil(lambda: not ctx.ops.busy, timeout=10000)
    QApplication.processEvents()


def click(qtbot, widget) -> None:
    assert widget is not None and widget.isEnabled()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def case_count(services) -> int:
    return services.cases.count_cases(services.session, CaseQuery())


def number_of(services, case_id: str) -> str:
    return services.cases.open_case(services.session, case_id, record_view=False).case.case_number


def as_user(ctx, services, username: str, passphrase: str, role: Role, post: str | None = None):
    services.users.add_user(services.session, username=username, display_name=username.title(), role=role,
                            passphrase=passphrase, border_post=post)
    services.lock()
    ctx.services = services_for(ctx.vault.unlock(username, passphrase))
    return ctx.services


# --- search as you type ---------------------------------------------------------------------

def list_panel(ctx, qtbot) -> CaseListPanel:
    panel = CaseListPanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(1100, 600)
    panel.show()
    qtbot.waitUntil(lambda: panel.model.total is not None and not ctx.ops.busy)
    return panel


def wait_text(panel, ctx, qtbot, text: str) -> None:
    qtbot.waitUntil(lambda: panel.model.query.text == text and not panel._search_timer.isActive()
                    and not ctx.ops.busy, timeout=5000)
    QApplication.processEvents()


def shown_ids(model) -> list[str]:
    return [model.case_id(row) for row in range(model.rowCount())]


def why(model, case_id: str) -> str:
    return strip_isolates(model.index(model.row_of(case_id), COL_NAME).data(Qt.ItemDataRole.ToolTipRole) or "")


def test_arabic_typed_finds_latin_spellings_and_the_reverse_ranked_with_why(ctx, services, qtbot, monkeypatch):
    latin = mohamed(services)
    arabic = add(services, first_name_ar="محمد", second_name_ar="العلمي")
    youssef = add(services, first_name="Youssef", second_name="Benali")
    yusuf_ar = add(services, first_name_ar="يوسف", second_name_ar="بنعلي")  # the newest case
    panel = list_panel(ctx, qtbot)
    asked: list[str] = []
    original = services.search.search
    monkeypatch.setattr(services.search, "search",
                        lambda session, text, **kw: asked.append(text) or original(session, text, **kw))
    search = panel.findChild(QLineEdit, "caseSearch")

    type_text(search, "محمد")
    wait_text(panel, ctx, qtbot, "محمد")
    model = panel.model
    assert asked == ["محمد"]  # typed letter by letter, searched once (debounced)
    assert set(shown_ids(model)) == {latin, arabic}  # the Latin "Mohamed" is found by Arabic text
    assert model.ranked and shown_ids(model)[0] == arabic  # the same spelling first
    assert tr(ACROSS_SCRIPTS) in why(model, latin) and tr(SAME_NAME) in why(model, arabic)
    assert strip_isolates(model.index(model.row_of(latin), COL_NUMBER).data(Qt.ItemDataRole.ToolTipRole)) \
        == why(model, latin)  # the number says why too
    assert panel.findChild(QLabel, "caseRanked").isVisible()

    search.clear()
    qtbot.keyClicks(search, "youssef")
    wait_text(panel, ctx, qtbot, "youssef")
    # Latin typed finds the Arabic spelling; ranked, the Latin one comes first although the
    # Arabic case is newer (the store's own order would put it first).
    assert shown_ids(model) == [youssef, yusuf_ar]
    assert tr(ACROSS_SCRIPTS) in why(model, yusuf_ar)

    # A column chosen for sorting: the same cases, in the store's order, without reasons.
    panel.table.sortByColumn(COL_NUMBER, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: model.query.sort == "case_number" and not ctx.ops.busy)
    QApplication.processEvents()
    assert shown_ids(model) == [yusuf_ar, youssef] and not model.ranked
    assert model.index(0, COL_NAME).data(Qt.ItemDataRole.ToolTipRole) is None


@pytest.mark.parametrize("cancelling", [True, False], ids=["cancelled", "not-cancelled"])
def test_a_slow_earlier_search_never_replaces_a_later_one(ctx, services, qtbot, monkeypatch, cancelling):
    mohamed(services)
    youssef = add(services, first_name="Youssef", second_name="Benali")
    yusuf_ar = add(services, first_name_ar="يوسف", second_name_ar="بنعلي")
    panel = list_panel(ctx, qtbot)
    if not cancelling:  # only the generation counter stands between the old answer and the screen
        monkeypatch.setattr(Operation, "cancel", lambda self: None)
    original = services.search.search
    started, release = threading.Event(), threading.Event()

    def slow(session, text, **kw):
        if text == "محمد":
            started.set()
            release.wait(5)
        return original(session, text, **kw)

    monkeypatch.setattr(services.search, "search", slow)
    model = panel.model
    shown: list[set[str]] = []
    model.page_loaded.connect(lambda: shown.append(set(shown_ids(model))))
    search = panel.findChild(QLineEdit, "caseSearch")
    type_text(search, "محمد")
    qtbot.waitUntil(started.is_set)  # the first search is on the worker, held there
    search.clear()
    qtbot.keyClicks(search, "youssef")
    qtbot.waitUntil(lambda: model.query.text == "youssef")  # the second one is asked before the first answers
    release.set()
    wait_text(panel, ctx, qtbot, "youssef")
    assert shown == [{youssef, yusuf_ar}]  # the earlier answer never reached the screen, even briefly
    assert shown_ids(model) == [youssef, yusuf_ar] and model.total == 2


# --- the duplicate warning when registering -------------------------------------------------

def fill_mohamed(dialog, qtbot) -> None:
    """A person near-identical to ``mohamed()``: another spelling, both scripts, same year."""
    qtbot.keyClicks(dialog.findChild(QLineEdit, "personFirstName"), "Mohammed")
    qtbot.keyClicks(dialog.findChild(QLineEdit, "personSecondName"), "Alami")
    type_text(dialog.findChild(QLineEdit, "personFirstNameAr"), "محمد")
    type_text(dialog.findChild(QLineEdit, "personSecondNameAr"), "العلمي")
    dialog.form.sex.set_value(Sex.MALE)
    dialog.findChild(QSpinBox, "personBirthYear").setValue(1990)


def warning_for(ctx, qtbot, dialog) -> DuplicateDialog:
    click(qtbot, dialog.findChild(QPushButton, "newCaseCreate"))
    qtbot.waitUntil(lambda: dialog.duplicates is not None and dialog.duplicates.isVisible(), timeout=10000)
    return dialog.duplicates


def card_texts(warning: DuplicateDialog) -> str:
    return "\n".join(strip_isolates(label.text()) for label in warning.findChildren(QLabel)
                     ) + "\n".join(strip_isolates(b.text()) for b in warning.findChildren(QRadioButton))


def new_case_dialog(ctx, qtbot) -> NewCaseDialog:
    dialog = NewCaseDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_the_warning_shows_the_likely_case_and_back_writes_nothing(ctx, services, qtbot):
    existing = mohamed(services)
    add(services, first_name="Youssef", second_name="Benali")
    before = case_count(services)
    dialog = new_case_dialog(ctx, qtbot)
    fill_mohamed(dialog, qtbot)
    warning = warning_for(ctx, qtbot, dialog)

    assert [m.case_id for m in warning.matches] == [existing]
    text = card_texts(warning)
    assert number_of(services, existing) in text and "Mohamed Alami" in text
    assert "1990" in text and tr("Detected") in text  # birth year and state
    assert tr(SAME_BIRTH_YEAR) in text  # why, in words
    assert case_count(services) == before  # nothing written before the worker decides

    click(qtbot, warning.findChild(QPushButton, "duplicateBack"))
    settle(ctx, qtbot)
    assert case_count(services) == before
    assert dialog.isVisible() and not warning.isVisible()
    assert dialog.findChild(QLineEdit, "personFirstName").text() == "Mohammed"  # the form as typed
    assert dialog.findChild(QPushButton, "newCaseCreate").isEnabled()


def test_open_the_existing_case_opens_it_and_writes_nothing(ctx, services, qtbot):
    existing = mohamed(services)
    before = case_count(services)
    ws = Workspace(ctx)
    qtbot.addWidget(ws)
    ws.show()
    qtbot.waitUntil(lambda: ws.list.model.total is not None)
    ws.open_new_case()
    dialog = ws.new_case_dialog
    fill_mohamed(dialog, qtbot)
    warning = warning_for(ctx, qtbot, dialog)
    with qtbot.waitSignal(dialog.open_existing, timeout=5000) as opened:
        click(qtbot, warning.findChild(QPushButton, "duplicateOpen"))
    settle(ctx, qtbot)

    assert opened.args == [existing]
    assert case_count(services) == before
    assert ws.file.case_id == existing and ws.file.loaded is not None
    assert ws.new_case_dialog is None or not ws.new_case_dialog.isVisible()
    assert services.search.links(services.session, existing) == []


def test_a_different_person_is_registered_and_the_decision_recorded(ctx, services, qtbot):
    existing = mohamed(services)
    before = case_count(services)
    dialog = new_case_dialog(ctx, qtbot)
    fill_mohamed(dialog, qtbot)
    warning = warning_for(ctx, qtbot, dialog)
    with qtbot.waitSignal(dialog.created, timeout=10000) as created:
        click(qtbot, warning.findChild(QPushButton, "duplicateProceed"))
    settle(ctx, qtbot)

    new = created.args[0]
    assert case_count(services) == before + 1
    assert dialog.result() == QDialog.DialogCode.Accepted
    person = services.cases.open_case(services.session, new, record_view=False).person
    assert (person.first_name, person.first_name_ar, person.birth_year) == ("Mohammed", "محمد", 1990)
    links = services.search.links(services.session, new)
    assert [(link.kind, {link.case_id, link.other_case_id}) for link in links] == [
        (LinkKind.DIFFERENT_PERSON, {new, existing})]

    # The pair is not warned about again: editing the new person's name saves at once…
    panel = CaseFilePanel(ctx)
    qtbot.addWidget(panel)
    panel.show()
    panel.show_case(new)
    settle(ctx, qtbot)
    assert links_text(panel) == strip_isolates(tr("Confirmed as a different person from case {number}.").format(
        number=number_of(services, existing)))
    click(qtbot, panel.findChild(QPushButton, "personEdit"))
    first = panel.findChild(QLineEdit, "personFirstName")
    first.clear()
    qtbot.keyClicks(first, "Mohamed")  # now spelled exactly as the other case
    with qtbot.waitSignal(panel.changed, timeout=10000):
        click(qtbot, panel.findChild(QPushButton, "personSave"))
    settle(ctx, qtbot)
    assert panel.person_tab.duplicates is None
    assert services.cases.open_case(services.session, new, record_view=False).person.first_name == "Mohamed"


def test_the_person_tab_warns_before_saving_a_person_who_looks_like_another(ctx, services, qtbot):
    existing = mohamed(services)
    other = add(services, first_name="Karim", second_name="Tazi", sex=Sex.MALE)
    panel = CaseFilePanel(ctx)
    qtbot.addWidget(panel)
    panel.show()
    panel.show_case(other)
    settle(ctx, qtbot)
    click(qtbot, panel.findChild(QPushButton, "personEdit"))
    for name, text in (("personFirstName", "Mohamed"), ("personSecondName", "Alami")):
        edit = panel.findChild(QLineEdit, name)
        edit.clear()
        qtbot.keyClicks(edit, text)
    panel.findChild(QSpinBox, "personBirthYear").setValue(1990)
    click(qtbot, panel.findChild(QPushButton, "personSave"))
    qtbot.waitUntil(lambda: panel.person_tab.duplicates is not None and panel.person_tab.duplicates.isVisible(),
                    timeout=10000)
    warning = panel.person_tab.duplicates
    assert [m.case_id for m in warning.matches] == [existing]
    assert services.cases.open_case(services.session, other, record_view=False).person.first_name == "Karim"

    click(qtbot, warning.findChild(QPushButton, "duplicateOpen"))
    settle(ctx, qtbot)
    assert panel.case_id == existing  # the case already known is shown; the edit was dropped
    assert services.cases.open_case(services.session, other, record_view=False).person.first_name == "Karim"


def test_a_border_officer_is_never_warned_about_another_posts_case(ctx, services, qtbot):
    here = add(services, post="TNG-MED", first_name="Aminata", second_name="Diallo", birth_year=2001)
    there = add(services, post="NDR-PORT", first_name="Aminata", second_name="Diallo", birth_year=2001)
    there_number = number_of(services, there)
    officer = as_user(ctx, services, OFFICER, OFFICER_PASSPHRASE, Role.BORDER_OFFICER, post="TNG-MED")
    dialog = new_case_dialog(ctx, qtbot)
    qtbot.keyClicks(dialog.findChild(QLineEdit, "personFirstName"), "Aminata")
    qtbot.keyClicks(dialog.findChild(QLineEdit, "personSecondName"), "Diallo")
    dialog.findChild(QSpinBox, "personBirthYear").setValue(2001)
    warning = warning_for(ctx, qtbot, dialog)

    assert [m.case_id for m in warning.matches] == [here]
    assert there_number not in card_texts(warning)
    # The case list of the officer does not find it either.
    panel = list_panel(ctx, qtbot)
    qtbot.keyClicks(panel.findChild(QLineEdit, "caseSearch"), "aminata")
    wait_text(panel, ctx, qtbot, "aminata")
    assert shown_ids(panel.model) == [here]
    assert officer.session.role is Role.BORDER_OFFICER


# --- merging ------------------------------------------------------------------------------

def case_file(ctx, qtbot, case_id: str) -> CaseFilePanel:
    panel = CaseFilePanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(1000, 700)
    panel.show()
    panel.show_case(case_id)
    settle(ctx, qtbot)
    assert panel.loaded is not None
    return panel


def links_text(panel) -> str:
    return strip_isolates(panel.findChild(QLabel, "caseLinks").accessibleName())


def test_a_supervisor_merges_with_a_reason_and_both_cases_show_the_link(ctx, services, qtbot):
    kept = mohamed(services)
    duplicate = add(services, first_name_ar="محمد", second_name_ar="العلمي", sex=Sex.MALE, birth_year=1990)
    services.cases.add_note(services.session, duplicate, "Seen again at the port on Monday.")
    kept_number, duplicate_number = number_of(services, kept), number_of(services, duplicate)
    panel = case_file(ctx, qtbot, kept)
    merge = panel.findChild(QPushButton, "caseMerge")
    assert merge.isVisible()
    click(qtbot, merge)
    dialog = panel.merge_dialog
    qtbot.waitUntil(dialog.isVisible)

    type_text(dialog.findChild(QLineEdit, "mergeSearch"), "محمد")  # found across scripts, this case left out
    results = dialog.findChild(QListWidget, "mergeResults")
    qtbot.waitUntil(lambda: results.count() > 0 and not ctx.ops.busy, timeout=5000)
    assert [results.item(i).data(Qt.ItemDataRole.UserRole) for i in range(results.count())] == [duplicate]
    results.setCurrentRow(0)
    settle(ctx, qtbot)
    compare = dialog.findChild(QTreeWidget, "mergeCompare")
    rows = {strip_isolates(compare.topLevelItem(i).text(0)): (strip_isolates(compare.topLevelItem(i).text(1)),
                                                              strip_isolates(compare.topLevelItem(i).text(2)))
            for i in range(compare.topLevelItemCount())}
    assert rows[tr("Case number")] == (kept_number, duplicate_number)
    assert rows[tr("Name (Latin letters)")][0] == "Mohamed Alami"
    assert rows[tr("Name (Arabic letters)")][1] == "محمد العلمي"
    assert rows[tr("Notes")] == ("0", "1")

    next_button = dialog.findChild(QPushButton, "mergeNext")
    reason = dialog.findChild(QPlainTextEdit, "mergeReason")
    qtbot.keyClicks(reason, "same")
    assert not next_button.isEnabled()  # a reason of at least 10 characters is required
    qtbot.keyClicks(reason, " passport photo and birth year")
    click(qtbot, next_button)
    confirm_text = strip_isolates(dialog.findChild(QLabel, "mergeConfirmText").text())
    assert duplicate_number in confirm_text and kept_number in confirm_text
    assert services.cases.open_case(services.session, duplicate, record_view=False).case.state is not CaseState.CLOSED
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        click(qtbot, dialog.findChild(QPushButton, "mergeConfirm"))
    settle(ctx, qtbot)

    merged = services.cases.open_case(services.session, duplicate, record_view=False).case
    assert merged.state is CaseState.CLOSED and merged.closure_reason is ClosureReason.MERGED
    assert panel.case_id == kept
    assert duplicate_number in links_text(panel)  # "Case … was merged into this case."
    assert links_text(panel) == strip_isolates(tr("Case {number} was merged into this case.").format(
        number=duplicate_number))

    # The merged case says where it went (a link to the kept case) and cannot be merged again.
    panel.show_case(duplicate)
    settle(ctx, qtbot)
    assert links_text(panel) == strip_isolates(tr("This case was merged into case {number}.").format(
        number=kept_number))
    assert not panel.findChild(QPushButton, "caseMerge").isEnabled()
    panel.findChild(QLabel, "caseLinks").linkActivated.emit(f"case:{kept}")
    settle(ctx, qtbot)
    assert panel.case_id == kept


def test_keeping_the_other_case_shows_it_after_the_merge(ctx, services, qtbot):
    older = mohamed(services)
    newer = add(services, first_name="Mohammed", second_name="Alami", sex=Sex.MALE, birth_year=1990)
    panel = case_file(ctx, qtbot, newer)
    click(qtbot, panel.findChild(QPushButton, "caseMerge"))
    dialog = panel.merge_dialog
    qtbot.keyClicks(dialog.findChild(QLineEdit, "mergeSearch"), number_of(services, older))
    results = dialog.findChild(QListWidget, "mergeResults")
    qtbot.waitUntil(lambda: results.count() == 1 and not ctx.ops.busy, timeout=5000)
    results.setCurrentRow(0)
    settle(ctx, qtbot)
    dialog.findChild(QRadioButton, "mergeKeepOther").setChecked(True)
    qtbot.keyClicks(dialog.findChild(QPlainTextEdit, "mergeReason"), "Registered twice at the same post")
    click(qtbot, dialog.findChild(QPushButton, "mergeNext"))
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        click(qtbot, dialog.findChild(QPushButton, "mergeConfirm"))
    settle(ctx, qtbot)

    assert panel.case_id == older
    assert services.cases.open_case(services.session, newer, record_view=False).case.closure_reason \
        is ClosureReason.MERGED
    assert services.cases.open_case(services.session, older, record_view=False).case.state is CaseState.DETECTED


def test_a_social_worker_has_no_merge_action(ctx, services, qtbot):
    case_id = mohamed(services)
    as_user(ctx, services, WORKER, WORKER_PASSPHRASE, Role.SOCIAL_WORKER)
    panel = case_file(ctx, qtbot, case_id)
    assert panel.loaded.role is Role.SOCIAL_WORKER
    assert panel.findChild(QPushButton, "caseMerge").isHidden()
    panel.ask_merge()  # even asked directly, no dialog opens
    assert panel.merge_dialog is None
