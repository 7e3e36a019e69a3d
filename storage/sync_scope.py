"""Which scope a received write may touch, and what the secretariat relays between scopes.

An envelope is sealed for one scope, and its signer's certificate covers that scope. That
proves the signer may write in that scope, not that every record inside belongs to it. A
device of one scope could otherwise reach a record of another scope held by a device that
holds both (the secretariat holds every scope). So a received write is kept only if its
record's case belongs, or once belonged, to the envelope's scope on this device. There
are two exceptions: the record is not known here yet, or the same envelope moves its case
into that scope (a transfer). "Once belonged" keeps an edit made before a transfer: it
may arrive after the transfer, under the scope the case left.

A transfer also needs the team a case goes to to receive the whole case. A field device
holds only its own scopes' keys, so it cannot seal for the new scope. It sends the change
to the scope the case leaves. The secretariat, which holds every key, relays what it
receives into the scope the record now belongs to. It relays the whole case when the case
moved, and otherwise each write that came in under the case's old scope. Relayed writes
keep their original dots, so a replica that already has them changes nothing.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from app.merge import Write
from storage.merge_state import CASE_OF, CASE_SCOPE, SYNCED
from storage.tables import BY_RECORD_TYPE


def scopes_of(db: Any, record_type: str, record_id: str) -> list[str]:
    """The scopes a stored record belongs to now (empty: not stored here, or not placed)."""
    return sorted({scope for _case, scope in _cases_of(db, record_type, record_id) if scope})


def _cases_of(db: Any, record_type: str, record_id: str) -> list[tuple[str, str]]:
    """(case id, its scope) of the cases a stored record belongs to."""
    if record_type == "case":
        sql, args = "SELECT id, scope_id FROM cases WHERE id = ?", (record_id,)
    elif record_type == "person":
        sql, args = "SELECT id, scope_id FROM cases WHERE person_id = ?", (record_id,)
    elif record_type in BY_RECORD_TYPE and "case_id" in BY_RECORD_TYPE[record_type].columns:
        table = BY_RECORD_TYPE[record_type].name
        sql = f"SELECT c.id, c.scope_id FROM {table} t JOIN cases c ON c.id = t.case_id WHERE t.id = ?"
        args = (record_id,)
    else:
        return []
    return [(row[0], row[1]) for row in db.execute(sql, args).fetchall()]


def case_scope(db: Any, case_id: str) -> str | None:
    row = db.execute("SELECT scope_id FROM cases WHERE id = ?", (case_id,)).fetchone()
    return row[0] if row else None


def scope_history(db: Any, case_id: str) -> set[str]:
    """Every scope a case has belonged to on this device: now, before a transfer made here
    (the outbox says which scope it left) and before a transfer received (migration 8's
    ``case_scope_history``)."""
    seen = {row[0] for row in db.execute(
        "SELECT scope FROM case_scope_history WHERE case_id = ?", (case_id,))}
    seen |= {row[0] for row in db.execute(
        "SELECT left_scope FROM outbox WHERE record_type = 'case' AND record_id = ? AND left_scope IS NOT NULL",
        (case_id,))}
    now = case_scope(db, case_id)
    return seen | ({now} if now else set())


def note_moves(db: Any, writes: Iterable[Write]) -> None:
    """Before received writes are merged: remember the scope of each case they may move."""
    for write in writes:
        if write.record_type == "case" and write.field == CASE_SCOPE:
            now = case_scope(db, write.record_id)
            if now:
                db.execute("INSERT OR IGNORE INTO case_scope_history (case_id, scope) VALUES (?, ?)",
                           (write.record_id, now))


def within_scope(db: Any, scope: str, writes: Iterable[Write]) -> tuple[list[Write], list[Write]]:
    """The writes of an envelope of ``scope`` split into kept and refused: a write is kept
    when its record is not known here, or belongs (or belonged) to a case of this scope,
    or the same envelope moves its case into this scope."""
    writes = list(writes)
    moved_in = {w.record_id for w in writes
                if w.record_type == "case" and w.field == CASE_SCOPE and w.value == scope}
    case_of = {w.record_id: w.value for w in writes if w.field == CASE_OF and isinstance(w.value, str)}
    claimed = {w.record_id: w.value for w in writes if w.record_type == "case" and w.field == CASE_SCOPE}
    kept, refused = [], []
    history: dict[str, set[str]] = {}

    def in_scope(case_id: str) -> bool:
        if case_id in moved_in:
            return True
        if case_id not in history:
            history[case_id] = scope_history(db, case_id)
        if not history[case_id]:  # not stored here: a new case must be of this scope
            return claimed.get(case_id, scope) == scope
        return scope in history[case_id]

    for write in writes:
        if write.record_type not in SYNCED:
            refused.append(write)
            continue
        cases = [case_id for case_id, _scope in _cases_of(db, write.record_type, write.record_id)]
        if not cases:
            named = write.record_id if write.record_type == "case" else case_of.get(write.record_id)
            cases = [named] if isinstance(named, str) else []
        ok = not cases or any(in_scope(case_id) for case_id in cases)
        (kept if ok else refused).append(write)
    return kept, refused


def relays(db: Any, scope: str, writes: Iterable[Write],
           whole_case: Callable[[str], Iterable[Write]]) -> dict[str, list[Write]]:
    """What the secretariat forwards after applying an envelope of ``scope``: for each
    other scope, the writes (whole cases that moved there, or single writes of records
    that belong there now), without repeats."""
    out: dict[str, dict[tuple, Write]] = {}
    moved: dict[str, str] = {}
    for write in writes:
        if write.record_type == "case" and write.field == CASE_SCOPE and isinstance(write.value, str):
            now = case_scope(db, write.record_id)
            if now is not None and now != scope:
                moved[write.record_id] = now
    for case_id, target in moved.items():
        for write in whole_case(case_id):
            out.setdefault(target, {})[_key(write)] = write
    for write in writes:
        for target in scopes_of(db, write.record_type, write.record_id):
            if target != scope:
                out.setdefault(target, {}).setdefault(_key(write), write)
    return {target: list(items.values()) for target, items in out.items()}


def _key(write: Write) -> tuple:
    return (write.record_type, write.record_id, write.field, write.dot)
