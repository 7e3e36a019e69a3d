"""What every export dialog asks: why (kept, audited), and in which language the document is.

The core checks the reason again (and refuses); checking its length here first means the
user is told before choosing a file, not after.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialog, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from app.text import N_
from ui.qt.cases.widgets import InlineErrors, hint_label
from ui.qt.lang import language, tr, trf
from ui.qt.saving import WRITE_FAILED
from ui.qt.settings_dialog import LANGUAGE_NAMES

#: The shortest reason the export services accept (app.services.exports / statistics).
MIN_REASON = 10
REASON_TOO_SHORT = N_("Say why this export is needed (at least 10 characters).")


class ExportFields(QWidget):
    """The reason (required, explained) and the document's language (the interface's by default)."""

    def __init__(self, prefix: str, errors: InlineErrors, *, reason_hint: str, with_language: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._reason_hint = reason_hint
        self.reason_label = QLabel()
        self.reason = QPlainTextEdit(objectName=f"{prefix}Reason")
        self.reason.setTabChangesFocus(True)
        self.reason.setMaximumHeight(90)
        self.reason_label.setBuddy(self.reason)
        self.hint = hint_label(f"{prefix}ReasonHint")
        self.language_label = QLabel()
        self.language = QComboBox(objectName=f"{prefix}Language")
        for code, name in LANGUAGE_NAMES.items():  # each language in its own name
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(language.code)))
        self.language_label.setBuddy(self.language)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.reason_label)
        layout.addWidget(self.reason)
        layout.addWidget(errors.add("reason"))
        layout.addWidget(self.hint)
        for widget in (self.language_label, self.language):
            widget.setVisible(with_language)
            layout.addWidget(widget)
        layout.addWidget(errors.add("language"))
        self.retranslate()

    def retranslate(self) -> None:
        self.reason_label.setText(tr("&Reason for the export (required)"))
        self.reason.setAccessibleName(tr("Reason for the export"))
        self.hint.setText(trf(self._reason_hint, count=MIN_REASON))
        self.language_label.setText(tr("&Language of the document"))
        self.language.setAccessibleName(tr("Language of the document"))

    def reason_text(self) -> str:
        return self.reason.toPlainText().strip()

    def reason_ok(self) -> bool:
        return len(self.reason_text()) >= MIN_REASON

    def language_code(self) -> str:
        return self.language.currentData() or language.code


class ExportDialog(QDialog):
    """The part every one-file export dialog shares: busy while the file is made, then
    ``saved(path)``; a failure is shown in the dialog, which stays open.

    Subclasses build ``confirm`` (the button), ``progress`` (shown while busy) and
    ``errors`` (an ``InlineErrors``) before an export can start.
    """

    saved = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.busy = False
        self.saved_path: str | None = None

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.confirm.setEnabled(not busy)
        self.progress.setVisible(busy)

    def reject(self) -> None:
        """Not while the file is being made (a second or so): the export is audited and written
        whatever happens to the dialog, so the user must see where it went."""
        if not self.busy:
            super().reject()

    def _saved(self, path: str) -> None:
        self._set_busy(False)
        self.saved_path = path
        self.saved.emit(path)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.errors.show(WRITE_FAILED if isinstance(exc, OSError) else exc)
