"""A screening of one case against one version of a checklist.

A draft holds the answers given so far and may change until it is completed; a completed
screening is never changed again (re-screening starts a new one). It records which
checklist, and which version of it, produced its result, so a later revision of the
checklist never changes what a past screening said.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from app.domain.checks import Checker, has_hidden_controls
from app.domain.values import Code
from app.text import N_

#: Limits that keep a stored answer set small (a border screening has a few dozen items).
MAX_ANSWERS = 500
MAX_ANSWER_TEXT = 2000


class ScreeningStatus(Code):
    DRAFT = "draft"
    COMPLETED = "completed"


@dataclass(frozen=True)
class Screening:
    """One screening interview (HTCDS has no screening record: every field is ``hmy_``)."""

    RECORD_TYPE: ClassVar[str] = "screening"
    WIRE: ClassVar[dict[str, str]] = {
        "case_id": "hmy_CaseId",
        "checklist_id": "hmy_ChecklistId",
        "checklist_version": "hmy_ChecklistVersion",
        "status": "hmy_Status",
        "answers": "hmy_Answers",
        "started_at": "hmy_StartedAt",
        "started_by": "hmy_StartedBy",
        "completed_at": "hmy_CompletedAt",
        "completed_by": "hmy_CompletedBy",
        "recommendation": "hmy_Recommendation",
        "result": "hmy_Result",
    }

    id: str
    case_id: str
    checklist_id: str
    checklist_version: int
    status: ScreeningStatus
    started_at: datetime
    started_by: str
    answers: dict[str, Any] = field(default_factory=dict)
    completed_at: datetime | None = None
    completed_by: str | None = None
    recommendation: str | None = None
    result: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        c = Checker()
        c.uuid("id", self.id)
        c.uuid("case_id", self.case_id)
        c.uuid("started_by", self.started_by)
        c.uuid("completed_by", self.completed_by, required=False)
        c.text("checklist_id", self.checklist_id, max_len=60, required=True)
        if isinstance(self.checklist_version, bool) or not isinstance(self.checklist_version, int) \
                or self.checklist_version < 1:
            c.fail("checklist_version", N_("Not a checklist version."))
        if not isinstance(self.status, ScreeningStatus):
            c.fail("status", N_("Choose one of the listed values."))
        _check_answers(c, self.answers)
        c.text("recommendation", self.recommendation, max_len=60)
        if self.result is not None and not isinstance(self.result, dict):
            c.fail("result", N_("Not a screening result."))
        if self.status is ScreeningStatus.COMPLETED:
            for name in ("completed_at", "completed_by", "recommendation", "result"):
                if getattr(self, name) is None:
                    c.fail(name, N_("A completed screening records when, by whom and its result."))
        elif self.status is ScreeningStatus.DRAFT:
            for name in ("completed_at", "completed_by", "recommendation", "result"):
                if getattr(self, name) is not None:
                    c.fail(name, N_("A screening under way has no result yet."))
        if self.completed_at is not None and isinstance(self.started_at, datetime) \
                and self.completed_at < self.started_at:
            c.fail("completed_at", N_("A screening cannot end before it started."))
        c.done()

    @property
    def is_draft(self) -> bool:
        return self.status is ScreeningStatus.DRAFT

    @property
    def is_completed(self) -> bool:
        return self.status is ScreeningStatus.COMPLETED


def _check_answers(c: Checker, answers: Any) -> None:
    """Answers are item id → a plain JSON value; free text is checked like every text field."""
    if not isinstance(answers, dict):
        c.fail("answers", N_("Not a set of answers."))
        return
    if len(answers) > MAX_ANSWERS:
        c.fail("answers", N_("Too many answers."))
    for key, value in answers.items():
        if not isinstance(key, str) or not key or len(key) > 60 or has_hidden_controls(key):
            c.fail("answers", N_("Not a set of answers."))
            continue
        if value is None or isinstance(value, (bool, int, float)):
            continue
        if isinstance(value, str):
            c.text(f"answers.{key}", value, max_len=MAX_ANSWER_TEXT)
        else:
            c.fail(f"answers.{key}", N_("Not a valid answer."))
