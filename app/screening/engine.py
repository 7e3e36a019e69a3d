"""Scoring a screening: skip logic, answer checks, dimensions and the recommendation.

The rule is the checklist's (``Rule``); this module applies it. What counts:

* Only items that are *visible* under the skip logic count; answers to hidden items are
  ignored (but must still be well-formed).
* An indicator counts when its yes_no item is answered ``yes``. ``unknown`` and
  ``declined`` never count; they are counted in ``unknown_count`` and ``declined_count``.
* The **child rule** applies when ``possibly_minor`` is True or an item flagged
  ``possible_minor`` or ``unaccompanied_child`` is answered yes (``possibly_minor=False``
  does not override such an answer: in doubt, a child). Then the child grades are used
  (an indicator graded ``-`` for children does not count), means are irrelevant, and any
  indicator at all raises the recommendation to at least ``rule.child_any_indicator``.
* A dimension is positive when its strong/medium/weak counts meet one of
  ``rule.dimension_positive`` (each an "at least" threshold).
* Urgent flags come from yes answers to items flagged ``immediate_danger``,
  ``controller_nearby``, ``medical_urgency``; ``child`` whenever the child rule applies.
  The item flagged ``no_consent`` is the consent question: ``no`` or ``declined`` there is
  a refusal, said in the reasons and the next steps.

The recommendation, the first that applies (severity in this order, highest first):

1. ``presumed_victim`` — adult: the ``adult`` rule holds ((DR or CR or RV) and EX and
   (CD or VD)). Child: the ``child`` rule holds (an act plus exploitation experienced or
   intended), or the adult rule does (a child is never held to more than an adult).
2. ``presumed_victim_in_transit`` — the ``transit`` rule holds: a positive recruitment
   dimension plus a stated exploitative purpose (exploitation has not begun yet).
3. ``specialist_interview`` — the ``specialist_interview`` rule holds (in the shipped
   checklists: any positive dimension, or a stated exploitative purpose) without an
   identification rule being met; or a child with any indicator. The case stays in
   screening until the full interview.
4. ``other_vulnerability`` — indicators were found but none of the above holds (no
   dimension is positive); or no indicator at all but an urgent flag (immediate danger,
   controller nearby, medical urgency, child): general migrant protection.
5. ``no_indicators`` — none of this.

Every rule term is monotone (no negation), so answering yes to one more indicator never
makes a dimension negative nor lowers the recommendation. The result is a recommendation
for the officer, never a legal determination.
"""

from __future__ import annotations

from collections.abc import Mapping as MappingABC
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

from app.domain.checks import has_hidden_controls
from app.domain.values import CaseState, Code
from app.errors import AnswersInvalid
from app.screening.checklist import answer_problem
from app.screening.model import DIMENSIONS, Checklist, Grade, Item, Kind, RuleTerm
from app.text import N_

__all__ = [
    "DimensionResult", "Grade", "Recommendation", "RECOMMENDATION_LABELS", "ScreeningResult", "URGENT_FLAGS",
    "due_actions", "evaluate", "validate_answers", "visible_items",
]

#: urgent flags of a result, in this order; ``child`` stands for possible_minor and unaccompanied_child
URGENT_FLAGS = ("immediate_danger", "controller_nearby", "medical_urgency", "child")
_CHILD_FLAGS = frozenset({"possible_minor", "unaccompanied_child"})
_TEXT_LIMIT = 2000


class Recommendation(Code):
    PRESUMED_VICTIM = "presumed_victim"
    PRESUMED_VICTIM_IN_TRANSIT = "presumed_victim_in_transit"
    SPECIALIST_INTERVIEW = "specialist_interview"
    OTHER_VULNERABILITY = "other_vulnerability"
    NO_INDICATORS = "no_indicators"

    @property
    def case_state(self) -> CaseState | None:
        """The lifecycle state the case may move to; None: it stays in screening."""
        return _CASE_STATES[self]

    @property
    def severity(self) -> int:
        """0 (no indicators) … 4 (presumed victim)."""
        return _SEVERITY.index(self)


_SEVERITY = (Recommendation.NO_INDICATORS, Recommendation.OTHER_VULNERABILITY,
             Recommendation.SPECIALIST_INTERVIEW, Recommendation.PRESUMED_VICTIM_IN_TRANSIT,
             Recommendation.PRESUMED_VICTIM)
_CASE_STATES = {
    Recommendation.PRESUMED_VICTIM: CaseState.PRESUMED_VICTIM,
    Recommendation.PRESUMED_VICTIM_IN_TRANSIT: CaseState.PRESUMED_VICTIM,
    Recommendation.SPECIALIST_INTERVIEW: None,
    Recommendation.OTHER_VULNERABILITY: CaseState.OTHER_VULNERABILITY,
    Recommendation.NO_INDICATORS: CaseState.NO_INDICATORS,
}
RECOMMENDATION_LABELS = {
    Recommendation.PRESUMED_VICTIM: N_("Presumed victim: refer"),
    Recommendation.PRESUMED_VICTIM_IN_TRANSIT: N_("Presumed victim in transit: refer"),
    Recommendation.SPECIALIST_INTERVIEW: N_("Further interview by a specialist"),
    Recommendation.OTHER_VULNERABILITY: N_("Other vulnerability: general migrant protection"),
    Recommendation.NO_INDICATORS: N_("No indicators of trafficking"),
}


@dataclass(frozen=True)
class DimensionResult:
    """One dimension: the indicators that counted, with their grade, and whether it is positive.

    ``reason`` is a msgid whose fields ``{strong}``, ``{medium}``, ``{weak}`` are the counts
    (``describe`` fills them in).
    """

    dimension: str
    positive: bool
    indicators: tuple[tuple[str, Grade], ...]
    reason: str

    @property
    def counts(self) -> dict[str, int]:
        return _grade_counts(self.indicators)

    def describe(self, translate: Any = None) -> str:
        return (translate(self.reason) if translate else self.reason).format(**self.counts)


@dataclass(frozen=True)
class ScreeningResult:
    checklist_id: str
    checklist_version: int
    dimensions: dict[str, DimensionResult]
    recommendation: Recommendation
    child_rule: bool
    in_transit: bool
    urgent_flags: tuple[str, ...]
    unknown_count: int
    declined_count: int
    missing_required: tuple[str, ...]
    next_steps: tuple[str, ...]
    reasons: tuple[str, ...]

    @property
    def indicator_count(self) -> int:
        return sum(len(d.indicators) for d in self.dimensions.values())

    def to_dict(self) -> dict[str, Any]:
        """Codes and msgids only (documented JSON: the CLI prints it, storage may keep it)."""
        return {
            "checklist": {"id": self.checklist_id, "version": self.checklist_version},
            "recommendation": self.recommendation.value,
            "case_state": None if self.recommendation.case_state is None else self.recommendation.case_state.value,
            "child_rule": self.child_rule,
            "in_transit": self.in_transit,
            "dimensions": {
                code: {"positive": d.positive, **d.counts,
                       "indicators": [{"item": item, "grade": grade.value} for item, grade in d.indicators]}
                for code, d in self.dimensions.items()},
            "urgent_flags": list(self.urgent_flags),
            "unknown_count": self.unknown_count,
            "declined_count": self.declined_count,
            "missing_required": list(self.missing_required),
            "next_steps": list(self.next_steps),
            "reasons": list(self.reasons),
        }


# --- skip logic and answers -------------------------------------------------------------------

class _VisibleAnswers(MappingABC):
    """The answers of visible items only, working out visibility on demand (memoised).

    The checklist has no cycles in its skip logic (checked at load), so this terminates.
    """

    def __init__(self, checklist: Checklist, answers: Mapping[str, Any]) -> None:
        self.checklist, self.answers = checklist, answers
        self.visible: dict[str, bool] = {}

    def is_visible(self, item_id: str) -> bool:
        if item_id not in self.visible:
            item, section = self.checklist.item(item_id), self.checklist.section_of(item_id)
            self.visible[item_id] = all(c is None or c.evaluate(self) for c in (section.show_if, item.show_if))
        return self.visible[item_id]

    def items_shown(self) -> list[Item]:
        return [item for item in self.checklist.items() if self.is_visible(item.id)]

    def __getitem__(self, item_id: str) -> Any:
        value = self.answers.get(item_id)
        if value is None or not self.is_visible(item_id):
            raise KeyError(item_id)
        return value

    def __iter__(self) -> Iterator[str]:
        return (item.id for item in self.checklist.items() if item.id in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def visible_items(checklist: Checklist, answers: Mapping[str, Any]) -> list[Item]:
    """The items to ask, in order, given the answers so far (skip logic applied)."""
    return _VisibleAnswers(checklist, answers).items_shown()


def due_actions(checklist: Checklist, answers: Mapping[str, Any]) -> list[Item]:
    """Visible items answered yes that carry immediate actions (``item.actions``), in order."""
    view = _VisibleAnswers(checklist, answers)
    return [item for item in checklist.items() if item.actions is not None and view.get(item.id) == "yes"]


def validate_answers(checklist: Checklist, answers: Mapping[str, Any]) -> None:
    """Every key must be an item of ``checklist`` and every value fit its kind (None: no answer)."""
    for item_id, value in answers.items():
        try:
            item = checklist.item(item_id)
        except (KeyError, TypeError):
            raise AnswersInvalid(str(item_id), N_("not a question of this checklist")) from None
        if value is None:
            continue
        if answer_problem(item.kind, item.option_ids(), value) is not None:
            raise AnswersInvalid(item_id, _EXPECTED[item.kind])
        if item.kind is Kind.TEXT and len(value) > _TEXT_LIMIT:
            raise AnswersInvalid(item_id, N_("longer than 2000 characters"))
        if item.kind is Kind.TEXT and has_hidden_controls(value):
            raise AnswersInvalid(item_id, N_("Contains invisible control characters; retype the text."))


_EXPECTED = {
    Kind.YES_NO: N_("expected yes, no, unknown or declined"),
    Kind.CHOICE: N_("not one of the options of this question"),
    Kind.TEXT: N_("expected text"),
    Kind.NUMBER: N_("expected a number"),
    Kind.DATE: N_("expected a date (YYYY-MM-DD)"),
}


# --- the evaluation ---------------------------------------------------------------------------

_POSITIVE = N_("Positive: {strong} strong, {medium} medium and {weak} weak indicators.")
_NOT_POSITIVE = N_("Not positive: {strong} strong, {medium} medium and {weak} weak indicators meet no threshold.")
_NO_INDICATOR = N_("No indicator.")


def evaluate(checklist: Checklist, answers: Mapping[str, Any], *,
             possibly_minor: bool | None = None) -> ScreeningResult:
    """Apply the checklist's rule to ``answers`` (validated first: ``AnswersInvalid``)."""
    validate_answers(checklist, answers)
    view = _VisibleAnswers(checklist, answers)
    shown = view.items_shown()
    yes = [item for item in shown if item.kind is Kind.YES_NO and view.get(item.id) == "yes"]
    flags = frozenset(flag for item in yes for flag in item.flags)
    child = possibly_minor is True or bool(flags & _CHILD_FLAGS)

    counted: dict[str, list[tuple[str, Grade]]] = {code: [] for code in DIMENSIONS}
    for item in yes:
        grade = item.indicator.grade(child) if item.indicator else None
        if grade is not None:
            counted[item.indicator.dimension].append((item.id, grade))
    dimensions = {code: _dimension(checklist, code, tuple(found)) for code, found in counted.items()}
    positive = frozenset(code for code, result in dimensions.items() if result.positive)

    urgent = tuple(f for f in URGENT_FLAGS if f in flags or (f == "child" and child))
    indicator_count = sum(len(found) for found in counted.values())
    recommendation, reasons = _recommend(checklist, positive, flags, view, child, indicator_count, bool(urgent))

    values = [view.get(item.id) for item in shown if item.kind is Kind.YES_NO]
    unknown, declined = values.count("unknown"), values.count("declined")
    if unknown or declined:
        reasons.append(N_("Unknown and declined answers were not counted as indicators."))
    consent_refused = any("no_consent" in item.flags and view.get(item.id) in ("no", "declined") for item in shown)
    if consent_refused:
        reasons.append(N_("The person did not consent; the questions that depend on consent were not asked."))
    missing = tuple(item.id for item in shown if item.required and item.id not in view)
    return ScreeningResult(
        checklist_id=checklist.id, checklist_version=checklist.version, dimensions=dimensions,
        recommendation=recommendation, child_rule=child,
        in_transit=recommendation is Recommendation.PRESUMED_VICTIM_IN_TRANSIT, urgent_flags=urgent,
        unknown_count=unknown, declined_count=declined, missing_required=missing,
        next_steps=_next_steps(recommendation, urgent, flags, consent_refused, bool(missing)),
        reasons=tuple(reasons))


def _grade_counts(indicators: tuple[tuple[str, Grade], ...]) -> dict[str, int]:
    grades = [grade for _item, grade in indicators]
    return {"strong": grades.count(Grade.STRONG), "medium": grades.count(Grade.MEDIUM),
            "weak": grades.count(Grade.WEAK)}


def _dimension(checklist: Checklist, code: str, found: tuple[tuple[str, Grade], ...]) -> DimensionResult:
    positive = checklist.rule.dimension_is_positive(**_grade_counts(found))
    reason = _POSITIVE if positive else (_NOT_POSITIVE if found else _NO_INDICATOR)
    return DimensionResult(code, positive, found, reason)


def _recommend(checklist: Checklist, positive: frozenset[str], flags: frozenset[str], answers: Mapping[str, Any],
               child: bool, indicator_count: int, urgent: bool) -> tuple[Recommendation, list[str]]:
    rule = checklist.rule

    def holds(term: RuleTerm) -> bool:
        return term.holds(positive, flags, answers)

    if child and holds(rule.child):
        found = Recommendation.PRESUMED_VICTIM, N_(
            "Child rule met: an act of trafficking and exploitation, experienced or intended (no means is needed "
            "for a child).")
    elif holds(rule.adult):
        found = Recommendation.PRESUMED_VICTIM, N_(
            "Identification rule met: recruitment (DR, CR or RV), exploitation (EX) and coercion or abuse of "
            "vulnerability at destination (CD or VD) are positive.")
    elif holds(rule.transit):
        found = Recommendation.PRESUMED_VICTIM_IN_TRANSIT, N_(
            "Transit rule met: a recruitment dimension is positive and an exploitative purpose was stated.")
    elif holds(rule.specialist_interview):
        found = Recommendation.SPECIALIST_INTERVIEW, N_(
            "Indicators call for a full interview, but no identification rule is met yet.")
    elif indicator_count:
        found = Recommendation.OTHER_VULNERABILITY, N_("Some indicators were found, but no dimension is positive.")
    elif urgent:
        found = Recommendation.OTHER_VULNERABILITY, N_(
            "No indicator of trafficking, but the person is vulnerable (danger, controller, medical need or child).")
    else:
        found = Recommendation.NO_INDICATORS, N_("No indicator of trafficking was found.")
    recommendation, reason = found
    reasons = [reason]
    floor = Recommendation(rule.child_any_indicator)
    if child and indicator_count and recommendation.severity < floor.severity:
        recommendation = floor
        reasons = [N_("A child with any indicator is always seen by a specialist.")]
    return recommendation, reasons


def _next_steps(recommendation: Recommendation, urgent: tuple[str, ...], flags: frozenset[str],
                consent_refused: bool, missing: bool) -> tuple[str, ...]:
    steps = [_URGENT_STEPS[flag] for flag in urgent]
    if "interpreter_needed" in flags:
        steps.append(N_("Use an independent interpreter, never one linked to the person's travel companions."))
    if consent_refused:
        steps.append(N_("Stop the questions; give information on rights and services, and how to ask for help "
                        "later."))
    steps.append(_RECOMMENDATION_STEPS[recommendation])
    if missing:
        steps.append(N_("Answer the required questions still open before relying on this result."))
    return tuple(steps)


_URGENT_STEPS = {
    "immediate_danger": N_("Move the person to a safe, private place and call the emergency protection unit."),
    "controller_nearby": N_("Separate the person from their companions and continue alone with them."),
    "medical_urgency": N_("Arrange medical care now; the interview can wait."),
    "child": N_("Treat the person as a child: inform child protection and the prosecutor for minors; "
                "a guardian must be present."),
}
_RECOMMENDATION_STEPS = {
    Recommendation.PRESUMED_VICTIM: N_("Refer the person as a presumed victim, with their consent, for "
                                       "protection and assistance."),
    Recommendation.PRESUMED_VICTIM_IN_TRANSIT: N_("Refer the person as a presumed victim in transit; keep "
                                                  "them away from the people travelling with them."),
    Recommendation.SPECIALIST_INTERVIEW: N_("Arrange the full indicator interview with a specialist; the case "
                                            "stays in screening."),
    Recommendation.OTHER_VULNERABILITY: N_("Refer the person to general migrant protection services."),
    Recommendation.NO_INDICATORS: N_("Record the screening; screen again if new information comes up."),
}
