"""Test kit for the hub: run real hub processes, and act as devices and the secretariat against them.

* ``init_hub`` / ``HubServer`` start ``python -m sync.hub serve`` as a subprocess on a free
  loopback port with real TLS, and stop it;
* ``postgres_database`` makes (and drops) a PostgreSQL database of its own;
* ``TestDevice`` holds a device's keys and signs every request with ``sync.protocol``;
* ``create_realm``, ``enrol``, ``approve``, ``approved_device`` walk enrolment;
* ``Realm.seal`` seals envelopes under the realm's scope keys.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import ssl
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from app.merge import Write
from sync.protocol import (DeviceCertificate, Envelope, b64, canonical, issue_certificate, new_content_key,
                           new_exchange_key, new_signing_key, public_bytes, seal, sign_request, wrap_key)

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_ADMIN_URL = os.environ.get("HIMAYA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


# --- hub processes ---------------------------------------------------------------------
def run_hub_cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "sync.hub", *args], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"himaya-hub {' '.join(args)} failed: {result.stderr}")
    return result


def init_hub(data: Path, database: str | None = None) -> dict[str, Any]:
    """``himaya-hub init --json``: the pin, the admin code and where the CA is."""
    args = ["init", "--data", str(data), "--json"] + (["--database", database] if database else [])
    return json.loads(run_hub_cli(*args).stdout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ssl_context(ca_pem: str) -> ssl.SSLContext:
    """Trust the hub's own CA and nothing else, as devices do."""
    return ssl.create_default_context(cadata=ca_pem)


class HubServer:
    """One ``serve`` subprocess; ``url`` once it answers /v1/health."""

    def __init__(self, data: Path, database: str | None = None, workers: int = 1) -> None:
        self.data, self.database, self.workers = Path(data), database, workers
        self.ca_pem = (self.data / "ca.pem").read_text(encoding="ascii")
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> "HubServer":
        for _attempt in range(3):
            self.port = free_port()
            log = open(self.data / f"serve-{self.port}.log", "wb")
            args = [sys.executable, "-m", "sync.hub", "serve", "--data", str(self.data), "--port", str(self.port),
                    "--workers", str(self.workers), "--log-level", "warning", "--graceful-timeout", "1"]
            if self.database:
                args += ["--database", self.database]
            self.process = subprocess.Popen(args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
            log.close()
            if self._wait_ready(timeout):
                return self
            self.stop()
        raise AssertionError("the hub did not start: " + self.log_text())

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with httpx.Client(verify=ssl_context(self.ca_pem), timeout=2) as client:
            while time.monotonic() < deadline:
                if self.process is None or self.process.poll() is not None:
                    return False
                try:
                    if client.get(self.url + "/v1/health").status_code == 200:
                        return True
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        return False

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in self.data.glob("serve-*.log"))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database (dropped afterwards); skips when no server runs, unless CI is set."""
    import psycopg

    name = f"himaya_hub_test_{secrets.token_hex(6)}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class RunningHub:
    """What the ``hub`` fixture yields."""

    url: str
    ca_pem: str
    pin: str
    admin_code: str
    data: Path
    database: str  # the URL the hub uses (SQLite file or PostgreSQL)
    backend: str  # "sqlite" | "postgresql"
    server: HubServer

    def device(self, name: str = "device") -> "TestDevice":
        return TestDevice(self, name)


# --- devices ---------------------------------------------------------------------------
class TestDevice:
    """A device's keys and a signed HTTPS client to the hub (verifying its CA only; none without a hub)."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, hub: Any, name: str = "device", device_id: str | None = None) -> None:
        self.hub = hub
        self.id = device_id or f"dev-{uuid.uuid4().hex[:12]}"
        self.name = name
        self.sign = new_signing_key()
        self.exchange = new_exchange_key()
        self.certificate: DeviceCertificate | None = None
        self.seq = 0  # last envelope seq sealed
        self.client = (httpx.Client(base_url=hub.url, verify=ssl_context(hub.ca_pem), timeout=60)
                       if hub is not None else None)

    @property
    def sign_public(self) -> str:
        return b64(public_bytes(self.sign))

    @property
    def exchange_public(self) -> str:
        return b64(public_bytes(self.exchange))

    def client_for(self, url: str) -> httpx.Client:
        """A client to another process of the same hub (same CA), e.g. behind a balancer."""
        return httpx.Client(base_url=url, verify=ssl_context(self.hub.ca_pem), timeout=60)

    def request(self, method: str, path: str, body: Any = None, *, content: bytes | None = None,
                time_offset: int = 0, nonce: str | None = None, signer: Any = None,
                headers: dict[str, str] | None = None, via: httpx.Client | None = None) -> httpx.Response:
        """A signed request (through ``via`` if given); ``content`` sends raw bytes instead of JSON."""
        raw = content if content is not None else (b"" if body is None else json.dumps(body).encode("utf-8"))
        signed = sign_request(signer or self.sign, self.id, method, path, raw, int(time.time()) + time_offset, nonce)
        if raw:
            signed["Content-Type"] = "application/json"
        return (via or self.client).request(method, path, content=raw, headers={**signed, **(headers or {})})

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, body, **kwargs)

    def push(self, envelopes: list[Envelope]) -> httpx.Response:
        return self.post("/v1/envelopes", {"envelopes": [e.to_json() for e in envelopes]})

    def push_via(self, envelopes: list[Envelope], client: httpx.Client) -> httpx.Response:
        return self.post("/v1/envelopes", {"envelopes": [e.to_json() for e in envelopes]}, via=client)

    def pull_all(self, since: int = 0, limit: int = 500) -> tuple[list[dict[str, Any]], int]:
        items: list[dict[str, Any]] = []
        while True:
            page = self.get(f"/v1/feed?since={since}&limit={limit}")
            assert page.status_code == 200, page.text
            data = page.json()
            items += data["envelopes"]
            since = data["next"]
            if not data["more"]:
                return items, since

    def close(self) -> None:
        self.client.close()


@dataclass
class Realm:
    """The secretariat's side: the realm key and every scope's content keys by epoch."""

    id: str
    key: Any = field(default_factory=new_signing_key)
    scope_keys: dict[str, dict[int, bytes]] = field(default_factory=dict)

    @property
    def public(self) -> str:
        return b64(public_bytes(self.key))

    def content_key(self, scope: str, epoch: int = 1) -> bytes:
        return self.scope_keys.setdefault(scope, {}).setdefault(epoch, new_content_key())

    def certificate(self, device: TestDevice, scopes: list[str], role: str = "device") -> DeviceCertificate:
        return issue_certificate(self.key, realm=self.id, device=device.id, name=device.name,
                                 sign_public=public_bytes(device.sign), exchange_public=public_bytes(device.exchange),
                                 role=role, scopes=tuple(scopes), issued_at="2026-11-22T12:00:00Z")

    def wrapped(self, device: TestDevice, scope: str, epoch: int = 1) -> dict[str, Any]:
        return {"scope": scope, "epoch": epoch,
                "wrapped": wrap_key(self.content_key(scope, epoch), public_bytes(device.exchange), realm=self.id,
                                    device=device.id, scope=scope, epoch=epoch)}

    def seal(self, device: TestDevice, scope: str, writes: list[Write], *, epoch: int = 1,
             seq: int | None = None) -> Envelope:
        """The device's next envelope (or the given ``seq``) holding ``writes``."""
        if seq is None:
            device.seq += 1
            seq = device.seq
        return seal(writes, realm=self.id, device=device.id, seq=seq, scope=scope, epoch=epoch,
                    content_key=self.content_key(scope, epoch), signer=device.sign)


def writes_for(device: TestDevice, count: int = 1, value: Any = "x", record_id: str | None = None) -> list[Write]:
    record = record_id or str(uuid.uuid4())
    return [Write("case", record, f"field{i}", value, (device.id, i + 1), (), "2026-11-22T12:00:00Z", "tester")
            for i in range(count)]


def create_realm(hub: RunningHub, realm_id: str = "realm-test") -> tuple[Realm, TestDevice]:
    realm = Realm(realm_id)
    secretariat = TestDevice(hub, "Secretariat", device_id="secretariat-1")
    secretariat.certificate = realm.certificate(secretariat, ["*"], role="secretariat")
    answer = secretariat.post("/v1/realm", {"admin_code": hub.admin_code,
                                            "realm": {"id": realm.id, "public_key": realm.public},
                                            "certificate": secretariat.certificate.to_json()})
    assert answer.status_code == 201, answer.text
    return realm, secretariat


def invite(secretariat: TestDevice, scopes: list[str], name: str = "Laptop", ttl_hours: int = 72) -> str:
    answer = secretariat.post("/v1/invites", {"name": name, "scopes": scopes, "ttl_hours": ttl_hours})
    assert answer.status_code == 201, answer.text
    return answer.json()["code"]


def enrol(hub: RunningHub, code: str, name: str = "Laptop") -> TestDevice:
    device = TestDevice(hub, name)
    answer = device.post("/v1/enrol", {"code": code, "device": device.id, "name": name,
                                       "sign_public": device.sign_public, "exchange_public": device.exchange_public})
    assert answer.status_code == 201, answer.text
    return device


def approve(realm: Realm, secretariat: TestDevice, device: TestDevice, scopes: list[str]) -> None:
    device.certificate = realm.certificate(device, scopes)
    answer = secretariat.post(f"/v1/devices/{device.id}/approve", {
        "certificate": device.certificate.to_json(), "keys": [realm.wrapped(device, s) for s in scopes]})
    assert answer.status_code == 200, answer.text


def approved_device(hub: RunningHub, realm: Realm, secretariat: TestDevice, scopes: list[str],
                    name: str = "Laptop") -> TestDevice:
    device = enrol(hub, invite(secretariat, scopes, name), name)
    approve(realm, secretariat, device, scopes)
    return device


def envelope_bytes(envelope: Envelope) -> bytes:
    return canonical(envelope.to_json())
