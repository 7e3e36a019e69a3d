"""The secretariat's work on the realm: invite, list, approve and revoke devices, publish.

Only a store enrolled as the secretariat (it holds the realm key) can do these, and only
for a local user whose role may (``Action.PUBLISH_AND_ENROL``): the caller passes the
session. Keys are always saved in the secretariat's store BEFORE they are sent, so a run
cut half-way never leaves a key only at the hub (where it would be unreadable anyway) or
only in flight.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Iterable

from app.domain.audit import AUDIT_SCOPE_PREFIX, audit_scope
from app.domain.user import Session
from app.permissions import Action, require
from sync.device import TransportFactory, identity, transport_for, utc_now
from sync.errors import HubRefused, SyncError, UnknownDevice
from sync.protocol import (
    PUBLICATION_KINDS, b64, check_id, fingerprint, issue_certificate, new_content_key, sign_publication, signing_key,
    unb64, wrap_key,
)


class Fields:
    """A frozen dataclass also readable as a mapping (``d["status"]``, ``d.get("name")``,
    ``dict(d)``), for front ends that show records generically."""

    def keys(self) -> list[str]:
        return [f.name for f in dataclasses.fields(self)]  # type: ignore[arg-type]

    def __getitem__(self, key: str) -> Any:
        if key not in self.keys():
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key) if key in self.keys() else default


@dataclass(frozen=True)
class Device(Fields):
    device: str
    name: str
    status: str
    role: str
    scopes: tuple[str, ...]
    fingerprint: str
    sign_public: str
    exchange_public: str
    enrolled_at: str
    last_seen: str

    @classmethod
    def from_hub(cls, raw: dict[str, Any]) -> "Device":
        sign_public = str(raw.get("sign_public") or "")
        shown = raw.get("fingerprint") or (fingerprint(unb64(sign_public, "signing key", 32)) if sign_public else "")
        return cls(str(raw.get("device", "")), str(raw.get("name") or ""), str(raw.get("status") or ""),
                   str(raw.get("role") or "device"), tuple(str(s) for s in raw.get("scopes") or ()), str(shown),
                   sign_public, str(raw.get("exchange_public") or ""), str(raw.get("enrolled_at") or ""),
                   str(raw.get("last_seen") or ""))


def _secretariat(state: Any, session: Session) -> Any:
    require(session.role, Action.PUBLISH_AND_ENROL)
    me = identity(state)
    realm = state.secret("realm")
    if me.role != "secretariat" or realm is None:
        raise SyncError(detail="only the secretariat's device holds the realm key")
    return me, signing_key(realm)


def invite(state: Any, name: str, scopes: Iterable[str], *, session: Session, ttl_hours: int = 72,
           transport: TransportFactory = transport_for) -> str:
    """A one-time code for a new device of ``scopes`` (shown once; the hub keeps only its hash)."""
    _secretariat(state, session)
    scopes = [check_scope(s) for s in scopes]
    if not scopes:
        raise SyncError(detail="an invitation names at least one scope")
    with transport(state) as hub:
        answer = hub.post("/v1/invites", {"name": name, "scopes": scopes, "ttl_hours": ttl_hours})
    return str(answer["code"])


def check_scope(scope: str) -> str:
    try:
        check_id(scope, "scope")
    except ValueError as exc:
        raise SyncError(detail=str(exc)) from None
    if scope.startswith(AUDIT_SCOPE_PREFIX):
        # A device's audit scope is given at its approval, to it alone.
        raise SyncError(detail=f"scope {scope}: scopes starting with {AUDIT_SCOPE_PREFIX} hold audit entries")
    return scope


def devices(state: Any, *, session: Session, transport: TransportFactory = transport_for) -> list[Device]:
    _secretariat(state, session)
    with transport(state) as hub:
        answer = hub.get("/v1/devices")
    return [Device.from_hub(raw) for raw in answer.get("devices") or [] if isinstance(raw, dict)]


def _find(hub: Any, device: str) -> Device:
    for raw in hub.get("/v1/devices").get("devices") or []:
        if isinstance(raw, dict) and raw.get("device") == device:
            return Device.from_hub(raw)
    raise UnknownDevice(device=device)


def _epoch_keys(state: Any, scope: str, create: bool) -> dict[int, bytes]:
    """Every epoch key of ``scope`` held here; the first one made (and saved) when new."""
    keys = {epoch: key for (s, epoch), key in state.scope_keys().items() if s == scope}
    if not keys and create:
        key = new_content_key()
        state.put_scope_key(scope, 1, key)
        keys = {1: key}
    return keys


def approve(state: Any, device: str, *, session: Session, expect_fingerprint: str | None = None,
            transport: TransportFactory = transport_for) -> Device:
    """Certify a pending device and give it every epoch key of its scopes (old envelopes stay readable).

    The device also gets a scope of its own, ``audit:<device>``, for its audit entries: its
    key is wrapped for that device only, and the secretariat holds it like every key, so no
    other device of the team reads who viewed or exported which case. Approving a device
    again (one approved before audit scopes existed) adds it.
    """
    me, realm_key = _secretariat(state, session)
    with transport(state) as hub:
        target = _find(hub, device)
        if target.status not in ("pending", "approved"):
            raise SyncError(detail=f"device {device} is {target.status}, not pending")
        if expect_fingerprint and expect_fingerprint.strip().upper() != target.fingerprint.upper():
            raise SyncError(detail=f"device {device} shows fingerprint {target.fingerprint}, not the one expected")
        scopes = tuple(dict.fromkeys((*target.scopes, audit_scope(device))))
        cert = issue_certificate(realm_key, realm=me.realm_id, device=device, name=target.name[:120],
                                 sign_public=unb64(target.sign_public, "signing key", 32),
                                 exchange_public=unb64(target.exchange_public, "exchange key", 32),
                                 role="device", scopes=scopes, issued_at=utc_now())
        wrapped = []
        for scope in scopes:
            for epoch, key in sorted(_epoch_keys(state, scope, create=True).items()):
                wrapped.append({"scope": scope, "epoch": epoch, "wrapped": wrap_key(
                    key, target.exchange_public, realm=me.realm_id, device=device, scope=scope, epoch=epoch)})
        hub.post(f"/v1/devices/{device}/approve", {"certificate": cert.to_json(), "keys": wrapped})
    return target


def revoke(state: Any, device: str, *, session: Session, transport: TransportFactory = transport_for) -> list[str]:
    """Refuse the device at the hub at once, then rotate the keys of its scopes.

    Each scope of the revoked device gets a new epoch key (saved here first), wrapped to every
    other approved device covering it; their next envelopes use it, so the revoked device
    cannot read anything written afterwards even from a copy of the hub. Returns the scopes rotated.
    """
    me, _realm_key = _secretariat(state, session)
    if device == me.device:
        raise SyncError(detail="the secretariat's own device cannot be revoked from itself")
    with transport(state) as hub:
        target = _find(hub, device)
        if target.status != "revoked":
            hub.post(f"/v1/devices/{device}/revoke", {})
        others = [d for d in (Device.from_hub(r) for r in hub.get("/v1/devices").get("devices") or [])
                  if d.status == "approved" and d.device not in (device, me.device)]
        scopes = sorted(set(target.scopes) - {"*"})
        wrapped = []
        for scope in scopes:
            epoch = max(_epoch_keys(state, scope, create=False) or {0: b""}) + 1
            key = new_content_key()
            state.put_scope_key(scope, epoch, key)
            for other in others:
                if "*" in other.scopes or scope in other.scopes:
                    wrapped.append({"device": other.device, "scope": scope, "epoch": epoch, "wrapped": wrap_key(
                        key, other.exchange_public, realm=me.realm_id, device=other.device, scope=scope,
                        epoch=epoch)})
        if wrapped:
            hub.post("/v1/keys", {"keys": wrapped})
    return scopes


def publish(state: Any, kind: str, payload: bytes, *, session: Session,
            transport: TransportFactory = transport_for) -> int:
    """Sign and publish a checklist or the service directory; returns its version (one above the last)."""
    me, realm_key = _secretariat(state, session)
    if kind not in PUBLICATION_KINDS:
        raise SyncError(detail=f"one publishes a {' or a '.join(PUBLICATION_KINDS)}, not {kind!r}")
    with transport(state) as hub:
        try:
            current = int(hub.get(f"/v1/publications/{kind}").get("version", 0))
        except HubRefused as exc:
            if exc.status != 404:
                raise
            current = 0
        version = current + 1
        hub.post("/v1/publications", {"kind": kind, "version": version, "payload": b64(payload),
                                      "signature": sign_publication(realm_key, me.realm_id, kind, version, payload)})
    return version
