"""The secretariat's side of the hub: the realm's one-time creation, key rotation, publications."""

from __future__ import annotations

import base64

from hubkit import Realm, TestDevice, approved_device, create_realm

from sync.protocol import b64, sign_publication, unwrap_key, verify_key, verify_publication


def test_realm_needs_the_admin_code_once(hub):
    realm = Realm("realm-once")
    secretariat = TestDevice(hub, "Secretariat", device_id="secretariat-1")
    certificate = realm.certificate(secretariat, ["*"], role="secretariat").to_json()
    body = {"admin_code": "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF", "realm": {"id": realm.id, "public_key": realm.public},
            "certificate": certificate}
    wrong = secretariat.post("/v1/realm", body)
    assert wrong.status_code == 403 and wrong.json()["error"] == "bad_code"
    typed = hub.admin_code.lower().replace("-", " ")  # as a person may type it
    created = secretariat.post("/v1/realm", {**body, "admin_code": typed})
    assert created.status_code == 201 and created.json() == {"realm": realm.id}
    assert secretariat.get("/v1/me").json()["role"] == "secretariat"
    again = secretariat.post("/v1/realm", {**body, "admin_code": hub.admin_code})
    assert again.status_code == 409 and again.json()["error"] == "realm_exists"

    device_cert = realm.certificate(TestDevice(hub), ["*"], role="device").to_json()
    not_secretariat = secretariat.post("/v1/realm", {**body, "certificate": device_cert})
    assert not_secretariat.status_code == 400


def test_key_rotation_reaches_the_devices(realm_hub):
    hub, realm, secretariat = realm_hub
    device = approved_device(hub, realm, secretariat, ["rot-a"])
    rotated = secretariat.post("/v1/keys", {"keys": [{"device": device.id, **realm.wrapped(device, "rot-a", 2)}]})
    assert rotated.status_code == 200 and rotated.json() == {"stored": 1}
    keys = device.get("/v1/me").json()["keys"]
    assert [(k["scope"], k["epoch"]) for k in keys] == [("rot-a", 1), ("rot-a", 2)]
    opened = unwrap_key(keys[1]["wrapped"], device.exchange, realm=realm.id, device=device.id, scope="rot-a", epoch=2)
    assert opened == realm.content_key("rot-a", 2) != realm.content_key("rot-a", 1)
    unknown = secretariat.post("/v1/keys", {"keys": [{"device": "nobody", **realm.wrapped(device, "rot-a", 3)}]})
    assert unknown.status_code == 404 and unknown.json()["error"] == "no_such_device"
    outside = secretariat.post("/v1/keys", {"keys": [{"device": device.id, **realm.wrapped(device, "rot-b", 1)}]})
    assert outside.status_code == 400 and "does not cover" in outside.json()["detail"]
    assert len(device.get("/v1/me").json()["keys"]) == 2  # all or nothing
    assert secretariat.post(f"/v1/devices/{device.id}/revoke", {}).status_code == 200
    late = secretariat.post("/v1/keys", {"keys": [{"device": device.id, **realm.wrapped(device, "rot-a", 3)}]})
    assert late.status_code == 409 and late.json()["error"] == "device_revoked"


def test_revoked_devices_keep_their_certificate_listed_and_none_revokes_itself(realm_hub):
    hub, realm, secretariat = realm_hub
    device = approved_device(hub, realm, secretariat, ["rev-a"])
    assert secretariat.post(f"/v1/devices/{device.id}/revoke", {}).json() == {"device": device.id,
                                                                              "status": "revoked"}
    listed = {c["device"] for c in secretariat.get("/v1/certificates").json()["certificates"]}
    assert device.id in listed  # its earlier envelopes still need checking by others
    itself = secretariat.post(f"/v1/devices/{secretariat.id}/revoke", {})
    assert itself.status_code == 409 and itself.json()["error"] == "cannot_revoke_self"
    again = secretariat.post(f"/v1/devices/{device.id}/approve",
                             {"certificate": realm.certificate(device, ["rev-a"]).to_json(), "keys": []})
    assert again.status_code == 409 and again.json()["error"] == "device_revoked"


def _publication(realm, kind, version, payload):
    return {"kind": kind, "version": version, "payload": b64(payload),
            "signature": sign_publication(realm.key, realm.id, kind, version, payload)}


def test_publications_are_signed_and_only_grow(realm_hub):
    hub, realm, secretariat = realm_hub
    device = approved_device(hub, realm, secretariat, ["pub-a"])
    assert device.get("/v1/publications/directory").json()["error"] == "not_found"

    first = secretariat.post("/v1/publications", _publication(realm, "directory", 1, b'{"services": 1}'))
    assert first.status_code == 201, first.text
    forged = _publication(Realm(realm.id), "directory", 2, b'{"services": "forged"}')
    refused = secretariat.post("/v1/publications", forged)
    assert refused.status_code == 400 and refused.json()["error"] == "bad_publication_signature"
    mismatched = {**_publication(realm, "directory", 2, b"one"), "payload": b64(b"another")}
    assert secretariat.post("/v1/publications", mismatched).json()["error"] == "bad_publication_signature"
    stale = secretariat.post("/v1/publications", _publication(realm, "directory", 1, b'{"services": 0}'))
    assert stale.status_code == 409 and stale.json()["error"] == "stale_version"
    assert secretariat.post("/v1/publications", _publication(realm, "directory", 5, b'{"services": 5}')).status_code \
        == 201

    latest = device.get("/v1/publications/directory").json()
    assert latest["version"] == 5 and isinstance(latest["published_at"], int)
    payload = base64.b64decode(latest["payload"])
    verify_publication(verify_key(realm.public), realm.id, "directory", 5, payload, latest["signature"])
    assert payload == b'{"services": 5}'
    assert device.get("/v1/publications/checklist").status_code == 404


def test_two_realms_cannot_share_a_hub(hub):
    create_realm(hub, "realm-first")
    other = Realm("realm-second")
    intruder = TestDevice(hub, device_id="secretariat-2")
    answer = intruder.post("/v1/realm", {"admin_code": hub.admin_code,
                                         "realm": {"id": other.id, "public_key": other.public},
                                         "certificate": other.certificate(intruder, ["*"], "secretariat").to_json()})
    assert answer.status_code == 409 and answer.json()["error"] == "realm_exists"
