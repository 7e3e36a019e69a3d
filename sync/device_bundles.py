"""Sync without a network, on a device: write this device's envelopes to a bundle file, or
take in the envelopes of another device's bundle (``sync.bundle`` reads and writes the file).

Export packs the outbox first (the same packing as a sync, so the envelopes are the ones the
hub will get later, byte for byte), then writes every envelope this device ever sealed: the
receiver skips those it has. Import checks the whole file before applying anything and
applies each envelope once; importing the same bundle twice changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync.client import _never, _quiet, _Run
from sync.device import identity
from sync.errors import BundleRefused, DeviceRevoked, SyncError
from sync.protocol import ProtocolError, parse_envelope
from sync.receive import Receiver


@dataclass(frozen=True)
class Exported:
    envelopes: int  # in the file
    packed: int  # of them sealed just now from local changes


@dataclass(frozen=True)
class Imported:
    applied: int
    skipped: int  # already here, or this device's own
    held: int  # no key for their scope (yet)


def export_bundle(state: Any, path: Path | str) -> Exported:
    me = identity(state)
    if state.config().get("status") == "revoked":
        raise DeviceRevoked()
    certificate = me.certificate(state.config())
    if certificate is None:
        raise SyncError(detail="this device has no certificate yet: sync once after the secretariat approved it")
    run = _Run(state, me, _quiet, _never)
    run.pack()
    if run.warnings:
        raise SyncError(detail="; ".join(run.warnings))
    envelopes = [parse_envelope(json.loads(text)) for _seq, text in state.envelopes_since(1)]
    if not envelopes:
        raise SyncError(detail="this device has no changes to carry yet")
    from sync import bundle as bundle_file  # the file format (imported when a bundle is made)

    bundle_file.write_bundle(Path(path), envelopes, certificate, me.signer)
    return Exported(len(envelopes), run.packed)


def import_bundle(state: Any, path: Path | str) -> Imported:
    me = identity(state)
    if me.realm_public is None:
        raise SyncError(detail="this device does not know its realm yet: sync once first")
    from sync import bundle as bundle_file

    try:
        bundle = bundle_file.read_bundle(Path(path), me.realm_public, me.realm_id)
    except ProtocolError as exc:
        raise BundleRefused(reason=str(exc)) from None
    for envelope in bundle.envelopes:
        if envelope.device != bundle.certificate.device:
            raise BundleRefused(reason=f"envelope {envelope.id} was not written by the bundle's device")
    receiver = Receiver(state, me)
    if bundle.certificate.device != me.device:
        receiver.add_certificate(bundle.certificate)
    skipped = 0
    for envelope in bundle.envelopes:
        outcome = receiver.receive(envelope.to_json(), signer=bundle.certificate)
        skipped += outcome == "skipped"
    receiver.retry_held()
    return Imported(receiver.applied_count, skipped, receiver.held_count)
