"""Joining a hub: a field device enrols with a one-time code; the secretariat creates the realm.

Both fetch the hub's CA certificate and keep it only if it matches the pin handed out with
the code, generate this device's keys, and save everything in the encrypted store BEFORE
the hub is asked, so a run cut after the hub said yes is finished by running it again with
the same keys (the hub then knows the device already, and ``/v1/me`` confirms it).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, Callable

from sync.device import device_id_of, utc_now
from sync.errors import AlreadyEnrolled, HubRefused, SyncError
from sync.protocol import (
    b64, canonical, exchange_key, fingerprint, issue_certificate, new_exchange_key, new_signing_key, private_bytes, public_bytes,
    signing_key,
)
from sync.transport import HubTransport, fetch_ca

Connect = Callable[[str, str, str, Any], HubTransport]  # url, ca_pem, device, signer


def _connect(url: str, ca_pem: str, device: str, signer: Any) -> HubTransport:
    return HubTransport(url, ca_pem, device, signer)


@dataclass(frozen=True)
class Enrolled:
    device: str
    status: str  # "pending" for a field device, "approved" for the secretariat
    fingerprint: str  # of the device's signing key: the secretariat compares it before approving
    realm: str


def _keys(state: Any) -> tuple[bytes, bytes]:
    """This device's key pair, made once and kept (a re-run reuses them)."""
    sign, exchange = state.secret("sign"), state.secret("exchange")
    if sign is None or exchange is None:
        sign, exchange = private_bytes(new_signing_key()), private_bytes(new_exchange_key())
        state.set_secret("sign", sign)
        state.set_secret("exchange", exchange)
    return sign, exchange


def _refuse_if_enrolled(state: Any, url: str) -> None:
    config = state.config()
    if config.get("status") in ("pending", "approved") and config.get("hub_url"):
        raise AlreadyEnrolled(url=config["hub_url"])


def enrol(state: Any, url: str, pin: str, code: str, name: str, *, fetch: Callable[[str, str], str] = fetch_ca,
          connect: Connect = _connect) -> Enrolled:
    """Register this device with the hub; it stays pending until the secretariat approves it."""
    _refuse_if_enrolled(state, url)
    url = url.rstrip("/")
    ca_pem = fetch(url, pin)
    device = device_id_of(state)
    sign, exchange = _keys(state)
    signer = signing_key(sign)
    state.set_config(hub_url=url, ca_pem=ca_pem, device_name=name, role="device", status="")
    try:
        with connect(url, ca_pem, device, signer) as hub:
            try:
                hub.post("/v1/enrol", {"code": code, "device": device, "name": name,
                                       "sign_public": b64(public_bytes(signer)),
                                       "exchange_public": b64(public_bytes(exchange_key(exchange)))})
            except HubRefused as exc:
                if exc.code != "device_exists":
                    raise
                # An earlier run got this far: the hub knows this device; /v1/me says if with these keys.
            me = hub.get("/v1/me")
    except SyncError:
        state.set_config(hub_url="")  # not enrolled after all (the keys stay, for the next attempt)
        raise
    realm = me.get("realm") or {}
    status = str(me.get("status") or "pending")
    state.set_config(status=status, realm_id=str(realm.get("id", "")), realm_public=str(realm.get("public_key", "")))
    return Enrolled(device, status, fingerprint(public_bytes(signer)), str(realm.get("id", "")))


def create_realm(state: Any, url: str, pin: str, admin_code: str, name: str = "secretariat", *,
                 fetch: Callable[[str, str], str] = fetch_ca, connect: Connect = _connect) -> Enrolled:
    """Create the realm on a new hub with its one-time admin code; this device becomes the secretariat."""
    _refuse_if_enrolled(state, url)
    url = url.rstrip("/")
    ca_pem = fetch(url, pin)
    device = device_id_of(state)
    sign, exchange = _keys(state)
    signer = signing_key(sign)
    realm_raw = state.secret("realm")
    if realm_raw is None:
        realm_raw = private_bytes(new_signing_key())
        state.set_secret("realm", realm_raw)
    realm_key = signing_key(realm_raw)
    config = state.config()
    realm_id = config.get("realm_id") or "realm-" + secrets.token_hex(8)
    cert = issue_certificate(realm_key, realm=realm_id, device=device, name=name, sign_public=public_bytes(signer),
                             exchange_public=public_bytes(exchange_key(exchange)), role="secretariat",
                             scopes=("*",), issued_at=utc_now())
    state.set_config(hub_url=url, ca_pem=ca_pem, device_name=name, role="secretariat", status="",
                     realm_id=realm_id, realm_public=b64(public_bytes(realm_key)),
                     certificate=canonical(cert.to_json()).decode())
    try:
        _post_realm(connect(url, ca_pem, device, signer), admin_code, realm_id, realm_key, cert)
    except SyncError:
        state.set_config(hub_url="")  # no realm after all (the keys stay, for the next attempt)
        raise
    state.set_config(status="approved")
    return Enrolled(device, "approved", fingerprint(public_bytes(signer)), realm_id)


def _post_realm(hub: HubTransport, admin_code: str, realm_id: str, realm_key: Any, cert: Any) -> None:
    with hub:
        try:
            hub.post("/v1/realm", {"admin_code": admin_code,
                                   "realm": {"id": realm_id, "public_key": b64(public_bytes(realm_key))},
                                   "certificate": cert.to_json()})
        except HubRefused as exc:
            if exc.code not in ("realm_exists", "bad_code"):
                raise
            try:  # an earlier run created it (the code is used now): fine if the hub knows us
                me = hub.get("/v1/me")
            except HubRefused:
                raise exc from None
            if (me.get("realm") or {}).get("id") != realm_id:
                raise exc from None
