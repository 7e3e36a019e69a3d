"""The synthetic case generator: deterministic, valid, consistent and plausibly distributed."""

from __future__ import annotations

import dataclasses
import uuid
from collections import Counter
from datetime import date, datetime, time as dtime, timedelta, timezone
from functools import lru_cache

import pytest

from app.demo import WEST_CENTRAL_AFRICA, DemoCase, generate
from app.domain.case import CASE_NUMBER, Case, Consent, Note, RiskAssessment
from app.domain.checks import is_arabic_script, is_latin_script
from app.domain.codec import from_fields, to_fields
from app.domain.person import Person
from app.domain.user import User
from app.domain.values import (
    CaseState, ClosureReason, ConsentDecision, ConsentKind, OverrideBasis, RiskStage, Role,
)
from app.domain.referral import FollowUpTask, Provider, Referral, ReferralStatus, ServiceCategory, Urgency
from app.lifecycle import CaseFacts, refusals
from app.resources import agencies, border_posts, load_json
from app.services.referrals import distance_km, latest_referral_consent, load_directory_file

S = CaseState
UTC = timezone.utc
TODAY = date(2025, 6, 30)  # a fixed past day: the output does not depend on the clock
NOW = datetime.combine(TODAY, dtime(23, 59, 59), UTC)
CREATED = datetime(2022, 1, 3, 8, 0, tzinfo=UTC)


def _user(n: int, username: str, role: Role, scope: str, post: str | None = None, disabled: bool = False) -> User:
    return User(id=str(uuid.UUID(int=n, version=4)), username=username, display_name=username.title(),
                role=role, scope_id=scope, created_at=CREATED, border_post=post, disabled=disabled)


USERS = (
    _user(1, "officer.tngmed", Role.BORDER_OFFICER, "MA-01", "TNG-MED"),
    _user(2, "officer.sebta", Role.BORDER_OFFICER, "MA-01", "BAB-SEBTA"),
    _user(3, "worker.tanger", Role.SOCIAL_WORKER, "MA-01", "BR-TANGER"),
    _user(4, "supervisor.tanger", Role.SUPERVISOR, "MA-01", "BR-TANGER"),
    _user(5, "officer.nador", Role.BORDER_OFFICER, "MA-02", "BENI-ENSAR"),
    _user(6, "worker.oujda", Role.SOCIAL_WORKER, "MA-02"),
    _user(7, "supervisor.oujda", Role.SUPERVISOR, "MA-02", "BR-OUJDA"),
    _user(8, "officer.cmn", Role.BORDER_OFFICER, "MA-06", "CMN-APT"),
    _user(9, "secretariat", Role.SECRETARIAT, "national"),
    _user(10, "officer.gone", Role.BORDER_OFFICER, "MA-01", "TNG-PORT", disabled=True),
)
BY_ID = {u.id: u for u in USERS}


@lru_cache(maxsize=None)
def _sample(count: int = 2000, seed: int = 2023) -> tuple[DemoCase, ...]:
    return tuple(generate(count, seed=seed, users=USERS, device_code="0de0", start_number=41, today=TODAY))


def _uuid4(value: str) -> bool:
    parsed = uuid.UUID(value)
    return str(parsed) == value and parsed.version == 4 and parsed.variant == uuid.RFC_4122


# --- determinism ------------------------------------------------------------------------

def test_same_seed_same_cases():
    first = list(generate(300, seed=7, users=USERS, today=TODAY))
    second = list(generate(300, seed=7, users=USERS, today=TODAY))
    assert first == second


def test_another_seed_other_cases():
    first = list(generate(50, seed=7, users=USERS, today=TODAY))
    second = list(generate(50, seed=8, users=USERS, today=TODAY))
    assert [d.case.id for d in first] != [d.case.id for d in second]
    assert [d.person.display_name_latin for d in first] != [d.person.display_name_latin for d in second]


def test_a_prefix_is_the_same_whatever_the_count():
    assert list(generate(20, users=USERS, today=TODAY)) == list(generate(60, users=USERS, today=TODAY))[:20]


def test_ids_are_reproducible_uuid4_strings():
    ids = []
    for demo in _sample():
        ids += [demo.person.id, demo.case.id]
        ids += [r.id for r in demo.risks] + [c.id for c in demo.consents] + [n.id for n in demo.notes]
        ids += [r.id for r in (*demo.referrals, *demo.services, *demo.tasks)]
    assert all(_uuid4(i) for i in ids)
    assert len(set(ids)) == len(ids)


def test_the_id_bits_are_those_of_uuid_version_4():
    import random

    from app.demo import _UUID_CLEAR, _UUID_SET

    a, b = random.Random(5), random.Random(5)
    for _ in range(500):
        bits = a.getrandbits(128)
        h = "%032x" % ((b.getrandbits(128) & _UUID_CLEAR) | _UUID_SET)
        assert str(uuid.UUID(int=bits, version=4)) == f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# --- validity -------------------------------------------------------------------------------

def test_every_record_is_valid_and_round_trips_through_the_codec():
    for demo in _sample()[:400]:
        for record in (demo.person, demo.case, *demo.risks, *demo.consents, *demo.notes, *demo.referrals,
                       *demo.services, *demo.tasks):
            assert dataclasses.replace(record) == record  # builds it again: validation runs
            assert from_fields(type(record), record.id, to_fields(record)) == record


def test_case_numbers_are_sequential_and_well_formed():
    sample = _sample()
    for n, demo in enumerate(sample, start=41):
        number = demo.case.case_number
        assert CASE_NUMBER.match(number)
        year, device, counter = number.split("-")[1:]
        assert device == "0DE0"
        assert int(counter) == n and counter == f"{n:05d}"
        assert int(year) == demo.case.opened_at.year


def test_records_belong_to_their_case_and_person():
    for demo in _sample():
        assert demo.case.person_id == demo.person.id
        for record in (*demo.risks, *demo.consents, *demo.notes, *demo.referrals, *demo.services, *demo.tasks):
            assert record.case_id == demo.case.id


def test_dates_are_in_order_in_utc_and_never_in_the_future():
    earliest = TODAY - timedelta(days=3 * 366)
    for demo in _sample():
        case = demo.case
        assert earliest <= case.detected_on <= TODAY
        stamps = [case.opened_at, *(r.assessed_at for r in demo.risks),
                  *(c.recorded_at for c in demo.consents), *(n.written_at for n in demo.notes)]
        if case.closed_at:
            stamps.append(case.closed_at)
        for stamp in stamps:
            assert stamp.tzinfo is not None and stamp.utcoffset() == timedelta(0)
            assert stamp.microsecond == 0
            assert case.opened_at <= stamp <= NOW
        assert case.opened_at >= datetime.combine(case.detected_on, dtime(0), UTC)
        for records, key in ((demo.risks, "assessed_at"), (demo.consents, "recorded_at"), (demo.notes, "written_at")):
            times = [getattr(r, key) for r in records]
            assert times == sorted(times)
        if case.closed_at:
            assert all(n.written_at <= case.closed_at for n in demo.notes)


def test_reference_codes_come_from_the_reference_lists():
    for demo in _sample():
        assert demo.case.border_post in border_posts()
        assert demo.case.detecting_agency is None or demo.case.detecting_agency in agencies()


# --- consistency with the users --------------------------------------------------------------

def test_cases_are_created_by_users_who_may_create_them_in_their_scope_and_post():
    for demo in _sample():
        case = demo.case
        creator = BY_ID[case.created_by]
        assert creator.role is not Role.SECRETARIAT and not creator.disabled
        assert case.scope_id == creator.scope_id
        if creator.role is Role.BORDER_OFFICER:
            assert case.border_post == creator.border_post
        assert BY_ID[case.assigned_to].scope_id == case.scope_id


def test_the_people_acting_on_a_case_may_do_so():
    for demo in _sample():
        scope = demo.case.scope_id
        for note in demo.notes:  # notes are case work: social workers and supervisors
            assert BY_ID[note.author].role in (Role.SOCIAL_WORKER, Role.SUPERVISOR)
            assert BY_ID[note.author].scope_id == scope
        for consent in demo.consents:
            assert BY_ID[consent.recorded_by].role is not Role.SECRETARIAT
            assert BY_ID[consent.recorded_by].scope_id == scope
        for risk in demo.risks:
            assert BY_ID[risk.assessed_by].scope_id == scope
        if demo.case.closure_approved_by:
            approver = BY_ID[demo.case.closure_approved_by]
            assert approver.role is Role.SUPERVISOR and approver.scope_id == scope


FIELD_STATES = {S.DETECTED, S.SCREENING, S.NO_INDICATORS, S.OTHER_VULNERABILITY, S.PRESUMED_VICTIM,
                S.URGENT_PROTECTION, S.REFERRED}


def test_border_officers_alone_go_no_further_than_they_may():
    team = [u for u in USERS if u.role is Role.BORDER_OFFICER]
    cases = list(generate(400, users=team, today=TODAY))
    cases += [d for d in _sample() if d.case.scope_id == "MA-06"]  # a scope with one officer only
    assert {d.case.border_post for d in cases} <= {u.border_post for u in team if not u.disabled}
    assert {d.case.state for d in cases} == FIELD_STATES
    for demo in cases:
        assert not demo.notes
        assert BY_ID[demo.case.assigned_to].role is Role.BORDER_OFFICER
        if demo.case.state is S.REFERRED:  # only by an urgent referral
            assert not refusals(S.URGENT_PROTECTION, S.REFERRED, _facts(demo, Role.BORDER_OFFICER))


# --- consistency with the lifecycle --------------------------------------------------------

def _facts(demo: DemoCase, role: Role, **extra) -> CaseFacts:
    latest: dict[tuple[ConsentKind, str | None], Consent] = {}
    for consent in demo.consents:  # as the case service reads them: the last decision counts
        latest[(consent.kind, consent.provider)] = consent
    return CaseFacts(
        role=role,
        screening_consent=any(c.kind is ConsentKind.SCREENING and c.decision is ConsentDecision.GIVEN
                              for c in latest.values()),
        screening_outcome=demo.case.screening_outcome,
        referral_consent=any(c.allows_referral for c in latest.values()),
        **extra,
    )


def _referral(demo: DemoCase) -> bool:
    return _facts(demo, Role.SOCIAL_WORKER).referral_consent


def test_outcome_and_consents_agree_with_the_state():
    outcome_states = (S.NO_INDICATORS, S.OTHER_VULNERABILITY, S.PRESUMED_VICTIM)
    for demo in _sample():
        case, state = demo.case, demo.case.state
        screened = _facts(demo, Role.SOCIAL_WORKER).screening_consent
        if state in (S.DETECTED, S.SCREENING):
            assert case.screening_outcome is None
        elif state in outcome_states:
            assert case.screening_outcome is state
        elif state is S.URGENT_PROTECTION:
            assert case.screening_outcome in (None, S.PRESUMED_VICTIM)
        elif state is S.CLOSED:
            assert case.screening_outcome in outcome_states
            assert (case.closure_reason is ClosureReason.NO_INDICATORS) == (case.screening_outcome is S.NO_INDICATORS)
        else:
            assert case.screening_outcome is S.PRESUMED_VICTIM
        if case.screening_outcome is not None or state is S.SCREENING:
            assert screened
        if state in (S.REFERRED, S.ACCEPTED, S.IN_ASSISTANCE, S.FOLLOW_UP):
            assert _referral(demo)
            assert case.screening_outcome is S.PRESUMED_VICTIM
        if state in (S.DETECTED, S.SCREENING, S.NO_INDICATORS, S.OTHER_VULNERABILITY, S.PRESUMED_VICTIM,
                     S.URGENT_PROTECTION):
            assert not any(c.kind is ConsentKind.REFERRAL for c in demo.consents)
        if state is S.CLOSED:
            assert case.closure_reason is not None and case.closed_at is not None
            assert case.closure_approved_by is not None
        else:
            assert case.closure_reason is case.closed_at is case.closure_approved_by is None


def test_the_last_move_into_each_state_passes_the_lifecycle_guards():
    reason = "Explained in a note on the file."
    for demo in _sample():
        state, case = demo.case.state, demo.case
        if state is S.SCREENING:
            moves = [(S.DETECTED, _facts(demo, Role.BORDER_OFFICER))]
        elif state in (S.NO_INDICATORS, S.OTHER_VULNERABILITY, S.PRESUMED_VICTIM):
            moves = [(S.SCREENING, _facts(demo, Role.BORDER_OFFICER))]
        elif state is S.REFERRED:
            moves = [(S.PRESUMED_VICTIM, _facts(demo, Role.SOCIAL_WORKER)),
                     (S.URGENT_PROTECTION, _facts(demo, Role.BORDER_OFFICER))]
        elif state is S.CLOSED:
            before = {S.NO_INDICATORS: S.NO_INDICATORS, S.OTHER_VULNERABILITY: S.OTHER_VULNERABILITY}.get(
                case.screening_outcome, S.IN_ASSISTANCE if _referral(demo) else S.PRESUMED_VICTIM)
            moves = [(before, _facts(demo, Role.SUPERVISOR, closure_reason=case.closure_reason))]
        elif state in (S.URGENT_PROTECTION, S.TRANSFERRED, S.FORMALLY_IDENTIFIED):
            moves = [(S.PRESUMED_VICTIM, _facts(demo, Role.SOCIAL_WORKER, reason=reason))]
        else:
            continue
        assert any(not refusals(source, state, facts) for source, facts in moves), (state, moves)


def test_overrides_are_for_children_or_danger_with_a_reason():
    seen = Counter()
    for demo in _sample(4000):
        for consent in demo.consents:
            if consent.override is None:
                continue
            seen[consent.override] += 1
            assert consent.kind is ConsentKind.REFERRAL and consent.decision is not ConsentDecision.GIVEN
            assert consent.override_reason and len(consent.override_reason.strip()) >= 10
            if consent.override is OverrideBasis.CHILD_BEST_INTERESTS:
                assert demo.person.may_be_minor(demo.case.detected_on)
                assert demo.person.may_be_minor(consent.recorded_at.date())
            else:
                assert any(r.immediate_danger for r in demo.risks)
    assert seen[OverrideBasis.CHILD_BEST_INTERESTS] > 0 and seen[OverrideBasis.DANGER_TO_LIFE] > 0


def test_guardians_consent_only_for_minors():
    for demo in _sample():
        for consent in demo.consents:
            if consent.given_by_guardian:
                assert consent.guardian_name
                assert demo.person.may_be_minor(demo.case.detected_on)


def test_returns_have_a_consent_to_transfer_abroad_and_a_risk_assessment_before_return():
    returned = [d for d in _sample() if d.case.closure_reason is ClosureReason.RETURNED]
    assert returned
    for demo in returned:
        assert demo.person.nationality != "MA"
        assert any(c.kind is ConsentKind.TRANSFER_ABROAD and c.decision is ConsentDecision.GIVEN
                   for c in demo.consents)
        assert any(r.stage is RiskStage.BEFORE_RETURN for r in demo.risks)


def test_urgent_protection_cases_have_an_urgent_risk_assessment():
    for demo in _sample():
        if demo.case.state is S.URGENT_PROTECTION:
            assert any(r.is_urgent for r in demo.risks)


# --- distributions ------------------------------------------------------------------------------

def test_every_state_occurs_and_old_cases_are_mostly_finished():
    sample = _sample()
    states = Counter(d.case.state for d in sample)
    assert set(states) == set(CaseState)
    old = [d for d in sample if (TODAY - d.case.detected_on).days > 365]
    assert sum(d.case.state in (S.CLOSED, S.TRANSFERRED) for d in old) / len(old) > 0.4
    recent = [d for d in sample if (TODAY - d.case.detected_on).days <= 7]
    assert recent and any(d.case.state in (S.DETECTED, S.SCREENING) for d in recent)


def test_population_shares_are_plausible():
    sample = _sample()
    n = len(sample)
    share = lambda pred: sum(1 for d in sample if pred(d)) / n  # noqa: E731
    assert 0.48 <= share(lambda d: d.person.sex.value == "Female") <= 0.62
    assert 0.07 <= share(lambda d: d.person.may_be_minor(d.case.detected_on)) <= 0.20
    assert 0.28 <= share(lambda d: d.person.nationality == "MA") <= 0.42
    assert 0.38 <= share(lambda d: d.person.nationality in WEST_CENTRAL_AFRICA) <= 0.52
    assert len({d.person.nationality for d in sample}) >= 15
    assert 0.75 <= share(lambda d: d.person.first_name and d.person.first_name_ar) <= 0.92
    assert share(lambda d: d.person.birth_date is not None) < share(lambda d: d.person.birth_year is not None)
    assert 0.02 < share(lambda d: d.person.age_band is not None) < 0.4
    assert 0.1 < share(lambda d: bool(d.person.documents)) < 0.7
    assert share(lambda d: any(not doc.held_by_person for doc in d.person.documents)) > 0.02
    assert 0.2 < share(lambda d: d.person.mobile_phone is not None) < 0.7


def test_names_are_written_in_their_script():
    for demo in _sample():
        p = demo.person
        for latin in (p.first_name, p.second_name):
            assert latin is None or is_latin_script(latin)
        for arabic in (p.first_name_ar, p.second_name_ar):
            assert arabic is None or is_arabic_script(arabic)


def test_risks_and_notes_are_in_the_asked_ranges():
    sample = _sample()
    risks = Counter(len(d.risks) for d in sample)
    assert (risks[1] + risks[2]) / len(sample) > 0.6
    urgent = sum(any(r.is_urgent for r in d.risks) for d in sample) / len(sample)
    assert 0.02 < urgent < 0.35
    assert all(0 <= len(d.notes) <= 4 for d in sample)
    texts = [n.text for d in sample for n in d.notes]
    assert texts and not any("{" in t or "}" in t for t in texts)
    arabic = sum(is_arabic_script(t) for t in texts) / len(texts)
    assert 0.55 < arabic < 0.85  # Arabic mostly, French otherwise


def test_referral_consents_name_a_provider_of_the_directory():
    providers = _directory()
    for demo in _sample():
        for consent in demo.consents:
            if consent.kind is ConsentKind.REFERRAL:
                assert consent.provider in providers  # by id, as the referral service records it


# --- the arguments ---------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [
    {"device_code": "0DE"}, {"device_code": "0DE0-1"}, {"device_code": "ÉTÉ1"}, {"device_code": 1234}, {"count": -1}, {"start_number": 0},
    {"users": [USERS[8]]}, {"users": []}, {"today": date.today() + timedelta(days=2)},
    {"now": datetime(2025, 1, 1, 12, 0)},
])
def test_bad_arguments_are_refused_at_once(kwargs):
    args = {"count": 3, "users": USERS, "today": TODAY} | kwargs
    count = args.pop("count")
    if "now" in kwargs:
        args.pop("today")
    with pytest.raises(ValueError):
        generate(count, **args)  # refused before any case is made


def test_now_bounds_every_timestamp_and_can_be_today():
    now = datetime(2025, 3, 10, 6, 30, tzinfo=UTC)
    cases = list(generate(500, users=USERS, now=now, seed=3))
    for demo in cases:
        assert demo.case.detected_on <= now.date()
        stamps = [demo.case.opened_at, *(c.recorded_at for c in demo.consents), *(n.written_at for n in demo.notes),
                  *(r.assessed_at for r in demo.risks)]
        assert max(stamps) <= now


def test_count_zero_gives_nothing():
    assert list(generate(0, users=USERS, today=TODAY)) == []


def test_records_are_the_domain_types():
    demo = _sample()[0]
    assert isinstance(demo.person, Person) and isinstance(demo.case, Case)
    assert all(isinstance(r, RiskAssessment) for r in demo.risks)
    assert all(isinstance(c, Consent) for c in demo.consents)
    assert all(isinstance(n, Note) for n in demo.notes)


# --- referrals, services received, follow-up tasks -----------------------------------------------

@lru_cache(maxsize=None)
def _directory() -> dict[str, Provider]:
    return {p.id: p for p in load_directory_file(load_json("services/directory.json"))}


STATUS_OF_STATE = {S.REFERRED: {ReferralStatus.SENT}, S.ACCEPTED: {ReferralStatus.ACCEPTED},
                   S.FOLLOW_UP: {ReferralStatus.COMPLETED},
                   S.IN_ASSISTANCE: {ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED}}


def test_cases_in_care_have_referrals_and_early_ones_none():
    for demo in _sample():
        state = demo.case.state
        if state in STATUS_OF_STATE:
            assert demo.referrals, state
            assert demo.referrals[0].status in STATUS_OF_STATE[state], (state, demo.referrals[0].status)
        if state in (S.DETECTED, S.SCREENING, S.NO_INDICATORS, S.OTHER_VULNERABILITY, S.PRESUMED_VICTIM,
                     S.URGENT_PROTECTION):
            assert demo.referrals == demo.services == demo.tasks == ()
    statuses = Counter(r.status for d in _sample() for r in d.referrals)
    assert set(statuses) == set(ReferralStatus)


def test_every_referral_rests_on_a_consent_that_allows_it():
    """What ``ReferralService.refer`` checks: the latest referral decision for THAT provider,
    recorded before the referral, is a consent or an override."""
    providers = _directory()
    seen = 0
    for demo in _sample():
        for referral in demo.referrals:
            provider = providers[referral.provider_id]
            before = [c for c in demo.consents if c.recorded_at <= referral.referred_at]
            basis = latest_referral_consent(before, provider)
            assert basis is not None and basis.allows_referral, demo.case.case_number
            assert basis.id == referral.consent_id and basis.override is referral.override
            assert referral.provider_name == provider.name_fr
            seen += 1
    assert seen > 500


def test_referrals_go_to_providers_near_the_post_who_offer_the_service_and_take_the_person():
    providers, posts = _directory(), border_posts()
    for demo in _sample()[:800]:
        post = posts[demo.case.border_post]
        for referral in demo.referrals:
            provider = providers[referral.provider_id]
            assert set(referral.categories) <= set(provider.categories)
            category = referral.categories[0]
            offer = [p for p in providers.values() if category in p.categories]
            minor = demo.person.may_be_minor(demo.case.detected_on)
            taking = [p for p in offer if p.takes(minor=minor, sex=demo.person.sex.value)]
            pool = sorted(taking or offer, key=lambda p: distance_km(post["lat"], post["lon"], p.latitude, p.longitude))
            assert provider in pool[:3], (demo.case.border_post, category, provider.name_fr)
            if demo.person.nationality == "MA":  # assisted voluntary return is for foreigners
                assert ServiceCategory.RETURN_REINTEGRATION not in referral.categories
            if not minor:
                assert ServiceCategory.CHILD_PROTECTION not in referral.categories


def test_referrals_of_children_name_a_guardian_or_say_unaccompanied():
    children = 0
    for demo in _sample():
        for referral in demo.referrals:
            if demo.person.may_be_minor(referral.referred_at.date()):
                children += 1
                assert bool(referral.guardian_name) != referral.unaccompanied
            else:
                assert referral.guardian_name is None and not referral.unaccompanied
    assert children > 10


def test_who_refers_and_updates_may_do_so():
    for demo in _sample():
        scope = demo.case.scope_id
        for referral in demo.referrals:
            referrer = BY_ID[referral.referred_by]
            assert referrer.scope_id == scope and not referrer.disabled
            if referrer.role is Role.BORDER_OFFICER:  # only urgent referrals, never a later answer
                assert referral.urgency is Urgency.IMMEDIATE
            else:
                assert referrer.role in (Role.SOCIAL_WORKER, Role.SUPERVISOR)
            if referral.urgency is Urgency.IMMEDIATE:
                assert referral.risk_summary and len(referral.risk_summary) >= 10
            if referral.status is not ReferralStatus.SENT:
                assert BY_ID[referral.updated_by].role in (Role.SOCIAL_WORKER, Role.SUPERVISOR)
                assert BY_ID[referral.updated_by].scope_id == scope


def test_referral_and_service_dates_follow_the_case():
    for demo in _sample():
        case = demo.case
        end = case.closed_at or NOW
        for referral in demo.referrals:
            assert case.opened_at <= referral.referred_at <= end
            for day in (referral.responded_on, referral.completed_on):
                assert day is None or day <= end.date()
        for service in demo.services:
            assert service.recorded_at <= end and service.received_on <= TODAY
            assert case.opened_at <= service.recorded_at


def test_completed_referrals_left_one_service_per_category_asked():
    completed = 0
    for demo in _sample():
        by_referral = Counter(s.referral_id for s in demo.services)
        for referral in demo.referrals:
            if referral.status is ReferralStatus.COMPLETED:
                completed += 1
                mine = [s for s in demo.services if s.referral_id == referral.id]
                assert sorted(s.category for s in mine) == sorted(referral.categories)
                assert all(s.received_on == referral.completed_on and s.provider_id == referral.provider_id
                           for s in mine)
            else:
                assert by_referral[referral.id] == 0
        assert all(BY_ID[s.recorded_by].role in (Role.SOCIAL_WORKER, Role.SUPERVISOR) for s in demo.services)
    assert completed > 300


def test_tasks_belong_to_users_of_the_scope_and_closed_cases_have_none_open():
    for demo in _sample():
        scope = demo.case.scope_id
        referrals = {r.id: r for r in demo.referrals}
        for task in demo.tasks:
            assignee = BY_ID[task.assigned_to]  # an existing user of the device
            assert assignee.scope_id == scope and not assignee.disabled
            if assignee.role is Role.BORDER_OFFICER:  # only to check the answer to their urgent referral
                assert referrals[task.referral_id].referred_by == assignee.id
            assert demo.case.opened_at <= task.created_at <= NOW
            if task.done:
                assert task.created_at <= task.done_at <= (demo.case.closed_at or NOW)
                assert BY_ID[task.done_by].role in (Role.SOCIAL_WORKER, Role.SUPERVISOR)
            if task.referral_id is not None:
                referral = referrals[task.referral_id]
                assert task.done == (referral.status is not ReferralStatus.SENT)
        if not demo.case.state.is_open:
            assert not any(not t.done and t.referral_id is None for t in demo.tasks)


def test_open_tasks_are_overdue_due_today_and_upcoming():
    open_tasks = [t for d in _sample() for t in d.tasks if not t.done]
    due = Counter("overdue" if t.due_on < TODAY else "today" if t.due_on == TODAY else "upcoming"
                  for t in open_tasks)
    assert all(due[k] >= 20 for k in ("overdue", "today", "upcoming")), due
    assert {BY_ID[t.assigned_to].role for t in open_tasks} >= {Role.SOCIAL_WORKER, Role.SUPERVISOR}


def test_the_new_records_are_stored_with_their_case_and_feed_the_today_view():
    """``add_prepared`` writes them in the case's transaction chunk; the today view reads them."""
    from fakes import FakeCaseStore, FakeClock, session_for

    from app.services.cases import CaseService
    from app.services.referrals import ReferralService

    sample = _sample()[:300]
    store = FakeCaseStore()
    store.seed(*USERS)
    cases = CaseService(store, FakeClock(NOW))
    creator = session_for(BY_ID[USERS[3].id])  # supervisor.tanger
    assert cases.add_prepared(creator, sample, chunk=100) == 300
    assert store.commits == 3
    for cls, attribute in ((Referral, "referrals"), (FollowUpTask, "tasks")):
        assert len(store.all(cls)) == sum(len(getattr(d, attribute)) for d in sample)
    worker = USERS[2]  # worker.tanger
    view = ReferralService(store, cases).today(session_for(worker), TODAY)
    mine = [t for d in sample for t in d.tasks if t.assigned_to == worker.id and not t.done]
    assert len(view.overdue) == sum(t.due_on < TODAY for t in mine) > 0
    assert len(view.due_today) == sum(t.due_on == TODAY for t in mine)
    assert all(i.task.assigned_to == worker.id for i in view.overdue + view.due_today + view.upcoming)
