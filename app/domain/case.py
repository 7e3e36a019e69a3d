"""A case, its risk assessments, consents and notes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from app.domain.checks import Checker
from app.domain.values import (
    ClosureReason, ConsentDecision, ConsentKind, OverrideBasis, RiskLevel, RiskStage, CaseState,
)
from app.resources import agencies, border_posts
from app.text import N_

CASE_NUMBER = re.compile(r"^HMY-\d{4}-[0-9A-Z]{4,8}-\d{5,}$")


@dataclass(frozen=True)
class Case:
    """One person's case in the referral mechanism (HTCDS ``cas_`` fields where they exist).

    ``scope_id`` is the unit of access and sync (a team or region). The case number is
    readable and unique without a network: year, the device's short code and a counter.
    """

    RECORD_TYPE: ClassVar[str] = "case"
    WIRE: ClassVar[dict[str, str]] = {
        "case_number": "cas_CaseNumber",
        "person_id": "cas_PersonId",
        "scope_id": "hmy_ScopeId",
        "state": "hmy_State",
        "border_post": "hmy_BorderPost",
        "office": "hmy_Office",
        "detecting_agency": "hmy_DetectingAgency",
        "detected_on": "hmy_DetectedOn",
        "opened_at": "cas_OpenedDate",
        "closed_at": "cas_ClosedDate",
        "closure_reason": "cas_ClosureReason",
        "created_by": "hmy_CreatedBy",
        "assigned_to": "cas_PrimaryCaseWorker",
        "screening_outcome": "hmy_ScreeningOutcome",
        "closure_approved_by": "hmy_ClosureApprovedBy",
    }

    id: str
    case_number: str
    person_id: str
    scope_id: str
    state: CaseState
    detected_on: date
    opened_at: datetime
    created_by: str
    border_post: str | None = None
    office: str | None = None
    detecting_agency: str | None = None
    assigned_to: str | None = None
    closed_at: datetime | None = None
    closure_reason: ClosureReason | None = None
    screening_outcome: CaseState | None = None
    closure_approved_by: str | None = None

    def __post_init__(self) -> None:
        c = Checker()
        c.uuid("id", self.id)
        c.uuid("person_id", self.person_id)
        c.uuid("created_by", self.created_by)
        c.uuid("assigned_to", self.assigned_to, required=False)
        if not isinstance(self.case_number, str) or not CASE_NUMBER.match(self.case_number):
            c.fail("case_number", N_("Not a Himaya case number."))
        c.text("scope_id", self.scope_id, max_len=40, required=True)
        if not isinstance(self.state, CaseState):
            c.fail("state", N_("Choose one of the listed values."))
        c.date_not_future("detected_on", self.detected_on)
        if self.border_post is None and self.office is None:
            c.fail("border_post", N_("Give the border post or the office where the person was met."))
        if self.border_post is not None and self.border_post not in border_posts():
            c.fail("border_post", N_("Unknown border post or office."))
        c.text("office", self.office, max_len=120)
        if self.detecting_agency is not None and self.detecting_agency not in agencies():
            c.fail("detecting_agency", N_("Unknown agency."))
        if self.state is CaseState.CLOSED:
            if self.closure_reason is None:
                c.fail("closure_reason", N_("A closed case needs a closure reason."))
            if self.closed_at is None:
                c.fail("closed_at", N_("A closed case needs a closing date."))
        c.done()

    @property
    def htcds_status(self) -> str:
        return self.state.htcds_status


@dataclass(frozen=True)
class RiskAssessment:
    """A risk assessment at one moment; the history is the list of them (append-only)."""

    RECORD_TYPE: ClassVar[str] = "risk"
    WIRE: ClassVar[dict[str, str]] = {
        "case_id": "hmy_CaseId",
        "stage": "hmy_Stage",
        "assessed_at": "hmy_AssessedAt",
        "assessed_by": "hmy_AssessedBy",
        "immediate_danger": "hmy_ImmediateDanger",
        "controller_nearby": "hmy_ControllerNearby",
        "medical_urgency": "hmy_MedicalUrgency",
        "minor_or_unaccompanied": "hmy_MinorOrUnaccompanied",
        "pregnancy": "hmy_Pregnancy",
        "shelter_tonight": "hmy_ShelterTonight",
        "retrafficking_risk": "hmy_RetraffickingRisk",
        "return_risk": "hmy_ReturnRisk",
        "summary": "hmy_Summary",
    }

    id: str
    case_id: str
    stage: RiskStage
    assessed_at: datetime
    assessed_by: str
    immediate_danger: bool | None = None
    controller_nearby: bool | None = None
    medical_urgency: bool | None = None
    minor_or_unaccompanied: bool | None = None
    pregnancy: bool | None = None
    shelter_tonight: bool | None = None
    retrafficking_risk: RiskLevel = RiskLevel.UNKNOWN
    return_risk: RiskLevel = RiskLevel.UNKNOWN
    summary: str | None = None

    def __post_init__(self) -> None:
        c = Checker()
        c.uuid("id", self.id)
        c.uuid("case_id", self.case_id)
        c.uuid("assessed_by", self.assessed_by)
        c.text("summary", self.summary, max_len=2000)
        c.done()

    @property
    def urgent_flags(self) -> tuple[str, ...]:
        """Names of the answers that call for action today."""
        flags = ("immediate_danger", "controller_nearby", "medical_urgency", "shelter_tonight")
        found = [name for name in flags if getattr(self, name)]
        if self.retrafficking_risk is RiskLevel.HIGH:
            found.append("retrafficking_risk")
        return tuple(found)

    @property
    def is_urgent(self) -> bool:
        return bool(self.urgent_flags)


@dataclass(frozen=True)
class Consent:
    """One consent decision (HTCDS ``vic_AgreementToManagePersonalData`` generalised).

    Referral consents name the provider. An override lets a referral go ahead without
    consent, only for a child's best interests or a danger to life, with a reason.
    """

    RECORD_TYPE: ClassVar[str] = "consent"
    WIRE: ClassVar[dict[str, str]] = {
        "case_id": "hmy_CaseId",
        "kind": "hmy_Kind",
        "decision": "hmy_Decision",
        "provider": "hmy_Provider",
        "recorded_at": "hmy_RecordedAt",
        "recorded_by": "hmy_RecordedBy",
        "given_by_guardian": "hmy_GivenByGuardian",
        "guardian_name": "hmy_GuardianName",
        "override": "hmy_Override",
        "override_reason": "hmy_OverrideReason",
    }

    id: str
    case_id: str
    kind: ConsentKind
    decision: ConsentDecision
    recorded_at: datetime
    recorded_by: str
    provider: str | None = None
    given_by_guardian: bool = False
    guardian_name: str | None = None
    override: OverrideBasis | None = None
    override_reason: str | None = None

    def __post_init__(self) -> None:
        c = Checker()
        c.uuid("id", self.id)
        c.uuid("case_id", self.case_id)
        c.uuid("recorded_by", self.recorded_by)
        c.text("provider", self.provider, max_len=160)
        c.text("guardian_name", self.guardian_name, max_len=120)
        c.text("override_reason", self.override_reason, max_len=2000)
        if self.kind is ConsentKind.REFERRAL and not (self.provider and self.provider.strip()):
            c.fail("provider", N_("A referral consent names the provider it is for."))
        if self.given_by_guardian and not self.guardian_name:
            c.fail("guardian_name", N_("Name the guardian who gave consent."))
        if self.override is not None:
            if self.kind is not ConsentKind.REFERRAL:
                c.fail("override", N_("Only a referral can go ahead without consent."))
            if self.decision is ConsentDecision.GIVEN:
                c.fail("override", N_("An override is only recorded when consent is not given."))
            if not self.override_reason or len(self.override_reason.strip()) < 10:
                c.fail("override_reason", N_("Explain the override in a sentence (at least 10 characters)."))
        c.done()

    @property
    def allows_referral(self) -> bool:
        return self.kind is ConsentKind.REFERRAL and (
            self.decision is ConsentDecision.GIVEN or self.override is not None
        )


@dataclass(frozen=True)
class Note:
    """A case note. Notes are append-only: a correction is a new note."""

    RECORD_TYPE: ClassVar[str] = "note"
    WIRE: ClassVar[dict[str, str]] = {
        "case_id": "hmy_CaseId",
        "written_at": "hmy_WrittenAt",
        "author": "hmy_Author",
        "text": "hmy_Text",
    }

    id: str
    case_id: str
    written_at: datetime
    author: str
    text: str

    def __post_init__(self) -> None:
        c = Checker()
        c.uuid("id", self.id)
        c.uuid("case_id", self.case_id)
        c.uuid("author", self.author)
        c.text("text", self.text, max_len=20000, required=True)
        c.done()
