"""In-memory stand-ins for the ports of ``app.ports`` (CaseStore, UnitOfWork, KeyStore, Clock).

They keep records in dictionaries, apply a transaction only when its block ends without an
exception, and chain audit entries exactly as the real store must, so service tests can
check what was (and was not) written.
"""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterator

from app.domain.audit import GENESIS, AuditEntry, AuditEvent, chain_hash
from app.domain.case import Case
from app.domain.checks import new_id
from app.domain.person import Person
from app.domain.referral import FollowUpTask, Referral, ReferralStatus
from app.domain.user import Session, User
from app.domain.values import Role
from app.errors import StaleRecord
from app.domain.screening import Screening
from app.ports import CaseQuery, CaseRow, StatsFacts
from app.stats import facts_from_records


class FakeClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime.now(timezone.utc).replace(microsecond=0)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class FakeUnitOfWork:
    """Stages puts and audit events; the store applies them on commit."""

    def __init__(self, store: "FakeCaseStore") -> None:
        self.store = store
        self.staged: dict[tuple[type, str], Any] = dict(store.records)
        self.changes: list[tuple[Any, Any | None]] = []
        self.events: list[AuditEvent] = []

    def put(self, record: Any, previous: Any | None = None, force: frozenset[str] = frozenset()) -> None:
        # ``force`` (write a field even when unchanged) only matters to the real outbox
        key = (type(record), record.id)
        current = self.staged.get(key)
        if previous is None:
            if current is not None:
                raise ValueError(f"{type(record).__name__} {record.id} already exists; give previous")
        else:
            if previous.id != record.id or type(previous) is not type(record):
                raise ValueError("previous is another record")
            if current != previous:
                raise StaleRecord(kind=type(record).RECORD_TYPE)
        self.staged[key] = record
        self.changes.append((record, previous))

    def audit(self, event: AuditEvent) -> None:
        if not isinstance(event, AuditEvent):
            raise TypeError("not an AuditEvent")
        self.events.append(event)

    def next_case_number(self, year: int) -> str:
        self.store.case_counter += 1
        return f"HMY-{year}-ABCD-{self.store.case_counter:05d}"


class FakeCaseStore:
    """A dictionary-backed ``CaseStore``."""

    def __init__(self, device_id: str = "device-test-1") -> None:
        self.device_id = device_id
        self.records: dict[tuple[type, str], Any] = {}
        self.changes: list[tuple[Any, Any | None]] = []  # every committed put, in order
        self.entries: list[AuditEntry] = []
        self.case_counter = 0
        self.commits = 0
        self.rollbacks = 0

    # --- writing ------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[FakeUnitOfWork]:
        uow = FakeUnitOfWork(self)
        try:
            yield uow
        except BaseException:
            self.rollbacks += 1
            raise
        self.records = uow.staged
        self.changes.extend(uow.changes)
        for event in uow.events:
            seq = len(self.entries) + 1
            prev = self.entries[-1].hash if self.entries else GENESIS
            self.entries.append(AuditEntry(seq, event, prev, chain_hash(prev, event, seq)))
        self.commits += 1

    def seed(self, *records: Any) -> None:
        """Put records directly (test set-up), without audit."""
        for record in records:
            self.records[(type(record), record.id)] = record

    # --- reading ------------------------------------------------------------------------
    def get(self, cls: type, record_id: str) -> Any:
        return self.records.get((cls, record_id))

    def all(self, cls: type) -> list[Any]:
        return [r for (c, _), r in self.records.items() if c is cls]

    def for_case(self, cls: type, case_id: str) -> list[Any]:
        return [r for r in self.all(cls) if getattr(r, "case_id", None) == case_id]

    def all_records(self, cls: type) -> list[Any]:
        return self.all(cls)

    def count_records(self, cls: type) -> int:
        return len(self.all(cls))

    def open_tasks(self, assigned_to: str, due_until: date) -> list[Any]:
        tasks = [t for t in self.all(FollowUpTask)
                 if not t.done and t.assigned_to == assigned_to and t.due_on <= due_until]
        return sorted(tasks, key=lambda t: (t.due_on, t.created_at))

    def referrals_waiting(self, referred_by: str, sent_before: datetime) -> list[Any]:
        found = [r for r in self.all(Referral) if r.status is ReferralStatus.SENT
                 and r.referred_by == referred_by and r.referred_at < sent_before]
        return sorted(found, key=lambda r: r.referred_at)

    def _matching(self, query: CaseQuery) -> list[Case]:
        found = []
        for case in self.all(Case):
            if query.scope_ids is not None and case.scope_id not in query.scope_ids:
                continue
            if query.border_posts and case.border_post not in query.border_posts:
                continue
            if query.states and case.state not in query.states:
                continue
            if query.assigned_to is not None and case.assigned_to != query.assigned_to:
                continue
            if query.detected_from is not None and case.detected_on < query.detected_from:
                continue
            if query.detected_to is not None and case.detected_on > query.detected_to:
                continue
            found.append(case)
        found.sort(key=lambda c: str(getattr(c, query.sort, "") or ""), reverse=query.descending)
        return found

    def list_cases(self, query: CaseQuery) -> list[CaseRow]:
        rows = []
        for case in self._matching(query)[query.offset:query.offset + query.limit]:
            person = self.get(Person, case.person_id)
            rows.append(CaseRow(
                id=case.id, case_number=case.case_number, state=case.state,
                name_ar=person.display_name_ar if person else "",
                name_latin=person.display_name_latin if person else "",
                sex=person.sex, nationality=person.nationality if person else None,
                border_post=case.border_post, detected_on=case.detected_on,
                opened_at=case.opened_at, assigned_to=case.assigned_to, scope_id=case.scope_id,
            ))
        return rows

    def count_cases(self, query: CaseQuery) -> int:
        return len(self._matching(query))

    def stats_facts(self, query: CaseQuery, *, answer_item: str) -> Iterator[StatsFacts]:
        for case in self._matching(query):
            yield facts_from_records(case, self.get(Person, case.person_id), self.for_case(Screening, case.id),
                                     self.for_case(Referral, case.id), answer_item)

    def users(self) -> list[User]:
        return self.all(User)

    def user_by_name(self, username: str) -> User | None:
        for user in self.all(User):
            if user.username == username:
                return user
        return None

    def audit_entries(self, record_id: str | None = None, limit: int | None = None) -> list[AuditEntry]:
        entries = [e for e in self.entries if record_id is None or e.event.record_id == record_id]
        return entries[-limit:] if limit else entries

    def actions(self) -> list[str]:
        return [e.event.action for e in self.entries]


class FakeKeyStore:
    """Per-user passphrases in a dictionary (the real one keeps key wrappings)."""

    def __init__(self) -> None:
        self.wraps: dict[str, tuple[str, str]] = {}
        self.calls: list[tuple[str, str]] = []

    def add_user(self, user_id: str, username: str, passphrase: str) -> None:
        if user_id in self.wraps:
            raise ValueError("already wrapped for this user")
        self.calls.append(("add_user", user_id))
        self.wraps[user_id] = (username, passphrase)

    def set_passphrase(self, user_id: str, username: str, passphrase: str) -> None:
        if user_id not in self.wraps:
            raise KeyError(user_id)
        self.calls.append(("set_passphrase", user_id))
        self.wraps[user_id] = (username, passphrase)

    def remove_user(self, user_id: str) -> None:
        self.calls.append(("remove_user", user_id))
        self.wraps.pop(user_id, None)

    def usernames(self) -> list[str]:
        return [name for name, _ in self.wraps.values()]


# --- people who use the device -------------------------------------------------------------

def make_user(
    username: str,
    role: Role,
    *,
    scope_id: str = "scope-north",
    border_post: str | None = None,
    disabled: bool = False,
    created_at: datetime | None = None,
) -> User:
    return User(
        id=new_id(), username=username, display_name=username.title(), role=role,
        scope_id=scope_id, created_at=created_at or datetime(2025, 1, 6, 8, 0, tzinfo=timezone.utc),
        border_post=border_post, disabled=disabled,
    )


def session_for(user: User, device_id: str = "device-test-1") -> Session:
    return Session(user=user, device_id=device_id)


def replace(record: Any, **changes: Any) -> Any:
    return dataclasses.replace(record, **changes)
