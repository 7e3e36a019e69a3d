"""This device's sync identity, read from its encrypted store (``app.ports.SyncStore``).

The private keys never leave the store: they are read here when a sync starts and kept in
memory only as long as the client or an admin call runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from sync.errors import NotEnrolled, SyncError
from sync.protocol import DeviceCertificate, ProtocolError, exchange_key, parse_certificate, signing_key, verify_key
from sync.transport import HubTransport

TransportFactory = Callable[[Any], HubTransport]


def device_id_of(state: Any) -> str:
    """The device id of the store behind ``state`` (the id envelopes and dots carry)."""
    device = getattr(state, "device_id", None)
    return device if isinstance(device, str) and device else state.store.device_id


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Identity:
    device: str
    hub_url: str
    ca_pem: str
    signer: Ed25519PrivateKey
    exchange: X25519PrivateKey
    realm_id: str
    realm_public: Ed25519PublicKey | None
    role: str
    status: str

    def certificate(self, config: dict[str, str]) -> DeviceCertificate | None:
        text = config.get("certificate") or ""
        if not text or self.realm_public is None:
            return None
        try:
            return parse_certificate(_loads(text), self.realm_public)
        except ProtocolError:
            return None


def _loads(text: str) -> Any:
    import json

    try:
        return json.loads(text)
    except ValueError:
        raise ProtocolError("a stored certificate is not JSON") from None


def identity(state: Any) -> Identity:
    """The enrolled identity, or ``NotEnrolled`` when this store has none (or lost it)."""
    config = state.config()
    sign, exchange = state.secret("sign"), state.secret("exchange")
    if not config.get("hub_url") or not config.get("ca_pem") or sign is None or exchange is None:
        raise NotEnrolled()
    realm_public = None
    if config.get("realm_public"):
        try:
            realm_public = verify_key(config["realm_public"], "realm key")
        except ProtocolError as exc:
            raise SyncError(detail=str(exc)) from None
    return Identity(device_id_of(state), config["hub_url"], config["ca_pem"], signing_key(sign),
                    exchange_key(exchange), config.get("realm_id", ""), realm_public,
                    config.get("role", "device"), config.get("status", ""))


def transport_for(state: Any) -> HubTransport:
    """The default ``TransportFactory``: the hub and CA this store was enrolled with."""
    me = identity(state)
    return HubTransport(me.hub_url, me.ca_pem, me.device, me.signer)
