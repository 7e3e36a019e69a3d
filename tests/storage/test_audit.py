"""The stored audit chain: edits and deletions made behind the app's back are named."""

from __future__ import annotations

import dataclasses
import json

import pytest

from app.domain.audit import chain_hash
from app.services.audit import verify
from app.services.cases import CaseService
from storage.store import _entry


@pytest.fixture
def audited(new_store, store_tools):
    """A locked store with a dozen audit entries; returns (vault, data key, entry count)."""
    vault, opened = new_store
    service = CaseService(opened.store)
    for name in ("Amina", "Grace", "Youssef"):
        case, _ = store_tools.register(opened, first_name=name)
        service.add_note(opened.session, case.id, f"Met {name} at the port.")
        service.open_case(opened.session, case.id)
    key = bytes(opened._data_key)
    opened.lock()
    store = vault.open_with_key(key)
    try:
        count = store.db.execute("SELECT count(*) FROM audit").fetchone()[0]
        report = verify(store)
        assert report.ok and report.checked == count >= 10
    finally:
        store.close()
    return vault, key, count


def _tampered(vault, key, sql: str, args=()):
    store = vault.open_with_key(key)
    try:
        store.db.execute(sql, args)
        return verify(store)
    finally:
        store.close()


def test_an_edited_details_column_is_named(audited) -> None:
    vault, key, count = audited
    seq = count // 2
    report = _tampered(vault, key, "UPDATE audit SET details = ? WHERE seq = ?",
                       (json.dumps({"case_number": "HMY-2026-FORGED-00001"}), seq))
    assert not report.ok
    assert (report.first_broken, report.reason) == (seq, "content altered")


@pytest.mark.parametrize("column, value", [("actor_id", None), ("action", "case_viewed"),
                                           ("at", "2020-01-01T00:00:00+00:00"), ("record_id", "x")])
def test_an_edited_column_is_named(audited, column: str, value) -> None:
    vault, key, count = audited
    seq = count - 3
    report = _tampered(vault, key, f"UPDATE audit SET {column} = ? WHERE seq = ?", (value, seq))
    assert report.first_broken == seq


def test_a_deleted_middle_entry_is_named(audited) -> None:
    vault, key, count = audited
    seq = count // 2
    report = _tampered(vault, key, "DELETE FROM audit WHERE seq = ?", (seq,))
    assert (report.first_broken, report.reason) == (seq, "missing entry")


def test_a_rehashed_entry_breaks_the_next_link(audited) -> None:
    """Recomputing the edited entry's own hash only moves the break to the next entry."""
    vault, key, count = audited
    seq = count // 2
    store = vault.open_with_key(key)
    try:
        row = store.db.execute("SELECT seq, at, actor_id, device_id, action, record_type, record_id, details,"
                               " prev_hash, hash FROM audit WHERE seq = ?", (seq,)).fetchone()
        entry = _entry(row)
        forged = dataclasses.replace(entry.event, details={"forged": True})
        store.db.execute("UPDATE audit SET details = ?, hash = ? WHERE seq = ?",
                         (json.dumps({"forged": True}), chain_hash(entry.prev_hash, forged, seq), seq))
        report = verify(store)
    finally:
        store.close()
    assert (report.first_broken, report.reason) == (seq + 1, "link to the previous entry broken")
