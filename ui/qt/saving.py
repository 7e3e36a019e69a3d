"""Saving an export (a PDF, a CSV) where the user chooses: shared by every export screen.

An export is the one copy of case data (or of figures) outside the encrypted store, so it
goes only where the user said: written to a temporary file in the chosen folder, then
renamed over the target (``storage.files.atomic_write``: a crash or a full USB key never
leaves half a document under the chosen name), readable by its owner only (mode 0600).
The file dialogs are plain functions so tests can replace them with a path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

from app.text import N_
from storage.files import atomic_write
from ui.qt.lang import render_error, tr

#: (parent, suggested path) -> the chosen path, or "" when the user cancelled
AskPath = Callable[[QWidget, str], str]

FILE_MODE = 0o600
WRITE_FAILED = N_("The file could not be written there. Choose another folder, "
                  "or check that the disk or USB key is not full or read-only.")


def default_folder() -> Path:
    """The user's documents folder (the home folder when there is none)."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found) if found and Path(found).is_dir() else Path.home()


def write_file(path: Path, data: bytes) -> None:
    """Temporary file in the target folder, then an atomic rename; owner-only."""
    atomic_write(Path(path), data, mode=FILE_MODE)


def with_suffix(chosen: str, suffix: str) -> Path:
    """The chosen path, with ``suffix`` added when the user typed a name without it."""
    path = Path(chosen)
    return path if path.suffix.lower() == suffix else path.with_name(path.name + suffix)


def ask_save_file(parent: QWidget, title: str, suggested: str, filter_text: str) -> str:
    path, _filter = QFileDialog.getSaveFileName(parent, title, suggested, filter_text)
    return path


def ask_folder(parent: QWidget, title: str, suggested: str) -> str:
    return QFileDialog.getExistingDirectory(parent, title, suggested)


def write_failed_text() -> str:
    return tr(WRITE_FAILED)


def export_error_text(exc: BaseException) -> str:
    """An export's failure in words: a disk problem, or the core's refusal."""
    return write_failed_text() if isinstance(exc, OSError) else render_error(exc)
