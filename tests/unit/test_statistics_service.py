"""StatisticsService on the in-memory store: who may, which cases, totals against the case
list, the reason and the audit entry of an export, and the Arabic of the PDF report."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

import pytest
from fakes import FakeCaseStore, FakeClock, make_user, session_for
from pdftext import contains_in_order, needs_pdftotext, pages, words

from app.domain.audit import AuditAction
from app.domain.case import Case
from app.domain.checks import new_id
from app.domain.person import Person
from app.domain.referral import Referral, ReferralStatus, ServiceCategory, Urgency
from app.domain.screening import Screening, ScreeningStatus
from app.domain.values import CaseState, ClosureReason, Role, Sex
from app.errors import PermissionDenied, ValidationError
from app.ports import CaseQuery
from app.reports.statistics import REASON_TEXT, RULE_TEXT, SUBTITLE, SUPPRESSED, TITLE
from app.services.cases import CaseService
from app.services.statistics import StatisticsService
from app.stats import D, StatsTable
from i18n import gettext_for

NOW = datetime(2025, 12, 1, 9, 0, tzinfo=timezone.utc)
REASON = "Rapport trimestriel à la commission nationale"
POSTS = {"north": ("TNG-MED", "BAB-SEBTA", "BENI-ENSAR"), "south": ("GUERGUERAT", "EUN-APT")}


class World:
    """Two scopes of cases: north (Tanger Med, Bab Sebta: MA-01; Beni Ensar: MA-02) and south."""

    def __init__(self) -> None:
        self.store = FakeCaseStore()
        self.clock = FakeClock(NOW)
        self.cases = CaseService(self.store, self.clock)
        self.stats = StatisticsService(self.store, self.cases, self.clock)
        self.officer = make_user("officer.a", Role.BORDER_OFFICER, scope_id="north", border_post="TNG-MED")
        self.worker = make_user("worker.north", Role.SOCIAL_WORKER, scope_id="north")
        self.supervisor = make_user("super.north", Role.SUPERVISOR, scope_id="north")
        self.secretariat = make_user("secretariat", Role.SECRETARIAT, scope_id="national")
        self.store.seed(self.officer, self.worker, self.supervisor, self.secretariat)
        self.serial = 0

    def add(self, n: int, *, scope: str = "north", post: str = "TNG-MED", detected: date = date(2025, 5, 20),
            sex: Sex = Sex.FEMALE, nationality: str = "NG", state: CaseState = CaseState.REFERRED,
            form: str | None = None, categories: tuple[ServiceCategory, ...] = ()) -> None:
        for _ in range(n):
            self.serial += 1
            person = Person(id=new_id(), first_name="Test", sex=sex, nationality=nationality, birth_year=1995)
            closed = state is CaseState.CLOSED
            case = Case(id=new_id(), case_number=f"HMY-2025-ABCD-{self.serial:05d}", person_id=person.id,
                        scope_id=scope, state=state, detected_on=detected, opened_at=NOW - timedelta(days=30),
                        created_by=self.officer.id, border_post=post, detecting_agency="DGSN",
                        closed_at=NOW if closed else None, closure_reason=ClosureReason.RETURNED if closed else None)
            self.store.seed(person, case)
            if form:
                self.store.seed(Screening(
                    id=new_id(), case_id=case.id, checklist_id="ilo-full", checklist_version=1,
                    status=ScreeningStatus.COMPLETED, started_at=NOW - timedelta(days=29), started_by=self.officer.id,
                    answers={"exploitation_form": form}, completed_at=NOW - timedelta(days=29),
                    completed_by=self.officer.id, recommendation="presumed_victim", result={}))
            for category in categories:
                self.store.seed(Referral(
                    id=new_id(), case_id=case.id, provider_id=new_id(), provider_name="Centre", categories=(category,),
                    urgency=Urgency.ROUTINE, referred_by=self.worker.id, referred_at=NOW - timedelta(days=20),
                    status=ReferralStatus.SENT, consent_id=new_id()))

    def session(self, user):  # noqa: ANN001, ANN201
        return session_for(user, self.store.device_id)


@pytest.fixture
def world() -> World:
    w = World()
    w.add(30, sex=Sex.FEMALE, form="forced_labour", categories=(ServiceCategory.SHELTER,))
    w.add(14, sex=Sex.MALE, post="BAB-SEBTA", detected=date(2025, 8, 2))
    w.add(12, sex=Sex.MALE, post="BENI-ENSAR", detected=date(2025, 2, 2), nationality="SY")
    w.add(4, sex=Sex.UNKNOWN, post="BENI-ENSAR", state=CaseState.CLOSED)
    w.add(25, scope="south", post="GUERGUERAT", detected=date(2024, 11, 5))
    return w


# --- who may ---------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["officer", "worker"])
def test_border_officers_and_social_workers_are_refused(world, who):
    session = world.session(getattr(world, who))
    with pytest.raises(PermissionDenied):
        world.stats.compute(session)
    table = world.stats.compute(world.session(world.secretariat))
    for export in (lambda: world.stats.export_csv(session, table, reason=REASON),
                   lambda: world.stats.export_pdf(session, table, reason=REASON, language="en")):
        with pytest.raises(PermissionDenied):
            export()
    assert world.store.entries == []


def test_a_supervisor_sees_their_own_scope_only(world):
    table = world.stats.compute(world.session(world.supervisor))
    assert table.total == 60
    assert table.filters.scope == "north"
    assert "MA-12" not in table.table(D.REGION).values()  # the south's Guerguerat cases
    assert table.table(D.REGION).count("MA-01") == 44


def test_the_secretariat_sees_every_scope(world):
    table = world.stats.compute(world.session(world.secretariat))
    assert table.total == 85 and table.filters.scope is None
    assert table.table(D.REGION).count("MA-12") == 25


# --- totals and filters ----------------------------------------------------------------------------

@pytest.mark.parametrize("filters", [
    {}, {"period_from": date(2025, 1, 1)}, {"period_from": date(2025, 3, 1), "period_to": date(2025, 6, 30)},
    {"region": "MA-01"}, {"region": "MA-02", "period_to": date(2025, 12, 31)}, {"region": "MA-05"},
])
@pytest.mark.parametrize("who", ["supervisor", "secretariat"])
def test_totals_reconcile_with_the_case_list(world, filters, who):
    session = world.session(getattr(world, who))
    table = world.stats.compute(session, **filters)
    listed = world.cases.count_cases(session, world.stats.case_query(session, **filters))
    assert table.total == (listed if listed >= 11 or listed == 0 else None)
    assert world.cases.count_cases(session, CaseQuery()) >= listed


def test_the_figures_come_from_the_records(world):
    table = world.stats.compute(world.session(world.supervisor))
    assert table.table(D.EXPLOITATION).count("forced_labour") == 30
    assert table.table(D.EXPLOITATION).count("unknown") == 30
    assert table.table(D.REFERRAL_CATEGORY).count("shelter") == 30
    assert table.table(D.NATIONALITY_GROUP).count("middle_east") == 12
    assert table.table(D.QUARTER).count("2025-Q2") == 34  # 30 referred, 4 closed
    # 4 closed cases: suppressed, and so is the smallest other outcome of the table
    outcome = table.table(D.OUTCOME)
    assert outcome.count("closed_returned") is None and outcome.count("open_referral") is None


def test_a_bad_filter_is_refused(world):
    session = world.session(world.secretariat)
    with pytest.raises(ValidationError):
        world.stats.compute(session, region="MA-99")
    with pytest.raises(ValidationError):
        world.stats.compute(session, period_from=date(2025, 6, 1), period_to=date(2025, 1, 1))


# --- exports ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("reason", ["", "   ", "too short", "  short   "])
def test_an_export_needs_a_stated_reason(world, reason):
    session = world.session(world.supervisor)
    table = world.stats.compute(session)
    with pytest.raises(ValidationError) as caught:
        world.stats.export_csv(session, table, reason=reason)
    assert caught.value.errors[0].field == "reason"
    with pytest.raises(ValidationError):
        world.stats.export_pdf(session, table, reason=reason, language="fr")
    assert world.store.entries == []


def test_looking_at_the_figures_is_not_audited_an_export_is(world):
    session = world.session(world.supervisor)
    table = world.stats.compute(session, period_from=date(2025, 1, 1))
    assert world.store.entries == []
    records = dict(world.store.records)
    text = world.stats.export_csv(session, table, reason=REASON)
    pdf = world.stats.export_pdf(session, table, reason=REASON, language="fr")
    assert pdf.startswith(b"%PDF-")
    assert [e.event.action for e in world.store.entries] == [AuditAction.EXPORT, AuditAction.EXPORT]
    csv_event, pdf_event = (e.event for e in world.store.entries)
    assert (csv_event.actor_id, csv_event.device_id) == (world.supervisor.id, world.store.device_id)
    assert dict(csv_event.details) == {
        "kind": "statistics", "format": "csv", "cells": table.cell_count, "suppressed": table.suppressed_count,
        "period_from": "2025-01-01", "period_to": None, "region": None, "reason_given": True}
    assert dict(pdf_event.details)["format"] == "pdf" and dict(pdf_event.details)["language"] == "fr"
    assert REASON not in repr([e.event for e in world.store.entries])  # free text stays out of the audit
    assert world.store.records == records  # nothing but the audit entries written
    lines = list(csv.DictReader(io.StringIO(text)))
    assert lines[0]["table"] == "total" and lines[0]["count"] == str(table.total)


def test_a_table_not_made_by_the_service_is_not_exported(world):
    session = world.session(world.secretariat)
    forged = StatsTable(k=11, total=3, tables=())
    with pytest.raises(ValueError):
        world.stats.export_csv(session, forged, reason=REASON)
    assert world.store.entries == []


# --- the PDF's Arabic -----------------------------------------------------------------------------------

ARABIC = {
    TITLE: "إحصاءات مجهولة الهوية",
    SUBTITLE: "الآلية الوطنية لإحالة ضحايا الاتجار بالبشر",
    SUPPRESSED: "محجوب",
    REASON_TEXT: "سبب التصدير: {reason}",
    RULE_TEXT: ("تحصي الأرقام الحالات. يُحجب كل رقم يقل عن {k} كما يفعل تعاون بيانات مكافحة الاتجار، ويُحجب "
                "رقم آخر حيثما أمكن استنتاج رقم محجوب من مجموع. الأرقام المحجوبة معلَّمة بالرمز {mark} ولا عمود لها."),
}


@needs_pdftotext
def test_the_arabic_report_reads_back_in_order(world):
    session = world.session(world.secretariat)
    table = world.stats.compute(session)
    arabic = gettext_for("ar")
    pdf = world.stats.export_pdf(session, table, reason="تقرير فصلي إلى اللجنة الوطنية حول الحالات المرصودة",
                                 language="ar", translate=lambda m: ARABIC.get(m) or arabic(m))
    text = pages(pdf)
    everything = "\n".join(text)
    assert contains_in_order(text[0], "إحصاءات مجهولة الهوية")
    assert contains_in_order(text[0], "سبب التصدير: تقرير فصلي إلى اللجنة الوطنية حول الحالات المرصودة")
    # a paragraph over several lines comes back in reading order
    assert contains_in_order(text[0], "يُحجب كل رقم يقل عن 11 كما يفعل تعاون بيانات مكافحة الاتجار")
    assert contains_in_order(text[0], "ويُحجب رقم آخر حيثما أمكن استنتاج رقم محجوب من مجموع")
    # chart labels: region and post names from the reference files, shaped and in order
    assert contains_in_order(everything, "طنجة تطوان الحسيمة")
    assert contains_in_order(everything, "الداخلة وادي الذهب")
    assert contains_in_order(everything, "ميناء طنجة المتوسط")
    assert contains_in_order(everything, "محجوب")  # a suppressed figure's bar
    assert contains_in_order(everything, "العمل القسري أو السخرة")  # the checklist's words for the form
    for number, page in enumerate(text, start=1):  # numbered (pdftotext orders a footer line by its own rules)
        assert {"الصفحة", str(number), "من", str(len(text)), "سري"} <= set(words(page)), page[-200:]
