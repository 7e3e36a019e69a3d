"""Device settings: interface language and the idle lock.

Both apply at once. A language switch rebuilds nothing: every widget retranslates on
``language.changed``, so an open case file and anything typed stay where they are.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget,
)

import i18n
from app.settings import SETTINGS
from ui.qt.idle import MAX_MINUTES, IdleWatcher
from i18n.bidi import isolate
from i18n.formatting import format_number
from ui.qt.context import AppContext
from ui.qt.lang import language, ntr, tr

# Each language is offered in its own name, so it can be found by someone who reads only it.
LANGUAGE_NAMES = {"ar": "العربية", "fr": "Français", "en": "English"}
MIN_IDLE_MINUTES = 1


class SettingsDialog(QDialog):
    idle_minutes_changed = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None,
                 idle: IdleWatcher | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.idle = idle
        self.setObjectName("settingsDialog")
        self.setMinimumWidth(460)

        self.language = QComboBox(objectName="settingsLanguage")
        for code in i18n.LANGUAGES:
            self.language.addItem(LANGUAGE_NAMES[code], code)
        self.language.setCurrentIndex(max(0, self.language.findData(language.code)))
        self.language.currentIndexChanged.connect(self._language_chosen)

        self.minutes = QSpinBox(objectName="settingsIdle")
        self.minutes.setRange(MIN_IDLE_MINUTES, MAX_MINUTES)
        self.minutes.setValue(ctx.settings.get("idle_lock_minutes"))
        self.minutes.valueChanged.connect(self.set_idle_minutes)

        self.language_label, self.minutes_label = QLabel(), QLabel()
        self.language_label.setBuddy(self.language)
        self.minutes_label.setBuddy(self.minutes)
        self.minutes_hint = QLabel(objectName="settingsIdleHint", wordWrap=True)
        form = QFormLayout()
        form.addRow(self.language_label, self.language)
        form.addRow(self.minutes_label, self.minutes)
        form.addRow("", self.minutes_hint)

        self.buttons = QDialogButtonBox()
        self.close_button = QPushButton(objectName="settingsClose", default=True)
        self.buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        language.changed.connect(self.retranslate)
        self.retranslate()

    def _language_chosen(self, index: int) -> None:
        code = self.language.itemData(index)
        if code and code != language.code:
            self.set_language(code)

    def set_language(self, code: str) -> None:
        """Apply at once and remember it for the next start."""
        language.apply(code)
        self.ctx.settings.set("language", code)

    def set_idle_minutes(self, minutes: int) -> None:
        """Save and apply; SECURITY.md caps the idle lock at 15 minutes."""
        minutes = max(MIN_IDLE_MINUTES, min(int(minutes), MAX_MINUTES))
        if self.minutes.value() != minutes:
            self.minutes.setValue(minutes)  # comes back here through valueChanged
            return
        self.ctx.settings.set("idle_lock_minutes", minutes)
        if self.idle is not None:
            self.idle.set_minutes(minutes)
        self.idle_minutes_changed.emit(minutes)
        self._retranslate_hint()

    def _retranslate_hint(self) -> None:
        n = self.minutes.value()
        self.minutes_hint.setText(ntr("The screen locks after {n} minute without use.",
                                      "The screen locks after {n} minutes without use.", n)
                                  .format(n=isolate(format_number(n, language.code))))

    def retranslate(self) -> None:
        self.setWindowTitle(tr("Settings"))
        # Another window may have switched the language: show it without re-applying it.
        self.language.blockSignals(True)
        self.language.setCurrentIndex(max(0, self.language.findData(language.code)))
        self.language.blockSignals(False)
        # The labels are msgids marked in app.settings; looked up first so that extraction
        # does not take the settings keys for msgids.
        language_name, minutes_name = SETTINGS["language"].label, SETTINGS["idle_lock_minutes"].label
        self.language_label.setText(tr("&Language"))
        self.language.setAccessibleName(tr(language_name))
        self.minutes_label.setText(tr("Lock &after minutes without use"))
        self.minutes.setAccessibleName(tr(minutes_name))
        self.close_button.setText(tr("Close"))
        self.close_button.setAccessibleName(tr("Close"))
        self._retranslate_hint()
