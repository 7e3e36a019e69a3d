"""The person a case is about."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar

from app.domain.checks import E164, LANGUAGE, Checker, is_arabic_script, is_latin_script
from app.domain.values import AgeBand, DocumentKind, Sex
from app.resources import country_codes
from app.text import N_


@dataclass(frozen=True)
class Document:
    """An identity or travel document the person holds (or that was taken from them)."""

    kind: DocumentKind
    number: str
    issuing_country: str | None = None
    expires_on: date | None = None
    held_by_person: bool = True

    def check(self, checker: Checker, prefix: str) -> None:
        checker.text(f"{prefix}.number", self.number, max_len=40, required=True)
        if self.issuing_country is not None and self.issuing_country not in country_codes():
            checker.fail(f"{prefix}.issuing_country", N_("Not an ISO 3166 country code."))


@dataclass(frozen=True)
class Person:
    """A person, with names in Arabic and Latin script (HTCDS ``prs_`` fields).

    Border screening collects the minimum; every identifying field is optional. Age is
    known as a birth date, an estimated birth year, an age band, or only a minor flag.
    """

    RECORD_TYPE: ClassVar[str] = "person"
    WIRE: ClassVar[dict[str, str]] = {
        "first_name": "prs_FirstName",
        "second_name": "prs_SecondName",
        "first_name_ar": "prs_FirstNameAr",
        "second_name_ar": "prs_SecondNameAr",
        "other_names": "prs_OtherNames",
        "sex": "prs_Gender",
        "birth_date": "prs_Birthdate",
        "birth_year": "prs_BirthYear",
        "age_band": "prs_AgeBand",
        "possibly_minor": "prs_PossiblyMinor",
        "nationality": "prs_Nationality",
        "languages": "prs_Languages",
        "documents": "prs_Documents",
        "mobile_phone": "prs_MobilePhone",
    }

    id: str
    first_name: str | None = None
    second_name: str | None = None
    first_name_ar: str | None = None
    second_name_ar: str | None = None
    other_names: tuple[str, ...] = ()
    sex: Sex = Sex.UNKNOWN
    birth_date: date | None = None
    birth_year: int | None = None
    age_band: AgeBand | None = None
    possibly_minor: bool | None = None
    nationality: str | None = None
    languages: tuple[str, ...] = ()
    documents: tuple[Document, ...] = field(default=())
    mobile_phone: str | None = None

    def __post_init__(self) -> None:
        c = Checker()
        c.uuid("id", self.id)
        for name in ("first_name", "second_name"):
            value = getattr(self, name)
            c.text(name, value, max_len=80)
            if value and not is_latin_script(value):
                c.fail(name, N_("Write this name in Latin letters; the Arabic-script field is beside it."))
        for name in ("first_name_ar", "second_name_ar"):
            value = getattr(self, name)
            c.text(name, value, max_len=80)
            if value and not is_arabic_script(value):
                c.fail(name, N_("Write this name in Arabic letters; the Latin field is beside it."))
        for i, other in enumerate(self.other_names):
            c.text(f"other_names.{i}", other, max_len=80, required=True)
        if not isinstance(self.sex, Sex):
            c.fail("sex", N_("Choose one of the listed values."))
        today = date.today()
        c.date_not_future("birth_date", self.birth_date, today)
        # Compare ages only with a usable birth date (a future one would give a negative age).
        birth_date_valid = self.birth_date is not None and not c.errors_for("birth_date")
        if self.birth_year is not None:
            if not isinstance(self.birth_year, int) or not 1900 <= self.birth_year <= today.year:
                c.fail("birth_year", N_("A year between 1900 and this year."))
            elif birth_date_valid and self.birth_date.year != self.birth_year:
                c.fail("birth_year", N_("Does not match the birth date."))
        if self.age_band is not None and birth_date_valid:
            if AgeBand.for_age(self.age_on(today)) is not self.age_band:
                c.fail("age_band", N_("Does not match the birth date."))
        if self.nationality is not None and self.nationality not in country_codes():
            c.fail("nationality", N_("Not an ISO 3166 country code."))
        for i, lang in enumerate(self.languages):
            if not isinstance(lang, str) or not LANGUAGE.match(lang):
                c.fail(f"languages.{i}", N_("Use an ISO 639 language code such as ar, fr, en."))
        for i, doc in enumerate(self.documents):
            if not isinstance(doc, Document):
                c.fail(f"documents.{i}", N_("Not a document."))
            else:
                doc.check(c, f"documents.{i}")
        if self.mobile_phone is not None and not E164.match(self.mobile_phone):
            c.fail("mobile_phone", N_("Use the international form, e.g. +212612345678."))
        c.done()

    # --- derived facts ---------------------------------------------------------------
    def age_on(self, day: date) -> int | None:
        """Exact age when the birth date is known, else an estimate from the birth year."""
        if self.birth_date is not None:
            years = day.year - self.birth_date.year
            if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
                years -= 1
            return years
        if self.birth_year is not None:
            return day.year - self.birth_year
        return None

    def effective_age_band(self, day: date) -> AgeBand | None:
        age = self.age_on(day)
        return AgeBand.for_age(age) if age is not None else self.age_band

    def may_be_minor(self, day: date) -> bool:
        """True whenever the person may be under 18: the child rules then apply."""
        if self.possibly_minor:
            return True
        if self.birth_date is not None:
            return self.age_on(day) < 18
        if self.age_band is not None and self.age_band.is_minor:
            return True
        if self.birth_year is not None:
            # Only the year is known: the birthday may not have come yet this year.
            return day.year - self.birth_year - 1 < 18
        return False

    @property
    def display_name_ar(self) -> str:
        return " ".join(p for p in (self.first_name_ar, self.second_name_ar) if p)

    @property
    def display_name_latin(self) -> str:
        return " ".join(p for p in (self.first_name, self.second_name) if p)
