"""Locks after a period without keyboard or mouse input (5 minutes by default, 15 at most)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

MAX_MINUTES = 15
_INPUT = {
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin, QEvent.Type.InputMethod,
}


class IdleWatcher(QObject):
    idle = Signal()

    def __init__(self, minutes: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.idle)
        self.set_minutes(minutes)
        self._filtering = False

    def set_minutes(self, minutes: float) -> None:
        """Minutes before locking; never more than 15 whatever a settings file says."""
        minutes = max(0.0, min(float(minutes), MAX_MINUTES))
        self.timer.setInterval(int(minutes * 60_000))
        if self.timer.isActive():
            self.timer.start()

    def set_interval_ms(self, msecs: int) -> None:
        """For tests: a shortened timeout."""
        self.timer.setInterval(min(msecs, MAX_MINUTES * 60_000))

    def start(self) -> None:
        if not self._filtering:
            QApplication.instance().installEventFilter(self)
            self._filtering = True
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        if self._filtering:
            QApplication.instance().removeEventFilter(self)
            self._filtering = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() in _INPUT and self.timer.isActive():
            self.timer.start()  # restart the countdown
        return False
