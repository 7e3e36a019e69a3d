"""Audit events: who did what to which record, when, on which device.

Entries are hash-chained: each entry's hash covers its canonical content and the hash of
the entry before it, so editing or removing any entry breaks every later link.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Mapping

GENESIS = "0" * 64


class AuditAction:
    """Stable codes of audited actions."""

    UNLOCK = "unlock"
    UNLOCK_FAILED = "unlock_failed"
    LOCK = "lock"
    STORE_CREATED = "store_created"
    CASE_CREATED = "case_created"
    CASE_VIEWED = "case_viewed"
    CASE_UPDATED = "case_updated"
    PERSON_UPDATED = "person_updated"
    CASE_TRANSITION = "case_transition"
    CASE_IMPORTED = "case_imported"
    RISK_RECORDED = "risk_recorded"
    CONSENT_RECORDED = "consent_recorded"
    CONSENT_OVERRIDE = "consent_override"
    NOTE_ADDED = "note_added"
    REFERRAL_CREATED = "referral_created"
    REFERRAL_UPDATED = "referral_updated"
    SERVICE_RECORDED = "service_recorded"
    TASK_ADDED = "task_added"
    TASK_DONE = "task_done"
    PROVIDER_SAVED = "provider_saved"
    DIRECTORY_SEEDED = "directory_seeded"
    SCREENING_STARTED = "screening_started"
    SCREENING_SAVED = "screening_saved"
    SCREENING_COMPLETED = "screening_completed"
    USER_ADDED = "user_added"
    USER_DISABLED = "user_disabled"
    USER_PASSPHRASE_CHANGED = "user_passphrase_changed"
    USER_ROLE_CHANGED = "user_role_changed"
    EXPORT = "export"
    BACKUP_CREATED = "backup_created"
    RESTORED = "restored"
    DEMO_DATA = "demo_data"
    MIGRATED = "migrated"
    CONFIRMED_DIFFERENT = "confirmed_different"  # a duplicate warning dismissed: two people
    CASE_MERGED = "case_merged"  # on the kept case: another case was merged into it
    CASE_MERGED_INTO = "case_merged_into"  # on the merged case: closed into the kept one
    SYNC_RECEIVED = "sync.received"  # an envelope of another device merged (device, seq, count)
    SYNC_KEYS_ERASED = "sync.keys_erased"  # a revoked device wiped its sync keys
    STORE_WIPED = "store.wiped"  # a revoked device erased its whole store (the last entry it writes)
    CONFLICT_RESOLVED = "conflict.resolved"  # concurrent values of a field replaced by one
    DIRECTORY_PUBLISHED_APPLIED = "directory.published_applied"  # the secretariat's directory put in use (version)
    CHECKLIST_PUBLISHED_APPLIED = "checklist.published_applied"  # a published checklist put in use (version)
    PUBLICATION_REFUSED = "publication.refused"  # a signed publication that does not read right (kind, version)


@dataclass(frozen=True)
class AuditEvent:
    """What to audit, before it is chained and stored. ``details`` never holds case content."""

    action: str
    at: datetime
    actor_id: str | None
    device_id: str
    record_type: str | None = None
    record_id: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditEntry:
    """A stored, chained audit event."""

    seq: int
    event: AuditEvent
    prev_hash: str
    hash: str


def canonical(event: AuditEvent, seq: int) -> bytes:
    body = {
        "seq": seq,
        "action": event.action,
        "at": event.at.isoformat(),
        "actor": event.actor_id,
        "device": event.device_id,
        "record_type": event.record_type,
        "record_id": event.record_id,
        "details": dict(event.details),
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def chain_hash(prev_hash: str, event: AuditEvent, seq: int) -> str:
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(canonical(event, seq))
    return digest.hexdigest()


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.first_broken is None


def verify_chain(entries: Iterable[AuditEntry]) -> ChainReport:
    """Walk the chain in order; name the first entry whose link or content does not hold."""
    prev = GENESIS
    expected_seq = None
    count = 0
    for entry in entries:
        count += 1
        if expected_seq is not None and entry.seq != expected_seq:
            return ChainReport(count, expected_seq, "missing entry")
        if entry.prev_hash != prev:
            return ChainReport(count, entry.seq, "link to the previous entry broken")
        if chain_hash(prev, entry.event, entry.seq) != entry.hash:
            return ChainReport(count, entry.seq, "content altered")
        prev = entry.hash
        expected_seq = entry.seq + 1
    return ChainReport(count, None, None)



# --- audit entries received from other devices (the secretariat) ----------------------------

AUDIT_SCOPE_PREFIX = "audit:"


def audit_scope(device_id: str) -> str:
    """The sync scope of one device's audit entries: only that device and the secretariat hold its key."""
    return AUDIT_SCOPE_PREFIX + device_id


def team_scopes(scopes: Any) -> tuple[str, ...]:
    """The scopes people work in (what lists show): without the devices' own audit scopes."""
    return tuple(s for s in scopes or () if not str(s).startswith(AUDIT_SCOPE_PREFIX))


def entry_to_json(entry: AuditEntry) -> dict[str, Any]:
    """An entry as it travels to the secretariat: everything its hash covers, and the links."""
    event = entry.event
    return {"seq": entry.seq, "at": event.at.isoformat(), "actor_id": event.actor_id,
            "device_id": event.device_id, "action": event.action, "record_type": event.record_type,
            "record_id": event.record_id, "details": dict(event.details), "prev_hash": entry.prev_hash,
            "hash": entry.hash}


def entry_from_json(raw: Mapping[str, Any]) -> AuditEntry:
    """The entry of ``entry_to_json``; ``ValueError`` when it does not read as one."""
    try:
        seq, details = raw["seq"], raw["details"]
        texts = {name: raw[name] for name in ("at", "device_id", "action", "prev_hash", "hash")}
        optional = {name: raw[name] for name in ("actor_id", "record_type", "record_id")}
        at = datetime.fromisoformat(texts["at"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"an audit entry lacks or garbles {exc}") from None
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1 or not isinstance(details, dict):
        raise ValueError("an audit entry has a bad sequence number or details")
    if not all(isinstance(v, str) for v in texts.values()) or not all(
            v is None or isinstance(v, str) for v in optional.values()):
        raise ValueError("an audit entry has a field that is not text")
    event = AuditEvent(action=texts["action"], at=at, actor_id=optional["actor_id"], device_id=texts["device_id"],
                       record_type=optional["record_type"], record_id=optional["record_id"], details=details)
    return AuditEntry(seq, event, texts["prev_hash"], texts["hash"])


#: Why a received chain does not verify (``ReceivedChain.problem``).
MISSING, LINK_BROKEN, ALTERED = "missing", "link", "altered"


@dataclass(frozen=True)
class ReceivedChain:
    """The check of one device's entries as received: ``first_broken`` is the first entry
    that does not hold or, when ``problem`` is ``MISSING``, the first one missing."""

    checked: int
    first_broken: int | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.first_broken is None


def verify_received(entries: Iterable[AuditEntry]) -> ReceivedChain:
    """Recompute the chain of the entries received from one device, in seq order from the
    first: a gap in the numbers, a link to the wrong previous hash or a content that does
    not hash to its stored hash names its entry."""
    prev, expected, count = GENESIS, 1, 0
    for entry in sorted(entries, key=lambda e: e.seq):
        if entry.seq != expected:
            return ReceivedChain(count, expected, MISSING)
        count += 1
        if entry.prev_hash != prev:
            return ReceivedChain(count, entry.seq, LINK_BROKEN)
        if chain_hash(prev, entry.event, entry.seq) != entry.hash:
            return ReceivedChain(count, entry.seq, ALTERED)
        prev, expected = entry.hash, entry.seq + 1
    return ReceivedChain(count, None, None)
