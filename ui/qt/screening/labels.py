"""Words for the codes of a screening result (the engine names dimensions and flags by code)."""

from __future__ import annotations

from app.screening.engine import RECOMMENDATION_LABELS, Recommendation
from app.text import N_
from ui.qt.lang import tr

#: the checklists the case file offers to start
BORDER_CHECKLIST = "border-short"
FULL_CHECKLIST = "ilo-full"

DIMENSION_LABELS = {
    "DR": N_("Deceptive recruitment"),
    "CR": N_("Coercive recruitment"),
    "RV": N_("Recruitment by abuse of vulnerability"),
    "EX": N_("Exploitative conditions"),
    "CD": N_("Coercion at destination"),
    "VD": N_("Abuse of vulnerability at destination"),
}

#: ``ScreeningResult.urgent_flags``
URGENT_LABELS = {
    "immediate_danger": N_("Immediate danger"),
    "controller_nearby": N_("A controller is nearby"),
    "medical_urgency": N_("Urgent medical need"),
    "child": N_("The person may be a child"),
}

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
