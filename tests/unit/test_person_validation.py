"""Person and Document: names by script, hidden controls, codes, phone, age facts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.domain.checks import Checker, new_id
from app.domain.person import Document, Person
from app.domain.values import AgeBand, DocumentKind, Sex
from app.errors import ValidationError

TODAY = date.today()


def fields_of_error(error: ValidationError) -> set[str]:
    return {e.field for e in error.errors}


def refused(**kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        Person(id=kwargs.pop("id", new_id()), **kwargs)
    return excinfo.value


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# --- a valid person ------------------------------------------------------------------------

def test_minimal_person_is_valid_and_defaults_to_unknown_sex():
    person = Person(id=new_id())
    assert person.sex is Sex.UNKNOWN
    assert person.display_name_ar == ""
    assert person.display_name_latin == ""


def test_full_person_is_valid():
    born = years_before(TODAY, 30) - timedelta(days=40)
    person = Person(
        id=new_id(),
        first_name="Youssef", second_name="El Amrani",
        first_name_ar="يوسف", second_name_ar="العمراني",
        other_names=("Yusuf", "يوسف العمراني"),
        sex=Sex.MALE, birth_date=born, birth_year=born.year, age_band=AgeBand.A30_38,
        possibly_minor=False, nationality="MA", languages=("ar", "fr", "ber"),
        documents=(Document(DocumentKind.PASSPORT, "AB123456", "MA", TODAY + timedelta(days=300)),),
        mobile_phone="+212612345678",
    )
    assert person.display_name_ar == "يوسف العمراني"
    assert person.display_name_latin == "Youssef El Amrani"


@pytest.mark.parametrize("bad_id", ["", "not-a-uuid", "0F8FAD5B-D9CB-469F-A165-70867728950E", 42])
def test_id_must_be_a_canonical_uuid(bad_id):
    assert fields_of_error(refused(id=bad_id)) == {"id"}


# --- names and scripts ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Mohamed", "Aïcha", "Youssef-Amine", "O'Neil", "Zoé Hélène", "Ahmed 2"])
def test_latin_names_accepted_in_latin_fields(name):
    assert Person(id=new_id(), first_name=name, second_name=name).first_name == name


@pytest.mark.parametrize("name", ["محمد", "عبد الله", "مُحَمَّد", "فاطمة الزهراء", "أحمد", "إبراهيم", "ی\u200cک"])
def test_arabic_names_accepted_in_arabic_fields(name):
    assert Person(id=new_id(), first_name_ar=name, second_name_ar=name).first_name_ar == name


@pytest.mark.parametrize("field", ["first_name", "second_name"])
@pytest.mark.parametrize("name", ["محمد", "Mohamed محمد", "Алексей", "123", "-"])
def test_latin_field_refuses_other_scripts_or_no_letters(field, name):
    error = refused(**{field: name})
    assert fields_of_error(error) == {field}
    assert "Latin" in error.for_field(field)[0].template


@pytest.mark.parametrize("field", ["first_name_ar", "second_name_ar"])
@pytest.mark.parametrize("name", ["Mohamed", "محمد Mohamed", "Мухаммед", "123"])
def test_arabic_field_refuses_other_scripts(field, name):
    error = refused(**{field: name})
    assert fields_of_error(error) == {field}
    assert "Arabic" in error.for_field(field)[0].template


def test_empty_optional_names_are_accepted():
    assert Person(id=new_id(), first_name="", first_name_ar="").first_name == ""


@pytest.mark.parametrize("control", [
    "\u202e",  # right-to-left override
    "\u202d",  # left-to-right override
    "\u2066",  # left-to-right isolate
    "\u2067",  # right-to-left isolate
    "\u200f",  # right-to-left mark
    "\u061c",  # Arabic letter mark
    "\u200b",  # zero width space
    "\ufeff",  # byte order mark
    "\x00",
    "\x1b",
])
@pytest.mark.parametrize("field,base", [
    ("first_name", "Ahmed"), ("second_name", "Bennani"),
    ("first_name_ar", "أحمد"), ("second_name_ar", "بناني"),
])
def test_hidden_and_bidi_controls_are_refused_in_names(control, field, base):
    error = refused(**{field: base[:2] + control + base[2:]})
    assert field in fields_of_error(error)
    assert any("invisible control" in e.template for e in error.for_field(field))


def test_bidi_override_refused_in_other_names_with_index():
    error = refused(other_names=("Ali", "Ali\u202eilA"))
    assert fields_of_error(error) == {"other_names.1"}


def test_joiners_needed_by_arabic_script_are_allowed():
    assert Person(id=new_id(), first_name_ar="مح\u200dمد", second_name_ar="نو\u200cر").id


def test_blank_other_name_is_refused():
    assert fields_of_error(refused(other_names=("Ali", "  "))) == {"other_names.1"}


def test_name_longer_than_80_characters_is_refused():
    error = refused(first_name="A" * 81)
    assert fields_of_error(error) == {"first_name"}
    assert error.for_field("first_name")[0].params == {"limit": 80}
    assert Person(id=new_id(), first_name="A" * 80).first_name == "A" * 80


# --- codes, phone, languages ---------------------------------------------------------------

@pytest.mark.parametrize("code", ["MA", "SN", "CI", "NG", "SY", "XK"])
def test_known_nationality_codes_accepted(code):
    assert Person(id=new_id(), nationality=code).nationality == code


@pytest.mark.parametrize("code", ["ma", "MAR", "XX", "", "Maroc", "M A"])
def test_unknown_nationality_codes_refused(code):
    assert fields_of_error(refused(nationality=code)) == {"nationality"}


@pytest.mark.parametrize("phone", ["+212612345678", "+33612345678", "+1234567", "+123456789012345"])
def test_e164_phone_numbers_accepted(phone):
    assert Person(id=new_id(), mobile_phone=phone).mobile_phone == phone


@pytest.mark.parametrize("phone", [
    "0612345678", "212612345678", "+0612345678", "+212 612 345 678", "+212-612345678",
    "+123456", "+1234567890123456", "", "+٢١٢٦١٢٣٤٥٦٧٨",
])
def test_non_e164_phone_numbers_refused(phone):
    assert fields_of_error(refused(mobile_phone=phone)) == {"mobile_phone"}


def test_language_codes_checked_one_by_one():
    error = refused(languages=("ar", "Arabic", "fr", "EN"))
    assert fields_of_error(error) == {"languages.1", "languages.3"}


def test_sex_must_be_a_listed_value():
    assert fields_of_error(refused(sex="M")) == {"sex"}


# --- dates and ages --------------------------------------------------------------------------

def test_birth_date_today_is_accepted():
    assert Person(id=new_id(), birth_date=TODAY).age_on(TODAY) == 0


def test_birth_date_in_future_is_refused():
    error = refused(birth_date=TODAY + timedelta(days=1))
    assert fields_of_error(error) == {"birth_date"}
    assert "future" in error.errors[0].template


def test_birth_date_in_future_with_an_age_band_is_a_validation_error_not_a_crash():
    error = refused(birth_date=TODAY + timedelta(days=400), age_band=AgeBand.A0_8)
    assert fields_of_error(error) == {"birth_date"}


def test_birth_date_before_1900_is_refused():
    assert fields_of_error(refused(birth_date=date(1899, 12, 31))) == {"birth_date"}


def test_birth_date_must_be_a_date_not_a_datetime_or_text():
    from datetime import datetime
    assert "birth_date" in fields_of_error(refused(birth_date=datetime(2000, 1, 1)))
    assert fields_of_error(refused(birth_date="2000-01-01")) == {"birth_date"}


def test_birth_year_matching_birth_date_is_accepted():
    assert Person(id=new_id(), birth_date=date(1995, 7, 1), birth_year=1995).birth_year == 1995


def test_birth_year_mismatch_with_birth_date_is_refused():
    error = refused(birth_date=date(1995, 7, 1), birth_year=1996)
    assert fields_of_error(error) == {"birth_year"}
    assert "birth date" in error.errors[0].template


@pytest.mark.parametrize("year", [1899, TODAY.year + 1, "1990", 1990.0])
def test_birth_year_out_of_range_or_not_a_whole_number_is_refused(year):
    assert fields_of_error(refused(birth_year=year)) == {"birth_year"}


def test_age_band_consistent_with_birth_date_is_accepted():
    born = years_before(TODAY, 25)
    assert Person(id=new_id(), birth_date=born, age_band=AgeBand.A24_26).age_band is AgeBand.A24_26


def test_age_band_mismatch_with_birth_date_is_refused():
    error = refused(birth_date=years_before(TODAY, 30), age_band=AgeBand.A9_17)
    assert fields_of_error(error) == {"age_band"}


def test_age_band_is_not_checked_against_an_estimated_birth_year():
    person = Person(id=new_id(), birth_year=TODAY.year - 30, age_band=AgeBand.A27_29)
    assert person.age_band is AgeBand.A27_29


def test_every_failing_field_is_listed_at_once():
    error = refused(
        id="nope", first_name="محمد", first_name_ar="Mohamed", nationality="XX",
        mobile_phone="0612345678", birth_date=TODAY + timedelta(days=3), languages=("ARA",),
        documents=(Document(DocumentKind.PASSPORT, "", "ZZ"),),
    )
    assert fields_of_error(error) == {
        "id", "first_name", "first_name_ar", "nationality", "mobile_phone", "birth_date",
        "languages.0", "documents.0.number", "documents.0.issuing_country",
    }
    for name in ("first_name", "nationality", "mobile_phone"):
        assert name in str(error)


# --- derived age facts -----------------------------------------------------------------------

DAY = date(2024, 6, 15)


def test_age_on_counts_whole_years_from_the_birth_date():
    person = Person(id=new_id(), birth_date=date(2006, 6, 16))
    assert person.age_on(DAY) == 17
    assert person.age_on(date(2024, 6, 16)) == 18


def test_age_on_estimates_from_birth_year_and_is_none_when_unknown():
    assert Person(id=new_id(), birth_year=2000).age_on(DAY) == 24
    assert Person(id=new_id()).age_on(DAY) is None


def test_effective_age_band_prefers_known_age_over_declared_band():
    assert Person(id=new_id(), birth_date=date(2000, 1, 1)).effective_age_band(DAY) is AgeBand.A24_26
    assert Person(id=new_id(), age_band=AgeBand.A9_17).effective_age_band(DAY) is AgeBand.A9_17
    assert Person(id=new_id()).effective_age_band(DAY) is None


@pytest.mark.parametrize("kwargs,expected", [
    ({}, False),
    ({"possibly_minor": True}, True),
    ({"possibly_minor": False}, False),
    ({"possibly_minor": True, "birth_date": date(1980, 1, 1)}, True),  # the flag always counts
    ({"age_band": AgeBand.A0_8}, True),
    ({"age_band": AgeBand.A9_17}, True),
    ({"age_band": AgeBand.A18_20}, False),
    ({"age_band": AgeBand.A48_PLUS}, False),
    ({"birth_date": date(2006, 6, 16)}, True),   # 17, one day before the 18th birthday
    ({"birth_date": date(2006, 6, 15)}, False),  # 18 today
    ({"birth_date": date(2015, 2, 1)}, True),
    ({"birth_year": 2010}, True),
    ({"birth_year": 2006}, True),    # 17 or 18: born later in 2006 would still be a child
    ({"birth_year": 2005}, False),   # 18 or 19
    ({"birth_year": 1990}, False),
    ({"birth_year": 1990, "age_band": AgeBand.A9_17}, True),  # contradicting facts: be careful
])
def test_may_be_minor(kwargs, expected):
    assert Person(id=new_id(), **kwargs).may_be_minor(DAY) is expected


# --- documents -------------------------------------------------------------------------------

def test_document_defaults():
    doc = Document(DocumentKind.NATIONAL_ID, "X1")
    assert doc.held_by_person is True and doc.issuing_country is None and doc.expires_on is None


def test_document_check_reports_with_prefix():
    checker = Checker()
    Document(DocumentKind.PASSPORT, "", "QQ").check(checker, "documents.3")
    assert [e.field for e in checker.errors] == ["documents.3.number", "documents.3.issuing_country"]


@pytest.mark.parametrize("number,ok", [
    ("AB123456", True), ("A" * 40, True), ("A" * 41, False), ("  ", False), ("AB\u202e654321", False),
])
def test_document_number_rules(number, ok):
    doc = Document(DocumentKind.PASSPORT, number, "SN")
    if ok:
        assert Person(id=new_id(), documents=(doc,)).documents == (doc,)
    else:
        assert fields_of_error(refused(documents=(doc,))) == {"documents.0.number"}


def test_document_taken_from_person_is_recorded():
    doc = Document(DocumentKind.PASSPORT, "P0001", "NG", held_by_person=False)
    assert Person(id=new_id(), documents=(doc,)).documents[0].held_by_person is False


def test_non_document_in_documents_is_refused():
    good = Document(DocumentKind.PASSPORT, "P1")
    assert fields_of_error(refused(documents=(good, {"kind": "passport"}))) == {"documents.1"}
