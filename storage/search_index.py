"""The search index inside the encrypted store, and its reads.

``search_keys (key, case_id)`` (created by migration 6) holds, for every case, the keys ``app.search_keys.record_keys``
derives from the case and its person (names in both scripts, skeletons, equivalent-name
groups, case number, documents, phone, nationality, border post). It is a ``WITHOUT
ROWID`` table whose primary key ``(key, case_id)`` is the lookup index; a second index on
``case_id`` lets a case's keys be replaced when its person changes. It lives only in the
encrypted database, like every other row.

``IndexWriter`` keeps it current inside the transaction that changes the records (the
store's ``UnitOfWork`` hands it every put of a case or person and flushes it with its
batched inserts), so the index is committed or rolled back with them.
"""

from __future__ import annotations

import json
from itertools import groupby
from operator import itemgetter
from typing import Any, Callable, Iterable, Sequence

from app.domain.case import Case
from app.domain.codec import from_fields, to_fields
from app.domain.link import CaseLink
from app.domain.person import Person
from app.ports import CaseQuery
from app.search_keys import CASE_FIELDS, PERSON_FIELDS, Lookup, SearchRow, plan, record_keys

Read = Callable[..., Any]  # the store's read: execute(sql, args) after flushing pending inserts

_INSERT = "INSERT OR IGNORE INTO search_keys (key, case_id) VALUES (?, ?)"


def rebuild(db: Any, chunk: int = 5000) -> int:
    """(Re)write the keys of every case from the stored rows; returns how many were written.

    Used by the migration that creates the index, and by any later migration that changes
    how keys are derived (the derivation is code: a change to it ships with a rebuild).
    """
    db.execute("DELETE FROM search_keys")
    cursor = db.execute("SELECT c.id, c.data, p.data FROM cases c JOIN persons p ON p.id = c.person_id")
    written = 0
    while True:
        batch = cursor.fetchmany(chunk)
        if not batch:
            return written
        rows = [(key, case_id) for case_id, case_data, person_data in batch
                for key in record_keys(json.loads(case_data), json.loads(person_data))]
        db.executemany(_INSERT, rows)
        written += len(rows)


class IndexWriter:
    """The index changes of one transaction, written at the transaction's flush points."""

    def __init__(self) -> None:
        self._persons: dict[str, dict[str, Any]] = {}  # persons put in this transaction
        self._new_cases: dict[str, dict[str, Any]] = {}
        self._changed_cases: dict[str, dict[str, Any]] = {}
        self._changed_persons: set[str] = set()

    def note(self, record: Any, fields: dict[str, Any], previous: Any | None) -> None:
        """Called by ``UnitOfWork.put`` for every record; only cases and persons matter."""
        if isinstance(record, Person):
            self._persons[record.id] = fields
            if previous is not None and _differ(fields, previous, PERSON_FIELDS):
                self._changed_persons.add(record.id)
        elif isinstance(record, Case):
            if previous is None:
                self._new_cases[record.id] = fields
            elif _differ(fields, previous, CASE_FIELDS):
                self._changed_cases[record.id] = fields

    def reindex_person(self, person_id: str) -> None:
        """Index again the cases of a person stored after them (received from another device)."""
        self._changed_persons.add(person_id)

    def flush(self, db: Any) -> None:
        if not (self._new_cases or self._changed_cases or self._changed_persons):
            return
        changed = dict(self._changed_cases)
        for person_id in self._changed_persons:
            for case_id, data in db.execute("SELECT id, data FROM cases WHERE person_id = ?", (person_id,)):
                changed.setdefault(case_id, json.loads(data))
        if changed:
            db.executemany("DELETE FROM search_keys WHERE case_id = ?", [(cid,) for cid in changed])
        rows: list[tuple[str, str]] = []
        for case_id, fields in (*self._new_cases.items(), *changed.items()):
            person = self._person(db, fields.get(Case.WIRE["person_id"]))
            if person is not None:
                rows += [(key, case_id) for key in record_keys(fields, person)]
        if rows:
            rows.sort()  # in key order, the B-tree is filled page after page, not all over
            db.executemany(_INSERT, rows)
        self._new_cases.clear()
        self._changed_cases.clear()
        self._changed_persons.clear()

    def _person(self, db: Any, person_id: str | None) -> dict[str, Any] | None:
        if person_id in self._persons:
            return self._persons[person_id]
        row = db.execute("SELECT data FROM persons WHERE id = ?", (person_id,)).fetchone()
        return json.loads(row[0]) if row else None


def _differ(fields: dict[str, Any], previous: Any, names: Sequence[str]) -> bool:
    before = to_fields(previous)
    return any(fields.get(n) != before.get(n) for n in names)


# --- reads ----------------------------------------------------------------------------------

def _after(prefix: str) -> str:
    """The smallest string after every string that starts with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _visibility(query: CaseQuery) -> tuple[str, list[Any]]:
    """Conditions on ``cases c`` that keep the cases a session may see (as the case list does)."""
    clauses, args = [], []
    if query.scope_ids is not None:
        clauses.append(f"c.scope_id IN ({','.join('?' * len(query.scope_ids))})")
        args += sorted(query.scope_ids)
    if query.border_posts:
        clauses.append(f"c.border_post IN ({','.join('?' * len(query.border_posts))})")
        args += sorted(query.border_posts)
    return " AND ".join(clauses), args


def _join(query: CaseQuery | None, alias: str) -> tuple[str, list[Any]]:
    visible, args = _visibility(query) if query is not None else ("", [])
    return (f" CROSS JOIN cases c ON c.id = {alias}.case_id AND {visible}" if visible else ""), args


def lookup(read: Read, lookups: Sequence[Lookup], query: CaseQuery | None, cap: int) -> list[set[str]]:
    """For each lookup, the cases with a key it matches (at most ``cap`` for a prefix).

    Exact keys are read together in one statement (``CROSS JOIN`` keeps the loops in that
    order: each key, then its entries of the index). With ``query``, only the cases it may
    see (a join per entry: slower); without, every case: the caller keeps a few and checks
    those (``rows`` applies the visibility again).
    """
    join, visible_args = _join(query, "k")
    found: list[set[str]] = [set() for _ in lookups]
    exact = [i for i, item in enumerate(lookups) if not item.prefix]
    if exact:
        rows = read(f"SELECT j.key, k.case_id FROM json_each(?) j CROSS JOIN search_keys k ON k.key = j.value{join}"
                    " LIMIT ?", [json.dumps([lookups[i].key for i in exact])] + visible_args
                    + [cap * len(exact)]).fetchall()
        for position, group in groupby(rows, key=itemgetter(0)):
            found[exact[position]] = set(map(itemgetter(1), group))
    for i, item in enumerate(lookups):
        if item.prefix:
            rows = read(f"SELECT k.case_id FROM search_keys k{join} WHERE k.key >= ? AND k.key < ? LIMIT ?",
                        visible_args + [item.key, _after(item.key), cap]).fetchall()
            found[i] = set(map(itemgetter(0), rows))
    return found


_ROW_SQL = (
    "SELECT c.id, c.case_number, c.state, c.border_post, c.detected_on, c.scope_id, p.id, p.name_ar,"
    " p.name_latin, json_extract(p.data, '$.prs_OtherNames'), p.sex, p.nationality,"
    " coalesce(json_extract(p.data, '$.prs_BirthYear'), substr(json_extract(p.data, '$.prs_Birthdate'), 1, 4)),"
    " json_extract(c.data, '$.cas_ClosureReason'){extra}"
    " FROM json_each(?) j CROSS JOIN cases c ON c.id = j.value CROSS JOIN persons p ON p.id = c.person_id{where}"
)


def rows(read: Read, case_ids: Iterable[str], query: CaseQuery, *, full: bool = False) -> list[SearchRow]:
    """The candidate cases for ranking (visibility applied again: never more than the list)."""
    ids = list(dict.fromkeys(case_ids))
    if not ids:
        return []
    visible, visible_args = _visibility(query)
    sql = _ROW_SQL.format(extra=", p.data" if full else "", where=f" WHERE {visible}" if visible else "")
    out = []
    for r in read(sql, [json.dumps(ids)] + visible_args).fetchall():
        birth = r[12]
        out.append(SearchRow(
            case_id=r[0], case_number=r[1], state=r[2], border_post=r[3], detected_on=r[4], scope_id=r[5],
            person_id=r[6], name_ar=r[7], name_latin=r[8],
            other_names=tuple(json.loads(r[9])) if r[9] else (), sex=r[10], nationality=r[11],
            birth_year=int(birth) if birth not in (None, "") and str(birth).isdigit() else None,
            closure_reason=r[13], person=json.loads(r[14]) if full else None,
        ))
    return out


def links_of(read: Read, case_id: str) -> list[CaseLink]:
    """Every link from or to a case, oldest first."""
    found = read("SELECT id, data FROM case_links WHERE case_id = ? UNION"
                 " SELECT id, data FROM case_links WHERE other_case_id = ?", (case_id, case_id)).fetchall()
    links = [from_fields(CaseLink, rid, json.loads(data)) for rid, data in found]
    return sorted(links, key=lambda link: (link.linked_at, link.id))


def text_filter(text: str) -> tuple[str, list[Any]]:
    """The case list's text filter over the index: every word of ``text`` must hit.

    A word hits a case when any of its lookups does (its spellings, skeletons, equivalent
    names, the start of the last word being typed, a case number, document or phone).
    Text with nothing to look up matches no case.
    """
    terms = plan(text, typing=True).terms
    if not terms:
        return "0", []
    clauses: list[str] = []
    args: list[Any] = []
    for term in terms:
        subs = []
        for item in term.lookups:
            if item.prefix:
                subs.append("SELECT case_id FROM search_keys WHERE key >= ? AND key < ?")
                args += [item.key, _after(item.key)]
            else:
                subs.append("SELECT case_id FROM search_keys WHERE key = ?")
                args.append(item.key)
        clauses.append(f"c.id IN ({' UNION ALL '.join(subs)})")
    return " AND ".join(clauses), args
