"""Guards on the Qt runtime itself."""

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal()


def test_signal_emit_does_not_leak_references_to_true():
    # PySide6 6.12.0 dropped one reference to True per emit; on Python 3.11 the process
    # aborted ("bool_dealloc") after a few hundred store operations. Keep that version out.
    emitter = _Emitter()
    before = sys.getrefcount(True)
    for _ in range(300):
        emitter.fired.emit()
    assert sys.getrefcount(True) >= before - 5
