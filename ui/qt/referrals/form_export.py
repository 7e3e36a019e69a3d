"""Saving the referral form (PDF) where the worker chooses, to print or hand over.

The form is made by the core (``ReferralService.referral_form``, an audited export) on the
database worker, never on the GUI thread; the bytes are written to a temporary file in the
chosen folder and renamed over the target, so a crash never leaves half a form behind and
no copy of the case lands anywhere else (the file is readable by its owner only).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from i18n.bidi import isolate_ltr
from ui.qt.context import AppContext
from ui.qt.lang import language, render_error, tr
from ui.qt.saving import AskPath, default_folder, with_suffix, write_file


def ask_save_path(parent: QWidget, suggested: str) -> str:
    path, _filter = QFileDialog.getSaveFileName(parent, tr("Save the referral form"), suggested,
                                                tr("PDF documents (*.pdf)"))
    return path


def default_name(case_number: str, referred_on: date) -> str:
    return f"referral-{case_number}-{referred_on.isoformat()}.pdf"


def write_form(path: Path, data: bytes) -> None:
    """Temporary file in the target folder, then an atomic rename (``ui.qt.saving``)."""
    write_file(path, data)


class FormExport(QObject):
    """Asks where to save, makes the form on the worker, writes it, and says where it went.

    ``ask_path`` may be replaced (tests give a path instead of showing the file dialog).
    """

    saved = Signal(str)  # the path written
    failed = Signal(str)  # the reason, in the user's language
    busy_changed = Signal(bool)

    def __init__(self, ctx: AppContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.widget = parent
        self.ask_path: AskPath = ask_save_path
        self.busy = False

    def export(self, referral_id: str, case_number: str, referred_on: date) -> bool:
        """Start saving the form; False when the worker cancelled the file dialog."""
        if self.busy:
            return False
        chosen = self.ask_path(self.widget, str(default_folder() / default_name(case_number, referred_on)))
        if not chosen:
            return False
        path = with_suffix(chosen, ".pdf")
        ctx, lang = self.ctx, language.code

        def job() -> str:  # worker thread
            services = ctx.require()
            data = services.referrals.referral_form(services.session, referral_id, lang)  # in the UI's language
            write_form(path, data)
            return str(path)

        self._set_busy(True)
        ctx.ops.run(job, on_done=self._saved, on_error=self._failed, owner=self)
        return True

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.busy_changed.emit(busy)

    def _saved(self, path: str) -> None:
        self._set_busy(False)
        self.saved.emit(path)

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, OSError):
            self.failed.emit(tr("The form could not be written there. Choose another folder, "
                                "or check that the disk or USB key is not full or read-only."))
        else:
            self.failed.emit(render_error(exc))


def saved_text(path: str) -> str:
    return tr("The referral form was saved: {path}").format(path=isolate_ltr(path))
