"""Pushing envelopes and pulling the feed over TLS: idempotent resends, paging, scopes."""

from __future__ import annotations

import base64
import os

from hubkit import approved_device, writes_for

from sync.protocol import open_envelope, parse_envelope, verify_envelope, verify_key


def test_push_is_idempotent_and_answers_the_next_seq(realm_hub):
    hub, realm, secretariat = realm_hub
    device = approved_device(hub, realm, secretariat, ["push-a"])
    batch = [realm.seal(device, "push-a", writes_for(device, 2)) for _ in range(3)]

    first = device.push(batch)
    assert first.status_code == 200, first.text
    assert first.json() == {"stored": 3, "duplicates": 0, "next_seq": 4}

    again = device.push(batch)  # a resend after a lost answer
    assert again.json() == {"stored": 0, "duplicates": 3, "next_seq": 4}

    mixed = device.push([batch[2], realm.seal(device, "push-a", writes_for(device))])
    assert mixed.json() == {"stored": 1, "duplicates": 1, "next_seq": 5}


def test_feed_pages_in_order_and_only_the_callers_scopes(realm_hub):
    hub, realm, secretariat = realm_hub
    writer_a = approved_device(hub, realm, secretariat, ["feed-a"])
    writer_b = approved_device(hub, realm, secretariat, ["feed-b"])
    reader_a = approved_device(hub, realm, secretariat, ["feed-a"])
    start = secretariat.get("/v1/feed?since=0&limit=1000").json()
    while start["more"]:
        start = secretariat.get(f"/v1/feed?since={start['next']}&limit=1000").json()
    since = start["next"]

    sent_a = [realm.seal(writer_a, "feed-a", writes_for(writer_a, 1, f"a{i}")) for i in range(7)]
    sent_b = [realm.seal(writer_b, "feed-b", writes_for(writer_b, 1, f"b{i}")) for i in range(4)]
    assert writer_a.push(sent_a[:4]).status_code == 200
    assert writer_b.push(sent_b).status_code == 200
    assert writer_a.push(sent_a[4:]).status_code == 200

    pages, cursor = [], since
    while True:
        page = reader_a.get(f"/v1/feed?since={cursor}&limit=3").json()
        pages.append(page)
        cursor = page["next"]
        if not page["more"]:
            break
    received = [item for page in pages for item in page["envelopes"]]
    assert [len(p["envelopes"]) for p in pages] == [3, 3, 1]
    hub_seqs = [item["hub_seq"] for item in received]
    assert hub_seqs == sorted(hub_seqs) and len(set(hub_seqs)) == 7
    assert [item["envelope"] for item in received] == [e.to_json() for e in sent_a]

    envelope = parse_envelope(received[0]["envelope"])
    verify_envelope(envelope, verify_key(writer_a.sign_public))
    assert open_envelope(envelope, realm.content_key("feed-a"))[0].value == "a0"

    everything, _ = secretariat.pull_all(since)
    assert len(everything) == 11  # the secretariat's certificate covers every scope
    assert reader_a.get(f"/v1/feed?since={cursor}").json() == {"envelopes": [], "next": cursor, "more": False}


def test_big_envelopes_come_in_pages_under_eight_mebibytes(realm_hub):
    hub, realm, secretariat = realm_hub
    writer = approved_device(hub, realm, secretariat, ["feed-big"])
    reader = approved_device(hub, realm, secretariat, ["feed-big"])
    noise = [base64.b64encode(os.urandom(2_900_000)).decode() for _ in range(3)]  # barely compressible
    sent = [realm.seal(writer, "feed-big", writes_for(writer, 1, text)) for text in noise]
    for envelope in sent:  # one per push: each is about 3.9 MB of JSON
        assert writer.push([envelope]).status_code == 200
    first = reader.get("/v1/feed?since=0&limit=1000").json()
    assert len(first["envelopes"]) == 2 and first["more"] is True
    second = reader.get(f"/v1/feed?since={first['next']}&limit=1000").json()
    assert len(second["envelopes"]) == 1 and second["more"] is False
    assert [i["envelope"] for i in first["envelopes"] + second["envelopes"]] == [e.to_json() for e in sent]
