"""Request bodies of the hub's API (they also describe it in /openapi.json).

Strict: a string is a string and a number a number; nothing is coerced. Unknown fields are
ignored so a newer client can add some. Limits keep a single request cheap to check.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


# Device, realm and scope ids, as sync.protocol.check_id accepts them (the description shows them to fuzzers too).
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$"
Id = Annotated[str, Field(max_length=80, pattern=ID_PATTERN)]


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class RealmInfo(Strict):
    id: Id = Field(description="The realm's id")
    public_key: str = Field(max_length=64, description="The realm's Ed25519 public key, base64")


class RealmBody(Strict):
    """Create the hub's one realm with the admin code printed by `himaya-hub init`."""

    admin_code: str = Field(max_length=200)
    realm: RealmInfo
    certificate: dict[str, Any] = Field(description="The secretariat device's certificate, signed by the realm key")


class EnrolBody(Strict):
    """Register a device with an invite code; it waits for the secretariat's approval."""

    code: str = Field(max_length=200)
    device: Id
    name: str = Field(max_length=120)
    sign_public: str = Field(max_length=64, description="Ed25519 public key, base64")
    exchange_public: str = Field(max_length=64, description="X25519 public key, base64")


class EnvelopesBody(Strict):
    """Envelopes of the calling device, in its sequence order (sync.protocol wire form)."""

    envelopes: list[dict[str, Any]] = Field(min_length=1, max_length=500)


class InviteBody(Strict):
    name: str = Field(min_length=1, max_length=120, description="Who the device is for")
    scopes: list[Id] = Field(min_length=1, max_length=500)
    ttl_hours: int = Field(default=72, ge=1, le=720)


class WrappedKey(Strict):
    scope: Id
    epoch: int = Field(ge=1, le=2**62)
    wrapped: str = Field(max_length=4096, description="The scope's content key sealed to the device (HPKE), base64")


class ApproveBody(Strict):
    certificate: dict[str, Any] = Field(description="The device's certificate, signed by the realm key")
    keys: list[WrappedKey] = Field(default_factory=list, max_length=5000)


class DeviceKey(WrappedKey):
    device: Id


class KeysBody(Strict):
    keys: list[DeviceKey] = Field(min_length=1, max_length=20000)


class PublicationBody(Strict):
    kind: Literal["checklist", "directory"]
    version: int = Field(ge=1, le=2**62)
    payload: str = Field(max_length=8 * 1024 * 1024, description="The published document, base64")
    signature: str = Field(max_length=100, description="Realm signature (sync.protocol.sign_publication)")


# --- answers (documentation of /openapi.json; the handlers build the same shapes) ---------
class ErrorBody(BaseModel):
    """Every refusal. Some add fields: ``time`` (clock_skew), ``expected`` (sequence_gap), ``wipe`` (revoked)."""

    model_config = ConfigDict(extra="allow")
    error: str = Field(description="A stable code, e.g. malformed, bad_signature, sequence_gap")
    detail: str = Field(description="What is wrong, for a person")


class HealthOut(BaseModel):
    status: Literal["ok"]
    version: int
    time: int = Field(description="The hub's clock, Unix seconds")


class CaOut(BaseModel):
    ca_pem: str


class RealmOut(BaseModel):
    realm: str


class StatusOut(BaseModel):
    status: str


class MeOut(BaseModel):
    device: str
    status: Literal["pending", "approved"]
    role: str
    scopes: list[str]
    name: str
    realm: RealmInfo
    certificate: dict[str, Any] | None
    keys: list[WrappedKey]
    time: int


class CertificatesOut(BaseModel):
    certificates: list[dict[str, Any]]


class PushOut(BaseModel):
    stored: int = Field(description="Envelopes new to the hub")
    duplicates: int = Field(description="Envelopes it already had, byte for byte")
    next_seq: int = Field(description="The sequence number it expects next from this device")


class FeedItem(BaseModel):
    hub_seq: int
    envelope: dict[str, Any]


class FeedOut(BaseModel):
    envelopes: list[FeedItem]
    next: int = Field(description="The cursor for the next page: the last hub_seq returned (or since)")
    more: bool


class PublicationOut(BaseModel):
    kind: str
    version: int
    payload: str
    signature: str
    published_at: int


class InviteOut(BaseModel):
    code: str = Field(description="One-time; shown once, stored only as a hash")
    expires_at: int


class DeviceOut(BaseModel):
    device: str
    name: str
    status: str
    role: str
    scopes: list[str]
    sign_public: str
    exchange_public: str
    fingerprint: str
    enrolled_at: int
    approved_at: int | None
    revoked_at: int | None
    last_seen: int | None


class DevicesOut(BaseModel):
    devices: list[DeviceOut]


class DeviceStatusOut(BaseModel):
    device: str
    status: str


class StoredOut(BaseModel):
    stored: int


class PublishedOut(BaseModel):
    kind: str
    version: int


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "malformed, wrong_realm, bad_envelope_signature, bad_certificate, …"},
    401: {"model": ErrorBody, "description": "unknown_device, bad_signature, clock_skew"},
    403: {"model": ErrorBody, "description": "revoked (with wipe), pending, not_secretariat, not_yours, wrong_scope, "
                                              "bad_code"},
    404: {"model": ErrorBody, "description": "not_found, no_such_device: no such path, publication or device"},
    409: {"model": ErrorBody, "description": "replay, sequence_gap (with expected), envelope_conflict, …"},
    413: {"model": ErrorBody, "description": "too_large: bodies over 8 MiB"},
    503: {"model": ErrorBody, "description": "busy: the database is busy, try again"},
}
