"""The workspace: toolbar by role, new case, opening a case, locking, settings and language."""

from __future__ import annotations

import pytest
import sqlcipher3
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QLineEdit, QPushButton, QSpinBox, QSplitter, QToolBar

from app.domain.audit import AuditAction
from app.domain.person import Person
from app.domain.values import ROLE_LABELS, Role
from app.domain.checks import new_id
from uikit import PASSPHRASE, make_user, type_text
from ui.composition import services_for
from ui.qt.lang import language, tr
from ui.qt.window import MainWindow
from ui.qt.workspace import Workspace

ROLE_USERS = {
    Role.BORDER_OFFICER: make_user("omar.b", Role.BORDER_OFFICER, post="TNG-MED"),
    Role.SOCIAL_WORKER: make_user("amina.k", Role.SOCIAL_WORKER),
    Role.SUPERVISOR: make_user(),
    Role.SECRETARIAT: make_user("nadia.s", Role.SECRETARIAT),
}


def open_store(ctx, user=None):
    opened = ctx.vault.create(user or make_user(), PASSPHRASE)
    ctx.services = services_for(opened)
    return opened


def workspace(ctx, qtbot) -> Workspace:
    ws = Workspace(ctx)
    qtbot.addWidget(ws)
    ws.resize(1200, 700)
    ws.show()
    qtbot.waitUntil(lambda: ws.list.model.total is not None)
    return ws


def action(ws, name) -> QAction:
    found = ws.findChild(QAction, name)
    assert found is not None, name
    return found


def register(ctx, first_name="Grace") -> str:
    services = ctx.services
    person = Person(id=new_id(), first_name=first_name)
    return services.cases.register(services.session, person, border_post="TNG-MED").id


@pytest.fixture
def window(ctx, qtbot) -> MainWindow:
    opened = open_store(ctx)
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    w.on_unlocked(opened)
    qtbot.waitUntil(lambda: w.workspace.list.model.total is not None)
    return w


# --- toolbar --------------------------------------------------------------------------------
@pytest.mark.parametrize("role, creates, manages", [
    (Role.BORDER_OFFICER, True, False),
    (Role.SOCIAL_WORKER, True, False),
    (Role.SUPERVISOR, True, True),
    (Role.SECRETARIAT, False, True),
])
def test_toolbar_shows_what_the_role_may_do(ctx, qtbot, role, creates, manages):
    user = ROLE_USERS[role]
    open_store(ctx, user)
    ws = workspace(ctx, qtbot)
    toolbar = ws.findChild(QToolBar, "workspaceToolbar")
    assert action(ws, "actionNewCase").isVisible() is creates
    assert action(ws, "actionUsers").isVisible() is manages
    for always in ("actionSettings", "actionLock", "actionSearch", "actionRefresh"):
        assert action(ws, always).isVisible()
    shown = [a.objectName() for a in toolbar.actions() if a.isVisible() and a.objectName()]
    assert ("actionUsers" in shown) is manages
    who = ws.findChild(QLabel, "workspaceUser").text()
    assert user.display_name in who and tr(ROLE_LABELS[role]) in who
    # A hidden action must not open its dialog through its shortcut either.
    action(ws, "actionUsers").trigger()
    assert (ws.users_dialog is not None) is manages


def test_toolbar_tooltips_name_their_shortcuts(ctx, qtbot):
    open_store(ctx)
    ws = workspace(ctx, qtbot)
    assert "Ctrl+L" in action(ws, "actionLock").toolTip()
    assert "Ctrl+N" in action(ws, "actionNewCase").toolTip()
    assert action(ws, "actionNewCase").shortcut().toString() == "Ctrl+N"
    assert "Ctrl+F" in action(ws, "actionSearch").toolTip()
    assert action(ws, "actionLock").text() == tr("Lock")


def test_list_and_file_share_the_width(ctx, qtbot):
    open_store(ctx)
    ws = Workspace(ctx)
    qtbot.addWidget(ws)
    ws.resize(2600, 800)  # wide enough for the list's filter row
    ws.show()
    sizes = ws.findChild(QSplitter, "workspaceSplitter").sizes()
    assert sizes[0] < sizes[1] and abs(sizes[0] / sum(sizes) - 0.45) < 0.02
    assert ws.splitter.indexOf(ws.left) == 0 and ws.splitter.indexOf(ws.file) == 1
    assert ws.left.currentWidget() is ws.list  # the today view takes its place on demand


def test_search_action_focuses_the_list_search(ctx, qtbot):
    open_store(ctx)
    ws = workspace(ctx, qtbot)
    ws.activateWindow()
    action(ws, "actionSearch").trigger()
    search = ws.findChild(QLineEdit, "caseSearch")
    qtbot.waitUntil(lambda: search.hasFocus())


# --- cases ----------------------------------------------------------------------------------
def test_new_case_action_registers_shows_and_opens_it(ctx, qtbot):
    open_store(ctx)
    ws = workspace(ctx, qtbot)
    assert ws.list.model.rowCount() == 0
    messages = []
    ws.message.connect(messages.append)
    action(ws, "actionNewCase").trigger()
    dialog = ws.new_case_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.findChild(QLineEdit, "personFirstName"), "Grace")
    dialog.findChild(QComboBox, "newCasePost").setCurrentIndex(1)  # a supervisor names the post
    qtbot.mouseClick(dialog.findChild(QPushButton, "newCaseCreate"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ws.list.model.rowCount() == 1 and ws.file.loaded is not None)
    case_id = ws.list.model.case_id(0)
    assert ws.file.case_id == case_id
    number = ws.file.loaded.file.case.case_number
    assert number in ws.findChild(QLabel, "caseNumber").text()
    assert messages == [tr("The new case was registered and opened.")]
    qtbot.waitUntil(lambda: ws.new_case_dialog is None)  # closed and deleted: nothing typed lingers
    ctx.ops.wait()
    views = [e for e in ctx.services.opened.store.audit_entries(record_id=case_id)
             if e.event.action == AuditAction.CASE_VIEWED]
    assert len(views) == 1  # opened once, not once more for the hub's announcement


def test_activating_a_case_in_the_list_opens_it(ctx, qtbot):
    open_store(ctx)
    case_id = register(ctx)
    ws = workspace(ctx, qtbot)
    qtbot.waitUntil(lambda: ws.list.model.rowCount() == 1)
    with qtbot.waitSignal(ws.message) as said:
        ws.list.table.setCurrentIndex(ws.list.model.index(0, 0))
        qtbot.keyClick(ws.list.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: ws.file.loaded is not None)
    number = ws.file.loaded.file.case.case_number
    assert ws.file.case_id == case_id and number in said.args[0]


def test_a_change_in_the_file_refreshes_the_list(ctx, qtbot, monkeypatch):
    open_store(ctx)
    ws = workspace(ctx, qtbot)
    calls = []
    monkeypatch.setattr(ws.list, "refresh", lambda: calls.append(1))
    ws.file.changed.emit("some-case")
    assert calls == [1]


def test_dispose_forgets_the_cases_and_the_search(ctx, qtbot):
    open_store(ctx)
    case_id = register(ctx)
    ws = workspace(ctx, qtbot)
    ws.show_case(case_id)
    qtbot.waitUntil(lambda: ws.file.loaded is not None)
    qtbot.keyClicks(ws.findChild(QLineEdit, "caseSearch"), "Grace")
    action(ws, "actionSettings").trigger()
    assert ws.settings_dialog is not None
    ws.dispose()
    assert ws.file.case_id is None and ws.file.loaded is None
    assert ws.list.model.rowCount() == 0 and ws.findChild(QLineEdit, "caseSearch").text() == ""
    assert not ws.dialogs


# --- locking, settings, language ------------------------------------------------------------
def test_lock_action_emits_lock_requested(ctx, qtbot):
    open_store(ctx)
    ws = workspace(ctx, qtbot)
    with qtbot.waitSignal(ws.lock_requested, timeout=1000):
        action(ws, "actionLock").trigger()


def test_lock_action_locks_the_window(window, qtbot):
    store = window.ctx.services.opened.store
    action(window.workspace, "actionLock").trigger()
    assert window.ctx.services is None and window.workspace is None
    assert window.stack.currentWidget() is window.unlock_page
    with pytest.raises(sqlcipher3.ProgrammingError):  # the connection is really closed
        store.db.execute("SELECT count(*) FROM meta")


def test_settings_action_sets_the_window_idle_lock(window, qtbot, settings):
    action(window.workspace, "actionSettings").trigger()
    dialog = window.workspace.settings_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.findChild(QSpinBox, "settingsIdle").setValue(3)
    assert window.idle.timer.interval() == 3 * 60_000 and settings.get("idle_lock_minutes") == 3
    dialog.findChild(QSpinBox, "settingsIdle").setValue(40)
    assert window.idle.timer.interval() == 15 * 60_000 and settings.get("idle_lock_minutes") == 15


def test_language_switch_relabels_in_place(window, qtbot, settings, pseudo_french):
    ws = window.workspace
    case_id = register(window.ctx)
    ws.show_case(case_id)
    qtbot.waitUntil(lambda: ws.file.loaded is not None)
    search = ws.findChild(QLineEdit, "caseSearch")
    type_text(search, "غريس Grace")
    number = ws.file.loaded.file.case.case_number
    before = {name: action(ws, name).text() for name in ("actionNewCase", "actionLock", "actionSettings")}
    who_before = ws.findChild(QLabel, "workspaceUser").text()

    action(ws, "actionSettings").trigger()
    combo = ws.settings_dialog.findChild(QComboBox, "settingsLanguage")
    combo.setCurrentIndex(combo.findData("fr"))

    assert QApplication.layoutDirection() == Qt.LayoutDirection.LeftToRight
    assert settings.get("language") == "fr"
    assert window.workspace is ws  # nothing was rebuilt
    for name, text in before.items():
        assert action(ws, name).text() != text
    assert action(ws, "actionNewCase").text() == tr("New case")
    assert ws.findChild(QLabel, "workspaceUser").text() != who_before
    assert search.text() == "غريس Grace"
    assert ws.file.case_id == case_id and number in ws.findChild(QLabel, "caseNumber").text()

    combo.setCurrentIndex(combo.findData("ar"))
    assert language.code == "ar" and QApplication.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert {name: action(ws, name).text() for name in before} == before
    assert search.text() == "غريس Grace"


def test_ctrl_f_reaches_the_search_from_the_case_file(window, qtbot):
    ws = window.workspace
    window.activateWindow()
    target = ws.file.findChild(QLabel, "caseEmpty")  # nothing open yet: the file's placeholder
    target.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    target.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is target)
    qtbot.keyClick(target, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: ws.findChild(QLineEdit, "caseSearch").hasFocus())
