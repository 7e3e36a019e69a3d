"""Exactly once under faults, with real stores and a real hub: connections cut at random
points of pushes and pulls (a cutting proxy on loopback). Syncing again until it succeeds
must leave every case on the other device once. (The client process killed mid-sync, at
points chosen by counting its requests, is in test_sync_faults.py.)
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from faultproxy import FaultProxy
from hubkit import RunningHub

from app.domain.case import Case
from app.domain.person import Person
from app.domain.user import User
from app.domain.values import Role
from app.ports import CaseQuery
from storage.vault import Vault
from sync.device import identity
from sync.service import SyncService
from sync.transport import HubTransport
from ui.composition import Services, services_for

PASSPHRASE = "cedar harbour lantern 7 violet"
pytestmark = pytest.mark.parametrize("hub", ["sqlite"], indirect=True)


def _store(folder: Path, username: str, role: Role, scope: str = "north") -> Services:
    user = User(str(uuid.uuid4()), username, username.title(), role, scope,
                datetime.now(timezone.utc).replace(microsecond=0))
    return services_for(Vault(folder).create(user, PASSPHRASE))


def _network(hub: RunningHub, tmp_path: Path) -> tuple[Services, Services, Services]:
    sec = _store(tmp_path / "sec", "nadia.sec", Role.SECRETARIAT, "national")
    a = _store(tmp_path / "a", "sara.sup", Role.SUPERVISOR)
    b = _store(tmp_path / "b", "omar.sup", Role.SUPERVISOR)
    sec.sync.create_realm(hub.url, hub.pin, hub.admin_code)
    for svc, name in ((a, "A"), (b, "B")):
        enrolled = svc.sync.enrol(hub.url, hub.pin, sec.sync.invite(name, ["north"]), name)
        sec.sync.approve(enrolled.device)
        assert svc.sync.sync().error is None
    return sec, a, b


def _register(svc: Services, name: str) -> Case:
    return svc.cases.register(svc.session, Person(str(uuid.uuid4()), first_name=name, second_name="Diallo"),
                              border_post="TNG-MED")


def _numbers(svc: Services) -> list[str]:
    return sorted(row.case_number for row in svc.cases.list_cases(svc.session, CaseQuery(limit=500)))


def _until_done(service: SyncService, attempts: int = 60) -> int:
    failures = 0
    for _ in range(attempts):
        result = service.sync()
        if result.error is None:
            return failures
        assert "cannot be reached" in result.error, result.error
        failures += 1
    raise AssertionError("sync never succeeded through the cutting proxy")


def test_connections_cut_at_random_points_lose_and_double_nothing(hub: RunningHub, tmp_path: Path) -> None:
    sec, a, b = _network(hub, tmp_path)
    try:
        with FaultProxy(int(hub.url.rsplit(":", 1)[1]), probability=0.5, max_offset=6000, seed=7) as proxy:
            def through_proxy(state: Any) -> HubTransport:
                me = identity(state)
                return HubTransport(proxy.url, me.ca_pem, me.device, me.signer)

            made = []
            for round_ in range(4):
                for i in range(3):
                    made.append(_register(a, f"Name{round_}{i}").case_number)
                    b_case = _register(b, f"Other{round_}{i}")
                    made.append(b_case.case_number)
                for svc in (a, b):
                    _until_done(SyncService(svc.sync.state, svc.session, through_proxy))
            for svc in (a, b):
                _until_done(SyncService(svc.sync.state, svc.session, through_proxy))
            assert proxy.cuts_made >= 3  # the faults really happened
        assert _numbers(a) == _numbers(b) == sorted(made)
        assert a.sync.state.unsent(1000) == [] and b.sync.state.unsent(1000) == []
        assert sec.sync.sync().error is None and _numbers(sec) == sorted(made)
    finally:
        for svc in (sec, a, b):
            svc.lock()
