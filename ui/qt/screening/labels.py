"""Words for the codes of a screening result (the engine names dimensions and flags by code)."""

from __future__ import annotations

from app.domain.labels import SCREENING_DIMENSION_LABELS as DIMENSION_LABELS
from app.domain.labels import SCREENING_URGENT_LABELS as URGENT_LABELS
from app.screening.engine import RECOMMENDATION_LABELS, Recommendation
from ui.qt.lang import tr

#: the checklists the case file offers to start
BORDER_CHECKLIST = "border-short"
FULL_CHECKLIST = "ilo-full"

#: recommendations that call for action now (the outcome is shown in red)
SERIOUS = frozenset({Recommendation.PRESUMED_VICTIM, Recommendation.PRESUMED_VICTIM_IN_TRANSIT})


def recommendation_label(code: str | None) -> str:
    try:
        return tr(RECOMMENDATION_LABELS[Recommendation(code)])
    except ValueError:
        return code or ""


def dimension_label(code: str) -> str:
    return tr(DIMENSION_LABELS[code]) if code in DIMENSION_LABELS else code


def urgent_label(code: str) -> str:
    return tr(URGENT_LABELS[code]) if code in URGENT_LABELS else code
