"""Case, Consent, RiskAssessment, Note and User records: their own validation rules."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from app.domain.case import CASE_NUMBER, Case, Consent, Note, RiskAssessment
from app.domain.checks import new_id
from app.domain.user import Session, User
from app.domain.values import (
    CaseState, ClosureReason, ConsentDecision, ConsentKind, OverrideBasis, RiskLevel, RiskStage, Role,
)
from app.errors import ValidationError

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=timezone.utc)


def fields(error: ValidationError) -> set[str]:
    return {e.field for e in error.errors}


def make_case(**overrides) -> Case:
    values = dict(
        id=new_id(), case_number="HMY-2025-0A1F-00001", person_id=new_id(), scope_id="scope-north",
        state=CaseState.DETECTED, detected_on=date(2025, 3, 13), opened_at=NOW, created_by=new_id(),
        border_post="TNG-MED",
    )
    values.update(overrides)
    return Case(**values)


def case_errors(**overrides) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        make_case(**overrides)
    return excinfo.value


# --- Case ------------------------------------------------------------------------------------

def test_valid_case():
    case = make_case(detecting_agency="DGSN", assigned_to=new_id())
    assert case.state is CaseState.DETECTED
    assert case.htcds_status == "Active"


@pytest.mark.parametrize("number", [
    "HMY-2025-0A1F-00001", "HMY-2031-FFFF-99999", "HMY-2025-ABCD-1234567", "HMY-2025-K7QZ2M9X-00042",
])
def test_case_number_format_accepted(number):
    assert make_case(case_number=number).case_number == number


@pytest.mark.parametrize("number", [
    "HMY-25-ABCD-00001", "HMY-2025-abcd-00001", "HMY-2025-ABCD-0001", "hmy-2025-ABCD-00001",
    "HMY-2025-ABCDEFGHI-00001", "HMY-2025-ABC-00001", "HMY-2025-AB_D-00001", "HMY-2025-ABCD-00001 ", "XYZ-2025-ABCD-00001",
    "", None, 12345,
])
def test_case_number_format_refused(number):
    assert fields(case_errors(case_number=number)) == {"case_number"}


def test_case_number_pattern_is_anchored():
    assert CASE_NUMBER.match("HMY-2025-ABCD-00001")
    assert not CASE_NUMBER.match("xHMY-2025-ABCD-00001")


def test_case_needs_a_border_post_or_an_office():
    error = case_errors(border_post=None, office=None)
    assert fields(error) == {"border_post"}
    assert "border post or the office" in error.errors[0].template


def test_office_alone_is_enough():
    case = make_case(border_post=None, office="Association Amal, Nador")
    assert case.office == "Association Amal, Nador"


@pytest.mark.parametrize("post", ["TNG-MED", "BAB-SEBTA", "CMN-APT", "BR-OUJDA"])
def test_known_border_posts_accepted(post):
    assert make_case(border_post=post).border_post == post


@pytest.mark.parametrize("post", ["XYZ", "tng-med", ""])
def test_unknown_border_post_refused(post):
    error = case_errors(border_post=post)
    assert fields(error) == {"border_post"}
    assert "Unknown" in error.errors[0].template


def test_unknown_detecting_agency_refused():
    assert fields(case_errors(detecting_agency="FBI")) == {"detecting_agency"}


def test_detected_on_cannot_be_in_the_future():
    assert fields(case_errors(detected_on=date.today() + timedelta(days=1))) == {"detected_on"}


def test_closed_case_needs_closure_reason_and_closed_at():
    error = case_errors(state=CaseState.CLOSED)
    assert fields(error) == {"closure_reason", "closed_at"}


def test_closed_case_with_reason_and_date_is_valid():
    case = make_case(state=CaseState.CLOSED, closure_reason=ClosureReason.RETURNED, closed_at=NOW)
    assert case.htcds_status == "Closed"


def test_closed_case_missing_only_the_date():
    assert fields(case_errors(state=CaseState.CLOSED, closure_reason=ClosureReason.RETURNED)) == {"closed_at"}


def test_case_lists_all_failures_at_once():
    error = case_errors(
        id="x", person_id="y", created_by=None, assigned_to="z", case_number="HMY-1",
        scope_id="  ", state="detected", border_post="NOWHERE", detecting_agency="??",
    )
    assert fields(error) == {
        "id", "person_id", "created_by", "assigned_to", "case_number", "scope_id", "state",
        "border_post", "detecting_agency",
    }


@pytest.mark.parametrize("state,status", [
    (CaseState.CLOSED, "Closed"), (CaseState.TRANSFERRED, "ClosedReferred"),
    (CaseState.FOLLOW_UP, "FollowUp"), (CaseState.DETECTED, "Active"),
    (CaseState.IN_ASSISTANCE, "Active"), (CaseState.URGENT_PROTECTION, "Active"),
])
def test_htcds_status(state, status):
    assert state.htcds_status == status


def test_only_closed_and_transferred_are_not_open():
    assert {s for s in CaseState if not s.is_open} == {CaseState.CLOSED, CaseState.TRANSFERRED}


# --- Consent ---------------------------------------------------------------------------------

def make_consent(**overrides) -> Consent:
    values = dict(
        id=new_id(), case_id=new_id(), kind=ConsentKind.SCREENING, decision=ConsentDecision.GIVEN,
        recorded_at=NOW, recorded_by=new_id(),
    )
    values.update(overrides)
    return Consent(**values)


def consent_errors(**overrides) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        make_consent(**overrides)
    return excinfo.value


def test_screening_consent_needs_no_provider():
    consent = make_consent()
    assert consent.allows_referral is False


@pytest.mark.parametrize("provider", [None, "", "   "])
def test_referral_consent_names_a_provider(provider):
    error = consent_errors(kind=ConsentKind.REFERRAL, provider=provider)
    assert fields(error) == {"provider"}


def test_referral_consent_given_allows_the_referral():
    consent = make_consent(kind=ConsentKind.REFERRAL, provider="Fondation Orient-Occident, Rabat")
    assert consent.allows_referral is True


@pytest.mark.parametrize("decision", [ConsentDecision.REFUSED, ConsentDecision.WITHDRAWN])
def test_referral_consent_refused_or_withdrawn_does_not_allow_referral(decision):
    consent = make_consent(kind=ConsentKind.REFERRAL, decision=decision, provider="Shelter A")
    assert consent.allows_referral is False


@pytest.mark.parametrize("basis", list(OverrideBasis))
def test_override_of_refused_referral_allows_referral(basis):
    consent = make_consent(
        kind=ConsentKind.REFERRAL, decision=ConsentDecision.REFUSED, provider="Shelter A",
        override=basis, override_reason="Controller waiting outside the office.",
    )
    assert consent.allows_referral is True


@pytest.mark.parametrize("kind", [ConsentKind.SCREENING, ConsentKind.DATA_TO_SECRETARIAT, ConsentKind.TRANSFER_ABROAD])
def test_override_only_for_a_referral(kind):
    error = consent_errors(kind=kind, decision=ConsentDecision.REFUSED,
                           override=OverrideBasis.DANGER_TO_LIFE, override_reason="Immediate danger to life.")
    assert fields(error) == {"override"}


def test_override_not_with_consent_given():
    error = consent_errors(kind=ConsentKind.REFERRAL, provider="Shelter A", decision=ConsentDecision.GIVEN,
                           override=OverrideBasis.CHILD_BEST_INTERESTS, override_reason="Unaccompanied child of 12.")
    assert fields(error) == {"override"}


def test_override_on_screening_with_consent_given_fails_twice_and_lacks_reason():
    error = consent_errors(override=OverrideBasis.DANGER_TO_LIFE)
    assert len(error.for_field("override")) == 2
    assert fields(error) == {"override", "override_reason"}


@pytest.mark.parametrize("reason,ok", [
    (None, False), ("", False), ("too short", False), ("   short    ", False),
    ("0123456789", True), ("  0123456789  ", True), ("Child of 13 travelling with a non-relative.", True),
])
def test_override_reason_length(reason, ok):
    kwargs = dict(kind=ConsentKind.REFERRAL, decision=ConsentDecision.REFUSED, provider="Shelter A",
                  override=OverrideBasis.CHILD_BEST_INTERESTS, override_reason=reason)
    if ok:
        assert make_consent(**kwargs).override_reason == reason
    else:
        assert fields(consent_errors(**kwargs)) == {"override_reason"}


def test_consent_by_guardian_names_the_guardian():
    assert fields(consent_errors(given_by_guardian=True)) == {"guardian_name"}
    assert make_consent(given_by_guardian=True, guardian_name="Khadija Alaoui").given_by_guardian


def test_consent_provider_with_bidi_override_refused():
    error = consent_errors(kind=ConsentKind.REFERRAL, provider="Shelter \u202eA")
    assert fields(error) == {"provider"}


# --- RiskAssessment --------------------------------------------------------------------------

def make_risk(**answers) -> RiskAssessment:
    return RiskAssessment(id=new_id(), case_id=new_id(), stage=RiskStage.SCREENING,
                          assessed_at=NOW, assessed_by=new_id(), **answers)


def test_risk_without_answers_is_not_urgent():
    risk = make_risk()
    assert risk.urgent_flags == ()
    assert risk.is_urgent is False
    assert risk.retrafficking_risk is RiskLevel.UNKNOWN


@pytest.mark.parametrize("flag", ["immediate_danger", "controller_nearby", "medical_urgency", "shelter_tonight"])
def test_each_urgent_answer_is_flagged(flag):
    risk = make_risk(**{flag: True})
    assert risk.urgent_flags == (flag,)
    assert risk.is_urgent


@pytest.mark.parametrize("flag", ["immediate_danger", "controller_nearby", "medical_urgency", "shelter_tonight"])
def test_false_or_unknown_answers_are_not_flagged(flag):
    assert make_risk(**{flag: False}).urgent_flags == ()
    assert make_risk(**{flag: None}).urgent_flags == ()


def test_high_retrafficking_risk_is_urgent_lower_levels_are_not():
    assert make_risk(retrafficking_risk=RiskLevel.HIGH).urgent_flags == ("retrafficking_risk",)
    for level in (RiskLevel.NONE, RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.UNKNOWN):
        assert not make_risk(retrafficking_risk=level).is_urgent


def test_answers_that_do_not_call_for_action_today():
    risk = make_risk(pregnancy=True, minor_or_unaccompanied=True, return_risk=RiskLevel.HIGH)
    assert risk.urgent_flags == ()


def test_all_urgent_flags_in_a_stable_order():
    risk = make_risk(shelter_tonight=True, immediate_danger=True, retrafficking_risk=RiskLevel.HIGH,
                     medical_urgency=True, controller_nearby=True)
    assert risk.urgent_flags == (
        "immediate_danger", "controller_nearby", "medical_urgency", "shelter_tonight", "retrafficking_risk",
    )


def test_risk_summary_rules():
    with pytest.raises(ValidationError) as excinfo:
        make_risk(summary="x" * 2001)
    assert fields(excinfo.value) == {"summary"}
    with pytest.raises(ValidationError) as excinfo:
        make_risk(summary="safe\u202e")
    assert fields(excinfo.value) == {"summary"}
    assert make_risk(summary="Line one\nLine two\twith tab").summary


def test_risk_ids_are_checked():
    with pytest.raises(ValidationError) as excinfo:
        RiskAssessment(id="1", case_id="2", stage=RiskStage.REVIEW, assessed_at=NOW, assessed_by="3")
    assert fields(excinfo.value) == {"id", "case_id", "assessed_by"}


# --- Note ------------------------------------------------------------------------------------

def test_note_needs_text():
    with pytest.raises(ValidationError) as excinfo:
        Note(new_id(), new_id(), NOW, new_id(), "   ")
    assert fields(excinfo.value) == {"text"}
    assert Note(new_id(), new_id(), NOW, new_id(), "Met at the port with an interpreter.").text


def test_note_length_limit():
    with pytest.raises(ValidationError):
        Note(new_id(), new_id(), NOW, new_id(), "x" * 20001)
    assert len(Note(new_id(), new_id(), NOW, new_id(), "x" * 20000).text) == 20000


# --- User ------------------------------------------------------------------------------------

def make_user(**overrides) -> User:
    values = dict(id=new_id(), username="amina.b", display_name="Amina B.", role=Role.SOCIAL_WORKER,
                  scope_id="scope-north", created_at=NOW)
    values.update(overrides)
    return User(**values)


def user_errors(**overrides) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        make_user(**overrides)
    return excinfo.value


@pytest.mark.parametrize("username", ["abc", "amina", "a.benali", "user_01", "k-alaoui", "a" + "b" * 31])
def test_usernames_accepted(username):
    assert make_user(username=username).username == username


@pytest.mark.parametrize("username", [
    "ab", "1amina", "Amina", "amina benali", "أمينة", "a" + "b" * 32, "-abc", ".abc", "amina@x", "", None, "amïna",
])
def test_usernames_refused(username):
    assert fields(user_errors(username=username)) == {"username"}


def test_border_officer_needs_a_post():
    error = user_errors(role=Role.BORDER_OFFICER)
    assert fields(error) == {"border_post"}
    assert make_user(role=Role.BORDER_OFFICER, border_post="BAB-SEBTA").border_post == "BAB-SEBTA"


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.SUPERVISOR, Role.SECRETARIAT])
def test_other_roles_need_no_post(role):
    assert make_user(role=role).border_post is None


def test_user_unknown_post_refused():
    assert fields(user_errors(border_post="NOWHERE")) == {"border_post"}


def test_user_lists_all_failures_at_once():
    error = user_errors(id="x", username="X", display_name=" ", role="boss", scope_id="")
    assert fields(error) == {"id", "username", "display_name", "role", "scope_id"}


def test_session_role_is_the_users_role():
    user = make_user(role=Role.SUPERVISOR)
    assert Session(user=user, device_id="dev").role is Role.SUPERVISOR
