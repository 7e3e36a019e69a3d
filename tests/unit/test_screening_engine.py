"""The screening engine: skip logic, answer checks, flags, next steps, and its monotonicity."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from screening_kit import grid_document, load

from app.domain.values import CaseState
from app.errors import AnswersInvalid
from app.screening import Recommendation, default_library, evaluate, validate_answers, visible_items
from app.screening.engine import RECOMMENDATION_LABELS, due_actions
from app.screening.model import YES_NO_VALUES, Kind

BORDER = default_library().latest("border-short")
ILO = default_library().latest("ilo-full")
GRID = load(grid_document())


def _ids(items) -> list[str]:
    return [item.id for item in items]


# --- skip logic ------------------------------------------------------------------------------------

def test_without_consent_only_the_triage_is_asked():
    triage = _ids(BORDER.sections[0].items)
    assert "unaccompanied_child" in triage and "interpreter_linked" in triage
    shown = _ids(visible_items(BORDER, {}))
    assert shown == [i for i in triage if i not in ("unaccompanied_child", "interpreter_linked")]
    for refusal in ("no", "declined", "unknown"):
        assert _ids(visible_items(BORDER, {"consent": refusal})) == shown
    assert _ids(visible_items(BORDER, {"consent": "yes"}))[len(shown):][:2] == ["promised_job_abroad",
                                                                                 "travel_arranged"]


def test_follow_up_questions_appear_after_their_answer():
    shown = _ids(visible_items(BORDER, {"possibly_minor": "yes", "interpreter_needed": "yes"}))
    assert shown.index("unaccompanied_child") == shown.index("possibly_minor") + 1
    assert shown.index("interpreter_linked") == shown.index("interpreter_needed") + 1


def test_the_work_section_is_skipped_only_when_the_person_has_not_worked():
    for has_worked, shown in (("no", False), ("yes", True), ("unknown", True), (None, True)):
        items = _ids(visible_items(BORDER, {"consent": "yes", "has_worked": has_worked}))
        assert ("long_hours" in items) is shown, has_worked


def test_answers_to_hidden_items_are_ignored():
    answers = {"consent": "no", "deceived_job": "yes", "deceived_pay": "yes", "long_hours": "yes",
               "little_or_no_pay": "yes", "locked_in": "yes", "forced_acts": "yes"}
    result = evaluate(BORDER, answers)
    assert result.indicator_count == 0 and result.recommendation is Recommendation.NO_INDICATORS
    assert "The person did not consent; the questions that depend on consent were not asked." in result.reasons
    assert result.next_steps[0].startswith("Stop the questions")
    work_hidden = evaluate(BORDER, {**answers, "consent": "yes", "has_worked": "no"})
    assert {code for code, d in work_hidden.dimensions.items() if d.indicators} == {"DR"}


def test_a_hidden_item_does_not_open_what_depends_on_it():
    # unaccompanied_child is hidden unless possibly_minor is yes: its yes answer counts for nothing
    result = evaluate(BORDER, {"possibly_minor": "no", "unaccompanied_child": "yes"})
    assert not result.child_rule and result.urgent_flags == ()


# --- answers -------------------------------------------------------------------------------------

@pytest.mark.parametrize("item_id, value, says", [
    ("no_such_question", "yes", "not a question of this checklist"),
    ("consent", "Yes", "expected yes, no, unknown or declined"),
    ("consent", True, "expected yes, no, unknown or declined"),
    ("consent", 1, "expected yes, no, unknown or declined"),
    ("interview_language", 12, "expected text"),
    ("interview_language", "ar\u202e", "invisible control characters"),
    ("interview_language", "x" * 2001, "longer than 2000 characters"),
])
def test_bad_answers_are_refused_naming_the_item(item_id, value, says):
    with pytest.raises(AnswersInvalid) as caught:
        validate_answers(BORDER, {"consent": "yes", item_id: value})
    assert caught.value.item == item_id
    assert item_id in str(caught.value) and says in str(caught.value)
    with pytest.raises(AnswersInvalid):
        evaluate(BORDER, {item_id: value})


@pytest.mark.parametrize("value", ["abuse", "Forced_labour", 3, None])
def test_a_choice_must_be_one_of_its_options(value):
    if value is None:
        validate_answers(ILO, {"exploitation_form": None})  # None: not answered
        return
    with pytest.raises(AnswersInvalid, match="exploitation_form.*not one of the options"):
        validate_answers(ILO, {"exploitation_form": value})


def test_number_and_date_answers():
    number = load(_with_item({"id": "age", "kind": "number"}))
    day = load(_with_item({"id": "met_on", "kind": "date"}))
    for ok in (17, 17.5, 0):
        validate_answers(number, {"age": ok})
    for bad in ("17", True, float("nan")):
        with pytest.raises(AnswersInvalid, match="age.*expected a number"):
            validate_answers(number, {"age": bad})
    validate_answers(day, {"met_on": "2025-03-14"})
    for bad in ("2025-13-01", "14/03/2025", "2025-03-14T10:00", 20250314):
        with pytest.raises(AnswersInvalid, match=r"met_on.*expected a date \(YYYY-MM-DD\)"):
            validate_answers(day, {"met_on": bad})


def _with_item(extra: dict) -> dict:
    doc = grid_document()
    doc["sections"][-1]["items"].append({"text": {"ar": "سؤال", "fr": "q", "en": "q"}, "required": False, **extra})
    return doc


def test_the_answers_error_is_translatable():
    error = AnswersInvalid("consent", "expected yes, no, unknown or declined")
    catalog = {error.template: "réponse à {item} refusée : {reason}",
               "expected yes, no, unknown or declined": "oui, non, inconnu ou refus attendu"}
    assert error.render(lambda s: catalog.get(s, s)) == "réponse à consent refusée : oui, non, inconnu ou refus attendu"


# --- flags, required, steps ----------------------------------------------------------------------

def test_urgent_flags_come_from_yes_answers_in_a_fixed_order():
    answers = {"medical_urgency": "yes", "immediate_danger": "yes", "controller_nearby": "unknown",
               "possibly_minor": "declined"}
    result = evaluate(BORDER, answers)
    assert result.urgent_flags == ("immediate_danger", "medical_urgency")
    # urgent but no indicator: other vulnerability, with the urgent steps first
    assert result.recommendation is Recommendation.OTHER_VULNERABILITY
    assert result.next_steps[0].startswith("Move the person to a safe")
    assert result.next_steps[1].startswith("Arrange medical care")
    assert result.unknown_count == 1 and result.declined_count == 1
    child = evaluate(BORDER, {"possibly_minor": "yes", "unaccompanied_child": "yes"})
    assert child.urgent_flags == ("child",) and child.child_rule


def test_missing_required_lists_visible_unanswered_required_items():
    result = evaluate(BORDER, {"consent": "no"})
    assert result.missing_required == ("immediate_danger", "controller_nearby", "medical_urgency", "possibly_minor",
                                       "interview_language", "interpreter_needed")
    assert result.next_steps[-1].startswith("Answer the required questions")
    complete = {item.id: "no" for item in BORDER.sections[0].items if item.kind is Kind.YES_NO}
    complete.update(interview_language="fr", consent="no")
    assert evaluate(BORDER, complete).missing_required == ()


def test_due_actions_are_the_visible_yes_answers_with_actions():
    answers = {"immediate_danger": "yes", "interpreter_needed": "yes", "interpreter_linked": "yes",
               "unaccompanied_child": "yes", "medical_urgency": "no"}
    assert _ids(due_actions(BORDER, answers)) == ["immediate_danger", "interpreter_needed", "interpreter_linked"]
    steps = evaluate(BORDER, answers).next_steps
    assert any("independent interpreter" in step for step in steps)


def test_recommendations_map_to_case_states():
    assert {r: r.case_state for r in Recommendation} == {
        Recommendation.PRESUMED_VICTIM: CaseState.PRESUMED_VICTIM,
        Recommendation.PRESUMED_VICTIM_IN_TRANSIT: CaseState.PRESUMED_VICTIM,
        Recommendation.SPECIALIST_INTERVIEW: None,
        Recommendation.OTHER_VULNERABILITY: CaseState.OTHER_VULNERABILITY,
        Recommendation.NO_INDICATORS: CaseState.NO_INDICATORS,
    }
    assert sorted(Recommendation, key=lambda r: r.severity)[-1] is Recommendation.PRESUMED_VICTIM
    assert set(RECOMMENDATION_LABELS) == set(Recommendation)


def test_ilo_full_in_transit_and_child_rules_use_the_act_and_form_questions():
    recruitment = {"consent": "yes", "DR1": "yes", "DR2": "yes"}
    planned = {**recruitment, "exploitation_form": "forced_labour", "exploitation_stage": "intended"}
    assert evaluate(ILO, planned).recommendation is Recommendation.PRESUMED_VICTIM_IN_TRANSIT
    happened = {**planned, "exploitation_stage": "experienced"}
    assert evaluate(ILO, happened).recommendation is Recommendation.SPECIALIST_INTERVIEW
    none_known = {**recruitment, "exploitation_form": "none_known", "exploitation_stage": "intended"}
    assert evaluate(ILO, none_known).recommendation is Recommendation.SPECIALIST_INTERVIEW  # stage hidden
    child = {"consent": "yes", "possibly_minor": "yes", "act_any": "yes", "exploitation_form": "begging"}
    assert evaluate(ILO, child).recommendation is Recommendation.PRESUMED_VICTIM
    # without a known act the child rule is not met; a named form of exploitation still calls for a specialist
    assert evaluate(ILO, {**child, "act_any": "unknown"}).recommendation is Recommendation.SPECIALIST_INTERVIEW
    assert evaluate(ILO, {**child, "act_any": "unknown", "exploitation_form": "none_known"}).recommendation \
        is Recommendation.OTHER_VULNERABILITY  # a child, no indicator: vulnerable, not screened in


def test_result_is_plain_json_with_codes():
    result = evaluate(BORDER, {"consent": "yes", "deceived_job": "yes", "deceived_pay": "yes"})
    data = json.loads(json.dumps(result.to_dict()))
    assert data["checklist"] == {"id": "border-short", "version": 1}
    assert data["recommendation"] == "specialist_interview" and data["case_state"] is None
    assert data["dimensions"]["DR"] == {"positive": True, "strong": 1, "medium": 1, "weak": 0, "indicators": [
        {"item": "deceived_job", "grade": "S"}, {"item": "deceived_pay", "grade": "M"}]}
    assert result.dimensions["DR"].describe() == "Positive: 1 strong, 1 medium and 0 weak indicators."
    assert result.dimensions["CR"].describe() == "No indicator."


# --- monotonicity (hypothesis) -------------------------------------------------------------------

def _indicator_ids(checklist) -> list[str]:
    return [item.id for item in checklist.items() if item.indicator is not None]


def _answers(checklist, extra_ids: tuple[str, ...]):
    ids = _indicator_ids(checklist) + list(extra_ids)
    return st.dictionaries(st.sampled_from(ids), st.sampled_from(YES_NO_VALUES), max_size=len(ids))


def _check_adding_one_indicator(checklist, base: dict, answers: dict, minor: bool | None, pick) -> None:
    answers = {**base, **answers}
    not_yes = [i for i in _indicator_ids(checklist) if answers.get(i) != "yes"]
    if not not_yes:
        return
    before = evaluate(checklist, answers, possibly_minor=minor)
    after = evaluate(checklist, {**answers, pick(not_yes): "yes"}, possibly_minor=minor)
    for code, dimension in before.dimensions.items():
        assert not dimension.positive or after.dimensions[code].positive, code
    assert after.recommendation.severity >= before.recommendation.severity, (before.recommendation,
                                                                               after.recommendation)
    assert after.indicator_count >= before.indicator_count


@settings(max_examples=300, deadline=None)
@given(answers=_answers(BORDER, ("promised_job_abroad", "travel_arranged", "purpose_stated", "possibly_minor",
                                 "immediate_danger")),
       minor=st.sampled_from([None, True, False]), data=st.data())
def test_one_more_indicator_never_weakens_the_border_result(answers, minor, data):
    base = {"consent": "yes", "has_worked": "yes"}
    _check_adding_one_indicator(BORDER, base, answers, minor, lambda ids: data.draw(st.sampled_from(ids)))


@settings(max_examples=200, deadline=None)
@given(answers=_answers(ILO, ("act_any", "possibly_minor")),
       form=st.sampled_from([None, "none_known", "forced_labour", "begging"]),
       stage=st.sampled_from([None, "experienced", "intended"]),
       minor=st.sampled_from([None, True]), data=st.data())
def test_one_more_indicator_never_weakens_the_full_interview_result(answers, form, stage, minor, data):
    base = {"consent": "yes", "exploitation_form": form, "exploitation_stage": stage}
    _check_adding_one_indicator(ILO, base, answers, minor, lambda ids: data.draw(st.sampled_from(ids)))


@settings(max_examples=300, deadline=None)
@given(answers=_answers(GRID, ("act", "purpose", "minor", "danger")), minor=st.sampled_from([None, True]),
       data=st.data())
def test_one_more_indicator_never_weakens_the_grid_result(answers, minor, data):
    _check_adding_one_indicator(GRID, {}, answers, minor, lambda ids: data.draw(st.sampled_from(ids)))
