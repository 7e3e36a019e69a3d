"""The neutral screen of the quick-hide key: nothing about cases, nothing to read."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from ui.qt.lang import language, tr


class NeutralPage(QWidget):
    """Looks like an idle screen. Its only way out is the unlock screen."""

    resume = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("neutralPage")
        self.setAutoFillBackground(True)
        self.setStyleSheet("#neutralPage { background: #f3f1ec; }")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.label = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.label.setObjectName("neutralLabel")
        self.label.setStyleSheet("color: #8a8579; font-size: 20pt;")
        layout.addWidget(self.label)
        self.button = QPushButton()
        self.button.setObjectName("neutralResume")
        self.button.setFlat(True)
        self.button.clicked.connect(self.resume)
        layout.addWidget(self.button, alignment=Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(2)
        language.changed.connect(self.retranslate)
        self.retranslate()

    def retranslate(self) -> None:
        self.label.setText(tr("Ready"))
        self.button.setText(tr("Continue"))
        self.button.setAccessibleName(tr("Continue"))
