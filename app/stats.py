"""Anonymised statistics: the non-identifying facts of each case, counted, small cells suppressed.

Pure: no store and no I/O beyond the shipped reference files. ``facts_row`` turns what the
store streams for one case (``app.ports.StatsFacts``: codes and dates, never a name, number
or free text) into a ``StatsRow``; ``compute`` counts rows by each dimension alone and in
the cross-tabulations the secretariat reports (sex × age band × form of exploitation for
SDG indicator 16.2.2; region × quarter), then suppresses:

* **primary**: every cell counting 1 to k − 1 cases is suppressed (CTDC's rule, k = 11);
* **secondary**: every published total is an equation ``total = sum of its cells`` (the
  grand total over each one-way table; each one-way count over the slice of a
  cross-tabulation that has that value; a region's count over its border posts' counts,
  since posts nest in regions). A suppressed cell that is the only unknown of an
  equation could be worked out by subtraction, so while some equation has exactly one
  suppressed term, the smallest published term of that equation (a cell, or the slice's
  total itself) is suppressed too. This repeats until no equation has exactly one unknown.

It protects against recovering a cell from ONE total; it does not defend against solving
several equations together (docs/STATISTICS.md says what is and is not covered). Zero
cells are not listed and not suppressed. Suppressed cells carry no count at all: a cell
suppressed to protect another may hold more than k − 1 cases, so "< 11" would be wrong and
telling the two kinds apart would say which ones are small.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import islice
from operator import itemgetter
from typing import TYPE_CHECKING, Callable, Iterable, NamedTuple, Sequence

from app.domain.labels import CLOSURE_REASON_LABELS, SEX_LABELS
from app.domain.referral import CATEGORY_LABELS, ServiceCategory
from app.domain.values import AgeBand, CaseState, ClosureReason, Code, Sex
from app.ports import StatsFacts
from app.resources import agencies, border_posts, load_json
from app.text import N_
from i18n.bidi import fill, isolate_ltr

if TYPE_CHECKING:
    from app.domain.case import Case
    from app.domain.person import Person
    from app.domain.referral import Referral
    from app.domain.screening import Screening

Translate = Callable[[str], str]

#: CTDC's threshold: no published figure counts fewer than K cases.
K = 11
#: The checklist item whose answer is the form of exploitation (resources/checklists).
EXPLOITATION_ITEM = "exploitation_form"
UNKNOWN = "unknown"
NONE = "none"  # no border post (met at an office), no referral
NOT_SCREENED = "not_screened"


class Dimension(Code):
    """What a figure is counted by; the value is the codebook's field name (docs/STATISTICS.md):
    CTDC's name where CTDC has the variable, else ``hmy_`` and a name in CTDC's style."""

    QUARTER = "hmy_quarterOfDetection"
    REGION = "hmy_region"
    BORDER_POST = "hmy_borderPost"
    AGENCY = "hmy_detectingAgency"
    SEX = "gender"
    AGE_BAND = "ageBroad"
    NATIONALITY_GROUP = "hmy_citizenshipGroup"
    EXPLOITATION = "typeOfExploitConcatenated"
    RECOMMENDATION = "hmy_recommendation"
    REFERRAL_CATEGORY = "hmy_referralCategory"
    OUTCOME = "hmy_outcome"


DIMENSIONS: tuple[Dimension, ...] = tuple(Dimension)
#: A case may count under several values (one per category its referrals asked for), so
#: the values of this dimension do not add up to the total and give no equation.
MULTI_VALUED = frozenset({Dimension.REFERRAL_CATEGORY})
D = Dimension
CROSSTABS: tuple[tuple[Dimension, ...], ...] = (
    (D.SEX, D.AGE_BAND, D.EXPLOITATION),  # SDG 16.2.2: victims by sex, age and form of exploitation
    (D.REGION, D.QUARTER),
)

DIMENSION_LABELS = {
    D.QUARTER: N_("Quarter of detection"),
    D.REGION: N_("Region"),
    D.BORDER_POST: N_("Border post"),
    D.AGENCY: N_("Detecting agency"),
    D.SEX: N_("Sex"),
    D.AGE_BAND: N_("Age band"),
    D.NATIONALITY_GROUP: N_("Nationality group"),
    D.EXPLOITATION: N_("Form of exploitation"),
    D.RECOMMENDATION: N_("Screening recommendation"),
    D.REFERRAL_CATEGORY: N_("Referral category"),
    D.OUTCOME: N_("Outcome"),
}


# --- nationality groups ------------------------------------------------------------------------

class NationalityGroup(Code):
    """Coarse groups of nationalities: a fine nationality with few cases identifies people."""

    MOROCCO = "morocco"
    WEST_AFRICA = "west_africa"
    CENTRAL_AFRICA = "central_africa"
    EAST_AFRICA_HORN = "east_africa_horn"
    NORTH_AFRICA_OTHER = "north_africa_other"
    MIDDLE_EAST = "middle_east"
    SOUTH_SOUTHEAST_ASIA = "south_southeast_asia"
    EUROPE = "europe"
    OTHER_UNKNOWN = "other_unknown"


G = NationalityGroup
#: ISO 3166-1 alpha-2 → group, after the UN M49 sub-regions (docs/STATISTICS.md): Western,
#: Middle and Eastern Africa; Northern Africa without Morocco, with Sudan counted in the
#: Horn as on the migration routes; Western Asia's Arab states, Iran, Israel and Türkiye;
#: Southern and South-eastern Asia; Europe with Cyprus and Kosovo. Every other code (the
#: Americas, East and Central Asia, Oceania, Southern Africa, territories) is "other".
#: EH is left in "other": how it is counted is the responsible authority's decision.
NATIONALITY_GROUPS: dict[str, NationalityGroup] = {
    "MA": G.MOROCCO,
    **dict.fromkeys("BJ BF CV CI GM GH GN GW LR ML MR NE NG SN SL TG".split(), G.WEST_AFRICA),
    **dict.fromkeys("AO CM CF TD CG CD GQ GA ST".split(), G.CENTRAL_AFRICA),
    **dict.fromkeys("BI KM DJ ER ET KE MG MW MU MZ RW SC SO SS SD UG TZ ZM ZW".split(), G.EAST_AFRICA_HORN),
    **dict.fromkeys("DZ EG LY TN".split(), G.NORTH_AFRICA_OTHER),
    **dict.fromkeys("AE BH IQ IR IL JO KW LB OM PS QA SA SY TR YE".split(), G.MIDDLE_EAST),
    **dict.fromkeys("AF BD BT IN LK MV NP PK BN ID KH LA MM MY PH SG TH TL VN".split(), G.SOUTH_SOUTHEAST_ASIA),
    **dict.fromkeys(("AD AL AT BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE LI LT "
                     "LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SK SM UA VA XK").split(), G.EUROPE),
}

NATIONALITY_GROUP_LABELS = {
    G.MOROCCO: N_("Morocco"),
    G.WEST_AFRICA: N_("West Africa"),
    G.CENTRAL_AFRICA: N_("Central Africa"),
    G.EAST_AFRICA_HORN: N_("East Africa and the Horn"),
    G.NORTH_AFRICA_OTHER: N_("North Africa (other than Morocco)"),
    G.MIDDLE_EAST: N_("Middle East"),
    G.SOUTH_SOUTHEAST_ASIA: N_("South and South-East Asia"),
    G.EUROPE: N_("Europe"),
    G.OTHER_UNKNOWN: N_("Other or not known"),
}


def nationality_group(code: str | None) -> NationalityGroup:
    return NATIONALITY_GROUPS.get(code or "", G.OTHER_UNKNOWN)


# --- outcomes ------------------------------------------------------------------------------------

S = CaseState
#: Where a case stands, grouped: open (by stage), transferred, or closed by closure reason.
OUTCOME_OF_STATE = {
    S.DETECTED: "open_screening", S.SCREENING: "open_screening",
    S.NO_INDICATORS: "open_screened", S.OTHER_VULNERABILITY: "open_screened",
    S.PRESUMED_VICTIM: "open_screened", S.FORMALLY_IDENTIFIED: "open_screened",
    S.URGENT_PROTECTION: "open_referral", S.REFERRED: "open_referral", S.ACCEPTED: "open_referral",
    S.IN_ASSISTANCE: "open_assistance", S.FOLLOW_UP: "open_assistance",
    S.TRANSFERRED: "transferred",
}
OUTCOMES: tuple[str, ...] = ("open_screening", "open_screened", "open_referral", "open_assistance", "transferred",
                             *(f"closed_{r.value}" for r in ClosureReason))
OUTCOME_LABELS = {
    "open_screening": N_("Open: being screened"),
    "open_screened": N_("Open: screened or identified, not referred"),
    "open_referral": N_("Open: protection or referral under way"),
    "open_assistance": N_("Open: in assistance or follow-up"),
    "transferred": N_("Transferred"),
}
CLOSED_TEMPLATE = N_("Closed: {reason}")


def outcome_of(state: str, closure_reason: str | None) -> str:
    if state == CaseState.CLOSED.value:
        return f"closed_{closure_reason}" if closure_reason in _CLOSURE_CODES else UNKNOWN
    return _OUTCOME_OF_CODE.get(state, UNKNOWN)


_CLOSURE_CODES = frozenset(r.value for r in ClosureReason)
_OUTCOME_OF_CODE = {state.value: outcome for state, outcome in OUTCOME_OF_STATE.items()}

#: The forms of exploitation Law 27-14 names, as the full checklist's ``exploitation_form``
#: answers them (their order in tables; other answers follow, in code order).
EXPLOITATION_FORMS = ("sexual_exploitation", "forced_labour", "servitude", "begging", "slavery_like",
                      "organ_removal", "medical_experiments", "criminal_purposes", "armed_conflict", "none_known")
RECOMMENDATIONS = ("presumed_victim", "presumed_victim_in_transit", "specialist_interview", "other_vulnerability",
                   "no_indicators", NOT_SCREENED)
_OUTCOME_STATES = frozenset({"presumed_victim", "other_vulnerability", "no_indicators"})


# --- one case ------------------------------------------------------------------------------------

class StatsRow(NamedTuple):
    """The non-identifying facts of one case, as the statistics count them (codes only).

    A named tuple: 100,000 of them are made for a national table, and a frozen dataclass
    takes several times as long to build."""

    quarter: str  # of detection, "2025-Q1"
    region: str  # ISO 3166-2:MA code of the border post's region, or "unknown"
    border_post: str  # code, or "none" (met at an office)
    agency: str  # detecting agency code, or "unknown"
    sex: str  # HTCDS prs_Gender
    age_band: str  # CTDC band at detection, or "unknown"
    nationality_group: str
    exploitation: str  # the form of exploitation the latest completed screening recorded, or "unknown"
    recommendation: str
    referral_categories: tuple[str, ...]  # of its referrals; empty: none
    outcome: str

    def values(self, dimension: Dimension) -> tuple[str, ...]:
        """The value(s) the case counts under for ``dimension``."""
        if dimension is D.REFERRAL_CATEGORY:
            return self.referral_categories or (NONE,)
        return (getattr(self, _ATTRIBUTE[dimension]),)


_FIELDS = StatsRow._fields
_CHUNK = 4096
_ATTRIBUTE = {
    D.QUARTER: "quarter", D.REGION: "region", D.BORDER_POST: "border_post", D.AGENCY: "agency", D.SEX: "sex",
    D.AGE_BAND: "age_band", D.NATIONALITY_GROUP: "nationality_group", D.EXPLOITATION: "exploitation",
    D.RECOMMENDATION: "recommendation", D.OUTCOME: "outcome",
}
_SEXES = frozenset(s.value for s in Sex)
_BANDS = frozenset(b.value for b in AgeBand)
_CATEGORY_ORDER = {c.value: i for i, c in enumerate(ServiceCategory)}


def quarter_of(day: date) -> str:
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def age_band_at(detected: date, birth_date: str | None, birth_year: int | None, band: str | None) -> str:
    """The CTDC age band at detection: from the birth date, else the (estimated) birth year,
    else the band recorded; "unknown" with none of them (a minor flag alone gives no band)."""
    age: int | None = None
    if birth_date:
        try:
            born = date.fromisoformat(birth_date)
        except ValueError:
            born = None
        if born is not None:
            age = detected.year - born.year - ((detected.month, detected.day) < (born.month, born.day))
    if age is None and isinstance(birth_year, int) and not isinstance(birth_year, bool):
        age = detected.year - birth_year
    if age is None:
        return band if band in _BANDS else UNKNOWN
    if 0 <= age < len(_BAND_OF_AGE):
        return _BAND_OF_AGE[age]
    return AgeBand.A48_PLUS.value if age > 0 else UNKNOWN  # a birth after detection: a typing error


_BAND_OF_AGE = tuple(AgeBand.for_age(age).value for age in range(130))


@lru_cache(maxsize=1)
def _post_regions() -> dict[str, str]:
    return {code: post.get("region_code") or UNKNOWN for code, post in border_posts().items()}


def region_of_post(value: str) -> str:
    """The region a ``hmy_borderPost`` value counts under (an office or an unknown post: "unknown")."""
    return _post_regions().get(value, UNKNOWN)


@lru_cache(maxsize=1)
def _agency_codes() -> frozenset[str]:
    return frozenset(agencies())


def facts_row(facts: StatsFacts) -> StatsRow:
    """The row counted for one case's stored facts (unknown or damaged values: "unknown")."""
    (state, closure_reason, screening_outcome, post, agency, detected_on, sex, nationality, birth_date,
     birth_year, band, form, recommendation, categories) = facts
    try:
        detected: date | None = date.fromisoformat(detected_on)
    except (TypeError, ValueError):
        detected = None
    regions = _post_regions()
    if recommendation not in _RECOMMENDATION_SET:
        recommendation = screening_outcome if screening_outcome in _OUTCOME_STATES else NOT_SCREENED
    if categories:
        categories = tuple(sorted({c for c in categories if c in _CATEGORY_ORDER}, key=_CATEGORY_ORDER.__getitem__))
    return StatsRow(
        f"{detected.year:04d}-Q{(detected.month - 1) // 3 + 1}" if detected else UNKNOWN,
        regions.get(post, UNKNOWN) if post else UNKNOWN,
        (post if post in regions else UNKNOWN) if post else NONE,
        agency if agency in _agency_codes() else UNKNOWN,
        sex if sex in _SEXES else _UNKNOWN_SEX,
        age_band_at(detected, birth_date, birth_year, band) if detected else UNKNOWN,
        _GROUP_OF.get(nationality, _OTHER),
        form if isinstance(form, str) and form else UNKNOWN,
        recommendation,
        categories,
        outcome_of(state, closure_reason),
    )


_RECOMMENDATION_SET = frozenset(RECOMMENDATIONS) - {NOT_SCREENED}
_UNKNOWN_SEX = Sex.UNKNOWN.value
_GROUP_OF = {code: group.value for code, group in NATIONALITY_GROUPS.items()}
_OTHER = NationalityGroup.OTHER_UNKNOWN.value


def facts_from_records(case: "Case", person: "Person | None", screenings: Iterable["Screening"],
                       referrals: Iterable["Referral"], answer_item: str = EXPLOITATION_ITEM) -> StatsFacts:
    """The facts of one case from its decoded records: what ``CaseStore.stats_facts`` reads
    with SQL, for stores without it (the test fake) and to check that it reads the same."""
    from app.domain.referral import ReferralStatus
    from app.domain.screening import ScreeningStatus

    done = sorted((s for s in screenings if s.status is ScreeningStatus.COMPLETED),
                  key=lambda s: s.completed_at)  # type: ignore[arg-type, return-value]
    answered = [s for s in done if s.answers.get(answer_item) is not None]
    asked = {c.value for r in referrals if r.status is not ReferralStatus.WITHDRAWN for c in r.categories}
    return StatsFacts(
        state=case.state.value, closure_reason=case.closure_reason.value if case.closure_reason else None,
        screening_outcome=case.screening_outcome.value if case.screening_outcome else None,
        border_post=case.border_post, detecting_agency=case.detecting_agency,
        detected_on=case.detected_on.isoformat(),
        sex=person.sex.value if person else None, nationality=person.nationality if person else None,
        birth_date=person.birth_date.isoformat() if person and person.birth_date else None,
        birth_year=person.birth_year if person else None,
        age_band=person.age_band.value if person and person.age_band else None,
        exploitation_form=answered[-1].answers[answer_item] if answered else None,
        recommendation=done[-1].recommendation if done else None,
        referral_categories=tuple(sorted(asked)))


# --- the tables ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StatsFilters:
    """Which cases a table counts: the case list's filters (detection dates, region, scope)."""

    period_from: date | None = None
    period_to: date | None = None
    region: str | None = None  # ISO 3166-2:MA code; None: every region
    scope: str | None = None  # the scope of a supervisor's table; None: every scope


@dataclass(frozen=True)
class StatsCell:
    values: tuple[str, ...]  # one per dimension of its table
    count: int | None  # None: suppressed

    @property
    def suppressed(self) -> bool:
        return self.count is None


@dataclass(frozen=True)
class Tabulation:
    """Counts by one dimension, or by several crossed; only cells with cases are listed."""

    dimensions: tuple[Dimension, ...]
    cells: tuple[StatsCell, ...]

    @property
    def name(self) -> str:
        """The table's name in the CSV: its field names joined by ``_by_``."""
        return "_by_".join(d.value for d in self.dimensions)

    @property
    def is_crosstab(self) -> bool:
        return len(self.dimensions) > 1

    def count(self, *values: str) -> int | None:
        """The published count of a cell: 0 when it has no cases, None when suppressed."""
        for cell in self.cells:
            if cell.values == values:
                return cell.count
        return 0

    def values(self, index: int = 0) -> tuple[str, ...]:
        """The values of one dimension that have cases, in table order."""
        seen: dict[str, None] = {}
        for cell in self.cells:
            seen.setdefault(cell.values[index], None)
        return tuple(sorted(seen, key=_order_key(self.dimensions[index])))


@dataclass(frozen=True)
class StatsTable:
    """The published figures: no count under ``k``, none recoverable from one total."""

    k: int
    total: int | None  # every case counted (None when fewer than k)
    tables: tuple[Tabulation, ...]
    filters: StatsFilters = field(default_factory=StatsFilters)

    def table(self, *dimensions: Dimension) -> Tabulation:
        for table in self.tables:
            if table.dimensions == dimensions:
                return table
        raise KeyError("_by_".join(d.value for d in dimensions))

    @property
    def one_way(self) -> tuple[Tabulation, ...]:
        return tuple(t for t in self.tables if not t.is_crosstab)

    @property
    def crosstabs(self) -> tuple[Tabulation, ...]:
        return tuple(t for t in self.tables if t.is_crosstab)

    @property
    def cell_count(self) -> int:
        """Every figure of the table, the total included."""
        return 1 + sum(len(t.cells) for t in self.tables)

    @property
    def suppressed_count(self) -> int:
        return int(self.total is None) + sum(c.suppressed for t in self.tables for c in t.cells)

    def check(self) -> None:
        """Refuse a table with a published figure under k (one not made by ``compute``)."""
        figures = [self.total] + [c.count for t in self.tables for c in t.cells]
        if self.k < 2 or any(n is not None and n < self.k for n in figures):
            raise ValueError("a statistics table with unsuppressed small cells")


class _Cell:
    __slots__ = ("values", "count", "suppressed", "order")

    def __init__(self, values: tuple[str, ...], count: int, order: int, k: int) -> None:
        self.values, self.count, self.order = values, count, order
        self.suppressed = 0 < count < k  # nothing to hide in a zero (no case, no cell listed)


def compute(rows: Iterable[StatsRow], dimensions: Sequence[Dimension] = DIMENSIONS, k: int = K, *,
            crosstabs: Sequence[Sequence[Dimension]] = CROSSTABS, filters: StatsFilters | None = None) -> StatsTable:
    """Count ``rows`` (one pass; ``rows`` may be a generator) by each of ``dimensions`` and in
    each of ``crosstabs`` whose dimensions are all among them; suppress (module docstring)."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 2:
        raise ValueError("k must be an integer of at least 2")
    dims = tuple(dict.fromkeys(Dimension(d) for d in dimensions))
    crossed = [tuple(Dimension(d) for d in c) for c in crosstabs if c and all(Dimension(d) in dims for d in c)]
    if any(d in MULTI_VALUED for c in crossed for d in c):
        raise ValueError("a case counts once in a cross-tabulation: no multi-valued dimension there")
    one: dict[Dimension, Counter[str]] = {d: Counter() for d in dims}
    cross: list[Counter[tuple[str, ...]]] = [Counter() for _ in crossed]
    single = [(one[d], itemgetter(_FIELDS.index(_ATTRIBUTE[d]))) for d in dims if d not in MULTI_VALUED]
    multi = [(one[d], d) for d in dims if d in MULTI_VALUED]
    keys = [(counts, itemgetter(*(_FIELDS.index(_ATTRIBUTE[d]) for d in c))) for counts, c in zip(cross, crossed)]
    total = 0
    source = iter(rows)
    while chunk := list(islice(source, _CHUNK)):  # counted a chunk at a time, at C speed
        total += len(chunk)
        for counts, get in single:
            counts.update(map(get, chunk))
        for counts, dim in multi:
            counts.update(value for row in chunk for value in row.values(dim))
        for counts, get in keys:
            counts.update(map(get, chunk))
    return _suppress(total, dims, one, crossed, cross, k, filters or StatsFilters())


def _suppress(total: int, dims: tuple[Dimension, ...], one: dict[Dimension, Counter[str]],
              crossed: list[tuple[Dimension, ...]], cross: list[Counter[tuple[str, ...]]], k: int,
              filters: StatsFilters) -> StatsTable:
    order = iter(range(1 << 62))
    grand = _Cell((), total, next(order), k)
    tables: list[tuple[tuple[Dimension, ...], list[_Cell]]] = []
    equations: list[list[_Cell]] = []
    margins: dict[tuple[Dimension, str], _Cell] = {}
    for dim in dims:
        key = _order_key(dim)
        cells = [_Cell((v,), n, next(order), k) for v, n in sorted(one[dim].items(), key=lambda item: key(item[0]))]
        tables.append(((dim,), cells))
        margins.update(((dim, c.values[0]), c) for c in cells)
        if dim not in MULTI_VALUED:
            equations.append([grand, *cells])
    for dims_of, counts in zip(crossed, cross):
        keys = [_order_key(d) for d in dims_of]
        cells = [_Cell(values, n, next(order), k) for values, n in
                 sorted(counts.items(), key=lambda item: tuple(f(v) for f, v in zip(keys, item[0])))]
        tables.append((dims_of, cells))
        equations.append([grand, *cells])
        for i, dim in enumerate(dims_of):
            slices: dict[str, list[_Cell]] = {}
            for cell in cells:
                slices.setdefault(cell.values[i], []).append(cell)
            for value, members in slices.items():
                equations.append([margins[(dim, value)], *members])
    if D.REGION in dims and D.BORDER_POST in dims:  # a region's count is the sum of its posts' counts
        posts: dict[str, list[_Cell]] = {}
        for (dim, value), cell in margins.items():
            if dim is D.BORDER_POST:
                posts.setdefault(region_of_post(value), []).append(cell)
        for region, members in posts.items():
            if (D.REGION, region) in margins:
                equations.append([margins[(D.REGION, region)], *members])
    changed = True
    while changed:
        changed = False
        for terms in equations:
            unknown = sum(1 for c in terms if c.suppressed)
            if unknown != 1:
                continue
            published = [c for c in terms if not c.suppressed]
            if published:  # an equation of one term has nothing to hide behind
                min(published, key=lambda c: (c.count, c.order)).suppressed = True
                changed = True
    return StatsTable(
        k=k, total=None if grand.suppressed else total,
        tables=tuple(Tabulation(d, tuple(StatsCell(c.values, None if c.suppressed else c.count) for c in cells))
                     for d, cells in tables),
        filters=filters)


# --- order and words ---------------------------------------------------------------------------------

_LAST = (NONE, UNKNOWN, NOT_SCREENED)


@lru_cache(maxsize=None)
def _known_order(dimension: Dimension) -> dict[str, int]:
    known: Sequence[str]
    if dimension is D.REGION:
        known = [r["code"] for r in _regions()]
    elif dimension is D.BORDER_POST:
        known = list(border_posts())
    elif dimension is D.AGENCY:
        known = list(agencies())
    elif dimension is D.SEX:
        known = [s.value for s in Sex]
    elif dimension is D.AGE_BAND:
        known = [b.value for b in AgeBand]
    elif dimension is D.NATIONALITY_GROUP:
        known = [g.value for g in NationalityGroup]
    elif dimension is D.EXPLOITATION:
        known = EXPLOITATION_FORMS
    elif dimension is D.RECOMMENDATION:
        known = RECOMMENDATIONS
    elif dimension is D.REFERRAL_CATEGORY:
        known = [c.value for c in ServiceCategory]
    elif dimension is D.OUTCOME:
        known = OUTCOMES
    else:
        known = ()
    return {value: i for i, value in enumerate(known)}


def _order_key(dimension: Dimension) -> Callable[[str], tuple[int, str]]:
    """Values in their natural order (codes as listed, quarters by date), then others, then
    "none"/"unknown"/"not screened" last."""
    known = _known_order(dimension)

    def key(value: str) -> tuple[int, str]:
        if value in _LAST:
            return (len(known) + 1 + _LAST.index(value), value)
        return (known.get(value, len(known)), value)
    return key


@lru_cache(maxsize=1)
def _regions() -> tuple[dict[str, str], ...]:
    return tuple(load_json("reference/border_posts.json")["regions"])


def region_codes() -> frozenset[str]:
    return frozenset(r["code"] for r in _regions())


def posts_in_region(region: str) -> frozenset[str]:
    return frozenset(code for code, post in border_posts().items() if post.get("region_code") == region)


@lru_cache(maxsize=1)
def _exploitation_texts() -> dict[str, object]:
    """The checklists' own words for each form (ar/fr/en), from the item that records it."""
    from app.screening.checklist import default_library  # the checklists load on first use

    found: dict[str, object] = {}
    for checklist in default_library().all():
        for item in checklist.items():
            if item.id == EXPLOITATION_ITEM:
                found.update((option.id, option.text) for option in item.options)
    return found


NOT_KNOWN = N_("Not known")
NO_POST = N_("An office (no border post)")
NO_REFERRAL = N_("No referral")
NOT_SCREENED_LABEL = N_("Not screened")
QUARTER_TEMPLATE = N_("{year} Q{quarter}")
_SEX_BY_CODE = {sex.value: label for sex, label in SEX_LABELS.items()}
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def dimension_label(dimension: Dimension, translate: Translate) -> str:
    return translate(DIMENSION_LABELS[dimension])


def value_label(dimension: Dimension, value: str, language: str, translate: Translate) -> str:
    """Words for a value in ``language``: reference names from the shipped files (which carry
    ar/fr/en), the checklist's words for a form of exploitation, catalog words otherwise."""
    lang = language if language in ("ar", "fr", "en") else "en"
    if value == UNKNOWN:
        return translate(NOT_KNOWN)
    if dimension is D.QUARTER:
        match = _QUARTER.match(value)
        return fill(translate(QUARTER_TEMPLATE), year=match[1], quarter=match[2]) if match else value
    if dimension is D.REGION:
        region = next((r for r in _regions() if r["code"] == value), None)
        return region[lang] if region else value
    if dimension is D.BORDER_POST:
        return translate(NO_POST) if value == NONE else border_posts().get(value, {}).get(lang, value)
    if dimension is D.AGENCY:
        return agencies().get(value, {}).get(lang, value)
    if dimension is D.SEX:
        return translate(_SEX_BY_CODE.get(value, NOT_KNOWN))
    if dimension is D.NATIONALITY_GROUP:
        return translate(NATIONALITY_GROUP_LABELS[NationalityGroup(value)]) if value in _GROUPS else value
    if dimension is D.EXPLOITATION:
        text = _exploitation_texts().get(value)
        return text.get(lang) if text is not None else value  # type: ignore[attr-defined]
    if dimension is D.RECOMMENDATION:
        from app.screening.engine import RECOMMENDATION_LABELS, Recommendation

        if value == NOT_SCREENED:
            return translate(NOT_SCREENED_LABEL)
        return translate(RECOMMENDATION_LABELS[Recommendation(value)]) if value in RECOMMENDATIONS else value
    if dimension is D.REFERRAL_CATEGORY:
        if value == NONE:
            return translate(NO_REFERRAL)
        return translate(CATEGORY_LABELS[ServiceCategory(value)]) if value in _CATEGORY_ORDER else value
    if dimension is D.OUTCOME:
        if value.startswith("closed_") and value[7:] in _CLOSURE_CODES:
            reason = translate(CLOSURE_REASON_LABELS[ClosureReason(value[7:])])
            return fill(translate(CLOSED_TEMPLATE), reason=reason)
        return translate(OUTCOME_LABELS[value]) if value in OUTCOME_LABELS else value
    return isolate_ltr(value)  # an age band is its own label ("48+" stays so in Arabic)


_GROUPS = frozenset(g.value for g in NationalityGroup)


# --- the CSV (docs/STATISTICS.md is its codebook) -------------------------------------------------------

MAX_CROSSED = 3
CSV_COLUMNS: tuple[str, ...] = (
    "table",
    *(f"{part}{i}" for i in range(1, MAX_CROSSED + 1) for part in ("dimension", "value")),
    "count", "suppressed", "k", "periodFrom", "periodTo", "regionFilter", "scope", "dataSource",
)
TOTAL_TABLE = "total"
#: CTDC's ``Datasource`` value for records from a case management system.
DATA_SOURCE = "Case Management"


def to_csv(table: StatsTable) -> str:
    """The table in long format: one line per figure (the total first), ``count`` empty and
    ``suppressed`` 1 where a figure is suppressed; the filters repeated on every line so a
    line keeps its meaning when files are combined."""
    table.check()
    f = table.filters
    context = [str(table.k), f.period_from.isoformat() if f.period_from else "",
               f.period_to.isoformat() if f.period_to else "", f.region or "", f.scope or "", DATA_SOURCE]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    blank = [""] * (2 * MAX_CROSSED)
    writer.writerow([TOTAL_TABLE, *blank, *_figure(table.total), *context])
    for tab in table.tables:
        if len(tab.dimensions) > MAX_CROSSED:
            raise ValueError(f"at most {MAX_CROSSED} dimensions crossed in the CSV")
        for cell in tab.cells:
            pairs = [part for d, v in zip(tab.dimensions, cell.values) for part in (d.value, v)]
            writer.writerow([tab.name, *pairs, *blank[len(pairs):], *_figure(cell.count), *context])
    return out.getvalue()


def _figure(count: int | None) -> list[str]:
    return ["", "1"] if count is None else [str(count), "0"]


def is_codebook_value(dimension: Dimension, value: str) -> bool:
    """Whether ``value`` is one the codebook lists for ``dimension`` (docs/STATISTICS.md)."""
    if value == UNKNOWN:
        return dimension is not D.REFERRAL_CATEGORY
    if dimension is D.QUARTER:
        return bool(_QUARTER.match(value))
    if dimension is D.BORDER_POST and value == NONE:
        return True
    if dimension is D.REFERRAL_CATEGORY and value == NONE:
        return True
    if dimension is D.EXPLOITATION:
        return value in EXPLOITATION_FORMS or value in _exploitation_texts()
    return value in _known_order(dimension)
