"""Sync in the main window while a store is unlocked: a Sync menu, the status bar corner,
the automatic sync, and the pages the role may open (conflicts: supervisors; devices:
the secretariat — ``app.permissions``; the services refuse anyone else anyway).

Until a hub is configured the menu offers to set it up: connecting this laptop with a
one-time code (supervisors and the secretariat, ``Action.MANAGE_USERS``) or creating the
realm (the secretariat, ``Action.PUBLISH_AND_ENROL``); once it is, the secretariat publishes
the service directory and checklists from it.

Built when the store is unlocked and disposed before it locks: the running sync is asked
to stop, dialogs close, and the menu and status bar corner leave the window.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMainWindow, QMenu

from app.permissions import Action, allowed
from i18n.formatting import format_number
from ui.qt.context import AppContext
from ui.qt.lang import language, tr, trf
from ui.qt.sync.conflicts import ConflictsDialog
from ui.qt.sync.devices import DevicesDialog
from ui.qt.sync.outcome import from_error, from_result, from_status, stops_automatic
from ui.qt.sync.publish import CHECKLIST, DIRECTORY, PublishDialog
from ui.qt.sync.runner import Progress, SyncRunner
from ui.qt.sync.hub_setup import ENROL, REALM, SetupDialog
from ui.qt.sync.status_bar import SyncStatusBar
from ui.qt.sync.texts import SyncState

SYNC_SHORTCUT = "Ctrl+Shift+S"
log = logging.getLogger(__name__)


class SyncFeatures(QObject):
    #: The hub said this device is revoked and the store was erased (``SyncResult.wiped``):
    #: the window leaves everything that showed it and goes back to the first start.
    wiped = Signal()

    def __init__(self, ctx: AppContext, window: QMainWindow, runner: SyncRunner | None = None) -> None:
        super().__init__(window)
        self.ctx = ctx
        self.window = window
        role = ctx.session.user.role
        self.may_resolve = allowed(role, Action.RESOLVE_CONFLICTS)
        self.may_enrol = allowed(role, Action.PUBLISH_AND_ENROL)
        self.may_connect = allowed(role, Action.MANAGE_USERS)  # what SyncService.enrol requires
        self.dialogs: dict[str, QDialog] = {}
        self.state = SyncState()
        self.configured = False
        self.conflict_count = 0

        self.menu = QMenu(window)
        self.menu.setObjectName("syncMenu")
        self.sync_action = self._action("actionSyncNow", self.sync_now, True, SYNC_SHORTCUT)
        self.conflicts_action = self._action("actionConflicts", self.open_conflicts, self.may_resolve)
        self.devices_action = self._action("actionDevices", self.open_devices, self.may_enrol)
        self.menu.addSeparator()
        # Shown once the store says whether a hub is configured (``_status_loaded``).
        self.connect_action = self._action("actionConnectHub", self.open_connect, False)
        self.realm_action = self._action("actionCreateRealm", self.open_realm, False)
        self.publish_directory_action = self._action("actionPublishDirectory", self.open_publish_directory, False)
        self.publish_checklist_action = self._action("actionPublishChecklist", self.open_publish_checklist, False)
        bar = window.menuBar()
        before = next((a for a in bar.actions() if a.menu() is not None), None)  # before Help
        if before is not None:
            bar.insertMenu(before, self.menu)
        else:
            bar.addMenu(self.menu)

        self.status = SyncStatusBar(self.sync_action)
        self.status.cancel_requested.connect(self.cancel)
        self.status.conflicts_requested.connect(self.open_conflicts)
        window.statusBar().addPermanentWidget(self.status)

        self.runner = runner or SyncRunner(ctx, self)
        self.runner.setParent(self)
        self.runner.running_changed.connect(self._running_changed)
        self.runner.progressed.connect(self._progressed)
        self.runner.finished.connect(self._finished)
        self.runner.failed.connect(self._failed)
        self.runner.cancelled.connect(self._cancelled)
        language.changed.connect(self.retranslate)
        self.retranslate()
        self.load_status()
        self.count_conflicts()

    def _action(self, name: str, slot: Callable[[], object], visible: bool, shortcut: str | None = None) -> QAction:
        action = QAction(self.window)
        action.setObjectName(name)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        action.setVisible(visible)
        action.setEnabled(visible)  # hidden and disabled: a hidden action must not answer its shortcut
        self.menu.addAction(action)
        self.window.addAction(action)  # its shortcut works from every page of the window
        return action

    @staticmethod
    def _offer(action: QAction, available: bool) -> None:
        action.setVisible(available)
        action.setEnabled(available)

    # --- status -------------------------------------------------------------------------
    def load_status(self) -> None:
        ctx = self.ctx

        def job() -> tuple[bool, dict]:  # worker thread: no widget here
            sync = ctx.require().sync
            configured = bool(sync.configured())
            return configured, (dict(sync.status()) if configured else {})

        ctx.ops.run(job, owner=self, on_done=lambda found: self._status_loaded(*found),
                    on_error=lambda exc: log.warning("sync status not read: %s", type(exc).__name__))

    def _status_loaded(self, configured: bool, status: dict) -> None:
        self.configured = configured
        self._offer(self.connect_action, self.may_connect and not configured)
        self._offer(self.realm_action, self.may_enrol and not configured)
        self._offer(self.publish_directory_action, self.may_enrol and configured)
        self._offer(self.publish_checklist_action, self.may_enrol and configured)
        self.status.show_may_connect(self.may_connect)
        self._show(from_status(configured, status))
        if configured and not stops_automatic(self.state):
            self.runner.start_automatic()

    def _show(self, state: SyncState) -> None:
        self.state = state
        self.status.show_state(state)
        if stops_automatic(state):
            self.runner.stop_automatic()

    def count_conflicts(self) -> None:
        """The badge: conflicts waiting for this supervisor (none shown to other roles)."""
        if not self.may_resolve:
            return
        ctx = self.ctx

        def job() -> int:  # worker thread: no widget here
            services = ctx.require()
            return len(services.conflicts.list(services.session))

        ctx.ops.run(job, owner=self, on_done=self._show_conflicts,
                    on_error=lambda exc: log.warning("conflicts not counted: %s", type(exc).__name__))

    def _show_conflicts(self, count: int) -> None:
        self.conflict_count = count
        self.status.show_conflicts(count)
        self.retranslate()

    # --- syncing ------------------------------------------------------------------------
    def sync_now(self) -> None:
        self.runner.run_now()

    def cancel(self) -> None:
        self.runner.cancel()

    def _running_changed(self, running: bool) -> None:
        self.status.show_running(running, self.runner.stopping)
        self.sync_action.setEnabled(not running)

    def _progressed(self, progress: Progress) -> None:
        self.status.show_progress(progress)

    def _finished(self, result: Any) -> None:
        if result is None:  # no hub configured (it may have been set up since: read again)
            self.load_status()
            return
        self.configured = True
        self._show(from_result(result, self.state))
        if getattr(result, "wiped", False):
            self.runner.stop_automatic()
            self.wiped.emit()  # the store is closed and gone: nothing more to read from it
            return
        self._after_sync(result)

    def _cancelled(self, result: Any) -> None:
        if result is not None:
            self._show(from_result(result, self.state, stopped=True))
            self._after_sync(result)

    def _failed(self, exc: BaseException) -> None:
        self._show(from_error(exc, self.state))

    def _after_sync(self, result: Any) -> None:
        if getattr(result, "pulled", 0):
            self.ctx.hub.cases_changed.emit([])  # received changes: every list may show them
        self.count_conflicts()

    # --- pages --------------------------------------------------------------------------
    def _dialog(self, key: str, build: Callable[[], QDialog]) -> QDialog:
        """One of each at a time; deleted when closed, so no case data lingers (as the workspace does)."""
        dialog = self.dialogs.get(key)
        if dialog is None:
            dialog = build()
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.destroyed.connect(lambda _obj=None, key=key: self.dialogs.pop(key, None))
            self.dialogs[key] = dialog
        dialog.open()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def open_conflicts(self) -> ConflictsDialog | None:
        if not self.conflicts_action.isEnabled():
            return None
        return self._dialog("conflicts", self._conflicts_dialog)  # type: ignore[return-value]

    def _conflicts_dialog(self) -> ConflictsDialog:
        dialog = ConflictsDialog(self.ctx, self.window)
        dialog.loaded.connect(self._show_conflicts)  # what the list shows is the count
        return dialog

    def open_devices(self) -> DevicesDialog | None:
        if not self.devices_action.isEnabled():
            return None
        return self._dialog("devices", lambda: DevicesDialog(self.ctx, self.window))  # type: ignore[return-value]

    def open_connect(self) -> SetupDialog | None:
        return self._setup(self.connect_action, ENROL)

    def open_realm(self) -> SetupDialog | None:
        return self._setup(self.realm_action, REALM)

    def _setup(self, action: QAction, mode: str) -> SetupDialog | None:
        if not action.isEnabled():
            return None

        def build() -> SetupDialog:
            dialog = SetupDialog(self.ctx, mode, self.window)
            dialog.joined.connect(lambda _enrolled: self.load_status())  # "waiting for approval", menu
            return dialog

        return self._dialog(f"setup_{mode}", build)  # type: ignore[return-value]

    def open_publish_directory(self) -> PublishDialog | None:
        return self._publish(self.publish_directory_action, DIRECTORY)

    def open_publish_checklist(self) -> PublishDialog | None:
        return self._publish(self.publish_checklist_action, CHECKLIST)

    def _publish(self, action: QAction, kind: str) -> PublishDialog | None:
        if not action.isEnabled():
            return None
        return self._dialog(f"publish_{kind}", lambda: PublishDialog(self.ctx, kind, self.window))  # type: ignore[return-value]

    @property
    def setup_dialog(self) -> SetupDialog | None:
        return self._open_one(f"setup_{ENROL}", f"setup_{REALM}")  # type: ignore[return-value]

    @property
    def publish_dialog(self) -> PublishDialog | None:
        return self._open_one(f"publish_{DIRECTORY}", f"publish_{CHECKLIST}")  # type: ignore[return-value]

    def _open_one(self, *keys: str) -> QDialog | None:
        """The one of these dialogs on screen (a closed one may linger until Qt deletes it)."""
        return next((d for d in map(self.dialogs.get, keys) if d is not None and d.isVisible()), None)

    @property
    def conflicts_dialog(self) -> ConflictsDialog | None:
        return self.dialogs.get("conflicts")  # type: ignore[return-value]

    @property
    def devices_dialog(self) -> DevicesDialog | None:
        return self.dialogs.get("devices")  # type: ignore[return-value]

    # --- language and locking -----------------------------------------------------------
    def retranslate(self) -> None:
        self.menu.setTitle(tr("&Sync"))
        native = QKeySequence(SYNC_SHORTCUT).toString(QKeySequence.SequenceFormat.NativeText)
        self.sync_action.setText(tr("Sync &now"))
        self.sync_action.setToolTip(trf("Send this device's changes to the hub and receive the others' "
                                        "({shortcut})", shortcut=native))
        self.sync_action.setStatusTip(self.sync_action.toolTip())
        self.conflicts_action.setText(trf("&Conflicts ({count})…", count=format_number(self.conflict_count,
                                                                                     language.code))
                                      if self.conflict_count else tr("&Conflicts…"))
        self.conflicts_action.setToolTip(tr("Fields two devices changed at the same time: choose the value to keep"))
        self.devices_action.setText(tr("&Devices…"))
        self.devices_action.setToolTip(tr("Invite, approve and revoke the devices that sync with the hub"))
        self.connect_action.setText(tr("C&onnect this laptop to the hub…"))
        self.connect_action.setToolTip(tr("Join the hub with the address, pin and one-time code the secretariat "
                                          "gave"))
        self.realm_action.setText(tr("Create the &realm…"))
        self.realm_action.setToolTip(tr("Set up a new hub with its admin code: this laptop becomes the "
                                        "secretariat's"))
        self.publish_directory_action.setText(tr("Publish the service &directory…"))
        self.publish_directory_action.setToolTip(tr("Send a checked and signed service directory to every device"))
        self.publish_checklist_action.setText(tr("Publish a chec&klist…"))
        self.publish_checklist_action.setToolTip(tr("Send a checked and signed checklist to every device"))
        self.status.sync_now.setAccessibleName(tr("Sync now"))

    def dispose(self) -> None:
        """Before locking: stop syncing, close the pages, leave the window."""
        self.runner.dispose()
        for dialog in list(self.dialogs.values()):
            dialog.close()
        self.dialogs.clear()
        for action in (self.sync_action, self.conflicts_action, self.devices_action, self.connect_action,
                       self.realm_action, self.publish_directory_action, self.publish_checklist_action):
            self.window.removeAction(action)
        self.window.menuBar().removeAction(self.menu.menuAction())
        self.window.statusBar().removeWidget(self.status)
        self.status.deleteLater()
        self.menu.deleteLater()
