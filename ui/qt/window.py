"""The main window: one stack of pages — setup, unlock, workspace, neutral.

Locking (toolbar, Ctrl+L, idle timer) waits for the worker, closes the store, drops the
key and destroys the workspace, so no case data stays in any widget. The quick-hide key
(F12, or Escape twice) first swaps in the neutral page, then locks.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMessageBox, QStackedWidget

from storage.vault import OpenStore
from ui.composition import services_for
from ui.qt.about_dialog import AboutDialog
from ui.qt.context import AppContext
from ui.qt.idle import IdleWatcher
from ui.qt.lang import language, tr
from ui.qt.pages.neutral import NeutralPage
from ui.qt.pages.setup import SetupPage
from ui.qt.pages.unlock import UnlockPage
from ui.qt.sync.features import SyncFeatures
from ui.qt.sync.texts import wiped_text, wiped_title
from ui.qt.workspace import Workspace

DOUBLE_ESCAPE_SECONDS = 0.6
log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("mainWindow")
        self.resize(1280, 800)
        self.stack = QStackedWidget()
        self.stack.setObjectName("pages")
        self.setCentralWidget(self.stack)
        self.setup_page: SetupPage | None = None
        self.unlock_page = UnlockPage(ctx)
        self.unlock_page.unlocked.connect(self.on_unlocked)
        self.neutral_page = NeutralPage()
        self.neutral_page.resume.connect(self.show_unlock)
        self.stack.addWidget(self.unlock_page)
        self.stack.addWidget(self.neutral_page)
        self.workspace: Workspace | None = None
        self.wiped_notice: QMessageBox | None = None  # shown once a revoked device's store was erased
        self.sync: SyncFeatures | None = None  # the Sync menu and status while unlocked
        self.status = QLabel()
        self.status.setObjectName("statusMessage")
        self.statusBar().addWidget(self.status, 1)

        self.idle = IdleWatcher(ctx.settings.get("idle_lock_minutes"), self)
        self.idle.idle.connect(self.lock)

        self.lock_action = QAction(self)
        self.lock_action.setObjectName("lockAction")
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.lock_action.triggered.connect(self.lock)
        self.addAction(self.lock_action)
        self.help_menu = self.menuBar().addMenu("")
        self.help_menu.setObjectName("helpMenu")
        self.about_action = self.help_menu.addAction("")
        self.about_action.setObjectName("aboutAction")
        self.about_action.triggered.connect(self.show_about)
        self.about_dialog: AboutDialog | None = None
        self.hide_shortcut = QShortcut(QKeySequence(Qt.Key.Key_F12), self)
        self.hide_shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
        self.hide_shortcut.activated.connect(self.quick_hide)
        self._last_escape = 0.0
        QApplication.instance().installEventFilter(self)

        language.changed.connect(self.retranslate)
        self.retranslate()
        if ctx.vault.exists():
            self.show_unlock()
        else:
            self.show_setup()

    # --- pages ------------------------------------------------------------------------
    def show_setup(self) -> None:
        if self.setup_page is None:
            self.setup_page = SetupPage(self.ctx)
            self.setup_page.created.connect(self.on_unlocked)
            self.stack.addWidget(self.setup_page)
        self.stack.setCurrentWidget(self.setup_page)

    def show_unlock(self) -> None:
        self.unlock_page.reset()
        self.stack.setCurrentWidget(self.unlock_page)
        self.unlock_page.focus()

    def on_unlocked(self, opened: OpenStore) -> None:
        self.ctx.services = services_for(opened)
        if self.setup_page is not None:
            self.stack.removeWidget(self.setup_page)
            self.setup_page.deleteLater()
            self.setup_page = None
        self.workspace = Workspace(self.ctx, self)
        self.workspace.lock_requested.connect(self.lock)
        self.workspace.message.connect(self.status.setText)
        self.stack.addWidget(self.workspace)
        self.stack.setCurrentWidget(self.workspace)
        self.sync = SyncFeatures(self.ctx, self)
        # Queued: the window is taken down after the sync's own signal handlers have returned.
        self.sync.wiped.connect(self.on_wiped, Qt.ConnectionType.QueuedConnection)
        self.idle.set_minutes(self.ctx.settings.get("idle_lock_minutes"))
        self.idle.start()
        log.info("store unlocked (role %s)", opened.session.role)
        self.ctx.hub.unlocked.emit()

    # --- locking ------------------------------------------------------------------------
    @property
    def is_locked(self) -> bool:
        return self.ctx.services is None

    def lock(self) -> None:
        """Close the store and drop the key; every trace of case data leaves the window."""
        self.idle.stop()
        # Read before the workspace leaves the stack: removing the current page makes Qt
        # show another one (the neutral page), which must not pass for a quick-hide.
        hidden = self.stack.currentWidget() is self.neutral_page
        if self.sync is not None:  # first: a running sync is asked to stop before the wait below
            self.sync.dispose()
            self.sync.deleteLater()
            self.sync = None
        if self.workspace is not None:
            self.workspace.dispose()
            self.stack.removeWidget(self.workspace)
            self.workspace.deleteLater()
            self.workspace = None
        services, self.ctx.services = self.ctx.services, None
        if services is not None:
            self.ctx.ops.wait()  # let a running store call finish before the store closes
            services.lock()
            log.info("store locked")
            self.ctx.hub.locked.emit()
        self.status.clear()
        if not hidden:
            self.show_unlock()

    def on_wiped(self) -> None:
        """The hub said this device is revoked and its store was erased: say so, then offer
        the first start again (a new store, to enrol again if the secretariat agrees)."""
        log.warning("store erased: this device was revoked")
        self.lock()
        self.show_setup()
        self.wiped_notice = QMessageBox(QMessageBox.Icon.Warning, wiped_title(), wiped_text(),
                                        QMessageBox.StandardButton.Ok, self)
        self.wiped_notice.setObjectName("wipedNotice")
        self.wiped_notice.open()

    def quick_hide(self) -> None:
        self.stack.setCurrentWidget(self.neutral_page)
        QApplication.processEvents()
        self.lock()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape \
                and watched is QApplication.focusWidget() and not self.is_locked:
            now = time.monotonic()
            if now - self._last_escape <= DOUBLE_ESCAPE_SECONDS:
                self._last_escape = 0.0
                self.quick_hide()
                return True
            self._last_escape = now
        return False

    def show_about(self) -> None:
        if self.about_dialog is None:
            self.about_dialog = AboutDialog(self)
        self.about_dialog.open()

    def retranslate(self) -> None:
        self.setWindowTitle(tr("Himaya — National Referral Mechanism"))
        self.lock_action.setText(tr("Lock"))
        self.help_menu.setTitle(tr("&Help"))
        self.about_action.setText(tr("About Himaya"))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        self.lock()
        QApplication.instance().removeEventFilter(self)
        super().closeEvent(event)
