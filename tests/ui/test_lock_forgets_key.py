"""The desktop after a lock keeps nothing of the unlocked store: no widget, signal or timer
holds the services, the open store, its connection or the buffer of its data key.

``test_locking.py`` proves each way of locking closes the connection; this proves that,
after working in the workspace (the case list loaded, a case registered), what was unlocked
is freed and its key buffer overwritten.
"""

from __future__ import annotations

import gc
import uuid
import weakref

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QPushButton

from app.domain.person import Person
from uikit import PASSPHRASE
from ui.qt.window import MainWindow


def test_after_lock_nothing_holds_the_unlocked_store(created_store, qtbot) -> None:
    window = MainWindow(created_store)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.findChild(QComboBox, "unlockUser").count() > 0, timeout=3000)
    qtbot.keyClicks(window.findChild(QLineEdit, "unlockPassphrase"), PASSPHRASE)
    qtbot.mouseClick(window.findChild(QPushButton, "unlockButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=3000)

    services = window.ctx.services
    services.cases.register(services.session, Person(str(uuid.uuid4()), first_name="Amina"), border_post="TNG-MED")
    qtbot.wait(100)  # the list and today's view load in the meantime
    key = services.opened._data_key
    assert any(key)
    watched = {name: weakref.ref(obj) for name, obj in (
        ("services", services), ("open store", services.opened), ("case store", services.opened.store),
        ("key store", services.opened.keys), ("case service", services.cases))}
    del services

    window.lock_action.trigger()
    qtbot.waitUntil(lambda: not window.ctx.ops.busy, timeout=3000)
    QApplication.processEvents()
    gc.collect()

    assert key == bytearray(len(key))
    assert [name for name, ref in watched.items() if ref() is not None] == []
