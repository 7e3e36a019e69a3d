"""Exporting many case summaries at once: the cases selected in the list, or every case
the list's current filter finds (``ExportService.resolve``), into one PDF or a folder of
files named by case number.

The export runs on the database worker as a cancellable operation: the core calls
``progress(done, total)`` between cases, which moves the progress bar (``token.progress``)
and returns False once the user pressed Stop. Stop is not ``Operation.cancel``: a cancelled
operation's result is never delivered, and the user must be told what was done before the
stop (in a folder, the files written so far stay, each audited; in one file, nothing is
written). Closing the dialog while it runs does cancel: nobody is left to read the report.
Cases skipped by the core (out of sight since the filter was made, incomplete) are listed at
the end with the reason.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup, QDialog, QDialogButtonBox, QLabel, QProgressBar, QPushButton, QRadioButton, QStyle, QVBoxLayout,
    QWidget,
)

from app.errors import NotFound
from app.ports import CaseQuery
from app.services.exports import BatchResult
from app.text import N_
from i18n.bidi import isolate, isolate_ltr
from i18n.formatting import format_number
from ui.qt.cases.widgets import InlineErrors, error_label, hint_label
from ui.qt.context import AppContext
from ui.qt.lang import language, ntr, tr, trf
from ui.qt.ops import Cancel, Operation
from ui.qt.reports.common import REASON_TOO_SHORT, ExportFields
from ui.qt.saving import WRITE_FAILED, ask_folder, ask_save_file, default_folder, with_suffix, write_file

REASON_HINT = N_("At least {count} characters. The reason is kept as a note on each case exported; the export "
                 "is recorded in each case's history.")
BATCH_FILE = "case-summaries.pdf"

#: (parent, suggested path, one file?) -> the chosen file or folder, "" when the user cancelled
AskTarget = Callable[[QWidget, str, bool], str]


def ask_target(parent: QWidget, suggested: str, one_file: bool) -> str:
    if one_file:
        return ask_save_file(parent, tr("Save the case summaries"), suggested, tr("PDF documents (*.pdf)"))
    return ask_folder(parent, tr("Choose the folder for the case summaries"), str(Path(suggested).parent))


@dataclass(frozen=True)
class BatchOutcome:
    """What the worker hands back: the core's result, and what the report needs to name."""

    result: BatchResult
    total: int
    target: str
    skipped: tuple[tuple[str | None, str], ...]  # (case number, or None when it may not be told; why: msgid)


def folder_writer(folder: Path) -> Callable[[str, bytes], None]:
    def write(name: str, data: bytes) -> None:
        if Path(name).name != name or name.startswith("."):  # a plain file name, in the folder only
            raise ValueError(f"not a file name: {name!r}")
        write_file(folder / name, data)
    return write


class BatchExportDialog(QDialog):
    """Which cases, why, which language, one PDF or a folder; progress, Stop, and a report."""

    exported = Signal(object)  # BatchOutcome

    def __init__(self, ctx: AppContext, selected: Sequence[tuple[str, str]], query: CaseQuery,
                 matching: int | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.selected = list(selected)  # (case id, case number)
        self.query = query
        self.matching = matching
        self.ask_target: AskTarget = ask_target
        self.operation: Operation | None = None
        self.outcome: BatchOutcome | None = None
        self._stop = threading.Event()
        self._progress = (0, 0)
        self.setObjectName("batchExportDialog")
        self.setMinimumWidth(560)

        self.intro = QLabel(objectName="batchIntro", wordWrap=True)
        self.which_label = QLabel()
        self.use_selected = QRadioButton(objectName="batchSelected")
        self.use_filter = QRadioButton(objectName="batchFilter")
        self.which = QButtonGroup(self)
        for button in (self.use_selected, self.use_filter):
            self.which.addButton(button)
        self.use_selected.setEnabled(bool(self.selected))
        (self.use_selected if self.selected else self.use_filter).setChecked(True)
        self.errors = InlineErrors(error_label("batchError"), self)
        self.fields = ExportFields("batch", self.errors, reason_hint=REASON_HINT)
        self.form_label = QLabel()
        self.one_file = QRadioButton(objectName="batchOneFile")
        self.folder = QRadioButton(objectName="batchFolder")
        self.form = QButtonGroup(self)
        for button in (self.one_file, self.folder):
            self.form.addButton(button)
        self.one_file.setChecked(True)
        self.progress = QProgressBar(objectName="batchProgress")
        self.progress.setVisible(False)
        self.status = hint_label("batchStatus")
        self.status.setVisible(False)
        self.report = QLabel(objectName="batchReport", wordWrap=True)
        self.report.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.report.setVisible(False)

        self.buttons = QDialogButtonBox()
        self.confirm = QPushButton(objectName="batchExport")
        self.confirm.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton))
        self.confirm.setDefault(True)
        self.stop_button = QPushButton(objectName="batchStop")
        self.stop_button.setVisible(False)
        self.close_button = QPushButton(objectName="batchClose")
        self.buttons.addButton(self.confirm, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.stop_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.confirm.clicked.connect(self.run)
        self.stop_button.clicked.connect(self.stop)
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.which_label)
        layout.addWidget(self.use_selected)
        layout.addWidget(self.use_filter)
        layout.addWidget(self.fields)
        layout.addWidget(self.form_label)
        layout.addWidget(self.one_file)
        layout.addWidget(self.folder)
        layout.addWidget(self.errors.general)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.report)
        layout.addWidget(self.buttons)
        language.changed.connect(self.retranslate)
        self.retranslate()
        self.fields.reason.setFocus()

    def set_cases(self, selected: Sequence[tuple[str, str]], query: CaseQuery, matching: int | None) -> None:
        """The list's selection and filter again (the dialog was opened before, and not running)."""
        self.selected, self.query, self.matching = list(selected), query, matching
        self.outcome = None
        self._progress = (0, 0)
        (self.use_selected if self.selected else self.use_filter).setChecked(True)
        self._set_running(False)
        self.retranslate()

    @property
    def busy(self) -> bool:
        return self.operation is not None and not self.operation.done

    def retranslate(self) -> None:
        self.setWindowTitle(tr("Export case summaries"))
        self.intro.setText(tr("Each summary holds a person's details and the whole case. They leave the "
                              "encrypted store: export them only when needed, and keep the files safe."))
        self.which_label.setText(tr("Cases"))
        count = len(self.selected)
        self.use_selected.setText(ntr("The {count} case selected in the list", "The {count} cases selected in the list",
                                      count).format(count=isolate(format_number(count, language.code)))
                                  if count else tr("The cases selected in the list (none is selected)"))
        if self.matching is None:
            self.use_filter.setText(tr("Every case the list's current search and filters find"))
        else:
            self.use_filter.setText(ntr("Every case the list's current search and filters find ({count} case)",
                                        "Every case the list's current search and filters find ({count} cases)",
                                        self.matching).format(count=isolate(format_number(self.matching,
                                                                                         language.code))))
        self.fields.retranslate()
        self.form_label.setText(tr("Save as"))
        self.one_file.setText(tr("One PDF holding every case, each from a new page"))
        self.folder.setText(tr("A folder of files: one PDF per case, named by its case number"))
        self.confirm.setText(tr("Export…"))
        self.stop_button.setText(tr("Stop"))
        self.stop_button.setToolTip(tr("Stop after the current case"))
        self.close_button.setText(tr("Cancel") if self.outcome is None else tr("Close"))
        self._show_progress()
        self._show_report()

    # --- exporting ------------------------------------------------------------------------
    def run(self) -> None:
        if self.busy:
            return
        self.errors.clear()
        if not self.fields.reason_ok():
            self.errors.show_field("reason", REASON_TOO_SHORT)
            self.fields.reason.setFocus()
            return
        one_file = self.one_file.isChecked()
        chosen = self.ask_target(self, str(default_folder() / BATCH_FILE), one_file)
        if not chosen:
            return
        target = with_suffix(chosen, ".pdf") if one_file else Path(chosen)
        if not (target.parent if one_file else target).is_dir():
            self.errors.show(WRITE_FAILED)
            return
        ctx, stop = self.ctx, self._stop
        ids = [case_id for case_id, _number in self.selected] if self.use_selected.isChecked() else None
        query, reason, lang = self.query, self.fields.reason_text(), self.fields.language_code()
        write = (lambda _name, data: write_file(target, data)) if one_file else folder_writer(target)

        def job(token: Cancel) -> BatchOutcome:  # worker thread: no widget here
            services = ctx.require()
            session = services.session
            cases = ids if ids is not None else services.exports.resolve(session, query)
            if not cases:
                return BatchOutcome(BatchResult(0, (), False), 0, str(target), ())

            def progress(done: int, total: int) -> bool:
                token.progress(done, total)
                return not (stop.is_set() or token.cancelled)

            result = services.exports.batch(session, cases, reason=reason, language=lang, one_file=one_file,
                                            write=write, progress=progress)
            return BatchOutcome(result, len(dict.fromkeys(cases)), str(target),
                                tuple((_number_of(services, case_id), why) for case_id, why in result.skipped))

        self._stop.clear()
        self.outcome = None
        self._progress = (0, 0)
        self._set_running(True)
        self.operation = ctx.ops.run(job, cancellable=True, owner=self, on_done=self._done, on_error=self._failed,
                                     on_progress=self._progressed)

    def stop(self) -> None:
        """Stop between cases; what is done stays done and is reported."""
        if self.busy:
            self._stop.set()
            self.stop_button.setEnabled(False)
            self._show_progress()

    def _set_running(self, running: bool) -> None:
        for widget in (self.use_selected, self.use_filter, self.fields, self.one_file, self.folder, self.confirm):
            widget.setEnabled(not running and (widget is not self.use_selected or bool(self.selected)))
        self.stop_button.setVisible(running)
        self.stop_button.setEnabled(running)
        self.progress.setVisible(running or self.outcome is not None)
        self.status.setVisible(running)
        self.report.setVisible(not running and self.outcome is not None)
        self._show_progress()

    def _progressed(self, done: int, total: int) -> None:
        self._progress = (done, total)
        self._show_progress()

    def _show_progress(self) -> None:
        done, total = self._progress
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)) if total else 0)
        if self._stop.is_set() and self.busy:
            self.status.setText(tr("Stopping after the current case…"))
        elif total:
            self.status.setText(trf("Case {done} of {total}…", done=format_number(min(done + 1, total), language.code),
                                    total=format_number(total, language.code)))
        else:
            self.status.setText(tr("Finding the cases…"))
        self.progress.setAccessibleName(self.status.text())

    def _done(self, outcome: BatchOutcome) -> None:
        self.operation = None
        self.outcome = outcome
        self._progress = (outcome.result.done, outcome.total)
        self._set_running(False)
        self.close_button.setText(tr("Close"))
        self._show_report()
        self.exported.emit(outcome)

    def _failed(self, exc: BaseException) -> None:
        self.operation = None
        self._set_running(False)
        self.errors.show(WRITE_FAILED if isinstance(exc, OSError) else exc)

    def _show_report(self) -> None:
        outcome = self.outcome
        if outcome is None:
            self.report.clear()
            return
        self.report.setText(report_text(outcome))
        self.report.setAccessibleName(self.report.text())
        failed = outcome.result.done == 0 and not outcome.result.cancelled
        self.report.setStyleSheet("color: #b3261e;" if failed else "color: #1d5631;")

    # --- closing while running ----------------------------------------------------------------
    def reject(self) -> None:
        if self.operation is not None and not self.operation.done:
            self._stop.set()
            self.operation.cancel()  # nobody is left to read the report: its result is dropped
        super().reject()  # also what closing the window or the workspace's dispose() does


def _number_of(services, case_id: str) -> str | None:  # noqa: ANN001 - ui.composition.Services
    """Worker thread: a skipped case's number, when the user may still see the case."""
    try:
        return services.cases.visible_case(services.session, case_id).case_number
    except NotFound:
        return None


def report_text(outcome: BatchOutcome) -> str:
    """What the batch did, in words: exported where, stopped, skipped and why."""
    result, lang = outcome.result, language.code
    path = isolate_ltr(outcome.target)
    lines: list[str] = []
    if outcome.total == 0:
        lines.append(tr("No case you may see matches this filter."))
    elif result.cancelled and result.done == 0:
        lines.append(tr("Stopped: nothing was written."))
    elif result.cancelled:
        lines.append(tr("Stopped: {done} of {total} case summaries were exported to {path}.").format(
            done=isolate(format_number(result.done, lang)), total=isolate(format_number(outcome.total, lang)),
            path=path))
    elif result.done == 0:
        lines.append(tr("No case summary was exported."))
    else:
        lines.append(ntr("{count} case summary was exported to {path}.",
                         "{count} case summaries were exported to {path}.", result.done).format(
            count=isolate(format_number(result.done, lang)), path=path))
    if outcome.skipped:
        lines.append(ntr("{count} case was skipped:", "{count} cases were skipped:", len(outcome.skipped)).format(
            count=isolate(format_number(len(outcome.skipped), lang))))
        for number, why in outcome.skipped:
            case = isolate_ltr(number) if number else tr("a case you may no longer see")
            lines.append("• " + tr("{case}: {why}").format(case=case, why=tr(why)))
    return "\n".join(lines)
