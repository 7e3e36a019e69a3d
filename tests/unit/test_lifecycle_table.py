"""The NRM lifecycle table: shape, guards, refusals with every reason, moves per role."""

from __future__ import annotations

from collections import Counter, deque

import pytest

from app.domain.values import STATE_LABELS, CaseState, ClosureReason, Role
from app.errors import TransitionRefused
from app.lifecycle import (
    CLOSURE_REASON, MIN_REASON, OUTCOME_RECORDED, REASON, REFERRAL_CONSENT, SCREENING_CONSENT, TABLE,
    CaseFacts, Transition, available, check, find, refusals,
)
from app.permissions import Action, allowed

S = CaseState
B, W, SUP, X = Role.BORDER_OFFICER, Role.SOCIAL_WORKER, Role.SUPERVISOR, Role.SECRETARIAT
GOOD_REASON = "Paper form filled at the port"
ROLE_REFUSAL = "your role may not do this step"


def everything(role: Role = SUP, **overrides) -> CaseFacts:
    """Facts under which every guard holds."""
    values = dict(role=role, screening_consent=True, referral_consent=True, reason=GOOD_REASON,
                  closure_reason=ClosureReason.REINTEGRATED)
    values.update(overrides)
    return CaseFacts(**values)


def row_id(t: Transition) -> str:
    return f"{t.source.value}->{t.target.value}"


# --- shape of the table ----------------------------------------------------------------------

def test_no_duplicate_rows():
    counts = Counter((t.source, t.target) for t in TABLE)
    assert [move for move, n in counts.items() if n > 1] == []


def test_no_row_moves_a_case_to_its_own_state():
    assert [row_id(t) for t in TABLE if t.source is t.target] == []


def test_every_row_is_reachable_from_detected():
    seen = {S.DETECTED}
    queue = deque([S.DETECTED])
    while queue:
        state = queue.popleft()
        for t in TABLE:
            if t.source is state and t.target not in seen:
                seen.add(t.target)
                queue.append(t.target)
    assert [row_id(t) for t in TABLE if t.source not in seen] == []
    assert seen == set(CaseState)


def test_every_state_has_a_way_out():
    assert {s for s in CaseState if not any(t.source is s for t in TABLE)} == set()


def test_every_state_but_detected_has_a_way_in():
    assert {t.target for t in TABLE} == set(CaseState) - {S.DETECTED}


def test_nrm_main_path_is_in_the_table():
    path = [
        (S.DETECTED, S.SCREENING), (S.SCREENING, S.NO_INDICATORS), (S.SCREENING, S.OTHER_VULNERABILITY),
        (S.SCREENING, S.PRESUMED_VICTIM), (S.PRESUMED_VICTIM, S.URGENT_PROTECTION),
        (S.URGENT_PROTECTION, S.REFERRED), (S.PRESUMED_VICTIM, S.REFERRED), (S.REFERRED, S.ACCEPTED),
        (S.ACCEPTED, S.IN_ASSISTANCE), (S.IN_ASSISTANCE, S.FOLLOW_UP), (S.FOLLOW_UP, S.CLOSED),
        (S.IN_ASSISTANCE, S.TRANSFERRED), (S.IN_ASSISTANCE, S.FORMALLY_IDENTIFIED),
    ]
    assert [move for move in path if find(*move) is None] == []


def test_moves_that_the_mechanism_does_not_have():
    for move in [(S.DETECTED, S.CLOSED), (S.DETECTED, S.REFERRED), (S.NO_INDICATORS, S.REFERRED),
                 (S.CLOSED, S.DETECTED), (S.SCREENING, S.ACCEPTED), (S.DETECTED, S.DETECTED)]:
        assert find(*move) is None
        assert refusals(*move, everything()) == ["this move is not part of the referral mechanism's lifecycle"]


def test_rows_only_use_known_guards_and_field_actions():
    known = {SCREENING_CONSENT, OUTCOME_RECORDED, REFERRAL_CONSENT, REASON, CLOSURE_REASON}
    for t in TABLE:
        assert set(t.guards) <= known, row_id(t)
        assert t.action in {Action.RUN_SCREENING, Action.URGENT_REFERRAL, Action.CASE_WORK,
                            Action.APPROVE_CLOSURE}, row_id(t)


def test_find_returns_the_row():
    row = find(S.REFERRED, S.ACCEPTED)
    assert row is not None and row.source is S.REFERRED and row.target is S.ACCEPTED
    assert row.action is Action.CASE_WORK and row.guards == ()


# --- check() ---------------------------------------------------------------------------------

@pytest.mark.parametrize("row", TABLE, ids=row_id)
def test_every_row_passes_when_its_guards_hold(row):
    assert check(row.source, row.target, everything()) is row


@pytest.mark.parametrize("row", [t for t in TABLE if t.guards], ids=row_id)
def test_each_guard_is_the_only_reason_when_it_alone_fails(row):
    failing = {
        "screening_consent": {"screening_consent": False},
        "outcome_recorded": {"reason": None, "screening_outcome": None},
        "referral_consent": {"referral_consent": False},
        "reason": {"reason": None},
        "closure_reason": {"closure_reason": None},
    }
    for guard in row.guards:
        facts = everything(**failing[guard.name])
        assert refusals(row.source, row.target, facts) == [guard.refusal], guard.name


def test_border_officer_closing_without_closure_reason_gets_two_reasons():
    with pytest.raises(TransitionRefused) as excinfo:
        check(S.FOLLOW_UP, S.CLOSED, CaseFacts(role=B))
    assert excinfo.value.reasons == (ROLE_REFUSAL, CLOSURE_REASON.refusal)
    assert excinfo.value.params["source"] == STATE_LABELS[S.FOLLOW_UP]
    assert excinfo.value.params["target"] == STATE_LABELS[S.CLOSED]
    message = str(excinfo.value)
    assert ROLE_REFUSAL in message and CLOSURE_REASON.refusal in message


def test_all_reasons_at_once_for_a_screening_move():
    with pytest.raises(TransitionRefused) as excinfo:
        check(S.DETECTED, S.SCREENING, CaseFacts(role=X))
    assert excinfo.value.reasons == (ROLE_REFUSAL, SCREENING_CONSENT.refusal)


@pytest.mark.parametrize("row", TABLE, ids=row_id)
def test_secretariat_makes_no_move(row):
    assert ROLE_REFUSAL in refusals(row.source, row.target, everything(role=X))


def test_screening_needs_the_persons_consent():
    assert refusals(S.DETECTED, S.SCREENING, CaseFacts(role=B)) == [SCREENING_CONSENT.refusal]
    assert refusals(S.DETECTED, S.SCREENING, CaseFacts(role=B, screening_consent=True)) == []
    assert refusals(S.URGENT_PROTECTION, S.SCREENING, CaseFacts(role=B)) == [SCREENING_CONSENT.refusal]


@pytest.mark.parametrize("outcome", [S.NO_INDICATORS, S.OTHER_VULNERABILITY, S.PRESUMED_VICTIM])
def test_outcome_recorded_by_a_completed_screening(outcome):
    assert refusals(S.SCREENING, outcome, CaseFacts(role=B, screening_outcome=outcome)) == []


def test_outcome_that_the_screening_does_not_recommend_needs_a_reason():
    facts = CaseFacts(role=B, screening_outcome=S.NO_INDICATORS)
    assert refusals(S.SCREENING, S.PRESUMED_VICTIM, facts) == [OUTCOME_RECORDED.refusal]
    assert refusals(S.SCREENING, S.PRESUMED_VICTIM, CaseFacts(role=B)) == [OUTCOME_RECORDED.refusal]


@pytest.mark.parametrize("reason,ok", [
    (None, False), ("", False), ("123456789", False), ("   123456789   ", False),
    ("0123456789", True), ("Paper form: strong DR and EX indicators", True),
])
def test_reason_of_at_least_ten_characters(reason, ok):
    assert MIN_REASON == 10
    facts = CaseFacts(role=W, reason=reason)
    assert facts.has_reason is ok
    assert (refusals(S.SCREENING, S.PRESUMED_VICTIM, facts) == []) is ok
    assert (refusals(S.FOLLOW_UP, S.IN_ASSISTANCE, facts) == []) is ok


def test_referral_needs_consent_or_override():
    assert refusals(S.PRESUMED_VICTIM, S.REFERRED, CaseFacts(role=W)) == [REFERRAL_CONSENT.refusal]
    assert refusals(S.PRESUMED_VICTIM, S.REFERRED, CaseFacts(role=W, referral_consent=True)) == []


def test_border_officer_refers_only_from_urgent_protection():
    consented = CaseFacts(role=B, referral_consent=True)
    assert refusals(S.PRESUMED_VICTIM, S.REFERRED, consented) == [ROLE_REFUSAL]
    assert refusals(S.URGENT_PROTECTION, S.REFERRED, consented) == []
    assert refusals(S.URGENT_PROTECTION, S.REFERRED, CaseFacts(role=B)) == [REFERRAL_CONSENT.refusal]


def test_closure_needs_a_supervisor_and_a_closure_reason():
    assert refusals(S.FOLLOW_UP, S.CLOSED, CaseFacts(role=SUP)) == [CLOSURE_REASON.refusal]
    assert refusals(S.FOLLOW_UP, S.CLOSED, CaseFacts(role=W, closure_reason=ClosureReason.RETURNED)) == [ROLE_REFUSAL]
    assert refusals(S.FOLLOW_UP, S.CLOSED, CaseFacts(role=SUP, closure_reason=ClosureReason.RETURNED)) == []


def test_reopening_needs_a_supervisor_and_a_reason():
    for source in (S.CLOSED, S.TRANSFERRED):
        assert refusals(source, S.FOLLOW_UP, CaseFacts(role=SUP)) == [REASON.refusal]
        assert refusals(source, S.FOLLOW_UP, CaseFacts(role=W, reason=GOOD_REASON)) == [ROLE_REFUSAL]
        assert refusals(source, S.FOLLOW_UP, CaseFacts(role=SUP, reason=GOOD_REASON)) == []


URGENT_ROWS = [t for t in TABLE if t.target is S.URGENT_PROTECTION]


def test_there_are_urgent_protection_rows_from_the_early_states():
    assert {t.source for t in URGENT_ROWS} == {S.DETECTED, S.SCREENING, S.PRESUMED_VICTIM}


@pytest.mark.parametrize("row", URGENT_ROWS, ids=row_id)
@pytest.mark.parametrize("role", [B, W, SUP])
def test_urgent_protection_never_needs_consent(row, role):
    assert SCREENING_CONSENT not in row.guards and REFERRAL_CONSENT not in row.guards
    refused_consent = CaseFacts(role=role, screening_consent=False, referral_consent=False, reason=GOOD_REASON)
    assert check(row.source, row.target, refused_consent) is row


# --- available() -----------------------------------------------------------------------------

@pytest.mark.parametrize("source", list(CaseState))
def test_border_officer_never_sees_closed(source):
    assert S.CLOSED not in {t.target for t in available(source, B)}


@pytest.mark.parametrize("source", list(CaseState))
def test_secretariat_has_no_moves(source):
    assert available(source, X) == []


@pytest.mark.parametrize("source", list(CaseState))
@pytest.mark.parametrize("role", list(Role))
def test_available_is_the_table_filtered_by_role(source, role):
    expected = [t for t in TABLE if t.source is source and allowed(role, t.action)]
    assert available(source, role) == expected


@pytest.mark.parametrize("role,targets", [
    (B, {S.URGENT_PROTECTION}),
    (W, {S.URGENT_PROTECTION, S.REFERRED, S.FORMALLY_IDENTIFIED, S.TRANSFERRED}),
    (SUP, {S.URGENT_PROTECTION, S.REFERRED, S.FORMALLY_IDENTIFIED, S.TRANSFERRED, S.CLOSED}),
    (X, set()),
])
def test_moves_from_presumed_victim_per_role(role, targets):
    assert {t.target for t in available(S.PRESUMED_VICTIM, role)} == targets


def test_supervisor_sees_every_row():
    for source in CaseState:
        assert available(source, SUP) == [t for t in TABLE if t.source is source]
