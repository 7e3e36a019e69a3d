"""Audit entries as sync carries them, on real encrypted stores: a device packs its entries
under its own audit scope after a cursor; the secretariat keeps what it receives apart from
the records, each entry once; nothing of an audit scope ever reaches a record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest

from app.domain.audit import entry_to_json
from app.domain.case import Case
from app.domain.checks import new_id
from app.domain.person import Person
from app.merge import Write
from app.services.cases import CaseService
from storage.sync_state import SyncState
from storage.vault import OpenStore, Vault


class Store:
    def __init__(self, folder: Path, store_tools: Any, username: str, scope: str) -> None:
        self.opened: OpenStore = Vault(folder).create(store_tools.make_user(username, scope=scope),
                                                      store_tools.passphrase)
        self.store = self.opened.store
        self.state = SyncState(self.store)
        self.cases = CaseService(self.store)
        self.id = self.store.device_id

    def count(self, sql: str, *args: Any) -> int:
        return self.store.db.execute(sql, args).fetchone()[0]


@pytest.fixture
def stores(tmp_path: Path, store_tools: Any) -> Iterator[Any]:
    made: list[Store] = []

    def make(username: str, scope: str = "north", role: str = "device") -> Store:
        store = Store(tmp_path / username, store_tools, username, scope)
        store.state.set_config(role=role)
        made.append(store)
        return store

    yield make
    for store in made:
        store.opened.lock()


def _register(store: Store) -> Case:
    return store.cases.register(store.opened.session, Person(new_id(), first_name="Aminata", second_name="Traore"),
                                border_post="TNG-MED")


def test_pending_audit_gives_the_entries_after_the_cursor_as_writes_of_the_devices_audit_scope(stores) -> None:
    a = stores("sara.sup")
    _register(a)
    entries = list(a.store.iter_audit())
    outgoing, upto = a.state.pending_audit(1000)
    assert upto == entries[-1].seq and len(outgoing) == len(entries)
    first = outgoing[0]
    assert first.scope == f"audit:{a.id}" and first.outbox_seq == 1
    assert (first.write.record_type, first.write.record_id, first.write.field) == ("audit", f"{a.id}:1", "entry")
    assert first.write.dot == (a.id, 1) and first.write.value == entry_to_json(entries[0])
    # a limit, then the cursor moved with the envelopes saved (the outbox cursor stays)
    two, upto_two = a.state.pending_audit(2)
    assert [o.outbox_seq for o in two] == [1, 2] and upto_two == 2
    a.state.save_envelopes([(a.state.next_envelope_seq(), f"audit:{a.id}", 1, "{}")], None, audit_upto=upto_two)
    rest, _upto = a.state.pending_audit(1000)
    assert [o.outbox_seq for o in rest] == [e.seq for e in entries[2:]]
    assert a.state.pending(1000)[0]  # the case's changes are still to pack
    a.state.save_envelopes([], None, audit_upto=1)  # never backwards
    assert [o.outbox_seq for o in a.state.pending_audit(1000)[0]] == [e.seq for e in entries[2:]]


def _audit_writes(store: Store) -> list[Write]:
    return [o.write for o in store.state.pending_audit(1000)[0]]


def test_the_secretariat_keeps_received_entries_once_and_apart_from_the_records(stores) -> None:
    a, sec = stores("sara.sup"), stores("nadia.sec", "national", role="secretariat")
    case = _register(a)
    writes = _audit_writes(a)
    cases_before = sec.count("SELECT count(*) FROM cases")
    sec.state.apply(a.id, 1, writes, scope=f"audit:{a.id}")
    assert sec.count("SELECT count(*) FROM remote_audit WHERE device = ?", a.id) == len(writes)
    assert [e for _d, e in sec.state.remote_audit()] == list(a.store.iter_audit())
    sec.state.apply(a.id, 1, writes, scope=f"audit:{a.id}")  # the same envelope again
    sec.state.apply(a.id, 2, writes, scope=f"audit:{a.id}")  # the same entries in another envelope
    assert sec.count("SELECT count(*) FROM remote_audit") == len(writes)
    assert sec.count("SELECT count(*) FROM cases") == cases_before
    assert sec.count("SELECT count(*) FROM merge_state") == 0
    assert sec.store.get(Case, case.id) is None


def test_audit_entries_are_refused_anywhere_else(stores) -> None:
    a, b = stores("sara.sup"), stores("omar.sup")
    sec = stores("nadia.sec", "national", role="secretariat")
    case = _register(a)
    writes = _audit_writes(a)
    # a field device never keeps them, whatever the envelope says
    b.state.apply(a.id, 1, writes, scope=f"audit:{a.id}")
    assert b.count("SELECT count(*) FROM remote_audit") == 0
    # the secretariat: only from the device's own audit scope, only entries naming that device
    sec.state.apply(a.id, 1, writes, scope="north")
    sec.state.apply(b.id, 1, writes, scope=f"audit:{b.id}")
    forged = Write("audit", f"{a.id}:99", "entry", {**writes[0].value, "seq": 98}, (a.id, 99))
    sec.state.apply(a.id, 2, [forged], scope=f"audit:{a.id}")
    assert sec.count("SELECT count(*) FROM remote_audit") == 0
    # and a case write sealed under an audit scope never reaches the records
    case_writes = [o.write for o in a.state.pending(1000)[0] if o.write.record_id == case.id]
    result = sec.state.apply(a.id, 3, case_writes, scope=f"audit:{a.id}")
    assert result.ignored == len(case_writes) and sec.store.get(Case, case.id) is None
    assert json.loads(json.dumps(writes[0].value))["device_id"] == a.id
