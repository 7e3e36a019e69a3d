"""One question of a checklist as a large, keyboard-friendly control.

Yes/no questions are four big radio buttons (yes, no, not known, declined to answer) that
keys 1 to 4 also choose while the question has the focus; the interview moves the focus on
to the next question after a key answer, so a whole section can be done without a mouse.
The question and help texts come from the checklist file in the interface language.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup, QDateEdit, QFrame, QGridLayout, QLabel, QPlainTextEdit, QRadioButton,
    QSpinBox, QVBoxLayout, QWidget,
)

from app.screening.checklist import Item, Kind
from app.text import N_
from ui.qt.cases.widgets import error_label, hint_label
from ui.qt.lang import language, tr, trf

#: the yes/no answers, in the order of their keys (1 to 4)
YES_NO = (("yes", N_("Yes")), ("no", N_("No")), ("unknown", N_("Not known")), ("declined", N_("Declined to answer")))
NO_NUMBER = -1  # a number question's "not answered" value (shown as a blank)


class Question(QFrame):
    """A question with its answer control; ``answered`` carries (item id, value or None)."""

    answered = Signal(str, object)
    key_answered = Signal(str)  # answered from the keyboard: the interview moves the focus on

    def __init__(self, item: Item, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self.setObjectName(f"question_{item.id}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.text = QLabel(objectName=f"questionText_{item.id}", wordWrap=True)
        self.text.setStyleSheet("font-size: 15pt; font-weight: 600;")
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.help = hint_label(f"questionHelp_{item.id}")
        self.error = error_label(f"questionError_{item.id}")
        self.control = self._build_control()
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.help)
        layout.addWidget(self.control)
        layout.addWidget(self.error)
        language.changed.connect(self.retranslate)
        self.retranslate()

    # --- building -----------------------------------------------------------------------
    def _build_control(self) -> QWidget:
        kind = self.item.kind
        if kind in (Kind.YES_NO, Kind.CHOICE):
            return self._radios()
        if kind is Kind.TEXT:
            edit = QPlainTextEdit(objectName=f"answer_{self.item.id}")
            edit.setTabChangesFocus(True)
            edit.setMaximumHeight(90)
            edit.textChanged.connect(lambda: self._emit(edit.toPlainText().strip() or None))
            self.edit = edit
            return edit
        if kind is Kind.NUMBER:
            box = QSpinBox(objectName=f"answer_{self.item.id}")
            box.setRange(NO_NUMBER, 999)
            box.setValue(NO_NUMBER)
            box.setMinimumHeight(40)
            box.valueChanged.connect(lambda v: self._emit(None if v == NO_NUMBER else v))
            self.number = box
            return box
        date = QDateEdit(objectName=f"answer_{self.item.id}", calendarPopup=True)
        date.setDisplayFormat("dd/MM/yyyy")
        date.setMinimumDate(QDate(1900, 1, 1))
        date.setDate(date.minimumDate())  # the minimum shows as "not given"
        date.setMinimumHeight(40)
        date.dateChanged.connect(
            lambda d: self._emit(None if d == date.minimumDate() else d.toString(Qt.DateFormat.ISODate)))
        self.date = date
        return date

    def _radios(self) -> QWidget:
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        yes_no = self.item.kind is Kind.YES_NO
        choices = [value for value, _ in YES_NO] if yes_no else list(self.item.option_ids())
        columns = len(YES_NO) if yes_no else 2  # long option lists wrap instead of widening the dialog
        for number, value in enumerate(choices, start=1):
            button = QRadioButton(objectName=f"answer_{self.item.id}_{value}")
            button.setMinimumHeight(44)
            button.setStyleSheet("QRadioButton { font-size: 14pt; padding: 4px 12px; }"
                                 " QRadioButton::indicator { width: 24px; height: 24px; }")
            self.group.addButton(button, number)
            self.buttons[value] = button
            grid.addWidget(button, (number - 1) // columns, (number - 1) % columns)
            button.toggled.connect(lambda on, value=value: on and self._emit(value))
            if number <= 9:  # keys 1..9 answer the question that has the focus
                shortcut = QShortcut(QKeySequence(str(number)), self)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(lambda value=value: self._by_key(value))
        grid.setColumnStretch(columns, 1)
        return box

    # --- text ---------------------------------------------------------------------------
    def retranslate(self) -> None:
        lang = language.code
        self.text.setText(self.item.text.get(lang))
        self.help.setText(self.item.help.get(lang) if self.item.help else "")
        self.help.setVisible(self.item.help is not None)
        self.control.setAccessibleName(self.item.text.get(lang))
        if self.item.kind is Kind.YES_NO:
            for number, (value, msgid) in enumerate(YES_NO, start=1):
                self._label(self.buttons[value], number, tr(msgid))
        elif self.item.kind is Kind.CHOICE:
            for number, option in enumerate(self.item.options, start=1):
                self._label(self.buttons[option.id], number, option.text.get(lang))
        elif self.item.kind is Kind.NUMBER:
            self.number.setSpecialValueText(tr("Not given"))
        elif self.item.kind is Kind.DATE:
            self.date.setSpecialValueText(tr("Not given"))

    @staticmethod
    def _label(button: QRadioButton, number: int, text: str) -> None:
        button.setText(text)
        button.setAccessibleName(text)
        button.setToolTip(trf("Key {key}", key=number) if number <= 9 else "")

    # --- values -------------------------------------------------------------------------
    def _emit(self, value: Any) -> None:
        self.answered.emit(self.item.id, value)

    def _by_key(self, value: str) -> None:
        self.buttons[value].setChecked(True)
        self.key_answered.emit(self.item.id)

    def set_value(self, value: Any) -> None:
        """Show a stored answer without announcing it as a new one."""
        self.blockSignals(True)
        try:
            if self.item.kind in (Kind.YES_NO, Kind.CHOICE):
                button = self.buttons.get(value) if isinstance(value, str) else None
                if button is not None:
                    button.setChecked(True)
            elif self.item.kind is Kind.TEXT:
                self.edit.setPlainText(value or "")
            elif self.item.kind is Kind.NUMBER:
                self.number.setValue(value if isinstance(value, int) else NO_NUMBER)
            elif isinstance(value, str):
                self.date.setDate(QDate.fromString(value, Qt.DateFormat.ISODate))
        finally:
            self.blockSignals(False)

    def focus_answer(self) -> None:
        if self.item.kind in (Kind.YES_NO, Kind.CHOICE):
            checked = self.group.checkedButton()
            (checked or next(iter(self.buttons.values()))).setFocus(Qt.FocusReason.TabFocusReason)
        else:
            self.control.setFocus(Qt.FocusReason.TabFocusReason)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setAccessibleName(text)
        self.error.setVisible(bool(text))
