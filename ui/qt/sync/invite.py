"""Inviting a device: its name and scopes, then the one-time code, shown once to copy.

The hub keeps only a hash of the code, so it cannot be shown again: the dialog says so and
is deleted when closed, taking the code out of memory.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget,
)

from app.text import N_
from ui.qt.cases.widgets import error_label, hint_label
from ui.qt.context import AppContext, Locked
from ui.qt.lang import language, tr
from ui.qt.sync.admin import AdminApi, describe_error

NAME_MISSING = N_("Give the device a name (for example the team and the town).")
SCOPES_MISSING = N_("Give at least one scope (team or region), for example north.")
SCOPES_BAD = N_("Scopes are codes in Latin letters, digits, - and _, separated by commas or spaces.")
_SCOPE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def parse_scopes(text: str) -> list[str] | None:
    """``"north, south"`` → ``["north", "south"]``; None when one of them is not a scope code."""
    scopes = [s for s in re.split(r"[\s,،;]+", text.strip()) if s]
    if any(not _SCOPE.match(s) for s in scopes):
        return None
    return list(dict.fromkeys(scopes))


class InviteDialog(QDialog):
    invited = Signal(str)  # the device's name, once the hub gave a code

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("inviteDialog")
        self.setModal(True)
        self.setMinimumWidth(560)
        self.busy = False
        self._error: BaseException | str | None = None

        self.name_label, self.scopes_label = QLabel(), QLabel()
        self.name = QLineEdit(objectName="inviteName")
        self.name.setMaxLength(80)
        self.scopes = QLineEdit(objectName="inviteScopes")
        self.scopes.setMaxLength(400)
        self.scopes.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # codes in Latin letters
        self.name_label.setBuddy(self.name)
        self.scopes_label.setBuddy(self.scopes)
        self.scopes_hint = hint_label("inviteScopesHint")
        form = QFormLayout()
        form.addRow(self.name_label, self.name)
        form.addRow(self.scopes_label, self.scopes)

        self.code_box = QWidget(objectName="inviteCodeBox")
        self.code_label = QLabel(objectName="inviteCodeLabel")
        self.code_label.setStyleSheet("font-weight: 600;")
        self.code = QLineEdit(objectName="inviteCode", readOnly=True)
        self.code.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.code.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.copy = QPushButton(objectName="inviteCopy")
        self.copy.clicked.connect(self.copy_code)
        self.code_hint = hint_label("inviteCodeHint")
        self.copied = QLabel(objectName="inviteCopied")
        row = QHBoxLayout()
        row.addWidget(self.code, 1)
        row.addWidget(self.copy)
        code_layout = QVBoxLayout(self.code_box)
        code_layout.setContentsMargins(0, 0, 0, 0)
        code_layout.addWidget(self.code_label)
        code_layout.addLayout(row)
        code_layout.addWidget(self.copied)
        code_layout.addWidget(self.code_hint)
        self.code_box.setVisible(False)
        self.copied.setVisible(False)

        self.error = error_label("inviteError")
        self.create = QPushButton(objectName="inviteCreate", default=True)
        self.cancel = QPushButton(objectName="inviteCancel")
        buttons = QDialogButtonBox()
        buttons.addButton(self.create, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel, QDialogButtonBox.ButtonRole.RejectRole)
        self.create.clicked.connect(self.submit)
        self.cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.scopes_hint)  # under the form, full width: a wrapped label in a form row gets cut
        layout.addWidget(self.error)
        layout.addWidget(self.code_box)
        layout.addStretch(1)
        layout.addWidget(buttons)
        language.changed.connect(self.retranslate)
        self.retranslate()

    @property
    def issued(self) -> bool:
        return bool(self.code.text())

    def submit(self) -> None:
        if self.busy or self.issued:
            return
        name = self.name.text().strip()
        scopes = parse_scopes(self.scopes.text())
        if not name:
            self._show_error(NAME_MISSING)
            return
        if scopes is None:
            self._show_error(SCOPES_BAD)
            return
        if not scopes:
            self._show_error(SCOPES_MISSING)
            return
        ctx = self.ctx

        def job() -> str:  # worker thread: no widget here
            return AdminApi(ctx.require()).invite(name, scopes)

        self._show_error(None)
        self._set_busy(True)
        ctx.ops.run(job, owner=self, on_done=lambda code: self._issued(name, code), on_error=self._failed)

    def _issued(self, name: str, code: str) -> None:
        self._set_busy(False)
        self.code.setText(code)
        self.code_box.setVisible(True)
        for widget in (self.name, self.scopes):
            widget.setReadOnly(True)
        self.create.setVisible(False)
        self.cancel.setDefault(True)
        self.retranslate()
        self.adjustSize()  # room for the code and what to do with it
        self.code.setFocus()
        self.code.selectAll()
        self.invited.emit(name)

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, Locked):
            self.close()
            return
        self._show_error(exc)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.create.setEnabled(not busy)

    def copy_code(self) -> None:
        QGuiApplication.clipboard().setText(self.code.text())
        self.copied.setVisible(True)

    def reject(self) -> None:
        if not self.busy:
            self.code.clear()
            super().reject()

    def _show_error(self, error: BaseException | str | None) -> None:
        self._error = error
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(tr("Invite a device"))
        self.name_label.setText(tr("Device &name"))
        self.name.setAccessibleName(tr("Device name"))
        self.name.setPlaceholderText(tr("e.g. Tanger Med — social workers"))
        self.scopes_label.setText(tr("&Scopes"))
        self.scopes.setAccessibleName(tr("Scopes"))
        self.scopes_hint.setText(tr("The teams or regions whose cases the device will receive, separated by commas."))
        self.code_label.setText(tr("Invitation code"))
        self.code.setAccessibleName(tr("Invitation code"))
        self.copy.setText(tr("&Copy"))
        self.copy.setAccessibleName(tr("Copy the invitation code"))
        self.copied.setText(tr("Copied."))
        self.code_hint.setText(tr("Give this code to the person setting up the device: they type it when they join "
                                  "the hub. It is shown only once and works once; it expires after 72 hours."))
        error = self._error
        text = "" if error is None else tr(error) if isinstance(error, str) else describe_error(error)
        self.error.setText(text)
        self.error.setAccessibleName(text)
        self.error.setVisible(bool(text))
        self.create.setText(tr("Create the invitation"))
        self.create.setAccessibleName(tr("Create the invitation"))
        self.cancel.setText(tr("Close") if self.issued else tr("Cancel"))
        self.cancel.setAccessibleName(self.cancel.text())
