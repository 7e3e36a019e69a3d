"""The hash-chained audit trail: a clean chain verifies; each kind of tampering is named."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

from app.domain.audit import GENESIS, AuditAction, AuditEntry, AuditEvent, canonical, chain_hash, verify_chain
from app.domain.checks import new_id

T0 = datetime(2025, 3, 14, 9, 0, tzinfo=timezone.utc)
ACTOR = new_id()
CASE = new_id()


def events(n: int = 6) -> list[AuditEvent]:
    actions = [AuditAction.UNLOCK, AuditAction.CASE_CREATED, AuditAction.CASE_VIEWED,
               AuditAction.CASE_TRANSITION, AuditAction.CONSENT_RECORDED, AuditAction.LOCK]
    return [
        AuditEvent(action=actions[i % len(actions)], at=T0 + timedelta(minutes=i), actor_id=ACTOR,
                   device_id="device-1", record_type="case", record_id=CASE,
                   details={"step": i, "from": "detected", "to": "screening"})
        for i in range(n)
    ]


def build(evts: list[AuditEvent], first_seq: int = 1) -> list[AuditEntry]:
    chain: list[AuditEntry] = []
    prev = GENESIS
    for offset, event in enumerate(evts):
        seq = first_seq + offset
        digest = chain_hash(prev, event, seq)
        chain.append(AuditEntry(seq, event, prev, digest))
        prev = digest
    return chain


def test_intact_chain_verifies():
    report = verify_chain(build(events()))
    assert report.ok
    assert report.checked == 6
    assert report.first_broken is None and report.reason is None


def test_empty_chain_verifies():
    report = verify_chain([])
    assert report.ok and report.checked == 0


def test_chain_links_each_entry_to_the_previous_one():
    chain = build(events())
    assert chain[0].prev_hash == GENESIS
    for before, after in zip(chain, chain[1:]):
        assert after.prev_hash == before.hash
    assert len({e.hash for e in chain}) == len(chain)


def test_altered_details_are_reported_at_that_entry():
    chain = build(events())
    forged = dataclasses.replace(chain[2].event, details={**chain[2].event.details, "to": "closed"})
    chain[2] = dataclasses.replace(chain[2], event=forged)
    report = verify_chain(chain)
    assert not report.ok
    assert report.first_broken == 3
    assert report.reason == "content altered"


def test_altered_actor_time_or_action_is_reported():
    for change in ({"actor_id": new_id()}, {"at": T0 + timedelta(days=1)}, {"action": AuditAction.EXPORT},
                   {"device_id": "device-2"}, {"record_id": new_id()}):
        chain = build(events())
        chain[4] = dataclasses.replace(chain[4], event=dataclasses.replace(chain[4].event, **change))
        report = verify_chain(chain)
        assert (report.first_broken, report.reason) == (5, "content altered"), change


def test_removed_entry_is_reported_where_it_is_missing():
    chain = build(events())
    del chain[3]  # seq 4
    report = verify_chain(chain)
    assert report.first_broken == 4
    assert report.reason == "missing entry"


def test_removed_first_entry_breaks_the_chain():
    chain = build(events())[1:]
    report = verify_chain(chain)
    assert not report.ok
    assert report.first_broken in (1, 2)


def test_reordered_entries_are_reported_at_the_first_out_of_place():
    chain = build(events())
    chain[1], chain[2] = chain[2], chain[1]  # seq 2 and 3 swapped
    report = verify_chain(chain)
    assert not report.ok
    assert report.first_broken == 2


def test_changed_prev_hash_is_reported_as_a_broken_link():
    chain = build(events())
    chain[3] = dataclasses.replace(chain[3], prev_hash="f" * 64)
    report = verify_chain(chain)
    assert report.first_broken == 4
    assert report.reason == "link to the previous entry broken"


def test_rehashed_forgery_is_caught_at_the_next_link():
    chain = build(events())
    forged_event = dataclasses.replace(chain[2].event, details={"step": 99})
    chain[2] = AuditEntry(3, forged_event, chain[2].prev_hash, chain_hash(chain[2].prev_hash, forged_event, 3))
    report = verify_chain(chain)
    assert report.first_broken == 4
    assert report.reason == "link to the previous entry broken"


def test_changed_seq_is_detected():
    chain = build(events())
    chain[0] = dataclasses.replace(chain[0], seq=0)
    report = verify_chain(chain)
    assert not report.ok
    assert report.first_broken in (0, 1)


def test_tampered_first_entry_is_reported_at_seq_one():
    chain = build(events())
    chain[0] = dataclasses.replace(chain[0], event=dataclasses.replace(chain[0].event, actor_id=None))
    assert verify_chain(chain).first_broken == 1


def test_chain_hash_depends_on_previous_hash_seq_and_content():
    event = events(1)[0]
    base = chain_hash(GENESIS, event, 1)
    assert len(base) == 64 and int(base, 16) >= 0
    assert chain_hash(GENESIS, event, 1) == base
    assert chain_hash("1" * 64, event, 1) != base
    assert chain_hash(GENESIS, event, 2) != base
    assert chain_hash(GENESIS, dataclasses.replace(event, details={"step": 1}), 1) != base


def test_canonical_form_ignores_key_order_and_keeps_arabic():
    a = dataclasses.replace(events(1)[0], details={"b": 2, "a": "ملف"})
    b = dataclasses.replace(events(1)[0], details={"a": "ملف", "b": 2})
    assert canonical(a, 1) == canonical(b, 1)
    assert "ملف".encode() in canonical(a, 1)
