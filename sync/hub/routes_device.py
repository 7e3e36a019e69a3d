"""What every device calls: health, CA, realm creation, enrolment, me, certificates, push, feed."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from sync.hub import db
from sync.hub.app import Hub
from sync.hub.auth import (Caller, SignedRequest, authenticate, authenticate_key, clean_name, read_headers,
                           unb64_or_malformed)
from sync.hub.errors import HubError, malformed
from sync.hub.ingest import MAX_PAGE, check_envelopes, feed, ingest
from sync.hub.models import (ERRORS, CaOut, CertificatesOut, EnrolBody, EnvelopesBody, FeedOut, HealthOut, MeOut,
                             PublicationOut, PushOut, RealmBody, RealmOut, StatusOut)
from sync.protocol import (PUBLICATION_KINDS, VERSION, ProtocolError, b64, check_id, parse_certificate,
                           verify_key)

router = APIRouter(prefix="/v1", responses=ERRORS)
ADMIN_CODE_KEY = "admin_code_sha256"


def hub_of(request: Request) -> Hub:
    return request.app.state.hub


async def signed_request(request: Request) -> SignedRequest:
    """The request's signed parts; the path is the one on the request line, query included."""
    body = await request.body()
    path = (request.scope.get("raw_path") or request.url.path.encode()).decode("latin-1")
    query = request.scope.get("query_string", b"").decode("latin-1")
    return read_headers(request.method, path + ("?" + query if query else ""), body, request.headers)


def approved_caller(request: Request, signed: SignedRequest = Depends(signed_request)) -> Caller:
    return authenticate(hub_of(request).engine, signed)


def any_caller(request: Request, signed: SignedRequest = Depends(signed_request)) -> Caller:
    return authenticate(hub_of(request).engine, signed, allow_pending=True)


def code_hash(code: str) -> str:
    """Codes are compared by the hash of their normalised form (case, dashes and spaces ignored)."""
    normal = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(("himaya-code-v1:" + normal).encode("utf-8")).hexdigest()


def realm_of(engine: Engine) -> tuple[str, str, Ed25519PublicKey]:
    with db.reading(engine) as conn:
        row = conn.execute(select(db.realm.c.realm_id, db.realm.c.public_key)).first()
    if row is None:
        raise HubError(409, "no_realm", "the secretariat has not created the realm yet")
    return row[0], row[1], verify_key(row[1], "realm key")


@router.get("/health", response_model=HealthOut, summary="Is the hub up (public)")
def health() -> dict[str, Any]:
    return {"status": "ok", "version": VERSION, "time": db.now()}


@router.get("/ca", response_model=CaOut, summary="The hub's CA certificate (public; devices check it against the pin)")
def ca(request: Request) -> dict[str, str]:
    return {"ca_pem": hub_of(request).ca_pem}


@router.post("/realm", status_code=201, response_model=RealmOut,
             summary="Create the realm (secretariat, one-time admin code)")
def create_realm(body: RealmBody, request: Request, signed: SignedRequest = Depends(signed_request)) -> JSONResponse:
    engine = hub_of(request).engine
    try:
        realm_id = check_id(body.realm.id, "realm id")
        realm_public = verify_key(body.realm.public_key, "realm key")
        certificate = parse_certificate(body.certificate, realm_public)
    except ProtocolError as exc:
        raise malformed(str(exc)) from None
    if certificate.realm != realm_id or certificate.role != "secretariat" or "*" not in certificate.scopes:
        raise malformed("the certificate must be the realm's secretariat device's, covering every scope")
    name = clean_name(certificate.name, "device name")
    authenticate_key(engine, signed, certificate.device, b64(certificate.sign_public))
    now = db.now()
    try:
        with db.writing(engine) as conn:
            if conn.execute(select(db.realm.c.id)).first() is not None:
                raise HubError(409, "realm_exists", "this hub already serves a realm")
            stored = conn.execute(select(db.settings.c.value).where(db.settings.c.key == ADMIN_CODE_KEY)).scalar()
            if stored is None or not hmac.compare_digest(stored, code_hash(body.admin_code)):
                raise HubError(403, "bad_code", "the admin code is wrong or was already used")
            conn.execute(delete(db.settings).where(db.settings.c.key == ADMIN_CODE_KEY))
            conn.execute(insert(db.realm).values(id=1, realm_id=realm_id, public_key=body.realm.public_key,
                                                 created_at=now))
            conn.execute(insert(db.devices).values(
                device=certificate.device, name=name, status="approved", role="secretariat",
                scopes=json.dumps(["*"]), sign_public=b64(certificate.sign_public),
                exchange_public=b64(certificate.exchange_public),
                certificate=json.dumps(certificate.to_json(), ensure_ascii=False), last_seq=0, enrolled_at=now,
                approved_at=now, last_seen=now))
    except IntegrityError:
        raise HubError(409, "realm_exists", "this hub already serves a realm") from None
    return JSONResponse({"realm": realm_id}, status_code=201)


@router.post("/enrol", status_code=201, response_model=StatusOut,
             summary="Enrol a device with an invite code (it then waits for approval)")
def enrol(body: EnrolBody, request: Request, signed: SignedRequest = Depends(signed_request)) -> JSONResponse:
    engine = hub_of(request).engine
    try:
        device = check_id(body.device, "device")
    except ProtocolError as exc:
        raise malformed(str(exc)) from None
    name = clean_name(body.name, "device name")
    unb64_or_malformed(body.sign_public, "signing key", 32)
    unb64_or_malformed(body.exchange_public, "exchange key", 32)
    authenticate_key(engine, signed, device, body.sign_public)
    now = db.now()
    try:
        with db.writing(engine) as conn:
            if conn.execute(select(db.devices.c.device).where(db.devices.c.device == device)).first() is not None:
                raise HubError(409, "device_exists", "a device with this id is already enrolled")
            invite = conn.execute(
                update(db.invites)
                .where(db.invites.c.code_hash == code_hash(body.code), db.invites.c.used_at.is_(None),
                       db.invites.c.expires_at > now)
                .values(used_at=now, used_by=device).returning(db.invites.c.name, db.invites.c.scopes)).first()
            if invite is None:
                raise HubError(403, "bad_code", "the invite code is wrong, used or expired")
            conn.execute(insert(db.devices).values(
                device=device, name=name, status="pending", role="device",
                scopes=invite[1], sign_public=body.sign_public, exchange_public=body.exchange_public,
                certificate=None, last_seq=0, enrolled_at=now, last_seen=now))
    except IntegrityError:
        raise HubError(409, "device_exists", "a device with this id is already enrolled") from None
    return JSONResponse({"status": "pending"}, status_code=201)


@router.get("/me", response_model=MeOut, summary="This device's standing, certificate and wrapped scope keys")
def me(request: Request, caller: Caller = Depends(any_caller)) -> dict[str, Any]:
    engine = hub_of(request).engine
    realm_id, realm_public, _ = realm_of(engine)
    with db.reading(engine) as conn:
        keys = conn.execute(select(db.scope_keys.c.scope, db.scope_keys.c.epoch, db.scope_keys.c.wrapped)
                            .where(db.scope_keys.c.device == caller.device)
                            .order_by(db.scope_keys.c.scope, db.scope_keys.c.epoch)).tuples().all()
    return {"device": caller.device, "status": caller.status, "role": caller.role, "scopes": list(caller.scopes),
            "name": caller.name, "realm": {"id": realm_id, "public_key": realm_public},
            "certificate": caller.certificate.to_json() if caller.certificate else None,
            "keys": [{"scope": s, "epoch": int(e), "wrapped": w} for s, e, w in keys], "time": db.now()}


@router.get("/certificates", response_model=CertificatesOut,
            summary="Every certificate the realm issued (revoked devices' too: their "
                                     "earlier envelopes still need checking)")
def certificates(request: Request, caller: Caller = Depends(approved_caller)) -> dict[str, Any]:
    with db.reading(hub_of(request).engine) as conn:
        rows = conn.execute(select(db.devices.c.certificate).where(db.devices.c.certificate.is_not(None))
                            .order_by(db.devices.c.device)).scalars().all()
    return {"certificates": [json.loads(text) for text in rows]}


@router.post("/envelopes", response_model=PushOut,
             summary="Push this device's envelopes (one transaction; resends are duplicates)")
def push(body: EnvelopesBody, request: Request, caller: Caller = Depends(approved_caller)) -> dict[str, int]:
    engine = hub_of(request).engine
    realm_id, _, _ = realm_of(engine)
    if caller.certificate is None:
        raise HubError(403, "pending", "this device has no certificate yet")
    envelopes = check_envelopes(body.envelopes, caller.device, realm_id, caller.certificate)
    result = ingest(engine, caller.device, envelopes)
    return {"stored": result.stored, "duplicates": result.duplicates, "next_seq": result.next_seq}


@router.get("/feed", response_model=FeedOut,
            summary="Envelopes of this device's scopes after a hub sequence number, in order")
def pull(request: Request, since: int = Query(0, ge=0, le=2**62), limit: int = Query(500, ge=1, le=MAX_PAGE),
         caller: Caller = Depends(approved_caller)) -> dict[str, Any]:
    scopes = caller.certificate.scopes if caller.certificate else ()
    page = feed(hub_of(request).engine, scopes, since, limit)
    return {"envelopes": [{"hub_seq": hub_seq, "envelope": envelope} for hub_seq, envelope in page.items],
            "next": page.next, "more": page.more}


@router.get("/publications/{kind}", response_model=PublicationOut,
            summary="The latest signed checklist or service directory")
def publication(kind: str, request: Request, caller: Caller = Depends(approved_caller)) -> dict[str, Any]:
    if kind not in PUBLICATION_KINDS:
        raise HubError(404, "not_found", f"there are no publications of kind {kind[:40]!r}")
    with db.reading(hub_of(request).engine) as conn:
        row = conn.execute(select(db.publications).where(db.publications.c.kind == kind)
                           .order_by(db.publications.c.version.desc()).limit(1)).mappings().first()
    if row is None:
        raise HubError(404, "not_found", f"nothing of kind {kind} is published yet")
    return {"kind": row["kind"], "version": int(row["version"]), "payload": row["payload"],
            "signature": row["signature"], "published_at": int(row["published_at"])}
