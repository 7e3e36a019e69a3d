"""Scopes hold across sync: a transfer reaches a team the sending device holds no key for,
through the secretariat, and a device of one scope cannot write into another's cases.

Real encrypted stores and a real hub over TLS (SQLite: the backend makes no difference here).
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from hubkit import RunningHub
from test_client_sync import _case, _register, _store

from app.domain.case import Case
from app.domain.values import CaseState, Role
from app.merge import Write
from sync.protocol import canonical, seal, signing_key
from ui.composition import Services

pytestmark = pytest.mark.parametrize("hub", ["sqlite"], indirect=True)


def _join(hub: RunningHub, sec: Services, device: Services, name: str, scope: str) -> None:
    code = sec.sync.invite(name, [scope])
    enrolled = device.sync.enrol(hub.url, hub.pin, code, name)
    sec.sync.approve(enrolled.device, expect_fingerprint=enrolled.fingerprint)


@contextmanager
def realm_of(hub: RunningHub, tmp_path: Path, *members: tuple[str, str, str]) -> Iterator[list[Services]]:
    """The secretariat's store (it creates the realm) and one supervisor's store per
    ``(folder, username, scope)``, each enrolled and approved in that scope."""
    opened = [_store(tmp_path / "sec", "nadia.sec", Role.SECRETARIAT, "national")]
    try:
        opened[0].sync.create_realm(hub.url, hub.pin, hub.admin_code)
        for folder, username, scope in members:
            opened.append(_store(tmp_path / folder, username, Role.SUPERVISOR, scope))
            _join(hub, opened[0], opened[-1], f"{folder} laptop", scope)
        yield opened
    finally:
        for svc in opened:
            svc.lock()


@pytest.fixture
def realm(hub: RunningHub, tmp_path: Path) -> Iterator[list[Services]]:
    with realm_of(hub, tmp_path, ("north", "sara.sup", "north"), ("south", "samir.sup", "south")) as opened:
        yield opened


def _sync(*who: Services) -> None:
    for svc in who:
        result = svc.sync.sync()
        assert result.error is None, result.error


def test_a_transfer_to_a_scope_without_a_key_here_reaches_it_through_the_secretariat(realm) -> None:
    sec, north, south = realm
    case = _register(north)
    north.cases.move(north.session, case.id, CaseState.URGENT_PROTECTION, reason="Needs shelter tonight")
    _sync(north, sec, south)
    assert _case(south, case.id) is None and ("south", 1) not in north.sync.state.scope_keys()
    north.cases.add_note(north.session, case.id, "Cousin in Agadir confirmed by phone")  # before the transfer
    north.cases.move(north.session, case.id, CaseState.TRANSFERRED, reason="Family found in Agadir",
                     to_scope="south")
    _sync(north)
    assert north.sync.state.pending(1000)[0] == []  # nothing waits for a key it will never hold
    _sync(south)
    assert _case(south, case.id) is None  # the secretariat has not relayed it yet
    _sync(sec, south)
    moved = south.cases.open_case(south.session, case.id, record_view=False)
    assert moved.case.scope_id == "south" and moved.case.state is CaseState.TRANSFERRED
    assert moved.case == north.opened.store.get(Case, case.id)
    assert {"Cousin in Agadir confirmed by phone", "Family found in Agadir"} <= {n.text for n in moved.notes}
    # The south supervisor reopens it there; north, which no longer holds it, is not sent it.
    south.cases.move(south.session, case.id, CaseState.FOLLOW_UP, reason="Received from Tangier")
    _sync(south, sec, north)
    assert _case(sec, case.id).state is CaseState.FOLLOW_UP
    assert _case(north, case.id).state is CaseState.TRANSFERRED
    # Later work on the transferring device still flows: nothing is stuck behind the transfer.
    other = _register(north, "Mariam")
    result = north.sync.sync()
    assert result.error is None and result.pushed >= 1
    _sync(sec)
    assert _case(sec, other.id) is not None


def test_a_device_cannot_write_into_a_case_of_another_scope(realm) -> None:
    sec, north, south = realm
    case = _register(south)
    _sync(south, sec)
    office_before = _case(sec, case.id).office
    # A north device seals, under its own scope's key, a write to the south case.
    state = north.sync.state
    _sync(north)
    config = state.config()
    seq = state.next_envelope_seq()
    forged = Write("case", case.id, "hmy_Office", "Somewhere else", (north.opened.store.device_id, 10**6),
                   (), "2026-11-22T10:00:00Z", "sara.sup")
    envelope = seal([forged], realm=config["realm_id"], device=north.opened.store.device_id, seq=seq, scope="north",
                    epoch=1, content_key=state.scope_keys()[("north", 1)], signer=signing_key(state.secret("sign")))
    state.save_envelopes([(seq, "north", 1, canonical(envelope.to_json()).decode())], 0)
    _sync(north, sec, south)
    assert _case(sec, case.id).office == office_before
    assert _case(south, case.id).office == office_before
    received = [e for e in sec.opened.store.audit_entries() if e.event.action == "sync.received"
                and (e.event.details.get("device"), e.event.details.get("seq")) == (north.opened.store.device_id, seq)]
    assert received and received[0].event.details["refused_outside_scope"] == 1


def test_the_relayed_writes_keep_their_dots_so_a_second_relay_changes_nothing(realm) -> None:
    sec, north, south = realm
    case = _register(north)
    north.cases.move(north.session, case.id, CaseState.URGENT_PROTECTION, reason="Needs shelter tonight")
    north.cases.move(north.session, case.id, CaseState.TRANSFERRED, reason="Family found in Agadir",
                     to_scope="south")
    _sync(north, sec, south)
    fields = south.opened.store.fields_of("case", case.id)
    assert fields == north.opened.store.fields_of("case", case.id)
    relayed = [json.loads(w) for (w,) in sec.opened.store.db.execute(
        "SELECT writes FROM outbox WHERE relay_scope = 'south'")]
    assert relayed and all(item["d"][0] == north.opened.store.device_id for batch in relayed for item in batch)
    _sync(north, sec, south)  # nothing new anywhere: nothing changes
    assert south.opened.store.fields_of("case", case.id) == fields
