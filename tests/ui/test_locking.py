"""Locking: idle timer, Ctrl+L, the quick-hide key (F12 or Escape twice), and what is left after."""

from __future__ import annotations

import pytest
import sqlcipher3
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QPushButton, QWidget

import ui.qt.window
from uikit import PASSPHRASE
from ui.qt.window import MainWindow


def _window(ctx, qtbot) -> MainWindow:
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    w.activateWindow()
    qtbot.waitUntil(lambda: w.findChild(QComboBox, "unlockUser").count() > 0, timeout=3000)
    return w


def _unlock(w, qtbot) -> None:
    field = w.findChild(QLineEdit, "unlockPassphrase")
    field.clear()
    qtbot.keyClicks(field, PASSPHRASE)
    qtbot.mouseClick(w.findChild(QPushButton, "unlockButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.workspace is not None, timeout=3000)
    assert w.stack.currentWidget() is w.workspace


@pytest.fixture
def window(created_store, qtbot) -> MainWindow:
    w = _window(created_store, qtbot)
    _unlock(w, qtbot)
    return w


def _assert_locked(w, store) -> None:
    """No services, no workspace, and the old connection is really closed."""
    assert w.ctx.services is None and w.is_locked
    assert w.workspace is None
    with pytest.raises(sqlcipher3.ProgrammingError):
        store.db.execute("SELECT count(*) FROM meta")


def _press(widget: QWidget, key: Qt.Key) -> None:
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier))


def _focus_in_workspace(w, qtbot) -> QWidget:
    """Something in the workspace that has the keyboard focus, as while working."""
    target = w.workspace.focusWidget() or w.workspace
    target.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    target.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is target, timeout=2000)
    return target


def test_idle_lock_closes_the_store(window, qtbot):
    store = window.ctx.services.opened.store
    window.idle.set_interval_ms(200)
    qtbot.waitUntil(lambda: window.ctx.services is None, timeout=3000)
    _assert_locked(window, store)
    assert window.stack.currentWidget() is window.unlock_page
    assert window.findChild(QLineEdit, "unlockPassphrase").text() == ""


def test_input_postpones_the_idle_lock(window, qtbot):
    window.idle.set_interval_ms(400)
    target = _focus_in_workspace(window, qtbot)
    for _ in range(6):  # 6 × 100 ms of typing: longer than the timeout, but never idle
        qtbot.wait(100)
        _press(target, Qt.Key.Key_Shift)
    assert window.ctx.services is not None
    qtbot.waitUntil(lambda: window.ctx.services is None, timeout=3000)


def test_lock_action_locks_and_unlock_works_again(window, qtbot):
    store = window.ctx.services.opened.store
    assert window.lock_action.shortcut().toString() == "Ctrl+L"
    window.lock_action.trigger()
    _assert_locked(window, store)
    assert window.stack.currentWidget() is window.unlock_page
    qtbot.waitUntil(lambda: not window.ctx.ops.busy, timeout=3000)
    _unlock(window, qtbot)  # a second session after the lock


def test_ctrl_l_key_locks(window, qtbot):
    store = window.ctx.services.opened.store
    target = _focus_in_workspace(window, qtbot)
    qtbot.keyClick(target, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.ctx.services is None, timeout=2000)
    _assert_locked(window, store)
    assert window.stack.currentWidget() is window.unlock_page


def test_f12_shows_the_neutral_page_and_locks(window, qtbot):
    store = window.ctx.services.opened.store
    target = _focus_in_workspace(window, qtbot)
    qtbot.keyClick(target, Qt.Key.Key_F12)
    assert window.stack.currentWidget().objectName() == "neutralPage"
    _assert_locked(window, store)

    qtbot.mouseClick(window.findChild(QPushButton, "neutralResume"), Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.unlock_page
    qtbot.waitUntil(lambda: not window.ctx.ops.busy, timeout=3000)
    _unlock(window, qtbot)


def test_escape_twice_quickly_hides(window, qtbot):
    store = window.ctx.services.opened.store
    target = _focus_in_workspace(window, qtbot)
    _press(target, Qt.Key.Key_Escape)
    assert window.ctx.services is not None  # one Escape only closes what Escape closes
    _press(target, Qt.Key.Key_Escape)
    assert window.stack.currentWidget() is window.neutral_page
    _assert_locked(window, store)


def test_escape_twice_slowly_does_not_hide(window, qtbot, monkeypatch):
    monkeypatch.setattr(ui.qt.window, "DOUBLE_ESCAPE_SECONDS", 0.05)
    target = _focus_in_workspace(window, qtbot)
    _press(target, Qt.Key.Key_Escape)
    qtbot.wait(150)
    _press(target, Qt.Key.Key_Escape)
    assert window.ctx.services is not None
    assert window.stack.currentWidget() is window.workspace


def test_quick_hide_while_unlocking_keeps_the_store_closed(created_store, qtbot):
    ctx = created_store
    w = _window(ctx, qtbot)
    qtbot.keyClicks(w.findChild(QLineEdit, "unlockPassphrase"), PASSPHRASE)
    qtbot.mouseClick(w.findChild(QPushButton, "unlockButton"), Qt.MouseButton.LeftButton)
    assert ctx.ops.busy  # Argon2id is still deriving the key
    w.hide_shortcut.activated.emit()
    qtbot.waitUntil(lambda: not ctx.ops.busy, timeout=3000)
    ctx.ops.wait()
    qtbot.wait(50)
    assert w.stack.currentWidget() is w.neutral_page
    assert ctx.services is None and w.workspace is None
