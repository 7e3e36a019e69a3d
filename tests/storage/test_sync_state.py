"""The device side of sync on real encrypted stores: several stores act as devices, and
writes move between them as the sync client moves them (``pending()`` of one, saved as
envelopes, ``apply()`` on another), without a network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.domain.audit import AuditAction
from app.domain.case import Case
from app.domain.checks import new_id
from app.domain.person import Person
from app.merge import Write
from app.ports import CaseQuery
from app.services.cases import CaseService
from storage.sync_state import SyncState
from storage.vault import OpenStore, Vault


class Device:
    """One store acting as a device: its services and its sync state."""

    def __init__(self, folder: Path, store_tools: Any, username: str, scope: str = "scope-north") -> None:
        self.vault = Vault(folder)
        self.opened: OpenStore = self.vault.create(store_tools.make_user(username, scope=scope),
                                                  store_tools.passphrase)
        self.store = self.opened.store
        self.state = SyncState(self.store)
        self.cases = CaseService(self.store)
        self.session = self.opened.session
        self.id = self.store.device_id

    def pack(self, limit: int = 10_000) -> list[tuple[int, str, list[Write]]]:
        """Pack what is pending as the client does: one envelope per scope, saved at once."""
        outgoing, upto = self.state.pending(limit)
        by_scope: dict[str, list[Write]] = {}
        for item in outgoing:
            if item.scope is not None:
                by_scope.setdefault(item.scope, []).append(item.write)
        seq = self.state.next_envelope_seq()
        envelopes = []
        for offset, (scope, writes) in enumerate(sorted(by_scope.items())):
            envelopes.append((seq + offset, scope, writes))
        self.state.save_envelopes([(s, scope, 1, json.dumps([w.to_json() for w in ws]))
                                   for s, scope, ws in envelopes], upto)
        return envelopes

    def send_to(self, *others: "Device", scopes: set[str] | None = None) -> None:
        for seq, scope, writes in self.pack():
            for other in others:
                if scopes is None or scope in scopes:
                    other.state.apply(self.id, seq, writes)


def tables(device: Device) -> dict[str, list]:
    """Every row of every table but the audit (which grows with each unlock and view)."""
    db = device.store.db
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'audit'")]
    return {name: db.execute(f"SELECT * FROM {name} ORDER BY 1, 2").fetchall() for name in sorted(names)}


@pytest.fixture
def devices(tmp_path: Path, store_tools):
    made: list[Device] = []

    def make(username: str, scope: str = "scope-north") -> Device:
        device = Device(tmp_path / username, store_tools, username, scope)
        made.append(device)
        return device

    yield make
    for device in made:
        device.opened.lock()


def register(device: Device, **names: Any) -> tuple[Case, Person]:
    person = Person(new_id(), **names)
    return device.cases.register(device.session, person, border_post="TNG-MED"), person


def test_a_case_created_on_one_device_reads_back_equal_on_another(devices) -> None:
    a, b = devices("amina.sup"), devices("badr.sup")
    case, person = register(a, first_name="Grace", second_name="Okafor", first_name_ar="غريس")
    a.cases.add_note(a.session, case.id, "Seen at the port")
    a.send_to(b)

    mine = a.cases.open_case(a.session, case.id, record_view=False)
    theirs = b.cases.open_case(b.session, case.id, record_view=False)
    assert theirs.case == mine.case and theirs.person == mine.person == person
    assert [n.text for n in theirs.notes] == ["Seen at the port"]
    assert [r.id for r in b.cases.list_cases(b.session, CaseQuery())] == [case.id]
    # The rows are what the writing device stored: same data, same dots (as device ids).
    assert b.store.fields_of("case", case.id) == a.store.fields_of("case", case.id)
    received = [e for e in b.store.audit_entries() if e.event.action == AuditAction.SYNC_RECEIVED]
    assert [(e.event.details["device"], e.event.details["seq"]) for e in received] == [(a.id, 1)]
    # Writes that came from elsewhere are not sent on again by the receiving device.
    assert b.state.pending(1000)[0] == [] or all(o.write.dot[0] == b.id for o in b.state.pending(1000)[0])
