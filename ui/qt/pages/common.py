"""Pieces shared by the pages shown before a store is open: the brand, a centred card,
inline error labels and a language picker (someone may not read the default Arabic)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

import i18n
from ui.qt.context import AppContext
from ui.qt.lang import language, tr

ERROR_STYLE = "color: #b3261e;"
NOTE_STYLE = "color: #5f5a50;"
# Language names are written in their own language, so anyone can find theirs.
LANGUAGE_NAMES = {"ar": "العربية", "fr": "Français", "en": "English"}


def error_label(object_name: str) -> QLabel:
    """A red, word-wrapped label under a field; hidden while it has nothing to say."""
    label = QLabel()
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.hide()
    return label


def show_text(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


def with_error(field: QWidget, error: QLabel) -> QWidget:
    """A field with its error label right under it, as one cell of a form."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(field)
    layout.addWidget(error)
    return box


def centred(card: QWidget, max_width: int) -> QScrollArea:
    """``card`` centred in the page, scrollable on small screens."""
    card.setMaximumWidth(max_width)
    inner = QWidget()
    rows = QVBoxLayout(inner)
    rows.addStretch(1)
    line = QHBoxLayout()
    line.addStretch(1)
    line.addWidget(card, 100)
    line.addStretch(1)
    rows.addLayout(line)
    rows.addStretch(2)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(inner)
    return scroll


class BrandHeader(QWidget):
    """The logotype (the Arabic name, like a logo it is never translated) and a subtitle."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 8)
        self.logo = QLabel("حماية", alignment=Qt.AlignmentFlag.AlignCenter)
        self.logo.setObjectName("brandLogo")
        font = QFont(self.font())
        font.setPointSize(30)
        font.setBold(True)
        self.logo.setFont(font)
        self.logo.setStyleSheet("color: #2f5d50;")
        self.subtitle = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.subtitle.setObjectName("brandSubtitle")
        self.subtitle.setWordWrap(True)
        self.subtitle.setStyleSheet(NOTE_STYLE)
        layout.addWidget(self.logo)
        layout.addWidget(self.subtitle)
        language.changed.connect(self.retranslate)
        self.retranslate()

    def retranslate(self) -> None:
        self.logo.setAccessibleName(tr("Himaya"))
        self.subtitle.setText(tr("National Referral Mechanism"))


class LanguagePicker(QComboBox):
    """Switches the interface language in place and remembers the choice on this device."""

    def __init__(self, ctx: AppContext, object_name: str) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName(object_name)
        for code in i18n.LANGUAGES:
            self.addItem(LANGUAGE_NAMES.get(code, code), code)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.activated.connect(self._chosen)
        language.changed.connect(self.retranslate)
        self.retranslate()

    def _chosen(self, index: int) -> None:
        code = self.itemData(index)
        if code == language.code:
            return
        language.apply(code)
        try:
            self.ctx.settings.set("language", code)
        except OSError:
            pass  # the language still changes for this session

    def retranslate(self) -> None:
        self.setAccessibleName(tr("Interface language"))
        self.setToolTip(tr("Interface language"))
        index = self.findData(language.code)
        if index >= 0 and index != self.currentIndex():
            self.blockSignals(True)
            self.setCurrentIndex(index)
            self.blockSignals(False)
