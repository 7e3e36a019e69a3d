"""The case history names the audit entries of sync and of the secretariat's publications
in words (translatable), never as "Other recorded action (code)"."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from app.domain.audit import AuditAction, AuditEntry, AuditEvent
from app.domain.labels import SYNC_AUDIT_LABELS
from ui.qt.cases.labels import audit_text
from ui.qt.lang import language

NEW_ACTIONS = {
    AuditAction.SYNC_RECEIVED: "Changes received from another device",
    AuditAction.SYNC_KEYS_ERASED: "Sync keys erased",
    AuditAction.CONFLICT_RESOLVED: "Sync conflict settled",
    AuditAction.DIRECTORY_PUBLISHED_APPLIED: "Service directory published by the secretariat put in use",
    AuditAction.CHECKLIST_PUBLISHED_APPLIED: "Screening checklist published by the secretariat put in use",
    AuditAction.PUBLICATION_REFUSED: "was refused",
}


def _entry(action: str, **details: object) -> AuditEntry:
    event = AuditEvent(action=action, at=datetime(2026, 11, 22, 10, tzinfo=timezone.utc), actor_id=None,
                       device_id="device-1", details=details)
    return AuditEntry(1, event, "0" * 64, "0" * 64)


@pytest.mark.parametrize("action, words", sorted(NEW_ACTIONS.items()))
def test_sync_and_publication_entries_read_as_words(qapp, action: str, words: str) -> None:
    language.apply("en", qapp)
    text = audit_text(_entry(action, version=4, device="device-2", seq=7, count=3))
    assert words in text and "Other recorded action" not in text
    if "{version}" in SYNC_AUDIT_LABELS[action]:
        assert "4" in text


def test_the_labels_are_msgids_looked_up_in_the_language(qapp) -> None:
    language.apply("ar", qapp)
    language.missing.clear()
    audit_text(_entry(AuditAction.CONFLICT_RESOLVED))
    audit_text(_entry(AuditAction.DIRECTORY_PUBLISHED_APPLIED, version=2))
    # looked up through gettext (the catalogs get these msgids when they are next updated)
    looked_up = language.missing | {m for m in SYNC_AUDIT_LABELS.values() if language.tr(m) != m}
    assert SYNC_AUDIT_LABELS[AuditAction.CONFLICT_RESOLVED] in looked_up
    assert SYNC_AUDIT_LABELS[AuditAction.DIRECTORY_PUBLISHED_APPLIED] in looked_up
