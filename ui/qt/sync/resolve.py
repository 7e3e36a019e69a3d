"""Resolving one conflict: keep one of the values, or give the right one.

The choice goes to ``ConflictService.resolve`` on the database worker: one new write that
supersedes every value shown, so the conflict is gone here and on every device that
receives it. Wall-clock times are shown to help, never used to pick a value.
"""

from __future__ import annotations

from typing import Any, Mapping

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup, QComboBox, QDialog, QDialogButtonBox, QLabel, QLineEdit, QPushButton, QRadioButton, QVBoxLayout,
    QWidget,
)

from app.text import N_
from i18n.bidi import isolate_ltr
from ui.qt.cases.widgets import error_label, hint_label
from ui.qt.context import AppContext, Locked
from ui.qt.lang import language, render_error, tr, trf
from ui.qt.sync.fields import (
    author_text, choices, device_text, editable_kind, field_label, record_label, value_text, when_text,
)

NO_CHOICE = N_("Choose one of the values, or give a new one.")
EMPTY_VALUE = N_("Type the new value, or choose one of the values.")
NEW = 9_999  # the button id of "another value" (-1 is "none checked")


class ResolveDialog(QDialog):
    resolved = Signal()

    def __init__(self, ctx: AppContext, conflict: Any, names: Mapping[str, str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.conflict = conflict
        self.names = names
        self.setObjectName("resolveDialog")
        self.setModal(True)
        self.setMinimumWidth(560)
        self.busy = False
        self._error: BaseException | str | None = None
        self.kind = editable_kind(conflict.record_type, conflict.field)

        self.heading = QLabel(objectName="resolveHeading", wordWrap=True)
        self.heading.setStyleSheet("font-weight: 600;")
        self.question = QLabel(objectName="resolveQuestion", wordWrap=True)
        self.group = QButtonGroup(self)
        self.options: list[QRadioButton] = []
        self.option_notes: list[QLabel] = []  # who, when, where: under the value, wrapped
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.question)
        for index, _write in enumerate(conflict.writes):
            option = QRadioButton(objectName=f"resolveValue_{index}")
            note = hint_label(f"resolveValueInfo_{index}")
            note.setIndent(24)
            self.group.addButton(option, index)
            self.options.append(option)
            self.option_notes.append(note)
            layout.addWidget(option)
            layout.addWidget(note)

        self.new_option = QRadioButton(objectName="resolveNew")
        self.new_text = QLineEdit(objectName="resolveNewValue")
        self.new_choice = QComboBox(objectName="resolveNewChoice")
        for value, label in choices(conflict.record_type, conflict.field):
            self.new_choice.addItem(label, value)
        self.group.addButton(self.new_option, NEW)
        self.new_text.textEdited.connect(lambda _text: self.new_option.setChecked(True))
        self.new_choice.activated.connect(lambda _index: self.new_option.setChecked(True))
        self.only_hint = hint_label("resolveOnlyChoose")
        layout.addWidget(self.new_option)
        layout.addWidget(self.new_text)
        layout.addWidget(self.new_choice)
        layout.addWidget(self.only_hint)
        self.new_option.setVisible(bool(self.kind))
        self.new_text.setVisible(self.kind == "text")
        self.new_choice.setVisible(self.kind == "choice")
        self.only_hint.setVisible(not self.kind)

        self.error = error_label("resolveError")
        self.confirm = QPushButton(objectName="resolveConfirm", default=True)
        self.cancel = QPushButton(objectName="resolveCancel")
        buttons = QDialogButtonBox()
        buttons.addButton(self.confirm, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel, QDialogButtonBox.ButtonRole.RejectRole)
        self.confirm.clicked.connect(self.submit)
        self.cancel.clicked.connect(self.reject)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(buttons)
        language.changed.connect(self.retranslate)
        self.retranslate()

    # --- choosing -----------------------------------------------------------------------
    def chosen_value(self) -> tuple[bool, Any]:
        """(True, value) when a value is chosen or typed; (False, msgid of what is missing) otherwise."""
        checked = self.group.checkedId()
        if checked == NEW:
            if self.kind == "text":
                text = self.new_text.text().strip()
                return (True, text) if text else (False, EMPTY_VALUE)
            if self.kind == "choice" and self.new_choice.currentIndex() >= 0:
                return True, self.new_choice.currentData()
            return False, NO_CHOICE
        if 0 <= checked < len(self.conflict.writes):
            return True, self.conflict.writes[checked].value
        return False, NO_CHOICE

    def submit(self) -> None:
        if self.busy:
            return
        ok, value = self.chosen_value()
        if not ok:
            self._show_error(value)
            return
        ctx, c = self.ctx, self.conflict

        def job() -> None:  # worker thread: no widget here
            services = ctx.require()
            services.conflicts.resolve(services.session, c.record_type, c.record_id, c.field, value)

        self._show_error(None)
        self._set_busy(True)
        ctx.ops.run(job, owner=self, on_done=lambda _none: self._done(), on_error=self._failed)

    def _done(self) -> None:
        self._set_busy(False)
        self.resolved.emit()
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, Locked):
            self.close()
            return
        self._show_error(exc)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.confirm.setEnabled(not busy)

    def reject(self) -> None:
        if not self.busy:  # the write is on its way: the user must see it land or fail
            super().reject()

    def _show_error(self, error: BaseException | str | None) -> None:
        self._error = error
        self.retranslate()

    # --- language -----------------------------------------------------------------------
    def option_note(self, write: Any) -> str:
        return trf("Written by {author} on {when}, on {device}", author=author_text(write.actor),
                   when=when_text(write.written_at), device=self._device(write.dot[0]))

    def _device(self, device: str) -> str:
        return device_text(device, self.names, self.ctx.session.device_id)

    def retranslate(self) -> None:
        c = self.conflict
        self.setWindowTitle(tr("Resolve a conflict"))
        self.heading.setText(trf("Case {number} — {record}: {field}",
                                 number=isolate_ltr(c.case_number or "?"), record=record_label(c.record_type),
                                 field=field_label(c.record_type, c.field)))
        self.question.setText(tr("Which value is right? The value you keep replaces every value below, on every "
                                 "device."))
        for option, note, write in zip(self.options, self.option_notes, c.writes):
            option.setText(value_text(write.record_type, write.field, write.value))
            note.setText(self.option_note(write))
            option.setAccessibleName(trf("{value} ({note})", value=option.text(), note=note.text()))
        self.new_option.setText(tr("Another value:"))
        self.new_option.setAccessibleName(tr("Another value"))
        self.new_text.setAccessibleName(tr("The new value"))
        self.new_choice.setAccessibleName(tr("The new value"))
        for index, (_value, label) in enumerate(choices(c.record_type, c.field)):
            self.new_choice.setItemText(index, label)
        self.only_hint.setText(tr("This field can only take one of the values above."))
        error = self._error
        text = "" if error is None else tr(error) if isinstance(error, str) else render_error(error)
        self.error.setText(text)
        self.error.setAccessibleName(text)
        self.error.setVisible(bool(text))
        self.confirm.setText(tr("&Keep this value"))
        self.confirm.setAccessibleName(tr("Keep this value"))
        self.cancel.setText(tr("Cancel"))
        self.cancel.setAccessibleName(tr("Cancel"))
