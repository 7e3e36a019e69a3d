"""Signed requests: who is calling, and is it really them, now, for the first time?

Every request but the public ones carries the protocol headers (sync.protocol): the device
id, the time, a nonce and an Ed25519 signature over method, path with query, time, nonce
and body hash. The hub checks, in this order: a known device (401 ``unknown_device``), the
signature (401 ``bad_signature``), the time within ``REQUEST_WINDOW`` of the hub's clock
(401 ``clock_skew``, with the hub's time), a nonce never seen for that device (409
``replay``), then the device's standing (403 ``revoked`` with ``wipe``, 403 ``pending``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Mapping

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from sync.hub import db
from sync.hub.errors import HubError
from sync.protocol import (HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIME, REQUEST_WINDOW,
                           DeviceCertificate, ProtocolError, check_id, parse_certificate, request_message, unb64,
                           verify_key)

_NONCE = re.compile(r"^[A-Za-z0-9+/=_-]{8,64}$")
_TIME = re.compile(r"^[0-9]{1,12}$")


@dataclass(frozen=True)
class SignedRequest:
    """What a signature covers, as received (the body as raw bytes)."""

    method: str
    path: str  # with its query string, as sent
    body: bytes
    device: str
    time: int
    nonce: str
    signature: bytes


@dataclass(frozen=True)
class Caller:
    device: str
    status: str
    role: str
    scopes: tuple[str, ...]
    name: str
    certificate: DeviceCertificate | None

    @property
    def is_secretariat(self) -> bool:
        return self.status == "approved" and self.role == "secretariat"

    def covers(self, scope: str) -> bool:
        return self.certificate is not None and self.certificate.covers(scope)


def read_headers(method: str, path: str, body: bytes, headers: Mapping[str, str]) -> SignedRequest:
    device = headers.get(HEADER_DEVICE, "")
    try:
        check_id(device, "device")
    except ProtocolError:
        raise HubError(401, "unknown_device", "the request names no enrolled device") from None
    time_text, nonce = headers.get(HEADER_TIME, ""), headers.get(HEADER_NONCE, "")
    if not _TIME.match(time_text) or not _NONCE.match(nonce):
        raise HubError(401, "bad_signature", "the request's time or nonce header is missing or malformed")
    try:
        signature = unb64(headers.get(HEADER_SIGNATURE, ""), "signature", 64)
    except ProtocolError:
        raise HubError(401, "bad_signature", "the request's signature header is missing or malformed") from None
    return SignedRequest(method.upper(), path, body, device, int(time_text), nonce, signature)


def _check_signature(request: SignedRequest, public: Ed25519PublicKey) -> None:
    message = request_message(request.method, request.path, request.time, request.nonce, request.body)
    try:
        public.verify(request.signature, message)
    except Exception:  # InvalidSignature, or anything odd about the key: a refusal either way
        raise HubError(401, "bad_signature", "the request's signature does not verify") from None


def _check_time(request: SignedRequest, now: int) -> None:
    if abs(request.time - now) > REQUEST_WINDOW:
        raise HubError(401, "clock_skew", f"the request's time is more than {REQUEST_WINDOW} s from the hub's clock",
                       time=now)


def _remember_nonce(engine: Engine, device: str, nonce: str, now: int, seen: bool) -> None:
    """Record the nonce (refusing one seen before) and, for a known device, when it was seen."""
    try:
        with db.writing(engine) as conn:
            conn.execute(delete(db.nonces).where(db.nonces.c.device == device,
                                                 db.nonces.c.seen_at < now - 3 * REQUEST_WINDOW))
            conn.execute(insert(db.nonces).values(device=device, nonce=nonce, seen_at=now))
            if seen:
                conn.execute(update(db.devices).where(db.devices.c.device == device).values(last_seen=now))
    except IntegrityError:
        raise HubError(409, "replay", "this request was already received (same nonce)") from None


def authenticate(engine: Engine, request: SignedRequest, *, allow_pending: bool = False) -> Caller:
    """The enrolled device that signed ``request``; refusals as the module docstring says."""
    with db.reading(engine) as conn:
        row = conn.execute(select(db.devices).where(db.devices.c.device == request.device)).mappings().first()
    if row is None:
        raise HubError(401, "unknown_device", "this device is not enrolled with the hub")
    _check_signature(request, verify_key(row["sign_public"]))
    now = db.now()
    _check_time(request, now)
    _remember_nonce(engine, request.device, request.nonce, now, seen=True)
    if row["status"] == "revoked":
        raise HubError(403, "revoked", "this device was revoked: erase its keys", wipe=True)
    if row["status"] != "approved" and not allow_pending:
        raise HubError(403, "pending", "this device waits for the secretariat's approval")
    certificate = parse_certificate(json.loads(row["certificate"])) if row["certificate"] else None
    return Caller(row["device"], row["status"], row["role"], tuple(json.loads(row["scopes"])), row["name"],
                  certificate)


def authenticate_key(engine: Engine, request: SignedRequest, device: str, public_b64: str) -> None:
    """A request signed by a key that comes in its own body (creating the realm, enrolling)."""
    if request.device != device:
        raise HubError(401, "bad_signature", "the request's device header does not match its body")
    try:
        public = verify_key(public_b64, "signing key")
    except ProtocolError as exc:
        raise HubError(400, "malformed", str(exc)) from None
    _check_signature(request, public)
    now = db.now()
    _check_time(request, now)
    _remember_nonce(engine, request.device, request.nonce, now, seen=False)


def require_secretariat(caller: Caller) -> None:
    if not caller.is_secretariat:
        raise HubError(403, "not_secretariat", "only the secretariat's devices may do this")


def clean_name(value: str, what: str) -> str:
    """A person-given name as the hub stores it: no control characters, valid Unicode, 1-120 chars."""
    text = value.strip()
    if not 1 <= len(text) <= 120 or any(ord(ch) < 32 or ord(ch) == 127 or 0xD800 <= ord(ch) <= 0xDFFF
                                        for ch in text):
        raise HubError(400, "malformed", f"the {what} must be 1-120 printable characters")
    if any(ch in _BIDI_CONTROLS for ch in text):
        # A right-to-left override would make a device name read otherwise in the secretariat's list.
        raise HubError(400, "malformed", f"the {what} must not hold bidi control characters")
    return text


_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def unb64_or_malformed(text: object, what: str, size: int | None = None, max_size: int = 64 * 1024 * 1024) -> bytes:
    try:
        return unb64(text, what, size, max_size)
    except ProtocolError as exc:
        raise HubError(400, "malformed", str(exc)) from None
