"""The device's side of sync (SYNC.md), all inside the encrypted store (migration 8).

``SyncState(store)`` implements ``app.ports.SyncStore`` for the sync client: configuration
and keys (never written outside the store), the outbox packed into envelopes and kept
until the hub acknowledges them, and the envelopes of other devices merged into the
records (``storage.merge_state``), each exactly once.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Iterator

from app.domain.audit import (
    AUDIT_SCOPE_PREFIX, AuditAction, AuditEntry, AuditEvent, audit_scope, entry_from_json, entry_to_json,
)
from app.merge import Register, Write
from app.ports import ApplyResult, Conflict, Outgoing
from storage import merge_state, sync_scope
from storage.merge_state import CASE_SCOPE, SYNCED
from storage.store import SqlCipherStore, UnitOfWork
from storage.tables import BY_RECORD_TYPE

#: The configuration ``config()`` always answers (empty text when not set).
CONFIG_KEYS = ("hub_url", "ca_pem", "realm_id", "realm_public", "device_name", "role", "status",
               "last_sync_at", "last_result", "certificate")

_PACKED, _PUSHED, _FEED, _AUDIT_PACKED = "packed_upto", "pushed_upto", "feed", "audit_packed"

#: The record type and field of an audit entry sent to the secretariat (never a record).
AUDIT_RECORD, AUDIT_FIELD = "audit", "entry"

#: Tables of records that belong to a case through ``case_id`` (they follow it on a transfer).
_CASE_CHILDREN = tuple(t for t in BY_RECORD_TYPE.values() if "case_id" in t.columns)


class SyncState:
    def __init__(self, store: SqlCipherStore) -> None:
        self.store = store
        self.db = store.db
        self.device_id = store.device_id

    # --- configuration and secrets ------------------------------------------------------
    def config(self) -> dict[str, str]:
        values = dict.fromkeys(CONFIG_KEYS, "")
        values.update(self._rows("SELECT key, value FROM sync_config"))
        return values

    def set_config(self, **values: str) -> None:
        for key, value in values.items():
            if not isinstance(value, str):
                raise TypeError(f"sync setting {key} must be text")
        with self.store.transaction() as uow:
            uow.db.executemany("INSERT OR REPLACE INTO sync_config (key, value) VALUES (?, ?)",
                               sorted(values.items()))

    def secret(self, name: str) -> bytes | None:
        rows = self._rows("SELECT value FROM sync_secrets WHERE name = ?", (name,))
        return bytes(rows[0][0]) if rows else None

    def set_secret(self, name: str, raw: bytes) -> None:
        with self.store.transaction() as uow:
            uow.db.execute("INSERT OR REPLACE INTO sync_secrets (name, value) VALUES (?, ?)", (name, bytes(raw)))

    def scope_keys(self) -> dict[tuple[str, int], bytes]:
        return {(scope, epoch): bytes(key)
                for scope, epoch, key in self._rows("SELECT scope, epoch, key FROM sync_scope_keys")}

    def put_scope_key(self, scope: str, epoch: int, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("a scope content key is 32 bytes")
        with self.store.transaction() as uow:
            uow.db.execute("INSERT OR REPLACE INTO sync_scope_keys (scope, epoch, key) VALUES (?, ?, ?)",
                           (scope, int(epoch), bytes(key)))

    def certificates(self) -> dict[str, str]:
        return dict(self._rows("SELECT device, certificate FROM sync_certificates"))

    def put_certificates(self, certs: dict[str, str]) -> None:
        with self.store.transaction() as uow:
            uow.db.executemany("INSERT OR REPLACE INTO sync_certificates (device, certificate) VALUES (?, ?)",
                               sorted(certs.items()))

    def erase_keys(self) -> None:
        """Remote wipe of the sync material: private keys, scope keys, certificates."""
        with self.store.transaction() as uow:
            for table in ("sync_secrets", "sync_scope_keys", "sync_certificates"):
                uow.db.execute(f"DELETE FROM {table}")
            uow.audit(self._event(AuditAction.SYNC_KEYS_ERASED, {}))

    # --- outgoing -----------------------------------------------------------------------
    def pending(self, limit: int) -> tuple[list[Outgoing], int]:
        """The next outbox rows not packed yet (whole rows, about ``limit`` writes, at least
        one row) as writes with their scope, and the last outbox seq covered.

        A case handed to another scope (its ``hmy_ScopeId`` written over an earlier value)
        also sends that scope every live write of the case, its person and its records, so
        the team it goes to receives the whole case; the change itself also goes to the
        scope it left.
        """
        with self.store._lock:
            upto = self._cursor(_PACKED)
            rows = self.db.execute(
                "SELECT seq, record_type, record_id, written_at, writes, left_scope, actor, relay_scope FROM outbox"
                " WHERE seq > ? ORDER BY seq LIMIT ?", (upto, max(1, limit))).fetchall()
            # Transfers not packed yet: the changes of a case that moves also go to the scope it
            # left (made before the transfer, or with it), which a device that holds no key for
            # the new scope can still seal; the secretariat relays them on.
            moves = self.db.execute(
                "SELECT seq, record_id, left_scope FROM outbox WHERE seq > ? AND record_type = 'case'"
                " AND left_scope IS NOT NULL", (upto,)).fetchall()
            out: list[Outgoing] = []
            count = 0
            authors = _Authors(self.db, self.device_id)
            for seq, record_type, record_id, written_at, writes_text, left_scope, actor, relay_scope in rows:
                raw = json.loads(writes_text)
                if out and count + len(raw) > limit:
                    break
                count += len(raw)
                upto = seq
                if relay_scope is not None:
                    # Explicit writes: relayed by the secretariat to ``relay_scope``, or (empty)
                    # a restored store's earlier writes, sent again to their record's scopes.
                    for item in raw:
                        write = Write.from_json(item)
                        targets = [relay_scope] if relay_scope else self._scopes(write.record_type, write.record_id)
                        out += [Outgoing(seq, target, write) for target in targets]
                    continue
                writes = [Write(record_type, record_id, name, value, (self.device_id, counter),
                                tuple(merge_state.expand(supersedes, self.device_id)), written_at, actor or "")
                          for name, value, counter, supersedes in raw]
                scopes = self._scopes(record_type, record_id)
                moved_to = None
                if record_type == "case":
                    scope_write = next((w for w in writes if w.field == CASE_SCOPE), None)
                    if scope_write is not None:
                        scopes = [scope_write.value]
                        if left_scope or scope_write.supersedes:
                            moved_to = scope_write.value
                        if left_scope and left_scope != scope_write.value:
                            scopes.append(left_scope)
                if moves and scopes != [None]:
                    cases = {case for case, _scope in sync_scope._cases_of(self.db, record_type, record_id)}
                    scopes += [left for _move_seq, case, left in moves if case in cases and left not in scopes]
                out += [Outgoing(seq, scope, w) for scope in scopes for w in writes]
                if moved_to is not None:
                    out += [Outgoing(seq, moved_to, w) for w in self._whole_case(record_id, authors)]
            return out, upto

    def pending_audit(self, limit: int) -> tuple[list[Outgoing], int]:
        """The next audit entries not packed yet (at most ``limit``), each as a write of the
        device's own audit scope, and the last audit seq covered. Only the secretariat holds
        that scope's key besides this device: other devices never read who viewed what."""
        with self.store._lock:
            upto = self._cursor(_AUDIT_PACKED)
            entries = self.store.audit_after(upto, limit)
        scope = audit_scope(self.device_id)
        out = [Outgoing(entry.seq, scope, Write(AUDIT_RECORD, f"{self.device_id}:{entry.seq}", AUDIT_FIELD,
                                               entry_to_json(entry), (self.device_id, entry.seq),
                                               written_at=entry.event.at.isoformat()))
               for entry in entries]
        return out, (entries[-1].seq if entries else upto)

    def next_envelope_seq(self) -> int:
        return int(self._rows("SELECT coalesce(max(seq), 0) FROM sync_envelopes")[0][0]) + 1

    def save_envelopes(self, envelopes: list[tuple[int, str, int, str]], packed_upto: int | None,
                       audit_upto: int | None = None) -> None:
        """Keep packed envelopes and move the outbox cursor (and the audit one) past what
        they hold, at once."""
        with self.store.transaction() as uow:
            uow.db.executemany("INSERT INTO sync_envelopes (seq, scope, epoch, envelope) VALUES (?, ?, ?, ?)",
                               [(int(s), scope, int(e), text) for s, scope, e, text in envelopes])
            if packed_upto is not None:
                self._move_cursor(uow, _PACKED, packed_upto, forward_only=True)
            if audit_upto is not None:
                self._move_cursor(uow, _AUDIT_PACKED, audit_upto, forward_only=True)

    def unsent(self, limit: int) -> list[tuple[int, str]]:
        return [(seq, text) for seq, text in self._rows(
            "SELECT seq, envelope FROM sync_envelopes WHERE seq > ? ORDER BY seq LIMIT ?",
            (self._cursor(_PUSHED), max(0, limit)))]

    def envelopes_since(self, seq: int) -> list[tuple[int, str]]:
        return [(s, text) for s, text in self._rows(
            "SELECT seq, envelope FROM sync_envelopes WHERE seq >= ? ORDER BY seq", (seq,))]

    def mark_pushed(self, upto_seq: int) -> None:
        with self.store.transaction() as uow:
            self._move_cursor(uow, _PUSHED, upto_seq, forward_only=True)

    # --- incoming -----------------------------------------------------------------------
    def feed_cursor(self) -> int:
        return self._cursor(_FEED)

    def set_feed_cursor(self, cursor: int) -> None:
        with self.store.transaction() as uow:
            self._move_cursor(uow, _FEED, cursor)

    def applied(self, device: str, seq: int) -> bool:
        return bool(self._rows("SELECT 1 FROM sync_applied WHERE device = ? AND seq = ?", (device, seq)))

    def apply(self, device: str, seq: int, writes: list[Write], cursor: int | None = None,
              scope: str | None = None) -> ApplyResult:
        """Merge the writes of envelope ``(device, seq)`` in one transaction; an envelope
        already applied changes nothing (the cursor still moves).

        With the envelope's ``scope``, writes to records of another scope are refused
        (``storage.sync_scope``), and the secretariat queues what it must relay to the scope
        a record belongs to now.
        """
        with self.store.transaction() as uow:
            done = uow.db.execute("SELECT 1 FROM sync_applied WHERE device = ? AND seq = ?", (device, seq)).fetchone()
            refused: list[Write] = []
            if done:
                result = ApplyResult(0, 0, 0)
            else:
                kept, refused = self._split_audit(uow, device, scope, writes)
                if scope is not None:
                    kept, outside = sync_scope.within_scope(uow.db, scope, kept)
                    refused += outside
                    sync_scope.note_moves(uow.db, kept)
                result = uow.apply_remote(kept)
                result = result._replace(ignored=result.ignored + len(refused))
                if scope is not None and self._relays():
                    uow._flush_inserts()
                    self._queue_relays(uow, scope, kept)
            if not done:
                uow.db.execute("INSERT INTO sync_applied (device, seq, at) VALUES (?, ?, ?)",
                               (device, seq, _now().isoformat()))
                details: dict[str, Any] = {"device": device, "seq": seq, "count": len(writes)}
                if refused:
                    details["refused_outside_scope"] = len(refused)
                uow.audit(self._event(AuditAction.SYNC_RECEIVED, details))
            if cursor is not None:
                self._move_cursor(uow, _FEED, cursor)
        return result

    def _split_audit(self, uow: UnitOfWork, device: str, scope: str | None,
                     writes: list[Write]) -> tuple[list[Write], list[Write]]:
        """The writes of an envelope that may touch records, and those refused; the audit
        entries of ``device`` are kept aside in ``remote_audit`` (the secretariat only, from
        the device's own audit scope, each entry once). Nothing of an audit scope, and no
        audit entry, ever reaches the records."""
        own_scope = scope == audit_scope(device)
        audit_scoped = (scope or "").startswith(AUDIT_SCOPE_PREFIX)
        kept, refused, rows = [], [], []
        secretariat = self._relays()
        for write in writes:
            if write.record_type != AUDIT_RECORD:
                (refused if audit_scoped else kept).append(write)
                continue
            entry = _received_entry(write, device) if own_scope and secretariat else None
            if entry is None:
                refused.append(write)
            else:
                rows.append((device, entry.seq, json.dumps(write.value, sort_keys=True, ensure_ascii=False)))
        if rows:
            uow.db.executemany("INSERT OR IGNORE INTO remote_audit (device, seq, entry) VALUES (?, ?, ?)", rows)
        return kept, refused

    def remote_audit(self) -> list[tuple[str, AuditEntry]]:
        """The audit entries other devices sent (the secretariat), by device and seq."""
        return [(device, entry_from_json(json.loads(text))) for device, text in self._rows(
            "SELECT device, entry FROM remote_audit ORDER BY device, seq")]

    def _relays(self) -> bool:
        """Only the secretariat, which holds every scope's key, relays between scopes."""
        return self.config().get("role") == "secretariat"

    def _queue_relays(self, uow: UnitOfWork, scope: str, writes: list[Write]) -> None:
        authors = _Authors(uow.db, self.device_id)
        forward = sync_scope.relays(uow.db, scope, writes, lambda case_id: self._whole_case(case_id, authors))
        rows = [("relay", target, _now().isoformat(timespec="seconds"),
                 merge_state._ENCODER.encode([w.to_json() for w in items]), target)
                for target, items in sorted(forward.items()) if items]
        if rows:
            uow.db.executemany("INSERT INTO outbox (record_type, record_id, written_at, writes, relay_scope)"
                               " VALUES (?, ?, ?, ?, ?)", rows)

    def hold(self, device: str, seq: int, envelope_json: str, reason: str) -> None:
        with self.store.transaction() as uow:
            uow.db.execute("INSERT OR REPLACE INTO sync_held (device, seq, envelope, reason, at) VALUES (?,?,?,?,?)",
                           (device, seq, envelope_json, reason, _now().isoformat()))

    def held(self) -> list[tuple[str, int, str]]:
        return [(d, s, text) for d, s, text in self._rows(
            "SELECT device, seq, envelope FROM sync_held ORDER BY device, seq")]

    def release(self, device: str, seq: int) -> None:
        with self.store.transaction() as uow:
            uow.db.execute("DELETE FROM sync_held WHERE device = ? AND seq = ?", (device, seq))

    # --- conflicts ----------------------------------------------------------------------
    def conflicts(self, scope_ids: set[str] | None = None) -> list[Conflict]:
        """Fields with concurrent values (of the given scopes), by case number."""
        sql = ("SELECT k.record_type, k.record_id, k.field, k.case_id, c.case_number,"
               " coalesce(c.scope_id, k.scope_id) AS scope FROM conflicts k LEFT JOIN cases c ON c.id = k.case_id")
        args: list[Any] = []
        if scope_ids is not None:
            sql += f" WHERE scope IN ({','.join('?' * len(scope_ids))})"
            args = sorted(scope_ids)
        sql += " ORDER BY c.case_number, k.record_type, k.record_id, k.field"
        found = []
        with self.store._lock:
            authors = _Authors(self.db, self.device_id)
            for record_type, record_id, name, case_id, number, scope in self.db.execute(sql, args).fetchall():
                register = self._register(record_type, record_id, name, authors)
                if register.conflict:
                    found.append(Conflict(record_type, record_id, case_id, number, scope, name, register.live))
        return found

    def register(self, record_type: str, record_id: str, field: str) -> Register:
        with self.store._lock:
            return self._register(record_type, record_id, field, _Authors(self.db, self.device_id))

    # --- helpers ------------------------------------------------------------------------
    def _register(self, record_type: str, record_id: str, name: str, authors: "_Authors") -> Register:
        registers = merge_state.registers_of(self.db, record_type, record_id, self.device_id) or {}
        register = registers.get(name, Register())
        return Register(tuple(authors.complete(w) for w in register.live), register.clock)

    def _rows(self, sql: str, args: Any = ()) -> list[Any]:
        with self.store._lock:
            return self.db.execute(sql, args).fetchall()

    def _cursor(self, name: str) -> int:
        rows = self._rows("SELECT value FROM sync_cursors WHERE name = ?", (name,))
        return int(rows[0][0]) if rows else 0

    @staticmethod
    def _move_cursor(uow: UnitOfWork, name: str, value: int, *, forward_only: bool = False) -> None:
        sql = "INSERT INTO sync_cursors (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = "
        sql += "max(value, excluded.value)" if forward_only else "excluded.value"
        uow.db.execute(sql, (name, int(value)))

    def _event(self, action: str, details: dict[str, Any]) -> AuditEvent:
        return AuditEvent(action=action, at=_now(), actor_id=None, device_id=self.device_id, details=details)

    def _scopes(self, record_type: str, record_id: str) -> list[str | None]:
        """The scopes a record's writes go to (``[None]``: not synced, or not placed yet)."""
        if record_type not in SYNCED:
            return [None]
        return list(sync_scope.scopes_of(self.db, record_type, record_id)) or [None]

    def _whole_case(self, case_id: str, authors: "_Authors") -> Iterator[Write]:
        """Every live write of a case, its person and its records (original dots)."""
        row = self.db.execute("SELECT person_id FROM cases WHERE id = ?", (case_id,)).fetchone()
        records: list[tuple[str, str]] = [("person", row[0])] if row else []
        records.append(("case", case_id))
        for table in _CASE_CHILDREN:
            records += [(table.cls.RECORD_TYPE, rid) for (rid,) in self.db.execute(
                f"SELECT id FROM {table.name} WHERE case_id = ? ORDER BY id", (case_id,))]
        for record_type, record_id in records:
            registers = merge_state.registers_of(self.db, record_type, record_id, self.device_id) or {}
            for name in sorted(registers):
                yield from (authors.complete(w) for w in registers[name].live)


class _Authors:
    """Who wrote a local write, when, and what it superseded, from its outbox row, for writes
    whose register was rebuilt from a record row (which keeps only values and dots): the
    write is then exactly the one other devices received.

    Outbox rows are in counter order, so the row holding a counter is found by halving.
    """

    def __init__(self, db: Any, device_id: str) -> None:
        self.db = db
        self.device_id = device_id
        self._known: dict[int, tuple[str, str, tuple]] = {}
        bounds = db.execute("SELECT min(seq), max(seq) FROM outbox").fetchone()
        self._first, self._last = (bounds[0] or 0, bounds[1] or -1)

    def complete(self, write: Write) -> Write:
        if write.dot[0] != self.device_id or write.written_at:
            return write
        found = self._find(write.dot[1])
        if found is None:
            return write
        written_at, actor, supersedes = found
        return Write(write.record_type, write.record_id, write.field, write.value, write.dot,
                     write.supersedes or supersedes, written_at, write.actor or actor)

    def _find(self, counter: int) -> tuple[str, str, tuple] | None:
        if counter in self._known:
            return self._known[counter]
        low, high, hit = self._first, self._last, None
        while low <= high:
            middle = (low + high) // 2
            row = self.db.execute("SELECT seq, json_extract(writes, '$[0][2]') FROM outbox WHERE seq >= ?"
                                  " AND relay_scope IS NULL ORDER BY seq LIMIT 1", (middle,)).fetchone()
            if row is None or row[0] > high:
                high = middle - 1
            elif row[1] <= counter:
                hit, low = row[0], row[0] + 1
            else:
                high = middle - 1
        if hit is None:
            return None
        written_at, actor, writes = self.db.execute(
            "SELECT written_at, actor, writes FROM outbox WHERE seq = ?", (hit,)).fetchone()
        for _name, _value, item_counter, supersedes in json.loads(writes):
            self._known[item_counter] = (written_at, actor or "",
                                         tuple(merge_state.expand(supersedes, self.device_id)))
        return self._known.get(counter)


def _received_entry(write: Write, device: str) -> AuditEntry | None:
    """The audit entry a write of ``device`` carries, when it names itself consistently."""
    if write.field != AUDIT_FIELD or not isinstance(write.value, dict):
        return None
    try:
        entry = entry_from_json(write.value)
    except ValueError:
        return None
    return entry if write.record_id == f"{device}:{entry.seq}" else None


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)
