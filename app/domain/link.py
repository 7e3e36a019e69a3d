"""Links between two cases: "not the same person" and "merged into".

A duplicate warning that a worker dismissed is recorded as a ``DIFFERENT_PERSON`` link, so
the pair is not shown again. A supervisor's merge records a ``MERGED_INTO`` link from the
merged case to the case that is kept. Links are records like any other (synced, audited)
and are never deleted: the history of what was decided stays readable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from app.domain.checks import Checker
from app.domain.values import Code
from app.text import N_


class LinkKind(Code):
    DIFFERENT_PERSON = "different_person"
    MERGED_INTO = "merged_into"


LINK_LABELS = {
    LinkKind.DIFFERENT_PERSON: N_("Confirmed as a different person"),
    LinkKind.MERGED_INTO: N_("Merged into another case"),
}


@dataclass(frozen=True)
class CaseLink:
    """``case_id`` is linked to ``other_case_id`` (for a merge: merged case → kept case)."""

    RECORD_TYPE: ClassVar[str] = "case_link"
    WIRE: ClassVar[dict[str, str]] = {
        "case_id": "hmy_CaseId",
        "other_case_id": "hmy_OtherCaseId",
        "kind": "hmy_Kind",
        "linked_at": "hmy_LinkedAt",
        "linked_by": "hmy_LinkedBy",
    }

    id: str
    case_id: str
    other_case_id: str
    kind: LinkKind
    linked_at: datetime
    linked_by: str

    def __post_init__(self) -> None:
        c = Checker()
        c.uuid("id", self.id)
        c.uuid("case_id", self.case_id)
        c.uuid("other_case_id", self.other_case_id)
        c.uuid("linked_by", self.linked_by)
        if not isinstance(self.kind, LinkKind):
            c.fail("kind", N_("Choose one of the listed values."))
        if self.case_id == self.other_case_id:
            c.fail("other_case_id", N_("A case cannot be linked to itself."))
        c.done()
