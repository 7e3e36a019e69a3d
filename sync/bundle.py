"""Bundle files: a device's envelopes carried on a USB stick when there is no network.

A bundle is UTF-8 JSON::

    {"format": "himaya-bundle", "v": 1,
     "manifest": {"realm", "device", "created_at", "envelopes": [[seq, digest], …]},
     "signature": b64,  # the device's Ed25519 over b"himaya-bundle-v1\\x00" + canonical(manifest)
     "certificate": {…},  # the device's certificate, signed by the realm key
     "envelopes": [envelope, …]}  # exactly as on the wire

Reading checks everything before returning anything: format, size, the certificate against
the realm's key, the realm, the manifest's signature, and every envelope against the
manifest and its own signature. Importing is idempotent wherever it happens because the
envelopes are (device, seq) and their digests.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app import strict_json
from sync.protocol import (DeviceCertificate, Envelope, ProtocolError, b64, canonical, parse_certificate,
                           parse_envelope, unb64, verify, verify_envelope, verify_key)

FORMAT, VERSION = "himaya-bundle", 1
MAX_BUNDLE = 512 * 1024 * 1024
_CONTEXT = b"himaya-bundle-v1\x00"


@dataclass(frozen=True)
class Bundle:
    certificate: DeviceCertificate
    envelopes: tuple[Envelope, ...]


def _manifest_message(manifest: dict[str, Any]) -> bytes:
    return _CONTEXT + canonical(manifest)


def write_bundle(path: str | Path, envelopes: Sequence[Envelope], certificate: DeviceCertificate,
                 signer: Ed25519PrivateKey) -> None:
    """Write the bundle atomically (a temporary file in the same folder, fsync, rename; mode 0600)."""
    path = Path(path)
    for envelope in envelopes:
        if envelope.device != certificate.device or envelope.realm != certificate.realm:
            raise ProtocolError(f"envelope {envelope.id} is not this device's, in this realm")
    ordered = sorted(envelopes, key=lambda e: e.seq)
    manifest = {"realm": certificate.realm, "device": certificate.device,
                "created_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "envelopes": [[e.seq, e.digest()] for e in ordered]}
    document = {"format": FORMAT, "v": VERSION, "manifest": manifest,
                "signature": b64(signer.sign(_manifest_message(manifest))),
                "certificate": certificate.to_json(), "envelopes": [e.to_json() for e in ordered]}
    data = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    folder = path.parent if str(path.parent) else Path(".")
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    with contextlib.suppress(OSError):
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def _load(path: Path) -> dict[str, Any]:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ProtocolError(f"the bundle cannot be read: {exc.strerror or exc}") from None
    if size > MAX_BUNDLE:
        raise ProtocolError(f"the bundle is larger than {MAX_BUNDLE // (1024 * 1024)} MiB")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BUNDLE + 1)
    except OSError as exc:
        raise ProtocolError(f"the bundle cannot be read: {exc.strerror or exc}") from None
    if len(data) > MAX_BUNDLE:
        raise ProtocolError(f"the bundle is larger than {MAX_BUNDLE // (1024 * 1024)} MiB")
    try:
        document = strict_json.loads(data)
    except strict_json.JsonRefused as exc:
        raise ProtocolError(f"this file is not a Himaya bundle ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ProtocolError("this file is not a Himaya bundle")
    if document.get("v") != VERSION:
        raise ProtocolError(f"bundle version {document.get('v')!r} is not supported (this side reads {VERSION})")
    return document


def _manifest_entries(manifest: Any) -> list[tuple[int, str]]:
    if not isinstance(manifest, dict) or not isinstance(manifest.get("envelopes"), list):
        raise ProtocolError("the bundle's manifest is malformed")
    entries = []
    for entry in manifest["envelopes"]:
        if (not isinstance(entry, list) or len(entry) != 2 or isinstance(entry[0], bool)
                or not isinstance(entry[0], int) or not isinstance(entry[1], str)):
            raise ProtocolError("the bundle's manifest is malformed")
        entries.append((entry[0], entry[1]))
    return entries


def read_bundle(path: str | Path, realm_public: Ed25519PublicKey, realm_id: str) -> Bundle:
    """The checked bundle, or ``ProtocolError`` saying why not (nothing is returned half-read)."""
    document = _load(Path(path))
    raw_certificate = document.get("certificate")
    claimed_realm = raw_certificate.get("realm") if isinstance(raw_certificate, dict) else None
    if isinstance(claimed_realm, str) and claimed_realm != realm_id:
        raise ProtocolError(f"this bundle belongs to another realm ({claimed_realm[:80]!r}, not {realm_id!r})")
    try:
        certificate = parse_certificate(raw_certificate, realm_public)
    except ProtocolError as exc:
        raise ProtocolError(f"the bundle's device certificate is not valid in this realm: {exc}") from None
    if certificate.realm != realm_id:
        raise ProtocolError("this bundle belongs to another realm")
    manifest = document.get("manifest")
    entries = _manifest_entries(manifest)
    if manifest.get("realm") != realm_id or manifest.get("device") != certificate.device:
        raise ProtocolError("the bundle's manifest names another realm or device than its certificate")
    signer = verify_key(certificate.sign_public)
    try:
        verify(signer, unb64(document.get("signature"), "bundle signature", 64), _manifest_message(manifest),
               "the bundle's manifest")
    except ProtocolError:
        raise ProtocolError("the bundle was tampered with: its manifest's signature does not verify") from None
    raw_envelopes = document.get("envelopes")
    if not isinstance(raw_envelopes, list) or len(raw_envelopes) != len(entries):
        raise ProtocolError("the bundle was tampered with: its envelopes do not match its manifest")
    envelopes = []
    for (seq, digest), raw in zip(entries, raw_envelopes):
        envelope = parse_envelope(raw)
        if envelope.seq != seq or envelope.digest() != digest:
            raise ProtocolError(f"the bundle was tampered with: envelope {envelope.id} differs from its manifest")
        if envelope.device != certificate.device or envelope.realm != realm_id:
            raise ProtocolError(f"envelope {envelope.id} in the bundle is not its device's, in this realm")
        if not certificate.covers(envelope.scope):
            raise ProtocolError(f"envelope {envelope.id} is of a scope its device's certificate does not cover")
        try:
            verify_envelope(envelope, signer)
        except ProtocolError:
            raise ProtocolError(f"the bundle was tampered with: envelope {envelope.id}'s signature fails") from None
        envelopes.append(envelope)
    return Bundle(certificate, tuple(envelopes))
