"""Everything the hub must refuse, each on its own, over TLS on both databases."""

from __future__ import annotations

import base64
import json
import time

import pytest
from hubkit import Realm, TestDevice, approved_device, enrol, invite, writes_for
from sqlalchemy import update

from sync.hub import db
from sync.protocol import b64, new_signing_key, seal, sign_request


@pytest.fixture(scope="module")
def writer(realm_hub):
    hub, realm, secretariat = realm_hub
    return approved_device(hub, realm, secretariat, ["ref-a"], name="Writer")


def _refused(answer, status, code):
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["error"] == code and isinstance(body["detail"], str) and body["detail"], body
    return body


def test_unknown_device(realm_hub):
    hub, _, _ = realm_hub
    _refused(TestDevice(hub).get("/v1/me"), 401, "unknown_device")
    _refused(TestDevice(hub).get("/v1/feed"), 401, "unknown_device")


def test_unsigned_request(realm_hub):
    hub, _, _ = realm_hub
    _refused(TestDevice(hub).client.get("/v1/feed"), 401, "unknown_device")


def test_pending_device(realm_hub):
    hub, realm, secretariat = realm_hub
    device = enrol(hub, invite(secretariat, ["ref-a"]))
    assert device.get("/v1/me").json()["status"] == "pending"
    _refused(device.get("/v1/feed"), 403, "pending")
    _refused(device.get("/v1/certificates"), 403, "pending")
    fake = realm.seal(device, "ref-a", writes_for(device))
    _refused(device.push([fake]), 403, "pending")


def test_revoked_device_is_refused_at_once_and_told_to_wipe(realm_hub):
    hub, realm, secretariat = realm_hub
    device = approved_device(hub, realm, secretariat, ["ref-a"])
    assert device.push([realm.seal(device, "ref-a", writes_for(device))]).status_code == 200
    assert secretariat.post(f"/v1/devices/{device.id}/revoke", {}).status_code == 200
    body = _refused(device.get("/v1/me"), 403, "revoked")
    assert body["wipe"] is True
    _refused(device.get("/v1/feed"), 403, "revoked")
    _refused(device.push([realm.seal(device, "ref-a", writes_for(device))]), 403, "revoked")
    listed = {d["device"]: d for d in secretariat.get("/v1/devices").json()["devices"]}
    assert listed[device.id]["status"] == "revoked" and listed[device.id]["revoked_at"]


def test_bad_request_signature(realm_hub, writer):
    _refused(writer.get("/v1/me", signer=new_signing_key()), 401, "bad_signature")
    _refused(writer.get("/v1/me", headers={"X-Himaya-Signature": "not base64!"}), 401, "bad_signature")
    # A body changed after signing: the signature covered the original body's hash.
    body = json.dumps({"envelopes": []}).encode()
    headers = sign_request(writer.sign, writer.id, "POST", "/v1/envelopes", body, int(time.time()))
    answer = writer.client.post("/v1/envelopes", content=body + b" ", headers=headers)
    _refused(answer, 401, "bad_signature")
    # The query string is signed too.
    headers = sign_request(writer.sign, writer.id, "GET", "/v1/feed?since=0", b"", int(time.time()))
    _refused(writer.client.get("/v1/feed?since=5", headers=headers), 401, "bad_signature")


def test_replayed_request(realm_hub, writer):
    assert writer.get("/v1/me", nonce="fixed-nonce-123456").status_code == 200
    _refused(writer.get("/v1/me", nonce="fixed-nonce-123456"), 409, "replay")


def test_clock_skew(realm_hub, writer):
    body = _refused(writer.get("/v1/me", time_offset=-1000), 401, "clock_skew")
    assert abs(body["time"] - time.time()) < 60
    _refused(writer.get("/v1/me", time_offset=+1000), 401, "clock_skew")


def test_wrong_scope(realm_hub, writer):
    _, realm, _ = realm_hub
    _refused(writer.push([realm.seal(writer, "ref-b", writes_for(writer), seq=writer.seq + 1)]), 403, "wrong_scope")


def test_tampered_ciphertext(realm_hub, writer):
    _, realm, _ = realm_hub
    envelope = realm.seal(writer, "ref-a", writes_for(writer), seq=writer.seq + 1).to_json()
    raw = bytearray(base64.b64decode(envelope["ciphertext"]))
    raw[-1] ^= 0x01
    envelope["ciphertext"] = b64(bytes(raw))
    _refused(writer.post("/v1/envelopes", {"envelopes": [envelope]}), 400, "bad_envelope_signature")


def test_envelope_of_another_device_or_realm(realm_hub, writer):
    hub, realm, secretariat = realm_hub
    other = approved_device(hub, realm, secretariat, ["ref-a"])
    _refused(writer.push([realm.seal(other, "ref-a", writes_for(other), seq=1)]), 403, "not_yours")
    foreign = seal(writes_for(writer), realm="realm-other", device=writer.id, seq=writer.seq + 1, scope="ref-a",
                   epoch=1, content_key=realm.content_key("ref-a"), signer=writer.sign)
    _refused(writer.push([foreign]), 400, "wrong_realm")


def test_same_envelope_id_other_bytes(realm_hub):
    hub, realm, secretariat = realm_hub
    device = approved_device(hub, realm, secretariat, ["ref-a"])
    assert device.push([realm.seal(device, "ref-a", writes_for(device, 1, "first"))]).status_code == 200
    impostor = realm.seal(device, "ref-a", writes_for(device, 1, "second"), seq=1)
    _refused(device.push([impostor]), 409, "envelope_conflict")


def test_sequence_gap_says_what_is_expected_and_stores_nothing(realm_hub):
    hub, realm, secretariat = realm_hub
    device = approved_device(hub, realm, secretariat, ["ref-a"])
    first = realm.seal(device, "ref-a", writes_for(device), seq=1)
    third = realm.seal(device, "ref-a", writes_for(device), seq=3)
    body = _refused(device.push([first, third]), 409, "sequence_gap")
    assert body["expected"] == 2
    assert device.push([first]).json() == {"stored": 1, "duplicates": 0, "next_seq": 2}  # nothing was kept
    body = _refused(device.push([third]), 409, "sequence_gap")
    assert body["expected"] == 2


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00", b"[1, 2", b'{"envelopes": [1e99999]}'])
def test_malformed_json(realm_hub, writer, content):
    _refused(writer.post("/v1/envelopes", content=content), 400, "malformed")


@pytest.mark.parametrize("path, body", [
    ("/v1/envelopes", {"envelopes": "all of them"}),
    ("/v1/envelopes", {"envelopes": []}),
    ("/v1/envelopes", {"envelopes": [{"v": 1}]}),
    ("/v1/envelopes", {"envelopes": [None]}),
    ("/v1/envelopes", ["not", "an", "object"]),
    ("/v1/envelopes", {"envelopes": [{"v": 1, "realm": 5, "device": [], "seq": "1", "scope": None, "epoch": 1.5,
                                      "count": True, "size": -1, "nonce": "", "ciphertext": "@@",
                                      "signature": {}}]}),
    ("/v1/enrol", {"code": 5, "device": "d", "name": "n", "sign_public": "x", "exchange_public": "y"}),
    ("/v1/enrol", {"code": "c", "device": "../etc", "name": "n", "sign_public": b64(b"x" * 32),
                   "exchange_public": b64(b"y" * 32)}),
    ("/v1/realm", {"admin_code": "x", "realm": "r", "certificate": {}}),
])
def test_wrong_types(realm_hub, writer, path, body):
    _refused(writer.post(path, body), 400, "malformed")


@pytest.mark.parametrize("query", ["since=abc", "since=-1", "limit=0", "limit=1001", "since=1e3",
                                   "since=99999999999999999999999"])
def test_bad_feed_queries(realm_hub, writer, query):
    _refused(writer.get(f"/v1/feed?{query}"), 400, "malformed")


def test_oversized_body(realm_hub, writer):
    big = b'{"envelopes": ["' + b"A" * (9 * 1024 * 1024) + b'"]}'
    _refused(writer.post("/v1/envelopes", content=big), 413, "too_large")
    assert writer.get("/v1/me").status_code == 200  # and the hub is fine


@pytest.mark.parametrize("method, path, body", [
    ("POST", "/v1/invites", {"name": "x", "scopes": ["ref-a"]}),
    ("GET", "/v1/devices", None),
    ("POST", "/v1/devices/secretariat-1/revoke", {}),
    ("POST", "/v1/devices/whoever/approve", {"certificate": {}, "keys": []}),
    ("POST", "/v1/keys", {"keys": [{"device": "x", "scope": "ref-a", "epoch": 2, "wrapped": "AAAA"}]}),
    ("POST", "/v1/publications", {"kind": "checklist", "version": 1, "payload": "", "signature": ""}),
])
def test_only_the_secretariat_administers(realm_hub, writer, method, path, body):
    _refused(writer.request(method, path, body), 403, "not_secretariat")


def test_used_or_expired_invite_code(realm_hub):
    hub, _, secretariat = realm_hub
    code = invite(secretariat, ["ref-a"])
    enrol(hub, code)
    late = TestDevice(hub)
    answer = late.post("/v1/enrol", {"code": code, "device": late.id, "name": "late",
                                     "sign_public": late.sign_public, "exchange_public": late.exchange_public})
    _refused(answer, 403, "bad_code")

    expired = invite(secretariat, ["ref-a"])
    engine = db.make_engine(hub.database)
    with db.writing(engine) as conn:
        conn.execute(update(db.invites).where(db.invites.c.used_at.is_(None)).values(expires_at=db.now() - 1))
    engine.dispose()
    answer = late.post("/v1/enrol", {"code": expired, "device": late.id, "name": "late",
                                     "sign_public": late.sign_public, "exchange_public": late.exchange_public})
    _refused(answer, 403, "bad_code")


def test_enrolled_device_id_is_taken(realm_hub, writer):
    hub, _, secretariat = realm_hub
    twin = TestDevice(hub, device_id=writer.id)
    answer = twin.post("/v1/enrol", {"code": invite(secretariat, ["ref-a"]), "device": twin.id, "name": "twin",
                                     "sign_public": twin.sign_public, "exchange_public": twin.exchange_public})
    _refused(answer, 409, "device_exists")


def test_approval_needs_a_realm_signed_certificate_for_the_registered_keys(realm_hub):
    hub, realm, secretariat = realm_hub
    device = enrol(hub, invite(secretariat, ["ref-a"]))
    impostor = TestDevice(hub, device_id=device.id)
    wrong_keys = realm.certificate(impostor, ["ref-a"])
    _refused(secretariat.post(f"/v1/devices/{device.id}/approve",
                              {"certificate": wrong_keys.to_json(), "keys": []}), 400, "bad_certificate")
    forged = Realm(realm.id).certificate(device, ["ref-a"])
    _refused(secretariat.post(f"/v1/devices/{device.id}/approve",
                              {"certificate": forged.to_json(), "keys": []}), 400, "bad_certificate")
    assert device.get("/v1/me").json()["status"] == "pending"
    _refused(secretariat.post("/v1/devices/nobody/approve", {"certificate": forged.to_json(), "keys": []}),
             400, "bad_certificate")


def test_unknown_paths_and_methods(realm_hub, writer):
    _refused(writer.get("/v1/nothing"), 404, "not_found")
    _refused(writer.client.delete("/v1/envelopes"), 405, "method_not_allowed")
    _refused(writer.get("/v1/publications/recipes"), 404, "not_found")


_HOSTILE = [
    b"", b"null", b"0", b'"text"', b"[]", b"{}", b"[" * 50000 + b"]" * 50000, b'{"a":' * 5000 + b"1" + b"}" * 5000,
    b'{"envelopes": [' + b"{}," * 600 + b'{}]}', rb'{"keys": [{"device": "\u0000", "scope": "s", "epoch": 1e400}]}',
    b'{"name": "' + "سلمى".encode() * 1000 + b'", "scopes": ["*"], "ttl_hours": 99999999999999999999}',
    b'{"certificate": {"realm": null}, "keys": null}', b'{"kind": "directory", "version": -1}',
    b'{"code": {}, "device": 1, "name": [], "sign_public": "==", "exchange_public": "AAAA"}',
]
_ENDPOINTS = [("POST", "/v1/realm"), ("POST", "/v1/enrol"), ("POST", "/v1/envelopes"), ("POST", "/v1/invites"),
              ("POST", "/v1/devices/secretariat-1/approve"), ("POST", "/v1/devices/%2e%2e/revoke"),
              ("POST", "/v1/keys"), ("POST", "/v1/publications"), ("GET", "/v1/feed?since=0&since=1&limit=x")]


def test_hostile_input_never_gets_a_500(realm_hub, writer):
    _, _, secretariat = realm_hub
    for caller in (writer, secretariat):
        for method, path in _ENDPOINTS:
            for content in _HOSTILE:
                answer = caller.request(method, path, content=content)
                assert 400 <= answer.status_code < 500, (method, path, content[:60], answer.text)
                assert set(answer.json()) >= {"error", "detail"}
    assert secretariat.get("/v1/devices").status_code == 200


def test_hostile_text_never_gets_a_500(realm_hub, writer):
    hub, realm, secretariat = realm_hub
    for name in ("bad\u0000name", "\ud800lone", "\x07", " " * 5, "n" * 121):
        _refused(secretariat.post("/v1/invites", {"name": name, "scopes": ["ref-a"]}), 400, "malformed")
        stranger = TestDevice(hub)
        answer = stranger.post("/v1/enrol", {"code": "AAAA", "device": stranger.id, "name": name,
                                             "sign_public": stranger.sign_public,
                                             "exchange_public": stranger.exchange_public})
        _refused(answer, 400, "malformed")
    surrogate = rb'{"admin_code": "x", "realm": {"id": "r", "public_key": "AAAA"}, "certificate": {"\ud800": 1}}'
    assert 400 <= writer.post("/v1/realm", content=surrogate).status_code < 500
    certificate = realm.certificate(writer, ["ref-a"]).to_json()
    for name in ("\ud800", "a\u0000b"):
        body = {"admin_code": "x", "realm": {"id": realm.id, "public_key": realm.public},
                "certificate": {**certificate, "name": name}}
        answer = writer.post("/v1/realm", body)
        assert answer.status_code == 400 and answer.json()["error"] == "malformed", answer.text
    envelope = realm.seal(writer, "ref-a", writes_for(writer), seq=writer.seq + 1).to_json()
    answer = writer.post("/v1/envelopes", {"envelopes": [{**envelope, "\udfff": 1}]})
    _refused(answer, 400, "malformed")
    for path in ("/v1/devices/%00/revoke", "/v1/devices/%ff%fe/revoke", "/v1/devices/" + "x" * 300 + "/approve"):
        answer = secretariat.post(path, {"certificate": certificate, "keys": []})
        assert answer.status_code in (400, 404), answer.text
    _refused(secretariat.post("/v1/devices/a%00b/revoke", {}), 404, "no_such_device")
