"""Merge state: the field registers of records that received writes from other devices.

A record only ever written on this device keeps none: the register of its field ``f`` is
``app.merge.local_register(data[f], dots[f])``. Once a write of another device arrives for
a record, its registers are kept in ``merge_state`` (migration 8) and every later write to
it, local or remote, is merged into them with ``app.merge``; the record row shows each
register's value and ``dots[f]`` holds all its live dots. Merged fields that do not make a
valid record yet (writes that arrived before the record's creation) stay in merge state
only and are written out when later writes complete them. Fields with more than one live
write are listed in ``conflicts`` for a supervisor.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Iterable

from app.domain.codec import from_fields, to_fields
from app.domain.person import Person
from app.errors import HimayaError
from app.merge import Dot, Register, Write, local_register, merge, new_write
from app.ports import ApplyResult
from storage.tables import BY_RECORD_TYPE, Table

#: Record types that travel in envelopes: users stay on their device, the service
#: directory travels as a signed publication.
SYNCED = frozenset(BY_RECORD_TYPE) - {"user", "provider"}

CASE_SCOPE = "hmy_ScopeId"
CASE_OF = "hmy_CaseId"

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def load_registers(text: str) -> dict[str, Register]:
    return {name: Register.from_json(raw) for name, raw in json.loads(text).items()}


def dump_registers(registers: dict[str, Register]) -> str:
    return _ENCODER.encode({name: reg.to_json() for name, reg in registers.items()})


def expand(dots: list, device_id: str) -> list[Dot]:
    """Stored dots (this device's as plain counters) as ``(device, counter)``."""
    return [(device_id, d) if isinstance(d, int) else (d[0], d[1]) for d in dots]


def stored_dots(register: Register, device_id: str) -> list:
    return [counter if device == device_id else [device, counter] for device, counter in register.dots]


def registers_of_row(record_type: str, record_id: str, data: dict[str, Any], dots: dict[str, list],
                     device_id: str) -> dict[str, Register]:
    """The registers of a record without merge state, from its stored row."""
    return {name: local_register(data.get(name), expand(field_dots, device_id), record_type, record_id, name)
            for name, field_dots in dots.items() if field_dots}


def registers_of(db: Any, record_type: str, record_id: str, device_id: str) -> dict[str, Register] | None:
    """Every field register of a record (None: the record is unknown here)."""
    state = db.execute("SELECT registers FROM merge_state WHERE record_type = ? AND record_id = ?",
                       (record_type, record_id)).fetchone()
    if state is not None:
        return load_registers(state[0])
    table = BY_RECORD_TYPE[record_type]
    row = db.execute(f"SELECT data, dots FROM {table.name} WHERE id = ?", (record_id,)).fetchone()
    if row is None:
        return None
    return registers_of_row(record_type, record_id, json.loads(row[0]), json.loads(row[1]), device_id)


class Pending:
    """The registers of one record with merge state, as a transaction writes it locally."""

    def __init__(self, registers: dict[str, Register]) -> None:
        self.registers = registers
        self.touched: set[str] = set()

    def write(self, record: Any, name: str, value: Any, device_id: str, counter: int, now: str) -> list:
        """Merge a local write of ``name`` (it supersedes every live write); returns the
        dots it supersedes, as stored."""
        register = self.registers.get(name)
        write = new_write(register, record.RECORD_TYPE, record.id, name, value, (device_id, counter), now)
        self.registers[name] = merge(register, write)
        self.touched.add(name)
        return stored_dots(register, device_id) if register else []


def save_local(db: Any, pending: dict[tuple[str, str], Pending], device_id: str, first_counter: int,
               actor: str) -> None:
    """Write the registers changed by local writes (signed with ``actor``, known only when the
    transaction's audit entry is) and drop the conflicts they resolved."""
    rows, resolved = [], []
    for (record_type, record_id), item in pending.items():
        registers = dict(item.registers)
        for name in item.touched:
            registers[name] = _signed(registers[name], device_id, first_counter, actor)
            if not registers[name].conflict:
                resolved.append((record_type, record_id, name))
        rows.append((record_type, record_id, dump_registers(registers)))
    db.executemany("INSERT OR REPLACE INTO merge_state (record_type, record_id, registers) VALUES (?,?,?)", rows)
    db.executemany("DELETE FROM conflicts WHERE record_type = ? AND record_id = ? AND field = ?", resolved)


def _signed(register: Register, device_id: str, first_counter: int, actor: str) -> Register:
    live = tuple(dataclasses.replace(w, actor=actor)
                 if w.dot[0] == device_id and w.dot[1] > first_counter and not w.actor else w
                 for w in register.live)
    return Register(live, register.clock)


# --- receiving ----------------------------------------------------------------------------

def apply_writes(uow: Any, writes: Iterable[Write]) -> ApplyResult:
    """Merge remote writes into their records inside the open transaction of ``uow``
    (``storage.store.UnitOfWork``): registers, record rows, search index, conflicts."""
    db, own = uow.db, uow.store.device_id
    applied = ignored = new_conflicts = waiting = 0
    grouped: dict[tuple[str, str], list[Write]] = {}
    for write in writes:
        if write.dot[0] == own or write.record_type not in SYNCED:
            ignored += 1
        else:
            grouped.setdefault((write.record_type, write.record_id), []).append(write)
    for (record_type, record_id), record_writes in grouped.items():
        table = BY_RECORD_TYPE[record_type]
        row = db.execute(f"SELECT data, dots FROM {table.name} WHERE id = ?", (record_id,)).fetchone()
        state = db.execute("SELECT registers FROM merge_state WHERE record_type = ? AND record_id = ?",
                           (record_type, record_id)).fetchone()
        if state is not None:
            registers = load_registers(state[0])
        elif row is not None:
            registers = registers_of_row(record_type, record_id, json.loads(row[0]), json.loads(row[1]), own)
        else:
            registers = {}
        changed: set[str] = set()
        for write in record_writes:
            before = registers.get(write.field)
            after = merge(before, write)
            if after is before:
                ignored += 1
            else:
                applied += 1
                registers[write.field] = after
                changed.add(write.field)
        if not changed:
            continue
        db.execute("INSERT OR REPLACE INTO merge_state (record_type, record_id, registers) VALUES (?,?,?)",
                   (record_type, record_id, dump_registers(registers)))
        fields = {name: reg.value() for name, reg in registers.items() if reg.live}
        if not _materialise(uow, table, record_id, fields, registers, row):
            waiting += 1
        new_conflicts += _keep_conflicts(db, record_type, record_id, fields, registers, changed,
                                         had_state=state is not None)
    return ApplyResult(applied, ignored, new_conflicts, waiting)


def _materialise(uow: Any, table: Table, record_id: str, fields: dict[str, Any], registers: dict[str, Register],
                 row: tuple | None) -> bool:
    """Write the record row from its registers; False when they do not make a valid record
    yet (the row, if any, is left as it was)."""
    try:
        record = from_fields(table.cls, record_id, fields)
        full = to_fields(record)
        for column in table.columns.values():
            column(record, full)
        previous = from_fields(table.cls, record_id, json.loads(row[0])) if row is not None else None
    except (HimayaError, ValueError, TypeError, KeyError, AttributeError):
        return False
    own = uow.store.device_id
    dots = {name: stored_dots(reg, own) for name, reg in registers.items() if reg.live}
    uow.write_row(record, full, dots, previous)
    if previous is None and isinstance(record, Person):
        uow.person_arrived(record_id)
    return True


def _keep_conflicts(db: Any, record_type: str, record_id: str, fields: dict[str, Any],
                    registers: dict[str, Register], changed: set[str], *, had_state: bool) -> int:
    """Keep ``conflicts`` in step with the changed registers; returns how many are new."""
    new = 0
    where: tuple[str | None, str | None] | None = None
    for name in sorted(changed):
        if registers[name].conflict:
            if where is None:
                where = case_and_scope(db, record_type, record_id, fields)
            cursor = db.execute("INSERT OR IGNORE INTO conflicts (record_type, record_id, field, case_id, scope_id)"
                                " VALUES (?,?,?,?,?)", (record_type, record_id, name, *where))
            new += max(cursor.rowcount, 0)
        elif had_state:  # a record without merge state never had a conflict
            db.execute("DELETE FROM conflicts WHERE record_type = ? AND record_id = ? AND field = ?",
                       (record_type, record_id, name))
    return new


def case_and_scope(db: Any, record_type: str, record_id: str, fields: dict[str, Any]) -> tuple[str | None, str | None]:
    """The case a record belongs to and that case's scope (None when not known here)."""
    if record_type == "case":
        return record_id, fields.get(CASE_SCOPE)
    if record_type == "person":
        row = db.execute("SELECT id, scope_id FROM cases WHERE person_id = ? ORDER BY id LIMIT 1",
                         (record_id,)).fetchone()
        return (row[0], row[1]) if row else (None, None)
    case_id = fields.get(CASE_OF)
    row = db.execute("SELECT scope_id FROM cases WHERE id = ?", (case_id,)).fetchone()
    return case_id, row[0] if row else None
