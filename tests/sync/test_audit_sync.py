"""Audit entries reach the secretariat through a real hub, readable by it only.

A secretariat approves two field devices of scope north (A and B). A does case work and
syncs: the secretariat receives every audit entry of A, its chain verifies, and B, a device
of the same scope, never gets them (its feed does not carry A's audit scope, and it holds no
key for it). Syncing again doubles nothing; an entry altered on the way is named by
``himaya-cli audit devices``.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import pytest
from hubkit import RunningHub

from app.domain.audit import audit_scope
from app.domain.person import Person
from app.domain.user import User
from app.domain.values import Role
from app.merge import Write
from app.services import audit as audit_service
from storage.vault import Vault
from sync.protocol import parse_envelope
from ui.composition import Services, services_for

PASSPHRASE = "cedar harbour lantern 7 violet"
pytestmark = pytest.mark.parametrize("hub", ["sqlite"], indirect=True)


def _store(folder: Path, username: str, role: Role, scope: str) -> Services:
    user = User(str(uuid.uuid4()), username, username.title(), role, scope,
                datetime.now(timezone.utc).replace(microsecond=0))
    return services_for(Vault(folder).create(user, PASSPHRASE))


def _sync(*who: Services) -> list[tuple[int, int]]:
    done = []
    for svc in who:
        result = svc.sync.sync()
        assert result.error is None, result.error
        done.append((result.pushed, result.pulled))
    return done


@dataclasses.dataclass
class Net:
    sec: Services
    a: Services
    b: Services
    folder: Path
    sec_locked: bool = False


@pytest.fixture
def net(hub: RunningHub, tmp_path: Path) -> Iterator[Net]:
    sec = _store(tmp_path / "sec", "nadia.sec", Role.SECRETARIAT, "national")
    a = _store(tmp_path / "a", "sara.sup", Role.SUPERVISOR, "north")
    b = _store(tmp_path / "b", "omar.sup", Role.SUPERVISOR, "north")
    net = Net(sec, a, b, tmp_path)
    try:
        sec.sync.create_realm(hub.url, hub.pin, hub.admin_code)
        for device, name in ((a, "Tangier laptop"), (b, "Nador laptop")):
            enrolled = device.sync.enrol(hub.url, hub.pin, sec.sync.invite(name, ["north"]), name)
            sec.sync.approve(enrolled.device, expect_fingerprint=enrolled.fingerprint)
        yield net
    finally:
        for svc in (a, b) if net.sec_locked else (sec, a, b):
            svc.lock()


def _received(sec: Services, device: str) -> list:
    return [entry for d, entry in sec.sync.state.remote_audit() if d == device]


def _case_work(svc: Services) -> None:
    case = svc.cases.register(svc.session, Person(str(uuid.uuid4()), first_name="Aminata", second_name="Traore"),
                              border_post="TNG-MED")
    svc.cases.open_case(svc.session, case.id)  # a view: audited, and exactly what B must not learn
    svc.cases.update_case(svc.session, case.id, office="Tangier office")


def test_the_secretariat_alone_gets_every_audit_entry_of_a_device_and_its_chain_verifies(net: Net) -> None:
    a_id = net.a.sync.status().device
    _case_work(net.a)
    _sync(net.a, net.b, net.sec)

    mine = list(net.a.opened.store.iter_audit())
    assert any(e.event.action == "case_viewed" for e in mine)
    assert _received(net.sec, a_id) == mine
    report = {d.device: d for d in audit_service.devices(net.sec.sync.state, net.sec.session)}
    assert report[a_id].entries == len(mine) and report[a_id].chain.ok
    assert report[net.b.sync.status().device].chain.ok  # B's own entries arrive too

    # B, a device of the same scope, got A's case but none of A's audit entries
    b_state = net.b.sync.state
    assert b_state.remote_audit() == []
    assert net.b.opened.store.db.execute("SELECT count(*) FROM remote_audit").fetchone()[0] == 0
    a_envelopes = [parse_envelope(json.loads(text)) for _seq, text in net.a.sync.state.envelopes_since(1)]
    audit_seqs = {e.seq for e in a_envelopes if e.scope == audit_scope(a_id)}
    case_seqs = {e.seq for e in a_envelopes if e.scope == "north"}
    assert audit_seqs and case_seqs
    applied = {seq for device, seq in b_state._rows("SELECT device, seq FROM sync_applied") if device == a_id}
    held = {seq for device, seq, _text in b_state.held() if device == a_id}
    assert case_seqs <= applied and not audit_seqs & (applied | held)
    assert not any(scope == audit_scope(a_id) for scope, _epoch in b_state.scope_keys())

    # syncing again doubles nothing
    count = len(net.sec.sync.state.remote_audit())
    assert _sync(net.a, net.b, net.sec) == [(0, 0), (0, 0), (0, 0)]
    assert len(net.sec.sync.state.remote_audit()) == count
    # new work on A: only the new entries follow, and the chain still verifies
    _case_work(net.a)
    _sync(net.a, net.sec)
    assert _received(net.sec, a_id) == list(net.a.opened.store.iter_audit())


def test_audit_devices_names_an_entry_altered_on_the_way(net: Net, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    a_id = net.a.sync.status().device
    _case_work(net.a)
    _sync(net.a, net.sec)
    first_new = len(list(net.a.opened.store.iter_audit())) + 1
    _case_work(net.a)
    # the next entries of A reach the secretariat with one of them altered (who viewed which case)
    writes = [o.write for o in net.a.sync.state.pending_audit(1000)[0]]
    assert writes[0].record_id == f"{a_id}:{first_new}"
    value = dict(writes[1].value)
    value["record_id"] = "another-case"
    tampered = [writes[0], Write(writes[1].record_type, writes[1].record_id, writes[1].field, value,
                                 writes[1].dot), *writes[2:]]
    net.sec.sync.state.apply(a_id, 10_000, tampered, scope=audit_scope(a_id))
    # the genuine entries arriving later change nothing: the first copy of an entry is kept
    _sync(net.a, net.sec)

    code, out = _cli(net, monkeypatch, capsys, "audit", "devices")
    line = next(line for line in out.splitlines() if line.startswith(a_id))
    assert code == 1 and f"entry {first_new + 1} altered" in line, out
    assert f"{len(list(net.a.opened.store.iter_audit()))} entries" in line
    code, out = _cli(net, monkeypatch, capsys, "audit", "devices", "--json")
    rows = {row["device"]: row for row in json.loads(out)}
    assert (rows[a_id]["intact"], rows[a_id]["first_broken"], rows[a_id]["problem"]) == (False, first_new + 1,
                                                                                            "altered")


def _cli(net: Net, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
         *args: str) -> tuple[int, str]:
    from i18n import gettext_for
    from ui.cli import commands, main as cli_main, session

    english: Callable[[str], str] = gettext_for("en")
    for module in (session, commands, cli_main):
        monkeypatch.setattr(module, "_", english)
    monkeypatch.setenv("HIMAYA_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("HIMAYA_USER", raising=False)
    if not net.sec_locked:
        net.sec.lock()  # the command opens the store itself
        net.sec_locked = True
    capsys.readouterr()
    try:
        code = cli_main.main(["--store", str(net.folder / "sec"), "--user", "nadia.sec", *args])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    return code, capsys.readouterr().out


def test_a_device_approved_without_an_audit_scope_sends_none_until_approved_again(
        net: Net, hub: RunningHub, monkeypatch: pytest.MonkeyPatch) -> None:
    from sync import admin

    c = _store(net.folder / "c", "driss.sup", Role.SUPERVISOR, "north")
    try:
        enrolled = c.sync.enrol(hub.url, hub.pin, net.sec.sync.invite("Oujda laptop", ["north"]), "Oujda laptop")
        with monkeypatch.context() as patch:  # approved as before audit scopes existed
            patch.setattr(admin, "audit_scope", lambda device: "north")
            net.sec.sync.approve(enrolled.device, expect_fingerprint=enrolled.fingerprint)
        _case_work(c)
        _sync(c, net.sec)
        assert json.loads(c.sync.state.config()["certificate"])["scopes"] == ["north"]
        sent = [parse_envelope(json.loads(text)).scope for _seq, text in c.sync.state.envelopes_since(1)]
        assert sent == ["north"] and _received(net.sec, enrolled.device) == []
        # approved again: its audit scope now, and its whole trail from the first entry
        net.sec.sync.approve(enrolled.device, expect_fingerprint=enrolled.fingerprint)
        _sync(c, net.sec)
        assert _received(net.sec, enrolled.device) == list(c.opened.store.iter_audit())
        report = {d.device: d for d in audit_service.devices(net.sec.sync.state, net.sec.session)}
        assert report[enrolled.device].chain.ok
    finally:
        c.lock()
