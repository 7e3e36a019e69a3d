"""ReferralService.referral_form: who may export it, which cases, the audit entry, the facts."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from fakes import FakeCaseStore, FakeClock, make_user, session_for
from pdftext import contains_in_order, needs_pdftotext, pages

from app.domain.audit import AuditAction
from app.domain.case import Case, Consent, RiskAssessment
from app.domain.checks import new_id
from app.domain.person import Person
from app.domain.referral import Provider, Referral, ServiceCategory, Urgency
from app.domain.values import (
    CaseState, ConsentDecision, ConsentKind, OverrideBasis, RiskLevel, RiskStage, Role, Sex,
)
from app.errors import NotFound, PermissionDenied
from app.reports.referral_form import ReferralRecords, form_from_records
from app.services.cases import CaseService
from app.services.referrals import ReferralService

NOW = datetime(2025, 3, 4, 10, 20, tzinfo=timezone.utc)
SUMMARY = ("Grace Okafor est arrivée à Tanger Med le 3 mars ; un homme l'attendait au port "
           "et garde son passeport depuis 14 mois.")


class World:
    def __init__(self) -> None:
        self.store = FakeCaseStore()
        self.clock = FakeClock(NOW)
        self.cases = CaseService(self.store, self.clock)
        self.referrals = ReferralService(self.store, self.cases, self.clock)
        self.referrals.seed_directory()
        self.officer = make_user("officer.a", Role.BORDER_OFFICER, border_post="TNG-MED")
        self.worker = make_user("worker.north", Role.SOCIAL_WORKER)
        self.supervisor = make_user("super.north", Role.SUPERVISOR)
        self.worker_south = make_user("worker.south", Role.SOCIAL_WORKER, scope_id="scope-south")
        self.secretariat = make_user("secretariat", Role.SECRETARIAT, scope_id="national")
        self.store.seed(self.officer, self.worker, self.supervisor, self.worker_south, self.secretariat)
        self.provider = next(p for p in self.store.all_records(Provider) if p.city_fr == "Tanger" and p.phone)
        self.person = Person(id=new_id(), first_name="Grace", second_name="Okafor", first_name_ar="غريس",
                             second_name_ar="أوكافور", sex=Sex.FEMALE, birth_year=1992, nationality="NG",
                             languages=("en", "ig"))
        self.case = Case(id=new_id(), case_number="HMY-2025-ABCD-00012", person_id=self.person.id,
                         scope_id="scope-north", state=CaseState.REFERRED, detected_on=date(2025, 3, 3),
                         opened_at=NOW - timedelta(days=1), created_by=self.officer.id, border_post="TNG-MED")
        self.consent = Consent(id=new_id(), case_id=self.case.id, kind=ConsentKind.REFERRAL,
                               decision=ConsentDecision.GIVEN, recorded_at=NOW - timedelta(hours=1),
                               recorded_by=self.officer.id, provider=self.provider.id)
        self.risk = RiskAssessment(id=new_id(), case_id=self.case.id, stage=RiskStage.BEFORE_REFERRAL,
                                   assessed_at=NOW - timedelta(hours=2), assessed_by=self.officer.id,
                                   immediate_danger=True, shelter_tonight=True, retrafficking_risk=RiskLevel.HIGH,
                                   summary="older summary")
        self.store.seed(self.person, self.case, self.consent, self.risk)

    def referral(self, urgency: Urgency = Urgency.ROUTINE, **changes) -> Referral:
        values = dict(id=new_id(), case_id=self.case.id, provider_id=self.provider.id,
                      provider_name=self.provider.name_fr, categories=(ServiceCategory.SHELTER, ServiceCategory.HEALTH),
                      urgency=urgency, referred_by=self.officer.id, referred_at=NOW - timedelta(minutes=30),
                      risk_summary=SUMMARY, consent_id=self.consent.id, language="en", interpreter_needed=True,
                      from_organisation="Association Al Amal")
        values.update(changes)
        referral = Referral(**values)
        self.store.seed(referral)
        return referral

    def export(self, user, referral: Referral, language: str = "fr") -> bytes:
        return self.referrals.referral_form(session_for(user, self.store.device_id), referral.id, language)


@pytest.fixture
def world() -> World:
    return World()


def test_a_social_worker_exports_the_form_and_the_export_is_audited(world):
    referral = world.referral()
    before = len(world.store.entries)
    pdf = world.export(world.worker, referral)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert len(world.store.entries) == before + 1
    event = world.store.entries[-1].event
    assert event.action == AuditAction.EXPORT
    assert (event.actor_id, event.device_id) == (world.worker.id, world.store.device_id)
    assert (event.record_type, event.record_id) == ("case", world.case.id)
    assert dict(event.details) == {"kind": "referral_form", "referral_id": referral.id, "language": "fr"}


def test_nothing_is_written_but_the_audit_entry(world):
    referral = world.referral()
    records = dict(world.store.records)
    world.export(world.supervisor, referral)
    assert world.store.records == records


@pytest.mark.parametrize("role_user", ["secretariat", "officer"])
def test_a_role_that_may_not_make_the_referral_may_not_export_its_form(world, role_user):
    referral = world.referral(Urgency.ROUTINE)  # routine: case work, which neither role does
    before = len(world.store.entries)
    with pytest.raises(PermissionDenied):
        world.export(getattr(world, role_user), referral)
    assert len(world.store.entries) == before


def test_a_border_officer_exports_the_form_of_an_immediate_referral(world):
    referral = world.referral(Urgency.IMMEDIATE)
    assert world.export(world.officer, referral).startswith(b"%PDF-")
    assert world.store.entries[-1].event.action == AuditAction.EXPORT


def test_a_case_out_of_sight_is_not_found_and_not_audited(world):
    referral = world.referral()
    before = len(world.store.entries)
    with pytest.raises(NotFound):
        world.export(world.worker_south, referral)
    with pytest.raises(NotFound):
        world.referrals.referral_form(session_for(world.worker), new_id(), "ar")
    assert len(world.store.entries) == before


def test_the_form_is_made_from_the_records(world):
    referral = world.referral(Urgency.IMMEDIATE)
    records = ReferralRecords(referral=referral, case=world.case, person=world.person, provider=world.provider,
                              consent=world.consent, risk=world.risk, referrer=world.officer, exporter=world.worker,
                              device="PC-TNG-07", exported_at=NOW)
    form = form_from_records(records, "fr", lambda m: m)
    assert (form.case_number, form.referral_id, form.immediate) == ("HMY-2025-ABCD-00012", referral.id, True)
    assert form.categories == ("Urgent and temporary shelter", "Health care")
    assert (form.name_ar, form.name_latin, form.sex, form.birth_year) == ("غريس أوكافور", "Grace Okafor", "Female", 1992)
    assert form.nationality == "Nigeria"
    assert form.languages == ("anglais", "igbo")  # CLDR names in the form's language
    assert form.interview_language == "anglais"
    assert (form.provider_name, form.provider_phone) == (world.provider.name_fr, world.provider.phone)
    assert (form.worker_name, form.worker_post) == (world.officer.display_name, "Port Tanger Med")
    assert form.risk_summary == SUMMARY  # the referral's own summary before the assessment's
    assert form.urgent_flags == ("Immediate danger", "Needs shelter tonight", "High risk of re-trafficking")
    assert (form.consent_given, form.consent_on, form.override_basis) == (True, date(2025, 3, 4), None)
    assert form.exported_by == "Worker.North (worker.north)"
    assert form_from_records(records, "ar", lambda m: m).provider_name == world.provider.name_ar


def test_an_override_is_shown_with_its_ground_and_reason(world):
    override = Consent(id=new_id(), case_id=world.case.id, kind=ConsentKind.REFERRAL,
                       decision=ConsentDecision.NOT_OBTAINED, recorded_at=NOW, recorded_by=world.officer.id,
                       provider=world.provider.id, override=OverrideBasis.DANGER_TO_LIFE,
                       override_reason="Her controller was waiting at the port exit.")
    referral = world.referral(consent_id=override.id, override=OverrideBasis.DANGER_TO_LIFE)
    records = ReferralRecords(referral=referral, case=world.case, person=world.person, provider=world.provider,
                              consent=override, risk=None, referrer=None, exporter=world.worker, device="d",
                              exported_at=NOW)
    form = form_from_records(records, "en", lambda m: m)
    assert (form.consent_given, form.override_basis) == (False, "Danger to life")
    assert form.override_reason == "Her controller was waiting at the port exit."
    assert form.worker_name == "Not known"


@needs_pdftotext
def test_the_exported_pdf_holds_the_referral(world):
    referral = world.referral()
    text = "\n".join(pages(world.export(world.worker, referral, "ar")))
    provider_start = " ".join(world.provider.name_ar.split()[:3])  # the name wraps in its narrow cell
    for phrase in ("HMY-2025-ABCD-00012", "غريس أوكافور", "Grace Okafor", provider_start, world.provider.city_ar,
                   world.provider.phone, SUMMARY, "نيجيريا"):
        assert contains_in_order(text, phrase), phrase
