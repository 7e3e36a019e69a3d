"""The sync client end to end: real encrypted stores, a real hub process over TLS.

A secretariat store creates the realm, invites, and approves two field devices (A and B,
supervisors of scope north); everything goes through ``Services.sync`` as the front ends
use it. The flows run on the SQLite and PostgreSQL hubs; the fault and bundle tests on
SQLite only (the hub's backend makes no difference to them).
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
from hubkit import RunningHub

from app.domain.case import Case
from app.merge import Write
from app.domain.person import Person
from app.domain.user import User
from app.domain.values import Role
from app.errors import PermissionDenied
from app.ports import CaseQuery
from app.services.conflicts import ConflictService
from storage.vault import Vault
from sync.device import transport_for
from sync.errors import BundleRefused, HubUnreachable
from sync.protocol import (
    issue_certificate, new_content_key, new_exchange_key, new_signing_key, parse_envelope, public_bytes, seal,
)
from sync.service import SyncService
from sync.transport import HubTransport
from ui.composition import Services, services_for

PASSPHRASE = "cedar harbour lantern 7 violet"
sqlite_only = pytest.mark.parametrize("hub", ["sqlite"], indirect=True)


def _store(folder: Path, username: str, role: Role, scope: str = "north") -> Services:
    user = User(str(uuid.uuid4()), username, username.title(), role, scope,
                datetime.now(timezone.utc).replace(microsecond=0))
    return services_for(Vault(folder).create(user, PASSPHRASE))


@dataclass
class Net:
    hub: RunningHub
    sec: Services
    a: Services
    b: Services

    def sync(self, *who: Services) -> None:
        for svc in who:
            result = svc.sync.sync()
            assert result.error is None, result.error


def _join(hub: RunningHub, sec: Services, device: Services, name: str) -> None:
    code = sec.sync.invite(name, ["north"])
    enrolled = device.sync.enrol(hub.url, hub.pin, code, name)
    assert enrolled.status == "pending"
    approved = sec.sync.approve(enrolled.device, expect_fingerprint=enrolled.fingerprint)
    assert approved.fingerprint == enrolled.fingerprint


@pytest.fixture
def net(hub: RunningHub, tmp_path: Path) -> Iterator[Net]:
    sec = _store(tmp_path / "sec", "nadia.sec", Role.SECRETARIAT, "national")
    a = _store(tmp_path / "a", "sara.sup", Role.SUPERVISOR)
    b = _store(tmp_path / "b", "omar.sup", Role.SUPERVISOR)
    try:
        sec.sync.create_realm(hub.url, hub.pin, hub.admin_code)
        _join(hub, sec, a, "Tangier laptop")
        _join(hub, sec, b, "Nador laptop")
        yield Net(hub, sec, a, b)
    finally:
        for svc in (sec, a, b):
            svc.lock()


def _register(svc: Services, first_name: str = "Aminata") -> Case:
    person = Person(str(uuid.uuid4()), first_name=first_name, second_name="Traore")
    return svc.cases.register(svc.session, person, border_post="TNG-MED")


def _case(svc: Services, case_id: str) -> Case | None:
    return svc.opened.store.get(Case, case_id)


def _conflicts(svc: Services) -> list[tuple[str, str, list[Any]]]:
    return sorted((c.record_id, c.field, sorted(w.value for w in c.writes)) for c in svc.sync.state.conflicts())


# --- enrolment, keys, the first exchange -------------------------------------------------

def test_an_approved_device_gets_its_keys_and_certificate_at_its_first_sync(net: Net) -> None:
    before = net.a.sync.status()
    assert (before.status, before.role, before.scopes) == ("pending", "device", ())
    net.sync(net.a)
    after = net.a.sync.status()
    assert after.status == "approved" and after.scopes == ("north",) and after.last_result
    a_device = after.device  # its own audit scope too: its audit entries go to the secretariat only
    assert json.loads(net.a.sync.state.config()["certificate"])["scopes"] == ["north", f"audit:{a_device}"]
    # the secretariat kept the scope key it made and sees both devices approved
    assert ("north", 1) in net.sec.sync.state.scope_keys()
    assert net.sec.sync.state.scope_keys()[("north", 1)] == net.a.sync.state.scope_keys()[("north", 1)]
    states = {d.name: d.status for d in net.sec.sync.devices()}
    assert states["Tangier laptop"] == states["Nador laptop"] == "approved"


def test_a_case_made_on_a_reaches_b_and_the_secretariat(net: Net) -> None:
    case = _register(net.a)
    net.sync(net.a, net.b, net.sec)
    for svc in (net.b, net.sec):
        got = _case(svc, case.id)
        assert got is not None and got.case_number == case.case_number and got.scope_id == "north"
    result = net.b.sync.sync()  # nothing new: nothing doubles
    assert (result.pushed, result.pulled) == (0, 0)


def test_concurrent_edits_show_one_conflict_everywhere_until_resolved(net: Net) -> None:
    case = _register(net.a)
    net.sync(net.a, net.b)
    net.a.cases.update_case(net.a.session, case.id, office="Tangier office")
    net.b.cases.update_case(net.b.session, case.id, office="Nador office")
    net.sync(net.a, net.b, net.a)
    expected = [(case.id, "hmy_Office", ["Nador office", "Tangier office"])]
    assert _conflicts(net.a) == _conflicts(net.b) == expected
    writers = {w.value: w for w in net.b.sync.state.conflicts()[0].writes}
    assert writers["Tangier office"].actor == "sara.sup" and writers["Nador office"].actor == "omar.sup"
    assert _case(net.a, case.id).office == _case(net.b, case.id).office  # the same value shown meanwhile
    # the supervisor on A keeps the value already shown on A: a new write superseding both
    ConflictService(net.a.sync.state, net.a.cases).resolve(net.a.session, "case", case.id, "hmy_Office",
                                                           "Tangier office")
    assert _conflicts(net.a) == []
    net.sync(net.a, net.b)
    assert _conflicts(net.a) == _conflicts(net.b) == []
    assert _case(net.b, case.id).office == _case(net.a, case.id).office == "Tangier office"


def test_a_publication_reaches_the_devices_verified(net: Net) -> None:
    directory = (Path(__file__).resolve().parents[2] / "resources" / "services" / "directory.json").read_bytes()
    assert net.sec.sync.publish("directory", directory) == 1
    assert net.sec.sync.publish("directory", directory) == 2
    net.sync(net.a)
    received = json.loads(net.a.sync.publication("directory"))
    assert received["version"] == 2 and base64.b64decode(received["payload"]) == directory
    with pytest.raises(PermissionDenied):
        net.a.sync.publish("directory", directory)


# --- faults -------------------------------------------------------------------------------

class _CutAfterSending(HubTransport):
    """Delivers the push, then loses the answer: the hub stored what the device does not know."""

    cut: list[str] = []

    def post(self, path: str, body: Any = None, *, raw: bytes | None = None) -> dict[str, Any]:
        if path == "/v1/envelopes" and self.cut:
            where = self.cut.pop()
            if where == "before":
                raise HubUnreachable(url=self.url, detail="cut before sending")
            super().post(path, body, raw=raw)
            raise HubUnreachable(url=self.url, detail="cut after sending")
        return super().post(path, body, raw=raw)


def _cutting(state: Any) -> HubTransport:
    plain = transport_for(state)
    cutting = _CutAfterSending(plain.url, state.config()["ca_pem"], plain.device, plain._signer)
    plain.close()
    return cutting


@sqlite_only
def test_a_sync_cut_before_or_after_the_push_loses_and_doubles_nothing(net: Net) -> None:
    net.sync(net.a, net.b)
    faulty = SyncService(net.a.sync.state, net.a.session, _cutting)
    first = _register(net.a, "Fatou")
    _CutAfterSending.cut[:] = ["before"]
    assert "cut before sending" in (faulty.sync().error or "")
    saved = net.a.sync.state.unsent(100)
    assert len(saved) == 2  # the case and its audit entries, sealed and saved, not sent
    _CutAfterSending.cut[:] = ["after"]
    assert "cut after sending" in (faulty.sync().error or "")
    assert net.a.sync.state.unsent(100) == saved  # the same bytes wait to be sent again
    second = _register(net.a, "Awa")
    result = net.a.sync.sync()
    assert result.error is None and net.a.sync.state.unsent(100) == []
    net.sync(net.b)
    for case in (first, second):
        assert _case(net.b, case.id).case_number == case.case_number
    numbers = [row.case_number for row in net.b.cases.list_cases(net.b.session, CaseQuery(limit=50))]
    assert sorted(numbers) == sorted([first.case_number, second.case_number])
    again = net.b.sync.sync()
    assert (again.pulled, again.pushed) == (0, 0)


# --- revocation and rotation ---------------------------------------------------------------

def test_a_revoked_device_erases_its_keys_and_the_others_move_to_a_new_epoch(net: Net) -> None:
    net.sync(net.a, net.b)
    b_device = net.b.sync.status().device
    assert net.sec.sync.revoke(b_device) == [f"audit:{b_device}", "north"]
    state = net.b.sync.state
    wiped: list[str] = []
    net.b.sync._wipe = wiped.append  # here the sync keys alone; test_remote_wipe.py erases the store
    result = net.b.sync.sync()
    assert result.status == "revoked" and result.error and result.error_code == "revoked" and result.wiped
    assert wiped and state.scope_keys() == {} and state.secret("sign") is None and state.certificates() == {}
    assert state.config()["status"] == "revoked"
    net.sync(net.a)
    assert ("north", 2) in net.a.sync.state.scope_keys()
    assert net.a.sync.state.scope_keys()[("north", 2)] == net.sec.sync.state.scope_keys()[("north", 2)]
    case = _register(net.a)
    net.sync(net.a)
    newest = [parse_envelope(json.loads(text)) for _seq, text in net.a.sync.state.envelopes_since(1)]
    assert [e.epoch for e in newest if e.scope == "north"][-1] == 2
    net.sync(net.sec)
    assert _case(net.sec, case.id) is not None  # the secretariat reads the new epoch


# --- bundles -------------------------------------------------------------------------------

@sqlite_only
def test_a_bundle_carries_a_case_once_and_refuses_other_realms_and_tampering(net: Net, tmp_path: Path) -> None:
    net.sync(net.a, net.b)
    case = _register(net.a)
    out = tmp_path / "a.himaya-bundle"
    exported = net.a.sync.export_bundle(out)
    assert exported.envelopes >= 1 and exported.packed >= 1
    first = net.b.sync.import_bundle(out)
    assert first.applied >= 1 and _case(net.b, case.id).case_number == case.case_number
    second = net.b.sync.import_bundle(out)
    assert second.applied == 0 and second.skipped == exported.envelopes
    net.sync(net.a, net.b)  # the same envelopes through the hub later: nothing doubles
    assert net.b.sync.sync().pulled == 0

    tampered = tmp_path / "tampered.himaya-bundle"
    data = json.loads(out.read_text())
    ciphertext = data["envelopes"][-1]["ciphertext"]
    data["envelopes"][-1]["ciphertext"] = ("A" if ciphertext[0] != "A" else "B") + ciphertext[1:]
    tampered.write_text(json.dumps(data))
    with pytest.raises(BundleRefused):
        net.b.sync.import_bundle(tampered)

    from sync import bundle as bundle_file

    other_realm, signer, device = new_signing_key(), new_signing_key(), net.a.sync.status().device
    cert = issue_certificate(other_realm, realm="realm-other", device=device, name="x",
                             sign_public=public_bytes(signer), exchange_public=public_bytes(new_exchange_key()),
                             role="device", scopes=("north",), issued_at="2026-11-22T12:00:00Z")
    envelope = seal([Write("case", case.id, "hmy_Office", "elsewhere", (device, 99))], realm="realm-other",
                    device=device, seq=1, scope="north", epoch=1, content_key=new_content_key(), signer=signer)
    foreign = tmp_path / "foreign.himaya-bundle"
    bundle_file.write_bundle(foreign, [envelope], cert, signer)
    with pytest.raises(BundleRefused):
        net.b.sync.import_bundle(foreign)
    assert _case(net.b, case.id).office is None  # nothing of either refused bundle was applied
