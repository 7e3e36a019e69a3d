"""Logs, the crash handler and "Copy diagnostics" never carry case content or names.

A scripted session puts canary strings everywhere a person's data can go (names in both
scripts, a note, a user's display name, exception messages, a stray log argument) and
then scans every log file and the copied diagnostics for them. The same files must also
show that the session *was* logged (types, frames), so an empty log cannot pass.
"""

from __future__ import annotations

import dataclasses
import logging
import stat
import sys
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QMessageBox, QPlainTextEdit, QPushButton

from app.domain.checks import new_id
from app.domain.person import Person
from app.errors import WrongPassphrase
from app.version import build_info
from i18n.bidi import strip_isolates
from uikit import PASSPHRASE, make_user, type_text
from ui import logs
from ui.about import SCHEMA_VERSION
from ui.composition import services_for
from ui.qt.about_dialog import AboutDialog
from ui.qt.cases.case_file import CaseFilePanel
from ui.qt.crash import CrashHandler
from ui.qt.lang import tr
from ui.qt.window import MainWindow

LATIN = "Qzxcanaryname"
ARABIC = "قزكناري"
NOTE = "Qzxcanarynote told us where she was kept"
DISPLAY = "Qzxcanaryuser"
MESSAGE = "Qzxcanarymessage"
CANARIES = (LATIN, ARABIC, NOTE.split()[0], DISPLAY, MESSAGE)


@pytest.fixture
def log_folder(tmp_path):
    folder = tmp_path / "logs"
    logs.setup_logging(folder, level=logging.DEBUG)
    yield folder
    logs.stop_logging()


@pytest.fixture
def crash(qapp):
    handler = CrashHandler().install()
    yield handler
    handler.uninstall()
    if handler.dialog is not None:
        handler.dialog.close()


def settle(ctx, qtbot) -> None:
    qtbot.waitUntil(lambda: not ctx.ops.busy, timeout=10000)


def log_text(folder) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.is_file())


def assert_no_canary(text: str) -> None:
    lowered = text.lower()
    for canary in CANARIES:
        assert canary.lower() not in lowered, canary


def test_a_session_with_case_data_leaves_none_in_the_logs(ctx, qtbot, log_folder, crash):
    user = dataclasses.replace(make_user(), display_name=DISPLAY)
    opened = ctx.vault.create(user, PASSPHRASE)
    ctx.services = services = services_for(opened)
    session = services.session
    # Register, open, add a note: through the services, as the desktop app does.
    case = services.cases.register(session, Person(new_id(), first_name=LATIN, first_name_ar=ARABIC),
                                   border_post="TNG-MED")
    services.cases.open_case(session, case.id)
    services.cases.add_note(session, case.id, NOTE)
    # And through the widgets: the case file shows the canaries, a second note is typed.
    panel = CaseFilePanel(ctx)
    qtbot.addWidget(panel)
    panel.show()
    panel.show_case(case.id)
    settle(ctx, qtbot)
    assert LATIN in strip_isolates(panel.findChild(QLineEdit, "personFirstName").text())
    type_text(panel.findChild(QPlainTextEdit, "noteText"), NOTE + " again")
    qtbot.mouseClick(panel.findChild(QPushButton, "noteAdd"), Qt.MouseButton.LeftButton)
    settle(ctx, qtbot)
    assert len(services.cases.open_case(session, case.id).notes) == 2

    # A failing operation nobody handles: a validation error whose values are canaries.
    def invalid_edit():
        Person(case.person_id, first_name=ARABIC, first_name_ar=LATIN)  # wrong scripts: refused

    ctx.ops.run(invalid_edit)
    settle(ctx, qtbot)
    # A careless log call, a crash in the GUI thread and one in a Python thread.
    logging.getLogger("ui.careless").warning("looked up %s for %s", LATIN, case.id)
    try:
        try:
            raise ValueError(f"bad value {ARABIC}")
        except ValueError as inner:
            raise RuntimeError(f"{MESSAGE} {NOTE}") from inner
    except RuntimeError as exc:
        crash.excepthook(type(exc), exc, exc.__traceback__)
    def background() -> None:
        raise KeyError(MESSAGE)

    worker = threading.Thread(target=background, name="canary-worker")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: crash.dialog is not None and crash.dialog.isVisible(), timeout=5000)
    # A wrong passphrase, then lock.
    services.lock()
    ctx.services = None
    with pytest.raises(WrongPassphrase):
        ctx.vault.unlock(user.username, PASSPHRASE + " " + MESSAGE)

    text = log_text(log_folder)
    assert_no_canary(text)
    # What happened is there, as types and frames.
    assert "operation failed: ValidationError" in text
    assert "app.errors.ValidationError: Some fields need attention: {fields} [first_name, first_name_ar]" in text
    assert "unhandled RuntimeError in the main thread" in text
    assert "builtins.ValueError" in text and "builtins.RuntimeError" in text
    assert "unhandled KeyError in a background thread" in text
    assert "test_logs_and_crashes.py" in text  # the frames
    assert f"looked up {logs.REDACTED} for {logs.REDACTED}" in text


def test_the_crash_dialog_says_nothing_was_half_written_and_where_the_log_is(qtbot, log_folder, crash):
    try:
        raise OSError(28, f"No space left {MESSAGE}", f"/home/{LATIN}/store")
    except OSError as exc:
        crash.excepthook(type(exc), exc, exc.__traceback__)
    qtbot.waitUntil(lambda: crash.dialog is not None and crash.dialog.isVisible(), timeout=5000)
    dialog = crash.dialog
    assert dialog.objectName() == "crashDialog" and dialog.icon() == QMessageBox.Icon.Critical
    text, detail = crash.message()
    assert dialog.text() == text == tr(
        "Something went wrong. Nothing was half-written: every change is saved whole or not at all.")
    assert str(log_folder) in strip_isolates(dialog.informativeText())
    # A second error while the dialog is open does not stack another one.
    crash.excepthook(RuntimeError, RuntimeError("again"), None)
    QApplication.processEvents()
    assert crash.dialog is dialog
    logged = log_text(log_folder)
    assert "builtins.OSError: [ENOSPC] No space left on device" in logged
    assert_no_canary(logged)


def test_log_files_rotate_and_only_their_owner_reads_them(tmp_path, monkeypatch):
    monkeypatch.setattr(logs, "MAX_BYTES", 2000)
    folder = tmp_path / "logs"
    path = logs.setup_logging(folder)
    try:
        log = logging.getLogger("ui.rotation")
        for i in range(400):
            log.info("line %d of a long session", i)
    finally:
        logs.stop_logging()
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["himaya.log"] + [f"himaya.log.{i}" for i in range(1, logs.BACKUPS + 1)]
    assert all(p.stat().st_size <= 2000 for p in folder.iterdir())
    assert "line 399 of a long session" in path.read_text(encoding="utf-8")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o600}


def test_the_log_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("HIMAYA_LOG_DIR", str(tmp_path / "custom"))
    assert logs.log_dir() == tmp_path / "custom"
    monkeypatch.delenv("HIMAYA_LOG_DIR")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    if sys.platform.startswith("linux"):
        assert logs.log_dir() == tmp_path / "state" / "himaya" / "logs"


def test_about_box_from_the_help_menu_and_diagnostics_without_personal_data(ctx, qtbot, log_folder,
                                                                             monkeypatch):
    opened = ctx.vault.create(make_user(), PASSPHRASE)
    opened.lock()
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    logging.getLogger("ui.test").info("about to open the about box, not %s", LATIN)
    window.findChild(type(window.about_action), "aboutAction").trigger()
    dialog = window.findChild(AboutDialog, "aboutDialog")
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    assert strip_isolates(dialog.findChild(QLabel, "aboutVersion").text()) == build_info().version
    assert strip_isolates(dialog.findChild(QLabel, "aboutSchema").text()) == str(SCHEMA_VERSION)
    details = dialog.findChild(QPlainTextEdit, "aboutDetails").toPlainText()
    assert "SQLCipher: 4." in details and "Qt: 6." in details and "cryptography:" in details

    monkeypatch.setenv("HOME", str(log_folder.parent))  # the home folder is written "~"
    qtbot.mouseClick(dialog.findChild(QPushButton, "copyDiagnosticsButton"), Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert copied.startswith("Himaya diagnostics")
    assert f"Store schema: {SCHEMA_VERSION}" in copied and "Python: 3." in copied
    assert "Log folder: ~/logs" in copied
    assert f"about to open the about box, not {logs.REDACTED}" in copied  # the last log lines
    assert str(log_folder.parent) not in copied
    assert_no_canary(copied)
    assert dialog.findChild(QLabel, "aboutCopied").text()
