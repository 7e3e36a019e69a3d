"""``himaya-hub import-bundle``: a device's bundle through the same checks and ingest as a push."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select

from sync.bundle import read_bundle
from sync.hub import db
from sync.hub.errors import HubError
from sync.hub.ingest import MAX_BATCH, check_envelopes, ingest
from sync.protocol import ProtocolError, b64, parse_certificate, verify_key


@dataclass(frozen=True)
class ImportResult:
    device: str
    stored: int
    duplicates: int


def import_bundle(engine: Engine, path: Path) -> ImportResult:
    """Ingest the bundle's envelopes; importing it again stores nothing new."""
    with db.reading(engine) as conn:
        realm = conn.execute(select(db.realm.c.realm_id, db.realm.c.public_key)).first()
    if realm is None:
        raise HubError(409, "no_realm", "this hub has no realm yet: nothing can be imported")
    try:
        bundle = read_bundle(path, verify_key(realm[1], "realm key"), realm[0])
    except ProtocolError as exc:
        raise HubError(400, "bad_bundle", f"refused: {exc}") from None
    device = bundle.certificate.device
    with db.reading(engine) as conn:
        row = conn.execute(select(db.devices).where(db.devices.c.device == device)).mappings().first()
    if row is None or row["certificate"] is None:
        raise HubError(403, "unknown_device", f"refused: device {device} is not approved on this hub")
    if row["status"] != "approved":
        raise HubError(403, "revoked", f"refused: device {device} is {row['status']} on this hub")
    if row["sign_public"] != b64(bundle.certificate.sign_public):
        raise HubError(403, "bad_bundle", f"refused: the bundle's keys are not those device {device} enrolled with")
    # The hub's own copy of the certificate decides the scopes, as for a push.
    certificate = parse_certificate(json.loads(row["certificate"]))
    stored = duplicates = 0
    for start in range(0, len(bundle.envelopes), MAX_BATCH):
        chunk = [e.to_json() for e in bundle.envelopes[start:start + MAX_BATCH]]
        result = ingest(engine, device, check_envelopes(chunk, device, realm[0], certificate))
        stored, duplicates = stored + result.stored, duplicates + result.duplicates
    return ImportResult(device, stored, duplicates)
