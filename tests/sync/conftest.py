"""Fixtures for the sync tests: a real hub process over TLS on loopback, on SQLite and PostgreSQL.

``hub`` inits a hub in a temporary folder, starts ``python -m sync.hub serve`` on a free
port and yields a ``hubkit.RunningHub`` (url, ca_pem, pin, admin_code, data, database);
on PostgreSQL it uses a database of its own, dropped afterwards. ``module_hub`` is the
same, shared by one test module, and ``realm_hub`` that one with its realm already created
(tests that refuse things need no fresh hub each).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

import pytest
from hubkit import HubServer, Realm, RunningHub, TestDevice, create_realm, init_hub, postgres_database

from sync.hub.db import sqlite_url


@contextlib.contextmanager
def running_hub(data: Path, backend: str) -> Iterator[RunningHub]:
    with contextlib.ExitStack() as stack:
        database = stack.enter_context(postgres_database()) if backend == "postgresql" else None
        info = init_hub(data, database)
        server = HubServer(data, database).start()
        stack.callback(server.stop)
        yield RunningHub(url=server.url, ca_pem=server.ca_pem, pin=info["pin"], admin_code=info["admin_code"],
                         data=data, database=database or sqlite_url(data), backend=backend, server=server)


@pytest.fixture(params=["sqlite", "postgresql"])
def hub(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningHub]:
    with running_hub(tmp_path / "hub", request.param) as running:
        yield running


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_hub(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    with running_hub(tmp_path_factory.mktemp("hub"), request.param) as running:
        yield running


@pytest.fixture(scope="module")
def realm_hub(module_hub: RunningHub) -> tuple[RunningHub, Realm, TestDevice]:
    """A hub shared by a module, its realm created: (hub, realm, secretariat device)."""
    realm, secretariat = create_realm(module_hub)
    return module_hub, realm, secretariat
