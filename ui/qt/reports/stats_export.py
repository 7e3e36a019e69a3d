"""Exporting the figures the dashboard shows: CSV (codebook in docs/STATISTICS.md) or the PDF
report with charts, with a stated reason (audited by ``StatisticsService``; the reason's
text is printed on the PDF, never kept in the audit entry), written atomically.

The table exported is the one on screen: what the user looked at is what leaves.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup, QDialogButtonBox, QLabel, QRadioButton, QStyle, QVBoxLayout, QWidget,
)

from app.stats import StatsTable
from app.text import N_
from i18n import gettext_for
from i18n.bidi import isolate_ltr
from ui.qt.cases.widgets import InlineErrors, error_label, hint_label
from ui.qt.context import AppContext
from ui.qt.lang import language, tr
from ui.qt.reports.common import REASON_TOO_SHORT, ExportDialog, ExportFields
from ui.qt.saving import WRITE_FAILED, AskPath, ask_save_file, default_folder, with_suffix, write_file

REASON_HINT = N_("At least {count} characters, e.g. who asked for the figures. The export is recorded in the "
                 "audit log; the reason is printed on the PDF report.")


def ask_csv_path(parent: QWidget, suggested: str) -> str:
    return ask_save_file(parent, tr("Save the statistics"), suggested, tr("CSV files (*.csv)"))


def ask_pdf_path(parent: QWidget, suggested: str) -> str:
    return ask_save_file(parent, tr("Save the statistics report"), suggested, tr("PDF documents (*.pdf)"))


def stats_file_name(table: StatsTable, suffix: str) -> str:
    """E.g. ``statistics-2025-01-01-2025-03-31-MA-01.csv``: the filters, never a name."""
    f = table.filters
    parts = ["statistics", f.period_from.isoformat() if f.period_from else "start",
             (f.period_to or date.today()).isoformat()]
    if f.region:
        parts.append(f.region)
    return "-".join(parts) + suffix


def saved_text(path: str) -> str:
    return tr("The statistics were saved: {path}").format(path=isolate_ltr(path))


class StatsExportDialog(ExportDialog):
    """CSV or PDF, why, which language (the PDF's); ``saved(path)`` when written.

    ``ask_csv`` and ``ask_pdf`` may be replaced (tests give a path instead of a file dialog).
    """

    def __init__(self, ctx: AppContext, table: StatsTable, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.table = table
        self.ask_csv: AskPath = ask_csv_path
        self.ask_pdf: AskPath = ask_pdf_path
        self.setObjectName("statsExportDialog")
        self.setMinimumWidth(500)

        self.intro = QLabel(objectName="statsExportIntro", wordWrap=True)
        self.format_label = QLabel()
        self.csv = QRadioButton(objectName="statsExportCsv")
        self.pdf = QRadioButton(objectName="statsExportPdf")
        group = QButtonGroup(self)
        for button in (self.csv, self.pdf):
            group.addButton(button)
            button.toggled.connect(self._format_changed)
        self.errors = InlineErrors(error_label("statsExportError"), self)
        self.fields = ExportFields("statsExport", self.errors, reason_hint=REASON_HINT)
        self.progress = hint_label("statsExportProgress")
        self.progress.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.confirm = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.confirm.setObjectName("statsExportConfirm")
        self.confirm.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton))
        self.cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.run)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.format_label)
        layout.addWidget(self.csv)
        layout.addWidget(self.pdf)
        layout.addWidget(self.fields)
        layout.addWidget(self.errors.general)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)
        self.pdf.setChecked(True)
        language.changed.connect(self.retranslate)
        self.retranslate()
        self.fields.reason.setFocus()

    def _format_changed(self) -> None:
        # A CSV holds codes only (the codebook's values): the language is the PDF's.
        for widget in (self.fields.language_label, self.fields.language):
            widget.setVisible(self.pdf.isChecked())

    def retranslate(self) -> None:
        self.setWindowTitle(tr("Export the statistics"))
        self.intro.setText(tr("The figures on the dashboard, with the same suppressed cells. They are anonymised, "
                              "but their export is still recorded: say why they are needed."))
        self.format_label.setText(tr("Format"))
        self.csv.setText(tr("CSV table (for a spreadsheet; codes as in the codebook)"))
        self.pdf.setText(tr("PDF report with charts"))
        self.fields.retranslate()
        self.progress.setText(tr("Exporting…"))
        self.confirm.setText(tr("Export…"))
        self.cancel.setText(tr("Cancel"))

    def run(self) -> None:
        if self.busy:
            return
        self.errors.clear()
        if not self.fields.reason_ok():
            self.errors.show_field("reason", REASON_TOO_SHORT)
            self.fields.reason.setFocus()
            return
        as_pdf = self.pdf.isChecked()
        suffix = ".pdf" if as_pdf else ".csv"
        ask = self.ask_pdf if as_pdf else self.ask_csv
        chosen = ask(self, str(default_folder() / stats_file_name(self.table, suffix)))
        if not chosen:
            return
        path = with_suffix(chosen, suffix)
        if not path.parent.is_dir():
            self.errors.show(WRITE_FAILED)
            return
        ctx, table, reason, lang = self.ctx, self.table, self.fields.reason_text(), self.fields.language_code()

        def job() -> str:  # worker thread
            services = ctx.require()
            statistics, session = services.statistics, services.session
            if as_pdf:
                data = statistics.export_pdf(session, table, reason=reason, language=lang,
                                             translate=gettext_for(lang))
            else:
                data = statistics.export_csv(session, table, reason=reason).encode("utf-8")
            write_file(Path(path), data)
            return str(path)

        self._set_busy(True)
        ctx.ops.run(job, on_done=self._saved, on_error=self._failed, owner=self)
