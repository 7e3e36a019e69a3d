"""The operation helper: off the GUI thread, one at a time, results back on the GUI thread."""

import threading

from PySide6.QtCore import QObject

from ui.qt.ops import Ops


def test_jobs_run_off_the_gui_thread_in_order_and_report_back(qtbot):
    ops = Ops()
    gui = threading.get_ident()
    seen, done = [], []
    for n in range(20):
        ops.run(lambda n=n: (seen.append((n, threading.get_ident())), n)[1],
                on_done=lambda r: done.append((r, threading.get_ident())))
    qtbot.waitUntil(lambda: len(done) == 20, timeout=5000)
    assert [n for n, _ in seen] == list(range(20))
    assert all(tid != gui for _, tid in seen)
    assert len({tid for _, tid in seen}) == 1  # one database worker
    assert done == [(n, gui) for n in range(20)]
    assert not ops.busy


def test_errors_come_back_typed_and_unexpected_ones_too(qtbot):
    ops = Ops()
    errors = []

    def boom():
        raise KeyError("x")

    ops.run(boom, on_done=lambda r: errors.append("done?"), on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], KeyError)


def test_cancel_stops_a_long_job_and_drops_its_callbacks(qtbot):
    ops = Ops()
    progress, done = [], []
    started = threading.Event()

    def long_job(token):
        for i in range(1000):
            started.set()
            if token.cancelled:
                return "stopped"
            token.progress(i, 1000)
            threading.Event().wait(0.002)
        return "finished"

    op = ops.run(long_job, cancellable=True, on_done=done.append, on_progress=lambda d, t: progress.append(d))
    started.wait(2)
    qtbot.waitUntil(lambda: bool(progress), timeout=5000)
    op.cancel()
    ops.wait()
    qtbot.wait(50)
    assert done == [] and op.done
    assert progress and max(progress) < 999


def test_callbacks_skip_a_deleted_owner(qtbot):
    ops = Ops()
    owner = QObject()
    calls = []
    gate = threading.Event()
    ops.run(lambda: gate.wait(2), on_done=calls.append, owner=owner)
    owner.deleteLater()
    qtbot.wait(20)
    gate.set()
    ops.wait()
    qtbot.wait(50)
    assert calls == []
