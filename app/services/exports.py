"""Case summary exports: one case, or a batch, as PDF for a supervisor or the secretariat.

SECURITY.md makes exports the one deliberate exception to "nothing in clear outside the
store": they are allowed to the roles of the matrix only (``Action.EXPORT_CASE_PDF``:
supervisor and secretariat), for cases the user may see, with a stated reason, watermarked
and audited. This service checks all of that and returns bytes; it never writes a file
(the caller writes the one the user chose, through ``write`` for a batch).

Where the reason goes. The reason is free text a person typed, so it may name people or
facts of the case; audit details never hold case content. It is therefore kept as a note
on the case ("Case summary exported. Reason: …", in the document's language), written in
the same transaction as the audit entry, and printed under the summary's title; the audit
entry only says that a reason was given (``reason_given``), with the kind of export, the
language and how many notes were chosen.

Audit of a batch. Each exported case gets its own ``export`` entry (so its history says it
left the store, and why, in its note), and the batch gets one more entry, on no record,
with the counts (cases, skipped, one file or a folder, cancelled): who exported how many
cases at once is one line to read.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Sequence

from app.domain.audit import AuditAction, AuditEvent
from app.domain.case import Case, Consent, Note, RiskAssessment
from app.domain.checks import Checker, new_id
from app.domain.referral import FollowUpTask, Provider, Referral, ServiceReceived
from app.domain.screening import Screening
from app.domain.user import Session, User
from app.errors import HimayaError, NotFound
from app.permissions import Action, require
from app.ports import CaseQuery, CaseStore, Clock
from app.services.cases import CaseService
from app.services.referrals import ReferralService
from app.services.screening import ScreeningService
from app.text import N_
from i18n import gettext_for

if TYPE_CHECKING:
    from app.reports.case_summary import SummaryRecords

Translate = Callable[[str], str]
Write = Callable[[str, bytes], None]
Progress = Callable[[int, int], bool]

MIN_REASON = 10
MAX_REASON = 1000
LANGUAGES = ("ar", "fr", "en")
#: The name given to ``write`` for a batch in one file (the caller chooses the real path).
BATCH_FILE_NAME = "case-summaries.pdf"
#: Cases of a filter are read this many at a time (keyset paging).
RESOLVE_PAGE = 500

SKIP_NOT_FOUND = N_("not found, or not a case you may see")
SKIP_INCOMPLETE = N_("its records are incomplete (the person's record is missing)")
REASON_NOTE = N_("Case summary exported. Reason: {reason}")


@dataclass(frozen=True)
class BatchResult:
    """What a batch did: cases exported, cases skipped (id, why as a msgid), cancelled or not."""

    done: int
    skipped: tuple[tuple[str, str], ...]
    cancelled: bool


class _Cancelled(Exception):
    """Raised from inside the PDF layout when ``progress`` asks to stop (one-file batches)."""


@dataclass(frozen=True)
class _Context:
    """What every summary of one export shares: who, when, the users and the directory."""

    session: Session
    now: datetime
    reason: str
    users: dict[str, User]
    providers: dict[str, Provider]


class ExportService:
    def __init__(self, store: CaseStore, cases: CaseService, referrals: ReferralService,
                 screenings: ScreeningService, clock: Clock | None = None) -> None:
        self.store = store
        self.cases = cases
        self.referrals = referrals
        self.screenings = screenings
        self.clock = clock or cases.clock

    # --- one case -------------------------------------------------------------------------
    def case_summary(self, session: Session, case_id: str, *, reason: str, language: str,
                     note_ids: Sequence[str] = (), translate: Translate | None = None) -> bytes:
        """The case summary as PDF bytes, with the notes ``note_ids`` (of this case); audited.

        Refused (nothing written) without the permission, for a case the user may not see
        (``NotFound``, as if it did not exist), a note of another case, or a reason shorter
        than 10 characters (``ValidationError`` on ``reason``).
        """
        from app.reports.case_summary import case_summary_pdf  # the PDF layer loads on first use

        context = self._start(session, reason, language)
        translate = translate or gettext_for(language)
        case = self.cases.visible_case(session, case_id)
        notes = self._notes(case, note_ids)
        pdf = case_summary_pdf(self._records(context, case, notes), language, translate)
        with self.store.transaction() as uow:
            self._record(uow, context, case, language, translate, {"notes": len(notes)})
        return pdf

    # --- many cases -----------------------------------------------------------------------
    def batch(self, session: Session, case_ids: Sequence[str], *, reason: str, language: str, one_file: bool,
              write: Write, progress: Progress | None = None,
              translate: Translate | None = None) -> BatchResult:
        """Export the summaries of ``case_ids`` (duplicates once), in one PDF or one file each.

        ``write(name, data)`` receives each document: one named after its case number
        (``HMY-2025-ABCD-00012.pdf``), or one ``case-summaries.pdf`` holding every case,
        each starting on a new page. Names never come from a person's name.
        ``progress(done, total)`` is called before the first case and after each; False
        stops between cases. In a folder, the cases done so far stay written and audited;
        in one file, nothing is written nor audited. Cases the user may not see are
        skipped with the reason, not refused: a filter made yesterday may include a case
        transferred since.
        """
        from app.reports.case_summary import case_summaries_pdf, case_summary_pdf

        context = self._start(session, reason, language)
        translate = translate or gettext_for(language)
        ids = list(dict.fromkeys(case_ids))
        total = len(ids)
        skipped: list[tuple[str, str]] = []
        ready: list[tuple[Case, SummaryRecords]] = []
        done = 0

        def stop(count: int) -> bool:
            return progress is not None and progress(count, total) is False

        cancelled = stop(0)
        try:
            for index, case_id in enumerate(ids):
                if cancelled:
                    break
                found = self._gather(context, case_id, skipped)
                if found is not None and not one_file:
                    case, records = found
                    pdf = case_summary_pdf(records, language, translate)
                    with self.store.transaction() as uow:
                        self._record(uow, context, case, language, translate, {"notes": 0, "batch": True})
                    write(f"{case.case_number}.pdf", pdf)
                    done += 1
                elif found is not None:
                    ready.append(found)
                if not one_file:
                    cancelled = stop(index + 1) and index + 1 < total
            if one_file and ready and not cancelled:
                done, cancelled = self._one_file(context, ready, total, skipped, language, translate, write,
                                                 stop, case_summaries_pdf)
        finally:
            if done:
                with self.store.transaction() as uow:
                    uow.audit(AuditEvent(
                        action=AuditAction.EXPORT, at=context.now, actor_id=session.user.id,
                        device_id=session.device_id, details={
                            "kind": "case_summary_batch", "language": language, "reason_given": True,
                            "cases": done, "skipped": len(skipped), "one_file": one_file,
                            "cancelled": cancelled}))
        return BatchResult(done, tuple(skipped), cancelled)

    def _one_file(self, context: _Context, ready: list[tuple[Case, "SummaryRecords"]], total: int,
                  skipped: list[tuple[str, str]], language: str, translate: Translate, write: Write,
                  stop: Callable[[int], bool], render: Any) -> tuple[int, bool]:
        """Lay out every case in one document, reporting progress as each case's first page
        is drawn (the layout is where the time goes); audit, then hand the bytes over."""
        before = total - len(ready)  # cases already counted: skipped before the layout

        def on_case(index: int) -> None:
            if index and stop(before + index):
                raise _Cancelled()

        try:
            pdf = render([records for _case, records in ready], language, translate, on_case=on_case)
        except _Cancelled:
            return 0, True
        with self.store.transaction() as uow:
            for case, _records in ready:
                self._record(uow, context, case, language, translate, {"notes": 0, "batch": True})
        write(BATCH_FILE_NAME, pdf)
        stop(total)
        return len(ready), False

    def resolve(self, session: Session, query: CaseQuery) -> list[str]:
        """The ids of every case ``query`` finds that the user may see (its paging ignored)."""
        require(session.role, Action.EXPORT_CASE_PDF)
        page = dataclasses.replace(query, offset=0, limit=RESOLVE_PAGE, after_id=None)
        found: list[str] = []
        seen: set[str] = set()
        while True:
            rows = self.cases.list_cases(session, page)
            fresh = [row.id for row in rows if row.id not in seen]
            found += fresh
            seen.update(fresh)
            if len(rows) < RESOLVE_PAGE or not fresh:
                return found
            page = dataclasses.replace(page, after_id=rows[-1].id)

    # --- helpers --------------------------------------------------------------------------
    def _start(self, session: Session, reason: str, language: str) -> _Context:
        """Permission, reason and language checked before anything is read."""
        require(session.role, Action.EXPORT_CASE_PDF)
        c = Checker()
        text = reason.strip() if isinstance(reason, str) else reason
        c.text("reason", text, max_len=MAX_REASON, required=True)
        if not c.errors_for("reason") and len(text) < MIN_REASON:
            c.fail("reason", N_("Say why this export is needed (at least 10 characters)."))
        if language not in LANGUAGES:
            c.fail("language", N_("Choose one of the listed values."))
        c.done()
        return _Context(session, self.clock.now(), text, {u.id: u for u in self.store.users()},
                        {p.id: p for p in self.store.all_records(Provider)})

    def _notes(self, case: Case, note_ids: Sequence[str]) -> tuple[Note, ...]:
        notes = []
        for note_id in dict.fromkeys(note_ids):
            note = self.store.get(Note, note_id)
            if note is None or note.case_id != case.id:  # a note of another case is not told to exist
                raise NotFound(kind=N_("note"), ident=note_id)
            notes.append(note)
        return tuple(notes)

    def _gather(self, context: _Context, case_id: str,
                skipped: list[tuple[str, str]]) -> tuple[Case, "SummaryRecords"] | None:
        try:
            case = self.cases.visible_case(context.session, case_id)
        except NotFound:
            skipped.append((case_id, SKIP_NOT_FOUND))
            return None
        try:
            return case, self._records(context, case, ())
        except NotFound:
            skipped.append((case_id, SKIP_INCOMPLETE))
            return None

    def _records(self, context: _Context, case: Case, notes: tuple[Note, ...]) -> "SummaryRecords":
        from app.reports.case_summary import SummaryRecords

        screenings = tuple(sorted(self.store.for_case(Screening, case.id), key=lambda s: s.started_at))
        records = SummaryRecords(
            case=case, person=self.cases.person_of(case), exporter=context.session.user,
            device=context.session.device_id, exported_at=context.now, reason=context.reason,
            screenings=screenings,
            risks=tuple(self.store.for_case(RiskAssessment, case.id)),
            consents=tuple(self.store.for_case(Consent, case.id)),
            referrals=tuple(self.store.for_case(Referral, case.id)),
            services=tuple(self.store.for_case(ServiceReceived, case.id)),
            tasks=tuple(self.store.for_case(FollowUpTask, case.id)),
            notes=notes,
            history=tuple(self.cases.history(context.session, case.id)),
            users=context.users, providers=context.providers,
        )
        latest = records.latest_screening
        if latest is not None:
            try:
                records = dataclasses.replace(records, checklist=self.screenings.checklist_of(latest))
            except HimayaError:  # a checklist version this device no longer has: item ids are shown
                pass
        return records

    def _record(self, uow: Any, context: _Context, case: Case, language: str, translate: Translate,
                extra: dict[str, Any]) -> None:
        """The reason as a note on the case, and the audit entry (no content), in ``uow``."""
        session = context.session
        try:
            text = translate(REASON_NOTE).format(reason=context.reason)
        except (KeyError, IndexError, ValueError):  # a translation that lost its {reason}
            text = REASON_NOTE.format(reason=context.reason)
        uow.put(Note(new_id(), case.id, context.now, session.user.id, text))
        uow.audit(self.cases.event(session, AuditAction.EXPORT, case, {
            "kind": "case_summary", "language": language, "reason_given": True, **extra}))


__all__ = ["BATCH_FILE_NAME", "BatchResult", "ExportService", "SKIP_INCOMPLETE", "SKIP_NOT_FOUND"]
