"""Statistics on the encrypted store: ``stats_facts`` reads with SQL what decoding every record
would give, for the case list's filters, and the service's totals are the case list's."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest
from app.demo import generate
from app.domain.case import Case
from app.domain.checks import new_id
from app.domain.person import Person
from app.domain.referral import Referral
from app.domain.screening import Screening, ScreeningStatus
from app.domain.user import Session, User
from app.domain.values import CaseState, Role
from app.ports import CaseQuery
from app.services.cases import CaseService
from app.services.statistics import StatisticsService
from app.stats import EXPLOITATION_ITEM, facts_from_records
from storage.vault import Vault

TODAY = date(2025, 11, 20)


def _user(username: str, role: Role, scope: str, post: str | None = None) -> User:
    return User(id=new_id(), username=username, display_name=username.title(), role=role, scope_id=scope,
                created_at=datetime(2023, 1, 2, tzinfo=timezone.utc), border_post=post)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One store for the module (the tests only read): 260 demo cases in two scopes."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HIMAYA_KDF", "minimum")
        opened = Vault(tmp_path_factory.mktemp("stats") / "store").create(
            _user("super.north", Role.SUPERVISOR, "scope-north", "TNG-MED"), "cedar harbour lantern 7 violet")
    try:
        yield _fill(opened)
    finally:
        opened.lock()


def _fill(opened):  # noqa: ANN001, ANN202
    store = opened.store
    staff = [_user("officer.ndr", Role.BORDER_OFFICER, "scope-north", "BENI-ENSAR"),
             _user("worker.tng", Role.SOCIAL_WORKER, "scope-north", "TNG-MED"),
             _user("officer.cmn", Role.BORDER_OFFICER, "scope-south", "CMN-APT"),
             _user("super.south", Role.SUPERVISOR, "scope-south")]
    with store.transaction() as uow:
        for user in staff:
            uow.put(user)
    cases = CaseService(store)
    cases.add_prepared(opened.session, generate(260, seed=11, users=[opened.session.user, *staff],
                                                device_code=store.device_code, today=TODAY), chunk=100)
    # Completed screenings: the form of exploitation and the recommendation of the latest one.
    ids = [row[0] for row in store.db.execute("SELECT id FROM cases ORDER BY rowid LIMIT 40")]
    at = datetime(2025, 6, 1, 9, 0, tzinfo=timezone.utc)
    with store.transaction() as uow:
        for i, case_id in enumerate(ids):
            forms = ["begging", "forced_labour"] if i % 5 == 0 else [("sexual_exploitation", "none_known", None)[i % 3]]
            for j, form in enumerate(forms):
                done = at + timedelta(days=j)
                uow.put(Screening(
                    id=new_id(), case_id=case_id, checklist_id="ilo-full", checklist_version=1,
                    status=ScreeningStatus.COMPLETED, started_at=done - timedelta(hours=1),
                    started_by=opened.session.user.id, answers={} if form is None else {EXPLOITATION_ITEM: form},
                    completed_at=done, completed_by=opened.session.user.id,
                    recommendation=("presumed_victim", "specialist_interview")[j], result={}))
        uow.put(Screening(  # a draft never counts
            id=new_id(), case_id=ids[1], checklist_id="ilo-full", checklist_version=1,
            status=ScreeningStatus.DRAFT, started_at=at + timedelta(days=9), started_by=opened.session.user.id,
            answers={EXPLOITATION_ITEM: "armed_conflict"}))
    secretariat = Session(_user("national", Role.SECRETARIAT, "national"), opened.session.device_id)
    return store, cases, StatisticsService(store, cases), opened.session, secretariat


def _by_records(store, query: CaseQuery) -> Counter:
    found = Counter()
    for row in store.list_cases(dataclasses.replace(query, limit=100_000)):
        case = store.get(Case, row.id)
        found[facts_from_records(case, store.get(Person, case.person_id), store.for_case(Screening, case.id),
                                 store.for_case(Referral, case.id))] += 1
    return found


QUERIES = [
    CaseQuery(), CaseQuery(scope_ids=frozenset({"scope-north"})),
    CaseQuery(detected_from=date(2024, 1, 1), detected_to=date(2024, 12, 31)),
    CaseQuery(border_posts=frozenset({"BENI-ENSAR", "CMN-APT"}), scope_ids=frozenset({"scope-south", "x"})),
    CaseQuery(states=frozenset({CaseState.CLOSED, CaseState.REFERRED}), assigned_to=None),
]


def test_a_text_filter_counts_what_the_list_counts(world):
    store = world[0]
    name = store.list_cases(CaseQuery(limit=1))[0].name_latin.split()[0]
    query = CaseQuery(text=name)
    assert 0 < sum(1 for _ in store.stats_facts(query, answer_item=EXPLOITATION_ITEM)) == store.count_cases(query)


def test_statistics_are_read_from_the_indexes_not_the_records(world):
    store = world[0]
    plans = []
    original = store._read

    def explain(sql, args=()):
        plans.extend(row[3] for row in store.db.execute("EXPLAIN QUERY PLAN " + sql, args))
        return original(sql, args)

    store._read = explain
    try:
        list(store.stats_facts(CaseQuery(scope_ids=frozenset({"scope-north"})), answer_item=EXPLOITATION_ITEM))
        list(store.stats_facts(CaseQuery(), answer_item=EXPLOITATION_ITEM))
    finally:
        del store._read
    assert plans and all("COVERING INDEX" in plan for plan in plans), plans


@pytest.mark.parametrize("query", QUERIES)
def test_sql_reads_what_the_records_say(world, query):
    store = world[0]
    streamed = Counter(store.stats_facts(query, answer_item=EXPLOITATION_ITEM))
    assert sum(streamed.values()) == store.count_cases(query)
    assert streamed == _by_records(store, query)


def test_the_latest_completed_screening_counts(world):
    store = world[0]
    facts = list(store.stats_facts(CaseQuery(), answer_item=EXPLOITATION_ITEM))
    forms = Counter(f.exploitation_form for f in facts)
    assert forms["forced_labour"] == 8 and forms["begging"] == 0  # the later of two screenings
    assert forms["armed_conflict"] == 0  # only in a draft
    assert Counter(f.recommendation for f in facts)["specialist_interview"] == 8
    assert any(f.referral_categories for f in facts)  # the demo cases' referrals


@pytest.mark.parametrize("filters", [
    {}, {"period_from": date(2024, 7, 1)}, {"period_from": date(2025, 1, 1), "period_to": date(2025, 6, 30)},
    {"region": "MA-02"}, {"region": "MA-06", "period_from": date(2024, 1, 1)}, {"region": "MA-08"},
])
@pytest.mark.parametrize("who", ["supervisor", "secretariat"])
def test_totals_reconcile_with_the_case_list(world, filters, who):
    store, cases, stats, supervisor, secretariat = world
    session = supervisor if who == "supervisor" else secretariat
    table = stats.compute(session, **filters)
    listed = cases.count_cases(session, stats.case_query(session, **filters))
    assert table.total == (listed if listed == 0 or listed >= table.k else None)
    if who == "supervisor":
        assert listed <= cases.count_cases(secretariat, stats.case_query(secretariat, **filters))
    for tab in table.one_way:  # a one-way table without suppression adds up to the total
        if tab.dimensions[0].value != "hmy_referralCategory" and table.total and not any(
                c.suppressed for c in tab.cells):
            assert sum(c.count for c in tab.cells) == table.total

