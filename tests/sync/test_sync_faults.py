"""Exactly-once effect under faults (SYNC.md, "What must be proved by tests").

Real encrypted stores and a real hub process over TLS:

* the connection cut at random byte offsets of pushes and pulls (``faultproxy``, both
  directions: a request cut part-way, an answer lost after the hub did the work); the
  devices sync again until a sync succeeds (SQLite and PostgreSQL hubs);
* the client process killed (SIGKILL) in the middle of packing, pushing and pulling, then
  run again (SQLite hub).

Afterwards nothing is lost and nothing doubled, compared with a clean run: the hub holds
exactly the envelopes a device on a clean network would have sent for the same work
(contiguous sequence numbers, once each), every envelope was applied once on the receiving
device, and its records equal those of the secretariat, which pulled on a clean connection.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
from faultproxy import Cut, FaultProxy
from hubkit import ROOT, RunningHub

import sync.client
from app.domain.audit import AuditAction
from app.domain.person import Person
from app.domain.user import User
from app.domain.values import Role
from storage.merge_state import SYNCED
from storage.tables import BY_RECORD_TYPE
from storage.vault import Vault
from sync.hub.db import normalise_url
from ui.composition import Services, services_for

PASSPHRASE = "cedar harbour lantern 7 violet"
SYNCED_TABLES = sorted({BY_RECORD_TYPE[t].name for t in SYNCED})
sqlite_only = pytest.mark.parametrize("hub", ["sqlite"], indirect=True)


def _store(folder: Path, username: str, role: Role, scope: str = "north") -> Services:
    user = User(str(uuid.uuid4()), username, username.title(), role, scope,
                datetime.now(timezone.utc).replace(microsecond=0))
    return services_for(Vault(folder).create(user, PASSPHRASE))


def _join(sec: Services, device: Services, hub: RunningHub, name: str) -> None:
    enrolled = device.sync.enrol(hub.url, hub.pin, sec.sync.invite(name, ["north"]), name)
    sec.sync.approve(enrolled.device, expect_fingerprint=enrolled.fingerprint)
    assert device.sync.sync().error is None


@dataclass
class Net:
    hub: RunningHub
    folder: Path
    sec: Services
    devices: dict[str, Services]

    def reopen(self, label: str) -> Services:
        svc = services_for(Vault(self.folder / label).unlock(f"{label}.sup", PASSPHRASE))
        self.devices[label] = svc
        return svc


@pytest.fixture
def net(hub: RunningHub, tmp_path: Path) -> Iterator[Net]:
    sec = _store(tmp_path / "sec", "nadia.sec", Role.SECRETARIAT, "national")
    sec.sync.create_realm(hub.url, hub.pin, hub.admin_code)
    devices = {label: _store(tmp_path / label, f"{label}.sup", Role.SUPERVISOR) for label in ("a", "b", "c")}
    running = Net(hub, tmp_path, sec, devices)
    try:
        for label, svc in devices.items():
            _join(sec, svc, hub, f"Laptop {label}")
        yield running
    finally:
        for svc in (running.sec, *running.devices.values()):
            try:
                svc.lock()
            except Exception:  # noqa: BLE001 - locked already by the test
                pass


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many small envelopes, posts and feed pages: many points where a fault can fall."""
    monkeypatch.setattr(sync.client, "PACK_WRITES", 40)
    monkeypatch.setattr(sync.client, "PUSH_ENVELOPES", 3)
    monkeypatch.setattr(sync.client, "FEED_PAGE", 4)


def _work(svc: Services, cases: int, tag: str) -> None:
    """The same work for every device that is given it: cases registered, every third edited."""
    for i in range(cases):
        person = Person(str(uuid.uuid4()), first_name=f"{tag}{i:03d}", second_name="Traore")
        case = svc.cases.register(svc.session, person, border_post="TNG-MED")
        if i % 3 == 0:
            svc.cases.update_case(svc.session, case.id, office=f"Office {tag} {i}")


def _records(svc: Services) -> dict[str, list[tuple[str, Any]]]:
    db = svc.opened.store.db
    return {t: [(rid, json.loads(data)) for rid, data in db.execute(f"SELECT id, data FROM {t} ORDER BY id")]
            for t in SYNCED_TABLES}


_ENGINES: dict[str, sa.Engine] = {}


def _hub_query(hub: RunningHub, sql: str, **params: Any) -> list[Any]:
    """Read the hub's own database (WAL: readers never block the hub)."""
    engine = _ENGINES.get(hub.database)
    if engine is None:
        engine = _ENGINES[hub.database] = sa.create_engine(normalise_url(hub.database), poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params).all())


def _hub_envelopes(hub: RunningHub, *, case_work: bool = False) -> dict[str, list[int]]:
    """Every envelope the hub holds (or those of case work only, not the audit entries each
    device sends the secretariat), as its device's sequence numbers."""
    where = " WHERE scope NOT LIKE :audit" if case_work else ""
    rows = _hub_query(hub, f"SELECT device, seq FROM envelopes{where} ORDER BY device, seq", audit="audit:%")
    held: dict[str, list[int]] = {}
    for device, seq in rows:
        held.setdefault(device, []).append(int(seq))
    return held


def _requests_made(hub: RunningHub, device: str) -> int:
    """Signed requests the hub saw from ``device`` (one nonce each): where a sync has got to."""
    return int(_hub_query(hub, "SELECT count(*) FROM nonces WHERE device = :d", d=device)[0][0])


def _sync_until_done(svc: Services, attempts: int = 120) -> int:
    """Sync again after every failure; returns how many syncs failed first."""
    for failed in range(attempts):
        result = svc.sync.sync()
        if result.error is None:
            return failed
    raise AssertionError(f"no sync succeeded in {attempts} attempts: {result.error}")


def _check_exactly_once(net: Net, receiver: Services, senders: dict[str, Services]) -> None:
    held = _hub_envelopes(net.hub)
    for svc in senders.values():
        state = svc.sync.state
        device = state.device_id
        saved = [seq for seq, _text in state.envelopes_since(1)]
        assert saved == list(range(1, len(saved) + 1)), "the device's envelopes are numbered without gaps"
        assert held.get(device) == saved, "the hub holds each envelope of the device once, none missing"
        assert state.unsent(10) == [] and state.pending(10)[0] == [], "everything was packed and acknowledged"
    others = sum(len(seqs) for device, seqs in _hub_envelopes(net.hub, case_work=True).items()
                 if device != receiver.sync.state.device_id)  # a field device gets no one's audit entries
    db = receiver.opened.store.db
    applied = db.execute("SELECT count(*) FROM sync_applied").fetchone()[0]
    received = db.execute("SELECT count(*) FROM audit WHERE action = ?", (AuditAction.SYNC_RECEIVED,)).fetchone()[0]
    assert applied == received == others, "every envelope of the others applied exactly once"
    assert net.sec.sync.sync().error is None  # the secretariat pulls everything on a clean connection
    assert _records(receiver) == _records(net.sec)


# --- the connection cut ----------------------------------------------------------------------

def test_connections_cut_during_push_and_pull_lose_and_double_nothing(net: Net, small_batches: None) -> None:
    a, b, c = net.devices["a"], net.devices["b"], net.devices["c"]
    _work(a, 40, "a")
    _work(c, 40, "c")  # the same work, on a clean network: what A's hub state must look like
    assert c.sync.sync().error is None
    # first cuts placed by hand (inside the TLS handshake, a request, an answer, late in a
    # long exchange), then seeded random ones
    planned = [Cut("up", 300), Cut("up", 9_000), Cut("down", 2_500), Cut("down", 20_000), Cut("up", 18_000),
               Cut("down", 40_000)]
    with FaultProxy(net.hub.server.port, cuts=planned, probability=0.6, max_offset=30_000, seed=1234) as proxy:
        for svc in (a, b):
            svc.sync.state.set_config(hub_url=proxy.url)
        failed_push = _sync_until_done(a)
        # the same work took as many envelopes under faults as on a clean network, each once at the hub
        # (the audit entries differ: A's record what it received in each of its syncs)
        clean = _hub_envelopes(net.hub, case_work=True)[c.sync.state.device_id]
        assert _hub_envelopes(net.hub, case_work=True)[a.sync.state.device_id] == clean == list(
            range(clean[0], clean[0] + len(clean)))
        _work(a, 5, "a2")  # more work while B is still catching up
        failed_pull = _sync_until_done(b)
        failed_again = _sync_until_done(a)
        assert failed_push + failed_pull + failed_again >= 6 and proxy.cuts_made >= 6, proxy.cut_log
        cut_ways = {log.cut.direction for log in proxy.cut_log if log.was_cut and log.cut}
        assert cut_ways == {"up", "down"}, "requests and answers were both cut"
    b.sync.state.set_config(hub_url=net.hub.url)
    assert b.sync.sync().error is None  # and A's last changes
    _check_exactly_once(net, b, {"a": a, "c": c})
    names = {d["prs_FirstName"] for _id, d in _records(b)["persons"]}
    assert {f"a{i:03d}" for i in range(40)} | {f"a2{i:03d}" for i in range(5)} <= names


# --- the client process killed ----------------------------------------------------------------

DRIVER = ("import sys, sync.client as c; c.PACK_WRITES = 40; c.PUSH_ENVELOPES = 1; c.FEED_PAGE = 1; "
          "from ui.cli.main import main; sys.exit(main(sys.argv[1:]))")


def _cli_sync(folder: Path, user: str) -> subprocess.Popen:
    env = {**os.environ, "HIMAYA_PASSPHRASE": PASSPHRASE, "HIMAYA_USER": user, "HIMAYA_KDF": "minimum",
           "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", DRIVER, "--store", str(folder), "sync"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _kill_after_requests(net: Net, label: str, device: str, requests: int) -> str:
    """Run ``himaya-cli sync`` for the device and SIGKILL it once the hub has seen ``requests``
    more signed requests from it. Returns "killed" or "finished" (it was quicker)."""
    start = _requests_made(net.hub, device)
    process = _cli_sync(net.folder / label, f"{label}.sup")
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                output = process.stdout.read() if process.stdout else ""
                assert process.returncode == 0, output
                return "finished"
            if _requests_made(net.hub, device) - start >= requests:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
                return "killed"
            time.sleep(0.01)
        raise AssertionError("the sync process neither finished nor got going")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()


@sqlite_only
def test_the_client_killed_mid_sync_loses_and_doubles_nothing(net: Net) -> None:
    rng = random.Random(99)
    a, b = net.devices["a"], net.devices["b"]
    device_a, device_b = a.sync.state.device_id, b.sync.state.device_id
    _work(a, 60, "a")
    _work(b, 6, "b")
    a.lock()
    b.lock()
    # A: killed during the status exchange or packing, then twice during the push
    outcomes, at_hub = [], []
    for requests in (1, 4 + rng.randrange(3), 5 + rng.randrange(3)):
        outcomes.append(_kill_after_requests(net, "a", device_a, requests))
        at_hub.append(len(_hub_envelopes(net.hub).get(device_a, [])))
    assert _kill_after_requests(net, "a", device_a, 10_000) == "finished"
    # B: killed during its own push and during the pull of A's envelopes, then run to the end
    outcomes += [_kill_after_requests(net, "b", device_b, n) for n in (3, 6 + rng.randrange(3), 6 + rng.randrange(3))]
    assert _kill_after_requests(net, "b", device_b, 10_000) == "finished"
    assert outcomes.count("killed") >= 5, outcomes
    total = len(_hub_envelopes(net.hub)[device_a])
    assert any(0 < n < total for n in at_hub), f"A was killed half-way through its push: {at_hub} of {total}"
    a, b = net.reopen("a"), net.reopen("b")
    assert a.sync.sync().error is None  # B's changes
    _check_exactly_once(net, b, {"a": a, "b": b})
    assert _records(a) == _records(b)
