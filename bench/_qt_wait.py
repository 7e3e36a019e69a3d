"""Waiting for the GUI without spinning: the benchmarks' event-loop helper."""

from __future__ import annotations

import time
from typing import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QTimer


def wait_until(condition: Callable[[], bool], timeout: float = 120.0) -> None:
    """Process events until ``condition()`` holds, then once more for what that posted.

    The loop sleeps in the event dispatcher (``WaitForMoreEvents``) instead of spinning, so
    the worker thread is not slowed by a busy GUI thread; the worker's answer is a posted
    event, which wakes the loop at once. A 5 ms timer only guards against a condition that
    changes without an event. The last pass runs the layout and paint the change posted.
    """
    app = QCoreApplication.instance()
    wake = QTimer()
    wake.start(5)
    deadline = time.monotonic() + timeout
    try:
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("the GUI did not reach the expected state in time")
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents
                              | QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    finally:
        wake.stop()
    app.processEvents()


def flush_deletes() -> None:
    """Run pending ``deleteLater`` calls now."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()
