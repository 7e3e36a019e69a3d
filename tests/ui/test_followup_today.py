"""Services received, follow-up tasks, the "today" view, the service directory and a
transfer to another scope, driven through the desktop app's widgets."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QTextBrowser, QTreeWidget, QWidget,
)

from app.domain.checks import new_id
from app.domain.person import Person
from app.domain.referral import Provider, ServiceCategory
from app.domain.values import CaseState, Role
from app.errors import NotFound, PermissionDenied
from app.services.referrals import UPCOMING_DAYS
from i18n.bidi import strip_isolates
from uikit import PASSPHRASE, make_user, type_text
from ui.composition import services_for
from ui.qt.cases.case_file import CaseFilePanel
from ui.qt.lang import ntr, tr
from ui.qt.referrals.directory_dialog import DirectoryDialog
from ui.qt.referrals.followup_tab import OVERDUE_COLOUR, overdue_text
from ui.qt.referrals.today import TodayPanel
from ui.qt.window import MainWindow

OFFICER, OFFICER_PASSPHRASE = "karim.t", "cactus lantern mosaic harbour 9"
WORKER, WORKER_PASSPHRASE = "amina.k", "fig orchard minaret breeze 4"


def settle(ctx, qtbot) -> None:
    qtbot.waitUntil(lambda: not ctx.ops.busy, timeout=10000)


def click(qtbot, widget) -> None:
    assert widget is not None and widget.isEnabled() and not widget.isHidden()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def register(services, latin="Youssef", arabic="يوسف") -> str:
    person = Person(id=new_id(), first_name=latin, first_name_ar=arabic)
    return services.cases.register(services.session, person, border_post="TNG-MED").id


@pytest.fixture
def services(ctx):
    ctx.services = services_for(ctx.vault.create(make_user(post="TNG-MED"), PASSPHRASE))
    return ctx.services


def switch_user(ctx, username, passphrase):
    ctx.services.lock()
    ctx.services = services_for(ctx.vault.unlock(username, passphrase))
    return ctx.services


def open_panel(ctx, qtbot, case_id) -> CaseFilePanel:
    panel = CaseFilePanel(ctx)
    qtbot.addWidget(panel)
    panel.show()
    panel.show_case(case_id)
    settle(ctx, qtbot)
    assert panel.loaded is not None
    panel.tabs.setCurrentWidget(panel.followup_tab)
    return panel


def tree_rows(tree: QTreeWidget) -> list[list[str]]:
    return [[strip_isolates(tree.topLevelItem(i).text(c)) for c in range(tree.columnCount())]
            for i in range(tree.topLevelItemCount())]


def add_task(ctx, qtbot, panel, title: str, due: QDate) -> None:
    click(qtbot, panel.findChild(QPushButton, "taskAdd"))
    dialog = panel.followup_tab.task_dialog
    settle(ctx, qtbot)  # the users of the device arrive
    type_text(dialog.findChild(QLineEdit, "taskTitle"), title)
    dialog.due_on.setDate(due)
    click(qtbot, dialog.findChild(QPushButton, "taskSave"))
    settle(ctx, qtbot)
    assert dialog.result() == QDialog.DialogCode.Accepted


def today_groups(panel: TodayPanel) -> dict[str, list[dict[str, str]]]:
    """Group header (without its count) → the rows under it, as shown."""
    groups = {}
    for i in range(panel.tree.topLevelItemCount()):
        header = panel.tree.topLevelItem(i)
        rows = []
        for r in range(header.childCount()):
            case, what, when = (strip_isolates(header.child(r).text(c)) for c in range(3))
            number, name = case.split("\n")
            rows.append({"number": number, "name": name, "what": what, "when": when})
        groups[strip_isolates(header.text(0)).rsplit(" (", 1)[0]] = rows
    return groups


# --- services received ------------------------------------------------------------------------
def test_record_a_service_from_the_directory_and_see_it(ctx, services, qtbot):
    panel = open_panel(ctx, qtbot, register(services))
    click(qtbot, panel.findChild(QPushButton, "serviceRecord"))
    dialog = panel.followup_tab.service_dialog
    settle(ctx, qtbot)
    click(qtbot, dialog.findChild(QPushButton, "serviceSave"))  # nothing chosen yet
    settle(ctx, qtbot)
    assert not dialog.findChild(QLabel, "error_category").isHidden()
    assert not dialog.findChild(QLabel, "error_provider_name").isHidden()
    assert dialog.isVisible() and services.referrals.services(services.session, panel.case_id) == []

    dialog.category.set_value(ServiceCategory.SHELTER)
    settle(ctx, qtbot)  # the providers of that category, nearest first
    combo = dialog.findChild(QComboBox, "serviceProvider")
    assert combo.count() >= 1
    hits = services.referrals.providers(services.session, category=ServiceCategory.SHELTER, near_post="TNG-MED")
    shelter = hits[0].provider  # the nearest to the case's post comes first
    combo.setCurrentIndex(0)
    assert combo.currentText() == shelter.name_ar  # the Arabic interface names it in Arabic
    type_text(dialog.findChild(QPlainTextEdit, "serviceDescription"), "ثلاث ليال في المركز")
    click(qtbot, dialog.findChild(QPushButton, "serviceSave"))
    settle(ctx, qtbot)

    assert dialog.result() == QDialog.DialogCode.Accepted
    [stored] = services.referrals.services(services.session, panel.case_id)
    assert (stored.category, stored.provider_id, stored.description) == (
        ServiceCategory.SHELTER, shelter.id, "ثلاث ليال في المركز")
    rows = tree_rows(panel.findChild(QTreeWidget, "serviceList"))
    assert rows[0][1:] == [tr("Urgent and temporary shelter"), shelter.name_ar, "ثلاث ليال في المركز"]


def test_a_provider_not_in_the_directory_is_typed(ctx, services, qtbot):
    panel = open_panel(ctx, qtbot, register(services))
    click(qtbot, panel.findChild(QPushButton, "serviceRecord"))
    dialog = panel.followup_tab.service_dialog
    settle(ctx, qtbot)
    dialog.category.set_value(ServiceCategory.HEALTH)
    settle(ctx, qtbot)
    type_text(dialog.findChild(QComboBox, "serviceProvider").lineEdit(), "عيادة الدكتور بناني")
    dialog.received_on.setDate(QDate.currentDate().addDays(-3))
    click(qtbot, dialog.findChild(QPushButton, "serviceSave"))
    settle(ctx, qtbot)
    [stored] = services.referrals.services(services.session, panel.case_id)
    assert stored.provider_name == "عيادة الدكتور بناني" and stored.provider_id is None
    assert stored.received_on == date.today() - timedelta(days=3)


# --- tasks and the today view ----------------------------------------------------------------
@pytest.fixture
def window(ctx, services, qtbot) -> MainWindow:
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    services.lock()
    w.on_unlocked(ctx.vault.unlock("salma.b", PASSPHRASE))
    qtbot.waitUntil(lambda: w.workspace.list.model.total is not None)
    settle(ctx, qtbot)
    return w


def open_in_window(ctx, qtbot, window, case_id) -> CaseFilePanel:
    window.workspace.show_case(case_id)
    settle(ctx, qtbot)
    panel = window.workspace.file
    assert panel.loaded is not None and panel.case_id == case_id
    panel.tabs.setCurrentWidget(panel.followup_tab)
    return panel


def test_tasks_show_in_the_today_view_and_mark_done_removes_them(ctx, window, qtbot):
    ws = window.workspace
    case_id = register(ctx.services)
    number = ctx.services.cases.open_case(ctx.services.session, case_id, record_view=False).case.case_number
    panel = open_in_window(ctx, qtbot, window, case_id)
    add_task(ctx, qtbot, panel, "زيارة المركز", QDate.currentDate().addDays(-1))
    add_task(ctx, qtbot, panel, "الاتصال بالمحامي", QDate.currentDate())

    # The case file: the overdue task says so in words, and in red.
    tasks = panel.findChild(QTreeWidget, "taskList")
    rows = tree_rows(tasks)
    yesterday = date.today() - timedelta(days=1)
    assert rows[0][0] == strip_isolates(overdue_text(yesterday, date.today())) and rows[0][2] == "زيارة المركز"
    assert rows[1][0] == tr("Due today") and rows[1][2] == "الاتصال بالمحامي"
    assert rows[0][3] == "Salma B"  # assigned to me by default
    assert tasks.topLevelItem(0).foreground(0).color().name() == OVERDUE_COLOUR

    # The today view, refreshed by the change: overdue and due today, with the case and the name.
    ws.today_action.trigger()
    assert ws.left.currentWidget() is ws.today
    settle(ctx, qtbot)
    groups = today_groups(ws.today)
    assert [row["what"] for row in groups[tr("Overdue")]] == ["زيارة المركز"]
    assert [row["what"] for row in groups[tr("Due today")]] == ["الاتصال بالمحامي"]
    overdue_row = groups[tr("Overdue")][0]
    assert overdue_row["number"] == number and overdue_row["name"] == "يوسف — Youssef"
    assert strip_isolates(overdue_text(yesterday, date.today())) in overdue_row["when"]
    badge = ws.findChild(QLabel, "todayBadge")
    assert badge.text() == "2" and ws.today_badge_action.isVisible()

    # Mark the overdue one done from the today view: it leaves the view and is done in the store.
    header = ws.today.tree.topLevelItem(0)
    ws.today.tree.setCurrentItem(header.child(0))
    click(qtbot, ws.today.findChild(QPushButton, "todayDone"))
    settle(ctx, qtbot)
    groups = today_groups(ws.today)
    assert tr("Overdue") not in groups and [r["what"] for r in groups[tr("Due today")]] == ["الاتصال بالمحامي"]
    stored = {t.title: t for t in ctx.services.referrals.tasks(ctx.services.session, case_id)}
    assert stored["زيارة المركز"].done and not stored["الاتصال بالمحامي"].done
    assert badge.text() == "1"
    assert tree_rows(panel.findChild(QTreeWidget, "taskList"))[0][2] == "الاتصال بالمحامي"  # the file reloaded

    # Mark the other done in the case file's tab.
    tasks = panel.findChild(QTreeWidget, "taskList")
    tasks.setCurrentItem(tasks.topLevelItem(0))
    click(qtbot, panel.findChild(QPushButton, "taskDone"))
    settle(ctx, qtbot)
    assert ws.today.view.count == 0 and ws.today.tree.isHidden() and not ws.today.empty.isHidden()
    assert not ws.today_badge_action.isVisible()


def test_double_click_and_enter_open_the_case(ctx, window, qtbot):
    ws = window.workspace
    first, second = register(ctx.services), register(ctx.services, "Amina", "أمينة")
    s = ctx.services.session
    ctx.services.referrals.add_task(s, first, "Call the shelter", date.today() + timedelta(days=2))
    ctx.services.referrals.add_task(s, second, "Visit", date.today())
    ws.show_today(True)
    settle(ctx, qtbot)
    groups = today_groups(ws.today)
    assert [r["what"] for r in groups[tr("Coming up (next 7 days)")]] == ["Call the shelter"]
    assert groups[tr("Due today")][0]["name"] == "أمينة — Amina"

    upcoming = ws.today.tree.topLevelItem(1).child(0)
    rect = ws.today.tree.visualRect(ws.today.tree.indexFromItem(upcoming, 1))
    assert rect.isValid() and ws.today.tree.viewport().rect().contains(rect.center())
    # QTest sends a double-click without the press before it; a real one starts with a click.
    qtbot.mouseClick(ws.today.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(ws.today.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    settle(ctx, qtbot)
    assert ws.file.case_id == first and ws.file.loaded is not None

    ws.today.tree.setCurrentItem(ws.today.tree.topLevelItem(0).child(0))
    qtbot.keyClick(ws.today.tree, Qt.Key.Key_Return)
    settle(ctx, qtbot)
    assert ws.file.case_id == second
    assert ws.left.currentWidget() is ws.today  # the view stays beside the open case


def test_tasks_further_than_the_week_and_of_others_are_not_listed(ctx, window, qtbot):
    s = ctx.services.session
    case_id = register(ctx.services)
    ctx.services.referrals.add_task(s, case_id, "Later", date.today() + timedelta(days=UPCOMING_DAYS + 1))
    ws = window.workspace
    ws.show_today(True)
    settle(ctx, qtbot)
    assert ws.today.view is not None and ws.today.view.count == 0
    assert not ws.today.empty.isHidden()


def test_after_lock_the_today_view_is_empty(ctx, window, qtbot):
    case_id = register(ctx.services)
    ctx.services.referrals.add_task(ctx.services.session, case_id, "زيارة", date.today())
    today = window.workspace.today
    window.workspace.show_today(True)
    settle(ctx, qtbot)
    assert today.tree.topLevelItemCount() == 1
    texts = lambda: " ".join(today.tree.topLevelItem(i).child(r).text(c)  # noqa: E731
                             for i in range(today.tree.topLevelItemCount())
                             for r in range(today.tree.topLevelItem(i).childCount()) for c in range(3))
    assert "يوسف" in texts()

    window.lock()

    assert today.view is None and today.tree.topLevelItemCount() == 0 and "يوسف" not in texts()
    assert window.workspace is None and window.stack.currentWidget() is window.unlock_page


def test_a_standalone_today_view_clears_on_the_locked_signal(ctx, services, qtbot):
    case_id = register(services)
    services.referrals.add_task(services.session, case_id, "Visit", date.today() - timedelta(days=4))
    panel = TodayPanel(ctx)
    qtbot.addWidget(panel)
    ctx.hub.unlocked.emit()
    settle(ctx, qtbot)
    assert len(panel.view.overdue) == 1
    assert panel.tree.topLevelItem(0).child(0).foreground(0).color().name() == OVERDUE_COLOUR
    ctx.hub.locked.emit()
    assert panel.view is None and panel.tree.topLevelItemCount() == 0


# --- roles ------------------------------------------------------------------------------------
def test_a_border_officer_sees_no_edit_buttons(ctx, services, qtbot):
    case_id = register(services)
    s = services.session
    services.users.add_user(s, username=OFFICER, display_name="Karim Tazi", role=Role.BORDER_OFFICER,
                            passphrase=OFFICER_PASSPHRASE, border_post="TNG-MED")
    officer_id = next(u.id for u in services.opened.store.users() if u.username == OFFICER)
    services.referrals.add_task(s, case_id, "Check on the person", date.today(), assigned_to=officer_id)
    officer = switch_user(ctx, OFFICER, OFFICER_PASSPHRASE)

    panel = open_panel(ctx, qtbot, case_id)
    assert panel.loaded.role is Role.BORDER_OFFICER
    for name in ("serviceRecord", "taskAdd", "taskDone"):
        assert panel.findChild(QPushButton, name).isHidden(), name
    denied = panel.findChild(QLabel, "followUpDenied")
    assert not denied.isHidden() and tr("Border officer") in strip_isolates(denied.text())
    assert tree_rows(panel.findChild(QTreeWidget, "taskList"))[0][2] == "Check on the person"  # still read

    today = TodayPanel(ctx)
    qtbot.addWidget(today)
    today.show()
    settle(ctx, qtbot)
    assert today.view is not None and len(today.view.due_today) == 1
    assert today.findChild(QPushButton, "todayDone").isHidden()
    with pytest.raises(PermissionDenied):  # the service refuses anyway
        officer.referrals.complete_task(officer.session, today.view.due_today[0].task.id)


# --- the service directory --------------------------------------------------------------------
def open_directory(ctx, qtbot) -> DirectoryDialog:
    dialog = DirectoryDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    settle(ctx, qtbot)
    return dialog


def listed(dialog) -> list[str]:
    return [row[0] for row in tree_rows(dialog.list)]


def test_the_directory_filters_and_shows_details(ctx, services, qtbot):
    dialog = open_directory(ctx, qtbot)
    everything = services.referrals.providers(services.session)
    assert len(listed(dialog)) == len(everything) >= 3
    assert not dialog.findChild(QLabel, "directorySampleText").isHidden()  # the shipped entries are samples
    for name in ("directoryAdd", "directoryEdit", "directoryDeactivate"):
        assert dialog.findChild(QPushButton, name).isHidden()  # a supervisor does not edit the directory

    dialog.category.set_value(ServiceCategory.SHELTER)
    settle(ctx, qtbot)
    shelters = [h.provider.name_ar for h in everything if ServiceCategory.SHELTER in h.provider.categories]
    assert sorted(listed(dialog)) == sorted(shelters) and 0 < len(shelters) < len(everything)

    dialog.category.set_value(None)
    dialog.region.set_value("MA-02")
    settle(ctx, qtbot)
    oriental = [h.provider for h in everything if h.provider.region_code == "MA-02"]
    assert listed(dialog) == [p.name_ar for p in oriental]

    dialog.region.set_value(None)
    type_text(dialog.search, "وجدة")
    dialog.reload()  # do not wait for the typing pause
    settle(ctx, qtbot)
    in_oujda = [h.provider for h in everything if "وجدة" in h.provider.name_ar + h.provider.city_ar]
    assert listed(dialog) == [p.name_ar for p in in_oujda] and 0 < len(in_oujda) < len(oriental)
    details = dialog.findChild(QTextBrowser, "directoryDetails").toPlainText()  # the first is selected
    assert in_oujda[0].name_fr in details and in_oujda[0].phone in details
    assert tr("Sample entry: the contacts are made up.") in details

    dialog.search.clear()
    type_text(dialog.search, "لا يوجد")
    dialog.reload()
    settle(ctx, qtbot)
    assert listed(dialog) == []
    assert dialog.count.text() == ntr("{count} provider", "{count} providers", 0).format(count=0)


def test_the_secretariat_adds_edits_and_deactivates_a_provider(ctx, qtbot):
    ctx.services = services_for(ctx.vault.create(make_user("nadia.s", Role.SECRETARIAT), PASSPHRASE))
    services = ctx.services
    dialog = open_directory(ctx, qtbot)
    click(qtbot, dialog.findChild(QPushButton, "directoryAdd"))
    form = dialog.editor
    form.findChild(QLineEdit, "providerLatitude").setText("north")
    click(qtbot, form.findChild(QPushButton, "providerSave"))
    settle(ctx, qtbot)
    for field in ("name_ar", "name_fr", "categories", "region_code", "city_ar", "city_fr", "latitude"):
        assert not form.findChild(QLabel, f"error_{field}").isHidden(), field
    assert form.findChild(QLabel, "error_latitude").text() == tr("Not a valid coordinate.")
    assert form.isVisible()

    type_text(form.findChild(QLineEdit, "providerNameAr"), "جمعية الأمل للإيواء")
    qtbot.keyClicks(form.findChild(QLineEdit, "providerNameFr"), "Association Al Amal")
    type_text(form.findChild(QLineEdit, "providerCityAr"), "الناظور")
    qtbot.keyClicks(form.findChild(QLineEdit, "providerCityFr"), "Nador")
    form.findChild(QCheckBox, "providerCategory_shelter").setChecked(True)
    form.region.set_value("MA-02")
    form.findChild(QLineEdit, "providerLatitude").setText("35.17")
    form.findChild(QLineEdit, "providerLongitude").setText("-2.93")
    qtbot.keyClicks(form.findChild(QLineEdit, "providerLanguages"), "ar, fr, es")
    form.findChild(QCheckBox, "provider_takes_children").setChecked(True)
    click(qtbot, form.findChild(QPushButton, "providerSave"))
    settle(ctx, qtbot)

    assert form.result() == QDialog.DialogCode.Accepted
    saved = next(h.provider for h in services.referrals.providers(services.session) if h.provider.name_fr ==
                 "Association Al Amal")
    assert (saved.sample, saved.region_code, saved.latitude, saved.languages, saved.takes_children) == (
        False, "MA-02", 35.17, ("ar", "fr", "es"), True)
    assert dialog.selected() is not None and dialog.selected().id == saved.id
    assert "جمعية الأمل للإيواء" in listed(dialog)

    click(qtbot, dialog.findChild(QPushButton, "directoryEdit"))  # the form opens filled in
    form = dialog.editor
    assert form.findChild(QLineEdit, "providerNameFr").text() == "Association Al Amal"
    form.findChild(QLineEdit, "providerPhone").setText("+212536000999")
    click(qtbot, form.findChild(QPushButton, "providerSave"))
    settle(ctx, qtbot)
    edited = services.referrals.provider(services.session, saved.id)
    assert edited.phone == "+212536000999" and edited.name_ar == "جمعية الأمل للإيواء"
    assert "+212536000999" in dialog.findChild(QTextBrowser, "directoryDetails").toPlainText()

    click(qtbot, dialog.findChild(QPushButton, "directoryDeactivate"))
    settle(ctx, qtbot)
    assert services.referrals.provider(services.session, saved.id).active is False
    assert dialog.selected().id == saved.id  # kept in sight, marked inactive
    assert dialog.findChild(QPushButton, "directoryDeactivate").text() == tr("Reactivate")
    assert saved.id not in {h.provider.id for h in services.referrals.providers(services.session)}


def test_another_role_cannot_edit_the_directory(ctx, services, qtbot):
    services.users.add_user(services.session, username=WORKER, display_name="Amina K", role=Role.SOCIAL_WORKER,
                            passphrase=WORKER_PASSPHRASE)
    worker = switch_user(ctx, WORKER, WORKER_PASSPHRASE)
    dialog = open_directory(ctx, qtbot)
    assert listed(dialog)
    for name in ("directoryAdd", "directoryEdit", "directoryDeactivate", "directoryInactive"):
        assert dialog.findChild(QWidget, name).isHidden(), name
    dialog.open_editor(None)  # even asked directly, no form opens
    assert dialog.editor is None
    entry = Provider(id=new_id(), name_ar="جمعية", name_fr="Association", categories=(ServiceCategory.HEALTH,),
                     region_code="MA-01", city_ar="طنجة", city_fr="Tanger")
    with pytest.raises(PermissionDenied):
        worker.referrals.save_provider(worker.session, entry)


# --- transfer to another scope ----------------------------------------------------------------
def test_transfer_to_another_scope_closes_the_case_and_removes_it_from_the_list(ctx, window, qtbot):
    ws = window.workspace
    s = ctx.services.session
    case_id = register(ctx.services)
    ctx.services.cases.move(s, case_id, CaseState.URGENT_PROTECTION, reason="Danger at the port tonight.")
    ctx.services.referrals.add_task(s, case_id, "Visit", date.today())
    number = ctx.services.cases.open_case(s, case_id, record_view=False).case.case_number
    ws.refresh_list()
    ws.show_today(True)
    qtbot.waitUntil(lambda: ws.list.model.rowCount() == 1)
    settle(ctx, qtbot)
    assert ws.today.view.count == 1

    open_in_window(ctx, qtbot, window, case_id)
    click(qtbot, ws.file.findChild(QPushButton, "move_transferred"))
    dialog = ws.file.move_dialog
    scope = dialog.findChild(QLineEdit, "moveToScope")
    assert not scope.isHidden()
    type_text(dialog.findChild(QPlainTextEdit, "moveReason"), "انتقل الشخص إلى الرباط")
    qtbot.keyClicks(scope, "rabat")
    click(qtbot, dialog.findChild(QPushButton, "moveConfirm"))
    settle(ctx, qtbot)
    qtbot.waitUntil(lambda: ws.list.model.rowCount() == 0)
    settle(ctx, qtbot)

    assert ws.file.case_id is None and ws.file.loaded is None
    message = strip_isolates(ws.file.findChild(QLabel, "caseEmpty").text())
    assert number in message and "rabat" in message
    assert ws.today.view.count == 0  # its task went with it
    with pytest.raises(NotFound):  # out of this user's sight, and its existence is not told
        ctx.services.cases.open_case(s, case_id)


def test_a_transfer_without_a_scope_keeps_the_case_open(ctx, window, qtbot):
    s = ctx.services.session
    case_id = register(ctx.services)
    ctx.services.cases.move(s, case_id, CaseState.URGENT_PROTECTION, reason="Danger at the port tonight.")
    panel = open_in_window(ctx, qtbot, window, case_id)
    click(qtbot, panel.findChild(QPushButton, "move_transferred"))
    dialog = panel.move_dialog
    type_text(dialog.findChild(QPlainTextEdit, "moveReason"), "انتقل الشخص إلى الخارج")
    click(qtbot, dialog.findChild(QPushButton, "moveConfirm"))
    settle(ctx, qtbot)
    assert panel.case_id == case_id and panel.loaded.file.case.state is CaseState.TRANSFERRED
    assert panel.loaded.file.case.scope_id == "north"


def test_the_move_dialog_asks_for_a_scope_only_for_a_transfer(ctx, services, qtbot):
    case_id = register(services)
    panel = open_panel(ctx, qtbot, case_id)
    click(qtbot, panel.findChild(QPushButton, "move_urgent_protection"))
    assert panel.move_dialog.findChild(QLineEdit, "moveToScope").isHidden()
