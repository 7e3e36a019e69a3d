"""Exporting one case's summary (PDF) from the case file: supervisors and the secretariat.

The dialog asks why (required; the core keeps it as a note on the case and prints it on
the summary), the document's language, and which of the case's notes to include (none by
default: notes are the most personal part of a file). Then the file dialog, then the
export on the database worker (``ExportService.case_summary``, which checks the role, the
case's visibility and the reason, and audits); the bytes are written atomically where the
user chose (``ui.qt.saving``).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QStyle, QVBoxLayout, QWidget,
)

from app.text import N_
from i18n.bidi import isolate_ltr
from i18n.formatting import format_datetime
from ui.qt.cases.case_data import Loaded
from ui.qt.cases.widgets import InlineErrors, error_label, hint_label
from ui.qt.context import AppContext
from ui.qt.lang import language, tr, trf
from ui.qt.reports.common import REASON_TOO_SHORT, ExportDialog, ExportFields
from ui.qt.saving import AskPath, ask_save_file, default_folder, with_suffix, write_file

REASON_HINT = N_("At least {count} characters. The reason is kept as a note on the case and printed on the "
                 "summary; the export is recorded in the case history.")
NOTE_PREVIEW = 140  # characters of a note shown in the list


def ask_summary_path(parent: QWidget, suggested: str) -> str:
    return ask_save_file(parent, tr("Save the case summary"), suggested, tr("PDF documents (*.pdf)"))


def summary_file_name(case_number: str) -> str:
    """Named by the case number, never by the person's name."""
    return f"case-summary-{case_number}.pdf"


def saved_text(path: str) -> str:
    return tr("The case summary was saved: {path}").format(path=isolate_ltr(path))


def check_folder(path: Path) -> None:
    """Refuse a folder that cannot be written before the export is made and audited."""
    if not path.parent.is_dir() or not os.access(path.parent, os.W_OK):
        raise PermissionError(str(path.parent))


class SummaryExportDialog(ExportDialog):
    """Reason, language and notes for one case's summary; ``saved(path)`` when written.

    ``ask_path`` may be replaced (tests give a path instead of showing the file dialog).
    """

    def __init__(self, ctx: AppContext, loaded: Loaded, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.loaded = loaded
        self.case_id = loaded.file.case.id
        self.case_number = loaded.file.case.case_number
        self.ask_path: AskPath = ask_summary_path
        self.setObjectName("summaryExportDialog")
        self.setMinimumWidth(520)

        self.intro = QLabel(objectName="summaryIntro", wordWrap=True)
        self.errors = InlineErrors(error_label("summaryError"), self)
        self.fields = ExportFields("summary", self.errors, reason_hint=REASON_HINT)
        self.notes_label = QLabel()
        self.notes = QListWidget(objectName="summaryNotes")
        self.notes.setWordWrap(True)
        self.notes.setAlternatingRowColors(True)
        self.notes_label.setBuddy(self.notes)
        self.no_notes = hint_label("summaryNoNotes")
        self.progress = hint_label("summaryProgress")
        self.progress.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.confirm = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.confirm.setObjectName("summaryExport")
        self.confirm.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton))
        self.cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel.setObjectName("summaryCancel")
        self.buttons.accepted.connect(self.run)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.fields)
        layout.addWidget(self.notes_label)
        layout.addWidget(self.notes, 1)
        layout.addWidget(self.no_notes)
        layout.addWidget(self.errors.general)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)
        self._fill_notes()
        language.changed.connect(self.retranslate)
        self.retranslate()
        self.fields.reason.setFocus()

    def _fill_notes(self) -> None:
        """The case's notes, newest first, none checked."""
        self.notes.clear()
        for note in reversed(self.loaded.file.notes):
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, note.id)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.notes.addItem(item)
        self._label_notes()
        has_notes = bool(self.loaded.file.notes)
        self.notes.setVisible(has_notes)
        self.no_notes.setVisible(not has_notes)

    def _label_notes(self) -> None:
        by_id = {note.id: note for note in self.loaded.file.notes}
        for row in range(self.notes.count()):
            item = self.notes.item(row)
            note = by_id[item.data(Qt.ItemDataRole.UserRole)]
            text = " ".join(note.text.split())
            if len(text) > NOTE_PREVIEW:
                text = text[:NOTE_PREVIEW].rstrip() + "…"
            header = trf("{author}, {when}", author=self.loaded.name(note.author),
                         when=format_datetime(note.written_at, language.code))
            item.setText(f"{header}\n{text}")

    def chosen_notes(self) -> list[str]:
        """The ids of the checked notes, in the case's order."""
        checked = {self.notes.item(row).data(Qt.ItemDataRole.UserRole) for row in range(self.notes.count())
                   if self.notes.item(row).checkState() == Qt.CheckState.Checked}
        return [note.id for note in self.loaded.file.notes if note.id in checked]

    def retranslate(self) -> None:
        self.setWindowTitle(trf("Export the summary of case {number}", number=self.case_number))
        self.intro.setText(tr("The summary holds the person's details and the whole case. It leaves the "
                              "encrypted store: export it only when it is needed, and keep the file safe."))
        self.fields.retranslate()
        self.notes_label.setText(tr("&Notes to include (none unless you tick them)"))
        self.notes.setAccessibleName(tr("Notes to include"))
        self.no_notes.setText(tr("This case has no notes."))
        self.progress.setText(tr("Making the summary…"))
        self.confirm.setText(tr("Export…"))
        self.confirm.setAccessibleName(tr("Export the summary"))
        self.cancel.setText(tr("Cancel"))
        self._label_notes()

    # --- exporting ------------------------------------------------------------------------
    def run(self) -> None:
        if self.busy:
            return
        self.errors.clear()
        if not self.fields.reason_ok():
            self.errors.show_field("reason", REASON_TOO_SHORT)
            self.fields.reason.setFocus()
            return
        chosen = self.ask_path(self, str(default_folder() / summary_file_name(self.case_number)))
        if not chosen:
            return
        path = with_suffix(chosen, ".pdf")
        ctx, case_id = self.ctx, self.case_id
        reason, lang, note_ids = self.fields.reason_text(), self.fields.language_code(), self.chosen_notes()

        def job() -> str:  # worker thread
            check_folder(path)
            services = ctx.require()
            data = services.exports.case_summary(services.session, case_id, reason=reason, language=lang,
                                                 note_ids=note_ids)
            write_file(path, data)
            return str(path)

        self._set_busy(True)
        ctx.ops.run(job, on_done=self._saved, on_error=self._failed, owner=self)
