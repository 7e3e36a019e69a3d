"""The fields of a person, shared by the new-case dialog (minimal) and the case file (full).

Names are asked in both scripts side by side; every field is optional, as a border
screening collects only the minimum. ``values()`` gives the keyword arguments of
``app.domain.person.Person``; the domain validates them and its errors come back inline.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QFormLayout, QGridLayout, QLabel, QLineEdit, QListWidget, QVBoxLayout,
    QWidget,
)

from app.domain.labels import DOCUMENT_LABELS
from app.domain.person import Document, Person
from app.domain.values import AgeBand, DocumentKind, Sex
from app.errors import FieldError, ValidationError
from app.text import N_
from ui.qt.cases.labels import PERSON_FIELD_LABELS, SEX_LABELS, age_band_label, country_name
from ui.qt.cases.widgets import (
    NOT_IN_LIST, ChoiceCombo, CountryCombo, InlineErrors, NotInList, YearBox, date_box, error_label,
)
from ui.qt.lang import language, tr, trf

_NO_DATE = QDate(1900, 1, 1)  # the minimum of the date box stands for "not known"
_NO_YEAR = 1899


class PersonForm(QWidget):
    def __init__(self, *, full: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.full = full
        self.general_error = error_label("personFormError")
        self.errors = InlineErrors(self.general_error, self)
        self._labels: list[tuple[QLabel, str]] = []
        self._accessible: list[tuple[QWidget, str]] = []
        self._loaded_minor: bool | None = None

        self.first_name = self._line("personFirstName", rtl=False)
        self.second_name = self._line("personSecondName", rtl=False)
        self.first_name_ar = self._line("personFirstNameAr", rtl=True)
        self.second_name_ar = self._line("personSecondNameAr", rtl=True)
        self.sex = ChoiceCombo.of("personSex", SEX_LABELS)
        self.sex.set_value(Sex.UNKNOWN)
        self.birth_date = date_box("personBirthDate")
        self.birth_date.setMinimumDate(_NO_DATE)
        self.birth_date.setDate(_NO_DATE)
        self.birth_year = YearBox("personBirthYear", _NO_YEAR + 1, date.today().year, date.today().year - 25)
        self.age_band = ChoiceCombo("personAgeBand", [(None, lambda: tr("Not known"))] + [
            (band, (lambda band=band: age_band_label(band))) for band in AgeBand])
        self.possibly_minor = QCheckBox(objectName="personPossiblyMinor")
        self.nationality = CountryCombo("personNationality")
        self.languages = self._line("personLanguages", rtl=False)
        self.mobile_phone = self._line("personPhone", rtl=False)
        self.documents = QListWidget(objectName="personDocuments")
        self.documents.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.documents.setMaximumHeight(90)
        self._documents: tuple[Document, ...] = ()

        # Read-only fields look like text, not like boxes waiting to be filled.
        self.setStyleSheet('QLineEdit[readOnly="true"] { background: transparent; }')
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        names = QGridLayout()
        self._heading(names, 0, 1, N_("Latin letters"))
        self._heading(names, 0, 2, N_("Arabic letters"))
        for row, (msgid, latin, arabic, fields) in enumerate((
            (N_("First name"), self.first_name, self.first_name_ar, ("first_name", "first_name_ar")),
            (N_("Family name"), self.second_name, self.second_name_ar, ("second_name", "second_name_ar")),
        ), start=1):
            label = self._label(msgid, latin)
            names.addWidget(label, row, 0)
            names.addWidget(self._with_error(latin, fields[0]), row, 1)
            names.addWidget(self._with_error(arabic, fields[1]), row, 2)
        names.setColumnStretch(1, 1)
        names.setColumnStretch(2, 1)
        outer.addLayout(names)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        rows: list[tuple[str, QWidget, str]] = [(N_("Sex"), self.sex, "sex")]
        if full:
            rows.append((N_("Birth date"), self.birth_date, "birth_date"))
        rows += [(N_("Birth year (estimate)"), self.birth_year, "birth_year"),
                 (N_("Age band"), self.age_band, "age_band"),
                 (N_("Child"), self.possibly_minor, "possibly_minor"),
                 (N_("Nationality"), self.nationality, "nationality"),
                 (N_("Languages spoken"), self.languages, "languages")]
        if full:
            rows += [(N_("Mobile phone"), self.mobile_phone, "mobile_phone"),
                     (N_("Documents"), self.documents, "documents")]
        for msgid, widget, field in rows:
            form.addRow(self._label(msgid, widget), self._with_error(widget, field))
        outer.addLayout(form)
        outer.addWidget(self.general_error)
        chain = self.tab_chain()
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)
        language.changed.connect(self.retranslate)
        self.retranslate()

    def tab_chain(self) -> list[QWidget]:
        """The fields in reading order (each Latin name, then the same name in Arabic)."""
        chain: list[QWidget] = [self.first_name, self.first_name_ar, self.second_name, self.second_name_ar,
                                self.sex]
        if self.full:
            chain.append(self.birth_date)
        chain += [self.birth_year, self.age_band, self.possibly_minor, self.nationality, self.languages]
        if self.full:
            chain += [self.mobile_phone, self.documents]
        return chain

    # --- building -------------------------------------------------------------------
    def _line(self, name: str, *, rtl: bool) -> QLineEdit:
        edit = QLineEdit(objectName=name)
        # Names keep their script's direction whatever the interface language.
        edit.setLayoutDirection(Qt.LayoutDirection.RightToLeft if rtl else Qt.LayoutDirection.LeftToRight)
        return edit

    def _heading(self, grid: QGridLayout, row: int, column: int, msgid: str) -> None:
        label = QLabel()
        label.setStyleSheet("font-weight: 600;")
        self._labels.append((label, msgid))
        grid.addWidget(label, row, column)

    def _label(self, msgid: str, buddy: QWidget) -> QLabel:
        label = QLabel()
        label.setBuddy(buddy)
        self._labels.append((label, msgid))
        return label

    def _with_error(self, widget: QWidget, field: str) -> QWidget:
        self._accessible.append((widget, PERSON_FIELD_LABELS.get(field, field)))
        return self.errors.under(widget, field)

    def retranslate(self) -> None:
        for label, msgid in self._labels:
            label.setText(tr(msgid))
        for widget, msgid in self._accessible:
            widget.setAccessibleName(tr(msgid))
        self.birth_date.setSpecialValueText(tr("Not known"))
        self.birth_year.setSpecialValueText(tr("Not known"))
        self.possibly_minor.setText(tr("May be under 18 (the child rules apply)"))
        self.languages.setPlaceholderText(tr("ISO codes separated by commas, e.g. ar, fr, en"))
        self.mobile_phone.setPlaceholderText(tr("International form, e.g. +212612345678"))
        self._show_documents()

    # --- values ---------------------------------------------------------------------
    def load(self, person: Person | None) -> None:
        """Show ``person`` (or empty fields for None) and forget any error shown."""
        self.errors.clear()
        p = person or Person(id="00000000-0000-4000-8000-000000000000")
        self.first_name.setText(p.first_name or "")
        self.second_name.setText(p.second_name or "")
        self.first_name_ar.setText(p.first_name_ar or "")
        self.second_name_ar.setText(p.second_name_ar or "")
        self.sex.set_value(p.sex)
        self.birth_date.setDate(QDate(p.birth_date.year, p.birth_date.month, p.birth_date.day)
                                if p.birth_date else _NO_DATE)
        self.birth_year.setValue(p.birth_year or _NO_YEAR)
        self.age_band.set_value(p.age_band)
        self._loaded_minor = p.possibly_minor
        self.possibly_minor.setChecked(bool(p.possibly_minor))
        self.nationality.set_value(p.nationality)
        self.languages.setText(", ".join(p.languages))
        self.mobile_phone.setText(p.mobile_phone or "")
        self._documents = p.documents
        self._show_documents()

    def values(self) -> dict[str, Any]:
        """The Person fields as typed; ``ValidationError`` for what cannot even be read."""
        try:
            nationality = self.nationality.value()
        except NotInList:
            raise ValidationError([FieldError("nationality", NOT_IN_LIST)]) from None
        values: dict[str, Any] = {
            "first_name": _text(self.first_name), "second_name": _text(self.second_name),
            "first_name_ar": _text(self.first_name_ar), "second_name_ar": _text(self.second_name_ar),
            "sex": self.sex.value(),
            "birth_year": None if self.birth_year.value() == _NO_YEAR else self.birth_year.value(),
            "age_band": self.age_band.value(),
            # Unticking keeps an explicit "no" that was recorded, instead of turning it to "not known".
            "possibly_minor": True if self.possibly_minor.isChecked() else (
                False if self._loaded_minor is False else None),
            "nationality": nationality,
            "languages": tuple(code.lower() for code in re.split(r"[,،;\s]+", self.languages.text()) if code),
        }
        if self.full:
            day = self.birth_date.date()
            values["birth_date"] = None if day == _NO_DATE else date(day.year(), day.month(), day.day())
            # Spaces and dashes are how people write numbers; the store keeps the bare E.164 form.
            phone = re.sub(r"[\s\-().]", "", self.mobile_phone.text())
            values["mobile_phone"] = phone or None
        return values

    def set_editable(self, editable: bool) -> None:
        for edit in (self.first_name, self.second_name, self.first_name_ar, self.second_name_ar,
                     self.languages, self.mobile_phone):
            edit.setReadOnly(not editable)
        for widget in (self.sex, self.birth_date, self.birth_year, self.age_band, self.possibly_minor,
                       self.nationality):
            widget.setEnabled(editable)

    def _show_documents(self) -> None:
        self.documents.clear()
        for doc in self._documents:
            kind = tr(DOCUMENT_LABELS.get(doc.kind, DOCUMENT_LABELS[DocumentKind.OTHER]))
            if doc.issuing_country:
                text = trf("{kind} {number}, issued by {country}", kind=kind, number=doc.number,
                           country=country_name(doc.issuing_country))
            else:
                text = trf("{kind} {number}", kind=kind, number=doc.number)
            if not doc.held_by_person:
                text = trf("{document} (not held by the person)", document=text)
            self.documents.addItem(text)
        if not self._documents:
            self.documents.addItem(tr("No document recorded."))


def _text(edit: QLineEdit) -> str | None:
    return edit.text().strip() or None
