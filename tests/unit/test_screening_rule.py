"""The identification rule of NRM.md, checked against oracles written here independently.

* a dimension: every count of strong, medium and weak indicators from 0 to 3;
* adult: every one of the 64 sets of positive dimensions;
* child and in transit; unknown and declined answers.
"""

from __future__ import annotations

import itertools

import pytest
from screening_kit import (
    DIMENSIONS, answers_for_counts, grid_document, load, positive_dimensions_answers,
)

from app.screening import Recommendation, default_library, evaluate


def dimension_oracle(strong: int, medium: int, weak: int) -> bool:
    """NRM.md: 2 strong; or 1 strong and 1 medium or weak; or 3 medium; or 2 medium and 1 weak."""
    if strong >= 2:
        return True
    if strong == 1:
        return medium + weak >= 1
    return medium >= 3 or (medium == 2 and weak >= 1)


def adult_oracle(positive: set[str]) -> bool:
    return bool(positive & {"DR", "CR", "RV"}) and "EX" in positive and bool(positive & {"CD", "VD"})


COUNTS = list(itertools.product(range(4), repeat=3))
GRID = load(grid_document())


def test_the_oracle_agrees_with_the_wording_on_the_named_cases():
    positives = [(2, 0, 0), (1, 1, 0), (1, 0, 1), (0, 3, 0), (0, 2, 1)]
    near_misses = [(1, 0, 0), (0, 2, 0), (0, 1, 2), (0, 0, 3), (0, 1, 1), (0, 1, 0), (0, 0, 1), (0, 0, 0)]
    assert all(dimension_oracle(*c) for c in positives)
    assert not any(dimension_oracle(*c) for c in near_misses)


@pytest.mark.parametrize("counts", COUNTS, ids=lambda c: "S{}M{}W{}".format(*c))
def test_the_rule_in_each_shipped_checklist_matches_the_oracle(counts):
    for checklist in default_library().all():
        assert checklist.rule.dimension_is_positive(*counts) == dimension_oracle(*counts), checklist.id


@pytest.mark.parametrize("counts", COUNTS, ids=lambda c: "S{}M{}W{}".format(*c))
@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_every_count_of_answers_in_every_dimension(dimension, counts):
    result = evaluate(GRID, answers_for_counts(dimension, *counts))
    got = result.dimensions[dimension]
    assert got.positive == dimension_oracle(*counts)
    assert got.counts == dict(zip(("strong", "medium", "weak"), counts))
    assert len(got.indicators) == sum(counts)
    assert all(not d.positive and not d.indicators for code, d in result.dimensions.items() if code != dimension)


@pytest.mark.parametrize("counts", [(1, 0, 0), (0, 2, 0), (0, 1, 2), (0, 0, 3), (0, 2, 0), (0, 1, 1)])
def test_near_misses_are_not_positive_but_are_other_vulnerability(counts):
    result = evaluate(GRID, answers_for_counts("EX", *counts))
    assert not result.dimensions["EX"].positive
    assert result.recommendation is Recommendation.OTHER_VULNERABILITY


@pytest.mark.parametrize("positive", [frozenset(c) for n in range(7) for c in itertools.combinations(DIMENSIONS, n)],
                         ids=lambda p: "+".join(sorted(p)) or "none")
def test_adult_rule_on_every_set_of_positive_dimensions(positive):
    result = evaluate(GRID, positive_dimensions_answers(positive))
    assert {code for code, d in result.dimensions.items() if d.positive} == set(positive)
    if adult_oracle(set(positive)):
        expected = Recommendation.PRESUMED_VICTIM
    elif positive:
        expected = Recommendation.SPECIALIST_INTERVIEW  # a positive dimension without the full rule
    else:
        expected = Recommendation.NO_INDICATORS
    assert result.recommendation is expected
    assert not result.child_rule and not result.in_transit


def test_in_transit_needs_a_positive_recruitment_dimension_and_a_stated_purpose():
    for recruitment in ("DR", "CR", "RV"):
        answers = {**positive_dimensions_answers({recruitment}), "purpose": "yes"}
        result = evaluate(GRID, answers)
        assert result.recommendation is Recommendation.PRESUMED_VICTIM_IN_TRANSIT
        assert result.in_transit and result.recommendation.case_state.value == "presumed_victim"
    # a purpose with a positive dimension that is not recruitment, or with nothing: not in transit
    for answers in ({**positive_dimensions_answers({"EX"}), "purpose": "yes"}, {"purpose": "yes"}):
        result = evaluate(GRID, answers)
        assert result.recommendation is Recommendation.SPECIALIST_INTERVIEW and not result.in_transit
    # recruitment without a purpose, or with the purpose unknown or declined
    for purpose in ("no", "unknown", "declined", None):
        result = evaluate(GRID, {**positive_dimensions_answers({"DR"}), "purpose": purpose})
        assert result.recommendation is Recommendation.SPECIALIST_INTERVIEW


def test_the_full_adult_rule_outranks_transit():
    answers = {**positive_dimensions_answers({"CR", "EX", "VD"}), "purpose": "yes"}
    assert evaluate(GRID, answers).recommendation is Recommendation.PRESUMED_VICTIM


@pytest.mark.parametrize("how", ["argument", "minor", "unaccompanied"])
def test_child_rule_act_plus_exploitation_needs_no_means(how):
    child = {"argument": ({}, True), "minor": ({"minor": "yes"}, None),
             "unaccompanied": ({"alone": "yes"}, False)}[how]
    answers, flag = child
    # an act and a positive EX dimension: presumed victim, with no recruitment or coercion dimension
    result = evaluate(GRID, {**answers, "act": "yes", **positive_dimensions_answers({"EX"})}, possibly_minor=flag)
    assert result.child_rule and "child" in result.urgent_flags
    assert result.recommendation is Recommendation.PRESUMED_VICTIM
    # an act and an intended exploitation (stated purpose) is enough too
    result = evaluate(GRID, {**answers, "act": "yes", "purpose": "yes"}, possibly_minor=flag)
    assert result.recommendation is Recommendation.PRESUMED_VICTIM
    # the same answers for an adult: no identification rule met
    adult = evaluate(GRID, {"act": "yes", "purpose": "yes"})
    assert not adult.child_rule and adult.recommendation is Recommendation.SPECIALIST_INTERVIEW


@pytest.mark.parametrize("grade", ["S", "M", "W"])
def test_any_single_indicator_in_a_child_calls_for_a_specialist(grade):
    answers = {f"VD_{grade}1": "yes"}
    assert evaluate(GRID, answers).recommendation is Recommendation.OTHER_VULNERABILITY
    child = evaluate(GRID, answers, possibly_minor=True)
    assert child.recommendation is Recommendation.SPECIALIST_INTERVIEW
    assert child.recommendation.case_state is None


def test_child_grades_are_used_for_a_child():
    answers = {"child_only": "yes", "adult_weak_child_strong": "yes"}
    adult = evaluate(GRID, answers)
    assert adult.dimensions["EX"].indicators == ()  # '-' for adults: not in the adult list
    assert [g.value for _i, g in adult.dimensions["DR"].indicators] == ["W"]
    child = evaluate(GRID, answers, possibly_minor=True)
    assert [g.value for _i, g in child.dimensions["EX"].indicators] == ["S"]
    assert [g.value for _i, g in child.dimensions["DR"].indicators] == ["S"]


def test_possibly_minor_false_does_not_override_a_yes_in_triage():
    result = evaluate(GRID, {"minor": "yes"}, possibly_minor=False)
    assert result.child_rule


@pytest.mark.parametrize("value", ["unknown", "declined"])
def test_unknown_and_declined_never_count_and_are_counted(value):
    answers = {item_id: value for item_id in positive_dimensions_answers(set(DIMENSIONS))}
    answers.update(act=value, purpose=value, minor=value)
    result = evaluate(GRID, answers)
    assert result.indicator_count == 0 and not result.child_rule
    assert result.recommendation is Recommendation.NO_INDICATORS
    counted = {"unknown": result.unknown_count, "declined": result.declined_count}
    assert counted[value] == len(answers)
    assert counted[{"unknown": "declined", "declined": "unknown"}[value]] == 0
    assert "Unknown and declined answers were not counted as indicators." in result.reasons


def test_shipped_border_checklist_end_to_end():
    checklist = default_library().latest("border-short")
    base = {"consent": "yes", "has_worked": "yes"}
    # DR (S+M), EX (S+M), CD (S+M): presumed victim
    full = {**base, "deceived_job": "yes", "deceived_pay": "yes", "long_hours": "yes", "little_or_no_pay": "yes",
            "locked_in": "yes", "forced_acts": "yes"}
    assert evaluate(checklist, full).recommendation is Recommendation.PRESUMED_VICTIM
    # CR (3 medium) and a stated purpose, nothing at destination: in transit
    transit = {**base, "threatened": "yes", "debt": "yes", "documents_taken": "yes", "purpose_stated": "yes"}
    assert evaluate(checklist, transit).recommendation is Recommendation.PRESUMED_VICTIM_IN_TRANSIT
    # the same medium threats and debt are strong for a child
    child = evaluate(checklist, {**base, "possibly_minor": "yes", "threatened": "yes", "debt": "yes"})
    assert child.dimensions["CR"].positive and child.recommendation is Recommendation.SPECIALIST_INTERVIEW
    assert not evaluate(checklist, {**base, "threatened": "yes", "debt": "yes"}).dimensions["CR"].positive
