"""Anonymised statistics for supervisors (their scope) and the secretariat (every scope).

``compute`` counts the cases the case list would show with the same filters (detection
dates, region, the user's visibility), streamed from the store as non-identifying facts
(``CaseStore.stats_facts``), and suppresses small cells (``app.stats``). Looking at the
figures (the dashboard) is not an export: no reason, no audit entry. ``export_csv`` and
``export_pdf`` are: they need a stated reason and write an ``export`` audit entry with the
format and how many figures were published and suppressed, never a figure or the reason's
text (audit details hold no free text). The reason is printed on the PDF's first page.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Callable

from app.domain.audit import AuditAction, AuditEvent
from app.domain.user import Session
from app.errors import FieldError, ValidationError
from app.permissions import Action, require
from app.ports import CaseQuery, CaseStore, Clock, SystemClock
from app.services.cases import CaseService
from app.stats import EXPLOITATION_ITEM, K, StatsFilters, StatsTable, compute, facts_row, posts_in_region, \
    region_codes, to_csv
from app.text import N_

#: The shortest reason accepted for an export (as for a merge or an override).
MIN_REASON = 10
REASON_NEEDED = N_("Say in a sentence why these figures are exported (at least 10 characters).")


class StatisticsService:
    def __init__(self, store: CaseStore, cases: CaseService, clock: Clock | None = None) -> None:
        self.store = store
        self.cases = cases
        self.clock = clock or SystemClock()

    def case_query(self, session: Session, *, period_from: date | None = None, period_to: date | None = None,
                   region: str | None = None) -> CaseQuery:
        """The case list's query for these filters, narrowed to what the user may see: the
        statistics count exactly the cases ``CaseService.count_cases`` counts with it."""
        require(session.role, Action.EXPORT_STATISTICS)
        problems = []
        if period_from and period_to and period_from > period_to:
            problems.append(FieldError("period_to", N_("The end of the period is before its start.")))
        if region is not None and region not in region_codes():
            problems.append(FieldError("region", N_("Unknown region.")))
        if problems:
            raise ValidationError(problems)
        # A region with no post in the reference list matches no case ("" is no post's code;
        # an empty set would mean "every post").
        posts = (posts_in_region(region) or frozenset({""})) if region else frozenset()
        query = CaseQuery(border_posts=posts, detected_from=period_from, detected_to=period_to)
        return self.cases.visible_query(session, query)

    def compute(self, session: Session, *, period_from: date | None = None, period_to: date | None = None,
                region: str | None = None) -> StatsTable:
        """The published figures for these filters (suppressed: no count under k = 11, none
        recoverable from one total). Supervisors see their scope, the secretariat all."""
        query = self.case_query(session, period_from=period_from, period_to=period_to, region=region)
        rows = (facts_row(facts) for facts in self.store.stats_facts(query, answer_item=EXPLOITATION_ITEM))
        scope = None if query.scope_ids is None else ",".join(sorted(query.scope_ids))
        return compute(rows, k=K, filters=StatsFilters(period_from, period_to, region, scope))

    def export_csv(self, session: Session, table: StatsTable, *, reason: str) -> str:
        """The table as CSV text (docs/STATISTICS.md), audited; the caller writes the file."""
        self._may_export(session, table, reason)
        text = to_csv(table)
        self._audit(session, table, "csv")
        return text

    def export_pdf(self, session: Session, table: StatsTable, *, reason: str, language: str,
                   translate: Callable[[str], str] | None = None) -> bytes:
        """The report with charts as PDF bytes (watermarked, numbered pages), audited."""
        from app.reports.statistics import StatisticsReport, statistics_pdf  # reportlab loads on first use
        from i18n import gettext_for

        self._may_export(session, table, reason)
        translate = translate or gettext_for(language)
        report = StatisticsReport(table=table, reason=reason.strip(), exported_by=session.user.display_name,
                                  device=session.device_id, exported_at=self.clock.now())
        pdf = statistics_pdf(report, language, translate)
        self._audit(session, table, "pdf", language=language)
        return pdf

    # --- helpers ---------------------------------------------------------------------------------
    def _may_export(self, session: Session, table: StatsTable, reason: str) -> None:
        require(session.role, Action.EXPORT_STATISTICS)
        if len((reason or "").strip()) < MIN_REASON:
            raise ValidationError([FieldError("reason", REASON_NEEDED)])
        table.check()

    def _audit(self, session: Session, table: StatsTable, fmt: str, **extra: Any) -> None:
        f = table.filters
        details: dict[str, Any] = {
            "kind": "statistics", "format": fmt, "cells": table.cell_count, "suppressed": table.suppressed_count,
            "period_from": f.period_from.isoformat() if f.period_from else None,
            "period_to": f.period_to.isoformat() if f.period_to else None,
            "region": f.region, "reason_given": True, **extra,
        }
        with self.store.transaction() as uow:
            uow.audit(AuditEvent(action=AuditAction.EXPORT, at=self.clock.now(), actor_id=session.user.id,
                                 device_id=session.device_id, details=details))

