"""Publishing the service directory or a checklist, for the secretariat: choose the file, publish.

The facade reads the file as the devices will and refuses it, naming the entry and the
field, before the realm's key signs anything; the file is read and published on the
database worker. What the dialog shows is the version published or why it was refused.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget,
)

from app.errors import ValidationError
from app.text import N_
from i18n.bidi import isolate_ltr
from ui.qt.cases.widgets import error_label, hint_label
from ui.qt.context import AppContext, Locked
from ui.qt.lang import language, tr, trf
from ui.qt.sync.admin import describe_error

DIRECTORY, CHECKLIST = "directory", "checklist"
MAX_BYTES = 4 * 1024 * 1024  # the protocol's limit for one publication
FILE_MISSING = N_("Choose the file to publish.")
FILE_UNREADABLE = N_("The file cannot be read: {reason}")
FILE_TOO_BIG = N_("The file is larger than 4 MB: it cannot be published.")


class FileProblem(Exception):
    """The chosen file could not be read (its msgid and parameters)."""

    def __init__(self, msgid: str, **params: str) -> None:
        super().__init__(msgid)
        self.msgid, self.params = msgid, params


def refusal_text(exc: BaseException) -> str:
    """Why a file was refused, in the user's words: each entry and field of a directory on its own line."""
    if isinstance(exc, FileProblem):
        return trf(exc.msgid, **exc.params)
    if isinstance(exc, ValidationError):
        lines = [trf("Entry {place}: {reason}", place=isolate_ltr(error.field), reason=error.render(tr))
                 for error in exc.errors]
        return "\n".join([tr("The file was refused, nothing was published:"), *lines])
    if isinstance(exc, Locked):
        return ""
    return describe_error(exc)


class PublishDialog(QDialog):
    published = Signal(int)  # the version the hub now serves

    def __init__(self, ctx: AppContext, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.kind = kind
        self.setObjectName("publishDialog")
        self.setModal(True)
        self.setMinimumWidth(560)
        self.busy = False
        self.version = 0
        self._error: BaseException | None = None

        self.intro = hint_label("publishIntro")
        self.file_label = QLabel()
        self.file = QLineEdit(objectName="publishFile")
        self.file.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # a path
        self.file_label.setBuddy(self.file)
        self.choose = QPushButton(objectName="publishChoose")
        self.choose.clicked.connect(self.choose_file)
        row = QHBoxLayout()
        row.addWidget(self.file, 1)
        row.addWidget(self.choose)
        self.error = error_label("publishError")
        self.result = QLabel(objectName="publishResult", wordWrap=True)
        self.result.setStyleSheet("color: #1d5631;")
        self.result.setVisible(False)
        self.submit_button = QPushButton(objectName="publishSubmit", default=True)
        self.close_button = QPushButton(objectName="publishClose")
        buttons = QDialogButtonBox()
        buttons.addButton(self.submit_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.submit_button.clicked.connect(self.submit)
        self.close_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.file_label)
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addWidget(self.result)
        layout.addStretch(1)
        layout.addWidget(buttons)
        language.changed.connect(self.retranslate)
        self.retranslate()

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, self.windowTitle(), self.file.text(),
                                                    tr("JSON files (*.json);;All files (*)"))
        if path:
            self.file.setText(path)

    def submit(self) -> None:
        if self.busy:
            return
        path = self.file.text().strip()
        if not path:
            self._show(FileProblem(FILE_MISSING))
            return
        ctx, kind = self.ctx, self.kind

        def job() -> int:  # worker thread: no widget here
            try:
                with open(path, "rb") as handle:
                    payload = handle.read(MAX_BYTES + 1)
            except OSError as exc:
                raise FileProblem(FILE_UNREADABLE, reason=exc.strerror or type(exc).__name__) from None
            if len(payload) > MAX_BYTES:
                raise FileProblem(FILE_TOO_BIG)
            return int(ctx.require().sync.publish(kind, payload, source=Path(path).name))

        self._show(None)
        self.version = 0
        self._set_busy(True)
        ctx.ops.run(job, owner=self, on_done=self._published, on_error=self._failed)

    def _published(self, version: int) -> None:
        self._set_busy(False)
        self.version = version
        self.retranslate()
        self.adjustSize()
        self.published.emit(version)

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, Locked):
            self.close()
            return
        self._show(exc)

    def _show(self, error: BaseException | None) -> None:
        self._error = error
        self.retranslate()
        self.adjustSize()  # room for every line of a refusal

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for widget in (self.submit_button, self.choose, self.close_button):
            widget.setEnabled(not busy)

    def reject(self) -> None:
        if not self.busy:
            super().reject()

    def retranslate(self) -> None:
        directory = self.kind == DIRECTORY
        self.setWindowTitle(tr("Publish the service directory") if directory else tr("Publish a checklist"))
        self.intro.setText(
            tr("The file is checked first, then signed with the realm's key and sent to the hub. Every device puts "
               "it in use at its next sync, in place of the directory it has.") if directory else
            tr("The file is checked first, then signed with the realm's key and sent to the hub. Every device "
               "starts new screenings on it after its next sync; a screening already started keeps its version."))
        self.file_label.setText(tr("&File"))
        self.file.setAccessibleName(tr("File to publish"))
        self.choose.setText(tr("&Choose…"))
        self.choose.setAccessibleName(tr("Choose the file to publish"))
        text = refusal_text(self._error) if self._error is not None else ""
        self.error.setText(text)
        self.error.setAccessibleName(text)
        self.error.setVisible(bool(text))
        if self.version:
            self.result.setText(trf("Version {version} of the service directory was published.", version=self.version)
                                if directory else
                                trf("Version {version} of the checklist was published.", version=self.version))
        self.result.setAccessibleName(self.result.text())
        self.result.setVisible(bool(self.version))
        self.submit_button.setText(tr("&Publish"))
        self.submit_button.setAccessibleName(tr("Publish the file"))
        self.close_button.setText(tr("Close"))
        self.close_button.setAccessibleName(tr("Close"))
