"""The wire protocol, version 1 (docs/SYNC-WIRE.md): envelopes, signatures, wrapped keys.

* An envelope carries field writes of one scope from one device. Its header is in clear
  (``envelope_header``); its payload, the writes as compressed JSON, is sealed with
  AES-256-GCM under the scope's content key of the header's epoch, the canonical header
  bytes bound as associated data. The device signs header and ciphertext with Ed25519.
* A device certificate, signed by the realm's key, binds a device id to its public keys,
  role and scopes; every replica checks an envelope's signer against it.
* Scope content keys travel wrapped to a device's X25519 key with HPKE (RFC 9180:
  X25519, HKDF-SHA256, AES-256-GCM), the scope and epoch bound as ``info``.
* Every request to the hub is signed over method, path, time, nonce and body hash.

Everything here is pure and total over its input: bad input raises ``ProtocolError`` with
a short reason, never anything else.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import zlib
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.merge import Write

VERSION = 1
MAX_PAYLOAD = 4 * 1024 * 1024  # bytes of decompressed payload one envelope may carry
MAX_WRITES = 5000  # field writes per envelope
_ID = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}\Z")  # device, realm and scope ids (\Z: "$" allows a final newline)
_HPKE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


class ProtocolError(ValueError):
    """Input that does not follow the wire protocol (the message says what)."""


# --- encoding --------------------------------------------------------------------------
def canonical(value: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, no spaces, UTF-8 (what is signed and bound)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True,
                      allow_nan=False).encode("utf-8")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: Any, what: str, size: int | None = None, max_size: int = 64 * 1024 * 1024) -> bytes:
    if not isinstance(text, str) or len(text) > max_size * 4 // 3 + 4:
        raise ProtocolError(f"{what} is not base64 text")
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ProtocolError(f"{what} is not base64 text") from None
    if size is not None and len(data) != size:
        raise ProtocolError(f"{what} must be {size} bytes")
    return data


def check_id(value: Any, what: str) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise ProtocolError(f"{what} must be 1-80 letters, digits or _.:-")
    return value


def _int(value: Any, what: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or value > 2**62:
        raise ProtocolError(f"{what} must be a whole number ≥ {minimum}")
    return value


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- keys --------------------------------------------------------------------------------
def new_signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def new_exchange_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def new_content_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def private_bytes(key: Ed25519PrivateKey | X25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())


def public_bytes(key: Ed25519PrivateKey | X25519PrivateKey | Ed25519PublicKey | X25519PublicKey) -> bytes:
    public = key.public_key() if hasattr(key, "public_key") else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def signing_key(raw: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(raw)


def exchange_key(raw: bytes) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(raw)


def verify_key(raw: bytes | str, what: str = "public key") -> Ed25519PublicKey:
    data = unb64(raw, what, 32) if isinstance(raw, str) else raw
    try:
        return Ed25519PublicKey.from_public_bytes(data)
    except ValueError:
        raise ProtocolError(f"{what} is not an Ed25519 key") from None


def _exchange_public(raw: bytes | str) -> X25519PublicKey:
    data = unb64(raw, "exchange key", 32) if isinstance(raw, str) else raw
    try:
        return X25519PublicKey.from_public_bytes(data)
    except ValueError:
        raise ProtocolError("exchange key is not an X25519 key") from None


def verify(public: Ed25519PublicKey, signature: bytes, message: bytes, what: str) -> None:
    try:
        public.verify(signature, message)
    except InvalidSignature:
        raise ProtocolError(f"the signature of {what} does not verify") from None


def fingerprint(public: bytes) -> str:
    """A short, readable fingerprint of a public key (shown to the secretariat on approval)."""
    digest = hashlib.sha256(public).hexdigest()[:20].upper()
    return "-".join(digest[i:i + 4] for i in range(0, 20, 4))


# --- wrapped scope keys ----------------------------------------------------------------
def _wrap_info(realm: str, device: str, scope: str, epoch: int) -> bytes:
    return canonical({"ctx": "himaya-scope-key-v1", "realm": realm, "device": device, "scope": scope,
                      "epoch": epoch})


def wrap_key(content_key: bytes, device_public: bytes | str, *, realm: str, device: str, scope: str,
             epoch: int) -> str:
    """``content_key`` sealed to one device's X25519 key (HPKE base mode), as base64."""
    return b64(_HPKE.encrypt(content_key, _exchange_public(device_public),
                             info=_wrap_info(realm, device, scope, epoch)))


def unwrap_key(blob: str, device_private: X25519PrivateKey, *, realm: str, device: str, scope: str,
               epoch: int) -> bytes:
    raw = unb64(blob, "wrapped key", max_size=4096)
    try:
        key = _HPKE.decrypt(raw, device_private, info=_wrap_info(realm, device, scope, epoch))
    except (InvalidTag, ValueError):
        raise ProtocolError(f"the key of scope {scope} (epoch {epoch}) does not open with this device's key") from None
    if len(key) != 32:
        raise ProtocolError("a wrapped scope key is not 256 bits")
    return key


# --- envelopes -------------------------------------------------------------------------
@dataclass(frozen=True)
class Envelope:
    realm: str
    device: str
    seq: int  # the device's sequence number, contiguous from 1
    scope: str
    epoch: int
    count: int  # field writes inside
    size: int  # bytes of ciphertext
    nonce: bytes
    ciphertext: bytes
    signature: bytes
    v: int = VERSION

    @property
    def id(self) -> str:
        return f"{self.device}:{self.seq}"

    def header(self) -> dict[str, Any]:
        return {"v": self.v, "realm": self.realm, "device": self.device, "seq": self.seq, "scope": self.scope,
                "epoch": self.epoch, "count": self.count, "size": self.size, "nonce": b64(self.nonce)}

    def header_bytes(self) -> bytes:
        return canonical(self.header())

    def signed_bytes(self) -> bytes:
        return b"himaya-envelope-v1\x00" + self.header_bytes() + self.ciphertext

    def to_json(self) -> dict[str, Any]:
        return {**self.header(), "ciphertext": b64(self.ciphertext), "signature": b64(self.signature)}

    def digest(self) -> str:
        """What "the same envelope" means: header, ciphertext and signature."""
        return sha256_hex(canonical(self.to_json()))


def seal(writes: Iterable[Write], *, realm: str, device: str, seq: int, scope: str, epoch: int,
         content_key: bytes, signer: Ed25519PrivateKey) -> Envelope:
    items = [w.to_json() for w in writes]
    if not items or len(items) > MAX_WRITES:
        raise ProtocolError(f"an envelope holds 1 to {MAX_WRITES} writes")
    plain = canonical({"writes": items})
    if len(plain) > MAX_PAYLOAD:
        raise ProtocolError("an envelope's payload is too large")
    sealed = zlib.compress(plain, 6)
    nonce = os.urandom(12)
    size = len(sealed) + 16
    unsigned = Envelope(realm, device, seq, scope, epoch, len(items), size, nonce, b"", b"")
    ciphertext = AESGCM(content_key).encrypt(nonce, sealed, unsigned.header_bytes())
    body = Envelope(realm, device, seq, scope, epoch, len(items), size, nonce, ciphertext, b"")
    return Envelope(realm, device, seq, scope, epoch, len(items), size, nonce, ciphertext,
                    signer.sign(body.signed_bytes()))


def parse_envelope(raw: Any) -> Envelope:
    """An envelope from its JSON form, every field checked (``ProtocolError`` if not)."""
    if not isinstance(raw, Mapping):
        raise ProtocolError("an envelope is a JSON object")
    expected = {"v", "realm", "device", "seq", "scope", "epoch", "count", "size", "nonce", "ciphertext", "signature"}
    if set(raw) != expected:
        missing, extra = sorted(expected - set(raw)), sorted(set(raw) - expected)
        raise ProtocolError(f"an envelope has missing fields {missing} or unknown fields {extra}")
    if raw["v"] != VERSION:
        raise ProtocolError(f"envelope version {raw['v']!r} is not supported (this side speaks {VERSION})")
    ciphertext = unb64(raw["ciphertext"], "ciphertext", max_size=MAX_PAYLOAD + 1024)
    envelope = Envelope(
        realm=check_id(raw["realm"], "realm"), device=check_id(raw["device"], "device"),
        seq=_int(raw["seq"], "seq", 1), scope=check_id(raw["scope"], "scope"),
        epoch=_int(raw["epoch"], "epoch", 1), count=_int(raw["count"], "count", 1),
        size=_int(raw["size"], "size", 17), nonce=unb64(raw["nonce"], "nonce", 12),
        ciphertext=ciphertext, signature=unb64(raw["signature"], "signature", 64))
    if envelope.size != len(ciphertext):
        raise ProtocolError("an envelope's size does not match its ciphertext")
    if envelope.count > MAX_WRITES:
        raise ProtocolError(f"an envelope holds at most {MAX_WRITES} writes")
    return envelope


def verify_envelope(envelope: Envelope, signer_public: Ed25519PublicKey) -> None:
    verify(signer_public, envelope.signature, envelope.signed_bytes(), f"envelope {envelope.id}")


def open_envelope(envelope: Envelope, content_key: bytes) -> list[Write]:
    """The writes inside (call ``verify_envelope`` first); tampering raises ``ProtocolError``."""
    try:
        sealed = AESGCM(content_key).decrypt(envelope.nonce, envelope.ciphertext, envelope.header_bytes())
    except InvalidTag:
        raise ProtocolError(f"envelope {envelope.id} does not decrypt: tampered, or another key") from None
    try:
        decompressor = zlib.decompressobj()
        plain = decompressor.decompress(sealed, MAX_PAYLOAD + 1)
        if len(plain) > MAX_PAYLOAD or decompressor.unconsumed_tail:
            raise ProtocolError("an envelope's payload is too large")
        payload = json.loads(plain.decode("utf-8"))
    except (zlib.error, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ProtocolError(f"envelope {envelope.id} holds no readable payload") from None
    items = payload.get("writes") if isinstance(payload, dict) else None
    if not isinstance(items, list) or len(items) != envelope.count:
        raise ProtocolError(f"envelope {envelope.id} does not hold the {envelope.count} writes its header says")
    writes = []
    for item in items:
        try:
            writes.append(Write.from_json(item))
        except ValueError as exc:
            raise ProtocolError(f"envelope {envelope.id}: {exc}") from None
    return writes


# --- device certificates ---------------------------------------------------------------
ROLES = ("device", "secretariat")


@dataclass(frozen=True)
class DeviceCertificate:
    """The realm's statement: this device holds these keys, this role and these scopes."""

    realm: str
    device: str
    name: str
    sign_public: bytes
    exchange_public: bytes
    role: str
    scopes: tuple[str, ...]  # "*" for every scope (the secretariat)
    issued_at: str
    signature: bytes = b""

    def body(self) -> dict[str, Any]:
        return {"realm": self.realm, "device": self.device, "name": self.name, "sign_public": b64(self.sign_public),
                "exchange_public": b64(self.exchange_public), "role": self.role, "scopes": list(self.scopes),
                "issued_at": self.issued_at}

    def signed_bytes(self) -> bytes:
        return b"himaya-device-certificate-v1\x00" + canonical(self.body())

    def to_json(self) -> dict[str, Any]:
        return {**self.body(), "signature": b64(self.signature)}

    def covers(self, scope: str) -> bool:
        return "*" in self.scopes or scope in self.scopes


def issue_certificate(realm_key: Ed25519PrivateKey, **fields: Any) -> DeviceCertificate:
    unsigned = DeviceCertificate(**fields)
    return DeviceCertificate(**{**fields, "signature": realm_key.sign(unsigned.signed_bytes())})


def parse_certificate(raw: Any, realm_public: Ed25519PublicKey | None = None) -> DeviceCertificate:
    """A certificate from JSON, checked against the realm's key when it is given."""
    if not isinstance(raw, Mapping):
        raise ProtocolError("a device certificate is a JSON object")
    try:
        scopes = raw["scopes"]
        if not isinstance(scopes, list) or len(scopes) > 500:
            raise ProtocolError("a certificate's scopes are a list")
        role = raw["role"]
        if role not in ROLES:
            raise ProtocolError(f"unknown device role {role!r}")
        name, issued_at = raw["name"], raw["issued_at"]
        if not isinstance(name, str) or len(name) > 120 or not isinstance(issued_at, str) or len(issued_at) > 40:
            raise ProtocolError("a certificate's name or date is malformed")
        cert = DeviceCertificate(
            realm=check_id(raw["realm"], "realm"), device=check_id(raw["device"], "device"), name=name,
            sign_public=unb64(raw["sign_public"], "signing key", 32),
            exchange_public=unb64(raw["exchange_public"], "exchange key", 32), role=role,
            scopes=tuple(s if s == "*" else check_id(s, "scope") for s in scopes), issued_at=issued_at,
            signature=unb64(raw["signature"], "certificate signature", 64))
    except KeyError as exc:
        raise ProtocolError(f"a device certificate lacks {exc}") from None
    if realm_public is not None:
        verify(realm_public, cert.signature, cert.signed_bytes(), f"the certificate of device {cert.device}")
    return cert


# --- signed requests -------------------------------------------------------------------
HEADER_DEVICE = "X-Himaya-Device"
HEADER_TIME = "X-Himaya-Time"
HEADER_NONCE = "X-Himaya-Nonce"
HEADER_SIGNATURE = "X-Himaya-Signature"
REQUEST_WINDOW = 300  # seconds a request's time may differ from the hub's clock


def request_message(method: str, path: str, time: int, nonce: str, body: bytes) -> bytes:
    """What a device signs for one request (``path`` with its query string)."""
    return "\n".join(["himaya-request-v1", method.upper(), path, str(time), nonce, sha256_hex(body)]).encode()


def sign_request(signer: Ed25519PrivateKey, device: str, method: str, path: str, body: bytes,
                 time: int, nonce: str | None = None) -> dict[str, str]:
    nonce = nonce or b64(os.urandom(16))
    signature = signer.sign(request_message(method, path, time, nonce, body))
    return {HEADER_DEVICE: device, HEADER_TIME: str(time), HEADER_NONCE: nonce, HEADER_SIGNATURE: b64(signature)}


# --- signed publications (checklists, the service directory) ----------------------------
PUBLICATION_KINDS = ("checklist", "directory")


def publication_message(realm: str, kind: str, version: int, payload: bytes) -> bytes:
    return b"himaya-publication-v1\x00" + canonical(
        {"realm": realm, "kind": kind, "version": version, "sha256": sha256_hex(payload)})


def sign_publication(realm_key: Ed25519PrivateKey, realm: str, kind: str, version: int, payload: bytes) -> str:
    return b64(realm_key.sign(publication_message(realm, kind, version, payload)))


def verify_publication(realm_public: Ed25519PublicKey, realm: str, kind: str, version: int, payload: bytes,
                       signature: str) -> None:
    verify(realm_public, unb64(signature, "publication signature", 64),
           publication_message(realm, kind, version, payload), f"the published {kind}")
