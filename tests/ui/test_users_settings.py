"""User management and device settings, driven through the real dialogs on a real store."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QLineEdit, QMessageBox, QPushButton, QSpinBox, QTableView

from app.domain.values import ROLE_LABELS, Role
from app.errors import WrongPassphrase
from uikit import PASSPHRASE, make_user
from ui.composition import services_for
from ui.qt.idle import IdleWatcher
from ui.qt.lang import language, tr
from ui.qt.settings_dialog import SettingsDialog
from ui.qt.users_dialog import UsersDialog

NEW_PASSPHRASE = "figuier medina riad safran 42"
OTHER_PASSPHRASE = "atlas cedre ocean menthe 1990"


def unlock_as(ctx, user):
    ctx.services = services_for(ctx.vault.create(user, PASSPHRASE))
    return ctx


@pytest.fixture
def supervisor(ctx):
    return unlock_as(ctx, make_user())


@pytest.fixture
def users_dialog(qtbot, supervisor):
    dialog = UsersDialog(supervisor)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.model.rowCount() >= 1)
    return dialog


def add_worker(ctx, username="amina.k", role=Role.SOCIAL_WORKER, post=None):
    return ctx.services.users.add_user(ctx.services.session, username=username, display_name="Amina K",
                                       role=role, border_post=post, passphrase=OTHER_PASSPHRASE)


def cell(dialog, username, column):
    for row, user in enumerate(dialog.model.users):
        if user.username == username:
            return dialog.model.index(row, column).data()
    raise AssertionError(f"{username} is not in the table")


def select(dialog, username):
    dialog.select_username(username)
    assert dialog.selected().username == username


def fill_add_form(qtbot, form, username, name, passphrase, repeat=None, role=Role.SOCIAL_WORKER):
    qtbot.keyClicks(form.findChild(QLineEdit, "userUsername"), username)
    qtbot.keyClicks(form.findChild(QLineEdit, "userDisplayName"), name)
    combo = form.findChild(QComboBox, "userRole")
    combo.setCurrentIndex(combo.findData(role.value))
    qtbot.keyClicks(form.findChild(QLineEdit, "userPassphrase"), passphrase)
    qtbot.keyClicks(form.findChild(QLineEdit, "userRepeat"), passphrase if repeat is None else repeat)


def save(qtbot, form):
    qtbot.mouseClick(form.findChild(QPushButton, "userSave"), Qt.MouseButton.LeftButton)


# --- users --------------------------------------------------------------------------------
def test_table_lists_users_with_role_in_words(users_dialog):
    table = users_dialog.findChild(QTableView, "usersTable")
    assert table.model().rowCount() == 1
    assert cell(users_dialog, "salma.b", users_dialog.model.ROLE) == tr(ROLE_LABELS[Role.SUPERVISOR])
    assert cell(users_dialog, "salma.b", users_dialog.model.STATUS) == tr("Active")
    # A manager cannot disable themself or change their own role: those buttons stay off.
    select(users_dialog, "salma.b")
    assert not users_dialog.findChild(QPushButton, "usersDisable").isEnabled()
    assert not users_dialog.findChild(QPushButton, "usersRole").isEnabled()


def test_supervisor_adds_a_social_worker_who_can_then_unlock(qtbot, users_dialog, supervisor):
    qtbot.mouseClick(users_dialog.findChild(QPushButton, "usersAdd"), Qt.MouseButton.LeftButton)
    form = users_dialog.form
    assert form.isVisible()
    fill_add_form(qtbot, form, "amina.k", "Amina Karimi", NEW_PASSPHRASE)
    assert form.findChild(QLabel, "userStrengthHint").text() == ""  # strong enough: no advice
    save(qtbot, form)
    qtbot.waitUntil(lambda: users_dialog.model.rowCount() == 2)
    assert cell(users_dialog, "amina.k", users_dialog.model.NAME) == "Amina Karimi"
    assert cell(users_dialog, "amina.k", users_dialog.model.ROLE) == tr(ROLE_LABELS[Role.SOCIAL_WORKER])
    assert "Amina Karimi" in users_dialog.findChild(QLabel, "usersStatus").text()
    supervisor.ops.wait()
    opened = supervisor.vault.unlock("amina.k", NEW_PASSPHRASE)
    assert opened.user.role is Role.SOCIAL_WORKER
    opened.lock()


def test_supervisor_cannot_offer_the_secretariat_role(qtbot, users_dialog):
    users_dialog.add_user()
    roles = users_dialog.form.findChild(QComboBox, "userRole")
    offered = [roles.itemData(i) for i in range(roles.count())]
    assert Role.SECRETARIAT.value not in offered
    assert Role.SOCIAL_WORKER.value in offered and Role.BORDER_OFFICER.value in offered
    assert tr(ROLE_LABELS[Role.SOCIAL_WORKER]) in [roles.itemText(i) for i in range(roles.count())]


def test_secretariat_may_grant_the_secretariat_role(qtbot, ctx):
    unlock_as(ctx, make_user("nadia.s", Role.SECRETARIAT))
    dialog = UsersDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.add_user()
    roles = dialog.form.findChild(QComboBox, "userRole")
    assert roles.findData(Role.SECRETARIAT.value) >= 0


def test_add_form_shows_errors_next_to_their_fields(qtbot, users_dialog, supervisor):
    users_dialog.add_user()
    form = users_dialog.form
    form.show()
    fill_add_form(qtbot, form, "amina.k", "Amina", NEW_PASSPHRASE, repeat="something else entirely")
    save(qtbot, form)
    assert form.findChild(QLabel, "userRepeatError").text() == tr("The two passphrases are not the same.")
    assert form.findChild(QLabel, "userRepeatError").isVisible()

    form.findChild(QLineEdit, "userRepeat").setText(NEW_PASSPHRASE)
    fill_role = form.findChild(QComboBox, "userRole")
    fill_role.setCurrentIndex(fill_role.findData(Role.BORDER_OFFICER.value))  # without a post
    save(qtbot, form)
    error = form.findChild(QLabel, "userBorderPostError")
    qtbot.waitUntil(lambda: error.isVisible())
    assert error.text() == tr("A border officer works at a border post; choose it.")
    assert form.isVisible() and users_dialog.model.rowCount() == 1

    form.findChild(QLineEdit, "userUsername").setText("salma.b")  # taken
    save(qtbot, form)
    taken = form.findChild(QLabel, "userUsernameError")
    qtbot.waitUntil(lambda: taken.isVisible())
    assert taken.text() == tr("This user name is taken.")


def test_weak_passphrase_is_refused_with_the_reason(qtbot, users_dialog):
    users_dialog.add_user()
    form = users_dialog.form
    fill_add_form(qtbot, form, "amina.k", "Amina", "short")
    assert form.findChild(QLabel, "userStrengthHint").text() != ""  # the meter explains at once
    save(qtbot, form)
    error = form.findChild(QLabel, "userPassphraseError")
    qtbot.waitUntil(lambda: error.text() != "")
    assert users_dialog.model.rowCount() == 1


def test_disabling_a_user_asks_first_then_blocks_their_unlock(qtbot, users_dialog, supervisor, monkeypatch):
    add_worker(supervisor)
    users_dialog.reload()
    qtbot.waitUntil(lambda: users_dialog.model.rowCount() == 2)
    select(users_dialog, "amina.k")
    button = users_dialog.findChild(QPushButton, "usersDisable")

    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a) or QMessageBox.StandardButton.No)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    supervisor.ops.wait()
    QApplication.processEvents()
    assert asked and cell(users_dialog, "amina.k", users_dialog.model.STATUS) == tr("Active")

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: cell(users_dialog, "amina.k", users_dialog.model.STATUS) == tr("Disabled"))
    assert not button.isEnabled()  # already disabled
    supervisor.ops.wait()
    with pytest.raises(WrongPassphrase):
        supervisor.vault.unlock("amina.k", OTHER_PASSPHRASE)


def test_reset_passphrase(qtbot, users_dialog, supervisor):
    add_worker(supervisor)
    users_dialog.reload()
    qtbot.waitUntil(lambda: users_dialog.model.rowCount() == 2)
    select(users_dialog, "amina.k")
    qtbot.mouseClick(users_dialog.findChild(QPushButton, "usersReset"), Qt.MouseButton.LeftButton)
    form = users_dialog.form
    assert form.objectName() == "passphraseDialog"
    qtbot.keyClicks(form.findChild(QLineEdit, "userPassphrase"), NEW_PASSPHRASE)
    qtbot.keyClicks(form.findChild(QLineEdit, "userRepeat"), NEW_PASSPHRASE)
    save(qtbot, form)
    status = users_dialog.findChild(QLabel, "usersStatus")
    qtbot.waitUntil(lambda: "Amina K" in status.text())
    supervisor.ops.wait()
    supervisor.vault.unlock("amina.k", NEW_PASSPHRASE).lock()
    with pytest.raises(WrongPassphrase):
        supervisor.vault.unlock("amina.k", OTHER_PASSPHRASE)


def test_change_role(qtbot, users_dialog, supervisor):
    add_worker(supervisor)
    users_dialog.reload()
    qtbot.waitUntil(lambda: users_dialog.model.rowCount() == 2)
    select(users_dialog, "amina.k")
    qtbot.mouseClick(users_dialog.findChild(QPushButton, "usersRole"), Qt.MouseButton.LeftButton)
    form = users_dialog.form
    role = form.findChild(QComboBox, "userRole")
    role.setCurrentIndex(role.findData(Role.BORDER_OFFICER.value))
    post = form.findChild(QComboBox, "userBorderPost")
    post.setCurrentIndex(post.findData("TNG-MED"))
    save(qtbot, form)
    qtbot.waitUntil(lambda: cell(users_dialog, "amina.k", users_dialog.model.ROLE)
                    == tr(ROLE_LABELS[Role.BORDER_OFFICER]))
    assert cell(users_dialog, "amina.k", users_dialog.model.POST) != ""


def test_a_refused_list_shows_the_permission_message(qtbot, ctx):
    unlock_as(ctx, make_user("omar.b", Role.BORDER_OFFICER, post="TNG-MED"))
    dialog = UsersDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    error = dialog.findChild(QLabel, "usersError")
    qtbot.waitUntil(lambda: error.isVisible())
    assert tr(ROLE_LABELS[Role.BORDER_OFFICER]) in error.text()
    assert dialog.model.rowCount() == 0


# --- settings -----------------------------------------------------------------------------
def test_idle_minutes_are_saved_applied_and_clamped(qtbot, ctx, settings):
    idle = IdleWatcher(5)
    dialog = SettingsDialog(ctx, idle=idle)
    qtbot.addWidget(dialog)
    spin = dialog.findChild(QSpinBox, "settingsIdle")
    assert spin.value() == 5
    with qtbot.waitSignal(dialog.idle_minutes_changed) as emitted:
        spin.setValue(9)
    assert emitted.args == [9]
    assert settings.get("idle_lock_minutes") == 9 and idle.timer.interval() == 9 * 60_000
    spin.setValue(60)
    assert spin.value() == 15 and settings.get("idle_lock_minutes") == 15
    dialog.set_idle_minutes(0)
    assert spin.value() == 1 and settings.get("idle_lock_minutes") == 1
    assert idle.timer.interval() == 60_000
    again = SettingsDialog(ctx)
    qtbot.addWidget(again)
    assert again.minutes.value() == 1  # read back from the settings file


def test_language_switch_applies_at_once_and_is_saved(qtbot, ctx, settings, pseudo_french):
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    combo = dialog.findChild(QComboBox, "settingsLanguage")
    assert combo.currentData() == "ar"
    arabic_title = dialog.windowTitle()
    combo.setCurrentIndex(combo.findData("fr"))
    assert language.code == "fr" and settings.get("language") == "fr"
    assert QApplication.layoutDirection() == Qt.LayoutDirection.LeftToRight
    assert dialog.windowTitle() == tr("Settings") != arabic_title
    combo.setCurrentIndex(combo.findData("ar"))
    assert QApplication.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert settings.get("language") == "ar"


def test_form_errors_and_typed_values_survive_a_language_switch(qtbot, users_dialog, pseudo_french):
    users_dialog.add_user()
    form = users_dialog.form
    form.show()
    fill_add_form(qtbot, form, "omar.b", "Omar B", NEW_PASSPHRASE, role=Role.BORDER_OFFICER)
    save(qtbot, form)
    error = form.findChild(QLabel, "userBorderPostError")
    qtbot.waitUntil(lambda: error.isVisible())
    english = error.text()
    language.apply("fr")
    assert error.isVisible() and error.text() == tr("A border officer works at a border post; choose it.") != english
    assert form.findChild(QLineEdit, "userUsername").text() == "omar.b"
    assert form.findChild(QLineEdit, "userPassphrase").text() == NEW_PASSPHRASE
    assert form.findChild(QComboBox, "userRole").currentText() == tr(ROLE_LABELS[Role.BORDER_OFFICER])
    assert form.findChild(QPushButton, "userSave").text() == tr("&Save")
