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

