"""The desktop app's crash handler: an unhandled exception is logged and explained.

``sys.excepthook`` (the GUI thread, including exceptions escaping Qt slots and event
handlers, which PySide6 reports through it) and ``threading.excepthook`` (Python threads)
both write the exception's type and frames to the log (``ui.logs.log_crash``: never its
message, which could quote what a person typed) and then show one dialog on the GUI
thread. The app keeps running: every store write is one transaction, so nothing was
half-written, and the user can lock or go on.
"""

from __future__ import annotations

import sys
import threading
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from ui.logs import current_log_file, log_crash, log_dir
from ui.qt.lang import tr, trf


class CrashHandler(QObject):
    """Install once, after the QApplication exists; ``uninstall`` restores the hooks."""

    crashed = Signal()  # emitted from any thread, delivered on the GUI thread (queued)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.dialog: QMessageBox | None = None
        self._previous = (sys.excepthook, threading.excepthook)
        self.crashed.connect(self.show_dialog, Qt.ConnectionType.QueuedConnection)

    def install(self) -> "CrashHandler":
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook
        return self

    def uninstall(self) -> None:
        sys.excepthook, threading.excepthook = self._previous

    def excepthook(self, exc_type: type[BaseException], exc: BaseException | None,
                   tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous[0](exc_type, exc, tb)
            return
        self._report(exc_type, exc, tb, "the main thread")

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if issubclass(args.exc_type, SystemExit):
            return
        self._report(args.exc_type, args.exc_value, args.exc_traceback, "a background thread")

    def _report(self, exc_type: type[BaseException], exc: BaseException | None, tb: TracebackType | None,
                where: str) -> None:
        try:
            log_crash(exc_type, exc, tb, where)
        finally:
            self.crashed.emit()

    def message(self) -> tuple[str, str]:
        """The dialog's text and its detail: what happened, that nothing was half-written, where the log is."""
        folder = (current_log_file() or log_dir() / "himaya.log").parent
        return (tr("Something went wrong. Nothing was half-written: every change is saved whole or not at all."),
                trf("A log was written in {folder}. It holds no case data; you can send it to the support team.",
                    folder=str(folder)))

    def show_dialog(self) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            return  # one dialog for a burst of errors
        text, detail = self.message()
        parent = QApplication.activeWindow()
        self.dialog = QMessageBox(QMessageBox.Icon.Critical, tr("Himaya"), text, QMessageBox.StandardButton.Ok,
                                  parent if isinstance(parent, QWidget) else None)
        self.dialog.setObjectName("crashDialog")
        self.dialog.setInformativeText(detail)
        self.dialog.open()  # not exec(): a nested event loop inside a failing handler is asking for more
