"""The field codec: every record type round-trips; wrong types are refused."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.case import Case, Consent, Note, RiskAssessment
from app.domain.checks import new_id
from app.domain.codec import decode, encode, from_fields, to_fields
from app.domain.person import Document, Person
from app.domain.user import User
from app.domain.values import (
    AgeBand, CaseState, ClosureReason, ConsentDecision, ConsentKind, DocumentKind, OverrideBasis,
    RiskLevel, RiskStage, Role, Sex,
)
from app.resources import country_codes

TODAY = date.today()
OPENED = datetime(2025, 3, 14, 9, 30, 5, tzinfo=timezone.utc)
CASABLANCA = timezone(timedelta(hours=1))


def full_person() -> Person:
    return Person(
        id=new_id(), first_name="Fatima Zahra", second_name="Benali", first_name_ar="فاطمة الزهراء",
        second_name_ar="بنعلي", other_names=("Fatema", "فاطمة"), sex=Sex.FEMALE,
        birth_date=date(1998, 2, 3), birth_year=1998, possibly_minor=False, nationality="MA",
        languages=("ar", "fr"), mobile_phone="+212612345678",
        documents=(
            Document(DocumentKind.PASSPORT, "AB123456", "MA", date(2031, 5, 1), held_by_person=False),
            Document(DocumentKind.NATIONAL_ID, "X998877"),
        ),
    )


def records() -> list:
    person = full_person()
    case_id = new_id()
    user_id = new_id()
    return [
        person,
        Person(id=new_id()),
        Case(id=case_id, case_number="HMY-2025-ABCD-00042", person_id=person.id, scope_id="scope-north",
             state=CaseState.CLOSED, detected_on=date(2025, 3, 13), opened_at=OPENED, created_by=user_id,
             border_post="TNG-MED", office="Tanger Med, arrivals hall", detecting_agency="DGSN",
             assigned_to=user_id, closed_at=OPENED + timedelta(days=90),
             closure_reason=ClosureReason.REINTEGRATED, screening_outcome=CaseState.PRESUMED_VICTIM,
             closure_approved_by=new_id()),
        Case(id=new_id(), case_number="HMY-2025-ABCD-00043", person_id=person.id, scope_id="scope-north",
             state=CaseState.DETECTED, detected_on=date(2025, 3, 13), opened_at=OPENED, created_by=user_id,
             office="Bureau Oujda"),
        RiskAssessment(id=new_id(), case_id=case_id, stage=RiskStage.BEFORE_RETURN, assessed_at=OPENED,
                       assessed_by=user_id, immediate_danger=True, controller_nearby=False,
                       medical_urgency=None, pregnancy=True, retrafficking_risk=RiskLevel.HIGH,
                       return_risk=RiskLevel.MEDIUM, summary="Debt to recruiter; family contacted."),
        Consent(id=new_id(), case_id=case_id, kind=ConsentKind.REFERRAL, decision=ConsentDecision.REFUSED,
                recorded_at=OPENED, recorded_by=user_id, provider="Centre Amal, Nador",
                given_by_guardian=True, guardian_name="Khadija Alaoui",
                override=OverrideBasis.CHILD_BEST_INTERESTS, override_reason="Unaccompanied child of 14."),
        Note(id=new_id(), case_id=case_id, written_at=OPENED, author=user_id, text="ملاحظة: interpreter present."),
        User(id=user_id, username="amina.b", display_name="أمينة ب.", role=Role.BORDER_OFFICER,
             scope_id="scope-north", created_at=OPENED, border_post="BAB-SEBTA", disabled=True),
    ]


@pytest.mark.parametrize("record", records(), ids=lambda r: type(r).__name__)
def test_round_trip_every_record_type(record):
    fields = to_fields(record)
    assert set(fields) == set(type(record).WIRE.values())
    assert "id" not in fields
    assert from_fields(type(record), record.id, fields) == record


@pytest.mark.parametrize("record", records(), ids=lambda r: type(r).__name__)
def test_round_trip_through_json_text(record):
    text = json.dumps(to_fields(record), ensure_ascii=False)
    assert from_fields(type(record), record.id, json.loads(text)) == record


def test_wire_names_of_a_person_follow_htcds():
    fields = to_fields(full_person())
    assert fields["prs_FirstName"] == "Fatima Zahra"
    assert fields["prs_FirstNameAr"] == "فاطمة الزهراء"
    assert fields["prs_Gender"] == "Female"
    assert fields["prs_Birthdate"] == "1998-02-03"
    assert fields["prs_BirthYear"] == 1998
    assert fields["prs_PossiblyMinor"] is False
    assert fields["prs_Languages"] == ["ar", "fr"]
    assert fields["prs_AgeBand"] is None
    assert fields["prs_Documents"] == [
        {"kind": "passport", "number": "AB123456", "issuing_country": "MA", "expires_on": "2031-05-01",
         "held_by_person": False},
        {"kind": "national_id", "number": "X998877", "issuing_country": None, "expires_on": None,
         "held_by_person": True},
    ]


def test_documents_come_back_as_a_tuple_of_documents():
    person = full_person()
    back = from_fields(Person, person.id, to_fields(person))
    assert isinstance(back.documents, tuple)
    assert all(isinstance(d, Document) for d in back.documents)
    assert back.documents[0].kind is DocumentKind.PASSPORT
    assert back.documents[0].expires_on == date(2031, 5, 1)


def test_enums_encode_to_their_codes_and_decode_to_members():
    case = records()[2]
    fields = to_fields(case)
    assert fields["hmy_State"] == "closed"
    assert fields["cas_ClosureReason"] == "reintegrated"
    assert fields["hmy_ScreeningOutcome"] == "presumed_victim"
    back = from_fields(Case, case.id, fields)
    assert back.state is CaseState.CLOSED
    assert back.closure_reason is ClosureReason.REINTEGRATED


def test_datetimes_encode_in_utc_with_z():
    assert encode(OPENED) == "2025-03-14T09:30:05Z"
    local = datetime(2025, 3, 14, 10, 30, 5, tzinfo=CASABLANCA)
    assert encode(local) == "2025-03-14T09:30:05Z"


def test_datetimes_decode_to_aware_utc():
    decoded = decode("2025-03-14T10:30:05+01:00", datetime)
    assert decoded == OPENED
    assert decoded.tzinfo == timezone.utc
    assert decode("2025-03-14T09:30:05Z", datetime).utcoffset() == timedelta(0)


def test_case_with_local_time_round_trips_as_the_same_instant():
    case = records()[3]
    local = dataclasses.replace(case, opened_at=datetime(2025, 3, 14, 10, 30, 5, tzinfo=CASABLANCA))
    fields = to_fields(local)
    assert fields["cas_OpenedDate"] == "2025-03-14T09:30:05Z"
    back = from_fields(Case, local.id, fields)
    assert back.opened_at == OPENED and back.opened_at.tzinfo == timezone.utc


def test_dates_encode_as_iso_dates():
    assert encode(date(2025, 1, 2)) == "2025-01-02"
    assert decode("2025-01-02", date) == date(2025, 1, 2)


def test_missing_fields_take_defaults_and_unknown_fields_are_ignored():
    pid = new_id()
    person = from_fields(Person, pid, {"prs_FirstName": "Ali", "prs_Unknown": 1, "hmy_Future": [1, 2]})
    assert person == Person(id=pid, first_name="Ali")


def test_nulls_decode_to_none():
    pid = new_id()
    person = from_fields(Person, pid, {"prs_Birthdate": None, "prs_Nationality": None, "prs_BirthYear": None})
    assert person == Person(id=pid)


@pytest.mark.parametrize("wire,raw,error", [
    ("prs_BirthYear", "1990", TypeError),
    ("prs_BirthYear", True, TypeError),
    ("prs_BirthYear", 1990.0, TypeError),
    ("prs_PossiblyMinor", "yes", TypeError),
    ("prs_PossiblyMinor", 1, TypeError),
    ("prs_Gender", "Martian", ValueError),
    ("prs_AgeBand", "18-25", ValueError),
    ("prs_Birthdate", 20000101, TypeError),
    ("prs_Birthdate", "2000-13-01", ValueError),
    ("prs_Languages", "ar", TypeError),
    ("prs_Languages", [1], TypeError),
    ("prs_Documents", ["passport"], TypeError),
    ("prs_Documents", {"kind": "passport"}, TypeError),
    ("prs_FirstName", 42, TypeError),
    ("prs_FirstName", ["Ali"], TypeError),
])
def test_person_type_mismatches_are_refused(wire, raw, error):
    with pytest.raises(error):
        from_fields(Person, new_id(), {wire: raw})


@pytest.mark.parametrize("wire,raw,error", [
    ("cas_OpenedDate", "2025-03-14T09:30:05", ValueError),  # no time zone
    ("cas_OpenedDate", "yesterday", ValueError),
    ("cas_OpenedDate", 1741944605, TypeError),
    ("hmy_State", "archived", ValueError),
    ("hmy_DetectedOn", ["2025-03-13"], TypeError),
    ("cas_CaseNumber", 42, TypeError),
])
def test_case_type_mismatches_are_refused(wire, raw, error):
    fields = to_fields(records()[3])
    fields[wire] = raw
    with pytest.raises(error):
        from_fields(Case, new_id(), fields)


def test_bad_document_inside_a_list_is_refused():
    with pytest.raises(ValueError):
        from_fields(Person, new_id(), {"prs_Documents": [{"kind": "tattoo", "number": "1"}]})
    with pytest.raises(TypeError):
        from_fields(Person, new_id(), {"prs_Documents": [{"kind": "passport", "number": "1", "held_by_person": "no"}]})


def test_decoded_values_are_still_validated_by_the_record():
    from app.errors import ValidationError
    with pytest.raises(ValidationError):
        from_fields(Person, new_id(), {"prs_Nationality": "XX"})


# --- property-based round trip of Person -----------------------------------------------------

ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهويةءأإآىؤئ"
LATIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèêëàâïîôûçÉÀ"
COUNTRIES = sorted(country_codes())


def name_in(alphabet: str) -> st.SearchStrategy[str]:
    word = st.text(alphabet=alphabet, min_size=1, max_size=12)
    return st.lists(word, min_size=1, max_size=3).map(" ".join)


def optional(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.none() | strategy


documents = st.builds(
    Document,
    kind=st.sampled_from(list(DocumentKind)),
    number=st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=40),
    issuing_country=optional(st.sampled_from(COUNTRIES)),
    expires_on=optional(st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31))),
    held_by_person=st.booleans(),
)


@st.composite
def age_facts(draw) -> dict:
    """Age facts that are consistent with each other, as validation demands."""
    kind = draw(st.sampled_from(["none", "date", "year", "band"]))
    if kind == "date":
        born = draw(st.dates(min_value=date(1920, 1, 1), max_value=TODAY))
        facts = {"birth_date": born}
        if draw(st.booleans()):
            facts["birth_year"] = born.year
        if draw(st.booleans()):
            facts["age_band"] = Person(id=new_id(), birth_date=born).effective_age_band(TODAY)
        return facts
    if kind == "year":
        return {"birth_year": draw(st.integers(1920, TODAY.year)),
                "age_band": draw(optional(st.sampled_from(list(AgeBand))))}
    if kind == "band":
        return {"age_band": draw(st.sampled_from(list(AgeBand)))}
    return {}


@st.composite
def persons(draw) -> Person:
    return Person(
        id=new_id(),
        first_name=draw(optional(name_in(LATIN))),
        second_name=draw(optional(name_in(LATIN))),
        first_name_ar=draw(optional(name_in(ARABIC))),
        second_name_ar=draw(optional(name_in(ARABIC))),
        other_names=tuple(draw(st.lists(name_in(LATIN) | name_in(ARABIC), max_size=3))),
        sex=draw(st.sampled_from(list(Sex))),
        possibly_minor=draw(optional(st.booleans())),
        nationality=draw(optional(st.sampled_from(COUNTRIES))),
        languages=tuple(draw(st.lists(st.sampled_from(["ar", "fr", "en", "es", "ber", "zgh", "wo"]), max_size=3))),
        documents=tuple(draw(st.lists(documents, max_size=3))),
        mobile_phone=draw(optional(st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True))),
        **draw(age_facts()),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(persons())
def test_person_round_trip_property(person):
    fields = to_fields(person)
    assert from_fields(Person, person.id, fields) == person
    assert from_fields(Person, person.id, json.loads(json.dumps(fields))) == person


@settings(max_examples=100, deadline=None)
@given(
    st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2100, 1, 1)).map(
        lambda d: d.replace(microsecond=0)),
    st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m))),
)
def test_datetime_round_trip_property(naive, tz):
    moment = naive.replace(tzinfo=tz)
    text = encode(moment)
    assert text.endswith("Z")
    back = decode(text, datetime)
    assert back == moment
    assert back.utcoffset() == timedelta(0)
