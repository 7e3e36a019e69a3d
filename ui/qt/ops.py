"""The operation helper: every store call runs off the GUI thread, one at a time.

    ops.run(lambda: services.cases.open_case(session, case_id),
            on_done=self.show_file, on_error=self.show_error, owner=self)

``fn`` runs on the single database worker thread; ``on_done(result)`` or
``on_error(exc)`` run on the GUI thread afterwards. Never touch a widget inside ``fn``.
A long job may take a ``Cancel`` token (``run(fn, cancellable=True)``): it reports progress
with ``token.progress(done, total)`` and stops when ``token.cancelled`` is set. When the
owner widget is gone, or the operation was cancelled, the callbacks are not called.
Unexpected exceptions are delivered to ``on_error`` too: a worker never dies silently.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from shiboken6 import isValid

from ui.logs import kind

log = logging.getLogger(__name__)


class Cancel:
    """A cancel flag and progress reporter handed to cancellable jobs."""

    def __init__(self, relay: "_Relay", op_id: int) -> None:
        self._event = threading.Event()
        self._relay = relay
        self._op_id = op_id

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        self._event.set()

    def progress(self, done: int, total: int) -> None:
        self._relay.progressed.emit(self._op_id, done, total)


class _Relay(QObject):
    """One object on the GUI thread for every operation: signals emitted by the worker
    arrive there queued, tagged with the operation's id. (A relay per operation could be
    freed by the GUI thread while the worker was still inside ``emit``.)"""

    finished = Signal(int, object)
    failed = Signal(int, object)
    progressed = Signal(int, int, int)


class Operation:
    def __init__(self, op_id: int, token: Cancel | None) -> None:
        self.id = op_id
        self.token = token
        self.done = False

    def cancel(self) -> None:
        if self.token is not None:
            self.token.cancel()


class _Job(QRunnable):
    def __init__(self, op_id: int, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.op_id = op_id
        self.fn = fn
        self.relay = relay
        self.setAutoDelete(True)

    def run(self) -> None:  # worker thread
        try:
            result = self.fn()
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the GUI thread
            if not isinstance(exc, Exception):
                log.error("operation aborted: %s", kind(exc), exc_info=(type(exc), exc, exc.__traceback__))
            self.relay.failed.emit(self.op_id, exc)
        else:
            self.relay.finished.emit(self.op_id, result)


class _Pending:
    __slots__ = ("operation", "owner", "on_done", "on_error", "on_progress")

    def __init__(self, operation: Operation, owner: QObject | None, on_done: Any, on_error: Any,
                 on_progress: Any) -> None:
        self.operation = operation
        self.owner = owner
        self.on_done = on_done
        self.on_error = on_error
        self.on_progress = on_progress

    def alive(self) -> bool:
        token = self.operation.token
        return (self.owner is None or isValid(self.owner)) and not (token and token.cancelled)


class Ops(QObject):
    """One database worker thread for the whole app."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.pool.setExpiryTimeout(-1)
        self._relay = _Relay(self)
        self._relay.finished.connect(self._finished)
        self._relay.failed.connect(self._failed)
        self._relay.progressed.connect(self._progressed)
        self._pending: dict[int, _Pending] = {}
        self._next_id = 0

    def run(
        self,
        fn: Callable[..., Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        owner: QObject | None = None,
        cancellable: bool = False,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> Operation:
        self._next_id += 1
        op_id = self._next_id
        token = Cancel(self._relay, op_id) if cancellable else None
        operation = Operation(op_id, token)
        self._pending[op_id] = _Pending(operation, owner, on_done, on_error, on_progress)
        if len(self._pending) == 1:
            self.busy_changed.emit(True)
        self.pool.start(_Job(op_id, (lambda: fn(token)) if cancellable else fn, self._relay))
        return operation

    def _take(self, op_id: int) -> _Pending | None:
        pending = self._pending.pop(op_id, None)
        if pending is not None:
            pending.operation.done = True
            if not self._pending:
                self.busy_changed.emit(False)
        return pending

    def _finished(self, op_id: int, result: Any) -> None:
        pending = self._take(op_id)
        if pending is not None and pending.on_done is not None and pending.alive():
            pending.on_done(result)

    def _failed(self, op_id: int, exc: BaseException) -> None:
        pending = self._take(op_id)
        if pending is None:
            return
        token = pending.operation.token
        if token is not None and token.cancelled:
            return
        if pending.on_error is not None and pending.alive():
            pending.on_error(exc)
        else:
            log.error("operation failed: %s", kind(exc), exc_info=(type(exc), exc, exc.__traceback__))

    def _progressed(self, op_id: int, done: int, total: int) -> None:
        pending = self._pending.get(op_id)
        if pending is not None and pending.on_progress is not None and pending.alive():
            pending.on_progress(done, total)

    def wait(self, msecs: int = -1) -> bool:
        """Block until every queued job ran (used when locking and in tests)."""
        return self.pool.waitForDone(msecs)

    @property
    def busy(self) -> bool:
        return bool(self._pending)
