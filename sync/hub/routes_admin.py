"""What only the secretariat's devices may call: invites, devices, approval, revocation, keys, publishing."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any, Iterable

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from sync.hub import db
from sync.hub.auth import Caller, clean_name, require_secretariat, unb64_or_malformed
from sync.hub.errors import HubError, malformed
from sync.hub.models import (ERRORS, ApproveBody, DevicesOut, DeviceStatusOut, InviteBody, InviteOut, KeysBody,
                             PublicationBody, PublishedOut, StoredOut)
from sync.hub.routes_device import approved_caller, code_hash, hub_of, realm_of
from sync.protocol import ProtocolError, b64, check_id, fingerprint, parse_certificate, verify_publication

router = APIRouter(prefix="/v1", responses=ERRORS)


def secretariat(caller: Caller = Depends(approved_caller)) -> Caller:
    require_secretariat(caller)
    return caller


def new_code() -> str:
    """24 letters and digits (120 bits), in groups of four so a person can read it out."""
    text = base64.b32encode(secrets.token_bytes(15)).decode("ascii")
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


def _checked_ids(values: Iterable[str], what: str) -> list[str]:
    try:
        return [check_id(value, what) for value in values]
    except ProtocolError as exc:
        raise malformed(str(exc)) from None


@router.post("/invites", status_code=201, response_model=InviteOut,
             summary="A one-time invite code for a new device (shown once)")
def invite(body: InviteBody, request: Request, caller: Caller = Depends(secretariat)) -> JSONResponse:
    scopes = sorted(set(_checked_ids(body.scopes, "scope")))
    name = clean_name(body.name, "invite's name")
    code, now = new_code(), db.now()
    expires = now + body.ttl_hours * 3600
    with db.writing(hub_of(request).engine) as conn:
        conn.execute(insert(db.invites).values(code_hash=code_hash(code), name=name, scopes=json.dumps(scopes),
                                               created_at=now, expires_at=expires))
    return JSONResponse({"code": code, "expires_at": expires}, status_code=201)


def _device_json(row: Any) -> dict[str, Any]:
    sign_public = base64.b64decode(row["sign_public"])
    return {"device": row["device"], "name": row["name"], "status": row["status"], "role": row["role"],
            "scopes": json.loads(row["scopes"]), "sign_public": row["sign_public"],
            "exchange_public": row["exchange_public"], "fingerprint": fingerprint(sign_public),
            "enrolled_at": row["enrolled_at"], "approved_at": row["approved_at"], "revoked_at": row["revoked_at"],
            "last_seen": row["last_seen"]}


@router.get("/devices", response_model=DevicesOut, summary="Every enrolled device: pending, approved and revoked")
def devices(request: Request, caller: Caller = Depends(secretariat)) -> dict[str, Any]:
    with db.reading(hub_of(request).engine) as conn:
        rows = conn.execute(select(db.devices).order_by(db.devices.c.enrolled_at, db.devices.c.device)).mappings()
        return {"devices": [_device_json(row) for row in rows]}


def _device_row(conn: Connection, device: str) -> Any:
    try:
        check_id(device, "device")
    except ProtocolError:
        raise HubError(404, "no_such_device", "no device of that id is enrolled") from None
    row = conn.execute(select(db.devices).where(db.devices.c.device == device)).mappings().first()
    if row is None:
        raise HubError(404, "no_such_device", f"no device {device[:80]!r} is enrolled")
    return row


def _put_keys(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Store wrapped keys; a key sent again for the same (device, scope, epoch) replaces the old."""
    now = db.now()
    for row in rows:
        conn.execute(delete(db.scope_keys).where(db.scope_keys.c.device == row["device"],
                                                 db.scope_keys.c.scope == row["scope"],
                                                 db.scope_keys.c.epoch == row["epoch"]))
        conn.execute(insert(db.scope_keys).values(**row, created_at=now))


@router.post("/devices/{device}/approve", response_model=DeviceStatusOut,
             summary="Approve a device: its certificate and its wrapped scope keys")
def approve(device: str, body: ApproveBody, request: Request, caller: Caller = Depends(secretariat)) -> dict[str, Any]:
    engine = hub_of(request).engine
    realm_id, _, realm_public = realm_of(engine)
    try:
        certificate = parse_certificate(body.certificate, realm_public)
    except ProtocolError as exc:
        raise HubError(400, "bad_certificate", str(exc)) from None
    for key in body.keys:
        _checked_ids([key.scope], "scope")
        unb64_or_malformed(key.wrapped, "wrapped key", max_size=4096)
        if not certificate.covers(key.scope):
            raise malformed(f"the certificate does not cover scope {key.scope}")
    with db.writing(engine) as conn:
        row = _device_row(conn, device)
        if row["status"] == "revoked":
            raise HubError(409, "device_revoked", "a revoked device cannot be approved again")
        if (certificate.device != device or certificate.realm != realm_id
                or b64(certificate.sign_public) != row["sign_public"]
                or b64(certificate.exchange_public) != row["exchange_public"]):
            raise HubError(400, "bad_certificate", "the certificate is not for this device's registered keys")
        conn.execute(update(db.devices).where(db.devices.c.device == device).values(
            status="approved", role=certificate.role, scopes=json.dumps(list(certificate.scopes)),
            certificate=json.dumps(certificate.to_json(), ensure_ascii=False), approved_at=db.now()))
        _put_keys(conn, [{"device": device, "scope": k.scope, "epoch": k.epoch, "wrapped": k.wrapped}
                         for k in body.keys])
    return {"device": device, "status": "approved"}


@router.post("/devices/{device}/revoke", response_model=DeviceStatusOut,
             summary="Revoke a device: refused at once from now on")
def revoke(device: str, request: Request, caller: Caller = Depends(secretariat)) -> dict[str, Any]:
    if device == caller.device:
        raise HubError(409, "cannot_revoke_self", "a device cannot revoke itself")
    with db.writing(hub_of(request).engine) as conn:
        row = _device_row(conn, device)
        if row["status"] != "revoked":
            conn.execute(update(db.devices).where(db.devices.c.device == device)
                         .values(status="revoked", revoked_at=db.now()))
    return {"device": device, "status": "revoked"}


@router.post("/keys", response_model=StoredOut, summary="Store wrapped scope keys (a key rotation's new epochs)")
def keys(body: KeysBody, request: Request, caller: Caller = Depends(secretariat)) -> dict[str, Any]:
    rows = []
    for key in body.keys:
        _checked_ids([key.device, key.scope], "device or scope")
        unb64_or_malformed(key.wrapped, "wrapped key", max_size=4096)
        rows.append({"device": key.device, "scope": key.scope, "epoch": key.epoch, "wrapped": key.wrapped})
    with db.writing(hub_of(request).engine) as conn:
        for device in sorted({row["device"] for row in rows}):
            target = _device_row(conn, device)
            if target["status"] == "revoked":
                raise HubError(409, "device_revoked", f"device {device} is revoked: it gets no new keys")
            covered = json.loads(target["scopes"])
            for row in rows:
                if row["device"] == device and "*" not in covered and row["scope"] not in covered:
                    raise malformed(f"device {device} does not cover scope {row['scope']}")
        _put_keys(conn, rows)
    return {"stored": len(rows)}


@router.post("/publications", status_code=201, response_model=PublishedOut,
             summary="Publish a signed checklist or service directory")
def publish(body: PublicationBody, request: Request, caller: Caller = Depends(secretariat)) -> JSONResponse:
    engine = hub_of(request).engine
    realm_id, _, realm_public = realm_of(engine)
    payload = unb64_or_malformed(body.payload, "payload", max_size=6 * 1024 * 1024)
    try:
        verify_publication(realm_public, realm_id, body.kind, body.version, payload, body.signature)
    except ProtocolError:
        raise HubError(400, "bad_publication_signature",
                       f"the {body.kind} is not signed by the realm key") from None
    stale = HubError(409, "stale_version", f"a {body.kind} of version {body.version} or later is already published")
    try:
        with db.writing(engine) as conn:
            latest = conn.execute(select(func.max(db.publications.c.version))
                                  .where(db.publications.c.kind == body.kind)).scalar()
            if latest is not None and body.version <= int(latest):
                raise stale
            conn.execute(insert(db.publications).values(kind=body.kind, version=body.version, payload=body.payload,
                                                        signature=body.signature, published_at=db.now()))
    except IntegrityError:
        raise stale from None
    return JSONResponse({"kind": body.kind, "version": body.version}, status_code=201)
