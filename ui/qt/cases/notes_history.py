"""The Notes tab (append-only notes, newest first) and the History tab (the case's audit trail)."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QHBoxLayout, QLabel, QListWidget, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget,
)

from app.domain.audit import AuditAction
from app.permissions import Action
from i18n.formatting import format_datetime
from ui.qt.cases.case_data import CaseTab, fill_tree, make_tree
from ui.qt.cases.labels import audit_text
from ui.qt.cases.widgets import InlineErrors, error_label, hint_label
from ui.qt.context import AppContext
from ui.qt.lang import language, tr, trf


class NotesTab(CaseTab):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("tabNotes")
        self.notes = QListWidget(objectName="noteList")
        self.notes.setWordWrap(True)
        self.notes.setSpacing(4)
        self.notes.setAlternatingRowColors(True)
        self.notes.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.editor_label = QLabel()
        self.editor = QPlainTextEdit(objectName="noteText")
        self.editor.setTabChangesFocus(True)
        self.editor.setMaximumHeight(120)
        self.editor_label.setBuddy(self.editor)
        self.add_button = QPushButton(objectName="noteAdd")
        self.add_button.clicked.connect(self.add_note)
        self.editor.textChanged.connect(self._update_button)
        # Ctrl+Enter adds the note without leaving the keyboard.
        self.shortcut = QShortcut(QKeySequence("Ctrl+Return"), self.editor, activated=self.add_note)
        self.denied = hint_label("noteDenied")
        self.errors = InlineErrors(error_label("noteError"), self)
        self.errors.add("text")

        layout = QVBoxLayout(self)
        layout.addWidget(self.notes, 1)
        layout.addWidget(self.denied)
        layout.addWidget(self.editor_label)
        layout.addWidget(self.editor)
        layout.addWidget(self.errors.labels["text"])
        layout.addWidget(self.errors.general)
        bar = QHBoxLayout()
        bar.addStretch(1)
        bar.addWidget(self.add_button)
        layout.addLayout(bar)
        self._busy = False
        self.render()

    def may_write(self) -> bool:
        return self.loaded is not None and self.loaded.may(Action.CASE_WORK)

    def render(self) -> None:
        self.editor_label.setText(tr("New note"))
        self.editor.setAccessibleName(tr("New note"))
        self.editor.setPlaceholderText(tr("Write what happened, what was agreed, what comes next. "
                                          "Notes cannot be changed once added; a correction is a new note."))
        self.add_button.setText(tr("Add note"))
        self.add_button.setAccessibleName(tr("Add note"))
        self.add_button.setToolTip(tr("Ctrl+Enter"))
        self.notes.setAccessibleName(tr("Notes"))
        loaded = self.loaded
        self.notes.clear()
        if loaded is not None:
            for note in reversed(loaded.file.notes):
                header = trf("{author}, {when}", author=loaded.name(note.author),
                             when=format_datetime(note.written_at, language.code))
                self.notes.addItem(f"{header}\n{note.text}")
            if not loaded.file.notes:
                self.notes.addItem(tr("No notes yet."))
        # Roles without case work (border officers, the secretariat) read notes but do not write them.
        may = self.may_write()
        for widget in (self.editor_label, self.editor, self.add_button):
            widget.setVisible(loaded is None or may)
        self.editor.setEnabled(may)
        why = loaded.why_not(Action.CASE_WORK) if loaded is not None and not may else ""
        self.denied.setText(why)
        self.denied.setVisible(bool(why))
        self._update_button()

    def _update_button(self) -> None:
        self.add_button.setEnabled(self.may_write() and not self._busy
                                   and bool(self.editor.toPlainText().strip()))

    def add_note(self) -> None:
        if not self.add_button.isEnabled() or self.loaded is None:
            return
        ctx, case_id, text = self.ctx, self.loaded.file.case.id, self.editor.toPlainText().strip()

        def add():  # worker thread
            services = ctx.require()
            return services.cases.add_note(services.session, case_id, text)

        self.errors.clear()
        self._busy = True
        self._update_button()
        ctx.ops.run(add, on_done=self._added, on_error=self._failed, owner=self)

    def _added(self, _note: object) -> None:
        self._busy = False
        self.editor.clear()
        self.edited.emit()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self._update_button()
        self.errors.show(exc)

    def clear(self) -> None:
        self.editor.clear()  # a half-written note is case content too
        self.errors.clear()
        super().clear()


class HistoryTab(CaseTab):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("tabHistory")
        self.entries = make_tree("historyList")
        self.show_views = QCheckBox(objectName="historyShowViews")
        self.show_views.toggled.connect(self.render)
        layout = QVBoxLayout(self)
        layout.addWidget(self.show_views)
        layout.addWidget(self.entries, 1)
        self.render()

    def render(self) -> None:
        self.show_views.setText(tr("Also show when the case file was viewed"))
        self.show_views.setAccessibleName(self.show_views.text())
        self.entries.setAccessibleName(tr("History of the case"))
        loaded = self.loaded
        entries = reversed(loaded.history) if loaded is not None else ()
        if not self.show_views.isChecked():
            entries = [e for e in entries if e.event.action != AuditAction.CASE_VIEWED]
        fill_tree(self.entries, [tr("When"), tr("Who"), tr("What")], [
            [format_datetime(e.event.at, language.code), loaded.name(e.event.actor_id), audit_text(e)]
            for e in entries])
