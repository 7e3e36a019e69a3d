"""Referral and assistance records: the service directory, referrals, services, tasks.

A referral records what NRM.md asks: from (organisation, worker), to (a provider of the
directory, with its name copied so the referral still reads right if the directory
changes), the services asked, urgency, a risk summary, the consent or override it relies
on, the language, the guardian of a child, and its status with dates and the provider's
feedback. Statuses move ``sent → accepted | declined``, ``accepted → completed``; a sent
or accepted referral may be withdrawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from app.domain.checks import Checker
from app.domain.values import Code, OverrideBasis
from app.text import N_

LANGUAGE_CODE_MAX = 12


class ServiceCategory(Code):
    """The referral categories of the mechanism (NRM.md)."""

    EMERGENCY_PROTECTION = "emergency_protection"
    LEGAL_AID = "legal_aid"
    HEALTH = "health"
    SHELTER = "shelter"
    PSYCHOSOCIAL = "psychosocial"
    CHILD_PROTECTION = "child_protection"
    RETURN_REINTEGRATION = "return_reintegration"
    SOCIOECONOMIC = "socioeconomic_reintegration"


CATEGORY_LABELS = {
    ServiceCategory.EMERGENCY_PROTECTION: N_("Emergency protection"),
    ServiceCategory.LEGAL_AID: N_("Legal and judicial aid"),
    ServiceCategory.HEALTH: N_("Health care"),
    ServiceCategory.SHELTER: N_("Urgent and temporary shelter"),
    ServiceCategory.PSYCHOSOCIAL: N_("Psychosocial support"),
    ServiceCategory.CHILD_PROTECTION: N_("Child protection"),
    ServiceCategory.RETURN_REINTEGRATION: N_("Return and reintegration"),
    ServiceCategory.SOCIOECONOMIC: N_("Socio-economic reintegration"),
}


class Urgency(Code):
    IMMEDIATE = "immediate"  # today: danger, medical urgency, shelter tonight
    PRIORITY = "priority"  # within a few days
    ROUTINE = "routine"


URGENCY_LABELS = {
    Urgency.IMMEDIATE: N_("Immediate (today)"),
    Urgency.PRIORITY: N_("Priority (within days)"),
    Urgency.ROUTINE: N_("Routine"),
}


class ReferralStatus(Code):
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"

    @property
    def is_active(self) -> bool:
        return self in (ReferralStatus.SENT, ReferralStatus.ACCEPTED)


REFERRAL_STATUS_LABELS = {
    ReferralStatus.SENT: N_("Sent"),
    ReferralStatus.ACCEPTED: N_("Accepted"),
    ReferralStatus.DECLINED: N_("Declined"),
    ReferralStatus.COMPLETED: N_("Completed"),
    ReferralStatus.WITHDRAWN: N_("Withdrawn"),
}

#: The status moves a referral may make.
STATUS_MOVES: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    ReferralStatus.SENT: frozenset({ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN}),
    ReferralStatus.ACCEPTED: frozenset({ReferralStatus.COMPLETED, ReferralStatus.WITHDRAWN}),
    ReferralStatus.DECLINED: frozenset(),
    ReferralStatus.COMPLETED: frozenset(),
    ReferralStatus.WITHDRAWN: frozenset(),
}


@dataclass(frozen=True)
class Provider:
    """A service provider of the directory (published by the secretariat).

    ``sample`` marks the shipped seed entries: realistic but not a real directory, so
    every screen that lists them says so until the secretariat publishes its own.
    """

    RECORD_TYPE: ClassVar[str] = "provider"
    WIRE: ClassVar[dict[str, str]] = {
        "name_ar": "hmy_NameAr",
        "name_fr": "hmy_NameFr",
        "categories": "hmy_Categories",
        "region_code": "hmy_Region",
        "city_ar": "hmy_CityAr",
        "city_fr": "hmy_CityFr",
        "address": "hmy_Address",
        "phone": "hmy_Phone",
        "email": "hmy_Email",
        "contact_person": "hmy_ContactPerson",
        "languages": "hmy_Languages",
        "takes_children": "hmy_TakesChildren",
        "takes_women": "hmy_TakesWomen",
        "takes_men": "hmy_TakesMen",
        "takes_families": "hmy_TakesFamilies",
        "capacity_notes": "hmy_CapacityNotes",
        "latitude": "hmy_Latitude",
        "longitude": "hmy_Longitude",
        "active": "hmy_Active",
        "sample": "hmy_Sample",
    }

    id: str
    name_ar: str
    name_fr: str
    categories: tuple[ServiceCategory, ...]
    region_code: str
    city_ar: str
    city_fr: str
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    contact_person: str | None = None
    languages: tuple[str, ...] = ()
    takes_children: bool = False
    takes_women: bool = True
    takes_men: bool = True
    takes_families: bool = False
    capacity_notes: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    active: bool = True
    sample: bool = False

    def __post_init__(self) -> None:
        c = Checker()
        c.uuid("id", self.id)
        c.text("name_ar", self.name_ar, max_len=160, required=True)
        c.text("name_fr", self.name_fr, max_len=160, required=True)
        if not self.categories or not all(isinstance(x, ServiceCategory) for x in self.categories):
            c.fail("categories", N_("Choose at least one service category."))
        c.text("region_code", self.region_code, max_len=10, required=True)
        c.text("city_ar", self.city_ar, max_len=80, required=True)
        c.text("city_fr", self.city_fr, max_len=80, required=True)
        c.text("address", self.address, max_len=300)
        c.text("phone", self.phone, max_len=40)
        c.text("email", self.email, max_len=120)
        c.text("contact_person", self.contact_person, max_len=120)
        c.text("capacity_notes", self.capacity_notes, max_len=1000)
        if any(not isinstance(x, str) or not 0 < len(x) <= LANGUAGE_CODE_MAX for x in self.languages):
            c.fail("languages", N_("Not a language code."))
        for name, value, bound in (("latitude", self.latitude, 90), ("longitude", self.longitude, 180)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                      or not -bound <= value <= bound):
                c.fail(name, N_("Not a valid coordinate."))
        c.done()

    def name(self, language: str) -> str:
        return self.name_ar if language == "ar" else self.name_fr

    def city(self, language: str) -> str:
        return self.city_ar if language == "ar" else self.city_fr

    def takes(self, *, minor: bool, sex: str | None) -> bool:
        """Whether the provider takes a person like this (unknown sex: any adult provider)."""
        if minor:
            return self.takes_children
        if sex == "Female":
            return self.takes_women
        if sex == "Male":
            return self.takes_men
        return self.takes_women or self.takes_men


@dataclass(frozen=True)
class Referral:
    """A referral of a case to a provider (HTCDS ``cas_`` outgoing referral, extended)."""

    RECORD_TYPE: ClassVar[str] = "referral"
    WIRE: ClassVar[dict[str, str]] = {
        "case_id": "hmy_CaseId",
        "provider_id": "hmy_ProviderId",
        "provider_name": "hmy_ProviderName",
        "categories": "hmy_ServicesAsked",
        "services_detail": "hmy_ServicesDetail",
        "urgency": "hmy_Urgency",
        "risk_summary": "hmy_RiskSummary",
        "consent_id": "hmy_ConsentId",
        "override": "hmy_Override",
        "language": "hmy_Language",
        "interpreter_needed": "hmy_InterpreterNeeded",
        "guardian_name": "hmy_GuardianName",
        "unaccompanied": "hmy_Unaccompanied",
        "from_organisation": "hmy_FromOrganisation",
        "referred_by": "hmy_ReferredBy",
        "referred_at": "cas_ReferralDate",
        "status": "hmy_Status",
        "responded_on": "hmy_RespondedOn",
        "completed_on": "hmy_CompletedOn",
        "feedback": "hmy_ProviderFeedback",
        "updated_by": "hmy_UpdatedBy",
    }

    id: str
    case_id: str
    provider_id: str
    provider_name: str
    categories: tuple[ServiceCategory, ...]
    urgency: Urgency
    referred_by: str
    referred_at: datetime
    status: ReferralStatus = ReferralStatus.SENT
    services_detail: str | None = None
    risk_summary: str | None = None
    consent_id: str | None = None
    override: OverrideBasis | None = None
    language: str | None = None
    interpreter_needed: bool = False
    guardian_name: str | None = None
    unaccompanied: bool = False
    from_organisation: str | None = None
    responded_on: date | None = None
    completed_on: date | None = None
    feedback: str | None = None
    updated_by: str | None = None

    def __post_init__(self) -> None:
        c = Checker()
        c.uuid("id", self.id)
        c.uuid("case_id", self.case_id)
        c.uuid("provider_id", self.provider_id)
        c.uuid("referred_by", self.referred_by)
        c.uuid("consent_id", self.consent_id, required=False)
        c.uuid("updated_by", self.updated_by, required=False)
        c.text("provider_name", self.provider_name, max_len=160, required=True)
        if not self.categories or not all(isinstance(x, ServiceCategory) for x in self.categories):
            c.fail("categories", N_("Choose at least one service to ask for."))
        c.text("services_detail", self.services_detail, max_len=2000)
        c.text("risk_summary", self.risk_summary, max_len=2000)
        c.text("language", self.language, max_len=LANGUAGE_CODE_MAX)
        c.text("guardian_name", self.guardian_name, max_len=120)
        c.text("from_organisation", self.from_organisation, max_len=160)
        c.text("feedback", self.feedback, max_len=4000)
        if self.consent_id is None and self.override is None:
            c.fail("consent_id", N_("A referral rests on a recorded consent or override."))
        if self.status in (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.COMPLETED) \
                and self.responded_on is None:
            c.fail("responded_on", N_("Give the date of the provider's answer."))
        if self.status is ReferralStatus.COMPLETED and self.completed_on is None:
            c.fail("completed_on", N_("Give the date the service was completed."))
        if self.responded_on and self.completed_on and self.completed_on < self.responded_on:
            c.fail("completed_on", N_("The service cannot be completed before the provider answered."))
        if self.responded_on and self.responded_on < self.referred_at.date():
            c.fail("responded_on", N_("The provider cannot answer before the referral was sent."))
        c.done()


@dataclass(frozen=True)
class ServiceReceived:
    """A service the person received: what, from whom, when."""

    RECORD_TYPE: ClassVar[str] = "service"
    WIRE: ClassVar[dict[str, str]] = {
        "case_id": "hmy_CaseId",
        "category": "hmy_Category",
        "description": "hmy_Description",
        "provider_id": "hmy_ProviderId",
        "provider_name": "hmy_ProviderName",
        "received_on": "hmy_ReceivedOn",
        "referral_id": "hmy_ReferralId",
        "recorded_by": "hmy_RecordedBy",
        "recorded_at": "hmy_RecordedAt",
    }

    id: str
    case_id: str
    category: ServiceCategory
    provider_name: str
    received_on: date
    recorded_by: str
    recorded_at: datetime
    description: str | None = None
    provider_id: str | None = None
    referral_id: str | None = None

    def __post_init__(self) -> None:
        c = Checker()
        c.uuid("id", self.id)
        c.uuid("case_id", self.case_id)
        c.uuid("recorded_by", self.recorded_by)
        c.uuid("provider_id", self.provider_id, required=False)
        c.uuid("referral_id", self.referral_id, required=False)
        if not isinstance(self.category, ServiceCategory):
            c.fail("category", N_("Choose one of the listed values."))
        c.text("provider_name", self.provider_name, max_len=160, required=True)
        c.text("description", self.description, max_len=2000)
        c.date_not_future("received_on", self.received_on)
        c.done()


@dataclass(frozen=True)
class FollowUpTask:
    """Something to do for a case by a date (a visit, a call, checking a referral)."""

    RECORD_TYPE: ClassVar[str] = "task"
    WIRE: ClassVar[dict[str, str]] = {
        "case_id": "hmy_CaseId",
        "title": "hmy_Title",
        "due_on": "hmy_DueOn",
        "assigned_to": "hmy_AssignedTo",
        "created_by": "hmy_CreatedBy",
        "created_at": "hmy_CreatedAt",
        "referral_id": "hmy_ReferralId",
        "done_at": "hmy_DoneAt",
        "done_by": "hmy_DoneBy",
    }

    id: str
    case_id: str
    title: str
    due_on: date
    assigned_to: str
    created_by: str
    created_at: datetime
    referral_id: str | None = None
    done_at: datetime | None = None
    done_by: str | None = None

    def __post_init__(self) -> None:
        c = Checker()
        c.uuid("id", self.id)
        c.uuid("case_id", self.case_id)
        c.uuid("assigned_to", self.assigned_to)
        c.uuid("created_by", self.created_by)
        c.uuid("referral_id", self.referral_id, required=False)
        c.uuid("done_by", self.done_by, required=False)
        c.text("title", self.title, max_len=300, required=True)
        if (self.done_at is None) != (self.done_by is None):
            c.fail("done_by", N_("A done task says who did it and when."))
        c.done()

    @property
    def done(self) -> bool:
        return self.done_at is not None

    def is_overdue(self, today: date) -> bool:
        return not self.done and self.due_on < today
