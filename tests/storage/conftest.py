"""Shared fixtures of the storage tests.

Every test runs with ``HIMAYA_KDF=minimum`` so Argon2id uses the floor of SECURITY.md
(still about 0.12 s per derivation: tests keep their number of unlocks small).

Helpers that several modules need are handed out as fixtures (``store_tools``) rather than
imported, so these modules never depend on which ``conftest`` Python would import first.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import secrets
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from app.domain.audit import GENESIS, AuditAction, AuditEvent, chain_hash
from app.domain.case import Case
from app.domain.checks import new_id
from app.domain.codec import from_fields, to_fields
from app.domain.person import Person
from app.domain.user import User
from app.domain.values import CaseState, Role
from app.services.cases import CaseService
from storage import migrations
from storage.database import connect
from storage.keyfile import MINIMUM_KDF, KeyFile, wrap_key
from storage.store import dumps
from storage.tables import BY_RECORD_TYPE
from storage.vault import DB_NAME, KEYS_NAME, OpenStore, Vault

PASSPHRASE = "cedar harbour lantern 7 violet"
USERNAME = "sara.sup"


@pytest.fixture(autouse=True)
def _minimum_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIMAYA_KDF", "minimum")


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def make_user(username: str = USERNAME, role: Role = Role.SUPERVISOR, scope: str = "scope-north") -> User:
    return User(id=new_id(), username=username, display_name="Sara Supervisor", role=role,
                scope_id=scope, created_at=_now())


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative path) with the SHA-256 of its bytes."""
    folder = Path(folder)
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


def consistency_problems(db: Any) -> list[str]:
    """Check that the outbox rebuilds every record exactly, and that the dots agree.

    For every record of every table: applying its outbox field writes in counter order
    (last value per field) gives the stored ``data`` dict, fields never written hold their
    empty default, and ``dots`` names exactly the last write of each written field. Also:
    no outbox row for a record that does not exist, the write counter in ``meta`` is the
    highest counter used, outbox order agrees with counter order, and case numbers are
    unique.
    """
    problems: list[str] = []
    last: dict[tuple[str, str], dict[str, tuple[Any, int]]] = defaultdict(dict)
    previous_counter = 0
    top = 0
    for seq, rtype, rid, writes_text in db.execute(
            "SELECT seq, record_type, record_id, writes FROM outbox ORDER BY seq"):
        for field, value, counter, _supersedes in json.loads(writes_text):
            if counter <= previous_counter:
                problems.append(f"outbox seq {seq}: counter {counter} not after {previous_counter}")
            previous_counter = top = counter
            last[(rtype, rid)][field] = (value, counter)
    seen: set[tuple[str, str]] = set()
    for rtype, table in BY_RECORD_TYPE.items():
        for rid, data_text, dots_text in db.execute(f"SELECT id, data, dots FROM {table.name}"):
            seen.add((rtype, rid))
            data, dots = json.loads(data_text), json.loads(dots_text)
            writes = last.get((rtype, rid), {})
            for field, (value, counter) in writes.items():
                if data.get(field) != value and not (value in (None, []) and field not in data):
                    problems.append(f"{rtype} {rid}: {field} is {data.get(field)!r}, last outbox write {value!r}")
                if dots.get(field) != [counter]:
                    problems.append(f"{rtype} {rid}: dots of {field} {dots.get(field)!r}, last write {counter}")
            for field, value in data.items():
                if field not in writes and value not in (None, []):
                    problems.append(f"{rtype} {rid}: {field}={value!r} was never written to the outbox")
            for field in set(dots) - set(writes):
                problems.append(f"{rtype} {rid}: dots name {field}, which has no outbox write")
    for key in set(last) - seen:
        problems.append(f"outbox rows for {key[0]} {key[1]}, which is not stored")
    meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    if int(meta.get("write_counter", 0)) != top:
        problems.append(f"meta write_counter {meta.get('write_counter')} but highest outbox counter {top}")
    numbers = [r[0] for r in db.execute("SELECT case_number FROM cases")]
    if len(numbers) != len(set(numbers)):
        problems.append("duplicate case numbers")
    if numbers:
        highest = max(int(n.rsplit("-", 1)[1]) for n in numbers)
        if int(meta.get("case_counter", 0)) < highest:
            problems.append(f"meta case_counter {meta.get('case_counter')} below case number {highest}")
    return problems


def build_v1_store(folder: Path, people: list[dict[str, Any]]) -> dict[str, Any]:
    """A store folder exactly as schema-1 code left it: no ``persons.search_text``.

    ``people`` are HTCDS person field dicts (prs_*); each gets a case. Rows are written with
    plain SQL, mirroring what the v1 code wrote (record, one outbox row per non-empty field,
    a chained audit entry). Returns the user, data key, ids and case numbers.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, mode=0o700)
    data_key = secrets.token_bytes(32)
    store_id, device_id, device_code = new_id(), new_id(), "V1ST0R"
    user = make_user()
    db = connect(folder / DB_NAME, data_key)
    assert migrations.migrate(db, target=1) == [1]
    counter = 0
    audit_seq, audit_hash = 0, GENESIS
    outbox: list[tuple] = []
    audit_rows: list[tuple] = []

    def fields_row(rtype: str, rid: str, fields: dict[str, Any]) -> tuple[str, str]:
        nonlocal counter
        dots, writes = {}, []
        for name, value in fields.items():
            if value is None or value == []:
                continue
            counter += 1
            writes.append([name, value, counter, []])
            dots[name] = [counter]
        outbox.append((rtype, rid, _now().isoformat(), dumps(writes)))
        return dumps({k: v for k, v in fields.items() if v is not None and v != []}), dumps(dots)

    def audit(action: str, actor: str | None, rtype: str | None, rid: str | None, details: dict) -> None:
        nonlocal audit_seq, audit_hash
        audit_seq += 1
        event = AuditEvent(action, _now(), actor, device_id, rtype, rid, details)
        digest = chain_hash(audit_hash, event, audit_seq)
        audit_rows.append((audit_seq, event.at.isoformat(), actor, device_id, action, rtype, rid,
                           dumps(details), audit_hash, digest))
        audit_hash = digest

    db.execute("BEGIN IMMEDIATE")
    db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [
        ("store_id", store_id), ("device_id", device_id), ("device_code", device_code),
        ("created_at", _now().isoformat()),
    ])
    data, dots = fields_row("user", user.id, to_fields(user))
    db.execute("INSERT INTO users (id, username, role, disabled, data, dots) VALUES (?,?,?,?,?,?)",
               (user.id, user.username, user.role.value, 0, data, dots))
    audit(AuditAction.STORE_CREATED, user.id, "user", user.id, {"schema": 1})
    case_ids, person_ids, numbers = [], [], []
    for i, fields in enumerate(people, start=1):
        person_id, case_id = new_id(), new_id()
        person = from_fields(Person, person_id, fields)
        pdata, pdots = fields_row("person", person_id, to_fields(person))
        db.execute("INSERT INTO persons (id, name_ar, name_latin, sex, nationality, data, dots)"
                   " VALUES (?,?,?,?,?,?,?)", (person_id, person.display_name_ar, person.display_name_latin,
                                               person.sex.value, person.nationality, pdata, pdots))
        number = f"HMY-{_now().year:04d}-{device_code}-{i:05d}"
        case = Case(id=case_id, case_number=number, person_id=person_id, scope_id=user.scope_id,
                    state=CaseState.DETECTED, detected_on=_now().date(), opened_at=_now(),
                    created_by=user.id, border_post="TNG-MED", assigned_to=user.id)
        case_fields = to_fields(case)
        cdata, cdots = fields_row("case", case_id, case_fields)
        db.execute("INSERT INTO cases (id, case_number, person_id, scope_id, state, border_post, detected_on,"
                   " opened_at, assigned_to, data, dots) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                   (case_id, number, person_id, user.scope_id, "detected", "TNG-MED",
                    case_fields["hmy_DetectedOn"], case_fields["cas_OpenedDate"], user.id, cdata, cdots))
        audit(AuditAction.CASE_CREATED, user.id, "case", case_id, {"case_number": number})
        case_ids.append(case_id)
        person_ids.append(person_id)
        numbers.append(number)
    db.executemany("INSERT INTO outbox (record_type, record_id, written_at, writes) VALUES (?,?,?,?)", outbox)
    db.executemany("INSERT INTO audit (seq, at, actor_id, device_id, action, record_type, record_id, details,"
                   " prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)", audit_rows)
    db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                   [("write_counter", str(counter)), ("case_counter", str(len(people)))])
    db.execute("COMMIT")
    assert migrations.version(db) == 1
    db.close()
    kf = KeyFile.new(folder / KEYS_NAME, store_id)
    kf.put(wrap_key(store_id, user.id, user.username, PASSPHRASE, data_key, MINIMUM_KDF))
    kf.save()
    return {"user": user, "data_key": data_key, "case_ids": case_ids, "person_ids": person_ids,
            "case_numbers": numbers, "store_id": store_id}


@dataclasses.dataclass
class StoreTools:
    """Helpers handed to tests through the ``store_tools`` fixture."""

    passphrase: str = PASSPHRASE
    username: str = USERNAME
    make_user: Callable[..., User] = staticmethod(make_user)
    snapshot: Callable[[Path], dict[str, str]] = staticmethod(snapshot)
    consistency_problems: Callable[[Any], list[str]] = staticmethod(consistency_problems)
    build_v1_store: Callable[..., dict[str, Any]] = staticmethod(build_v1_store)

    @staticmethod
    def register(opened: OpenStore, **names: Any) -> tuple[Any, Person]:
        """Register a case at TNG-MED for a new person with ``names`` (Person attributes)."""
        person = Person(new_id(), **names)
        case = CaseService(opened.store).register(opened.session, person, border_post="TNG-MED")
        return case, person


@pytest.fixture
def store_tools() -> StoreTools:
    return StoreTools()


class FakeClock:
    """A settable clock for ``Vault(clock=...)``."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def new_store(tmp_path: Path) -> Iterator[tuple[Vault, OpenStore]]:
    """A freshly created store (one supervisor) in ``tmp_path/store``, locked at teardown."""
    vault = Vault(tmp_path / "store")
    opened = vault.create(make_user(), PASSPHRASE)
    try:
        yield vault, opened
    finally:
        try:
            opened.lock()
        except Exception:
            pass  # already locked by the test
