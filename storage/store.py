"""The case store over an open SQLCipher connection (implements ``app.ports.CaseStore``).

Every write happens in one ``BEGIN IMMEDIATE`` transaction: the record change, one outbox
row per changed field (record, field, value, dot, supersedes, as in SYNC.md) and the
chained audit entry. Either all of it is committed or none of it.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import date, datetime, timezone
from pathlib import Path
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, TypeVar

import sqlcipher3

from app.domain.audit import GENESIS, AuditEntry, AuditEvent, chain_hash
from app.domain.case import Case
from app.domain.codec import decode, encode, from_fields, to_fields
from app.domain.person import Person
from app.domain.referral import FollowUpTask, Referral
from app.domain.user import User
from app.domain.values import CaseState, Sex
from app.errors import StaleRecord, StoreCorrupted
from app.merge import Write
from app.ports import ApplyResult, CaseQuery, CaseRow, StatsFacts
from storage.database import is_corruption
from storage.migrations import (
    SORT_NAME_BACKFILL, STATS_CASE_FIELDS, STATS_PERSON_FIELDS, STATS_REFERRAL_FIELDS, STATS_SCREENING_FIELDS,
)
from storage import merge_state, search_index
from storage.search_index import IndexWriter
from storage.tables import BY_RECORD_TYPE, TABLES, Table

R = TypeVar("R")

_SORT_SQL = {  # never NULL, so a row value can say "after this row"
    "opened_at": "c.opened_at",
    "detected_on": "c.detected_on",
    "case_number": "c.case_number",
    "state": "c.state",
    "border_post": "coalesce(c.border_post, '')",
    "name": "c.sort_name",
}


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def dumps(value: Any) -> str:
    """Compact, key-sorted JSON (one shared encoder: ``json.dumps`` builds one per call)."""
    return _ENCODER.encode(value)


def stored(fields: dict[str, Any]) -> dict[str, Any]:
    """The field dictionary as stored: empty fields (None, []) are left out."""
    return {k: v for k, v in fields.items() if v is not None and v != []}


def expand_dots(dots: dict[str, list], device_id: str) -> dict[str, list[tuple[str, int]]]:
    """Stored dots with this device's counters written out as ``(device, counter)``."""
    return {field: [(device_id, d) if isinstance(d, int) else (d[0], d[1]) for d in dot_list]
            for field, dot_list in dots.items()}


@dataclass(frozen=True)
class FieldWrite:
    """One field write of the outbox, in the shape of SYNC.md."""

    seq: int  # the outbox row (record change) it belongs to
    record_type: str
    record_id: str
    field: str
    value: Any
    dot: tuple[str, int]
    supersedes: tuple[tuple[str, int], ...]
    written_at: str


class SqlCipherStore:
    def __init__(self, db: sqlcipher3.Connection) -> None:
        self.db = db
        self._lock = threading.RLock()
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        self.store_id: str = meta["store_id"]
        self.device_id: str = meta["device_id"]
        self.device_code: str = meta["device_code"]
        self._active: UnitOfWork | None = None
        self.path = str(Path(db.execute("PRAGMA database_list").fetchone()[2]).parent)

    # --- writing ------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator["UnitOfWork"]:
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                uow = self._active = UnitOfWork(self)
                yield uow
                uow.flush()
                self.db.execute("COMMIT")
            except BaseException as exc:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                if is_corruption(exc):
                    raise StoreCorrupted(path=self.path, detail="a damaged page was met; nothing was written") from exc
                raise
            finally:
                self._active = None

    def _read(self, sql: str, args: Any = ()) -> Any:
        """Reads inside a transaction first write its batched inserts, so they see them."""
        if self._active is not None:
            self._active._flush_inserts()
        return self.db.execute(sql, args)

    # --- reading ------------------------------------------------------------------------
    def get(self, cls: type[R], record_id: str) -> R | None:
        table = TABLES[cls]
        row = self._read(f"SELECT data FROM {table.name} WHERE id = ?", (record_id,)).fetchone()
        return from_fields(cls, record_id, json.loads(row[0])) if row else None

    def for_case(self, cls: type[R], case_id: str) -> list[R]:
        table = TABLES[cls]
        rows = self._read(  # rowid: records of the same second in the order they were written
            f"SELECT id, data FROM {table.name} WHERE case_id = ? ORDER BY at, rowid", (case_id,)
        ).fetchall()
        return [from_fields(cls, rid, json.loads(data)) for rid, data in rows]

    def all_records(self, cls: type[R]) -> list[R]:
        """Every record of a small table (the service directory), in storage order."""
        table = TABLES[cls]
        rows = self._read(f"SELECT id, data FROM {table.name} ORDER BY rowid").fetchall()
        return [from_fields(cls, rid, json.loads(data)) for rid, data in rows]

    def count_records(self, cls: type) -> int:
        return int(self._read(f"SELECT count(*) FROM {TABLES[cls].name}").fetchone()[0])

    def open_tasks(self, assigned_to: str, due_until: date) -> list[FollowUpTask]:
        """Tasks of a user not done yet and due on or before ``due_until``, soonest first."""
        rows = self._read(
            "SELECT id, data FROM tasks WHERE done = 0 AND assigned_to = ? AND due_on <= ?"
            " ORDER BY due_on, at, rowid", (assigned_to, due_until.isoformat())).fetchall()
        return [from_fields(FollowUpTask, rid, json.loads(data)) for rid, data in rows]

    def referrals_waiting(self, referred_by: str, sent_before: datetime) -> list[Referral]:
        """Referrals a user sent before a moment that have no answer yet, oldest first."""
        rows = self._read(
            "SELECT id, data FROM referrals WHERE status = 'sent' AND at < ?"
            " AND json_extract(data, '$.hmy_ReferredBy') = ? ORDER BY at, rowid",
            (encode(sent_before), referred_by)).fetchall()
        return [from_fields(Referral, rid, json.loads(data)) for rid, data in rows]

    def fields_of(self, record_type: str, record_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The stored field dictionary and the dots of its fields (for sync and tests)."""
        table = BY_RECORD_TYPE[record_type]
        row = self._read(f"SELECT data, dots FROM {table.name} WHERE id = ?", (record_id,)).fetchone()
        return (json.loads(row[0]), expand_dots(json.loads(row[1]), self.device_id)) if row else None

    def _where(self, query: CaseQuery) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        args: list[Any] = []
        if query.scope_ids is not None:
            clauses.append(f"c.scope_id IN ({','.join('?' * len(query.scope_ids))})")
            args += sorted(query.scope_ids)
        if query.states:
            clauses.append(f"c.state IN ({','.join('?' * len(query.states))})")
            args += sorted(s.value for s in query.states)
        if query.border_posts:
            clauses.append(f"c.border_post IN ({','.join('?' * len(query.border_posts))})")
            args += sorted(query.border_posts)
        if query.assigned_to:
            clauses.append("c.assigned_to = ?")
            args.append(query.assigned_to)
        if query.detected_from:
            clauses.append("c.detected_on >= ?")
            args.append(query.detected_from.isoformat())
        if query.detected_to:
            clauses.append("c.detected_on <= ?")
            args.append(query.detected_to.isoformat())
        if query.text.strip():
            # Every word must hit the search index (names in both scripts, numbers …).
            clause, text_args = search_index.text_filter(query.text)
            clauses.append(clause)
            args += text_args
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", args

    def list_cases(self, query: CaseQuery) -> list[CaseRow]:
        where, args = self._where(query)
        key = _SORT_SQL[query.sort]
        order = key + (" DESC" if query.descending else " ASC")
        if query.after_id is not None:
            # Keyset paging: the rows strictly after (sort key, id) of the given case.
            after = (f"({key}, c.id) {'<' if query.descending else '>'} "
                     f"((SELECT {key} FROM cases c WHERE c.id = ?), ?)")
            where = (where + " AND " if where else " WHERE ") + after
            args = args + [query.after_id, query.after_id]
        rows = self._read(
            "SELECT c.id, c.case_number, c.state, p.name_ar, p.name_latin, p.sex, p.nationality,"
            " c.border_post, c.detected_on, c.opened_at, c.assigned_to, c.scope_id"
            " FROM cases c JOIN persons p ON p.id = c.person_id"
            f"{where} ORDER BY {order}, c.id {'DESC' if query.descending else 'ASC'} LIMIT ? OFFSET ?",
            args + [max(0, query.limit), max(0, query.offset)],
        ).fetchall()
        return [
            CaseRow(
                id=r[0], case_number=r[1], state=CaseState(r[2]), name_ar=r[3], name_latin=r[4],
                sex=Sex(r[5]) if r[5] else Sex.UNKNOWN, nationality=r[6], border_post=r[7],
                detected_on=decode(r[8], date), opened_at=decode(r[9], datetime),
                assigned_to=r[10], scope_id=r[11],
            )
            for r in rows
        ]

    def count_cases(self, query: CaseQuery) -> int:
        where, args = self._where(query)
        join = " JOIN persons p ON p.id = c.person_id" if query.text.strip() else ""
        return int(self._read(f"SELECT count(*) FROM cases c{join}{where}", args).fetchone()[0])

    def stats_facts(self, query: CaseQuery, *, answer_item: str) -> Iterator[StatsFacts]:
        """The facts statistics count, for every case ``count_cases(query)`` counts.

        Read from the covering indexes of migration 7 (``storage.migrations.STATS_*_FIELDS``),
        never from the records: the cases with the list's filters, then the completed
        screenings, the referrals (withdrawn ones left out) and the persons, each in one pass
        over its index; no record is decoded (nor validated). An ``answer_item`` other than
        the indexed one is read from the screenings themselves (correct, slower).
        """
        where, args = self._where(query)
        cases = self._read(
            f"SELECT c.id, c.state, c.border_post, c.detected_on, c.person_id, {_fields('c', STATS_CASE_FIELDS)}"
            f" FROM cases c INDEXED BY cases_stats{where}", args).fetchall()
        ids = {row[0] for row in cases} if where else None
        latest: dict[str, tuple[str, Any]] = {}  # case → (completed at, recommendation)
        answered: dict[str, tuple[str, Any]] = {}  # case → (completed at, the answer)
        item = STATS_SCREENING_FIELDS[2]
        if answer_item != "exploitation_form":
            item = f"json_extract(data, '$.hmy_Answers.{answer_item}')" if _ITEM.match(answer_item) else "NULL"
        for case_id, at, recommendation, answer in self._read(
                f"SELECT case_id, {STATS_SCREENING_FIELDS[0]}, {STATS_SCREENING_FIELDS[1]}, {item}"
                " FROM screenings WHERE status = 'completed'"):
            if ids is not None and case_id not in ids:
                continue
            at = at or ""
            if case_id not in latest or at >= latest[case_id][0]:
                latest[case_id] = (at, recommendation)
            if answer is not None and (case_id not in answered or at >= answered[case_id][0]):
                answered[case_id] = (at, answer)
        asked: dict[str, set[str]] = {}
        for case_id, categories in self._read(
                f"SELECT case_id, {STATS_REFERRAL_FIELDS[0]} FROM referrals WHERE status != 'withdrawn'"):
            if categories and (ids is None or case_id in ids):
                asked.setdefault(case_id, set()).update(_SCAN(categories, 0)[0])
        persons = {row[0]: row[1:] for row in self._read(
            f"SELECT id, sex, nationality, {_fields('p', STATS_PERSON_FIELDS)} FROM persons p"
            " INDEXED BY persons_stats WHERE p.id > ''")}
        none: tuple[Any, Any] = ("", None)
        missing = (None,) * 5
        for case_id, state, post, detected_on, person_id, closure, outcome, agency in cases:
            categories = asked.get(case_id)
            yield StatsFacts(state, closure, outcome, post, agency, detected_on, *persons.get(person_id, missing),
                             answered.get(case_id, none)[1], latest.get(case_id, none)[1],
                             tuple(sorted(categories)) if categories else ())

    # --- search (storage/search_index.py) -----------------------------------------------
    def search_lookup(self, lookups: Any, query: CaseQuery | None, cap: int) -> list[set[str]]:
        return search_index.lookup(self._read, lookups, query, cap)

    def search_rows(self, case_ids: Any, query: CaseQuery, *, full: bool = False) -> list[Any]:
        return search_index.rows(self._read, case_ids, query, full=full)

    def case_links(self, case_id: str) -> list[Any]:
        return search_index.links_of(self._read, case_id)

    def users(self) -> list[User]:
        rows = self._read("SELECT id, data FROM users ORDER BY username").fetchall()
        return [from_fields(User, rid, json.loads(data)) for rid, data in rows]

    def user_by_name(self, username: str) -> User | None:
        row = self._read("SELECT id, data FROM users WHERE username = ?", (username,)).fetchone()
        return from_fields(User, row[0], json.loads(row[1])) if row else None

    def audit_entries(self, record_id: str | None = None, limit: int | None = None) -> list[AuditEntry]:
        sql = "SELECT seq, at, actor_id, device_id, action, record_type, record_id, details, prev_hash, hash FROM audit"
        args: list[Any] = []
        if record_id is not None:
            sql += " WHERE record_id = ?"
            args.append(record_id)
        sql += " ORDER BY seq"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [_entry(row) for row in self.db.execute(sql, args)]

    def iter_audit(self) -> Iterator[AuditEntry]:
        cursor = self.db.execute(
            "SELECT seq, at, actor_id, device_id, action, record_type, record_id, details, prev_hash, hash"
            " FROM audit ORDER BY seq")
        for row in cursor:
            yield _entry(row)

    def audit_after(self, seq: int, limit: int) -> list[AuditEntry]:
        """The audit entries after ``seq``, oldest first (at most ``limit``)."""
        return [_entry(row) for row in self.db.execute(
            "SELECT seq, at, actor_id, device_id, action, record_type, record_id, details, prev_hash, hash"
            " FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", (seq, max(1, limit)))]

    def outbox(self, after_seq: int = 0) -> Iterator[FieldWrite]:
        """The field writes waiting to be sent, oldest first (dots written out in full)."""
        rows = self.db.execute(
            "SELECT seq, record_type, record_id, written_at, writes FROM outbox WHERE seq > ? AND relay_scope IS NULL"
            " ORDER BY seq",
            (after_seq,))
        for seq, rtype, rid, written_at, writes in rows:
            for field, value, counter, supersedes in json.loads(writes):
                expanded = expand_dots({field: supersedes}, self.device_id)[field]
                yield FieldWrite(seq, rtype, rid, field, value, (self.device_id, counter),
                                 tuple(expanded), written_at)

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def close(self) -> None:
        with self._lock:
            self.db.close()


_SCAN = json.JSONDecoder().scan_once


def _fields(alias: str, expressions: tuple[str, ...]) -> str:
    """The indexed expressions, on the table named ``alias`` in the query."""
    return ", ".join(e.replace("(data,", f"({alias}.data,") for e in expressions)


_ITEM = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,59}$")  # a checklist item id (it goes into a JSON path)


def _entry(row: tuple) -> AuditEntry:
    event = AuditEvent(
        action=row[4], at=datetime.fromisoformat(row[1]), actor_id=row[2], device_id=row[3],
        record_type=row[5], record_id=row[6], details=json.loads(row[7]),
    )
    return AuditEntry(seq=row[0], event=event, prev_hash=row[8], hash=row[9])


class UnitOfWork:
    """The writes of one transaction (``app.ports.UnitOfWork``)."""

    def __init__(self, store: SqlCipherStore) -> None:
        self.store = store
        self.db = store.db
        meta = dict(self.db.execute(
            "SELECT key, value FROM meta WHERE key IN ('write_counter', 'case_counter')").fetchall())
        self._counter = int(meta.get("write_counter", 0))
        self._case_counter = int(meta.get("case_counter", 0))
        self._start = (self._counter, self._case_counter)
        head = self.db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        self._audit_seq, self._audit_hash = (head[0], head[1]) if head else (0, GENESIS)
        self._outbox: list[tuple] = []
        self._audit_rows: list[tuple] = []
        self._inserts: dict[str, tuple[str, Table, list[list[Any]]]] = {}
        self._new_cases: list[tuple[str]] = []
        self._renamed: list[tuple[str]] = []
        self._search = IndexWriter()  # the search index follows the cases and persons put here
        self._now = _now_text()
        #: Field registers of records with merge state changed here, written at the flush.
        self._merge: dict[tuple[str, str], merge_state.Pending] = {}

    def put(self, record: Any, previous: Any | None = None, force: frozenset[str] = frozenset()) -> None:
        """Insert or update ``record``; a field named in ``force`` is written even when its
        value is unchanged (a conflict resolved by keeping the value shown)."""
        table: Table = TABLES[type(record)]
        fields = to_fields(record)
        registers = None
        if previous is None:
            old_fields: dict[str, Any] = {}
            dots: dict[str, list] = {}
        else:
            self._flush_inserts()  # the record may have been inserted earlier in this transaction
            # One lookup: the row, and the merge state of a record that ever received a remote write.
            row = self.db.execute(
                f"SELECT t.data, t.dots, m.registers FROM {table.name} t LEFT JOIN merge_state m"
                " ON m.record_type = ? AND m.record_id = t.id WHERE t.id = ?",
                (record.RECORD_TYPE, record.id)).fetchone()
            if row is None or json.loads(row[0]) != stored(to_fields(previous)):
                raise StaleRecord(kind=record.RECORD_TYPE)
            old_fields, dots = json.loads(row[0]), json.loads(row[1])
            key = (record.RECORD_TYPE, record.id)
            if key in self._merge:
                registers = self._merge[key]
            elif row[2] is not None:
                registers = self._merge[key] = merge_state.Pending(merge_state.load_registers(row[2]))
        writes = []
        for name, value in fields.items():
            if name not in force and (
                    old_fields.get(name) == value or (name not in old_fields and (value is None or value == []))):
                continue  # unchanged, or empty and never written
            self._counter += 1
            superseded = dots.get(name, [])
            if registers is not None:  # the write supersedes every live write (a conflict is resolved)
                superseded = registers.write(record, name, value, self.store.device_id, self._counter, self._now)
            writes.append([name, value, self._counter, superseded])
            dots[name] = [self._counter]  # this device's dot, stored as its counter
        if writes:
            left = previous.scope_id if (isinstance(record, Case) and previous is not None
                                         and previous.scope_id != record.scope_id) else None
            self._outbox.append((record.RECORD_TYPE, record.id, self._now, dumps(writes), left))
        if previous is None and isinstance(record, Case):
            self._keep_case_counter_ahead(record.case_number)
        self.write_row(record, fields, dots, previous)

    def write_row(self, record: Any, fields: dict[str, Any], dots: dict[str, list], previous: Any | None) -> None:
        """Store the row of ``record`` (inserted when ``previous`` is None) with its index
        columns, the case list's sort name and the search index, as every put does."""
        table: Table = TABLES[type(record)]
        values = [record.id, dumps(stored(fields)), dumps(dots), *(fn(record, fields) for fn in table.columns.values())]
        insert, update = _statements(table)
        if isinstance(record, Case) and previous is None:
            self._new_cases.append((record.id,))
        elif isinstance(record, Person) and previous is not None:
            self._renamed.append((record.id,))
        self._search.note(record, fields, previous)
        if previous is None:
            # Batched until the end of the transaction (or the next read); a duplicate id
            # fails the batch there and the whole transaction is rolled back.
            self._inserts.setdefault(table.name, (insert, table, []))[2].append(values)
        else:
            self.db.execute(update, values[1:] + [record.id])

    def _flush_inserts(self) -> None:
        for insert, table, rows in self._inserts.values():
            try:
                self.db.executemany(insert, rows)
            except sqlcipher3.IntegrityError:
                raise StaleRecord(kind=table.cls.RECORD_TYPE) from None
        self._inserts.clear()
        # The list sorts cases by their person's name, copied onto the case.
        if self._new_cases:
            self.db.executemany(SORT_NAME_BACKFILL + " WHERE id = ?", self._new_cases)
            self._new_cases.clear()
        if self._renamed:
            self.db.executemany(SORT_NAME_BACKFILL + " WHERE person_id = ?", self._renamed)
            self._renamed.clear()
        self._search.flush(self.db)

    def audit(self, event: AuditEvent) -> None:
        self._audit_seq += 1
        digest = chain_hash(self._audit_hash, event, self._audit_seq)
        self._audit_rows.append((
            self._audit_seq, event.at.isoformat(), event.actor_id, event.device_id, event.action,
            event.record_type, event.record_id, dumps(dict(event.details)), self._audit_hash, digest,
        ))
        self._audit_hash = digest

    def _keep_case_counter_ahead(self, case_number: str) -> None:
        """A case numbered elsewhere on this device (demo data) never collides with the next one."""
        _prefix, _year, code, serial = case_number.split("-", 3)
        if code == self.store.device_code:
            self._case_counter = max(self._case_counter, int(serial))

    def next_case_number(self, year: int) -> str:
        self._case_counter += 1
        return f"HMY-{year:04d}-{self.store.device_code}-{self._case_counter:05d}"

    def apply_remote(self, writes: list[Write]) -> ApplyResult:
        """Merge field writes of other devices into their records (``storage.merge_state``)."""
        self._flush_inserts()
        self._flush_merge()
        return merge_state.apply_writes(self, writes)

    def person_arrived(self, person_id: str) -> None:
        """A person stored after its case (writes received in that order): the case list
        gets the name to sort on and the search index the case's keys."""
        self._renamed.append((person_id,))
        self._search.reindex_person(person_id)

    def _actor(self) -> str | None:
        """The username of whoever the transaction's first audit event names."""
        actor_id = self._audit_rows[0][2] if self._audit_rows else None
        if actor_id is None:
            return None
        row = self.db.execute("SELECT username FROM users WHERE id = ?", (actor_id,)).fetchone()
        return row[0] if row else None

    def _flush_merge(self, actor: str | None = None) -> None:
        if self._merge:
            merge_state.save_local(self.db, self._merge, self.store.device_id, self._start[0],
                                   actor if actor is not None else self._actor() or "")
            self._merge.clear()

    def flush(self) -> None:
        self._flush_inserts()
        actor = self._actor() if (self._outbox or self._merge) else None
        self._flush_merge(actor or "")
        if self._outbox:
            self.db.executemany(
                "INSERT INTO outbox (record_type, record_id, written_at, writes, left_scope, actor)"
                " VALUES (?,?,?,?,?,?)", [(*row, actor) for row in self._outbox])
            self._outbox.clear()
        if self._audit_rows:
            self.db.executemany(
                "INSERT INTO audit (seq, at, actor_id, device_id, action, record_type, record_id, details,"
                " prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)", self._audit_rows)
            self._audit_rows.clear()
        if (self._counter, self._case_counter) != self._start:
            self.db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                [("write_counter", str(self._counter)), ("case_counter", str(self._case_counter))])
            self._start = (self._counter, self._case_counter)


_STATEMENTS: dict[str, tuple[str, str]] = {}


def _statements(table: Table) -> tuple[str, str]:
    """The INSERT and UPDATE statements of a table (built once)."""
    if table.name not in _STATEMENTS:
        names = ["id", "data", "dots", *table.columns]
        insert = f"INSERT INTO {table.name} ({','.join(names)}) VALUES ({','.join('?' * len(names))})"
        update = f"UPDATE {table.name} SET {','.join(f'{n} = ?' for n in names[1:])} WHERE id = ?"
        _STATEMENTS[table.name] = (insert, update)
    return _STATEMENTS[table.name]


def _now_text() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
