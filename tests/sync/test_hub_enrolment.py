"""The hub over TLS: creating the realm, inviting, enrolling and approving devices."""

from __future__ import annotations

from hubkit import (TestDevice, approve, approved_device, create_realm, enrol, invite)

from sync.protocol import parse_certificate, unwrap_key, verify_key


def test_health_and_ca_are_public(hub):
    device = TestDevice(hub)
    health = device.client.get("/v1/health").json()
    assert health["status"] == "ok" and health["version"] == 1 and isinstance(health["time"], int)
    assert device.client.get("/v1/ca").json() == {"ca_pem": hub.ca_pem}


def test_realm_invite_enrol_approve_and_me(hub):
    realm, secretariat = create_realm(hub)
    code = invite(secretariat, ["scope-a", "scope-b"], name="Tanger laptop")
    device = enrol(hub, code, "Tanger laptop")

    pending = device.get("/v1/me")
    assert pending.status_code == 200, pending.text
    assert pending.json()["status"] == "pending" and pending.json()["certificate"] is None
    assert pending.json()["keys"] == [] and pending.json()["scopes"] == ["scope-a", "scope-b"]
    assert pending.json()["realm"] == {"id": realm.id, "public_key": realm.public}

    listed = {d["device"]: d for d in secretariat.get("/v1/devices").json()["devices"]}
    assert listed[device.id]["status"] == "pending" and listed[device.id]["sign_public"] == device.sign_public
    assert listed[secretariat.id]["role"] == "secretariat"

    approve(realm, secretariat, device, ["scope-a", "scope-b"])
    me = device.get("/v1/me").json()
    assert me["status"] == "approved" and me["role"] == "device"
    certificate = parse_certificate(me["certificate"], verify_key(realm.public))
    assert certificate.device == device.id and certificate.scopes == ("scope-a", "scope-b")
    for key in me["keys"]:
        raw = unwrap_key(key["wrapped"], device.exchange, realm=realm.id, device=device.id, scope=key["scope"],
                         epoch=key["epoch"])
        assert raw == realm.content_key(key["scope"], key["epoch"])
    assert sorted(k["scope"] for k in me["keys"]) == ["scope-a", "scope-b"]

    issued = device.get("/v1/certificates").json()["certificates"]
    assert {c["device"] for c in issued} == {secretariat.id, device.id}


def test_one_device_per_invite_and_two_devices(hub):
    realm, secretariat = create_realm(hub)
    first = approved_device(hub, realm, secretariat, ["s1"])
    second = approved_device(hub, realm, secretariat, ["s2"])
    assert first.get("/v1/me").json()["scopes"] == ["s1"]
    assert second.get("/v1/me").json()["scopes"] == ["s2"]
