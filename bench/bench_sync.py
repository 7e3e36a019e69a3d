"""Sync through a real hub on loopback with TLS, on SQLite and on PostgreSQL.

``./dev bench --only sync [--sync-cases N] [--sync-devices D]``

1. About 10,000 field writes from one device (N demo cases with their people, risks,
   consents, notes, referrals, services and tasks, default 112 cases: 10,000 and a few
   synced writes): laptop A packs,
   seals and pushes them (``SyncClient.sync``), laptop B pulls, opens and applies them.
   Target: each ≤ 15 s. Baseline measured in the same run: the same writes applied straight
   into a third store with ``SyncState.apply`` (no hub, no network, no encryption), and the
   same writes merged in memory with ``app.merge``.
2. Bytes on the wire for one changed field: the POST /v1/envelopes that carries it (request
   line, headers with the signature, body with the sealed envelope). Target ≤ 1.5 KB.
3. Hub ingest on PostgreSQL with 2 hub processes (``serve --workers 2``): D devices (default
   20) push at once, each from its own thread, sealed envelopes of 10 writes, 10 per request;
   envelopes per second and errors. Baseline: one device pushing the same number of
   envelopes alone.

PostgreSQL: ``HIMAYA_BENCH_POSTGRES`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``);
each run makes a database of its own and drops it. Without a server its parts are skipped.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import httpx

ROOT = Path(__file__).resolve().parents[1]
PASSPHRASE = "benchmark passphrase, synthetic data only"
POSTGRES = os.environ.get("HIMAYA_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
TARGET_SECONDS = 15.0
TARGET_BYTES = 1536
INGEST_WRITES = 10  # writes per envelope in the ingest part
INGEST_BATCH = 10  # envelopes per POST
INGEST_POSTS = 25  # POSTs per device


def _load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


# --- a hub process ---------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Hub:
    url: str
    pin: str
    admin_code: str
    ca_pem: str
    database: str


@contextlib.contextmanager
def _postgres() -> Iterator[str | None]:
    """A database of its own on the PostgreSQL server (dropped afterwards), or None without one."""
    import psycopg

    try:
        admin = psycopg.connect(POSTGRES, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        print(f"  PostgreSQL not reachable at {POSTGRES}: {str(exc).strip().splitlines()[0]}")
        yield None
        return
    name = f"himaya_bench_{secrets.token_hex(4)}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield POSTGRES.rsplit("/", 1)[0] + "/" + name
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def _hub(folder: Path, database: str | None, workers: int = 1) -> Iterator[Hub]:
    data = folder / "hub"
    init = [sys.executable, "-m", "sync.hub", "init", "--data", str(data), "--json"]
    done = subprocess.run(init + (["--database", database] if database else []), cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    if done.returncode != 0:
        raise SystemExit(f"himaya-hub init failed: {done.stderr.strip()}")
    info = json.loads(done.stdout)
    port = _free_port()
    serve = [sys.executable, "-m", "sync.hub", "serve", "--data", str(data), "--port", str(port),
             "--workers", str(workers), "--log-level", "warning"] + (["--database", database] if database else [])
    with open(data / "serve.log", "wb") as log:
        process = subprocess.Popen(serve, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    ca_pem = (data / "ca.pem").read_text(encoding="ascii")
    url = f"https://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        with httpx.Client(verify=ssl.create_default_context(cadata=ca_pem), timeout=2) as client:
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the hub did not start: " + (data / "serve.log").read_text(errors="replace"))
                try:
                    if client.get(url + "/v1/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
        yield Hub(url, info["pin"], info["admin_code"], ca_pem, database or "sqlite")
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


# --- stores ----------------------------------------------------------------------------------
def _store(folder: Path, username: str, role: Any, scope: str = "north") -> Any:
    from app.domain.user import User
    from storage.vault import Vault
    from ui.composition import services_for

    user = User(str(uuid.uuid4()), username, username.title(), role, scope,
                datetime.now(timezone.utc).replace(microsecond=0))
    return services_for(Vault(folder).create(user, PASSPHRASE))


def _synced(svc: Any, factory: Any = None) -> Any:
    from sync.client import SyncClient

    result = SyncClient(svc.sync.state, factory).sync() if factory else svc.sync.sync()
    if result.error:
        raise SystemExit(f"sync failed: {result.error}")
    return result


# --- counting what goes on the wire -------------------------------------------------------------
@dataclass
class Sent:
    method: str
    path: str
    head: int  # request line and headers, as HTTP/1.1 sends them
    body: int


class _Counting(httpx.BaseTransport):
    """Records the size of every request it passes to the real HTTPS transport."""

    def __init__(self, inner: httpx.BaseTransport, log: list[Sent]) -> None:
        self.inner, self.log = inner, log

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        target = request.url.raw_path.decode("ascii")
        head = len(f"{request.method} {target} HTTP/1.1\r\n") + 2 + sum(
            len(name) + 2 + len(value) + 2 for name, value in request.headers.raw)
        self.log.append(Sent(request.method, request.url.path, head, len(body)))
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def _counting_factory(log: list[Sent]) -> Any:
    from sync.device import identity
    from sync.transport import HubTransport, ca_context

    def factory(state: Any) -> HubTransport:
        me = identity(state)
        inner = httpx.HTTPTransport(verify=ca_context(me.ca_pem))
        return HubTransport(me.hub_url, me.ca_pem, me.device, me.signer, http=_Counting(inner, log))

    return factory


# --- part 1 and 2: one device's 10,000 writes, one field -------------------------------------------
@dataclass
class DeviceFigures:
    backend: str
    writes: int = 0
    envelopes: int = 0
    cases: int = 0
    push: float = 0.0
    pull: float = 0.0
    direct: float = 0.0
    memory: float = 0.0
    wire_bytes: int = 0
    wire_body: int = 0
    wire_head: int = 0
    notes: list[str] = field(default_factory=list)


def _device_part(folder: Path, backend: str, database: str | None, cases: int) -> DeviceFigures:
    from app.demo import generate
    from app.domain.values import Role
    from app.merge import merge_all
    from storage.sync_state import SyncState
    from sync.protocol import open_envelope, parse_envelope

    figures = DeviceFigures(backend, cases=cases)
    with _hub(folder, database) as hub:
        sec = _store(folder / "sec", "nadia.sec", Role.SECRETARIAT, "national")
        a = _store(folder / "a", "sara.sup", Role.SUPERVISOR)
        b = _store(folder / "b", "omar.sup", Role.SUPERVISOR)
        c = _store(folder / "c", "lina.sup", Role.SUPERVISOR)
        try:
            sec.sync.create_realm(hub.url, hub.pin, hub.admin_code)
            for svc, name in ((a, "Laptop A"), (b, "Laptop B")):
                enrolled = svc.sync.enrol(hub.url, hub.pin, sec.sync.invite(name, ["north"]), name)
                sec.sync.approve(enrolled.device, expect_fingerprint=enrolled.fingerprint)
                _synced(svc)
            demo = list(generate(cases, seed=7, users=[a.opened.user], device_code=a.opened.store.device_code))
            a.cases.add_prepared(a.session, demo, chunk=2000)

            started = time.perf_counter()
            pushed = _synced(a)
            figures.push = time.perf_counter() - started
            figures.envelopes = pushed.pushed
            started = time.perf_counter()
            pulled = _synced(b)
            figures.pull = time.perf_counter() - started
            if pulled.pulled != pushed.pushed:
                figures.notes.append(f"B applied {pulled.pulled} envelopes of {pushed.pushed}")

            # the baselines: the same writes without hub, network or encryption
            key = a.sync.state.scope_keys()[("north", 1)]
            batches = []
            for seq, text in a.sync.state.envelopes_since(1):
                envelope = parse_envelope(json.loads(text))
                batches.append((seq, open_envelope(envelope, key)))
            figures.writes = sum(len(w) for _seq, w in batches)
            started = time.perf_counter()
            registers: dict[tuple[str, str, str], Any] = {}
            for _seq, writes in batches:
                for w in writes:
                    k = (w.record_type, w.record_id, w.field)
                    registers[k] = merge_all(registers.get(k), [w])
            figures.memory = time.perf_counter() - started
            direct = SyncState(c.opened.store)
            started = time.perf_counter()
            for seq, writes in batches:
                direct.apply(a.sync.state.device_id, seq, writes)
            figures.direct = time.perf_counter() - started

            # one changed field
            case = demo[0].case
            a.cases.update_case(a.session, case.id, office="Tangier social services office")
            log: list[Sent] = []
            _synced(a, _counting_factory(log))
            posts = [s for s in log if s.method == "POST" and s.path == "/v1/envelopes"]
            if len(posts) != 1:
                figures.notes.append(f"one field took {len(posts)} POSTs")
            if posts:
                figures.wire_head, figures.wire_body = posts[0].head, posts[0].body
                figures.wire_bytes = posts[0].head + posts[0].body
        finally:
            for svc in (sec, a, b, c):
                svc.lock()
    return figures


# --- part 3: hub ingest with many devices pushing at once -----------------------------------------
class _MemoryState:
    """Just enough of a device's sync state to enrol it (keys and settings in memory)."""

    def __init__(self) -> None:
        self.device_id = f"bench-{uuid.uuid4().hex[:12]}"
        self._config: dict[str, str] = {}
        self._secrets: dict[str, bytes] = {}

    def config(self) -> dict[str, str]:
        return dict(self._config)

    def set_config(self, **values: str) -> None:
        self._config.update(values)

    def secret(self, name: str) -> bytes | None:
        return self._secrets.get(name)

    def set_secret(self, name: str, raw: bytes) -> None:
        self._secrets[name] = raw


@dataclass
class IngestFigures:
    devices: int
    envelopes: int = 0
    seconds: float = 0.0
    errors: int = 0
    alone_seconds: float = 0.0
    alone_envelopes: int = 0
    latencies: list[float] = field(default_factory=list)
    first_error: str = ""


def _ingest_part(folder: Path, database: str, devices: int) -> IngestFigures:
    from app.domain.values import Role
    from app.merge import Write
    from sync.device import identity, transport_for
    from sync.enrolment import enrol
    from sync.protocol import canonical, seal

    figures = IngestFigures(devices)
    with _hub(folder, database, workers=2) as hub:
        sec = _store(folder / "sec", "nadia.sec", Role.SECRETARIAT, "national")
        try:
            sec.sync.create_realm(hub.url, hub.pin, hub.admin_code)
            states = []
            for number in range(devices + 1):  # one more: the baseline pushes alone
                state = _MemoryState()
                enrolled = enrol(state, hub.url, hub.pin, sec.sync.invite(f"Bench {number}", ["north"]),
                                 f"Bench {number}")
                sec.sync.approve(enrolled.device)
                states.append(state)
            key = sec.sync.state.scope_keys()[("north", 1)]
            realm = sec.sync.state.config()["realm_id"]
            bodies: list[list[bytes]] = []
            for state in states:
                me = identity(state)
                posts, seq = [], 0
                for _post in range(INGEST_POSTS):
                    texts = []
                    for _envelope in range(INGEST_BATCH):
                        seq += 1
                        record = str(uuid.uuid4())
                        writes = [Write("case", record, f"field{i}", f"value {i}", (me.device, seq * 100 + i), (),
                                        "2026-11-22T12:00:00+00:00", "bench") for i in range(INGEST_WRITES)]
                        envelope = seal(writes, realm=realm, device=me.device, seq=seq, scope="north", epoch=1,
                                        content_key=key, signer=me.signer)
                        texts.append(canonical(envelope.to_json()))
                    posts.append(b'{"envelopes":[' + b",".join(texts) + b"]}")
                bodies.append(posts)

            lock = threading.Lock()

            def push(state: _MemoryState, posts: list[bytes], gate: threading.Barrier | None) -> None:
                transport = transport_for(state)
                try:
                    if gate is not None:
                        gate.wait()
                    for raw in posts:
                        started = time.perf_counter()
                        try:
                            answer = transport.post("/v1/envelopes", raw=raw)
                            ok = int(answer.get("stored", 0)) == INGEST_BATCH
                            problem = "" if ok else f"stored {answer}"
                        except Exception as exc:  # noqa: BLE001 - every failure is counted, and the first shown
                            ok, problem = False, f"{type(exc).__name__}: {exc}"
                        with lock:
                            figures.latencies.append(time.perf_counter() - started)
                            if ok:
                                figures.envelopes += INGEST_BATCH
                            else:
                                figures.errors += 1
                                figures.first_error = figures.first_error or problem
                finally:
                    transport.close()

            # baseline: one device alone
            started = time.perf_counter()
            push(states[-1], bodies[-1], None)
            figures.alone_seconds = time.perf_counter() - started
            figures.alone_envelopes, figures.envelopes, figures.latencies = figures.envelopes, 0, []

            gate = threading.Barrier(devices + 1)
            threads = [threading.Thread(target=push, args=(s, p, gate)) for s, p in zip(states[:-1], bodies[:-1])]
            for thread in threads:
                thread.start()
            gate.wait()
            started = time.perf_counter()
            for thread in threads:
                thread.join()
            figures.seconds = time.perf_counter() - started
        finally:
            sec.lock()
    return figures


# --- the report --------------------------------------------------------------------------------
def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


def _met(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def run(cases: int = 112, devices: int = 20) -> None:
    os.environ.setdefault("HIMAYA_KDF", "minimum")  # unlocking is not what is measured here
    work = Path(tempfile.mkdtemp(prefix="himaya-bench-sync-"))
    print(f"Himaya sync benchmark — {cases} demo cases from one device; {devices} devices for hub ingest; "
          f"folder {work}")
    print(f"  before: {_load()}")
    results: list[DeviceFigures] = []
    print("1-2. SQLite hub (one process) ...", flush=True)
    results.append(_device_part(work / "sqlite", "SQLite", None, cases))
    with _postgres() as database:
        if database is not None:
            print("1-2. PostgreSQL hub (one process) ...", flush=True)
            results.append(_device_part(work / "postgresql", "PostgreSQL", database, cases))
    ingest = None
    with _postgres() as database:
        if database is not None:
            print(f"3. PostgreSQL hub, 2 processes, {devices} devices pushing at once ...", flush=True)
            ingest = _ingest_part(work / "ingest", database, devices)
    print(f"  after: {_load()}")

    first = results[0]
    print(f"\nData: {first.writes:,} field writes ({first.cases} demo cases: people, risks, consents, notes, "
          f"referrals, services, tasks) in {first.envelopes} envelopes; TLS on loopback; stores SQLCipher")
    print(f"{'hub':<11} {'push A':>8} {'pull B':>8} {'both':>8} {'≤ 15 s':>7} {'direct apply':>13} "
          f"{'pull/direct':>12} {'merge in memory':>16} {'1 field on wire':>16}")
    for f in results:
        met = f.push <= TARGET_SECONDS and f.pull <= TARGET_SECONDS
        print(f"{f.backend:<11} {f.push:7.2f}s {f.pull:7.2f}s {f.push + f.pull:7.2f}s {_met(met):>7} "
              f"{f.direct:12.2f}s {f.pull / f.direct:11.2f}× {f.memory * 1000:14.0f}ms "
              f"{f.wire_bytes:>10,} B {_met(0 < f.wire_bytes <= TARGET_BYTES)}")
        for note in f.notes:
            print(f"  note ({f.backend}): {note}")
    if results:
        f = results[0]
        print(f"  one changed field: POST /v1/envelopes = {f.wire_head} B request line and headers (signature, "
              f"nonce, time, device) + {f.wire_body} B body (the sealed, signed envelope) = {f.wire_bytes} B "
              f"(target ≤ {TARGET_BYTES} B); TLS 1.3 adds 22 B per record")
    if ingest is None:
        print("3. hub ingest: skipped (no PostgreSQL)")
        return
    i = ingest
    total = i.devices * INGEST_POSTS * INGEST_BATCH
    rate = i.envelopes / i.seconds if i.seconds else 0.0
    alone_rate = i.alone_envelopes / i.alone_seconds if i.alone_seconds else 0.0
    print(f"\n3. hub ingest, PostgreSQL, 2 hub processes: {i.devices} devices × {INGEST_POSTS} POSTs × "
          f"{INGEST_BATCH} envelopes of {INGEST_WRITES} writes = {total:,} envelopes")
    print(f"{'pushing':<22} {'envelopes':>10} {'seconds':>8} {'envelopes/s':>12} {'POST p50':>9} {'POST p95':>9} "
          f"{'errors':>7}")
    print(f"{'one device alone':<22} {i.alone_envelopes:>10,} {i.alone_seconds:8.2f} {alone_rate:12.0f} "
          f"{'':>9} {'':>9} {'':>7}")
    print(f"{f'{i.devices} devices at once':<22} {i.envelopes:>10,} {i.seconds:8.2f} {rate:12.0f} "
          f"{statistics.median(i.latencies) * 1000 if i.latencies else 0:8.0f}ms "
          f"{_pct(i.latencies, 0.95) * 1000:8.0f}ms {i.errors:>7}")
    print(f"  ratio to one device alone: {rate / alone_rate if alone_rate else 0:.2f}× the envelopes per second "
          f"(clients, hub and PostgreSQL share the machine's {os.cpu_count()} cores)")
    if i.first_error:
        print(f"  first error: {i.first_error}")
