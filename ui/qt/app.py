"""Starting the desktop app: fonts, language, the shared context, the main window."""

from __future__ import annotations

import logging
import platform
import shutil
import sys
from pathlib import Path
from typing import Sequence

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from app.resources import resources_dir
from app.version import build_info
from storage.settings_file import SettingsFile
from ui.composition import vault_at
from ui.qt.context import AppContext
from ui.qt.events import EventHub
from ui.qt.fonts import load_fonts
from ui.qt.lang import language
from ui.logs import safe, setup_logging
from ui.qt.crash import CrashHandler
from ui.qt.ops import Ops

log = logging.getLogger(__name__)


def create_app(argv: Sequence[str] = ()) -> QApplication:
    app = QApplication.instance() or QApplication(list(argv) or ["himaya"])
    app.setApplicationName("Himaya")
    app.setOrganizationName("CNCLT")
    icon = resources_dir() / "icons" / "himaya.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    load_fonts(app)
    return app


def build_context(store: Path | None, settings: SettingsFile | None = None) -> AppContext:
    settings = settings or SettingsFile()
    return AppContext(ops=Ops(), hub=EventHub(), settings=settings, vault=vault_at(store))


def start_logging() -> None:
    """Rotating log files in the user's folder; an unwritable folder only costs the log."""
    try:
        setup_logging()
    except OSError:
        return
    info = build_info()
    log.info("Himaya %s started (built %s, Python %s, %s, bundle %s)", safe(info.version),
             safe(info.built_at or "from source"), safe(platform.python_version()), safe(platform.platform()),
             bool(getattr(sys, "frozen", False)))


def run(store: Path | None = None, *, demo: bool = False, demo_cases: int = 500,
        lang: str | None = None) -> int:
    start_logging()
    app = create_app(sys.argv[:1])
    crash = CrashHandler(app).install()
    settings = SettingsFile()
    language.apply(lang or settings.get("language"), app)
    demo_folder: Path | None = None
    demo_passphrase = None
    if demo:
        from ui.demo import create_demo_store
        made = create_demo_store(demo_cases)
        store, demo_folder, demo_passphrase = made.folder, made.folder.parent, made.passphrase
    ctx = build_context(store, settings)
    ctx.demo_passphrase = demo_passphrase
    if demo:
        ctx.preferred_user = "demo.supervisor"  # the demo shows everything a supervisor may do
    from ui.qt.window import MainWindow

    window = MainWindow(ctx)
    window.show()
    try:
        return app.exec()
    finally:
        window.lock()
        if demo_folder is not None:
            shutil.rmtree(demo_folder, ignore_errors=True)  # the demo store is temporary
        crash.uninstall()
        log.info("Himaya closed")
