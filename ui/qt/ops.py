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

log = logging.getLogger(__name__)


class Cancel:
    """A cancel flag and progress reporter handed to cancellable jobs."""

    def __init__(self, relay: "_Relay") -> None:
        self._event = threading.Event()
        self._relay = relay

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        self._event.set()

    def progress(self, done: int, total: int) -> None:
        self._relay.progressed.emit(done, total)


class _Relay(QObject):
    """Lives on the GUI thread; signals emitted from the worker arrive there (queued)."""

    finished = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int)


class Operation:
    def __init__(self, relay: _Relay, token: Cancel | None) -> None:
        self._relay = relay
        self.token = token
        self.done = False

    def cancel(self) -> None:
        if self.token is not None:
            self.token.cancel()

    @property
    def progressed(self) -> Any:
        return self._relay.progressed


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.fn = fn
        self.relay = relay
        self.setAutoDelete(True)

    def run(self) -> None:  # worker thread
        try:
            result = self.fn()
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the GUI thread
            if not isinstance(exc, Exception):
                log.error("operation aborted: %s", type(exc).__name__)
            self.relay.failed.emit(exc)
        else:
            self.relay.finished.emit(result)


class Ops(QObject):
    """One database worker thread for the whole app."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.pool.setExpiryTimeout(-1)
        self._pending = 0
        self._relays: set[_Relay] = set()

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
        relay = _Relay()
        token = Cancel(relay) if cancellable else None
        operation = Operation(relay, token)
        self._relays.add(relay)

        def alive() -> bool:
            return (owner is None or isValid(owner)) and not (token and token.cancelled)

        def finish() -> None:
            operation.done = True
            self._relays.discard(relay)
            self._pending -= 1
            if self._pending == 0:
                self.busy_changed.emit(False)

        def done(result: Any) -> None:
            finish()
            if on_done is not None and alive():
                on_done(result)

        def failed(exc: BaseException) -> None:
            finish()
            if token is not None and token.cancelled:
                return
            if on_error is not None and alive():
                on_error(exc)
            else:
                log.error("operation failed: %s", type(exc).__name__)

        relay.finished.connect(done)
        relay.failed.connect(failed)
        if on_progress is not None:
            relay.progressed.connect(lambda d, t: on_progress(d, t) if alive() else None)
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)
        job = _Job((lambda: fn(token)) if cancellable else fn, relay)
        self.pool.start(job)
        return operation

    def wait(self, msecs: int = -1) -> bool:
        """Block until every queued job ran (used when locking and in tests)."""
        return self.pool.waitForDone(msecs)

    @property
    def busy(self) -> bool:
        return self._pending > 0
