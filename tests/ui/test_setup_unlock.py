"""The first-start wizard and the unlock screen, driven through the real main window."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QProgressBar, QPushButton

from app.domain.values import Role
from app.errors import KeyFileMissing, WeakPassphrase
from app.passphrase import assess
from uikit import PASSPHRASE, SUPERVISOR, type_text
from storage.vault import KEYS_NAME
from ui.composition import services_for
from ui.qt.lang import language, render_error, tr
from ui.qt.window import MainWindow

ARABIC_NAME = "سلمى بنعلي"


def _window(ctx, qtbot) -> MainWindow:
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    return w


def _find(w, kind, name):
    widget = w.findChild(kind, name)
    assert widget is not None, name
    return widget


def _fill_setup(w, qtbot, passphrase: str = PASSPHRASE, repeat: str | None = None) -> None:
    type_text(_find(w, QLineEdit, "setupDisplayName"), ARABIC_NAME)
    qtbot.keyClicks(_find(w, QLineEdit, "setupUsername"), "salma.b")
    qtbot.keyClicks(_find(w, QLineEdit, "setupPassphrase"), passphrase)
    qtbot.keyClicks(_find(w, QLineEdit, "setupRepeat"), passphrase if repeat is None else repeat)


def _unlock_ready(w, qtbot) -> None:
    """The user list is loaded on the worker; wait for it."""
    qtbot.waitUntil(lambda: _find(w, QComboBox, "unlockUser").count() > 0, timeout=3000)


# --- the wizard --------------------------------------------------------------------------

def test_wizard_creates_the_store_with_an_arabic_name(ctx, qtbot):
    w = _window(ctx, qtbot)
    assert w.stack.currentWidget() is w.setup_page
    create = _find(w, QPushButton, "setupCreate")
    assert not create.isEnabled()  # nothing typed yet

    _fill_setup(w, qtbot)
    posts = _find(w, QComboBox, "setupBorderPost")
    posts.setCurrentIndex(posts.findData("TNG-MED"))
    assert _find(w, QComboBox, "setupRole").currentText() == tr("Supervisor")
    assert _find(w, QLineEdit, "setupScope").text() == "national"
    assert _find(w, QProgressBar, "setupStrength").value() >= 2
    assert create.isEnabled()

    qtbot.mouseClick(create, Qt.MouseButton.LeftButton)
    assert _find(w, QProgressBar, "setupBusy").isVisible() and not create.isEnabled()  # Argon2id runs
    qtbot.waitUntil(lambda: ctx.services is not None and ctx.vault.exists(), timeout=5000)
    assert w.workspace is not None and w.stack.currentWidget() is w.workspace
    user = ctx.services.session.user
    assert (user.display_name, user.username, user.role) == (ARABIC_NAME, "salma.b", Role.SUPERVISOR)
    assert (user.scope_id, user.border_post) == ("national", "TNG-MED")
    assert ctx.settings.get("last_user") == "salma.b"
    assert w.setup_page is None  # the wizard is gone with the passphrase typed into it


def test_secretariat_has_no_border_post(ctx, qtbot):
    w = _window(ctx, qtbot)
    posts = _find(w, QComboBox, "setupBorderPost")
    posts.setCurrentIndex(posts.findData("TNG-MED"))
    role = _find(w, QComboBox, "setupRole")
    role.setCurrentIndex(role.findText(tr("Permanent secretariat")))
    assert not posts.isEnabled() and posts.currentData() is None
    _fill_setup(w, qtbot)
    qtbot.mouseClick(_find(w, QPushButton, "setupCreate"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctx.services is not None, timeout=5000)
    assert ctx.services.session.role is Role.SECRETARIAT


def test_weak_passphrase_keeps_create_disabled_and_says_why(ctx, qtbot):
    w = _window(ctx, qtbot)
    _fill_setup(w, qtbot, passphrase="password1234")
    create = _find(w, QPushButton, "setupCreate")
    reason = assess("password1234", "salma.b").problems[0]
    assert not create.isEnabled()
    assert _find(w, QLabel, "setupStrengthText").text() == WeakPassphrase(reason=reason).render(tr)
    assert _find(w, QProgressBar, "setupStrength").value() <= 1

    qtbot.mouseClick(create, Qt.MouseButton.LeftButton)
    qtbot.wait(100)
    assert not ctx.vault.exists() and ctx.services is None


def test_repeat_must_match_and_username_is_checked_inline(ctx, qtbot):
    w = _window(ctx, qtbot)
    _fill_setup(w, qtbot, repeat="olive tajine X")
    create = _find(w, QPushButton, "setupCreate")
    repeat_error = _find(w, QLabel, "setupRepeatError")
    assert not create.isEnabled()
    assert repeat_error.isVisible() and repeat_error.text() == tr("The two passphrases differ.")

    repeat = _find(w, QLineEdit, "setupRepeat")
    repeat.clear()
    qtbot.keyClicks(repeat, PASSPHRASE)
    assert not repeat_error.isVisible() and create.isEnabled()

    username = _find(w, QLineEdit, "setupUsername")
    username_error = _find(w, QLabel, "setupUsernameError")
    qtbot.keyClicks(username, "X")  # an upper-case letter can never be in a user name
    assert username_error.isVisible() and username_error.text() == tr(
        "3 to 32 lower-case Latin letters, digits, dot, dash or underscore, starting with a letter.")
    assert not create.isEnabled()
    qtbot.keyClick(username, Qt.Key.Key_Backspace)
    assert not username_error.isVisible() and create.isEnabled()


# --- unlocking ---------------------------------------------------------------------------

def test_wrong_then_right_passphrase(created_store, qtbot):
    ctx = created_store
    w = _window(ctx, qtbot)
    assert w.stack.currentWidget() is w.unlock_page
    _unlock_ready(w, qtbot)
    assert _find(w, QComboBox, "unlockUser").currentText() == SUPERVISOR
    field = _find(w, QLineEdit, "unlockPassphrase")
    button = _find(w, QPushButton, "unlockButton")
    error = _find(w, QLabel, "unlockError")
    assert field.echoMode() is QLineEdit.EchoMode.Password
    assert not button.isEnabled()  # nothing typed

    qtbot.keyClicks(field, "not the passphrase at all")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert button.text() == tr("Unlocking…") and not button.isEnabled()  # Argon2id runs on the worker
    qtbot.waitUntil(error.isVisible, timeout=3000)
    assert error.text() == tr("Wrong passphrase. Try again.")
    assert field.text() == "" and field.hasFocus()
    assert ctx.services is None and w.stack.currentWidget() is w.unlock_page

    qtbot.keyClicks(field, PASSPHRASE)
    qtbot.keyClick(field, Qt.Key.Key_Return)  # Enter unlocks
    qtbot.waitUntil(lambda: w.workspace is not None, timeout=3000)
    assert w.stack.currentWidget() is w.workspace
    assert ctx.settings.get("last_user") == SUPERVISOR
    assert field.text() == "" and not error.isVisible()


def test_last_user_is_preselected(created_store, qtbot):
    ctx = created_store
    opened = ctx.vault.unlock(SUPERVISOR, PASSPHRASE)
    services_for(opened).users.add_user(opened.session, username="youssef.k", display_name="Youssef",
                                        role=Role.SOCIAL_WORKER, passphrase="figue amande menthe 42")
    opened.lock()
    ctx.settings.set("last_user", "youssef.k")
    w = _window(ctx, qtbot)
    _unlock_ready(w, qtbot)
    users = _find(w, QComboBox, "unlockUser")
    assert sorted(users.itemText(i) for i in range(users.count())) == [SUPERVISOR, "youssef.k"]
    assert users.currentText() == "youssef.k"
    qtbot.keyClicks(_find(w, QLineEdit, "unlockPassphrase"), "figue amande menthe 42")
    qtbot.mouseClick(_find(w, QPushButton, "unlockButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctx.services is not None, timeout=3000)
    assert ctx.services.session.user.username == "youssef.k"


class _FrozenClock:
    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now


def _seconds(text: str) -> int:
    found = re.search(r"\d+", text)
    return int(found.group()) if found else 0


def test_third_wrong_attempt_starts_a_countdown(created_store, qtbot):
    ctx = created_store
    ctx.vault.clock = _FrozenClock()  # the store's delay does not run out behind the test's back
    w = _window(ctx, qtbot)
    _unlock_ready(w, qtbot)
    field = _find(w, QLineEdit, "unlockPassphrase")
    button = _find(w, QPushButton, "unlockButton")
    error = _find(w, QLabel, "unlockError")
    for attempt in range(3):
        qtbot.keyClicks(field, f"wrong guess number {attempt}")
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: error.isVisible() and not ctx.ops.busy, timeout=3000)
    assert _seconds(error.text()) == 1 and error.text() != tr("Wrong passphrase. Try again.")
    assert ctx.vault.throttle.wait_seconds(SUPERVISOR, ctx.vault.clock()) == 1
    qtbot.keyClicks(field, PASSPHRASE)
    assert not button.isEnabled()  # typed, but the countdown runs
    qtbot.waitUntil(button.isEnabled, timeout=3000)
    assert error.text() == tr("Wrong passphrase. Try again.")


def test_throttled_store_counts_down_then_lets_the_user_in(created_store, qtbot):
    ctx = created_store
    clock = _FrozenClock()
    ctx.vault.clock = clock
    for _ in range(6):  # 6 failures: the store now asks for 8 seconds
        ctx.vault.throttle.record_failure(SUPERVISOR, clock())
    w = _window(ctx, qtbot)
    _unlock_ready(w, qtbot)
    w.unlock_page.countdown.setInterval(100)  # tenths of a second pass for seconds: a quick test
    field = _find(w, QLineEdit, "unlockPassphrase")
    button = _find(w, QPushButton, "unlockButton")
    error = _find(w, QLabel, "unlockError")
    qtbot.keyClicks(field, PASSPHRASE)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(error.isVisible, timeout=3000)
    first = _seconds(error.text())
    assert 1 < first <= 8 and not button.isEnabled()
    assert ctx.services is None
    qtbot.waitUntil(lambda: _seconds(error.text()) < first, timeout=2000)  # it counts down
    assert not button.isEnabled()
    clock.now += timedelta(seconds=10)  # the store's delay is over too
    qtbot.waitUntil(button.isEnabled, timeout=3000)
    assert not error.isVisible() and field.text() == PASSPHRASE  # the typed passphrase was kept
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.workspace is not None, timeout=3000)


def test_missing_key_file_is_said_inline(created_store, qtbot):
    ctx = created_store
    (ctx.vault.folder / KEYS_NAME).unlink()
    w = _window(ctx, qtbot)
    error = _find(w, QLabel, "unlockError")
    qtbot.waitUntil(error.isVisible, timeout=3000)
    assert error.text() == render_error(KeyFileMissing(path=str(ctx.vault.folder)))
    assert not _find(w, QPushButton, "unlockButton").isEnabled()


def test_demo_store_shows_and_prefills_its_passphrase(created_store, qtbot):
    ctx = created_store
    ctx.demo_passphrase = PASSPHRASE
    w = _window(ctx, qtbot)
    _unlock_ready(w, qtbot)
    note = _find(w, QLabel, "unlockDemoNote")
    assert note.isVisible() and PASSPHRASE in note.text()
    assert _find(w, QLineEdit, "unlockPassphrase").text() == PASSPHRASE
    qtbot.mouseClick(_find(w, QPushButton, "unlockButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.workspace is not None, timeout=3000)


def test_no_demo_note_for_a_real_store(created_store, qtbot):
    w = _window(created_store, qtbot)
    _unlock_ready(w, qtbot)
    assert not _find(w, QLabel, "unlockDemoNote").isVisible()
    assert _find(w, QLineEdit, "unlockPassphrase").text() == ""


def test_language_switch_keeps_what_was_typed(ctx, qtbot):
    w = _window(ctx, qtbot)
    type_text(_find(w, QLineEdit, "setupDisplayName"), ARABIC_NAME)
    create = _find(w, QPushButton, "setupCreate")
    arabic_label = create.text()
    picker = _find(w, QComboBox, "setupLanguage")
    picker.setCurrentIndex(picker.findData("fr"))
    picker.activated.emit(picker.currentIndex())
    assert language.code == "fr" and ctx.settings.get("language") == "fr"
    assert w.layoutDirection() is Qt.LayoutDirection.LeftToRight
    assert create.text() == tr("&Create the store")
    assert _find(w, QLineEdit, "setupDisplayName").text() == ARABIC_NAME  # nothing typed is lost
    picker.setCurrentIndex(picker.findData("ar"))
    picker.activated.emit(picker.currentIndex())
    assert create.text() == arabic_label and w.layoutDirection() is Qt.LayoutDirection.RightToLeft


def test_demo_store_offers_its_preferred_user_and_remembers_nobody(created_store, qtbot):
    ctx = created_store
    services = services_for(ctx.vault.unlock(SUPERVISOR, PASSPHRASE))
    services.users.add_user(services.session, username="aaa.border", display_name="Border", role=Role.BORDER_OFFICER,
                            passphrase="lantern cedar mosaic harbour 4", border_post="TNG-MED")
    services.lock()
    ctx.demo_passphrase, ctx.preferred_user = PASSPHRASE, SUPERVISOR
    w = _window(ctx, qtbot)
    _unlock_ready(w, qtbot)
    assert _find(w, QComboBox, "unlockUser").currentText() == SUPERVISOR  # not the first name listed
    qtbot.mouseClick(_find(w, QPushButton, "unlockButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.workspace is not None, timeout=3000)
    assert ctx.settings.get("last_user") == ""  # a demo user is not written into the user's settings
