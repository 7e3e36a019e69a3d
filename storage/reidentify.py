"""A restored store becomes a new device.

A backup holds the device's write counter, envelope numbers and case counter as they were
when it was made. The device may have synced after that. If the restored copy went on
under the same identity, it would reuse dots other replicas already know: its new edits
would be taken for old ones and silently dropped. It would also reuse envelope numbers
the hub has stored with other content (refused forever) and case numbers it had already
given out.

So a restore gives the copy a new device id and a new device code (case numbers stay
unique). The old identity's writes keep their names: this device's dots, stored as plain
counters, are written out as ``[old device, counter]`` in every record, and every outbox
row becomes a row of explicit writes (``relay_scope = ''``: sent to the record's own
scopes). They are all sent again under the new identity after it enrols. Replicas that
already have them change nothing, and replicas that missed them, the hub included after
a loss, get them back. The sync keys, certificates and envelopes of the old identity are
dropped. The device enrols again, and the secretariat revokes the old identity.
"""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import datetime, timezone
from typing import Any

from app.domain.audit import AuditAction, AuditEvent
from storage.store import SqlCipherStore, dumps
from storage.tables import BY_RECORD_TYPE

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_device_code() -> str:
    return "".join(secrets.choice(_CROCKFORD) for _ in range(6))


def give_new_identity(store: SqlCipherStore) -> tuple[str, str]:
    """Re-identify an open store (the staged copy of a restore); returns (old id, new id)."""
    old, new, code = store.device_id, str(uuid.uuid4()), new_device_code()
    with store.transaction() as uow:
        db = uow.db
        for table in BY_RECORD_TYPE.values():
            rows = db.execute(f"SELECT id, dots FROM {table.name}").fetchall()
            changed = [(dumps(explicit), rid) for rid, dots in rows
                       if (explicit := _explicit_dots(json.loads(dots), old)) is not None]
            db.executemany(f"UPDATE {table.name} SET dots = ? WHERE id = ?", changed)
        rows = db.execute("SELECT seq, record_type, record_id, written_at, writes, actor FROM outbox"
                          " WHERE relay_scope IS NULL").fetchall()
        db.executemany("UPDATE outbox SET writes = ?, relay_scope = '' WHERE seq = ?", [
            (dumps([_write_json(item, record_type, record_id, written_at, actor or "", old)
                    for item in json.loads(writes)]), seq)
            for seq, record_type, record_id, written_at, writes, actor in rows])
        for table in ("sync_secrets", "sync_scope_keys", "sync_certificates", "sync_envelopes"):
            db.execute(f"DELETE FROM {table}")
        # The whole audit trail goes again, under the new device's audit scope, so the
        # secretariat can check its chain from the first entry.
        db.execute("DELETE FROM sync_cursors WHERE name IN ('packed_upto', 'pushed_upto', 'audit_packed')")
        db.execute("DELETE FROM sync_config WHERE key IN ('status', 'certificate', 'last_result', 'last_sync_at')")
        db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                       [("device_id", new), ("device_code", code), ("restored_from_device", old)])
        uow.audit(AuditEvent(AuditAction.RESTORED, datetime.now(timezone.utc).replace(microsecond=0), None, new,
                             details={"previous_device": old, "device": new, "device_code": code}))
    store.device_id, store.device_code = new, code
    return old, new


def _explicit_dots(dots: dict[str, list], device: str) -> dict[str, list] | None:
    """The dots with this device's plain counters written out (None if there were none)."""
    if not any(isinstance(d, int) for field_dots in dots.values() for d in field_dots):
        return None
    return {name: [[device, d] if isinstance(d, int) else d for d in field_dots] for name, field_dots in dots.items()}


def _write_json(item: list[Any], record_type: str, record_id: str, written_at: str, actor: str,
                device: str) -> dict[str, Any]:
    name, value, counter, supersedes = item
    return {"t": record_type, "r": record_id, "f": name, "v": value, "d": [device, counter],
            "s": [[device, d] if isinstance(d, int) else list(d) for d in supersedes], "at": written_at, "by": actor}
