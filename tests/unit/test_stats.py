"""app.stats: the facts of a case as counted, counting, suppression (primary at k, secondary
so that no suppressed figure follows from one total), and the CSV against its codebook."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.ports import StatsFacts
from app.stats import (
    CROSSTABS, CSV_COLUMNS, DIMENSIONS, MULTI_VALUED, Dimension, StatsFilters, StatsRow, StatsTable, Tabulation,
    age_band_at, compute, facts_row, is_codebook_value, nationality_group, region_of_post, to_csv, value_label,
)

D = Dimension
CODEBOOK = Path(__file__).resolve().parents[2] / "docs" / "STATISTICS.md"


def facts(**changes) -> StatsFacts:
    values = dict(state="detected", closure_reason=None, screening_outcome=None, border_post="TNG-MED",
                  detecting_agency="DGSN", detected_on="2025-05-20", sex="Female", nationality="NG",
                  birth_date=None, birth_year=None, age_band=None, exploitation_form=None, recommendation=None,
                  referral_categories=())
    values.update(changes)
    return StatsFacts(**values)


def row(**changes) -> StatsRow:
    values = dict(quarter="2025-Q2", region="MA-01", border_post="TNG-MED", agency="DGSN", sex="Female",
                  age_band="21-23", nationality_group="west_africa", exploitation="forced_labour",
                  recommendation="presumed_victim", referral_categories=(), outcome="open_referral")
    values.update(changes)
    return StatsRow(**values)


def rows_of(spec: dict[str, int], dimension: str, **fixed) -> list[StatsRow]:
    """``count`` rows for each value of one attribute."""
    return [row(**{dimension: value}, **fixed) for value, count in spec.items() for _ in range(count)]


# --- one case ----------------------------------------------------------------------------------

def test_a_case_is_counted_by_quarter_region_post_and_its_groups():
    r = facts_row(facts(detected_on="2024-11-30", border_post="BENI-ENSAR", nationality="SN"))
    assert (r.quarter, r.region, r.border_post, r.agency, r.nationality_group) == \
        ("2024-Q4", "MA-02", "BENI-ENSAR", "DGSN", "west_africa")
    office = facts_row(facts(border_post=None, detecting_agency=None, nationality=None, sex=None))
    assert (office.region, office.border_post, office.agency, office.nationality_group, office.sex) == \
        ("unknown", "none", "unknown", "other_unknown", "Unknown")


def test_age_band_is_the_age_at_detection_not_today():
    detected = date(2024, 3, 1)
    assert age_band_at(detected, "2006-03-02", None, None) == "9-17"  # 18 the day after
    assert age_band_at(detected, "2006-03-01", None, None) == "18-20"
    assert age_band_at(detected, None, 1976, None) == "48+"
    assert age_band_at(detected, None, None, "24-26") == "24-26"
    assert age_band_at(detected, None, None, None) == "unknown"
    assert age_band_at(detected, "2030-01-01", None, None) == "unknown"  # born after detection: an error


@pytest.mark.parametrize("code, group", [
    ("MA", "morocco"), ("CI", "west_africa"), ("CD", "central_africa"), ("SD", "east_africa_horn"),
    ("ER", "east_africa_horn"), ("DZ", "north_africa_other"), ("SY", "middle_east"), ("BD", "south_southeast_asia"),
    ("PH", "south_southeast_asia"), ("ES", "europe"), ("BR", "other_unknown"), ("EH", "other_unknown"),
    (None, "other_unknown"),
])
def test_nationality_groups_are_coarse(code, group):
    assert nationality_group(code).value == group


def test_recommendation_is_the_latest_screening_else_the_case_outcome():
    assert facts_row(facts(recommendation="specialist_interview", screening_outcome="no_indicators")) \
        .recommendation == "specialist_interview"
    assert facts_row(facts(screening_outcome="other_vulnerability")).recommendation == "other_vulnerability"
    assert facts_row(facts()).recommendation == "not_screened"


def test_outcome_groups_states_and_closure_reasons():
    assert facts_row(facts(state="in_assistance")).outcome == "open_assistance"
    assert facts_row(facts(state="transferred")).outcome == "transferred"
    assert facts_row(facts(state="closed", closure_reason="returned")).outcome == "closed_returned"
    assert facts_row(facts(state="screening")).outcome == "open_screening"


def test_referral_categories_once_each_in_directory_order_and_form_of_exploitation():
    r = facts_row(facts(referral_categories=("shelter", "health", "shelter", "bogus"), exploitation_form="begging"))
    assert r.referral_categories == ("health", "shelter")
    assert r.values(D.REFERRAL_CATEGORY) == ("health", "shelter")
    assert facts_row(facts()).values(D.REFERRAL_CATEGORY) == ("none",)
    assert r.exploitation == "begging" and facts_row(facts()).exploitation == "unknown"


# --- primary suppression -------------------------------------------------------------------------

def test_a_cell_of_10_is_suppressed_and_a_cell_of_11_is_shown():
    rows = rows_of({"Female": 11, "Male": 10, "Unknown": 10}, "sex")
    sex = compute(rows, [D.SEX]).table(D.SEX)
    assert sex.count("Female") == 11
    assert sex.count("Male") is None and sex.count("Unknown") is None


def test_k_is_the_threshold_whatever_it_is():
    rows = rows_of({"Female": 5, "Male": 4, "Unknown": 4}, "sex")
    table = compute(rows, [D.SEX], k=5)
    assert table.table(D.SEX).count("Female") == 5 and table.table(D.SEX).count("Male") is None
    assert table.total == 13


def test_fewer_cases_than_k_publish_nothing_not_even_the_total():
    table = compute([row()] * 10, [D.SEX, D.REGION])
    assert table.total is None
    assert all(cell.suppressed for tab in table.tables for cell in tab.cells)


# --- secondary suppression -----------------------------------------------------------------------

def test_a_lone_small_cell_takes_the_next_smallest_with_it():
    rows = rows_of({"Female": 50, "Male": 30, "Unknown": 5}, "sex")
    sex = compute(rows, [D.SEX]).table(D.SEX)
    assert sex.count("Unknown") is None  # 5: primary
    assert sex.count("Male") is None  # 30: otherwise 85 - 50 - 30 gives the 5 back
    assert sex.count("Female") == 50


def test_two_small_cells_need_no_third():
    rows = rows_of({"Female": 50, "Male": 30, "Unknown": 5, "TransgenderNonConforming": 3}, "sex")
    sex = compute(rows, [D.SEX]).table(D.SEX)
    assert (sex.count("Female"), sex.count("Male")) == (50, 30)


def test_a_crosstab_slice_is_protected_against_its_one_way_total():
    # Region MA-02 has 40 cases: 35 in one quarter and 5 in another. The region's total is
    # published in the region table, so the 35 must go too.
    rows = rows_of({"2025-Q1": 35, "2025-Q2": 5}, "quarter", region="MA-02")
    rows += rows_of({"2025-Q1": 40, "2025-Q2": 45}, "quarter", region="MA-01")
    table = compute(rows, [D.REGION, D.QUARTER], crosstabs=[(D.REGION, D.QUARTER)])
    grid = table.table(D.REGION, D.QUARTER)
    assert grid.count("MA-02", "2025-Q2") is None and grid.count("MA-02", "2025-Q1") is None
    # and then the Q1 and Q2 columns each have a suppressed cell: one more in each
    assert grid.count("MA-01", "2025-Q1") is None and grid.count("MA-01", "2025-Q2") is None
    assert table.table(D.REGION).count("MA-02") == 40


def test_a_region_is_protected_against_the_posts_it_holds():
    # Region MA-01 = Tanger Med 30 + Bab Sebta 4: the 30 must go with the 4, though the post
    # table alone (two small posts) would not ask for it.
    rows = rows_of({"TNG-MED": 30, "BAB-SEBTA": 4}, "border_post", region="MA-01")
    rows += rows_of({"BENI-ENSAR": 40, "NDR-PORT": 5}, "border_post", region="MA-02")
    table = compute(rows, [D.REGION, D.BORDER_POST])
    posts = table.table(D.BORDER_POST)
    assert posts.count("BAB-SEBTA") is None and posts.count("TNG-MED") is None
    assert posts.count("NDR-PORT") is None and posts.count("BENI-ENSAR") is None
    assert table.table(D.REGION).count("MA-01") == 34


def test_multi_valued_categories_are_counted_per_category_and_never_crossed():
    rows = [row(referral_categories=("health", "shelter"))] * 12 + [row()] * 12
    cats = compute(rows, [D.REFERRAL_CATEGORY]).table(D.REFERRAL_CATEGORY)
    assert (cats.count("health"), cats.count("shelter"), cats.count("none")) == (12, 12, 12)
    with pytest.raises(ValueError):
        compute(rows, [D.SEX, D.REFERRAL_CATEGORY], crosstabs=[(D.SEX, D.REFERRAL_CATEGORY)])


def test_totals_add_up_when_nothing_is_suppressed():
    rows = rows_of({"Female": 30, "Male": 20}, "sex", region="MA-01")
    table = compute(rows)
    assert table.total == 50
    for tab in table.one_way:
        if tab.dimensions[0] not in MULTI_VALUED and not any(c.suppressed for c in tab.cells):
            assert sum(c.count for c in tab.cells) == 50


def test_a_table_with_small_figures_is_refused_for_export():
    bad = StatsTable(k=11, total=40, tables=(Tabulation((D.SEX,), ()),))
    bad.check()
    with pytest.raises(ValueError):
        StatsTable(k=11, total=4, tables=()).check()


# --- the property ------------------------------------------------------------------------------

_POOLS = {
    "quarter": ["2024-Q1", "2024-Q2", "2024-Q3"],
    "border_post": ["TNG-MED", "BENI-ENSAR", "BAB-SEBTA", "CMN-APT", "OUJ-FIELD", "none"],
    "agency": ["DGSN", "GR", "unknown"],
    "sex": ["Female", "Male", "Unknown", "TransgenderNonConforming"], "age_band": ["9-17", "18-20", "30-38", "48+"],
    "nationality_group": ["morocco", "west_africa", "middle_east"],
    "exploitation": ["forced_labour", "sexual_exploitation", "begging", "unknown"],
    "recommendation": ["presumed_victim", "not_screened"], "outcome": ["open_referral", "closed_returned"],
}


def _skewed(pool: list[str]) -> st.SearchStrategy[str]:
    """The first values of a pool far more often than the last, so that small cells appear."""
    return st.integers(0, 30).map(lambda x: pool[min(len(pool) - 1, x * x // 100)])


_ROW = st.tuples(*(_skewed(pool) for pool in _POOLS.values()),
                 st.lists(st.sampled_from(["health", "shelter"]), max_size=2, unique=True))
case_rows = st.lists(_ROW, max_size=160).map(lambda items: [
    StatsRow(**dict(zip(_POOLS, item[:-1])), region=region_of_post(item[1]),  # posts nest in regions
             referral_categories=tuple(sorted(item[-1]))) for item in items])


def _equations(table: StatsTable) -> list[list[int | None]]:
    """Every published total with the cells it is the sum of: grand total = each single-valued
    one-way table; a one-way count = the slice of each cross-tabulation with that value."""
    found = []
    for tab in table.one_way:
        if tab.dimensions[0] not in MULTI_VALUED:
            found.append([table.total, *(c.count for c in tab.cells)])
    regions, posts = table.table(D.REGION), table.table(D.BORDER_POST)
    for region in regions.values():
        found.append([regions.count(region), *(c.count for c in posts.cells if region_of_post(c.values[0]) == region)])
    for tab in table.crosstabs:
        found.append([table.total, *(c.count for c in tab.cells)])
        for i, dim in enumerate(tab.dimensions):
            margin = table.table(dim)
            for value in tab.values(i):
                found.append([margin.count(value), *(c.count for c in tab.cells if c.values[i] == value)])
    return found


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_rows, st.sampled_from([2, 3, 5, 11]))
def test_no_published_figure_is_small_or_gives_away_a_suppressed_one(rows, k):
    table = compute(rows, DIMENSIONS, k=k)
    # truthful: every published count is the real count
    truth_total = len(rows)
    assert table.total in (None, truth_total)
    for tab in table.tables:
        if tab.is_crosstab:
            truth = Counter(tuple(getattr(r, _attr(d)) for d in tab.dimensions) for r in rows)
        else:
            truth = Counter((v,) for r in rows for v in r.values(tab.dimensions[0]))
        assert {c.values for c in tab.cells} == set(truth)
        for cell in tab.cells:
            assert cell.count is None or cell.count == truth[cell.values]
            # primary: nothing under k is published
            assert cell.count is None or cell.count >= k
            assert truth[cell.values] >= k or cell.count is None
    # secondary: no total has exactly one suppressed term (it would be that total minus the rest)
    for terms in _equations(table):
        assert sum(t is None for t in terms) != 1, terms


def _attr(dimension: Dimension) -> str:
    from app.stats import _ATTRIBUTE
    return _ATTRIBUTE[dimension]


# --- the CSV and its codebook ------------------------------------------------------------------------

def _sample_table() -> StatsTable:
    rows = rows_of({"Female": 40, "Male": 25, "Unknown": 4}, "sex", referral_categories=("health",))
    rows += rows_of({"MA-02": 14, "MA-06": 3}, "region", quarter="2025-Q3", exploitation="unknown")
    return compute(rows, filters=StatsFilters(date(2025, 1, 1), date(2025, 12, 31), None, "north"))


def test_csv_round_trip_against_the_codebook():
    table = _sample_table()
    text = to_csv(table)
    lines = list(csv.DictReader(io.StringIO(text)))
    doc = CODEBOOK.read_text(encoding="utf-8")
    assert tuple(csv.reader(io.StringIO(text)).__next__()) == CSV_COLUMNS
    for column in CSV_COLUMNS:
        assert f"`{column}`" in doc, f"the codebook does not describe the column {column}"
    for dim in DIMENSIONS:
        assert f"`{dim.value}`" in doc, f"the codebook does not describe {dim.value}"
    assert lines[0]["table"] == "total" and int(lines[0]["count"]) == table.total
    seen = 0
    for line in lines[1:]:
        dims = [line[f"dimension{i}"] for i in (1, 2, 3) if line[f"dimension{i}"]]
        values = [line[f"value{i}"] for i in (1, 2, 3)][:len(dims)]
        assert line["table"] == "_by_".join(dims)
        for name, value in zip(dims, values):
            assert is_codebook_value(Dimension(name), value), (name, value)
        count = table.table(*map(Dimension, dims)).count(*values)
        if line["suppressed"] == "1":
            assert line["count"] == "" and count is None
        else:
            assert line["suppressed"] == "0" and int(line["count"]) == count
        assert (line["k"], line["periodFrom"], line["periodTo"], line["regionFilter"], line["scope"],
                line["dataSource"]) == ("11", "2025-01-01", "2025-12-31", "", "north", "Case Management")
        seen += 1
    assert seen == table.cell_count - 1
    assert any(line["suppressed"] == "1" for line in lines)  # the sample has small cells


def test_the_codebook_lists_every_value_a_table_can_hold():
    doc = CODEBOOK.read_text(encoding="utf-8")
    from app.stats import EXPLOITATION_FORMS, OUTCOMES, RECOMMENDATIONS, NationalityGroup

    for values in (EXPLOITATION_FORMS, OUTCOMES, RECOMMENDATIONS, [g.value for g in NationalityGroup]):
        for value in values:
            assert re.search(rf"`{re.escape(value)}`", doc), value


def test_labels_in_arabic_come_from_the_reference_files_and_checklists():
    english = str
    assert value_label(D.REGION, "MA-01", "ar", english) == "طنجة تطوان الحسيمة"
    assert value_label(D.EXPLOITATION, "forced_labour", "fr", english) == "Travail forcé"
    assert value_label(D.BORDER_POST, "TNG-MED", "en", english) == "Tanger Med Port"
    assert "48+" in value_label(D.AGE_BAND, "48+", "ar", english)
    assert value_label(D.OUTCOME, "closed_returned", "en", english).endswith(
        "Returned to the country of origin\u2069")


def test_the_crosstabs_are_the_ones_the_issue_names():
    assert (D.SEX, D.AGE_BAND, D.EXPLOITATION) in CROSSTABS and (D.REGION, D.QUARTER) in CROSSTABS
