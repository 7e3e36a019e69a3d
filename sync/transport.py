"""Talking to the hub: HTTPS trusting only the pinned CA, every request signed.

``HubTransport`` signs each request with the device's Ed25519 key over method, path (with
its query), time, nonce and body hash (``sync.protocol.sign_request``). When the hub says
the clock is off (401 ``clock_skew`` with its own time) the transport remembers the
difference and tries once more, so a laptop whose clock is wrong by an hour still syncs.
Every failure becomes one of the typed errors of ``sync.errors``.

``fetch_ca`` gets the hub's CA certificate before any trust exists (at enrolment) and keeps
it only when its SHA-256 matches the pin the secretariat handed out with the code.
"""

from __future__ import annotations

import hashlib
import json
import re
import ssl
import time
from typing import Any, Callable, Mapping

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app import strict_json
from sync.errors import DevicePending, DeviceRevoked, HubRefused, HubUnreachable, PinMismatch, SyncError
from sync.protocol import sign_request

TIMEOUT = httpx.Timeout(60.0, connect=10.0)
_PIN = re.compile(r"^sha256:[0-9a-f]{64}$")
_PENDING_CODES = {"pending", "not_approved", "device_pending"}
_GATEWAY_DOWN = {502, 503, 504}  # a proxy in front of a hub that is down: as unreachable


def ca_pin(ca_pem: str) -> str:
    """``sha256:`` and the hex SHA-256 of the CA certificate's DER bytes."""
    try:
        cert = x509.load_pem_x509_certificate(ca_pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise SyncError(detail="the hub's CA certificate is not a PEM certificate") from None
    return "sha256:" + hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def ca_context(ca_pem: str) -> ssl.SSLContext:
    """A TLS context that trusts the pinned CA and nothing else (no system roots)."""
    try:
        context = ssl.create_default_context(cadata=ca_pem)  # cadata given: system roots are not loaded
    except (ssl.SSLError, ValueError):
        raise SyncError(detail="the hub's CA certificate cannot be used for TLS") from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _unreachable(url: str, exc: Exception) -> HubUnreachable:
    reason = type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        reason = "timed out"
    elif isinstance(exc, httpx.ConnectError):
        text = str(exc)
        reason = "TLS certificate not trusted" if "CERTIFICATE" in text.upper() else "connection failed"
    return HubUnreachable(url=url, detail=reason)


def fetch_ca(url: str, pin: str, *, http: httpx.BaseTransport | None = None) -> str:
    """The hub's CA certificate (PEM), fetched without trust and accepted only if it matches ``pin``."""
    pin = pin.strip().lower()
    if not _PIN.match(pin):
        raise PinMismatch(pin=pin)
    base = url.rstrip("/")
    try:
        with httpx.Client(verify=False, timeout=TIMEOUT, transport=http) as client:  # noqa: S501 - pinned below
            response = client.get(base + "/v1/ca")
    except httpx.HTTPError as exc:
        raise _unreachable(base, exc) from None
    try:
        ca_pem = strict_json.loads(response.content)["ca_pem"]
        if not isinstance(ca_pem, str):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise HubRefused(response.status_code, "malformed_answer", "no CA certificate in the hub's answer") from None
    if ca_pin(ca_pem) != pin:
        raise PinMismatch(pin=pin)
    return ca_pem


class HubTransport:
    """Signed JSON requests to one hub, as one device."""

    def __init__(self, url: str, ca_pem: str, device: str, signer: Ed25519PrivateKey,
                 clock: Callable[[], float] = time.time, *, http: httpx.BaseTransport | None = None,
                 timeout: httpx.Timeout = TIMEOUT) -> None:
        self.url = url.rstrip("/")
        self.device = device
        self._signer = signer
        self._clock = clock
        self.offset = 0.0  # seconds to add to our clock to read the hub's
        verify: ssl.SSLContext | bool = ca_context(ca_pem) if http is None else True
        self._client = httpx.Client(base_url=self.url, verify=verify, timeout=timeout, transport=http)

    # --- the endpoints the client uses --------------------------------------------------
    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any = None, *, raw: bytes | None = None) -> dict[str, Any]:
        """POST ``body`` as JSON, or ``raw`` bytes exactly as given (resent envelopes)."""
        content = raw if raw is not None else json.dumps(body if body is not None else {},
                                                         ensure_ascii=False, separators=(",", ":")).encode()
        return self.request("POST", path, content=content)

    def get_public(self, path: str) -> dict[str, Any]:
        return self.request("GET", path, signed=False)

    # --- the mechanics -----------------------------------------------------------------
    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                content: bytes = b"", signed: bool = True) -> dict[str, Any]:
        for attempt in (1, 2):
            request = self._client.build_request(
                method, path, params=params, content=content or None,
                headers={"Content-Type": "application/json"} if content else None)
            if signed:
                now = int(self._clock() + self.offset)
                request.headers.update(sign_request(self._signer, self.device, method, request.url.raw_path.decode(
                    "ascii"), content, now))
            try:
                response = self._client.send(request)
            except httpx.HTTPError as exc:
                raise _unreachable(self.url, exc) from None
            if response.status_code in _GATEWAY_DOWN:
                raise HubUnreachable(url=self.url, detail=f"HTTP {response.status_code}")
            body = _json(response)
            if response.is_success:
                if body is None:
                    raise HubRefused(response.status_code, "malformed_answer", "the hub's answer is not JSON")
                return body
            code = str((body or {}).get("error") or f"http_{response.status_code}")
            if code == "clock_skew" and attempt == 1 and signed and _number((body or {}).get("time")):
                # The hub tells its time: remember how far ours is off and sign again with it.
                self.offset = float(body["time"]) - self._clock()
                continue
            raise _refusal(response.status_code, code, body, signed)
        raise AssertionError("unreachable")  # the loop returns or raises

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "HubTransport":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _json(response: httpx.Response) -> dict[str, Any] | None:
    try:
        data = strict_json.loads(response.content)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _number(value: Any) -> bool:
    """A time the hub may tell: a plain number a float can hold (a hostile 400-digit one cannot)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and -1e15 < value < 1e15


def _refusal(status: int, code: str, body: dict[str, Any] | None, signed: bool) -> SyncError:
    body = body or {}
    detail = str(body.get("detail") or code)[:300]
    # Revoked, which erases this device's keys and store, is believed only as the answer to a
    # request this device signed, over TLS to the pinned CA, and only when it says to wipe
    # (the hub's answer to a revoked device's signed request; docs/SYNC.md, "Remote wipe").
    if code == "revoked" and signed and status == 403 and body.get("wipe") is True:
        error: SyncError = DeviceRevoked()
        error.body = body  # type: ignore[attr-defined]
        return error
    if code in _PENDING_CODES:
        return DevicePending()
    return HubRefused(status, code, detail, body)
