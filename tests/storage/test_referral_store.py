"""The referral service on the real encrypted store: consent and overrides, who may refer,
referral statuses, services received, follow-up tasks, the "today" view, transfers, and
the service directory.

Every refusal is checked to write nothing: the whole database (records, outbox, audit,
meta) is compared before and after.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import pytest

from app.domain.audit import AuditAction
from app.domain.case import Case
from app.domain.checks import new_id
from app.domain.person import Person
from app.domain.referral import (
    STATUS_MOVES, FollowUpTask, Provider, Referral, ReferralStatus, ServiceCategory, ServiceReceived, Urgency,
)
from app.domain.user import Session, User
from app.domain.values import (
    CaseState, ConsentDecision, ConsentKind, OverrideBasis, Role, Sex,
)
from app.errors import NotFound, PermissionDenied, ReferralRefused, ValidationError
from app.resources import load_json
from app.services.cases import CaseService
from app.services.referrals import ConsentInput, ReferralDraft, ReferralService
from storage.vault import Vault

S = CaseState
PASSPHRASE = "cedar harbour lantern 7 violet"
PREFIX = "5b0c3c3e-2f0a-4d55-9a51-0c1f2e7a"
TANGER_SHELTER = PREFIX + "0006"  # women, children, families; not men
TANGER_POLICE = PREFIX + "0004"  # everyone
OUJDA_MIGRANTS = PREFIX + "0020"  # everyone
FNIDEQ_CHILDREN = PREFIX + "0011"  # children only
NO_CONSENT = ("there is no consent to a referral to this provider, nor a recorded child best-interests or "
              "danger-to-life override")
NO_GUARDIAN = "for a child, name the guardian or record that the child is unaccompanied"
REASON = "Paper checklist filled at the port"


class Clock:
    def __init__(self) -> None:
        self.current = datetime.now(timezone.utc).replace(microsecond=0)

    def now(self) -> datetime:
        return self.current


def _user(username: str, role: Role, scope: str = "north", post: str | None = None) -> User:
    return User(id=new_id(), username=username, display_name=username.title(), role=role, scope_id=scope,
                created_at=datetime(2025, 1, 6, 8, 0, tzinfo=timezone.utc), border_post=post)


class World:
    """A real store with a supervisor, a social worker, a border officer at TNG-MED, the
    secretariat and the supervisor of another scope, and the sample directory."""

    def __init__(self, folder: Path) -> None:
        self.supervisor = _user("sara.sup", Role.SUPERVISOR)
        self.opened = Vault(folder).create(self.supervisor, PASSPHRASE)
        self.store = self.opened.store
        self.worker = _user("youssef.worker", Role.SOCIAL_WORKER)
        self.worker2 = _user("amal.worker", Role.SOCIAL_WORKER)
        self.officer = _user("karim.officer", Role.BORDER_OFFICER, post="TNG-MED")
        self.secretariat = _user("secretariat", Role.SECRETARIAT, scope="national")
        self.south = _user("south.sup", Role.SUPERVISOR, scope="south")
        with self.store.transaction() as uow:  # users as the user service stores them (no key wraps needed)
            for user in (self.worker, self.worker2, self.officer, self.secretariat, self.south):
                uow.put(user)
        self.clock = Clock()
        self.cases = CaseService(self.store, self.clock)
        self.referrals = ReferralService(self.store, self.cases)
        assert self.referrals.seed_directory() == len(load_json("services/directory.json")["providers"])

    def s(self, user: User) -> Session:
        return Session(user=user, device_id=self.store.device_id)

    def case(self, person: Person | None = None, state: CaseState = S.PRESUMED_VICTIM) -> Case:
        """A case registered by the officer at TNG-MED and screened to ``state``."""
        officer = self.s(self.officer)
        case = self.cases.register(officer, person or adult(), border_post="TNG-MED")
        if state is S.DETECTED:
            return case
        self.cases.record_consent(officer, case.id, ConsentKind.SCREENING, ConsentDecision.GIVEN)
        case = self.cases.move(officer, case.id, S.SCREENING)
        if state is S.SCREENING:
            return case
        return self.cases.move(officer, case.id, S.PRESUMED_VICTIM, reason=REASON)

    def dump(self) -> dict[str, list[str]]:
        """Every row of every table: what "nothing written" is compared with."""
        db = self.store.db
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {n: sorted(repr(row) for row in db.execute(f"SELECT * FROM {n}")) for n in names}

    def refused(self, exc_type: type[Exception], call: Callable[[], Any]) -> Exception:
        before = self.dump()
        with pytest.raises(exc_type) as info:
            call()
        assert self.dump() == before, "a refusal wrote something"
        return info.value

    def actions(self, record_id: str) -> list[str]:
        return [e.event.action for e in self.store.audit_entries(record_id=record_id)]


def adult(**kwargs: Any) -> Person:
    values: dict[str, Any] = dict(id=new_id(), first_name="Grace", first_name_ar="غريس", sex=Sex.FEMALE,
                                  birth_year=date.today().year - 30, nationality="NG")
    values.update(kwargs)
    return Person(**values)


def child(**kwargs: Any) -> Person:
    return adult(first_name="Moussa", first_name_ar="موسى", sex=Sex.MALE, birth_year=date.today().year - 15,
                 nationality="ML", **kwargs)


def draft(provider: str = TANGER_SHELTER, urgency: Urgency = Urgency.PRIORITY, **kwargs: Any) -> ReferralDraft:
    values: dict[str, Any] = dict(provider_id=provider, categories=(ServiceCategory.SHELTER,), urgency=urgency)
    values.update(kwargs)
    return ReferralDraft(**values)


@pytest.fixture
def world(tmp_path: Path) -> World:
    w = World(tmp_path / "store")
    yield w
    w.opened.lock()


# --- consent and overrides -------------------------------------------------------------------

def test_refused_without_consent_with_the_reason_and_nothing_written(world):
    case = world.case()
    exc = world.refused(ReferralRefused, lambda: world.referrals.refer(world.s(world.worker), case.id, draft()))
    assert exc.reasons == (NO_CONSENT,)
    assert world.store.get(Case, case.id).state is S.PRESUMED_VICTIM


def test_allowed_with_consent_for_that_provider_not_for_another(world):
    case = world.case()
    worker = world.s(world.worker)
    world.cases.record_consent(worker, case.id, ConsentKind.REFERRAL, ConsentDecision.GIVEN, provider=OUJDA_MIGRANTS)
    exc = world.refused(ReferralRefused, lambda: world.referrals.refer(worker, case.id, draft(TANGER_SHELTER)))
    assert exc.reasons == (NO_CONSENT,)
    made = world.referrals.refer(worker, case.id, draft(OUJDA_MIGRANTS))
    assert made.referral.provider_id == OUJDA_MIGRANTS and made.case.state is S.REFERRED
    consent = world.referrals.consent_for(worker, case.id, OUJDA_MIGRANTS)
    assert made.referral.consent_id == consent.id and made.consent is None  # the one already recorded
    assert world.store.for_case(Referral, case.id) == [made.referral]
    assert world.actions(case.id)[-2:] == [AuditAction.CASE_TRANSITION, AuditAction.REFERRAL_CREATED]


def test_consent_given_with_the_referral_is_stored_with_it(world):
    case = world.case()
    made = world.referrals.refer(world.s(world.worker), case.id, draft(), ConsentInput(ConsentDecision.GIVEN))
    assert made.consent is not None and made.consent.provider == TANGER_SHELTER
    assert made.referral.consent_id == made.consent.id and made.referral.override is None
    assert world.actions(case.id)[-3:] == [AuditAction.CONSENT_RECORDED, AuditAction.CASE_TRANSITION,
                                           AuditAction.REFERRAL_CREATED]


def test_a_withdrawn_consent_blocks_the_referral(world):
    case = world.case()
    worker = world.s(world.worker)
    for decision in (ConsentDecision.GIVEN, ConsentDecision.WITHDRAWN):
        world.cases.record_consent(worker, case.id, ConsentKind.REFERRAL, decision, provider=TANGER_SHELTER)
    exc = world.refused(ReferralRefused, lambda: world.referrals.refer(worker, case.id, draft()))
    assert exc.reasons == (NO_CONSENT,)


def test_danger_to_life_override_allows_the_referral_of_an_adult(world):
    case = world.case()
    override = ConsentInput(ConsentDecision.NOT_OBTAINED, override=OverrideBasis.DANGER_TO_LIFE,
                            override_reason="The controller is waiting outside the port")
    made = world.referrals.refer(world.s(world.worker), case.id, draft(), override)
    assert made.referral.override is OverrideBasis.DANGER_TO_LIFE and made.consent.override_reason
    entry = world.store.audit_entries(record_id=case.id)[-3]
    assert entry.event.action == AuditAction.CONSENT_OVERRIDE
    assert entry.event.details["override"] == "danger_to_life"
    assert "controller" not in json.dumps(entry.event.details)  # the reason is case content


def test_child_best_interests_override_for_a_minor_but_not_for_an_adult(world):
    worker = world.s(world.worker)
    override = ConsentInput(ConsentDecision.NOT_OBTAINED, override=OverrideBasis.CHILD_BEST_INTERESTS,
                            override_reason="Unaccompanied child, no guardian reachable tonight")
    minor = world.case(child())
    made = world.referrals.refer(worker, minor.id, draft(FNIDEQ_CHILDREN, unaccompanied=True), override)
    assert made.referral.override is OverrideBasis.CHILD_BEST_INTERESTS and made.referral.unaccompanied
    grown = world.case()
    exc = world.refused(ValidationError, lambda: world.referrals.refer(worker, grown.id, draft(), override))
    assert [e.field for e in exc.errors] == ["override"]


def test_override_without_a_reason_is_refused(world):
    case = world.case()
    override = ConsentInput(ConsentDecision.NOT_OBTAINED, override=OverrideBasis.DANGER_TO_LIFE)
    exc = world.refused(ValidationError, lambda: world.referrals.refer(world.s(world.worker), case.id, draft(),
                                                                        override))
    assert [e.field for e in exc.errors] == ["override_reason"]


def test_a_child_needs_a_guardian_or_to_be_recorded_unaccompanied(world):
    worker = world.s(world.worker)
    case = world.case(child())
    given = ConsentInput(ConsentDecision.GIVEN, given_by_guardian=True, guardian_name="Awa Keita")
    exc = world.refused(ReferralRefused, lambda: world.referrals.refer(worker, case.id, draft(FNIDEQ_CHILDREN),
                                                                       given))
    assert exc.reasons == (NO_GUARDIAN,)
    made = world.referrals.refer(worker, case.id, draft(FNIDEQ_CHILDREN, guardian_name="Awa Keita"), given)
    assert made.referral.guardian_name == "Awa Keita" and not made.referral.unaccompanied


def test_every_reason_at_once(world):
    case = world.case(child(), state=S.DETECTED)
    exc = world.refused(ReferralRefused, lambda: world.referrals.refer(world.s(world.worker), case.id, draft()))
    assert set(exc.reasons) == {NO_CONSENT, NO_GUARDIAN, (
        "a case in this state cannot be referred; screen it first, or make an immediate referral if the person "
        "is in danger")}


# --- who may refer ---------------------------------------------------------------------------

def test_border_officer_makes_an_immediate_referral_but_not_a_routine_one(world):
    officer = world.s(world.officer)
    case = world.case(state=S.DETECTED)
    given = ConsentInput(ConsentDecision.GIVEN)
    for urgency in (Urgency.ROUTINE, Urgency.PRIORITY):
        world.refused(PermissionDenied, lambda: world.referrals.refer(officer, case.id, draft(urgency=urgency),
                                                                      given))
    exc = world.refused(ReferralRefused, lambda: world.referrals.refer(
        officer, case.id, draft(TANGER_POLICE, Urgency.IMMEDIATE), given))
    assert exc.reasons == ("say in the risk summary why the referral is immediate (at least 10 characters)",)
    made = world.referrals.refer(officer, case.id, draft(TANGER_POLICE, Urgency.IMMEDIATE,
                                                         risk_summary="Controller nearby, shelter tonight"), given)
    assert made.case.state is S.REFERRED
    moves = [e.event.details for e in world.store.audit_entries(record_id=case.id)
             if e.event.action == AuditAction.CASE_TRANSITION]
    assert [(m["from"], m["to"]) for m in moves] == [("detected", "urgent_protection"),
                                                     ("urgent_protection", "referred")]


def test_the_secretariat_does_not_refer(world):
    case = world.case()
    world.refused(PermissionDenied, lambda: world.referrals.refer(world.s(world.secretariat), case.id, draft(),
                                                                  ConsentInput(ConsentDecision.GIVEN)))


# --- referral statuses -----------------------------------------------------------------------

def _seed_referral(world: World, case: Case, status: ReferralStatus) -> Referral:
    """A referral stored directly in ``status`` (answer and completion three days ago)."""
    consent = world.cases.record_consent(world.s(world.worker), case.id, ConsentKind.REFERRAL,
                                         ConsentDecision.GIVEN, provider=TANGER_SHELTER)
    sent = world.clock.now() - timedelta(days=5)
    answered = sent.date() + timedelta(days=2)
    referral = Referral(
        id=new_id(), case_id=case.id, provider_id=TANGER_SHELTER, provider_name="Centre (exemple)",
        categories=(ServiceCategory.SHELTER, ServiceCategory.PSYCHOSOCIAL), urgency=Urgency.PRIORITY,
        referred_by=world.worker.id, referred_at=sent, status=status, consent_id=consent.id,
        responded_on=answered if status in (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED,
                                            ReferralStatus.COMPLETED) else None,
        completed_on=answered if status is ReferralStatus.COMPLETED else None)
    with world.store.transaction() as uow:
        uow.put(referral)
    return referral


def test_every_status_move_is_allowed_or_refused_as_the_table_says(world):
    case = world.cases.move(world.s(world.worker), world.case().id, S.FORMALLY_IDENTIFIED, reason=REASON)
    worker = world.s(world.worker)
    checked = 0
    for source in ReferralStatus:
        for target in ReferralStatus:
            referral = _seed_referral(world, case, source)
            update = lambda: world.referrals.update_status(  # noqa: E731
                worker, referral.id, target, feedback="No place left before next month")
            if target in STATUS_MOVES[source]:
                new = update()
                assert new.status is target, (source, target)
                assert world.store.get(Referral, referral.id) == new
                details = world.store.audit_entries(record_id=case.id)[-1 if target is not ReferralStatus.COMPLETED
                                                                       else -3].event.details
                assert (details["from"], details["to"]) == (source.value, target.value)
            else:
                exc = world.refused(ReferralRefused, update)
                assert exc.reasons == ("a referral cannot move from this status to that one",), (source, target)
            checked += 1
    assert checked == len(ReferralStatus) ** 2


def test_a_decline_needs_the_providers_reason(world):
    case = world.case()
    made = world.referrals.refer(world.s(world.worker), case.id, draft(), ConsentInput(ConsentDecision.GIVEN))
    exc = world.refused(ValidationError, lambda: world.referrals.update_status(
        world.s(world.worker), made.referral.id, ReferralStatus.DECLINED, feedback="full"))
    assert [e.field for e in exc.errors] == ["feedback"]


def test_acceptance_moves_the_case_and_completion_records_services_and_closes_the_task(world):
    worker = world.s(world.worker)
    case = world.case()
    today = world.clock.now().date()
    made = world.referrals.refer(
        worker, case.id, draft(categories=(ServiceCategory.SHELTER, ServiceCategory.PSYCHOSOCIAL),
                               follow_up_on=today + timedelta(days=2)),
        ConsentInput(ConsentDecision.GIVEN))
    assert made.task is not None and made.task.referral_id == made.referral.id and not made.task.done
    accepted = world.referrals.update_status(worker, made.referral.id, ReferralStatus.ACCEPTED, feedback="Bed ready")
    assert accepted.responded_on == today
    assert world.store.get(Case, case.id).state is S.ACCEPTED
    assert world.store.get(FollowUpTask, made.task.id).done is False  # still active: the task stays open
    world.cases.move(worker, case.id, S.IN_ASSISTANCE)
    completed = world.referrals.update_status(worker, made.referral.id, ReferralStatus.COMPLETED)
    assert completed.completed_on == today and completed.feedback == "Bed ready"
    assert world.store.get(Case, case.id).state is S.IN_ASSISTANCE  # completion does not move the case
    services = world.referrals.services(worker, case.id)
    assert sorted(s.category for s in services) == sorted((ServiceCategory.SHELTER, ServiceCategory.PSYCHOSOCIAL))
    assert all(s.referral_id == made.referral.id and s.provider_id == TANGER_SHELTER and s.received_on == today
               for s in services)
    task = world.store.get(FollowUpTask, made.task.id)
    assert task.done and task.done_by == world.worker.id
    assert world.actions(case.id)[-4:] == [AuditAction.REFERRAL_UPDATED, AuditAction.SERVICE_RECORDED,
                                           AuditAction.SERVICE_RECORDED, AuditAction.TASK_DONE]


def test_a_withdrawn_referral_closes_its_task_without_services(world):
    worker = world.s(world.worker)
    case = world.case()
    made = world.referrals.refer(worker, case.id, draft(follow_up_on=world.clock.now().date()),
                                 ConsentInput(ConsentDecision.GIVEN))
    world.referrals.update_status(worker, made.referral.id, ReferralStatus.WITHDRAWN)
    assert world.store.get(FollowUpTask, made.task.id).done
    assert world.store.for_case(ServiceReceived, case.id) == []


def test_the_border_officer_does_not_update_referrals(world):
    case = world.case()
    made = world.referrals.refer(world.s(world.worker), case.id, draft(), ConsentInput(ConsentDecision.GIVEN))
    world.refused(PermissionDenied, lambda: world.referrals.update_status(
        world.s(world.officer), made.referral.id, ReferralStatus.ACCEPTED))


# --- the today view --------------------------------------------------------------------------

def test_today_view_overdue_today_upcoming_waiting_only_for_the_user(world):
    worker = world.s(world.worker)
    today = world.clock.now().date()
    case = world.case()
    real_now = world.clock.current
    world.clock.current = real_now - timedelta(days=3)  # a referral sent three days ago, no answer
    old = world.referrals.refer(worker, case.id, draft(), ConsentInput(ConsentDecision.GIVEN))
    world.clock.current = real_now
    fresh = world.referrals.refer(worker, case.id, draft(OUJDA_MIGRANTS), ConsentInput(ConsentDecision.GIVEN))
    tasks = {name: world.referrals.add_task(worker, case.id, name, today + timedelta(days=offset))
             for name, offset in (("late", -4), ("today", 0), ("soon", 3), ("later", 30))}
    other = world.referrals.add_task(worker, case.id, "for Amal", today, assigned_to=world.worker2.id)
    world.referrals.complete_task(worker, world.referrals.add_task(worker, case.id, "done", today).id)

    view = world.referrals.today(worker)
    assert [i.task.id for i in view.overdue] == [tasks["late"].id]
    assert [i.task.id for i in view.due_today] == [tasks["today"].id]
    assert [i.task.id for i in view.upcoming] == [tasks["soon"].id]
    assert [i.referral.id for i in view.waiting] == [old.referral.id]
    assert fresh.referral.id not in {i.referral.id for i in view.waiting}
    assert view.count == 4
    assert {i.case_number for i in view.overdue + view.waiting} == {case.case_number}
    assert [i.task.id for i in world.referrals.today(worker, days=30).upcoming] == [tasks["soon"].id,
                                                                                     tasks["later"].id]
    assert [i.task.id for i in world.referrals.today(world.s(world.worker2)).due_today] == [other.id]


def test_a_case_transferred_to_another_scope_leaves_the_today_view(world):
    worker = world.s(world.worker)
    today = world.clock.now().date()
    case = world.case()
    world.referrals.refer(worker, case.id, draft(), ConsentInput(ConsentDecision.GIVEN))
    world.referrals.add_task(worker, case.id, "visit", today)
    assert len(world.referrals.today(worker).due_today) == 1
    world.cases.move(worker, case.id, S.TRANSFERRED, reason="Moved to a relative in Agadir", to_scope="south")
    assert world.referrals.today(worker).count == 0


# --- transfer and reopening ------------------------------------------------------------------

def test_transfer_to_another_scope_and_reopening_by_its_supervisor(world):
    worker, south = world.s(world.worker), world.s(world.south)
    case = world.case()
    made = world.referrals.refer(worker, case.id, draft(), ConsentInput(ConsentDecision.GIVEN))
    world.referrals.update_status(worker, made.referral.id, ReferralStatus.ACCEPTED)
    world.cases.move(worker, case.id, S.IN_ASSISTANCE)
    world.refused(NotFound, lambda: world.cases.move(south, case.id, S.FOLLOW_UP, reason=REASON))
    world.refused(ValidationError, lambda: world.cases.move(worker, case.id, S.FOLLOW_UP, to_scope="south"))
    moved = world.cases.move(worker, case.id, S.TRANSFERRED, reason="Family found in Agadir", to_scope="south")
    assert moved.scope_id == "south" and moved.state is S.TRANSFERRED
    entry = world.store.audit_entries(record_id=case.id)[-1]
    assert entry.event.details == {"from": "in_assistance", "to": "transferred", "from_scope": "north",
                                   "to_scope": "south", "reason_given": True}
    for user in (world.worker, world.supervisor):  # it left this scope
        world.refused(NotFound, lambda: world.cases.open_case(world.s(user), case.id))
    assert world.referrals.referrals(south, case.id) == [world.store.get(Referral, made.referral.id)]
    reopened = world.cases.move(south, case.id, S.FOLLOW_UP, reason="Reopened by the southern team")
    assert reopened.state is S.FOLLOW_UP and reopened.scope_id == "south"
    details = world.store.audit_entries(record_id=case.id)[-1].event.details
    assert (details["from"], details["to"]) == ("transferred", "follow_up")
    assert world.store.audit_entries(record_id=case.id)[-1].event.actor_id == world.south.id


# --- the directory ---------------------------------------------------------------------------

def test_directory_nearest_first_and_marks_who_does_not_take_the_person(world):
    s = world.s(world.worker)
    hits = world.referrals.providers(s, near_post="NDR-PORT")
    distances = [h.distance_km for h in hits]
    assert distances == sorted(distances) and hits[0].provider.city_fr in ("Beni Ensar", "Nador")
    assert all(h.suits_person for h in hits)  # no person given: nothing marked
    man = adult(first_name="Samuel", first_name_ar="صامويل", sex=Sex.MALE)
    hits = world.referrals.providers(s, category=ServiceCategory.SHELTER, near_post="TNG-MED", person=man)
    assert {h.provider.id for h in hits if not h.suits_person} >= {TANGER_SHELTER, FNIDEQ_CHILDREN}
    suits = [h.suits_person for h in hits]
    assert suits == sorted(suits, reverse=True)  # those who take him first, the others still listed
    assert all(ServiceCategory.SHELTER in h.provider.categories for h in hits)
    boy = world.referrals.providers(s, category=ServiceCategory.CHILD_PROTECTION, near_post="BAB-SEBTA",
                                    person=child())
    assert boy[0].provider.id == FNIDEQ_CHILDREN and boy[0].suits_person
    assert [h.provider.city_fr for h in world.referrals.providers(s, text="oujda")] \
        and all("Oujda" in h.provider.city_fr or "Oujda" in h.provider.name_fr
                for h in world.referrals.providers(s, text="oujda"))


def _directory_file(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"providers": list(entries)}


def _entry(pid: str, **changes: Any) -> dict[str, Any]:
    entry = {"id": pid, "name_ar": "جمعية الاختبار", "name_fr": "Association de test", "categories": ["health"],
             "region": "MA-01", "city_ar": "طنجة", "city_fr": "Tanger", "takes": ["women"], "lat": 35.7,
             "lon": -5.8}
    entry.update(changes)
    return entry


def test_import_directory_is_for_the_secretariat_and_all_or_nothing(world):
    secretariat = world.s(world.secretariat)
    new = new_id()
    good = _directory_file(_entry(new), _entry(TANGER_SHELTER, name_fr="Centre d'hébergement (publié)"))
    world.refused(PermissionDenied, lambda: world.referrals.import_directory(world.s(world.supervisor), good))
    bad = _directory_file(_entry(new), _entry(new_id(), categories=["karaoke"]),
                          _entry(new_id(), lat=120))
    exc = world.refused(ValidationError, lambda: world.referrals.import_directory(secretariat, bad))
    assert [e.field for e in exc.errors] == ["2", "3.latitude"]
    world.refused(ValidationError, lambda: world.referrals.import_directory(secretariat, {"entries": []}))
    assert world.referrals.import_directory(secretariat, good) == 2
    added = world.store.get(Provider, new)
    assert added.name_fr == "Association de test" and not added.sample
    updated = world.store.get(Provider, TANGER_SHELTER)
    assert updated.name_fr == "Centre d'hébergement (publié)" and not updated.sample
    assert world.store.audit_entries()[-1].event.action == AuditAction.PROVIDER_SAVED


def test_seeding_happens_once(world):
    count = world.store.count_records(Provider)
    assert world.referrals.seed_directory() == 0 and world.store.count_records(Provider) == count


def test_records_round_trip_through_the_store(world):
    worker = world.s(world.worker)
    case = world.case()
    made = world.referrals.refer(worker, case.id, draft(language="bm", interpreter_needed=True,
                                                        services_detail="Une nuit puis orientation",
                                                        follow_up_on=date.today()),
                                 ConsentInput(ConsentDecision.GIVEN))
    assert world.referrals.referral(worker, made.referral.id) == made.referral
    assert world.referrals.tasks(worker, case.id) == [made.task]
    assert dataclasses.replace(made.referral) == made.referral
