"""Audit entries received from another device: the secretariat recomputes each device's chain
from what arrived, and names a tampered, a removed or a reordered entry."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta, timezone

import pytest

from app.domain.audit import (
    ALTERED, GENESIS, LINK_BROKEN, MISSING, AuditAction, AuditEntry, AuditEvent, audit_scope, chain_hash,
    entry_from_json, entry_to_json, verify_received,
)
from app.domain.checks import new_id
from app.domain.user import Session, User
from app.domain.values import Role
from app.errors import PermissionDenied
from app.services import audit as audit_service

T0 = datetime(2026, 11, 2, 8, 30, tzinfo=timezone.utc)


def chain(n: int = 6, device: str = "device-a") -> list[AuditEntry]:
    entries, prev = [], GENESIS
    for seq in range(1, n + 1):
        event = AuditEvent(AuditAction.CASE_VIEWED, T0 + timedelta(minutes=seq), "user-1", device,
                           "case", f"case-{seq}", {"step": seq, "note": "vu à Tanger"})
        digest = chain_hash(prev, event, seq)
        entries.append(AuditEntry(seq, event, prev, digest))
        prev = digest
    return entries


def test_an_entry_travels_as_json_and_reads_back_the_same() -> None:
    for entry in chain(3):
        text = json.dumps(entry_to_json(entry))
        assert entry_from_json(json.loads(text)) == entry
    assert sorted(entry_to_json(chain(1)[0])) == sorted(["seq", "at", "actor_id", "device_id", "action",
                                                         "record_type", "record_id", "details", "prev_hash", "hash"])
    assert audit_scope("dev-1") == "audit:dev-1"


@pytest.mark.parametrize("raw", [{}, {**entry_to_json(chain(1)[0]), "seq": 0},
                                 {**entry_to_json(chain(1)[0]), "at": "yesterday"},
                                 {**entry_to_json(chain(1)[0]), "details": []},
                                 {**entry_to_json(chain(1)[0]), "actor_id": 7}])
def test_a_garbled_entry_is_refused(raw: dict) -> None:
    with pytest.raises(ValueError):
        entry_from_json(raw)


def test_an_intact_chain_verifies_in_whatever_order_it_arrived() -> None:
    entries = chain()
    report = verify_received(reversed(entries))
    assert report.ok and report.checked == 6 and report.problem is None


def test_a_tampered_entry_is_named() -> None:
    entries = chain()
    event = dataclasses.replace(entries[3].event, record_id="case-other")
    entries[3] = dataclasses.replace(entries[3], event=event)
    report = verify_received(entries)
    assert (report.first_broken, report.problem) == (4, ALTERED)


def test_a_removed_entry_shows_as_missing_entries_from_its_number() -> None:
    entries = chain()
    del entries[2]
    assert (verify_received(entries).first_broken, verify_received(entries).problem) == (3, MISSING)
    # the first entries never arrived: missing from 1
    report = verify_received(chain()[2:])
    assert (report.first_broken, report.problem, report.checked) == (1, MISSING, 0)


def test_a_reordered_pair_breaks_the_link() -> None:
    entries = chain()
    # entries 3 and 4 swapped: each now stands at the other's number
    third, fourth = entries[2], entries[3]
    entries[2] = dataclasses.replace(fourth, seq=3)
    entries[3] = dataclasses.replace(third, seq=4)
    report = verify_received(entries)
    assert (report.first_broken, report.problem) == (3, LINK_BROKEN)


class _Source:
    def __init__(self, rows: list[tuple[str, AuditEntry]]) -> None:
        self.rows = rows

    def remote_audit(self) -> list[tuple[str, AuditEntry]]:
        return self.rows


def _session(role: Role) -> Session:
    return Session(User(new_id(), "nadia", "Nadia", role, "national", T0), "device-sec")


def test_devices_reports_each_device_and_is_for_the_secretariat_only() -> None:
    broken = chain(4, "device-b")
    del broken[1]
    source = _Source([("device-b", e) for e in broken] + [("device-a", e) for e in chain(5)])
    found = audit_service.devices(source, _session(Role.SECRETARIAT))
    assert [(d.device, d.entries, d.chain.ok) for d in found] == [("device-a", 5, True), ("device-b", 3, False)]
    assert found[0].first_at == (T0 + timedelta(minutes=1)).isoformat()
    assert found[0].last_at == (T0 + timedelta(minutes=5)).isoformat()
    assert (found[1].chain.first_broken, found[1].chain.problem) == (2, MISSING)
    with pytest.raises(PermissionDenied):
        audit_service.devices(source, _session(Role.SUPERVISOR))


def test_lists_show_the_scopes_people_work_in_not_the_devices_audit_scopes() -> None:
    from app.domain.audit import audit_scope, team_scopes
    assert team_scopes(["north", audit_scope("dev-1"), "*"]) == ("north", "*")
    assert team_scopes(None) == ()
