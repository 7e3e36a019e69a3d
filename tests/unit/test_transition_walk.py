"""The lifecycle walked completely through the case SERVICE, for each role.

For every (source, target) pair of states and every role, a case is seeded in ``source``
with every fact the guards look at (screening and referral consent, a screening outcome, a
reason, a closure reason), and ``CaseService.move`` is called. A move that the transition
table (``app.lifecycle.TABLE``) has and the role may make (``app.permissions.MATRIX``)
must succeed with one CASE_TRANSITION audit entry naming it; every other move must be
refused with its reason and write nothing. Then each guard is shown to refuse, alone,
when its fact is missing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fakes import FakeCaseStore, FakeClock, make_user, session_for

from app.domain.audit import AuditAction
from app.domain.case import Case, Consent, Note
from app.domain.checks import new_id
from app.domain.person import Person
from app.domain.values import CaseState, ClosureReason, ConsentDecision, ConsentKind, Role, Sex
from app.errors import PermissionDenied, TransitionRefused
from app.lifecycle import (
    CLOSURE_REASON, OUTCOME_RECORDED, REASON, REFERRAL_CONSENT, SCREENING_CONSENT, TABLE, Guard, Transition, find,
)
from app.permissions import allowed
from app.services.cases import CaseService

S = CaseState
GOOD_REASON = "Explained to the team on the phone"
NOT_IN_TABLE = "this move is not part of the referral mechanism's lifecycle"
ROLE_REFUSAL = "your role may not do this step"
PROVIDER = "Centre d'accueil (exemple), Tanger"


class Walk:
    """A fresh fake store with one user of each role who can all see the seeded case."""

    def __init__(self) -> None:
        self.store = FakeCaseStore()
        self.clock = FakeClock()
        self.service = CaseService(self.store, self.clock)
        self.users = {
            Role.BORDER_OFFICER: make_user("officer.tngmed", Role.BORDER_OFFICER, border_post="TNG-MED"),
            Role.SOCIAL_WORKER: make_user("worker.north", Role.SOCIAL_WORKER),
            Role.SUPERVISOR: make_user("super.north", Role.SUPERVISOR),
            Role.SECRETARIAT: make_user("secretariat", Role.SECRETARIAT, scope_id="national"),
        }
        self.store.seed(*self.users.values())

    def seed(self, state: CaseState, *, screening_consent: ConsentDecision | None = ConsentDecision.GIVEN,
             referral_consent: ConsentDecision | None = ConsentDecision.GIVEN,
             outcome: CaseState | None = S.PRESUMED_VICTIM) -> Case:
        """A case in ``state`` stored directly, with the consents asked for."""
        now = self.clock.now()
        officer = self.users[Role.BORDER_OFFICER]
        person = Person(id=new_id(), first_name="Aminata", sex=Sex.FEMALE, birth_year=now.year - 28,
                        nationality="SN")
        closed = state is S.CLOSED
        case = Case(
            id=new_id(), case_number=f"HMY-{now.year}-ABCD-{len(self.store.all(Case)) + 1:05d}",
            person_id=person.id, scope_id="scope-north", state=state, detected_on=now.date() - timedelta(days=30),
            opened_at=now - timedelta(days=30), created_by=officer.id, border_post="TNG-MED",
            assigned_to=officer.id, screening_outcome=outcome if state is not S.DETECTED else None,
            closed_at=now - timedelta(days=1) if closed else None,
            closure_reason=ClosureReason.REINTEGRATED if closed else None,
            closure_approved_by=self.users[Role.SUPERVISOR].id if closed else None,
        )
        records: list = [person, case]
        stamp = now - timedelta(days=29)
        if screening_consent is not None:
            records.append(self._consent(case, ConsentKind.SCREENING, screening_consent, stamp, None))
        if referral_consent is not None:
            records.append(self._consent(case, ConsentKind.REFERRAL, referral_consent, stamp, PROVIDER))
        self.store.seed(*records)
        return case

    def _consent(self, case: Case, kind: ConsentKind, decision: ConsentDecision, at: datetime,
                 provider: str | None) -> Consent:
        return Consent(id=new_id(), case_id=case.id, kind=kind, decision=decision, recorded_at=at,
                       recorded_by=self.users[Role.BORDER_OFFICER].id, provider=provider)

    def snapshot(self) -> tuple:
        return dict(self.store.records), list(self.store.entries), list(self.store.changes)

    def move(self, role: Role, case: Case, target: CaseState, **kwargs) -> Case:
        return self.service.move(session_for(self.users[role], self.store.device_id), case.id, target, **kwargs)


def _kwargs(target: CaseState, reason: str | None = GOOD_REASON) -> dict:
    """Every fact a move could need: a reason, and a closure reason for a closure."""
    return {"reason": reason, "closure_reason": ClosureReason.REINTEGRATED if target is S.CLOSED else None}


def _expected(source: CaseState, target: CaseState, role: Role) -> Transition | None:
    row = find(source, target)
    return row if row is not None and allowed(role, row.action) else None


WALK = [(source, target, role) for source in CaseState for target in CaseState for role in Role]


@pytest.mark.parametrize("source,target,role", WALK,
                         ids=[f"{s.value}->{t.value}-{r.value}" for s, t, r in WALK])
def test_every_move_for_every_role(source, target, role):
    walk = Walk()
    case = walk.seed(source)
    before = walk.snapshot()
    entries_before = len(walk.store.entries)
    row = _expected(source, target, role)
    if row is not None:
        moved = walk.move(role, case, target, **_kwargs(target))
        assert moved.state is target, f"{role.value} could not move {source.value} -> {target.value}"
        assert walk.store.get(Case, case.id) == moved
        new_entries = walk.store.entries[entries_before:]
        assert [e.event.action for e in new_entries] == [AuditAction.CASE_TRANSITION], \
            f"{source.value} -> {target.value} by {role.value}: audit {[e.event.action for e in new_entries]}"
        details = new_entries[0].event.details
        assert (details["from"], details["to"]) == (source.value, target.value)
        assert new_entries[0].event.actor_id == walk.users[role].id
        assert new_entries[0].event.record_id == case.id
        notes = walk.store.for_case(Note, case.id)
        assert [n.text for n in notes] == [GOOD_REASON]  # the reason goes to a note, not the audit
        if target is S.CLOSED:
            assert moved.closure_reason is ClosureReason.REINTEGRATED and moved.closed_at is not None
            assert moved.closure_approved_by == walk.users[role].id
        if source is S.CLOSED:  # reopened
            assert moved.closure_reason is None and moved.closed_at is None
        return
    with pytest.raises((TransitionRefused, PermissionDenied)) as info:
        walk.move(role, case, target, **_kwargs(target))
    assert walk.snapshot() == before, f"refused {source.value} -> {target.value} by {role.value} wrote something"
    reasons = getattr(info.value, "reasons", None) or (info.value.render(),)
    assert reasons and all(r.strip() for r in reasons)
    if find(source, target) is None:
        assert reasons == (NOT_IN_TABLE,), (source, target, role, reasons)
    else:  # in the table, all guards hold: only the role stands in the way
        assert reasons == (ROLE_REFUSAL,), (source, target, role, reasons)


def test_the_walk_covers_every_pair_and_the_allowed_moves_are_the_table_filtered_by_role():
    assert len(WALK) == len(CaseState) ** 2 * len(Role) == 676
    allowed_moves = {(s, t, r) for s, t, r in WALK if _expected(s, t, r) is not None}
    assert allowed_moves == {(row.source, row.target, role) for row in TABLE for role in Role
                             if allowed(role, row.action)}
    assert not any(r is Role.SECRETARIAT for _s, _t, r in allowed_moves)
    assert {(s, t) for s, t, r in allowed_moves if r is Role.SUPERVISOR} == {(row.source, row.target) for row in TABLE}


# --- each guard refuses alone when its fact is missing -------------------------------------------

def _missing(guard: Guard) -> dict:
    """How to seed and move so that only ``guard``'s fact is missing."""
    if guard is SCREENING_CONSENT:
        return {"seed": {"screening_consent": None}}
    if guard is OUTCOME_RECORDED:
        return {"seed": {"outcome": None}, "reason": None}
    if guard is REFERRAL_CONSENT:
        return {"seed": {"referral_consent": None}}
    if guard is REASON:
        return {"reason": None}
    if guard is CLOSURE_REASON:
        return {"closure": None}
    raise AssertionError(f"unknown guard {guard.name}")


GUARDED = [(row, guard) for row in TABLE for guard in row.guards]


@pytest.mark.parametrize("row,guard", GUARDED,
                         ids=[f"{r.source.value}->{r.target.value}-{g.name}" for r, g in GUARDED])
def test_each_guard_refuses_alone_when_its_fact_is_missing(row, guard):
    walk = Walk()
    how = _missing(guard)
    case = walk.seed(row.source, **how.get("seed", {}))
    kwargs = _kwargs(row.target, how.get("reason", GOOD_REASON))
    if "closure" in how:
        kwargs["closure_reason"] = None
    before = walk.snapshot()
    with pytest.raises(TransitionRefused) as info:
        walk.move(Role.SUPERVISOR, case, row.target, **kwargs)
    assert info.value.reasons == (guard.refusal,)
    assert walk.snapshot() == before
    # and the same move goes through once the fact is there
    assert walk.move(Role.SUPERVISOR, walk.seed(row.source), row.target, **_kwargs(row.target)).state is row.target


@pytest.mark.parametrize("decision", [ConsentDecision.REFUSED, ConsentDecision.WITHDRAWN, ConsentDecision.NOT_OBTAINED])
def test_a_consent_not_given_is_no_consent(decision):
    walk = Walk()
    screening = walk.seed(S.DETECTED, screening_consent=decision)
    with pytest.raises(TransitionRefused) as info:
        walk.move(Role.BORDER_OFFICER, screening, S.SCREENING)
    assert info.value.reasons == (SCREENING_CONSENT.refusal,)
    referral = walk.seed(S.PRESUMED_VICTIM, referral_consent=decision)
    with pytest.raises(TransitionRefused) as info:
        walk.move(Role.SOCIAL_WORKER, referral, S.REFERRED)
    assert info.value.reasons == (REFERRAL_CONSENT.refusal,)


@pytest.mark.parametrize("outcome", [S.NO_INDICATORS, S.OTHER_VULNERABILITY, S.PRESUMED_VICTIM])
def test_a_recorded_screening_outcome_needs_no_reason_but_only_for_itself(outcome):
    walk = Walk()
    case = walk.seed(S.SCREENING, outcome=outcome)
    for other in {S.NO_INDICATORS, S.OTHER_VULNERABILITY, S.PRESUMED_VICTIM} - {outcome}:
        with pytest.raises(TransitionRefused) as info:
            walk.move(Role.BORDER_OFFICER, case, other)
        assert info.value.reasons == (OUTCOME_RECORDED.refusal,)
    moved = walk.move(Role.BORDER_OFFICER, case, outcome)
    assert moved.state is outcome and moved.screening_outcome is outcome
    assert walk.store.for_case(Note, case.id) == []  # no reason given, no note


def test_every_guard_of_the_table_is_exercised():
    assert {g for _row, g in GUARDED} == {SCREENING_CONSENT, OUTCOME_RECORDED, REFERRAL_CONSENT, REASON,
                                          CLOSURE_REASON}
