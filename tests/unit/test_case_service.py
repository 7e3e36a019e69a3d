"""CaseService on an in-memory store: registration, visibility, the lifecycle, consent."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from fakes import FakeCaseStore, FakeClock, make_user, session_for

from app.domain.audit import AuditAction, verify_chain
from app.domain.case import CASE_NUMBER, Case, Consent, Note, RiskAssessment
from app.domain.checks import new_id
from app.domain.person import Person
from app.domain.values import (
    AgeBand, CaseState, ClosureReason, ConsentDecision, ConsentKind, OverrideBasis, RiskLevel, RiskStage, Role,
    Sex,
)
from app.errors import NotFound, PermissionDenied, TransitionRefused, ValidationError
from app.lifecycle import CLOSURE_REASON, OUTCOME_RECORDED, REFERRAL_CONSENT, SCREENING_CONSENT
from app.ports import CaseQuery
from app.services.cases import CaseService

S = CaseState
ROLE_REFUSAL = "your role may not do this step"


class World:
    """A device with users of two posts in one scope, a second scope and the secretariat."""

    def __init__(self) -> None:
        self.store = FakeCaseStore()
        self.clock = FakeClock()
        self.service = CaseService(self.store, self.clock)
        self.officer_a = make_user("officer.a", Role.BORDER_OFFICER, border_post="TNG-MED")
        self.officer_b = make_user("officer.b", Role.BORDER_OFFICER, border_post="BAB-SEBTA")
        self.worker = make_user("worker.north", Role.SOCIAL_WORKER)
        self.supervisor = make_user("super.north", Role.SUPERVISOR)
        self.worker_south = make_user("worker.south", Role.SOCIAL_WORKER, scope_id="scope-south")
        self.secretariat = make_user("secretariat", Role.SECRETARIAT, scope_id="national")
        self.store.seed(self.officer_a, self.officer_b, self.worker, self.supervisor, self.worker_south,
                        self.secretariat)

    def s(self, user):
        return session_for(user, self.store.device_id)

    def register(self, user=None, person: Person | None = None, **kwargs) -> Case:
        user = user or self.officer_a
        return self.service.register(self.s(user), person or adult(), **kwargs)


def adult(**kwargs) -> Person:
    values = dict(id=new_id(), first_name="Samuel", first_name_ar="صامويل", sex=Sex.MALE,
                  birth_year=date.today().year - 30, nationality="NG")
    values.update(kwargs)
    return Person(**values)


@pytest.fixture
def world() -> World:
    return World()


def snapshot(store: FakeCaseStore):
    return dict(store.records), list(store.entries), list(store.changes)


# --- register --------------------------------------------------------------------------------

@pytest.mark.parametrize("role,kwargs", [
    (Role.BORDER_OFFICER, {}),
    (Role.SOCIAL_WORKER, {"office": "Bureau régional, Tanger"}),
    (Role.SUPERVISOR, {"border_post": "CMN-APT", "detecting_agency": "DGSN"}),
])
def test_register_by_each_field_role(world, role, kwargs):
    user = {Role.BORDER_OFFICER: world.officer_a, Role.SOCIAL_WORKER: world.worker,
            Role.SUPERVISOR: world.supervisor}[role]
    person = adult()
    case = world.service.register(world.s(user), person, **kwargs)
    assert case.state is S.DETECTED
    assert CASE_NUMBER.match(case.case_number)
    assert case.case_number == f"HMY-{world.clock.now().year}-ABCD-00001"
    assert case.scope_id == user.scope_id
    assert case.created_by == user.id and case.assigned_to == user.id
    assert case.person_id == person.id
    assert case.opened_at == world.clock.now() and case.detected_on == world.clock.now().date()
    assert world.store.get(Case, case.id) == case
    assert world.store.get(Person, person.id) == person
    [entry] = world.store.entries
    assert entry.event.action == AuditAction.CASE_CREATED
    assert entry.event.actor_id == user.id and entry.event.device_id == world.store.device_id
    assert entry.event.record_id == case.id
    assert dict(entry.event.details) == {"case_number": case.case_number}


def test_border_officer_registers_at_own_post_by_default(world):
    case = world.register(world.officer_a)
    assert case.border_post == "TNG-MED"


def test_border_officer_may_name_own_post_explicitly(world):
    assert world.register(world.officer_a, border_post="TNG-MED").border_post == "TNG-MED"


def test_border_officer_cannot_register_at_another_post(world):
    before = snapshot(world.store)
    with pytest.raises(PermissionDenied):
        world.register(world.officer_a, border_post="BAB-SEBTA")
    assert snapshot(world.store) == before


def test_secretariat_cannot_register(world):
    before = snapshot(world.store)
    with pytest.raises(PermissionDenied) as excinfo:
        world.register(world.secretariat, office="Rabat")
    assert excinfo.value.params["action"] == "create a case"
    assert snapshot(world.store) == before


def test_register_without_post_or_office_writes_nothing(world):
    before = snapshot(world.store)
    with pytest.raises(ValidationError) as excinfo:
        world.register(world.worker)
    assert {e.field for e in excinfo.value.errors} == {"border_post"}
    assert snapshot(world.store) == before
    assert world.store.rollbacks == 1


def test_register_keeps_the_given_detection_date(world):
    day = world.clock.now().date() - timedelta(days=3)
    assert world.register(world.officer_a, detected_on=day).detected_on == day


def test_case_numbers_count_up(world):
    numbers = [world.register().case_number for _ in range(3)]
    assert [n[-5:] for n in numbers] == ["00001", "00002", "00003"]


# --- visibility ------------------------------------------------------------------------------

def test_border_officer_cannot_open_a_case_of_another_post(world):
    case_b = world.register(world.officer_b)
    for call in (lambda: world.service.open_case(world.s(world.officer_a), case_b.id),
                 lambda: world.service.history(world.s(world.officer_a), case_b.id),
                 lambda: world.service.move(world.s(world.officer_a), case_b.id, S.URGENT_PROTECTION,
                                            reason="Controller is waiting outside")):
        with pytest.raises(NotFound) as excinfo:
            call()
        assert excinfo.value.params == {"kind": "case", "ident": case_b.id}
    assert world.store.get(Case, case_b.id).state is S.DETECTED


def test_out_of_scope_case_looks_exactly_like_a_missing_one(world):
    case = world.register(world.officer_b)
    missing = new_id()
    with pytest.raises(NotFound) as hidden:
        world.service.open_case(world.s(world.worker_south), case.id)
    with pytest.raises(NotFound) as absent:
        world.service.open_case(world.s(world.worker_south), missing)
    assert str(hidden.value).replace(case.id, "ID") == str(absent.value).replace(missing, "ID")


def test_who_sees_a_case_of_post_a(world):
    case = world.register(world.officer_a)
    for user in (world.officer_a, world.worker, world.supervisor, world.secretariat):
        assert world.service.open_case(world.s(user), case.id).case == case
    for user in (world.officer_b, world.worker_south):
        with pytest.raises(NotFound):
            world.service.open_case(world.s(user), case.id)


def test_opening_a_case_is_audited_and_refusals_are_not(world):
    case = world.register(world.officer_a)
    world.service.open_case(world.s(world.worker), case.id)
    with pytest.raises(NotFound):
        world.service.open_case(world.s(world.officer_b), case.id)
    viewed = [e for e in world.store.entries if e.event.action == AuditAction.CASE_VIEWED]
    assert [e.event.actor_id for e in viewed] == [world.worker.id]


def test_case_file_shows_only_the_moves_of_the_role(world):
    case = world.register(world.officer_a)
    officer_file = world.service.open_case(world.s(world.officer_a), case.id)
    assert {t.target for t in officer_file.moves} == {S.SCREENING, S.URGENT_PROTECTION}
    secretariat_file = world.service.open_case(world.s(world.secretariat), case.id)
    assert secretariat_file.moves == ()


def test_list_and_count_follow_visibility(world):
    a1 = world.register(world.officer_a)
    a2 = world.register(world.officer_a)
    b1 = world.register(world.officer_b)
    south = world.service.register(world.s(world.worker_south), adult(), office="Agadir")

    def ids(user, query=CaseQuery()):
        return {row.id for row in world.service.list_cases(world.s(user), query)}

    assert ids(world.officer_a) == {a1.id, a2.id}
    assert ids(world.officer_b) == {b1.id}
    assert ids(world.worker) == {a1.id, a2.id, b1.id}
    assert ids(world.worker_south) == {south.id}
    assert ids(world.secretariat) == {a1.id, a2.id, b1.id, south.id}
    # a border officer cannot widen the filter to other posts or scopes
    wide = CaseQuery(border_posts=frozenset({"BAB-SEBTA", "TNG-MED"}), scope_ids=frozenset({"scope-south"}))
    assert ids(world.officer_a, wide) == {a1.id, a2.id}
    assert world.service.count_cases(world.s(world.officer_a), wide) == 2
    assert world.service.count_cases(world.s(world.secretariat), CaseQuery()) == 4


# --- the lifecycle through the service -------------------------------------------------------

def refused(world, user, case_id, target, **kwargs) -> tuple[str, ...]:
    before = snapshot(world.store)
    with pytest.raises(TransitionRefused) as excinfo:
        world.service.move(world.s(user), case_id, target, **kwargs)
    assert snapshot(world.store) == before, "a refused move wrote something"
    return excinfo.value.reasons


def test_realistic_path_from_detection_to_closure(world):
    svc, officer, worker, supervisor = world.service, world.officer_a, world.worker, world.supervisor
    case = world.register(officer)

    # detected -> screening needs the person's consent to the screening
    assert refused(world, officer, case.id, S.SCREENING) == (SCREENING_CONSENT.refusal,)
    svc.record_consent(world.s(officer), case.id, ConsentKind.SCREENING, ConsentDecision.GIVEN)
    assert svc.move(world.s(officer), case.id, S.SCREENING).state is S.SCREENING

    # screening -> presumed victim: no completed screening here, so a reason is needed
    assert refused(world, officer, case.id, S.PRESUMED_VICTIM) == (OUTCOME_RECORDED.refusal,)
    assert refused(world, officer, case.id, S.PRESUMED_VICTIM, reason="paper") == (OUTCOME_RECORDED.refusal,)
    reason = "Paper checklist: passport held by the recruiter, debt of 3000 EUR"
    moved = svc.move(world.s(officer), case.id, S.PRESUMED_VICTIM, reason=reason)
    assert moved.state is S.PRESUMED_VICTIM and moved.screening_outcome is S.PRESUMED_VICTIM

    # presumed victim -> referred: not a border officer's step; needs referral consent
    assert refused(world, officer, case.id, S.REFERRED) == (ROLE_REFUSAL, REFERRAL_CONSENT.refusal)
    assert refused(world, worker, case.id, S.REFERRED) == (REFERRAL_CONSENT.refusal,)
    svc.record_consent(world.s(worker), case.id, ConsentKind.REFERRAL, ConsentDecision.GIVEN,
                       provider="Association Amal, Nador")
    assert svc.move(world.s(worker), case.id, S.REFERRED).state is S.REFERRED

    for target in (S.ACCEPTED, S.IN_ASSISTANCE, S.FOLLOW_UP):
        assert svc.move(world.s(worker), case.id, target).state is target

    # closing: supervisor only, with a closure reason
    assert refused(world, worker, case.id, S.CLOSED, closure_reason=ClosureReason.REINTEGRATED) == (ROLE_REFUSAL,)
    assert refused(world, officer, case.id, S.CLOSED) == (ROLE_REFUSAL, CLOSURE_REASON.refusal)
    assert refused(world, supervisor, case.id, S.CLOSED) == (CLOSURE_REASON.refusal,)
    world.clock.advance(days=120)
    closed = svc.move(world.s(supervisor), case.id, S.CLOSED, closure_reason=ClosureReason.REINTEGRATED)
    assert closed.state is S.CLOSED
    assert closed.closed_at == world.clock.now()
    assert closed.closure_reason is ClosureReason.REINTEGRATED
    assert closed.closure_approved_by == supervisor.id
    assert closed.htcds_status == "Closed"
    assert world.store.get(Case, case.id) == closed

    transitions = [e.event for e in world.store.entries if e.event.action == AuditAction.CASE_TRANSITION]
    assert [(d.details["from"], d.details["to"]) for d in transitions] == [
        ("detected", "screening"), ("screening", "presumed_victim"), ("presumed_victim", "referred"),
        ("referred", "accepted"), ("accepted", "in_assistance"), ("in_assistance", "follow_up"),
        ("follow_up", "closed"),
    ]
    assert transitions[-1].details["closure_reason"] == "reintegrated"
    assert transitions[-1].actor_id == supervisor.id
    assert verify_chain(world.store.entries).ok

    # every case update was written against the record it replaced
    case_puts = [(new, old) for new, old in world.store.changes if isinstance(new, Case)]
    assert case_puts[0][1] is None
    for (new, old), (prev_new, _) in zip(case_puts[1:], case_puts):
        assert old == prev_new


def test_reason_is_stored_as_a_note_and_never_in_the_audit(world):
    case = world.register(world.officer_a)
    reason = "  Controller is waiting outside the port office  "
    world.service.move(world.s(world.officer_a), case.id, S.URGENT_PROTECTION, reason=reason)
    [note] = world.store.for_case(Note, case.id)
    assert note.text == reason.strip()
    assert note.author == world.officer_a.id and note.written_at == world.clock.now()
    entry = world.store.entries[-1]
    assert entry.event.action == AuditAction.CASE_TRANSITION
    assert entry.event.details == {"from": "detected", "to": "urgent_protection", "reason_given": True}
    dumped = json.dumps([dict(e.event.details) for e in world.store.entries], ensure_ascii=False)
    assert "Controller" not in dumped


def test_move_without_reason_writes_no_note(world):
    case = world.register(world.officer_a)
    world.service.record_consent(world.s(world.officer_a), case.id, ConsentKind.SCREENING, ConsentDecision.GIVEN)
    world.service.move(world.s(world.officer_a), case.id, S.SCREENING)
    assert world.store.for_case(Note, case.id) == []
    assert "reason_given" not in world.store.entries[-1].event.details


def test_blank_reason_on_a_move_that_needs_none_is_ignored(world):
    case = walk_to(world, S.REFERRED)
    notes = world.store.for_case(Note, case.id)
    moved = world.service.move(world.s(world.worker), case.id, S.ACCEPTED, reason="   ")
    assert moved.state is S.ACCEPTED
    assert world.store.for_case(Note, case.id) == notes
    assert "reason_given" not in world.store.entries[-1].event.details


def test_urgent_protection_needs_no_consent_even_when_refused(world):
    case = world.register(world.officer_a)
    world.service.record_consent(world.s(world.officer_a), case.id, ConsentKind.SCREENING, ConsentDecision.REFUSED)
    assert refused(world, world.officer_a, case.id, S.URGENT_PROTECTION) == ("give the reason for this move (at least 10 characters)",)
    moved = world.service.move(world.s(world.officer_a), case.id, S.URGENT_PROTECTION,
                               reason="Immediate danger: controller nearby")
    assert moved.state is S.URGENT_PROTECTION
    # the urgent referral onwards still needs the person's consent (or an override)
    assert refused(world, world.officer_a, case.id, S.REFERRED) == (REFERRAL_CONSENT.refusal,)
    world.service.record_consent(world.s(world.officer_a), case.id, ConsentKind.REFERRAL, ConsentDecision.GIVEN,
                                 provider="Police unit, Tanger")
    assert world.service.move(world.s(world.officer_a), case.id, S.REFERRED).state is S.REFERRED


def walk_to(world, target: CaseState, person: Person | None = None) -> Case:
    """Register with officer A and move the case to presumed victim (or referred)."""
    svc, officer = world.service, world.officer_a
    case = world.register(officer, person)
    svc.record_consent(world.s(officer), case.id, ConsentKind.SCREENING, ConsentDecision.GIVEN)
    svc.move(world.s(officer), case.id, S.SCREENING)
    case = svc.move(world.s(officer), case.id, S.PRESUMED_VICTIM, reason="Paper checklist filled at the port")
    if target is S.REFERRED:
        svc.record_consent(world.s(world.worker), case.id, ConsentKind.REFERRAL, ConsentDecision.GIVEN,
                           provider="Shelter Amal")
        case = svc.move(world.s(world.worker), case.id, S.REFERRED)
    assert case.state is target
    return case


def test_withdrawn_referral_consent_blocks_the_referral(world):
    case = walk_to(world, S.PRESUMED_VICTIM)
    svc, worker = world.service, world.worker
    svc.record_consent(world.s(worker), case.id, ConsentKind.REFERRAL, ConsentDecision.GIVEN, provider="Shelter Amal")
    world.clock.advance(minutes=5)
    svc.record_consent(world.s(worker), case.id, ConsentKind.REFERRAL, ConsentDecision.WITHDRAWN,
                       provider="Shelter Amal")
    assert refused(world, worker, case.id, S.REFERRED) == (REFERRAL_CONSENT.refusal,)


def test_danger_to_life_override_allows_the_referral_of_an_adult(world):
    case = walk_to(world, S.PRESUMED_VICTIM)
    consent = world.service.record_consent(
        world.s(world.worker), case.id, ConsentKind.REFERRAL, ConsentDecision.REFUSED,
        provider="Police unit, Tanger", override=OverrideBasis.DANGER_TO_LIFE,
        override_reason="Threatened with death by the recruiter tonight",
    )
    assert consent.allows_referral
    event = world.store.entries[-1].event
    assert event.action == AuditAction.CONSENT_OVERRIDE
    assert event.details["override"] == "danger_to_life"
    assert "recruiter" not in json.dumps(dict(event.details))
    assert world.service.move(world.s(world.worker), case.id, S.REFERRED).state is S.REFERRED


def test_child_best_interests_override_refused_for_an_adult(world):
    case = walk_to(world, S.PRESUMED_VICTIM)
    before = snapshot(world.store)
    with pytest.raises(ValidationError) as excinfo:
        world.service.record_consent(
            world.s(world.worker), case.id, ConsentKind.REFERRAL, ConsentDecision.REFUSED,
            provider="Child protection unit", override=OverrideBasis.CHILD_BEST_INTERESTS,
            override_reason="Best interests of the child require shelter",
        )
    assert [e.field for e in excinfo.value.errors] == ["override"]
    assert snapshot(world.store) == before
    assert refused(world, world.worker, case.id, S.REFERRED) == (REFERRAL_CONSENT.refusal,)


@pytest.mark.parametrize("child", [
    {"possibly_minor": True},
    {"age_band": AgeBand.A9_17, "birth_year": None},
    {"birth_year": date.today().year - 15},
    {"birth_year": date.today().year - 18},  # 17 or 18: may still be a child
])
def test_child_best_interests_override_for_a_person_who_may_be_a_minor(world, child):
    case = walk_to(world, S.PRESUMED_VICTIM, adult(**child))
    consent = world.service.record_consent(
        world.s(world.worker), case.id, ConsentKind.REFERRAL, ConsentDecision.REFUSED,
        provider="Child protection unit", override=OverrideBasis.CHILD_BEST_INTERESTS,
        override_reason="Unaccompanied, guardian unreachable",
    )
    assert consent.override is OverrideBasis.CHILD_BEST_INTERESTS
    assert world.service.move(world.s(world.worker), case.id, S.REFERRED).state is S.REFERRED


def test_referral_declined_returns_to_presumed_victim_with_a_reason(world):
    case = walk_to(world, S.REFERRED)
    assert refused(world, world.worker, case.id, S.PRESUMED_VICTIM) == (
        "give the reason for this move (at least 10 characters)",)
    moved = world.service.move(world.s(world.worker), case.id, S.PRESUMED_VICTIM,
                               reason="Shelter full; refer to Oujda")
    assert moved.state is S.PRESUMED_VICTIM


def test_reopening_a_closed_case_clears_the_closure(world):
    case = walk_to(world, S.PRESUMED_VICTIM)
    sup = world.s(world.supervisor)
    world.service.move(sup, case.id, S.CLOSED, closure_reason=ClosureReason.LOST_CONTACT)
    reopened = world.service.move(sup, case.id, S.FOLLOW_UP, reason="Person called the hotline again")
    assert reopened.state is S.FOLLOW_UP
    assert reopened.closed_at is None and reopened.closure_reason is None and reopened.closure_approved_by is None


def test_secretariat_can_see_but_not_move(world):
    case = world.register(world.officer_a)
    assert refused(world, world.secretariat, case.id, S.URGENT_PROTECTION,
                   reason="Immediate danger to life now") == (ROLE_REFUSAL,)


def test_move_outside_the_table_is_refused(world):
    case = world.register(world.officer_a)
    reasons = refused(world, world.supervisor, case.id, S.CLOSED, closure_reason=ClosureReason.NO_INDICATORS)
    assert reasons == ("this move is not part of the referral mechanism's lifecycle",)


# --- risk, notes, edits ----------------------------------------------------------------------

def test_record_risk_is_audited_with_the_urgency_only(world):
    case = world.register(world.officer_a)
    risk = world.service.record_risk(world.s(world.officer_a), case.id, RiskStage.SCREENING,
                                     controller_nearby=True, retrafficking_risk=RiskLevel.HIGH,
                                     summary="Man in a red cap watching from the queue")
    assert world.store.for_case(RiskAssessment, case.id) == [risk]
    assert risk.assessed_by == world.officer_a.id
    event = world.store.entries[-1].event
    assert event.action == AuditAction.RISK_RECORDED
    assert dict(event.details) == {"risk_id": risk.id, "urgent": True}
    assert world.service.open_case(world.s(world.officer_a), case.id).latest_risk == risk


def test_secretariat_cannot_record_risk_or_consent(world):
    case = world.register(world.officer_a)
    with pytest.raises(PermissionDenied):
        world.service.record_risk(world.s(world.secretariat), case.id, RiskStage.SCREENING)
    with pytest.raises(PermissionDenied):
        world.service.record_consent(world.s(world.secretariat), case.id, ConsentKind.SCREENING,
                                     ConsentDecision.GIVEN)
    assert world.store.for_case(Consent, case.id) == []


def test_notes_are_case_work(world):
    case = world.register(world.officer_a)
    with pytest.raises(PermissionDenied):
        world.service.add_note(world.s(world.officer_a), case.id, "Interview planned")
    note = world.service.add_note(world.s(world.worker), case.id, "Interview planned with an interpreter")
    assert world.store.for_case(Note, case.id) == [note]
    assert dict(world.store.entries[-1].event.details) == {"note_id": note.id}


def test_update_case_records_changed_field_names(world):
    case = world.register(world.officer_a)
    with pytest.raises(PermissionDenied):
        world.service.update_case(world.s(world.officer_a), case.id, office="Port office")
    with pytest.raises(ValueError):
        world.service.update_case(world.s(world.worker), case.id, state=S.CLOSED)
    updated = world.service.update_case(world.s(world.worker), case.id, office="Port office, hall B")
    assert updated.office == "Port office, hall B" and updated.state is S.DETECTED
    assert dict(world.store.entries[-1].event.details) == {"fields": ["office"]}
    entries = len(world.store.entries)
    world.service.update_case(world.s(world.worker), case.id, office="Port office, hall B")
    assert len(world.store.entries) == entries  # nothing changed, nothing written


def test_update_person_audits_field_names_not_values(world):
    person = adult()
    case = world.register(world.officer_a, person)
    new = Person(**{**{k: getattr(person, k) for k in ("id", "first_name", "first_name_ar", "sex", "birth_year")},
                    "nationality": "CM", "mobile_phone": "+237650000000"})
    world.service.update_person(world.s(world.officer_a), case.id, new)
    assert world.store.get(Person, person.id) == new
    details = dict(world.store.entries[-1].event.details)
    assert sorted(details["fields"]) == ["mobile_phone", "nationality"]
    assert "+237650000000" not in json.dumps(details)


def test_update_person_of_another_case_is_refused(world):
    case = world.register(world.officer_a)
    with pytest.raises(NotFound):
        world.service.update_person(world.s(world.officer_a), case.id, adult())
