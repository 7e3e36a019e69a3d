"""Helpers shared by the desktop app tests (imported as ``uikit``; ``conftest`` names clash
between test folders)."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import QApplication
from PySide6.QtGui import QKeyEvent

from app.domain.user import User
from app.domain.values import Role

PASSPHRASE = "olive tajine citron soleil 7"
SUPERVISOR = "salma.b"


def make_user(username: str = SUPERVISOR, role: Role = Role.SUPERVISOR, post: str | None = None,
              scope: str = "north") -> User:
    return User(str(uuid.uuid4()), username, username.replace(".", " ").title(), role, scope,
                datetime.now(timezone.utc).replace(microsecond=0), border_post=post)


def type_text(widget, text: str) -> None:
    """Type any text, Arabic included, as key events (``qtbot.keyClicks`` aborts on non-ASCII)."""
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QCoreApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char))


def settle(ctx, qtbot, timeout: int = 10000) -> None:
    """Let every queued store call finish, run what its callbacks posted, and wait again
    for any call those callbacks started."""
    qtbot.waitUntil(lambda: not ctx.ops.busy, timeout=timeout)
    QApplication.processEvents()
    qtbot.waitUntil(lambda: not ctx.ops.busy, timeout=timeout)


def click(qtbot, widget) -> None:
    """Click a button the user can see and use (a hidden or disabled one fails the test)."""
    assert widget is not None and widget.isVisible() and widget.isEnabled(), widget
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
