"""Request bodies of the hub's API (they also describe it in /openapi.json).

Strict: a string is a string and a number a number; nothing is coerced. Unknown fields are
ignored so a newer client can add some. Limits keep a single request cheap to check.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class RealmInfo(Strict):
    id: str = Field(max_length=80, description="The realm's id")
    public_key: str = Field(max_length=64, description="The realm's Ed25519 public key, base64")


class RealmBody(Strict):
    """Create the hub's one realm with the admin code printed by `himaya-hub init`."""

    admin_code: str = Field(max_length=200)
    realm: RealmInfo
    certificate: dict[str, Any] = Field(description="The secretariat device's certificate, signed by the realm key")


class EnrolBody(Strict):
    """Register a device with an invite code; it waits for the secretariat's approval."""

    code: str = Field(max_length=200)
    device: str = Field(max_length=80)
    name: str = Field(max_length=120)
    sign_public: str = Field(max_length=64, description="Ed25519 public key, base64")
    exchange_public: str = Field(max_length=64, description="X25519 public key, base64")


class EnvelopesBody(Strict):
    """Envelopes of the calling device, in its sequence order (sync.protocol wire form)."""

    envelopes: list[dict[str, Any]] = Field(min_length=1, max_length=500)


class InviteBody(Strict):
    name: str = Field(min_length=1, max_length=120, description="Who the device is for")
    scopes: list[str] = Field(min_length=1, max_length=500)
    ttl_hours: int = Field(default=72, ge=1, le=720)


class WrappedKey(Strict):
    scope: str = Field(max_length=80)
    epoch: int = Field(ge=1, le=2**62)
    wrapped: str = Field(max_length=4096, description="The scope's content key sealed to the device (HPKE), base64")


class ApproveBody(Strict):
    certificate: dict[str, Any] = Field(description="The device's certificate, signed by the realm key")
    keys: list[WrappedKey] = Field(default_factory=list, max_length=5000)


class DeviceKey(WrappedKey):
    device: str = Field(max_length=80)


class KeysBody(Strict):
    keys: list[DeviceKey] = Field(min_length=1, max_length=20000)


class PublicationBody(Strict):
    kind: Literal["checklist", "directory"]
    version: int = Field(ge=1, le=2**62)
    payload: str = Field(max_length=8 * 1024 * 1024, description="The published document, base64")
    signature: str = Field(max_length=100, description="Realm signature (sync.protocol.sign_publication)")
