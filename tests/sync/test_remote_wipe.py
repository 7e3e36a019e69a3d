"""The remote wipe: a device the secretariat revoked erases its whole store at its next
contact with the hub, and only when the answer comes from the pinned hub to a request it
signed. Real encrypted stores and a real hub process over TLS (SQLite)."""

from __future__ import annotations

import http.server
import json
import logging
import os
import shutil
import ssl
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from hubkit import RunningHub

from app.domain.audit import AuditAction
from app.domain.case import Case
from app.domain.person import Person
from app.domain.user import User
from app.domain.values import Role
from app.errors import StoreNotFound
from storage.sync_state import SyncState
from storage.vault import Vault
from storage.wipe import destroy_file
from sync.errors import DeviceRevoked, HubRefused
from sync.hub.tls import TlsFiles, create_ca, issue_server_certificate
from sync.protocol import new_signing_key
from sync.transport import HubTransport
from ui.composition import Services, services_for

PASSPHRASE = "cedar harbour lantern 7 violet"
CANARY = "Zainabou-canary-7731"
sqlite_hub = pytest.mark.parametrize("module_hub", ["sqlite"], indirect=True)


def _store(folder: Path, username: str, role: Role, scope: str = "north") -> Services:
    user = User(str(uuid.uuid4()), username, username.title(), role, scope,
                datetime.now(timezone.utc).replace(microsecond=0))
    return services_for(Vault(folder).create(user, PASSPHRASE))


@pytest.fixture(scope="module")
def secretariat(module_hub: RunningHub, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    sec = _store(tmp_path_factory.mktemp("sec"), "nadia.sec", Role.SECRETARIAT, "national")
    sec.sync.create_realm(module_hub.url, module_hub.pin, module_hub.admin_code)
    yield sec
    sec.lock()


def _device(hub: RunningHub, sec: Services, folder: Path, username: str) -> Services:
    svc = _store(folder, username, Role.SUPERVISOR)
    code = sec.sync.invite(username, ["north"])
    enrolled = svc.sync.enrol(hub.url, hub.pin, code, username)
    sec.sync.approve(enrolled.device, expect_fingerprint=enrolled.fingerprint)
    result = svc.sync.sync()
    assert result.error is None and result.status == "approved", result.error
    return svc


def _register(svc: Services, first_name: str) -> Case:
    person = Person(str(uuid.uuid4()), first_name=first_name, second_name="Traore")
    return svc.cases.register(svc.session, person, border_post="TNG-MED")


def _left(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@sqlite_hub
def test_a_revoked_device_erases_its_store_and_the_others_go_on(module_hub, secretariat, tmp_path, caplog) -> None:
    a = _device(module_hub, secretariat, tmp_path / "a", "sara.sup")
    b = _device(module_hub, secretariat, tmp_path / "b", "omar.sup")
    folder = a.opened.vault.folder
    _register(a, CANARY)
    assert a.sync.sync().error is None
    # Copies of the key file the store keeps: before a migration, and the store a restore replaced.
    a.opened.vault.backup_files("before-schema-test", a.opened.store.db)
    kept = folder / "backups" / "replaced-by-restore-1"
    kept.mkdir()
    for name in ("himaya.db", "keys.json"):
        shutil.copy2(folder / name, kept / name)
    (folder / ".keys.json.abc.tmp").write_bytes((folder / "keys.json").read_bytes())  # a save cut short
    (folder / "not-ours.txt").write_text("a file the user put here")
    a_device = a.sync.status().device

    secretariat.sync.revoke(a_device)
    with caplog.at_level(logging.INFO):
        result = a.sync.sync()

    assert result.wiped and result.status == "revoked" and result.error_code == "revoked"
    assert "erased" in (result.error or "")
    assert _left(folder) == ["not-ours.txt"]  # no key file, no database, no backups
    assert not Vault(folder).exists()
    with pytest.raises(StoreNotFound):
        Vault(folder).unlock("sara.sup", PASSPHRASE)  # the old passphrase opens nothing
    assert any("erasing this store" in r.getMessage() for r in caplog.records)  # the one line the log keeps
    assert all(CANARY not in r.getMessage() for r in caplog.records)
    a.lock()  # locking what was wiped is quiet

    case = _register(b, "Mariam")  # B, not revoked, goes on
    assert b.sync.sync().error is None and b.sync.status().status == "approved"
    assert secretariat.sync.sync().error is None
    assert secretariat.opened.store.get(Case, case.id) is not None
    devices = {d.device: d.status for d in secretariat.sync.devices()}
    assert devices[a_device] == "revoked" and devices[b.sync.status().device] == "approved"
    b.lock()


@sqlite_hub
def test_the_wipe_is_audited_in_the_store_before_it_goes(module_hub, secretariat, tmp_path, monkeypatch) -> None:
    a = _device(module_hub, secretariat, tmp_path / "a", "leila.sup")
    secretariat.sync.revoke(a.sync.status().device)
    seen: list[str] = []
    real_wipe = Vault.wipe

    def wipe(vault: Vault) -> int:  # read the trail after the store closed, before the files go
        store = vault.open_with_key(key)
        seen.extend(entry.event.action for entry in store.audit_entries())
        store.close()
        return real_wipe(vault)

    key = bytes(a.opened._data_key)
    monkeypatch.setattr(Vault, "wipe", wipe)
    assert a.sync.sync().wiped
    assert seen[-2:] == [AuditAction.SYNC_KEYS_ERASED, AuditAction.STORE_WIPED]
    assert bytes(a.opened._data_key) == bytes(len(key))  # the key bytes held were overwritten


@sqlite_hub
def test_a_store_told_revoked_before_finishes_its_wipe_without_the_hub(module_hub, secretariat, tmp_path) -> None:
    a = _device(module_hub, secretariat, tmp_path / "a", "yassin.sup")
    SyncState(a.opened.store).set_config(status="revoked", hub_url="https://127.0.0.1:9")  # a wipe cut short
    assert a.sync.sync().wiped
    assert not Vault(tmp_path / "a").exists()


# --- a forged answer -------------------------------------------------------------------------------

class _Revoker(http.server.BaseHTTPRequestHandler):
    """Answers every request as the hub answers a revoked device."""

    answered: list[str] = []

    def _answer(self) -> None:
        type(self).answered.append(self.path)
        body = json.dumps({"error": "revoked", "detail": "wipe yourself", "wipe": True}).encode()
        self.send_response(403)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def forged_hub(tmp_path: Path) -> Iterator[str]:
    """An HTTPS server with a certificate from another CA that says "revoked" to everything."""
    files = TlsFiles.in_folder(tmp_path / "other-ca")
    files.ca_cert.parent.mkdir(parents=True)
    create_ca(files)
    issue_server_certificate(files, ["127.0.0.1"])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(files.server_cert, files.server_key)
    _Revoker.answered = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Revoker)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@sqlite_hub
def test_a_revoked_answer_from_a_server_outside_the_pin_is_never_read(module_hub, secretariat, tmp_path,
                                                                        forged_hub) -> None:
    a = _device(module_hub, secretariat, tmp_path / "a", "karim.sup")
    case = _register(a, CANARY)
    SyncState(a.opened.store).set_config(hub_url=forged_hub)  # e.g. a DNS or network redirection
    result = a.sync.sync()
    assert not result.wiped and result.error_code == "unreachable" and result.status != "revoked"
    assert _Revoker.answered == []  # TLS refused the server before any request went out
    assert a.opened.store.get(Case, case.id) is not None and a.sync.state.secret("sign") is not None
    a.lock()
    assert Vault(tmp_path / "a").unlock("karim.sup", PASSPHRASE).store.get(Case, case.id) is not None


# --- the transport believes "revoked" only as the answer to a signed request, with wipe ---------------

def _transport(answer: dict) -> HubTransport:
    handler = httpx.MockTransport(lambda request: httpx.Response(403, json=answer))
    return HubTransport("https://hub.test", "", "dev-1", new_signing_key(), http=handler)


def test_revoked_is_believed_only_for_a_signed_request_that_is_told_to_wipe() -> None:
    with _transport({"error": "revoked", "detail": "x", "wipe": True}) as transport:
        with pytest.raises(DeviceRevoked):
            transport.get("/v1/me")
        with pytest.raises(HubRefused):
            transport.get_public("/v1/me")  # unsigned: anyone could have answered
    with _transport({"error": "revoked", "detail": "x"}) as transport:
        with pytest.raises(HubRefused):
            transport.get("/v1/me")  # no wipe asked: a refusal like any other
    with _transport({"error": "revoked", "detail": "x", "wipe": "yes"}) as transport:
        with pytest.raises(HubRefused):
            transport.get("/v1/me")


def test_a_key_file_is_overwritten_in_place_before_it_is_removed(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    secret = b'{"users": [{"wrapped_key": "' + os.urandom(48).hex().encode() + b'"}]}'
    path.write_bytes(secret)
    same_blocks = tmp_path / "other-name"
    os.link(path, same_blocks)  # a second name for the same inode shows what the disk blocks hold
    destroy_file(path)
    assert not path.exists()
    left = same_blocks.read_bytes()
    assert len(left) == len(secret) and left != secret and b"wrapped_key" not in left
