"""The case summary: one case on paper, for a supervisor or the secretariat.

``SummaryRecords`` holds the stored records of one case (the service gathers them, checks
who may see them and audits the export); ``summary_flowables`` lays them out in one
language, ``case_summary_pdf`` makes the document and ``case_summaries_pdf`` puts several
cases into one document, each starting on a new page.

What it shows, in order: the case (number, scope, state, post, agency, worker, dates,
closure), the reason given for the export, the person (names in both scripts, sex, age,
nationality, languages, phone, documents with their numbers: a deliberate, role-gated
export), the latest completed screening (recommendation, why, the dimensions with the
indicators answered yes, in the words of the checklist version used), risk (the latest
assessment in full, every assessment in a table), consents, referrals, services received,
follow-up tasks, the timeline of the case from its audit trail (in words, with who and
when; views of the case file are left out) and the notes the exporter chose.

Codes become words in the document's language here (the msgids are those of the case
screens, so one translation serves both); no technical id is printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping, Sequence

from reportlab.platypus import Flowable, PageBreak

from app.domain.audit import AuditAction, AuditEntry
from app.domain.labels import (
    CLOSURE_REASON_LABELS, CONSENT_DECISION_LABELS, CONSENT_KIND_LABELS, DOCUMENT_LABELS, OVERRIDE_LABELS,
    PERSON_FIELD_LABELS, RISK_LEVEL_LABELS, RISK_QUESTIONS, RISK_STAGE_LABELS, SCREENING_DIMENSION_LABELS,
    SCREENING_URGENT_LABELS, SEX_LABELS, SYNC_AUDIT_LABELS, URGENT_FLAG_LABELS,
)
from app.domain.case import Case, Consent, Note, RiskAssessment
from app.domain.person import Document, Person
from app.domain.referral import (
    CATEGORY_LABELS, REFERRAL_STATUS_LABELS, URGENCY_LABELS, FollowUpTask, Provider, Referral, ReferralStatus,
    ServiceCategory, ServiceReceived, Urgency,
)
from app.domain.screening import Screening
from app.domain.user import User
from app.domain.values import (
    STATE_LABELS, CaseState, ClosureReason, ConsentDecision, ConsentKind, OverrideBasis,
)
from app.reports.document import ExportStamp, RunningHead, build_pdf, new_story
from app.reports.flowables import MUTED, URGENT, Story
from app.reports.referral_form import _letterhead, language_name
from app.resources import agencies, border_posts, load_json
from app.screening.engine import RECOMMENDATION_LABELS, Recommendation
from app.screening.model import Checklist
from app.text import N_
from i18n.bidi import fill, isolate, isolate_ltr
from i18n.formatting import format_date, format_datetime

Translate = Callable[[str], str]

TITLE = "ملخص الحالة / Synthèse du dossier / Case summary"
NOTICE = N_("Confidential. This summary holds personal data of a person met by the National Referral "
            "Mechanism (Law 27-14, Law 09-08). It was exported for the reason stated above: use it only for "
            "that, keep it locked away, do not copy it, and destroy it when it is no longer needed.")

GRADE_LABELS = {"S": N_("strong"), "M": N_("medium"), "W": N_("weak")}
_SERIOUS = frozenset({Recommendation.PRESUMED_VICTIM.value, Recommendation.PRESUMED_VICTIM_IN_TRANSIT.value})
#: Timeline lines that need no detail (the others are made by ``_timeline_text``).
_PLAIN_EVENTS = {
    AuditAction.CASE_CREATED: N_("Case registered"),
    AuditAction.CASE_UPDATED: N_("Case details changed"),
    AuditAction.CASE_IMPORTED: N_("Case imported from a file"),
    AuditAction.NOTE_ADDED: N_("Note added"),
    AuditAction.SCREENING_STARTED: N_("Screening started"),
    AuditAction.TASK_ADDED: N_("Follow-up task added"),
    AuditAction.TASK_DONE: N_("Follow-up task done"),
    AuditAction.DEMO_DATA: N_("Demonstration case created"),
    AuditAction.CONFIRMED_DIFFERENT: N_("Confirmed as a different person from a case that looked alike"),
    AuditAction.CASE_MERGED: N_("Another case of the same person was merged into this case"),
    AuditAction.CASE_MERGED_INTO: N_("Merged into another case of the same person"),
}
#: Audit entries that say nothing about the case's course (someone opened the file, a draft was saved).
_NOT_IN_TIMELINE = frozenset({AuditAction.CASE_VIEWED, AuditAction.SCREENING_SAVED})
_EXPORT_KINDS = {"case_summary": N_("Case summary exported"), "referral_form": N_("Referral form exported")}


@dataclass(frozen=True)
class SummaryRecords:
    """Everything one case summary is made from (each tuple oldest first)."""

    case: Case
    person: Person
    exporter: User
    device: str
    exported_at: datetime
    reason: str
    screenings: tuple[Screening, ...] = ()  # every screening of the case, drafts included
    checklist: Checklist | None = None  # the version the latest completed screening used
    risks: tuple[RiskAssessment, ...] = ()
    consents: tuple[Consent, ...] = ()
    referrals: tuple[Referral, ...] = ()
    services: tuple[ServiceReceived, ...] = ()
    tasks: tuple[FollowUpTask, ...] = ()
    notes: tuple[Note, ...] = ()  # the notes chosen for the export
    history: tuple[AuditEntry, ...] = ()
    users: Mapping[str, User] = field(default_factory=dict)
    providers: Mapping[str, Provider] = field(default_factory=dict)

    @property
    def latest_screening(self) -> Screening | None:
        done = [s for s in self.screenings if s.is_completed]
        return max(done, key=lambda s: s.completed_at) if done else None  # type: ignore[arg-type, return-value]


def exporter_label(user: User) -> str:
    return f"{user.display_name} ({user.username})"


def case_summary_pdf(records: SummaryRecords, language: str, translate: Translate, *, tz: str | None = None) -> bytes:
    """One case summary as PDF bytes, in ``language`` (ar, fr or en)."""
    return case_summaries_pdf([records], language, translate, tz=tz)


def case_summaries_pdf(many: Sequence[SummaryRecords], language: str, translate: Translate, *,
                       tz: str | None = None, on_case: Callable[[int], None] | None = None) -> bytes:
    """Several case summaries in one document, each starting on a new page (a batch export).

    Every summary of a batch is exported by the same person on the same device: the first
    one's stamp marks every page. ``on_case(index)`` is called as each case's first page is
    laid out (progress; it may raise to abandon the document).
    """
    if not many:
        raise ValueError("no case to put in the document")
    flowables: list[Flowable] = []
    for index, records in enumerate(many):
        if index:
            flowables.append(PageBreak())
        if on_case is not None:
            flowables.append(_CaseStart(index, on_case))
        flowables.extend(summary_flowables(records, language, translate, tz=tz))
    first = many[0]
    stamp = ExportStamp(exporter_label(first.exporter), first.exported_at, first.device)
    return build_pdf(flowables, language=language, translate=translate, stamp=stamp, title=TITLE, tz=tz)


def summary_flowables(records: SummaryRecords, language: str, translate: Translate, *,
                      tz: str | None = None) -> list[Flowable]:
    """The flowables of one case summary, in reading order."""
    layout = _Summary(records, language, translate, tz)
    return layout.build()


class _CaseStart(Flowable):
    """Takes no room; tells ``on_case`` that case ``index`` is being laid out."""

    def __init__(self, index: int, on_case: Callable[[int], None]) -> None:
        super().__init__()
        self.index, self.on_case = index, on_case

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 - reportlab API
        return 0.0, 0.0

    def draw(self) -> None:
        self.on_case(self.index)


class _Summary:
    """Lays out one summary; small methods, one per section."""

    def __init__(self, records: SummaryRecords, language: str, translate: Translate, tz: str | None) -> None:
        self.r = records
        self.language = language
        self.t = translate
        self.tz = tz
        self.story: Story = new_story(language)
        self.today = records.exported_at.date()

    # --- helpers ------------------------------------------------------------------------
    def date(self, value: date | None) -> str:
        return format_date(value, self.language) if value else ""

    def when(self, value: datetime | None) -> str:
        return format_datetime(value, self.language, self.tz) if value else ""

    def user(self, user_id: str | None) -> str:
        if not user_id:
            return ""
        user = self.r.users.get(user_id)
        return user.display_name if user else self.t(N_("A former user"))

    def yes_no(self, value: bool | None) -> str:
        if value is None:
            return self.t(N_("Not known"))
        return self.t(N_("Yes")) if value else self.t(N_("No"))

    def join(self, items: Iterable[str]) -> str:
        return ("، " if self.language == "ar" else ", ").join(x for x in items if x)

    def provider_name(self, provider_id: str | None, fallback: str = "") -> str:
        provider = self.r.providers.get(provider_id or "")
        return provider.name(self.language) if provider else (fallback or provider_id or "")

    def none_recorded(self, msgid: str) -> None:
        self.story.paragraph(self.t(msgid), self.story.styles.body.but(color=MUTED))

    # --- the document -------------------------------------------------------------------
    def build(self) -> list[Flowable]:
        story, t = self.story, self.t
        number = self.r.case.case_number
        story.add(RunningHead(fill(t(N_("Case summary {number}")), number=isolate_ltr(number))))
        _letterhead(story, self.language)
        story.title(TITLE)
        story.paragraph(isolate_ltr(number), story.styles.heading.but(align="center", space_before=0,
                                                                     space_after=4.0))
        self.case_section()
        self.person_section()
        self.screening_section()
        self.risk_section()
        self.consent_section()
        self.referral_section()
        self.services_section()
        self.tasks_section()
        self.timeline_section()
        self.notes_section()
        return story.items

    def case_section(self) -> None:
        story, t, case = self.story, self.t, self.r.case
        story.heading(t(N_("The case")))
        rows = [
            (t(N_("Case number")), isolate_ltr(case.case_number)),
            (t(N_("State")), t(STATE_LABELS[case.state])),
            (t(N_("Scope (team or region)")), isolate(case.scope_id)),
            (t(N_("Border post or office")), _post_name(case.border_post, self.language) or case.office or ""),
            (t(N_("Detecting agency")), _agency_name(case.detecting_agency, self.language)),
            (t(N_("Case worker")), self.user(case.assigned_to)),
            (t(N_("Detected on")), self.date(case.detected_on)),
            (t(N_("Opened on")), self.when(case.opened_at)),
        ]
        if case.closed_at is not None or case.state is CaseState.CLOSED:
            rows += [
                (t(N_("Closed on")), self.when(case.closed_at)),
                (t(N_("Closure reason")), t(CLOSURE_REASON_LABELS[case.closure_reason])
                 if case.closure_reason else ""),
            ]
            if case.closure_approved_by:
                rows.append((t(N_("Closure approved by")), self.user(case.closure_approved_by)))
        story.fields(rows, columns=2)
        reason = " ".join(self.r.reason.split())  # one line: an isolate may not span a line break
        story.paragraph(fill(t(N_("Reason for this export: {reason}")), reason=reason),
                        story.styles.body.but(space_before=4.0))
        # at the top, not at the end: a reader meets it first, and it never sits alone on a last page
        story.paragraph(t(NOTICE), story.styles.small.but(color=MUTED, space_before=2.0))

    def person_section(self) -> None:
        story, t, p = self.story, self.t, self.r.person
        story.heading(t(N_("The person")))
        rows = [
            (t(N_("Name (Arabic letters)")), p.display_name_ar or t(N_("Not recorded"))),
            (t(N_("Name (Latin letters)")), p.display_name_latin or t(N_("Not recorded"))),
        ]
        if p.other_names:
            rows.append((t(N_("Other names")), self.join(p.other_names)))
        rows.append((t(N_("Sex")), t(SEX_LABELS[p.sex])))
        if p.birth_date is not None:
            rows.append((t(N_("Birth date")), self.date(p.birth_date)))
        elif p.birth_year is not None:
            rows.append((t(N_("Birth year (estimate)")), str(p.birth_year)))
        band = p.effective_age_band(self.today)
        if band is not None:
            rows.append((t(N_("Age band")), fill(t(N_("{band} years")), band=band.value)))
        rows += [
            (t(N_("May be under 18")), t(N_("Yes")) if p.may_be_minor(self.today) else t(N_("No"))),
            (t(N_("Nationality")), _country_name(p.nationality, self.language) or t(N_("Not known"))),
            (t(N_("Languages spoken")), self.join(language_name(c, self.language) for c in p.languages)),
        ]
        if p.mobile_phone:
            rows.append((t(N_("Mobile phone")), isolate_ltr(p.mobile_phone)))
        story.fields(rows, columns=2)
        story.subheading(t(N_("Documents")))
        if not p.documents:
            self.none_recorded(N_("No document recorded."))
            return
        story.table(
            [t(N_("Document")), t(N_("Number")), t(N_("Issued by")), t(N_("Expires on")),
             t(N_("Held by the person"))],
            [self.document_row(d) for d in p.documents],
            [1.5, 1.4, 1.3, 1.3, 1.1])

    def document_row(self, d: Document) -> list[str]:
        held = self.t(N_("Yes")) if d.held_by_person else self.t(N_("No: taken or kept by someone else"))
        return [self.t(DOCUMENT_LABELS[d.kind]), isolate_ltr(d.number),
                _country_name(d.issuing_country, self.language) or "", self.date(d.expires_on), held]

    def screening_section(self) -> None:
        story, t = self.story, self.t
        story.heading(t(N_("Screening outcome")))
        screening = self.r.latest_screening
        drafts = sum(1 for s in self.r.screenings if s.is_draft)
        if screening is None or not screening.result:
            self.none_recorded(N_("No screening outcome is recorded yet."))
            if drafts:
                self.none_recorded(N_("A screening interview is under way."))
            return
        result: dict[str, Any] = screening.result
        checklist = self.r.checklist
        title = checklist.title.get(self.language) if checklist else screening.checklist_id
        story.paragraph(fill(t(N_("Result of the screening ({checklist}, version {version})")),
                             checklist=title, version=screening.checklist_version), story.styles.subheading)
        story.fields([
            (t(N_("Completed on")), self.when(screening.completed_at)),
            (t(N_("Screened by")), self.user(screening.completed_by)),
        ], columns=2)
        code = result.get("recommendation") or screening.recommendation
        story.paragraph(_recommendation_label(code, t), story.styles.heading.but(
            color=URGENT if code in _SERIOUS else story.styles.heading.color, space_before=4.0))
        flags = [t(SCREENING_URGENT_LABELS[f]) for f in result.get("urgent_flags", [])
                 if f in SCREENING_URGENT_LABELS]
        if flags:
            story.paragraph(fill(t(N_("Urgent: {flags}")), flags=self.join(flags)),
                            story.styles.body.but(color=URGENT, bold=True))
        reasons = [t(reason) for reason in result.get("reasons", [])]
        if result.get("child_rule"):
            reasons.append(t(N_("The rules for children were applied: the person may be under 18.")))
        story.bullets(reasons)
        rows = [self.dimension_row(code, dimension) for code, dimension in result.get("dimensions", {}).items()
                if dimension.get("indicators")]
        if rows:
            story.table([t(N_("Dimension")), t(N_("Result")), t(N_("Indicators answered yes"))], rows,
                        [1.3, 1.5, 3.4])
        else:
            self.none_recorded(N_("No indicator was answered yes."))
        later = len([s for s in self.r.screenings if s.is_completed]) - 1
        if later > 0:
            self.none_recorded(N_("Earlier screenings of this case are not shown; this is the latest."))
        story.paragraph(t(N_("This is a recommendation for the officer, never a legal determination.")),
                        story.styles.small)

    def dimension_row(self, code: str, dimension: Mapping[str, Any]) -> list[str]:
        t = self.t
        counts = {k: int(dimension.get(k, 0)) for k in ("strong", "medium", "weak")}
        template = N_("Positive: {strong} strong, {medium} medium and {weak} weak indicators.") \
            if dimension.get("positive") else \
            N_("Not positive: {strong} strong, {medium} medium and {weak} weak indicators meet no threshold.")
        lines = []
        for found in dimension.get("indicators", []):
            grade = GRADE_LABELS.get(found.get("grade", ""), "")
            text = self.item_text(found.get("item", ""))
            if grade:
                text = fill(t(N_("{indicator} ({grade})")), indicator=text, grade=t(grade))
            lines.append(f"• {text}")
        name = t(SCREENING_DIMENSION_LABELS[code]) if code in SCREENING_DIMENSION_LABELS else code
        return [name, fill(t(template), **counts), "\n".join(lines)]

    def item_text(self, item_id: str) -> str:
        if self.r.checklist is not None:
            try:
                return self.r.checklist.item(item_id).text.get(self.language)
            except KeyError:
                pass
        return item_id

    def risk_section(self) -> None:
        story, t = self.story, self.t
        story.heading(t(N_("Risk")))
        risks = sorted(self.r.risks, key=lambda r: r.assessed_at)
        if not risks:
            self.none_recorded(N_("No risk assessment is recorded yet."))
            return
        latest = risks[-1]
        story.paragraph(fill(t(N_("Latest assessment: {stage}, {date}, by {user}")),
                             stage=t(RISK_STAGE_LABELS[latest.stage]), date=self.when(latest.assessed_at),
                             user=self.user(latest.assessed_by)), story.styles.subheading)
        needs = [t(URGENT_FLAG_LABELS[f]) for f in latest.urgent_flags if f in URGENT_FLAG_LABELS]
        if needs:
            story.paragraph(fill(t(N_("Urgent needs: {needs}")), needs=self.join(needs)),
                            story.styles.body.but(color=URGENT, bold=True, space_after=2.0))
        rows = [(t(question), self.yes_no(getattr(latest, name))) for name, question in RISK_QUESTIONS.items()]
        rows += [(t(N_("Risk of re-trafficking")), t(RISK_LEVEL_LABELS[latest.retrafficking_risk])),
                 (t(N_("Risks on return")), t(RISK_LEVEL_LABELS[latest.return_risk]))]
        story.fields(rows, columns=2)
        story.paragraph(latest.summary or t(N_("No risk summary was written.")),
                        story.styles.body.but(space_before=4.0))
        if len(risks) > 1:
            story.subheading(t(N_("Risk assessments")))
            story.table([t(N_("Date")), t(N_("Stage")), t(N_("Urgent needs")), t(N_("Summary"))],
                        [self.risk_row(r, latest=r is latest) for r in risks], [1.3, 1.1, 1.6, 3.0])

    def risk_row(self, risk: RiskAssessment, *, latest: bool) -> list[str]:
        t = self.t
        needs = [t(URGENT_FLAG_LABELS[f]) for f in risk.urgent_flags if f in URGENT_FLAG_LABELS]
        summary = t(N_("The latest assessment, above.")) if latest else (risk.summary or "")
        return [self.date(risk.assessed_at.date()), t(RISK_STAGE_LABELS[risk.stage]),
                self.join(needs) or t(N_("Nothing urgent")), summary]

    def consent_section(self) -> None:
        story, t = self.story, self.t
        story.heading(t(N_("Consents")))
        if not self.r.consents:
            self.none_recorded(N_("No consent is recorded yet."))
            return
        story.table([t(N_("Date")), t(N_("Consent to")), t(N_("Decision")), t(N_("Override"))],
                    [self.consent_row(c) for c in sorted(self.r.consents, key=lambda c: c.recorded_at)],
                    [1.2, 2.2, 1.5, 2.3])

    def consent_row(self, c: Consent) -> list[str]:
        t = self.t
        to = t(CONSENT_KIND_LABELS[c.kind])
        if c.provider:
            to = f"{to}: {self.provider_name(c.provider, c.provider)}"
        decision = t(CONSENT_DECISION_LABELS[c.decision])
        if c.given_by_guardian and c.guardian_name:
            decision = fill(t(N_("{decision}, by the guardian {name}")), decision=decision, name=c.guardian_name)
        override = ""
        if c.override is not None:
            override = f"{t(OVERRIDE_LABELS[c.override])}: {c.override_reason or ''}"
        return [self.date(c.recorded_at.date()), to, decision, override]

    def referral_section(self) -> None:
        story, t = self.story, self.t
        story.heading(t(N_("Referrals")))
        if not self.r.referrals:
            self.none_recorded(N_("No referral has been made for this case yet."))
            return
        story.table([t(N_("Referred on")), t(N_("Provider")), t(N_("Services asked")), t(N_("Urgency")),
                     t(N_("Status"))],
                    [self.referral_row(r) for r in sorted(self.r.referrals, key=lambda r: r.referred_at)],
                    [1.1, 2.0, 1.7, 1.0, 1.9])

    def referral_row(self, r: Referral) -> list[str]:
        t = self.t
        status = t(REFERRAL_STATUS_LABELS[r.status])
        on = r.completed_on if r.status is ReferralStatus.COMPLETED else r.responded_on
        if on is not None:
            status = fill(t(N_("{status} on {date}")), status=status, date=self.date(on))
        if r.feedback:
            status = f"{status}\n{r.feedback}"
        return [self.date(r.referred_at.date()), self.provider_name(r.provider_id, r.provider_name),
                self.join(t(CATEGORY_LABELS[c]) for c in r.categories), t(URGENCY_LABELS[r.urgency]), status]

    def services_section(self) -> None:
        story, t = self.story, self.t
        story.heading(t(N_("Services received")))
        if not self.r.services:
            self.none_recorded(N_("No service is recorded yet."))
            return
        story.table([t(N_("Date received")), t(N_("Category")), t(N_("Provider")), t(N_("What was received"))],
                    [[self.date(s.received_on), t(CATEGORY_LABELS[s.category]),
                      self.provider_name(s.provider_id, s.provider_name), s.description or ""]
                     for s in sorted(self.r.services, key=lambda s: s.received_on)],
                    [1.2, 1.6, 2.2, 2.2])

    def tasks_section(self) -> None:
        story, t = self.story, self.t
        story.heading(t(N_("Follow-up tasks")))
        if not self.r.tasks:
            self.none_recorded(N_("No follow-up task yet."))
            return
        story.table([t(N_("Due on")), t(N_("Task")), t(N_("Assigned to")), t(N_("Status"))],
                    [self.task_row(task) for task in sorted(self.r.tasks, key=lambda x: x.due_on)],
                    [1.2, 3.0, 1.5, 1.5])

    def task_row(self, task: FollowUpTask) -> list[str]:
        t = self.t
        if task.done_at is not None:
            status = fill(t(N_("Done on {date}")), date=self.date(task.done_at.date()))
        elif task.is_overdue(self.today):
            status = t(N_("Overdue"))
        else:
            status = t(N_("Open"))
        return [self.date(task.due_on), t(task.title), self.user(task.assigned_to), status]

    def timeline_section(self) -> None:
        story, t = self.story, self.t
        story.heading(t(N_("History of the case")))
        rows = [[self.when(e.event.at), self.user(e.event.actor_id) if e.event.actor_id else "", text]
                for e in sorted(self.r.history, key=lambda e: (e.event.at, e.seq))  # synced entries arrive late
                if (text := self.timeline_text(e))]
        if not rows:
            self.none_recorded(N_("Nothing is recorded in the history of this case."))
            return
        story.table([t(N_("When")), t(N_("Who")), t(N_("What"))], rows, [1.6, 1.4, 4.2])

    def timeline_text(self, entry: AuditEntry) -> str | None:
        """One audit entry in words, or None when it says nothing about the case's course."""
        t, action, details = self.t, entry.event.action, dict(entry.event.details)
        if action in _NOT_IN_TIMELINE:
            return None
        if action == AuditAction.CASE_TRANSITION:
            source, target = self.state(details.get("from")), self.state(details.get("to"))
            reason = _enum(ClosureReason, details.get("closure_reason"))
            if reason is not None:
                return fill(t(N_("Case moved from {source} to {target} (closure reason: {reason})")),
                            source=source, target=target, reason=t(CLOSURE_REASON_LABELS[reason]))
            return fill(t(N_("Case moved from {source} to {target}")), source=source, target=target)
        if action == AuditAction.PERSON_UPDATED:
            fields = [t(PERSON_FIELD_LABELS[f]) for f in details.get("fields", []) if f in PERSON_FIELD_LABELS]
            if fields:
                return fill(t(N_("Personal details changed: {fields}")), fields=self.join(fields))
            return t(N_("Personal details changed"))
        if action == AuditAction.RISK_RECORDED:
            return t(N_("Risk assessment recorded (urgent)")) if details.get("urgent") \
                else t(N_("Risk assessment recorded"))
        if action in (AuditAction.CONSENT_RECORDED, AuditAction.CONSENT_OVERRIDE):
            return self.consent_event(action, details)
        if action == AuditAction.SCREENING_COMPLETED:
            return fill(t(N_("Screening completed: {recommendation}")),
                        recommendation=_recommendation_label(details.get("recommendation"), t))
        if action in (AuditAction.REFERRAL_CREATED, AuditAction.REFERRAL_UPDATED):
            return self.referral_event(action, details)
        if action == AuditAction.SERVICE_RECORDED:
            category = _enum(ServiceCategory, details.get("category"))
            return fill(t(N_("Service received: {service}")),
                        service=t(CATEGORY_LABELS[category]) if category else "")
        if action == AuditAction.EXPORT:
            return t(_EXPORT_KINDS.get(str(details.get("kind")), N_("Case exported")))
        if action == AuditAction.CASE_MERGED and details.get("merged_case_number"):
            return fill(t(N_("Case {number} was merged into this case")),
                        number=isolate_ltr(details["merged_case_number"]))
        if action == AuditAction.CASE_MERGED_INTO and details.get("keep_case_number"):
            return fill(t(N_("Merged into case {number}")), number=isolate_ltr(details["keep_case_number"]))
        if action in _PLAIN_EVENTS:
            return t(_PLAIN_EVENTS[action])
        if action in SYNC_AUDIT_LABELS:
            return fill(t(SYNC_AUDIT_LABELS[action]), version=details.get("version", "?"))
        return fill(t(N_("Other recorded action ({code})")), code=action)

    def consent_event(self, action: str, details: Mapping[str, Any]) -> str:
        t = self.t
        kind = _enum(ConsentKind, details.get("kind"))
        decision = _enum(ConsentDecision, details.get("decision"))
        kind_text = t(CONSENT_KIND_LABELS[kind]) if kind else str(details.get("kind", ""))
        decision_text = t(CONSENT_DECISION_LABELS[decision]) if decision else str(details.get("decision", ""))
        basis = _enum(OverrideBasis, details.get("override"))
        if action == AuditAction.CONSENT_OVERRIDE and basis is not None:
            return fill(t(N_("Consent recorded: {kind}, {decision}, with an override ({basis})")),
                        kind=kind_text, decision=decision_text, basis=t(OVERRIDE_LABELS[basis]))
        return fill(t(N_("Consent recorded: {kind}, {decision}")), kind=kind_text, decision=decision_text)

    def referral_event(self, action: str, details: Mapping[str, Any]) -> str:
        t = self.t
        referral = next((r for r in self.r.referrals if r.id == details.get("referral_id")), None)
        provider = self.provider_name(referral.provider_id if referral else details.get("provider_id"),
                                      referral.provider_name if referral else "")
        if not provider:
            provider = t(N_("a provider"))
        if action == AuditAction.REFERRAL_CREATED:
            urgency = _enum(Urgency, details.get("urgency"))
            return fill(t(N_("Referral sent to {provider}; urgency: {urgency}")), provider=provider,
                        urgency=t(URGENCY_LABELS[urgency]) if urgency else "")
        status = _enum(ReferralStatus, details.get("to"))
        return fill(t(N_("Referral to {provider}: {status}")), provider=provider,
                    status=t(REFERRAL_STATUS_LABELS[status]) if status else "")

    def state(self, code: Any) -> str:
        state = _enum(CaseState, code)
        return self.t(STATE_LABELS[state]) if state else str(code)

    def notes_section(self) -> None:
        if not self.r.notes:
            return  # none chosen: the section is left out (notes are shared only on purpose)
        story, t = self.story, self.t
        story.heading(t(N_("Notes")))
        for note in sorted(self.r.notes, key=lambda n: n.written_at):
            story.paragraph(fill(t(N_("{date}, {author}")), date=self.when(note.written_at),
                                 author=self.user(note.author)), story.styles.label.but(space_before=4.0))
            story.paragraph(note.text, story.styles.body.but(space_after=2.0))


def _recommendation_label(code: Any, t: Translate) -> str:
    recommendation = _enum(Recommendation, code)
    return t(RECOMMENDATION_LABELS[recommendation]) if recommendation else str(code or "")


def _enum(enum: Any, code: Any) -> Any:
    try:
        return enum(code) if code is not None else None
    except ValueError:
        return None


@lru_cache(maxsize=1)
def _countries() -> dict[str, Mapping[str, str]]:
    return {entry["code"]: entry for entry in load_json("reference/countries.json")["countries"]}


def _country_name(code: str | None, language: str) -> str:
    if not code:
        return ""
    entry = _countries().get(code)
    return (entry.get(language) or entry["en"]) if entry else code


def _post_name(code: str | None, language: str) -> str:
    post = border_posts().get(code or "")
    return (post.get(language) or post.get("en") or code or "") if post else (code or "")


def _agency_name(code: str | None, language: str) -> str:
    agency = agencies().get(code or "")
    return (agency.get(language) or agency.get("en") or code or "") if agency else (code or "")


__all__ = ["SummaryRecords", "TITLE", "case_summaries_pdf", "case_summary_pdf", "exporter_label", "summary_flowables"]
