"""Accepting envelopes (over HTTP and from bundles) and serving them back as the feed.

Why the feed never skips: a device pulls ``hub_seq > cursor`` and moves its cursor to the
last number it got, so a number that becomes visible *after* a higher one was read would
be missed for ever. With a sequence or an autoincrement, two concurrent transactions can
take 7 and 8 and commit 8 first; a reader then sees 8, moves past 7, and 7 is lost.

Here every number comes from one counter row, ``UPDATE hub_counter SET value = value + n
RETURNING value``, run as the last locking statement of the ingest transaction. The row
lock is held until commit, so the next transaction cannot take its numbers before this one
is committed (PostgreSQL marks a transaction visible before it releases its locks; SQLite
has one writer at a time). Numbers therefore become visible in order, every snapshot a
reader takes holds a prefix of them, and a cursor never passes a number still to come.
Holding the lock only for the last statements keeps concurrent pushes from queueing on
the whole ingest.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Sequence

from sqlalchemy import Engine, bindparam, func, insert, select, update

from sync.hub import db
from sync.hub.errors import HubError
from sync.protocol import DeviceCertificate, Envelope, ProtocolError, canonical, parse_envelope, verify_envelope, \
    verify_key

log = logging.getLogger("himaya.hub")
MAX_BATCH = 500
MAX_PAGE = 1000
MAX_PAGE_BYTES = 8 * 1024 * 1024  # envelope text per feed page, as for a request body


@dataclass(frozen=True)
class IngestResult:
    stored: int
    duplicates: int
    next_seq: int


def check_envelopes(raw: Sequence[Any], device: str, realm_id: str,
                    certificate: DeviceCertificate) -> list[Envelope]:
    """Parse and check each envelope against its sender (pure: nothing is stored yet)."""
    if not 1 <= len(raw) <= MAX_BATCH:
        raise HubError(400, "malformed", f"send 1 to {MAX_BATCH} envelopes at a time")
    signer = verify_key(certificate.sign_public)
    checked = []
    for index, item in enumerate(raw):
        try:
            envelope = parse_envelope(item)
        except ProtocolError as exc:
            raise HubError(400, "malformed", f"envelope {index}: {exc}") from None
        if envelope.device != device:
            raise HubError(403, "not_yours", f"envelope {envelope.id} was not written by this device")
        if envelope.realm != realm_id:
            raise HubError(400, "wrong_realm", f"envelope {envelope.id} belongs to another realm")
        if not certificate.covers(envelope.scope):
            raise HubError(403, "wrong_scope", f"this device's certificate does not cover scope {envelope.scope}")
        try:
            verify_envelope(envelope, signer)
        except ProtocolError:
            raise HubError(400, "bad_envelope_signature",
                           f"the signature of envelope {envelope.id} does not verify (tampered?)") from None
        checked.append(envelope)
    return checked


def ingest(engine: Engine, device: str, envelopes: Sequence[Envelope]) -> IngestResult:
    """Store a device's envelopes in one transaction: all of them, or none (a ``HubError`` says why)."""
    ordered = sorted(envelopes, key=lambda e: e.seq)
    now = db.now()
    with db.writing(engine) as conn:
        # Lock the device's row: its pushes queue, and a revocation committed meanwhile is seen.
        row = conn.execute(
            update(db.devices).where(db.devices.c.device == device, db.devices.c.status == "approved")
            .values(last_seq=db.devices.c.last_seq).returning(db.devices.c.last_seq)).first()
        if row is None:
            raise HubError(403, "revoked", "this device is not approved (revoked?)", wipe=True)
        last = int(row[0])
        old_seqs = [e.seq for e in ordered if e.seq <= last]
        stored_digests: dict[int, str] = {}
        if old_seqs:
            stored_digests = dict(conn.execute(
                select(db.envelopes.c.seq, db.envelopes.c.digest)
                .where(db.envelopes.c.device == device, db.envelopes.c.seq.in_(old_seqs))).tuples().all())
        fresh: list[Envelope] = []
        in_batch: dict[int, str] = {}
        duplicates, expected = 0, last + 1
        for envelope in ordered:
            digest = envelope.digest()
            known = stored_digests.get(envelope.seq) or in_batch.get(envelope.seq)
            if known is not None:
                if known != digest:
                    log.warning("refused envelope %s: same id as a stored one, other bytes", envelope.id)
                    raise HubError(409, "envelope_conflict",
                                   f"envelope {envelope.id} is already stored with other content")
                duplicates += 1
            elif envelope.seq == expected:
                fresh.append(envelope)
                in_batch[envelope.seq] = digest
                expected += 1
            else:
                raise HubError(409, "sequence_gap", f"this device's next envelope is {expected}, not {envelope.seq}",
                               expected=expected)
        if fresh:
            conn.execute(insert(db.envelopes), [
                {"device": device, "seq": e.seq, "hub_seq": None, "scope": e.scope, "digest": in_batch[e.seq],
                 "body": canonical(e.to_json()).decode("utf-8"), "received_at": now} for e in fresh])
            conn.execute(update(db.devices).where(db.devices.c.device == device).values(last_seq=expected - 1))
            # The counter row last: its lock is held to commit, so numbers become visible in order.
            top = conn.execute(update(db.hub_counter).where(db.hub_counter.c.id == 1)
                               .values(value=db.hub_counter.c.value + len(fresh))
                               .returning(db.hub_counter.c.value)).scalar_one()
            first = int(top) - len(fresh) + 1
            conn.execute(
                update(db.envelopes)
                .where(db.envelopes.c.device == bindparam("b_device"), db.envelopes.c.seq == bindparam("b_seq"))
                .values(hub_seq=bindparam("b_hub_seq")),
                [{"b_device": device, "b_seq": e.seq, "b_hub_seq": first + i} for i, e in enumerate(fresh)])
    return IngestResult(len(fresh), duplicates, expected)


@dataclass(frozen=True)
class FeedPage:
    items: list[tuple[int, dict[str, Any]]]
    next: int
    more: bool


def feed(engine: Engine, scopes: Sequence[str], since: int, limit: int) -> FeedPage:
    """Envelopes after ``since`` in hub order, of ``scopes`` only ("*" = all).

    A page also stops before ``MAX_PAGE_BYTES`` of envelope text (always holding at least
    one), so big envelopes never make an answer too large to hold; ``more`` says so.
    """
    in_scope = [] if "*" in scopes else [db.envelopes.c.scope.in_(list(scopes))]
    with db.reading(engine) as conn:
        sizes = conn.execute(
            select(db.envelopes.c.hub_seq, func.length(db.envelopes.c.body))
            .where(db.envelopes.c.hub_seq > since, *in_scope)
            .order_by(db.envelopes.c.hub_seq).limit(limit + 1)).tuples().all()
        last, total, taken = since, 0, 0
        for hub_seq, size in sizes[:limit]:
            if taken and total + int(size) > MAX_PAGE_BYTES:
                break
            last, total, taken = int(hub_seq), total + int(size), taken + 1
        # Every number up to ``last`` was visible to the first query, so this reads the same rows.
        rows = conn.execute(
            select(db.envelopes.c.hub_seq, db.envelopes.c.body)
            .where(db.envelopes.c.hub_seq > since, db.envelopes.c.hub_seq <= last, *in_scope)
            .order_by(db.envelopes.c.hub_seq)).tuples().all() if taken else []
    items = [(int(hub_seq), json.loads(body)) for hub_seq, body in rows]
    return FeedPage(items, last, taken < len(sizes))
