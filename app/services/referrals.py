"""Referral and assistance: the directory, referrals, services received, follow-up tasks.

A referral is made offline and rests on the person's consent to THAT provider, or on a
recorded child best-interests or danger-to-life override; without either it is refused
with the reason. Making one moves the case through the lifecycle in the same transaction
(an immediate referral of a case not yet referred goes through urgent protection first),
so the case, the consent, the referral, its follow-up task and the audit entries are
written together or not at all.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable, Iterable

from app import strict_json
from app.domain.audit import AuditAction, AuditEvent
from app.domain.case import Case, Consent, RiskAssessment
from app.domain.checks import new_id
from app.domain.person import Person
from app.domain.referral import (
    STATUS_MOVES, FollowUpTask, Provider, Referral, ReferralStatus, ServiceCategory, ServiceReceived,
    Urgency,
)
from app.domain.user import Session
from app.domain.values import CaseState, ConsentDecision, ConsentKind, OverrideBasis
from app.errors import FieldError, NotFound, ReferralRefused, ValidationError
from app.permissions import Action, allowed, require
from app.ports import CaseStore, Clock
from app.resources import border_posts, load_json
from app.services.cases import CaseService
from app.text import N_
from i18n import gettext_for

S = CaseState
#: A referral without an answer after this long shows in the "today" view.
ANSWER_EXPECTED = timedelta(days=2)
#: The "today" view also lists tasks due within this many days.
UPCOMING_DAYS = 7
#: States from which a referral moves the case to "referred" (routine or priority).
_REFERRABLE = (S.PRESUMED_VICTIM, S.OTHER_VULNERABILITY, S.FORMALLY_IDENTIFIED, S.URGENT_PROTECTION)
#: States in which a further referral leaves the case where it is.
_IN_CARE = (S.REFERRED, S.ACCEPTED, S.IN_ASSISTANCE, S.FOLLOW_UP)
#: States from which an immediate referral first moves the case to urgent protection.
_BEFORE_URGENT = (S.DETECTED, S.SCREENING, S.PRESUMED_VICTIM)


@dataclass(frozen=True)
class ProviderHit:
    """A provider found in the directory, with its distance from the case's post."""

    provider: Provider
    distance_km: float | None
    suits_person: bool


@dataclass(frozen=True)
class ConsentInput:
    """A consent or override recorded together with the referral (the referral dialog)."""

    decision: ConsentDecision
    given_by_guardian: bool = False
    guardian_name: str | None = None
    override: OverrideBasis | None = None
    override_reason: str | None = None


@dataclass(frozen=True)
class ReferralDraft:
    provider_id: str
    categories: tuple[ServiceCategory, ...]
    urgency: Urgency
    risk_summary: str | None = None
    services_detail: str | None = None
    language: str | None = None
    interpreter_needed: bool = False
    guardian_name: str | None = None
    unaccompanied: bool = False
    from_organisation: str | None = None
    #: A follow-up task for the referring user ("check the provider's answer"), due then.
    follow_up_on: date | None = None
    follow_up_title: str | None = None  # in the user's language; a msgid when not given


@dataclass(frozen=True)
class ReferralMade:
    referral: Referral
    case: Case
    consent: Consent | None  # the consent recorded with it, if one was
    task: FollowUpTask | None


@dataclass(frozen=True)
class TodayItem:
    """One line of the "today" view: a task or a referral waiting, with its case."""

    case_id: str
    case_number: str
    name_ar: str
    name_latin: str
    due_on: date
    task: FollowUpTask | None = None
    referral: Referral | None = None


@dataclass(frozen=True)
class TodayView:
    today: date
    overdue: tuple[TodayItem, ...]
    due_today: tuple[TodayItem, ...]
    upcoming: tuple[TodayItem, ...]
    waiting: tuple[TodayItem, ...]  # referrals sent with no answer yet

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.due_today) + len(self.upcoming) + len(self.waiting)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


def consent_covers(consent: Consent, provider: Provider) -> bool:
    """Whether a referral consent names this provider (by id, or by its name as typed)."""
    if consent.kind is not ConsentKind.REFERRAL or not consent.provider:
        return False
    named = consent.provider.strip().casefold()
    return named in (provider.id, provider.name_ar.strip().casefold(), provider.name_fr.strip().casefold())


def latest_referral_consent(consents: Iterable[Consent], provider: Provider) -> Consent | None:
    """The latest referral decision for this provider (a later one replaces an earlier one)."""
    found = None
    for consent in consents:  # oldest first
        if consent_covers(consent, provider):
            found = consent
    return found


def load_directory_file(data: Any) -> list[Provider]:
    """Providers of a directory file (``resources/services/directory.json`` format).

    Every entry is checked; a bad file is refused whole, naming the entry and the field.
    """
    if not isinstance(data, dict) or not isinstance(data.get("providers"), list):
        raise ValidationError([FieldError("providers", N_("Not a service directory file."))])
    providers: list[Provider] = []
    errors: list[FieldError] = []
    for index, entry in enumerate(data["providers"], start=1):
        try:
            if not isinstance(entry, dict):
                raise ValidationError([FieldError("entry", N_("Not a service directory file."))])
            providers.append(_provider_from_entry(entry, sample=bool(data.get("sample"))))
        except ValidationError as exc:
            errors += [FieldError(f"{index}.{e.field}", e.template, e.params) for e in exc.errors]
        except KeyError as exc:  # a field every entry has
            errors.append(FieldError(f"{index}.{exc.args[0]}", N_("This field is required.")))
        except (TypeError, ValueError):
            errors.append(FieldError(f"{index}", N_("Not a service directory file.")))
    ids = [p.id for p in providers]
    if len(set(ids)) != len(ids):
        errors.append(FieldError("id", N_("Two entries have the same id.")))
    if errors:
        raise ValidationError(errors)
    return providers


def _provider_from_entry(entry: dict[str, Any], *, sample: bool) -> Provider:
    flags = entry.get("takes") or []
    if not isinstance(flags, list):
        raise TypeError("takes")
    return Provider(
        id=str(entry["id"]), name_ar=entry["name_ar"], name_fr=entry["name_fr"],
        categories=tuple(ServiceCategory(c) for c in entry["categories"]),
        region_code=entry["region"], city_ar=entry["city_ar"], city_fr=entry["city_fr"],
        address=entry.get("address"), phone=entry.get("phone"), email=entry.get("email"),
        contact_person=entry.get("contact_person"), languages=tuple(entry.get("languages") or ()),
        takes_children="children" in flags, takes_women="women" in flags, takes_men="men" in flags,
        takes_families="families" in flags, capacity_notes=entry.get("capacity_notes"),
        latitude=entry.get("lat"), longitude=entry.get("lon"), active=bool(entry.get("active", True)),
        sample=sample,
    )


class ReferralService:
    def __init__(self, store: CaseStore, cases: CaseService, clock: Clock | None = None) -> None:
        self.store = store
        self.cases = cases
        self.clock = clock or cases.clock

    # --- the service directory ------------------------------------------------------------
    def seed_directory(self, relative: str = "services/directory.json") -> int:
        """Fill an empty directory with the shipped (sample) entries; returns how many."""
        if self.store.count_records(Provider):
            return 0
        providers = load_directory_file(load_json(relative))
        with self.store.transaction() as uow:
            for provider in providers:
                uow.put(provider)
            uow.audit(AuditEvent(action=AuditAction.DIRECTORY_SEEDED, at=self.clock.now(), actor_id=None,
                                 device_id=self.store.device_id, details={"providers": len(providers)}))
        return len(providers)

    def providers(
        self,
        session: Session,
        *,
        category: ServiceCategory | None = None,
        text: str = "",
        near_post: str | None = None,
        person: Person | None = None,
        include_inactive: bool = False,
    ) -> list[ProviderHit]:
        """The directory, nearest to ``near_post`` first (then by name).

        With ``person``, providers that take such a person (a child, a woman, a man) come
        before those that do not; the others are still listed, marked.
        """
        require(session.role, Action.VIEW_CASES)
        origin = border_posts().get(near_post or "")
        needle = text.strip().casefold()
        minor = person.may_be_minor(self.clock.now().date()) if person else False
        sex = person.sex.value if person else None
        hits: list[ProviderHit] = []
        for provider in self.store.all_records(Provider):
            if not include_inactive and not provider.active:
                continue
            if category is not None and category not in provider.categories:
                continue
            if needle and not any(needle in value.casefold() for value in (
                    provider.name_ar, provider.name_fr, provider.city_ar, provider.city_fr)):
                continue
            distance = None
            if origin and "lat" in origin and provider.latitude is not None and provider.longitude is not None:
                distance = distance_km(float(origin["lat"]), float(origin["lon"]),
                                       provider.latitude, provider.longitude)
            suits = provider.takes(minor=minor, sex=sex) if person else True
            hits.append(ProviderHit(provider, distance, suits))
        hits.sort(key=lambda h: (not h.provider.active, not h.suits_person,
                                 h.distance_km if h.distance_km is not None else math.inf,
                                 h.provider.name_fr.casefold()))
        return hits

    def provider(self, session: Session, provider_id: str) -> Provider:
        require(session.role, Action.VIEW_CASES)
        found = self.store.get(Provider, provider_id)
        if found is None:
            raise NotFound(kind=N_("provider"), ident=provider_id)
        return found

    def save_provider(self, session: Session, provider: Provider) -> Provider:
        """Add or edit a directory entry (the secretariat publishes the directory)."""
        require(session.role, Action.PUBLISH_AND_ENROL)
        old = self.store.get(Provider, provider.id)
        provider = dataclasses.replace(provider, sample=False) if old is None else provider
        with self.store.transaction() as uow:
            uow.put(provider, previous=old)
            uow.audit(AuditEvent(action=AuditAction.PROVIDER_SAVED, at=self.clock.now(), actor_id=session.user.id,
                                 device_id=session.device_id, record_type="provider", record_id=provider.id,
                                 details={"new": old is None, "active": provider.active}))
        return provider

    def import_directory(self, session: Session, data: Any) -> int:
        """Add or update directory entries from a file's parsed JSON, all or nothing."""
        require(session.role, Action.PUBLISH_AND_ENROL)
        providers = load_directory_file(data)
        with self.store.transaction() as uow:
            for provider in providers:
                provider = dataclasses.replace(provider, sample=False)
                old = self.store.get(Provider, provider.id)
                if old != provider:
                    uow.put(provider, previous=old)
            uow.audit(AuditEvent(action=AuditAction.PROVIDER_SAVED, at=self.clock.now(), actor_id=session.user.id,
                                 device_id=session.device_id, details={"imported": len(providers)}))
        return len(providers)

    def apply_published_directory(self, payload: bytes, version: int) -> int:
        """Make the directory the secretariat published (version ``version``) this device's
        directory, all or nothing; returns how many providers it lists.

        No role is asked: the realm's signature, verified when the publication was received,
        is the secretariat's authority. Its entries are added or updated; every other entry
        (the shipped samples, older ones) is deactivated, not deleted, because referrals
        already made name them. A payload that is not a valid directory file raises
        ``ValidationError`` and changes nothing.
        """
        try:
            data = strict_json.loads(bytes(payload))
        except ValueError:
            raise ValidationError([FieldError("providers", N_("Not a service directory file."))]) from None
        providers = [dataclasses.replace(p, sample=False) for p in load_directory_file(data)]
        published = {p.id for p in providers}
        retired = 0
        with self.store.transaction() as uow:
            for provider in providers:
                old = self.store.get(Provider, provider.id)
                if old != provider:
                    uow.put(provider, previous=old)
            for old in self.store.all_records(Provider):
                if old.id not in published and old.active:
                    uow.put(dataclasses.replace(old, active=False), previous=old)
                    retired += 1
            uow.audit(AuditEvent(action=AuditAction.DIRECTORY_PUBLISHED_APPLIED, at=self.clock.now(), actor_id=None,
                                 device_id=self.store.device_id,
                                 details={"version": int(version), "providers": len(providers), "retired": retired}))
        return len(providers)

    # --- referrals ------------------------------------------------------------------------
    def referrals(self, session: Session, case_id: str) -> list[Referral]:
        case = self.cases.visible_case(session, case_id)
        return self.store.for_case(Referral, case.id)

    def referral(self, session: Session, referral_id: str) -> Referral:
        referral = self.store.get(Referral, referral_id)
        if referral is None:
            raise NotFound(kind=N_("referral"), ident=referral_id)
        self.cases.visible_case(session, referral.case_id)
        return referral

    def consent_for(self, session: Session, case_id: str, provider_id: str) -> Consent | None:
        """The latest referral consent (or override) for this provider, if any."""
        case = self.cases.visible_case(session, case_id)
        provider = self.provider(session, provider_id)
        return latest_referral_consent(self.store.for_case(Consent, case.id), provider)

    def refer(self, session: Session, case_id: str, draft: ReferralDraft,
              consent: ConsentInput | None = None) -> ReferralMade:
        """Make a referral (offline), recording ``consent`` with it when given.

        Refused, with every reason, without the needed permission, consent or override, a
        guardian (or "unaccompanied") for a child, or a case in a state that cannot be
        referred.
        """
        action = Action.URGENT_REFERRAL if draft.urgency is Urgency.IMMEDIATE else Action.CASE_WORK
        require(session.role, action)
        case = self.cases.visible_case(session, case_id)
        provider = self.provider(session, draft.provider_id)
        person = self.cases.person_of(case)
        now = self.clock.now()
        minor = person.may_be_minor(now.date())
        reasons: list[str] = []
        if not provider.active:
            reasons.append(N_("the provider is no longer in the directory"))
        path = self._moves_for(case.state, draft.urgency)
        if path is None:
            reasons.append(N_("a case in this state cannot be referred; screen it first, or make an "
                              "immediate referral if the person is in danger"))
        if draft.urgency is Urgency.IMMEDIATE and S.URGENT_PROTECTION in (path or ()) \
                and len((draft.risk_summary or "").strip()) < 10:
            reasons.append(N_("say in the risk summary why the referral is immediate (at least 10 characters)"))
        if minor and not (draft.guardian_name and draft.guardian_name.strip()) and not draft.unaccompanied:
            reasons.append(N_("for a child, name the guardian or record that the child is unaccompanied"))
        existing = latest_referral_consent(self.store.for_case(Consent, case.id), provider)
        new_consent: Consent | None = None
        if consent is not None:
            new_consent = self._consent(session, case, person, provider, consent, now)
        basis = new_consent if new_consent is not None else existing
        if basis is None or not basis.allows_referral:
            reasons.append(N_("there is no consent to a referral to this provider, nor a recorded child "
                              "best-interests or danger-to-life override"))
        if reasons:
            raise ReferralRefused(reasons)
        assert basis is not None and path is not None
        referral = Referral(
            id=new_id(), case_id=case.id, provider_id=provider.id, provider_name=provider.name_fr,
            categories=tuple(dict.fromkeys(draft.categories)), urgency=draft.urgency,
            referred_by=session.user.id, referred_at=now, risk_summary=_clean(draft.risk_summary),
            services_detail=_clean(draft.services_detail), consent_id=basis.id, override=basis.override,
            language=_clean(draft.language), interpreter_needed=draft.interpreter_needed,
            guardian_name=_clean(draft.guardian_name) if minor else None,
            unaccompanied=draft.unaccompanied if minor else False,
            from_organisation=_clean(draft.from_organisation),
        )
        task = None
        if draft.follow_up_on is not None:
            task = FollowUpTask(
                id=new_id(), case_id=case.id, title=_clean(draft.follow_up_title) or N_("Check the provider's answer to the referral"),
                due_on=draft.follow_up_on, assigned_to=session.user.id, created_by=session.user.id,
                created_at=now, referral_id=referral.id)
        with self.store.transaction() as uow:
            if new_consent is not None:
                uow.put(new_consent)
                uow.audit(self.cases.event(session, AuditAction.CONSENT_OVERRIDE if new_consent.override
                                           else AuditAction.CONSENT_RECORDED, case, _consent_details(new_consent)))
            for target in path:
                reason = draft.risk_summary if target is S.URGENT_PROTECTION else None
                case = self.cases.apply_move(uow, session, case, target, reason=reason)
            uow.put(referral)
            uow.audit(self.cases.event(session, AuditAction.REFERRAL_CREATED, case, {
                "referral_id": referral.id, "provider_id": provider.id, "urgency": referral.urgency.value,
                "categories": [c.value for c in referral.categories],
                **({"override": basis.override.value} if basis.override else {}),
            }))
            if task is not None:
                uow.put(task)
                uow.audit(self.cases.event(session, AuditAction.TASK_ADDED, case, {"task_id": task.id}))
        return ReferralMade(referral, case, new_consent, task)

    def update_status(self, session: Session, referral_id: str, status: ReferralStatus, *,
                      on: date | None = None, feedback: str | None = None) -> Referral:
        """Record the provider's answer or the outcome (with its date and feedback).

        An acceptance moves a referred case to "accepted"; a completion records the
        services asked as services received from the provider.
        """
        require(session.role, Action.CASE_WORK)
        old = self.referral(session, referral_id)
        if status not in STATUS_MOVES[old.status]:
            raise ReferralRefused([N_("a referral cannot move from this status to that one")])
        on = on or self.clock.now().date()
        feedback = _clean(feedback)
        if status is ReferralStatus.DECLINED and len(feedback or "") < 10:
            raise ValidationError([FieldError("feedback", N_(
                "Write why the provider declined (at least 10 characters), to refer elsewhere."))])
        changes: dict[str, Any] = {"status": status, "updated_by": session.user.id}
        if feedback:
            changes["feedback"] = feedback if not old.feedback else f"{old.feedback}\n{feedback}"
        if status in (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED):
            changes["responded_on"] = on
        if status is ReferralStatus.COMPLETED:
            changes["completed_on"] = on
        if on > self.clock.now().date():
            raise ValidationError([FieldError("on", N_("This date is in the future."))])
        new = dataclasses.replace(old, **changes)  # validates the dates
        case = self.cases.visible_case(session, old.case_id)
        now = self.clock.now()
        with self.store.transaction() as uow:
            uow.put(new, previous=old)
            uow.audit(self.cases.event(session, AuditAction.REFERRAL_UPDATED, case, {
                "referral_id": new.id, "from": old.status.value, "to": status.value}))
            if status is ReferralStatus.ACCEPTED and case.state is S.REFERRED:
                case = self.cases.apply_move(uow, session, case, S.ACCEPTED)
            if status is ReferralStatus.COMPLETED:
                for category in new.categories:
                    service = ServiceReceived(
                        id=new_id(), case_id=case.id, category=category, provider_name=new.provider_name,
                        received_on=on, recorded_by=session.user.id, recorded_at=now,
                        provider_id=new.provider_id, referral_id=new.id)
                    uow.put(service)
                    uow.audit(self.cases.event(session, AuditAction.SERVICE_RECORDED, case,
                                               {"service_id": service.id, "category": category.value}))
            for task in self.store.for_case(FollowUpTask, case.id):
                if task.referral_id == new.id and not task.done and not status.is_active:
                    uow.put(dataclasses.replace(task, done_at=now, done_by=session.user.id), previous=task)
                    uow.audit(self.cases.event(session, AuditAction.TASK_DONE, case, {"task_id": task.id}))
        return new

    # --- services received and follow-up --------------------------------------------------
    def services(self, session: Session, case_id: str) -> list[ServiceReceived]:
        case = self.cases.visible_case(session, case_id)
        return self.store.for_case(ServiceReceived, case.id)

    def record_service(self, session: Session, case_id: str, category: ServiceCategory, provider_name: str,
                       received_on: date, *, description: str | None = None,
                       provider_id: str | None = None, referral_id: str | None = None) -> ServiceReceived:
        require(session.role, Action.CASE_WORK)
        case = self.cases.visible_case(session, case_id)
        service = ServiceReceived(
            id=new_id(), case_id=case.id, category=category, provider_name=provider_name.strip(),
            received_on=received_on, recorded_by=session.user.id, recorded_at=self.clock.now(),
            description=_clean(description), provider_id=provider_id, referral_id=referral_id)
        with self.store.transaction() as uow:
            uow.put(service)
            uow.audit(self.cases.event(session, AuditAction.SERVICE_RECORDED, case,
                                       {"service_id": service.id, "category": category.value}))
        return service

    def tasks(self, session: Session, case_id: str) -> list[FollowUpTask]:
        case = self.cases.visible_case(session, case_id)
        return self.store.for_case(FollowUpTask, case.id)

    def add_task(self, session: Session, case_id: str, title: str, due_on: date, *,
                 assigned_to: str | None = None, referral_id: str | None = None) -> FollowUpTask:
        """A follow-up task for the user or another user of the device (case work)."""
        require(session.role, Action.CASE_WORK)
        case = self.cases.visible_case(session, case_id)
        assignee = assigned_to or session.user.id
        if assignee != session.user.id and assignee not in {u.id for u in self.store.users() if not u.disabled}:
            raise ValidationError([FieldError("assigned_to", N_("Choose a user of this device."))])
        task = FollowUpTask(id=new_id(), case_id=case.id, title=title.strip(), due_on=due_on,
                            assigned_to=assignee, created_by=session.user.id, created_at=self.clock.now(),
                            referral_id=referral_id)
        with self.store.transaction() as uow:
            uow.put(task)
            uow.audit(self.cases.event(session, AuditAction.TASK_ADDED, case, {"task_id": task.id}))
        return task

    def complete_task(self, session: Session, task_id: str) -> FollowUpTask:
        require(session.role, Action.CASE_WORK)
        old = self.store.get(FollowUpTask, task_id)
        if old is None:
            raise NotFound(kind=N_("task"), ident=task_id)
        case = self.cases.visible_case(session, old.case_id)
        if old.done:
            return old
        new = dataclasses.replace(old, done_at=self.clock.now(), done_by=session.user.id)
        with self.store.transaction() as uow:
            uow.put(new, previous=old)
            uow.audit(self.cases.event(session, AuditAction.TASK_DONE, case, {"task_id": new.id}))
        return new

    def today(self, session: Session, today: date | None = None, *, days: int = UPCOMING_DAYS) -> TodayView:
        """What is due and overdue for the user: tasks (upcoming: due within ``days``), and
        referrals waiting for an answer."""
        require(session.role, Action.VIEW_CASES)
        today = today or self.clock.now().date()
        tasks = self.store.open_tasks(session.user.id, today + timedelta(days=max(0, days)))
        waiting = self.store.referrals_waiting(session.user.id, self.clock.now() - ANSWER_EXPECTED)
        seen: dict[str, tuple[Case, Person] | None] = {}

        def item(case_id: str, due: date, **record: Any) -> TodayItem | None:
            if case_id not in seen:
                case = self.store.get(Case, case_id)
                seen[case_id] = ((case, self.cases.person_of(case))
                                 if case is not None and self.cases.can_see(session, case) else None)
            found = seen[case_id]
            if found is None:  # transferred away, or out of this user's sight
                return None
            case, person = found
            return TodayItem(case.id, case.case_number, person.display_name_ar, person.display_name_latin,
                             due, **record)

        task_items = [i for i in (item(t.case_id, t.due_on, task=t) for t in tasks) if i]
        waiting_items = [i for i in (item(r.case_id, r.referred_at.date() + ANSWER_EXPECTED, referral=r)
                                     for r in waiting) if i]
        return TodayView(
            today=today,
            overdue=tuple(i for i in task_items if i.due_on < today),
            due_today=tuple(i for i in task_items if i.due_on == today),
            upcoming=tuple(i for i in task_items if i.due_on > today),
            waiting=tuple(waiting_items),
        )

    # --- helpers --------------------------------------------------------------------------
    @staticmethod
    def _moves_for(state: CaseState, urgency: Urgency) -> tuple[CaseState, ...] | None:
        """The lifecycle moves a referral makes from ``state`` (None: cannot be referred)."""
        if state in _IN_CARE:
            return ()
        if urgency is Urgency.IMMEDIATE and state in _BEFORE_URGENT:
            return (S.URGENT_PROTECTION, S.REFERRED)
        if state in _REFERRABLE:
            return (S.REFERRED,)
        return None

    def _consent(self, session: Session, case: Case, person: Person, provider: Provider,
                 given: ConsentInput, now: datetime) -> Consent:
        require(session.role, Action.RECORD_RISK_CONSENT)
        if given.override is OverrideBasis.CHILD_BEST_INTERESTS and not person.may_be_minor(now.date()):
            raise ValidationError([FieldError("override", N_(
                "A child best-interests override needs a person who may be under 18."))])
        return Consent(
            id=new_id(), case_id=case.id, kind=ConsentKind.REFERRAL, decision=given.decision,
            recorded_at=now, recorded_by=session.user.id, provider=provider.id,
            given_by_guardian=given.given_by_guardian, guardian_name=_clean(given.guardian_name),
            override=given.override, override_reason=_clean(given.override_reason))

    # --- the printable referral form --------------------------------------------------------
    def referral_form(self, session: Session, referral_id: str, language: str = "ar", *,
                      translate: Callable[[str], str] | None = None) -> bytes:
        """The referral form as PDF bytes, for whoever may make that referral; audited.

        The bytes are the only copy: nothing is written to disk here (the caller saves the
        one file the user chose). The audit entry names the referral, never its content.
        """
        # The PDF layer (reportlab) loads on first use: it is not needed to start the app.
        from app.reports.referral_form import ReferralRecords, form_from_records, referral_form_pdf

        referral = self.store.get(Referral, referral_id)
        if referral is None:
            raise NotFound(kind=N_("referral"), ident=referral_id)
        case = self.cases.visible_case(session, referral.case_id)
        require(session.role, Action.URGENT_REFERRAL if referral.urgency is Urgency.IMMEDIATE else Action.CASE_WORK)
        risks = sorted(self.store.for_case(RiskAssessment, case.id), key=lambda r: r.assessed_at)
        records = ReferralRecords(
            referral=referral, case=case, person=self.cases.person_of(case),
            provider=self.store.get(Provider, referral.provider_id),
            consent=self.store.get(Consent, referral.consent_id) if referral.consent_id else None,
            risk=risks[-1] if risks else None,
            referrer=next((u for u in self.store.users() if u.id == referral.referred_by), None),
            exporter=session.user, device=session.device_id, exported_at=self.clock.now())
        translate = translate or gettext_for(language)
        pdf = referral_form_pdf(form_from_records(records, language, translate), language, translate)
        with self.store.transaction() as uow:
            uow.audit(self.cases.event(session, AuditAction.EXPORT, case,
                                       {"kind": "referral_form", "referral_id": referral.id, "language": language}))
        return pdf

    def may_refer(self, session: Session, urgency: Urgency) -> bool:
        return allowed(session.role, Action.URGENT_REFERRAL if urgency is Urgency.IMMEDIATE else Action.CASE_WORK)


def _consent_details(consent: Consent) -> dict[str, Any]:
    return {"consent_id": consent.id, "kind": consent.kind.value, "decision": consent.decision.value,
            **({"override": consent.override.value} if consent.override else {})}


def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None


__all__ = [
    "ReferralRefused", "ConsentInput", "ProviderHit", "ReferralDraft", "ReferralMade", "ReferralService",
    "TodayItem", "TodayView", "distance_km", "latest_referral_consent", "load_directory_file",
]
