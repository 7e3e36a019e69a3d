"""The unlock screen: choose who you are, type your passphrase, press Enter.

Unlocking derives the key with Argon2id (about half a second), so it runs on the worker.
Failures are said in place, under the field: a wrong passphrase clears the field; after
repeated failures the store asks to wait (``UnlockThrottled``) and the page counts the
seconds down with the button disabled.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QPushButton, QStyle, QVBoxLayout, QWidget

from app.errors import UnlockThrottled, WrongPassphrase
from storage.vault import OpenStore
from ui.qt.context import AppContext
from ui.qt.lang import language, render_error, tr, trf
from ui.qt.pages.common import NOTE_STYLE, BrandHeader, LanguagePicker, centred, error_label, show_text


class _WrongAgain(WrongPassphrase):
    """A wrong passphrase, with the delay the store now asks before the next attempt."""

    def __init__(self, wait: int) -> None:
        super().__init__()
        self.wait = wait


class UnlockPage(QWidget):
    unlocked = Signal(object)  # storage.vault.OpenStore

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("unlockPage")
        self._busy = False
        self._wait_left = 0  # seconds of the running countdown
        self._after_wait: Callable[[], str] | None = None  # what to say once the countdown ends
        self._message: Callable[[], str] | None = None  # a callable, so a language switch re-renders it
        self.countdown = QTimer(self)
        self.countdown.setInterval(1000)
        self.countdown.timeout.connect(self._tick)

        self.header = BrandHeader()
        self.language_picker = LanguagePicker(ctx, "unlockLanguage")
        self.user = QComboBox(objectName="unlockUser")
        self.user.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # user names are Latin
        self.passphrase = QLineEdit(objectName="unlockPassphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = error_label("unlockError")
        self.demo_note = QLabel(objectName="unlockDemoNote", wordWrap=True)
        self.demo_note.setStyleSheet(NOTE_STYLE)
        self.demo_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.demo_note.hide()
        self.button = QPushButton(objectName="unlockButton")
        self.button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogOkButton))
        self.button.setDefault(True)
        self.button.clicked.connect(self.unlock)

        self.user_label, self.passphrase_label = QLabel(), QLabel()
        self.user_label.setBuddy(self.user)
        self.passphrase_label.setBuddy(self.passphrase)
        fields = QVBoxLayout()
        fields.setSpacing(2)
        fields.addWidget(self.passphrase)
        fields.addWidget(self.error)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.user_label, self.user)
        form.addRow(self.passphrase_label, fields)
        card = QWidget(objectName="unlockCard")
        rows = QVBoxLayout(card)
        rows.addWidget(self.language_picker, alignment=Qt.AlignmentFlag.AlignTrailing)
        rows.addWidget(self.header)
        rows.addSpacing(16)
        rows.addLayout(form)
        rows.addWidget(self.button, alignment=Qt.AlignmentFlag.AlignTrailing)
        rows.addSpacing(8)
        rows.addWidget(self.demo_note)
        page = QVBoxLayout(self)
        page.setContentsMargins(0, 0, 0, 0)
        page.addWidget(centred(card, 460))

        self.passphrase.textChanged.connect(self._update_button)
        self.user.currentIndexChanged.connect(self._user_changed)
        language.changed.connect(self.retranslate)
        self.retranslate()

    # --- the window's entry points ---------------------------------------------------------
    def reset(self) -> None:
        """Clear the passphrase and error, refresh the user list."""
        self.countdown.stop()
        self._wait_left = 0
        self._say(None)
        self.passphrase.clear()
        if self.ctx.demo_passphrase:
            self.passphrase.setText(self.ctx.demo_passphrase)
        self.demo_note.setVisible(bool(self.ctx.demo_passphrase))
        vault = self.ctx.vault
        self.ctx.ops.run(vault.usernames, on_done=self._show_users, on_error=self._failed, owner=self)
        self._update_button()

    def focus(self) -> None:
        """Put the keyboard focus where the user types first."""
        self.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- users -----------------------------------------------------------------------------
    def _show_users(self, names: list[str]) -> None:
        wanted = self.user.currentText() or self.ctx.preferred_user or self.ctx.settings.get("last_user")
        self.user.blockSignals(True)
        self.user.clear()
        self.user.addItems(names)
        self.user.setCurrentIndex(max(0, self.user.findText(wanted)))
        self.user.blockSignals(False)
        if not names:
            self._say(lambda: tr("This store has no users. Restore it from a backup."))
        self._update_button()

    def _user_changed(self) -> None:
        # The delay belongs to the user who failed; the store still enforces it per user.
        self.countdown.stop()
        self._wait_left = 0
        self._say(None)
        self._update_button()
        self.focus()

    # --- unlocking -------------------------------------------------------------------------
    def unlock(self) -> None:
        if not self.button.isEnabled():
            return
        username, passphrase = self.user.currentText(), self.passphrase.text()
        vault = self.ctx.vault

        def attempt() -> OpenStore:
            try:
                return vault.unlock(username, passphrase)
            except WrongPassphrase:
                raise _WrongAgain(vault.throttle.wait_seconds(username, vault.clock())) from None

        self._say(None)
        self._set_busy(True)
        self.ctx.ops.run(attempt, on_done=lambda opened: self._unlocked(username, opened),
                         on_error=self._failed, owner=self)

    def _unlocked(self, username: str, opened: OpenStore) -> None:
        self._set_busy(False)
        self.passphrase.clear()
        if not self.isVisible():
            # Quick-hide was pressed while unlocking: this store must not open behind it.
            self.ctx.ops.run(opened.lock)
            return
        try:
            if not self.ctx.demo_passphrase:  # a demo store's users are not remembered
                self.ctx.settings.set("last_user", username)
        except OSError:
            pass  # only a convenience for the next unlock
        self.unlocked.emit(opened)

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, WrongPassphrase):
            self.passphrase.clear()
            wrong = lambda: tr("Wrong passphrase. Try again.")  # noqa: E731
            wait = getattr(exc, "wait", 0)
            if wait:
                self._start_countdown(wait, lambda: trf(
                    "Wrong passphrase. Wait {seconds} s before trying again.", seconds=self._wait_left), wrong)
            else:
                self._say(wrong)
        elif isinstance(exc, UnlockThrottled):
            self._start_countdown(int(exc.params.get("seconds", 1)), lambda: trf(
                "Too many failed attempts. Wait {seconds} s.", seconds=self._wait_left), None)
        else:
            self._say(lambda: render_error(exc))
        self.focus()

    def _start_countdown(self, seconds: int, message: Callable[[], str],
                         after: Callable[[], str] | None) -> None:
        self._wait_left = max(1, seconds)
        self._after_wait = after
        self._say(message)
        self.countdown.start()
        self._update_button()

    def _tick(self) -> None:
        self._wait_left -= 1
        if self._wait_left <= 0:
            self.countdown.stop()
            self._wait_left = 0
            self._say(self._after_wait)
            self.focus()
        else:
            self._say(self._message)
        self._update_button()

    # --- state -----------------------------------------------------------------------------
    def _say(self, message: Callable[[], str] | None) -> None:
        self._message = message
        show_text(self.error, message() if message else "")

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.user.setEnabled(not busy)
        self.passphrase.setReadOnly(busy)
        self.retranslate()

    def _update_button(self) -> None:
        self.button.setEnabled(not self._busy and self._wait_left == 0 and self.user.count() > 0
                               and bool(self.passphrase.text()))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        # Enter anywhere on the page unlocks (a QWidget page has no dialog default button).
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.unlock()
            event.accept()
            return
        super().keyPressEvent(event)

    def retranslate(self) -> None:
        self.user_label.setText(tr("&User"))
        self.user.setAccessibleName(tr("User"))
        self.passphrase_label.setText(tr("&Passphrase"))
        self.passphrase.setAccessibleName(tr("Passphrase"))
        self.button.setText(tr("Unlocking…") if self._busy else tr("Unlock"))
        self.button.setAccessibleName(tr("Unlock"))
        if self.ctx.demo_passphrase:
            self.demo_note.setText(trf(
                "Demo store with invented cases only. Its passphrase is: {passphrase}",
                passphrase=self.ctx.demo_passphrase))
        self._say(self._message)
        self._update_button()
