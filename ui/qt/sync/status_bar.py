"""The sync corner of the status bar: the last result and its time, progress with Cancel,
a Sync now button, and for supervisors the number of conflicts waiting for them.

The widget only shows; ``SyncFeatures`` decides what happened. "3 minutes ago" is
rewritten every half minute so it does not go stale while the window stays open.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QToolButton, QWidget

from i18n.formatting import format_number
from ui.qt.lang import language, ntr, tr
from ui.qt.sync.runner import Progress
from ui.qt.sync.texts import FAILED, REVOKED, UNREACHABLE, SyncState, progress_text, status_text

REFRESH_MS = 30_000
WARN_STYLE = "color: #b3261e;"


class SyncStatusBar(QWidget):
    cancel_requested = Signal()
    conflicts_requested = Signal()

    def __init__(self, sync_action: QAction, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatusBar")
        self.state = SyncState()
        self.progress_info: Progress | None = None
        self.running = False
        self.stopping = False
        self.conflicts = 0
        self.may_connect = False  # this user may connect the laptop to a hub (the status says where)

        self.label = QLabel(objectName="syncStatus")
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bar = QProgressBar(objectName="syncProgress")
        self.bar.setMaximumWidth(140)
        self.bar.setTextVisible(False)
        self.cancel = QPushButton(objectName="syncCancel")
        self.cancel.clicked.connect(self.cancel_requested)
        self.sync_now = QToolButton(objectName="syncNowButton")
        self.sync_now.setDefaultAction(sync_action)
        self.sync_now.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.sync_now.setAutoRaise(True)
        self.badge = QToolButton(objectName="syncConflictsBadge")
        self.badge.setAutoRaise(True)
        self.badge.setStyleSheet("QToolButton { background: #b3261e; color: white; border-radius: 9px;"
                                 " padding: 1px 8px; font-weight: 600; }")
        self.badge.clicked.connect(self.conflicts_requested)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.badge, self.label, self.bar, self.cancel, self.sync_now):
            layout.addWidget(widget)
        self._refresh = QTimer(self, interval=REFRESH_MS)
        self._refresh.timeout.connect(self.render)
        self._refresh.start()
        language.changed.connect(self.render)
        self.show_running(False)
        self.render()

    def show_state(self, state: SyncState) -> None:
        self.state = state
        self.render()

    def show_running(self, running: bool, stopping: bool = False) -> None:
        self.running, self.stopping = running, running and stopping
        if not running:
            self.progress_info = None
        else:
            self.bar.setRange(0, 0)  # busy until the first figures arrive
        self.bar.setVisible(running)
        self.cancel.setVisible(running)
        self.cancel.setEnabled(running and not stopping)
        self.sync_now.setVisible(not running)
        self.render()

    def show_progress(self, progress: Progress) -> None:
        self.progress_info = progress
        if progress.total > 0:
            self.bar.setRange(0, progress.total)
            self.bar.setValue(min(progress.done, progress.total))
        else:
            self.bar.setRange(0, 0)
        self.render()

    def show_may_connect(self, may: bool) -> None:
        self.may_connect = may
        self.render()

    def show_conflicts(self, count: int) -> None:
        self.conflicts = count
        self.render()

    def render(self) -> None:
        running = self.running
        if self.stopping:
            text = tr("Stopping the sync after the current step…")
        elif running:
            info = self.progress_info
            text = progress_text(info.stage, info.done, info.total) if info else tr("Syncing…")
        else:
            text = status_text(self.state, may_connect=self.may_connect)
        self.label.setText(text)
        self.label.setAccessibleName(text)
        self.label.setToolTip("" if running else self.state.detail)  # why it failed, in full
        warn = not running and self.state.kind in (UNREACHABLE, REVOKED, FAILED)
        self.label.setStyleSheet(WARN_STYLE if warn else "")
        self.bar.setAccessibleName(tr("Sync progress"))
        self.cancel.setText(tr("Cancel"))
        self.cancel.setAccessibleName(tr("Cancel the sync"))
        self.cancel.setToolTip(tr("Stop after the current step: what was already sent or received is kept"))
        words = ntr("{count} conflict to resolve", "{count} conflicts to resolve", self.conflicts).format(
            count=self.conflicts)
        self.badge.setText(format_number(self.conflicts, language.code))
        self.badge.setToolTip(words)
        self.badge.setAccessibleName(words)
        self.badge.setVisible(self.conflicts > 0)
