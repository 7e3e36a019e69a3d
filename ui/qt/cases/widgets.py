"""Small widgets the case screens share: choice combos, the country picker, inline errors.

Each widget re-labels itself when the language changes and keeps its current value, so a
language switch never loses what was chosen or typed.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from PySide6.QtCore import QObject, Qt
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QComboBox, QCompleter, QDateEdit, QLabel, QSpinBox, QVBoxLayout, QWidget

from app.errors import FieldError, ValidationError
from app.text import N_
from ui.qt.cases.labels import countries
from ui.qt.lang import language, render_error, tr

ERROR_STYLE = "color: #b3261e;"
HINT_STYLE = "color: #5f5b53;"


class ChoiceCombo(QComboBox):
    """A fixed list of values, each shown by a function that gives its label in the UI language."""

    def __init__(self, name: str, choices: Iterable[tuple[Any, Callable[[], str]]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._choices = list(choices)
        for _value, label in self._choices:
            self.addItem(label())
        language.changed.connect(self.retranslate)

    @classmethod
    def of(cls, name: str, labels: dict[Any, str], none_label: str | None = None) -> "ChoiceCombo":
        """From a {code: msgid} table, optionally led by a 'none' choice (value None)."""
        choices: list[tuple[Any, Callable[[], str]]] = []
        if none_label is not None:
            choices.append((None, lambda: tr(none_label)))
        choices.extend((code, (lambda msgid=msgid: tr(msgid))) for code, msgid in labels.items())
        return cls(name, choices)

    def value(self) -> Any:
        index = self.currentIndex()
        return self._choices[index][0] if index >= 0 else None

    def set_value(self, value: Any) -> None:
        for index, (candidate, _label) in enumerate(self._choices):
            if candidate == value:
                self.setCurrentIndex(index)
                return
        self.setCurrentIndex(0)

    def retranslate(self) -> None:
        for index, (_value, label) in enumerate(self._choices):
            self.setItemText(index, label())


def tri_state_combo(name: str) -> ChoiceCombo:
    """Yes / No / Not known, for answers that are often not known at a border."""
    return ChoiceCombo(name, [(None, lambda: tr("Not known")), (True, lambda: tr("Yes")),
                              (False, lambda: tr("No"))])


class NotInList(ValueError):
    pass


class CountryCombo(QComboBox):
    """Countries named in the interface language; type any part of a name to find one."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = QCompleter(self.model(), self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)
        self._codes: list[str | None] = []
        self._fill()
        self.lineEdit().setPlaceholderText(tr("Type to search"))
        language.changed.connect(self.retranslate)

    def _fill(self) -> None:
        self.clear()
        self._codes = [None]
        self.addItem("")
        for code, name in countries():
            self._codes.append(code)
            self.addItem(name)

    def value(self) -> str | None:
        """The chosen ISO code, None when empty; ``NotInList`` for text that names no country."""
        text = self.currentText().strip()
        if not text:
            return None
        index = self.findText(text, Qt.MatchFlag.MatchFixedString)
        if index < 0:
            raise NotInList(text)
        return self._codes[index]

    def set_value(self, code: str | None) -> None:
        index = self._codes.index(code) if code in self._codes else 0
        self.setCurrentIndex(index)
        self.setEditText(self.itemText(index))

    def retranslate(self) -> None:
        try:
            code, typed = self.value(), None
        except NotInList:
            code, typed = None, self.currentText()
        self._fill()
        self.set_value(code)
        if typed is not None:
            self.setEditText(typed)
        self.lineEdit().setPlaceholderText(tr("Type to search"))


class YearBox(QSpinBox):
    """A year, or "not known" (its minimum). Stepping up from "not known" starts near a typical age."""

    def __init__(self, name: str, first: int, last: int, start: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setRange(first - 1, last)
        self.setValue(first - 1)
        self._start = start

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt API
        if self.value() == self.minimum() and steps > 0:
            self.setValue(self._start)
        else:
            super().stepBy(steps)


def date_box(name: str) -> QDateEdit:
    """A date with a calendar, written day/month/year with a four-digit year, as in Morocco."""
    box = QDateEdit(objectName=name, calendarPopup=True)
    box.setDisplayFormat("dd/MM/yyyy")
    box.setMaximumDate(QDate.currentDate())
    return box


def error_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.setVisible(False)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def hint_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet(HINT_STYLE)
    return label


class InlineErrors(QObject):
    """Field errors shown under their fields (``error_<field>``); the rest in a general label.

    The errors are kept as the core gave them, so a language switch re-renders them.
    """

    def __init__(self, general: QLabel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.general = general
        self.labels: dict[str, QLabel] = {}
        self._errors: list[FieldError] = []
        self._message: BaseException | str | None = None
        language.changed.connect(self.retranslate)

    def add(self, field: str) -> QLabel:
        label = error_label(f"error_{field}")
        self.labels[field] = label
        return label

    def under(self, widget: QWidget, field: str) -> QWidget:
        """``widget`` with the error label of ``field`` right under it, as one form cell."""
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(widget)
        layout.addWidget(self.add(field))
        return box

    def clear(self) -> None:
        self._errors, self._message = [], None
        for label in (*self.labels.values(), self.general):
            label.clear()
            label.setVisible(False)

    def show(self, exc: BaseException | str) -> None:
        """A ``ValidationError`` goes to its fields; anything else (an error or a msgid) to the general label."""
        self.clear()
        if isinstance(exc, ValidationError):
            self._errors = list(exc.errors)
        else:
            self._message = exc
        self.retranslate()

    def show_field(self, field: str, msgid: str) -> None:
        self.show(ValidationError([FieldError(field, msgid)]))

    def retranslate(self) -> None:
        by_label: dict[QLabel, list[str]] = {}
        for error in self._errors:
            label = self.labels.get(error.field.split(".")[0], self.general)
            by_label.setdefault(label, []).append(error.render(tr))
        if self._message is not None:
            text = tr(self._message) if isinstance(self._message, str) else render_error(self._message)
            by_label.setdefault(self.general, []).append(text)
        for label, texts in by_label.items():
            label.setText("\n".join(texts))
            label.setAccessibleName(label.text())
            label.setVisible(True)


NOT_IN_LIST = N_("Choose a country from the list.")
