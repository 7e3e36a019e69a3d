"""Anonymised statistics over an N-case encrypted store (issue 8: ≤ 5 s for 100,000 cases).

1. Builds the store (not timed): N demo cases (``app.demo.generate``: persons, cases, risks,
   consents, notes, referrals, services, tasks) made by staff of three scopes at nine posts,
   through ``CaseService.add_prepared``; then a completed screening on the full ILO checklist
   for every case that has a screening outcome (its answers: triage, some indicators, the form
   and stage of exploitation), as ``ScreeningService`` would have stored it.
2. ``StatisticsService.compute`` as the secretariat (every case, no filter), as a supervisor
   (one scope: the filtered path), for one region and for one year: first run, then the
   median of five.
3. Baseline in the same run: the same table from every record decoded with the generic reader
   (``from_fields``: cases, persons, screenings and referrals each built and validated by its
   class, read table by table), then counted the same way; the two tables are checked to be
   identical.
4. The CSV and the PDF report of the national table (not part of the target).

``python -m bench.bench_stats N STORE_DIR`` builds the store in STORE_DIR, or reuses it.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from app.demo import generate
from app.domain.case import Case
from app.domain.checks import new_id
from app.domain.codec import from_fields
from app.domain.person import Person
from app.domain.referral import Referral
from app.domain.screening import Screening, ScreeningStatus
from app.domain.user import Session, User
from app.domain.values import CaseState, Role
from app.services.statistics import StatisticsService
from app.stats import EXPLOITATION_FORMS, compute, facts_from_records, facts_row
from storage.vault import DB_NAME, Vault
from ui.composition import services_for

PASSPHRASE = "benchmark passphrase, synthetic data only"
USERNAME = "bench.secretariat"
TARGET_S = 5.0
RUNS = 5
STAFF = {  # scope → (posts of its officers, a supervisor's post)
    "north": ("TNG-MED", "BAB-SEBTA", "TNG-APT"),
    "east": ("BENI-ENSAR", "OUJ-FIELD", "NDR-PORT"),
    "centre-south": ("CMN-APT", "RAK-APT", "GUERGUERAT"),
}
_FORM_WEIGHTS = (30, 35, 6, 8, 4, 1, 1, 5, 1, 9)  # over EXPLOITATION_FORMS
_RECOMMENDATION = {CaseState.PRESUMED_VICTIM: ("presumed_victim", "presumed_victim_in_transit"),
                   CaseState.OTHER_VULNERABILITY: ("other_vulnerability",),
                   CaseState.NO_INDICATORS: ("no_indicators",)}


def _median(fn, runs: int = RUNS) -> tuple[float, float, object]:
    """(first run, median of the next ``runs``, last result), seconds."""
    times, result = [], None
    for _ in range(runs + 1):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return times[0], statistics.median(times[1:]), result


def run(cases: int, store_dir: Path | None = None) -> None:
    """Build an N-case store (in ``store_dir``, or a temporary folder), or reuse the one
    found in ``store_dir`` (building 100,000 cases takes a quarter of an hour here)."""
    os.environ.pop("HIMAYA_KDF", None)
    folder = Path(store_dir) if store_dir else Path(tempfile.mkdtemp(prefix="himaya-bench-stats-")) / "store"
    vault = Vault(folder)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    if vault.exists():
        opened = vault.unlock(USERNAME, PASSPHRASE)
        svc = services_for(opened)
        have = opened.store.count_records(Case)
        print(f"Himaya statistics benchmark — reusing the store in {folder}: {_sizes(opened.store, folder)}")
        if have != cases:
            print(f"  (it holds {have:,} cases, not the {cases:,} asked for)")
        staff = [u for u in opened.store.users() if u.role is not Role.SECRETARIAT]
    else:
        print(f"Himaya statistics benchmark — {cases:,} demo cases; store {folder}")
        secretariat = User(str(uuid.uuid4()), USERNAME, "Bench secretariat", Role.SECRETARIAT, "national", now)
        opened = vault.create(secretariat, PASSPHRASE)
        svc = services_for(opened)
        staff = _staff(now)
        with opened.store.transaction() as uow:
            for user in staff:
                uow.put(user)
        started = time.perf_counter()
        screened = _build(svc, opened.store, Session(_first_supervisor(staff), opened.store.device_id), staff, cases)
        print(f"  built in {time.perf_counter() - started:.0f} s (not counted): {_sizes(opened.store, folder)}; "
              f"{screened:,} completed screenings")
    supervisor = Session(_first_supervisor(staff), opened.store.device_id)

    stats: StatisticsService = svc.statistics
    national = svc.session
    print(f"2. statistics (target ≤ {TARGET_S:.0f} s for 100,000 cases; first run, then median of {RUNS}):")
    first, median, table = _median(lambda: stats.compute(national))
    print(f"   secretariat, every case: {table.total:,} cases, {table.cell_count} figures "
          f"({table.suppressed_count} suppressed): first {first:.2f} s, median {median:.2f} s")
    for label, session, filters in (
            ("supervisor, own scope", supervisor, {}),
            ("secretariat, region MA-01", national, {"region": "MA-01"}),
            ("secretariat, one year", national, {"period_from": date(now.year - 1, 1, 1),
                                                 "period_to": date(now.year - 1, 12, 31)})):
        f_first, f_median, f_table = _median(lambda: stats.compute(session, **filters), runs=3)
        print(f"   {label}: {f_table.total or 0:,} cases: first {f_first:.2f} s, median {f_median:.2f} s")

    started = time.perf_counter()
    baseline = _generic(opened.store)
    generic = time.perf_counter() - started
    same = baseline.tables == table.tables and baseline.total == table.total
    print(f"3. baseline, every record decoded with the generic reader: {generic:.2f} s → "
          f"ratio {generic / median:.1f}× the median; same figures: {'yes' if same else 'NO'}")
    if not same:
        raise SystemExit("the fast path and the generic reader disagree")

    reason = "Benchmark of the national statistics export"
    started = time.perf_counter()
    text = stats.export_csv(national, table, reason=reason)
    csv_time = time.perf_counter() - started
    started = time.perf_counter()
    pdf = stats.export_pdf(national, table, reason=reason, language="ar")
    pdf_time = time.perf_counter() - started
    print(f"4. exports of the national table: CSV {csv_time * 1000:.0f} ms ({len(text) / 1e3:.0f} kB), "
          f"Arabic PDF report {pdf_time:.2f} s ({len(pdf) / 1e3:.0f} kB)")
    print(f"  load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} CPUs")
    opened.lock()


def _first_supervisor(users: list[User]) -> User:
    return sorted((u for u in users if u.role is Role.SUPERVISOR), key=lambda u: u.username)[-1]


def _staff(now: datetime) -> list[User]:
    users = []
    for scope, posts in STAFF.items():
        for i, post in enumerate(posts):
            users.append(User(str(uuid.uuid4()), f"officer.{scope[:5]}{i}", "Officer", Role.BORDER_OFFICER, scope,
                              now, border_post=post))
        users.append(User(str(uuid.uuid4()), f"worker.{scope[:5]}", "Worker", Role.SOCIAL_WORKER, scope, now,
                          border_post=posts[0]))
        users.append(User(str(uuid.uuid4()), f"super.{scope[:5]}", "Supervisor", Role.SUPERVISOR, scope, now,
                          border_post=posts[0]))
    return users


def _build(svc, store, session: Session, staff: list[User], cases: int) -> int:  # noqa: ANN001
    """The demo cases, then a completed screening for every case with a screening outcome."""
    svc.cases.add_prepared(session, generate(cases, seed=7, users=staff, device_code=store.device_code),
                           chunk=2000)
    rng = random.Random(8)
    screened = 0
    rows = store.db.execute("SELECT id, opened_at, json_extract(data, '$.hmy_ScreeningOutcome') FROM cases"
                            " WHERE json_extract(data, '$.hmy_ScreeningOutcome') IS NOT NULL").fetchall()
    for start in range(0, len(rows), 2000):
        with store.transaction() as uow:
            for case_id, opened_at, outcome in rows[start:start + 2000]:
                uow.put(_screening(rng, case_id, datetime.fromisoformat(opened_at.replace("Z", "+00:00")),
                                   CaseState(outcome), session.user.id))
                screened += 1
    return screened


def _screening(rng: random.Random, case_id: str, opened_at: datetime, outcome: CaseState, by: str) -> Screening:
    answers: dict[str, object] = {
        "consent": "yes", "possibly_minor": "no", "unaccompanied_child": "no", "interview_language": "fr",
        "interpreter_needed": rng.choice(("yes", "no")), "act_any": "yes",
        "act_kind": rng.choice(("recruit", "transport", "harbour")),
    }
    for dim, count in (("DR", 10), ("CR", 10), ("RV", 16), ("EX", 9), ("CD", 15), ("VD", 7)):
        for n in rng.sample(range(1, count + 1), 4):
            answers[f"{dim}{n}"] = rng.choice(("yes", "no", "no", "unknown"))
    if outcome is CaseState.PRESUMED_VICTIM or rng.random() < 0.3:
        answers["exploitation_form"] = rng.choices(EXPLOITATION_FORMS, _FORM_WEIGHTS)[0]
        answers["exploitation_stage"] = rng.choice(("experienced", "intended"))
    done = opened_at + timedelta(hours=1)
    recommendation = rng.choice(_RECOMMENDATION[outcome])
    return Screening(
        id=new_id(), case_id=case_id, checklist_id="ilo-full", checklist_version=1, status=ScreeningStatus.COMPLETED,
        started_at=opened_at, started_by=by, answers=answers, completed_at=done, completed_by=by,
        recommendation=recommendation,
        result={"recommendation": recommendation, "case_state": outcome.value, "positive": ["DR", "EX"],
                "indicator_count": 5, "urgent_flags": [], "reasons": ["adult rule"], "next_steps": ["refer"]})


def _generic(store) -> object:  # noqa: ANN001
    """The national table from every record decoded by its class with the generic reader
    (``from_fields``: each record built and validated), read table by table in one pass each
    (cheaper than ``store.get``/``store.for_case`` per case, which costs about 3 ms a case)."""
    db = store.db
    persons = {pid: from_fields(Person, pid, json.loads(data)) for pid, data in db.execute("SELECT id, data FROM persons")}
    children: dict[type, dict[str, list]] = {Screening: {}, Referral: {}}
    for cls, table in ((Screening, "screenings"), (Referral, "referrals")):
        for rid, case_id, data in db.execute(f"SELECT id, case_id, data FROM {table} ORDER BY at, rowid"):
            children[cls].setdefault(case_id, []).append(from_fields(cls, rid, json.loads(data)))

    def rows():
        for case_id, data in db.execute("SELECT id, data FROM cases"):
            case = from_fields(Case, case_id, json.loads(data))
            yield facts_row(facts_from_records(case, persons.get(case.person_id),
                                               children[Screening].get(case_id, ()),
                                               children[Referral].get(case_id, ())))
    return compute(rows())


def _sizes(store, folder: Path) -> str:  # noqa: ANN001
    counts = {t: store.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("cases", "persons", "referrals", "screenings", "services", "risks", "consents", "notes")}
    size = sum(p.stat().st_size for p in folder.glob(DB_NAME + "*"))
    data = store.db.execute("SELECT sum(length(data)) FROM cases").fetchone()[0] + \
        store.db.execute("SELECT sum(length(data)) FROM persons").fetchone()[0]
    return (", ".join(f"{n:,} {t}" for t, n in counts.items()) +
            f"; store file {size / 1e6:.0f} MB (cases and persons JSON {data / 1e6:.0f} MB)")


if __name__ == "__main__":  # pragma: no cover
    import sys

    run(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000, Path(sys.argv[2]) if len(sys.argv) > 2 else None)
