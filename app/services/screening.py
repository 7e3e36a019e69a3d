"""Screening interviews: start one on a case, save it as it goes, complete it.

A draft may be saved as often as needed (offline, the interview resumes where it was);
completing it evaluates the answers with the checklist version the screening started
with, stores the result, and records the recommended outcome on the case so the lifecycle
move it allows needs no written reason. A completed screening is never changed:
re-screening starts a new one. Audit entries name the screening, never an answer.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from app.domain.audit import AuditAction, AuditEvent
from app.domain.case import Case, RiskAssessment
from app.domain.checks import new_id
from app.domain.screening import Screening, ScreeningStatus
from app.domain.user import Session
from app.domain.values import RiskStage
from app.errors import FieldError, HimayaError, NotFound, ValidationError
from app.permissions import Action, require
from app.ports import CaseStore, Clock, SystemClock
from app.screening.checklist import ChecklistLibrary, load_checklist
from app.screening.engine import ScreeningResult, evaluate, validate_answers
from app.screening.model import Checklist
from app.services.cases import CaseService
from app.text import N_


class ScreeningCompleted(HimayaError):
    """A completed screening is a record of what was said then; it is not edited."""

    template = N_("This screening was completed and cannot be changed. Start a new screening instead.")


class AnswersMissing(ValidationError):
    """Completing needs an answer (possibly "not known") to every required question."""


MISSING_ANSWER = N_("Answer this question (\"Not known\" is an answer) before finishing.")


class ScreeningService:
    def __init__(self, store: CaseStore, library: ChecklistLibrary, clock: Clock | None = None) -> None:
        self.store = store
        self.library = library
        self.clock = clock or SystemClock()
        self.cases = CaseService(store, self.clock)

    # --- reading ------------------------------------------------------------------------
    def for_case(self, session: Session, case_id: str) -> list[Screening]:
        """Every screening of the case, oldest first."""
        case = self.cases.visible_case(session, case_id)
        found = self.store.for_case(Screening, case.id)
        return sorted(found, key=lambda s: s.started_at)

    def draft_for(self, session: Session, case_id: str) -> Screening | None:
        """The screening under way on the case (the newest, if there were several)."""
        drafts = [s for s in self.for_case(session, case_id) if s.is_draft]
        return drafts[-1] if drafts else None

    def get(self, session: Session, screening_id: str) -> Screening:
        screening, _case = self._screening(session, screening_id)
        return screening

    def checklist_of(self, screening: Screening) -> Checklist:
        """The exact checklist version the screening uses."""
        return self.library.get(screening.checklist_id, screening.checklist_version)

    # --- the checklists in use ------------------------------------------------------------
    def apply_published_checklist(self, payload: bytes, version: int) -> Checklist:
        """Put a checklist the secretariat published (publication ``version``) in use: new
        screenings start on it; screenings already made keep the version they name.

        No role is asked: the realm's signature, verified when the publication was received,
        is the secretariat's authority. The payload is checked exactly like a checklist file
        and must be a new version (``ChecklistLibrary.admit``); otherwise ``ChecklistInvalid``
        says why and the checklists in use stay as they were.
        """
        source = f"published version {int(version)}"
        checklist = load_checklist(bytes(payload), source)
        library = self.library.admit(checklist, source)
        with self.store.transaction() as uow:
            uow.audit(AuditEvent(action=AuditAction.CHECKLIST_PUBLISHED_APPLIED, at=self.clock.now(),
                                 actor_id=None, device_id=self.store.device_id,
                                 details={"version": int(version), "checklist_id": checklist.id,
                                          "checklist_version": checklist.version}))
        self.library = library
        return checklist

    def use_checklists(self, checklists: list[Checklist]) -> None:
        """Add checklists put in use before (published ones kept in the store), at unlock."""
        self.library = self.library.with_checklists(checklists)

    # --- writing ------------------------------------------------------------------------
    def start(self, session: Session, case_id: str, checklist_id: str) -> Screening:
        """A new draft on the latest version of ``checklist_id`` (re-screening: a new one)."""
        require(session.role, Action.RUN_SCREENING)
        case = self.cases.visible_case(session, case_id)
        checklist = self.library.latest(checklist_id)
        screening = Screening(
            id=new_id(), case_id=case.id, checklist_id=checklist.id, checklist_version=checklist.version,
            status=ScreeningStatus.DRAFT, started_at=self.clock.now(), started_by=session.user.id,
        )
        with self.store.transaction() as uow:
            uow.put(screening)
            uow.audit(self._event(session, AuditAction.SCREENING_STARTED, case, screening))
        return screening

    def save_draft(self, session: Session, screening_id: str, answers: Mapping[str, Any]) -> Screening:
        """Keep the answers given so far; unanswered questions may stay unanswered."""
        require(session.role, Action.RUN_SCREENING)
        old, case = self._draft(session, screening_id)
        answers = dict(answers)
        self._validate(old, answers)
        new = dataclasses.replace(old, answers=answers)
        if new != old:
            with self.store.transaction() as uow:
                uow.put(new, previous=old)
                uow.audit(self._event(session, AuditAction.SCREENING_SAVED, case, new,
                                      {"answered": len(answers)}))
        return new

    def complete(self, session: Session, screening_id: str,
                 answers: Mapping[str, Any]) -> tuple[Screening, ScreeningResult]:
        """Evaluate and store the result; record the recommended outcome on the case."""
        require(session.role, Action.RUN_SCREENING)
        old, case = self._draft(session, screening_id)
        answers = dict(answers)
        checklist = self._validate(old, answers)
        person = self.cases.person_of(case)
        now = self.clock.now()
        result = evaluate(checklist, answers, possibly_minor=person.may_be_minor(now.date()))
        if result.missing_required:
            raise AnswersMissing([FieldError(f"answers.{item_id}", MISSING_ANSWER)
                                  for item_id in result.missing_required])
        new = dataclasses.replace(
            old, answers=answers, status=ScreeningStatus.COMPLETED, completed_at=now,
            completed_by=session.user.id, recommendation=result.recommendation.value,
            result=result.to_dict(),
        )
        outcome = result.recommendation.case_state
        details: dict[str, Any] = {"recommendation": new.recommendation, "answered": len(answers)}
        risk = _risk_from(result, case, session, now)
        with self.store.transaction() as uow:
            uow.put(new, previous=old)
            if outcome is not None and case.screening_outcome is not outcome:
                uow.put(dataclasses.replace(case, screening_outcome=outcome), previous=case)
                details["screening_outcome"] = outcome.value
            if risk is not None:
                uow.put(risk)
                details["risk_id"] = risk.id
            uow.audit(self._event(session, AuditAction.SCREENING_COMPLETED, case, new, details))
        return new, result

    # --- helpers ------------------------------------------------------------------------
    def _screening(self, session: Session, screening_id: str) -> tuple[Screening, Case]:
        screening = self.store.get(Screening, screening_id)
        if screening is None:
            raise NotFound(kind=N_("screening"), ident=screening_id)
        try:
            case = self.cases.visible_case(session, screening.case_id)
        except NotFound:  # a screening of a case the user may not see is not told to exist
            raise NotFound(kind=N_("screening"), ident=screening_id) from None
        return screening, case

    def _draft(self, session: Session, screening_id: str) -> tuple[Screening, Case]:
        screening, case = self._screening(session, screening_id)
        if not screening.is_draft:
            raise ScreeningCompleted()
        return screening, case

    def _validate(self, screening: Screening, answers: dict[str, Any]) -> Checklist:
        checklist = self.checklist_of(screening)
        validate_answers(checklist, answers)
        return checklist

    def _event(self, session: Session, action: str, case: Case, screening: Screening,
               extra: dict[str, Any] | None = None) -> AuditEvent:
        details = {"screening_id": screening.id, "checklist_id": screening.checklist_id,
                   "checklist_version": screening.checklist_version, **(extra or {})}
        return AuditEvent(action=action, at=self.clock.now(), actor_id=session.user.id,
                          device_id=session.device_id, record_type="case", record_id=case.id, details=details)


def _risk_from(result: ScreeningResult, case: Case, session: Session, now: Any) -> RiskAssessment | None:
    """The triage answers that call for action become a risk assessment (stage: screening),
    so the case shows its urgent banner and the risk history starts at the screening."""
    flags = set(result.urgent_flags)
    if not flags:
        return None
    return RiskAssessment(
        id=new_id(), case_id=case.id, stage=RiskStage.SCREENING, assessed_at=now, assessed_by=session.user.id,
        immediate_danger=True if "immediate_danger" in flags else None,
        controller_nearby=True if "controller_nearby" in flags else None,
        medical_urgency=True if "medical_urgency" in flags else None,
        minor_or_unaccompanied=True if "child" in flags else None,
    )
