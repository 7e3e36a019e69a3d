"""Setting up sync from the desktop: connect this laptop to the hub with a one-time code, or,
for the secretariat, create the realm on a new hub with its admin code.

The laptop keeps the hub's certificate only if it matches the pin handed out with the code,
so a wrong pin changes nothing. The call (network and store) runs on the database worker;
the facade checks the role again. After joining, the laptop's key fingerprint is shown: the
secretariat approves the laptop only if its screen shows the same.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget,
)

from app.errors import FieldError, ValidationError
from app.text import N_
from sync.errors import HubRefused, HubUnreachable, PinMismatch
from ui.qt.cases.widgets import InlineErrors, error_label, hint_label
from ui.qt.context import AppContext, Locked
from ui.qt.lang import language, tr

ENROL, REALM = "enrol", "realm"
_PIN = re.compile(r"^sha256:[0-9a-f]{64}$")

URL_BAD = N_("Give the hub's address as the secretariat wrote it, starting with https://.")
PIN_BAD = N_("The pin is sha256: followed by 64 letters and digits, as the secretariat wrote it.")
CODE_MISSING = N_("Type the code the secretariat gave you.")
NAME_MISSING = N_("Give this laptop a name (for example the team and the town).")
PIN_WRONG = N_("The hub's certificate does not match this pin: check the pin with the secretariat. "
               "Nothing was changed.")
UNREACHABLE = N_("The hub cannot be reached at this address: check the address and the network, then try again.")
CODE_USED = N_("This code is wrong, was already used or has expired: ask the secretariat for a new one.")
ADMIN_CODE_USED = N_("This admin code is wrong or was already used.")


def field_errors(exc: BaseException, mode: str) -> ValidationError | None:
    """The typed errors that name one field of the form; None for any other."""
    if isinstance(exc, PinMismatch):
        return ValidationError([FieldError("pin", PIN_WRONG)])
    if isinstance(exc, HubUnreachable):
        return ValidationError([FieldError("url", UNREACHABLE)])
    if isinstance(exc, HubRefused) and exc.code == "bad_code":
        return ValidationError([FieldError("code", ADMIN_CODE_USED if mode == REALM else CODE_USED)])
    return None


class SetupDialog(QDialog):
    """``mode`` ENROL: a supervisor connects this laptop; REALM: the secretariat creates the realm."""

    joined = Signal(object)  # the facade's Enrolled (device, status, fingerprint, realm)

    def __init__(self, ctx: AppContext, mode: str = ENROL, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.mode = mode
        self.setObjectName("syncSetupDialog" if mode == ENROL else "syncRealmDialog")
        self.setModal(True)
        self.setMinimumWidth(600)
        self.busy = False
        self.enrolled: Any = None

        self.intro = hint_label("setupIntro")
        self.url = self._latin("setupHubUrl", 300)
        self.pin = self._latin("setupPin", 80)
        self.pin.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.code = self._latin("setupCode", 200)
        self.name = QLineEdit(objectName="setupName")
        self.name.setMaxLength(80)
        self.errors = InlineErrors(error_label("setupError"), self)
        self.labels = {key: QLabel() for key in ("url", "pin", "code", "name")}
        # Each label above its field and its error under it, full width: a wrapped error in a
        # form row would be cut.
        self.form = QWidget(objectName="setupForm")
        form = QVBoxLayout(self.form)
        form.setContentsMargins(0, 0, 0, 0)
        for key, widget in (("url", self.url), ("pin", self.pin), ("code", self.code), ("name", self.name)):
            self.labels[key].setBuddy(widget)
            form.addWidget(self.labels[key])
            form.addWidget(self.errors.under(widget, key))

        self.done_box = QWidget(objectName="setupDone")
        self.status = QLabel(objectName="setupStatus", wordWrap=True)
        self.status.setStyleSheet("font-weight: 600;")
        self.fingerprint_label = QLabel(objectName="setupFingerprintLabel")
        self.fingerprint = QLineEdit(objectName="setupFingerprint", readOnly=True)
        self.fingerprint.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.fingerprint.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.done_hint = hint_label("setupDoneHint")
        done = QVBoxLayout(self.done_box)
        done.setContentsMargins(0, 0, 0, 0)
        for widget in (self.status, self.fingerprint_label, self.fingerprint, self.done_hint):
            done.addWidget(widget)
        self.done_box.setVisible(False)

        self.submit_button = QPushButton(objectName="setupSubmit", default=True)
        self.cancel = QPushButton(objectName="setupCancel")
        buttons = QDialogButtonBox()
        buttons.addButton(self.submit_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel, QDialogButtonBox.ButtonRole.RejectRole)
        self.submit_button.clicked.connect(self.submit)
        self.cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.form)
        layout.addWidget(self.errors.general)
        layout.addWidget(self.done_box)
        layout.addStretch(1)
        layout.addWidget(buttons)
        language.changed.connect(self.retranslate)
        self.retranslate()

    @staticmethod
    def _latin(name: str, length: int) -> QLineEdit:
        """Addresses, pins and codes read left to right in every language."""
        edit = QLineEdit(objectName=name)
        edit.setMaxLength(length)
        edit.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        return edit

    # --- joining ------------------------------------------------------------------------
    def check(self) -> tuple[str, str, str, str] | None:
        """The typed values, or None after showing under each field what is wrong."""
        url, pin = self.url.text().strip(), self.pin.text().strip().lower()
        code, name = self.code.text().strip(), self.name.text().strip()
        problems = []
        if not url.lower().startswith("https://") or len(url) <= len("https://"):
            problems.append(FieldError("url", URL_BAD))
        if not _PIN.match(pin):
            problems.append(FieldError("pin", PIN_BAD))
        if not code:
            problems.append(FieldError("code", CODE_MISSING))
        if not name:
            problems.append(FieldError("name", NAME_MISSING))
        if problems:
            self.errors.show(ValidationError(problems))
            self.adjustSize()
            return None
        return url, pin, code, name

    def submit(self) -> None:
        if self.busy or self.enrolled is not None:
            return
        values = self.check()
        if values is None:
            return
        url, pin, code, name = values
        ctx, mode = self.ctx, self.mode

        def job() -> Any:  # worker thread: no widget here
            sync = ctx.require().sync
            if mode == REALM:
                return sync.create_realm(url, pin, code, name)
            return sync.enrol(url, pin, code, name)

        self.errors.clear()
        self._set_busy(True)
        ctx.ops.run(job, owner=self, on_done=self._joined, on_error=self._failed)

    def _joined(self, enrolled: Any) -> None:
        self._set_busy(False)
        self.enrolled = enrolled
        self.code.clear()  # used now: it leaves memory with the dialog
        self.form.setVisible(False)  # done: what is left to do is below
        self.intro.setVisible(False)
        self.fingerprint.setText(str(getattr(enrolled, "fingerprint", "")))
        self.done_box.setVisible(True)
        self.submit_button.setVisible(False)
        self.cancel.setDefault(True)
        self.retranslate()
        self.adjustSize()
        self.joined.emit(enrolled)

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, Locked):
            self.close()
            return
        self.errors.show(field_errors(exc, self.mode) or exc)  # any other refusal: above the buttons
        self.adjustSize()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.submit_button.setEnabled(not busy)
        self.cancel.setEnabled(not busy)

    def reject(self) -> None:
        if not self.busy:
            self.code.clear()
            super().reject()

    # --- language -----------------------------------------------------------------------
    def retranslate(self) -> None:
        realm = self.mode == REALM
        self.setWindowTitle(tr("Create the realm") if realm else tr("Connect this laptop to the hub"))
        self.intro.setText(
            tr("The hub was just installed. Its address, its pin and its admin code are those himaya-hub init "
               "printed. This laptop becomes the secretariat's: it holds the realm's key.") if realm else
            tr("Type what the secretariat gave you: the hub's address, its pin and a one-time code. The laptop "
               "then waits for the secretariat to approve it."))
        for key, text, name in (("url", tr("Hub &address"), tr("Hub address")),
                                ("pin", tr("&Pin"), tr("Pin of the hub's certificate")),
                                ("code", tr("Admin &code") if realm else tr("One-time &code"),
                                 tr("Admin code") if realm else tr("One-time code")),
                                ("name", tr("Laptop &name"), tr("Laptop name"))):
            self.labels[key].setText(text)
            widget = {"url": self.url, "pin": self.pin, "code": self.code, "name": self.name}[key]
            widget.setAccessibleName(name)
        self.url.setPlaceholderText("https://hub.example.ma:8443")
        self.pin.setPlaceholderText("sha256:…")
        self.name.setPlaceholderText(tr("e.g. Secretariat, Rabat") if realm else tr("e.g. Tanger Med — social workers"))
        self.errors.retranslate()
        approved = getattr(self.enrolled, "status", "") == "approved"
        self.status.setText(tr("The realm was created: this laptop is the secretariat's.") if approved
                            else tr("Connected: waiting for the secretariat's approval."))
        self.fingerprint_label.setText(tr("This laptop's key fingerprint"))
        self.fingerprint.setAccessibleName(tr("This laptop's key fingerprint"))
        self.done_hint.setText(
            tr("Invite the field laptops from Sync → Devices.") if approved else
            tr("Read this fingerprint to the secretariat: they approve the laptop only if their screen shows the "
               "same. Once approved, Sync now brings this laptop its keys and the cases of its scopes."))
        self.submit_button.setText(tr("Create the realm") if realm else tr("Connect"))
        self.submit_button.setAccessibleName(self.submit_button.text())
        self.cancel.setText(tr("Close") if self.enrolled is not None else tr("Cancel"))
        self.cancel.setAccessibleName(self.cancel.text())
