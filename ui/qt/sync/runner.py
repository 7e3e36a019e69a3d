"""Running a sync: on demand and every few minutes, one at a time, never on the GUI thread.

A sync reads and writes the store, so it runs on the app's one database worker
(``ctx.ops``) like every other store call, with a cancel flag the client checks between
batches: Cancel stops it cleanly (what was sent or applied stays). The automatic sync
never starts while another sync runs, and waits for a quiet moment rather than queueing
behind what the user is doing.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from ui.qt.context import AppContext, Locked
from ui.qt.ops import Operation

log = logging.getLogger(__name__)

AUTO_SYNC_MINUTES = 5
FIRST_SYNC_SECONDS = 20  # after unlocking: the office Wi-Fi is often there when the day starts
BUSY_RETRY_SECONDS = 30  # the worker was busy with the user's work: try again a little later


@dataclass(frozen=True)
class Progress:
    stage: str
    done: int
    total: int


class _ProgressRelay(QObject):
    """Lives on the GUI thread; the worker emits, Qt queues the call to the GUI thread."""

    progressed = Signal(object)


class SyncRunner(QObject):
    """``run_now()`` and the timer start a sync; ``finished``/``failed`` say how it went."""

    started = Signal()
    progressed = Signal(object)  # Progress
    finished = Signal(object)  # the facade's SyncResult, or None when no hub is configured
    failed = Signal(object)  # the exception (HubUnreachable, DeviceRevoked, …)
    cancelled = Signal(object)  # the SyncResult of what was done before stopping, or None
    running_changed = Signal(bool)

    def __init__(self, ctx: AppContext, parent: QObject | None = None, *,
                 interval_ms: int = AUTO_SYNC_MINUTES * 60_000,
                 first_ms: int = FIRST_SYNC_SECONDS * 1000,
                 retry_ms: int = BUSY_RETRY_SECONDS * 1000) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.operation: Operation | None = None
        self.run_count = 0  # how many syncs were started (tests read it)
        self._stop = threading.Event()
        self._started_at = 0.0
        self._interval_ms, self._first_ms, self._retry_ms = interval_ms, first_ms, retry_ms
        self._relay = _ProgressRelay(self)
        self._relay.progressed.connect(self.progressed)
        self.timer = QTimer(self, singleShot=True)
        self.timer.timeout.connect(self.auto_sync)
        self.automatic = False

    # --- automatic --------------------------------------------------------------------
    def start_automatic(self) -> None:
        """Sync every few minutes from now on (the first one soon after unlocking)."""
        self.automatic = True
        self.timer.start(self._first_ms)

    def stop_automatic(self) -> None:
        self.automatic = False
        self.timer.stop()

    def auto_sync(self) -> None:
        if not self.automatic:
            return
        if self.running or self.ctx.ops.busy:
            self.timer.start(self._retry_ms)  # never two at once, never in the user's way
            return
        if not self.run_now():
            self.timer.start(self._interval_ms)

    # --- one sync ---------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """From the start until the worker has really left the sync (a cancelled one too)."""
        return self.operation is not None and not self.operation.done

    @property
    def stopping(self) -> bool:
        return self.running and self._stop.is_set()

    def run_now(self) -> bool:
        """Start a sync unless one is running or the store is locked; True if started."""
        if self.running or self.ctx.services is None:
            return False
        self.timer.stop()
        stop = self._stop = threading.Event()  # a fresh flag: the last sync's Cancel is not this one's
        relay, ctx = self._relay, self.ctx

        def job() -> Any:  # worker thread: no widget here
            if stop.is_set():
                return None
            sync = ctx.require().sync
            if not sync.configured():
                return None
            return sync.run(lambda stage, done, total: relay.progressed.emit(Progress(str(stage), done, total)),
                            stop.is_set)

        self.run_count += 1
        self._started_at = time.monotonic()
        self.operation = self.ctx.ops.run(job, owner=self, on_done=self._done, on_error=self._failed)
        self.started.emit()
        self.running_changed.emit(True)
        return True

    def cancel(self) -> None:
        """Ask the running sync to stop after its current batch; ``cancelled`` follows when it has."""
        if self.running and not self._stop.is_set():
            self._stop.set()
            self.running_changed.emit(True)  # still running, now stopping: the widget says so

    def _done(self, result: Any) -> None:
        log.info("sync ended in %.1f s", time.monotonic() - self._started_at)
        self._ended()
        if self._stop.is_set():
            self.cancelled.emit(result)
        else:
            self.finished.emit(result)  # None: no hub is configured

    def _failed(self, exc: BaseException) -> None:
        log.info("sync failed: %s", type(exc).__name__)
        self._ended()
        if self._stop.is_set() and isinstance(exc, Locked):
            return
        self.failed.emit(exc)

    def _ended(self) -> None:
        self.running_changed.emit(False)
        if self.automatic:
            self.timer.start(self._interval_ms)

    def dispose(self) -> None:
        """Before locking: no new sync, and the running one asked to stop at its next batch."""
        self.stop_automatic()
        self._stop.set()
