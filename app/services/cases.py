"""Case work: register, open, edit, move through the lifecycle, risk, consent, notes.

Every method takes the ``Session`` of the user doing it, checks the permission matrix and
the case's visibility, and writes the change with its audit entry in one transaction.
Methods return what changed so a front end can refresh only that.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Callable, Iterable, Protocol, Sequence

from app.domain.audit import AuditAction, AuditEvent
from app.domain.case import Case, Consent, Note, RiskAssessment
from app.domain.checks import new_id
from app.domain.person import Person
from app.domain.referral import FollowUpTask, Referral, ServiceReceived
from app.domain.user import Session
from app.domain.values import (
    ROLE_LABELS, CaseState, ClosureReason, ConsentDecision, ConsentKind, OverrideBasis, Role, RiskStage,
)
from app.errors import FieldError, NotFound, PermissionDenied, ValidationError
from app.lifecycle import CaseFacts, Transition, available, check
from app.permissions import VISIBILITY, Action, Visibility, require
from app.ports import CaseQuery, CaseRow, CaseStore, Clock, SystemClock, UnitOfWork
from app.text import N_

if TYPE_CHECKING:
    from app.importing import ImportEntry


@dataclass(frozen=True)
class CaseFile:
    """Everything the case file screen shows."""

    case: Case
    person: Person
    risks: tuple[RiskAssessment, ...]
    consents: tuple[Consent, ...]
    notes: tuple[Note, ...]
    moves: tuple[Transition, ...]
    referrals: tuple[Referral, ...] = ()
    services: tuple[ServiceReceived, ...] = ()
    tasks: tuple[FollowUpTask, ...] = ()

    @property
    def latest_risk(self) -> RiskAssessment | None:
        return self.risks[-1] if self.risks else None


class PreparedCase(Protocol):
    """A case built elsewhere with all its records (e.g. ``app.demo.DemoCase``)."""

    person: Person
    case: Case
    risks: tuple[RiskAssessment, ...]
    consents: tuple[Consent, ...]
    notes: tuple[Note, ...]
    referrals: tuple[Referral, ...]
    services: tuple[ServiceReceived, ...]
    tasks: tuple[FollowUpTask, ...]


class CaseService:
    def __init__(self, store: CaseStore, clock: Clock | None = None) -> None:
        self.store = store
        self.clock = clock or SystemClock()

    # --- reading ------------------------------------------------------------------------
    def list_cases(self, session: Session, query: CaseQuery) -> list[CaseRow]:
        return self.store.list_cases(self._visible(session, query))

    def count_cases(self, session: Session, query: CaseQuery) -> int:
        return self.store.count_cases(self._visible(session, query))

    def open_case(self, session: Session, case_id: str, *, record_view: bool = True) -> CaseFile:
        """The whole case file. Opening it is audited; ``record_view=False`` is for showing
        again a case the user already has open (after their own edit, or a sync)."""
        case = self._case(session, case_id)
        if record_view:
            with self.store.transaction() as uow:
                uow.audit(self._event(session, AuditAction.CASE_VIEWED, case))
        return self._file(session, case)

    def history(self, session: Session, case_id: str) -> list[Any]:
        case = self._case(session, case_id)
        return self.store.audit_entries(record_id=case.id)

    # --- writing ------------------------------------------------------------------------
    def register(
        self,
        session: Session,
        person: Person,
        *,
        border_post: str | None = None,
        office: str | None = None,
        detecting_agency: str | None = None,
        detected_on: date | None = None,
    ) -> Case:
        """Open a new case for ``person`` (state: detected)."""
        require(session.role, Action.CREATE_CASE)
        user = session.user
        post = border_post if border_post is not None else user.border_post
        if session.role is Role.BORDER_OFFICER and post != user.border_post:
            raise PermissionDenied(role=ROLE_LABELS[session.role], action=N_("register a case at another border post"))
        now = self.clock.now()
        with self.store.transaction() as uow:
            case = Case(
                id=new_id(),
                case_number=uow.next_case_number(now.year),
                person_id=person.id,
                scope_id=user.scope_id,
                state=CaseState.DETECTED,
                detected_on=detected_on or now.date(),
                opened_at=now,
                created_by=user.id,
                border_post=post,
                office=office,
                detecting_agency=detecting_agency,
                assigned_to=user.id,
            )
            uow.put(person)
            uow.put(case)
            uow.audit(self._event(session, AuditAction.CASE_CREATED, case, {"case_number": case.case_number}))
        return case

    def import_entries(self, session: Session, entries: "Sequence[ImportEntry]") -> list[Case]:
        """Register every entry of a validated import file in ONE transaction (all or nothing)."""
        require(session.role, Action.CREATE_CASE)
        user = session.user
        now = self.clock.now()
        created: list[Case] = []
        with self.store.transaction() as uow:
            for entry in entries:
                post = entry.border_post
                if session.role is Role.BORDER_OFFICER and post != user.border_post:
                    raise PermissionDenied(role=ROLE_LABELS[session.role],
                                           action=N_("register a case at another border post"))
                case = Case(
                    id=new_id(), case_number=uow.next_case_number(now.year), person_id=entry.person.id,
                    scope_id=user.scope_id, state=CaseState.DETECTED,
                    detected_on=entry.detected_on or now.date(), opened_at=now, created_by=user.id,
                    border_post=post, office=entry.office, detecting_agency=entry.detecting_agency,
                    assigned_to=user.id,
                )
                uow.put(entry.person)
                uow.put(case)
                for text in entry.notes:
                    uow.put(Note(new_id(), case.id, now, user.id, text))
                uow.audit(self._event(session, AuditAction.CASE_IMPORTED, case, {"case_number": case.case_number}))
                created.append(case)
        return created

    def add_prepared(self, session: Session, bundles: "Iterable[PreparedCase]", *,
                     chunk: int = 2000, progress: "Callable[[int], bool] | None" = None) -> int:
        """Store complete, already-built cases (demo data), ``chunk`` per transaction.

        ``progress(n_done)`` may return False to stop after the current chunk. Returns how
        many cases were stored; each chunk is all or nothing.
        """
        require(session.role, Action.CREATE_CASE)
        done = 0
        batch: list[PreparedCase] = []

        def write(items: list[PreparedCase]) -> None:
            with self.store.transaction() as uow:
                for item in items:
                    uow.put(item.person)
                    uow.put(item.case)
                    for record in (*item.risks, *item.consents, *item.notes, *item.referrals, *item.services,
                                   *item.tasks):
                        uow.put(record)
                    uow.audit(self._event(session, AuditAction.DEMO_DATA, item.case,
                                          {"case_number": item.case.case_number}))

        for bundle in bundles:
            batch.append(bundle)
            if len(batch) >= chunk:
                write(batch)
                done += len(batch)
                batch = []
                if progress is not None and progress(done) is False:
                    return done
        if batch:
            write(batch)
            done += len(batch)
            if progress is not None:
                progress(done)
        return done

    def update_person(self, session: Session, case_id: str, new: Person) -> Person:
        require(session.role, Action.RECORD_RISK_CONSENT)
        case = self._case(session, case_id)
        old = self._person(case)
        if new.id != old.id:
            raise NotFound(kind="person", ident=new.id)
        changed = _changed_fields(old, new)
        if changed:
            with self.store.transaction() as uow:
                uow.put(new, previous=old)
                uow.audit(self._event(session, AuditAction.PERSON_UPDATED, case, {"fields": changed}))
        return new

    def update_case(self, session: Session, case_id: str, **changes: Any) -> Case:
        """Change the case's own fields (post, office, agency, worker); not its state."""
        require(session.role, Action.CASE_WORK)
        allowed_fields = {"border_post", "office", "detecting_agency", "assigned_to", "detected_on"}
        unknown = set(changes) - allowed_fields
        if unknown:
            raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")
        old = self._case(session, case_id)
        new = dataclasses.replace(old, **changes)
        changed = _changed_fields(old, new)
        if changed:
            with self.store.transaction() as uow:
                uow.put(new, previous=old)
                uow.audit(self._event(session, AuditAction.CASE_UPDATED, new, {"fields": changed}))
        return new

    def move(
        self,
        session: Session,
        case_id: str,
        target: CaseState,
        *,
        reason: str | None = None,
        closure_reason: ClosureReason | None = None,
        to_scope: str | None = None,
    ) -> Case:
        """Move the case through the lifecycle; refused with every reason if a guard fails.

        ``to_scope`` hands a transferred case to another team or region: it leaves this
        scope (its records go with it) and that scope's supervisor reopens it there.
        """
        old = self._case(session, case_id)
        with self.store.transaction() as uow:
            return self.apply_move(uow, session, old, target, reason=reason,
                                   closure_reason=closure_reason, to_scope=to_scope)

    def apply_move(
        self,
        uow: UnitOfWork,
        session: Session,
        old: Case,
        target: CaseState,
        *,
        reason: str | None = None,
        closure_reason: ClosureReason | None = None,
        to_scope: str | None = None,
    ) -> Case:
        """One lifecycle move inside an open transaction (other services chain moves with
        their own records: a referral moves its case in the same transaction)."""
        reason = (reason or "").strip() or None  # a blank reason box is no reason (and no empty note)
        to_scope = (to_scope or "").strip() or None
        if to_scope is not None and (target is not CaseState.TRANSFERRED or to_scope == old.scope_id
                                     or len(to_scope) > 40):
            raise ValidationError([FieldError("to_scope", N_(
                "A case can only be handed to another scope when it is transferred."))])
        facts = self._facts(session, old, reason, closure_reason)
        check(old.state, target, facts)
        now = self.clock.now()
        updates: dict[str, Any] = {"state": target}
        if target is CaseState.CLOSED:
            updates.update(closed_at=now, closure_reason=closure_reason, closure_approved_by=session.user.id)
        elif old.state in (CaseState.CLOSED, CaseState.TRANSFERRED):
            updates.update(closed_at=None, closure_reason=None, closure_approved_by=None)
        if target in (CaseState.NO_INDICATORS, CaseState.OTHER_VULNERABILITY, CaseState.PRESUMED_VICTIM) \
                and old.state is CaseState.SCREENING:
            updates["screening_outcome"] = target
        if to_scope is not None:
            updates["scope_id"] = to_scope
        new = dataclasses.replace(old, **updates)
        details: dict[str, Any] = {"from": old.state.value, "to": target.value}
        if closure_reason is not None:
            details["closure_reason"] = closure_reason.value
        if to_scope is not None:
            details.update(from_scope=old.scope_id, to_scope=to_scope)
        if reason:
            details["reason_given"] = True  # the reason's text is case content: it goes in a note
        uow.put(new, previous=old)
        if reason:
            uow.put(Note(new_id(), old.id, now, session.user.id, reason))
        uow.audit(self._event(session, AuditAction.CASE_TRANSITION, new, details))
        return new

    def record_risk(self, session: Session, case_id: str, stage: RiskStage, **answers: Any) -> RiskAssessment:
        require(session.role, Action.RECORD_RISK_CONSENT)
        case = self._case(session, case_id)
        risk = RiskAssessment(
            id=new_id(), case_id=case.id, stage=stage, assessed_at=self.clock.now(),
            assessed_by=session.user.id, **answers,
        )
        with self.store.transaction() as uow:
            uow.put(risk)
            uow.audit(self._event(session, AuditAction.RISK_RECORDED, case,
                                  {"risk_id": risk.id, "urgent": risk.is_urgent}))
        return risk

    def record_consent(
        self,
        session: Session,
        case_id: str,
        kind: ConsentKind,
        decision: ConsentDecision,
        *,
        provider: str | None = None,
        given_by_guardian: bool = False,
        guardian_name: str | None = None,
        override: OverrideBasis | None = None,
        override_reason: str | None = None,
    ) -> Consent:
        require(session.role, Action.RECORD_RISK_CONSENT)
        case = self._case(session, case_id)
        if override is not None and override is OverrideBasis.CHILD_BEST_INTERESTS:
            person = self._person(case)
            if not person.may_be_minor(self.clock.now().date()):
                raise ValidationError([FieldError("override", N_(
                    "A child best-interests override needs a person who may be under 18."))])
        consent = Consent(
            id=new_id(), case_id=case.id, kind=kind, decision=decision,
            recorded_at=self.clock.now(), recorded_by=session.user.id, provider=provider,
            given_by_guardian=given_by_guardian, guardian_name=guardian_name,
            override=override, override_reason=override_reason,
        )
        action = AuditAction.CONSENT_OVERRIDE if override else AuditAction.CONSENT_RECORDED
        with self.store.transaction() as uow:
            uow.put(consent)
            uow.audit(self._event(session, action, case, {
                "consent_id": consent.id, "kind": kind.value, "decision": decision.value,
                **({"override": override.value} if override else {}),
            }))
        return consent

    def add_note(self, session: Session, case_id: str, text: str) -> Note:
        require(session.role, Action.CASE_WORK)
        case = self._case(session, case_id)
        note = Note(new_id(), case.id, self.clock.now(), session.user.id, text)
        with self.store.transaction() as uow:
            uow.put(note)
            uow.audit(self._event(session, AuditAction.NOTE_ADDED, case, {"note_id": note.id}))
        return note

    # --- helpers ------------------------------------------------------------------------
    def _visible(self, session: Session, query: CaseQuery) -> CaseQuery:
        require(session.role, Action.VIEW_CASES)
        visibility = VISIBILITY[session.role]
        if visibility is Visibility.ALL_SCOPES:
            return dataclasses.replace(query, scope_ids=None)
        query = dataclasses.replace(query, scope_ids=frozenset({session.user.scope_id}))
        if visibility is Visibility.OWN_POST:
            query = dataclasses.replace(query, border_posts=frozenset({session.user.border_post or ""}))
        return query

    def visible_query(self, session: Session, query: CaseQuery) -> CaseQuery:
        """``query`` narrowed to the cases the session may see (for other services' reads)."""
        return self._visible(session, query)

    def can_see(self, session: Session, case: Case) -> bool:
        visibility = VISIBILITY[session.role]
        if visibility is Visibility.ALL_SCOPES:
            return True
        if case.scope_id != session.user.scope_id:
            return False
        return visibility is Visibility.OWN_SCOPE or case.border_post == session.user.border_post

    def visible_case(self, session: Session, case_id: str) -> Case:
        """The case, when the session may see it (``NotFound`` otherwise); for other services."""
        return self._case(session, case_id)

    def person_of(self, case: Case) -> Person:
        return self._person(case)

    def _case(self, session: Session, case_id: str) -> Case:
        require(session.role, Action.VIEW_CASES)
        case = self.store.get(Case, case_id)
        # A case outside the user's scope is reported as absent: its existence is not told.
        if case is None or not self.can_see(session, case):
            raise NotFound(kind=N_("case"), ident=case_id)
        return case

    def _person(self, case: Case) -> Person:
        person = self.store.get(Person, case.person_id)
        if person is None:
            raise NotFound(kind=N_("person"), ident=case.person_id)
        return person

    def _facts(self, session: Session, case: Case, reason: str | None,
               closure_reason: ClosureReason | None) -> CaseFacts:
        consents = self.store.for_case(Consent, case.id)
        latest: dict[tuple[ConsentKind, str | None], Consent] = {}
        for consent in consents:  # oldest first: a later decision replaces an earlier one
            latest[(consent.kind, consent.provider)] = consent
        screening = any(c.kind is ConsentKind.SCREENING and c.decision is ConsentDecision.GIVEN
                        for c in latest.values())
        referral = any(c.allows_referral for c in latest.values())
        return CaseFacts(
            role=session.role, screening_consent=screening, screening_outcome=case.screening_outcome,
            referral_consent=referral, reason=reason, closure_reason=closure_reason,
        )

    def _file(self, session: Session, case: Case) -> CaseFile:
        return CaseFile(
            case=case,
            person=self._person(case),
            risks=tuple(self.store.for_case(RiskAssessment, case.id)),
            consents=tuple(self.store.for_case(Consent, case.id)),
            notes=tuple(self.store.for_case(Note, case.id)),
            moves=tuple(available(case.state, session.role)),
            referrals=tuple(self.store.for_case(Referral, case.id)),
            services=tuple(self.store.for_case(ServiceReceived, case.id)),
            tasks=tuple(self.store.for_case(FollowUpTask, case.id)),
        )

    def event(self, session: Session, action: str, case: Case, details: dict[str, Any] | None = None) -> AuditEvent:
        """An audit event about ``case`` (for other services that write case records)."""
        return self._event(session, action, case, details)

    def _event(self, session: Session, action: str, case: Case, details: dict[str, Any] | None = None) -> AuditEvent:
        return AuditEvent(
            action=action, at=self.clock.now(), actor_id=session.user.id, device_id=session.device_id,
            record_type="case", record_id=case.id, details=details or {},
        )


def _changed_fields(old: Any, new: Any) -> list[str]:
    return [f.name for f in dataclasses.fields(old) if getattr(old, f.name) != getattr(new, f.name)]
