"""The event hub: services return what changed; views refresh only what they show."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class EventHub(QObject):
    cases_changed = Signal(list)  # case ids (an empty list: the whole list may have changed)
    users_changed = Signal()
    unlocked = Signal()
    locked = Signal()
    language_changed = Signal(str)
