"""Bundles: written atomically, read only whole and untampered, imported into the hub exactly once."""

from __future__ import annotations

import json
import os
import stat

import pytest
from hubkit import Realm, TestDevice, approved_device, run_hub_cli, writes_for

import sync.bundle as bundle_module
from sync.bundle import read_bundle, write_bundle
from sync.protocol import ProtocolError, b64, verify_key


@pytest.fixture
def offline_device():
    realm = Realm("realm-bundles")
    device = TestDevice(None, "USB laptop", device_id="usb-laptop")
    device.certificate = realm.certificate(device, ["b-scope"])
    return realm, device


def _bundle(tmp_path, realm, device, count=3):
    envelopes = [realm.seal(device, "b-scope", writes_for(device, 2, f"v{i}")) for i in range(count)]
    path = tmp_path / "out.himaya-bundle"
    write_bundle(path, envelopes, device.certificate, device.sign)
    return path, envelopes


def test_round_trip_and_owner_only_file(tmp_path, offline_device):
    realm, device = offline_device
    path, envelopes = _bundle(tmp_path, realm, device)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind
    bundle = read_bundle(path, verify_key(realm.public), realm.id)
    assert bundle.certificate == device.certificate
    assert bundle.envelopes == tuple(envelopes)


def test_wrong_realm_is_refused(tmp_path, offline_device):
    realm, device = offline_device
    path, _ = _bundle(tmp_path, realm, device)
    with pytest.raises(ProtocolError, match="another realm"):
        read_bundle(path, verify_key(realm.public), "realm-other")
    other = Realm(realm.id)  # same id, another key: the certificate does not verify
    with pytest.raises(ProtocolError, match="certificate is not valid"):
        read_bundle(path, verify_key(other.public), realm.id)


def _edit(path, change):
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document), encoding="utf-8")


def test_tampered_ciphertext_is_refused(tmp_path, offline_device):
    realm, device = offline_device
    path, envelopes = _bundle(tmp_path, realm, device)

    def flip(document):
        raw = bytearray(envelopes[1].ciphertext)
        raw[0] ^= 1
        document["envelopes"][1]["ciphertext"] = b64(bytes(raw))
    _edit(path, flip)
    with pytest.raises(ProtocolError, match="tampered"):
        read_bundle(path, verify_key(realm.public), realm.id)


def test_edited_manifest_or_dropped_envelope_is_refused(tmp_path, offline_device):
    realm, device = offline_device
    path, _ = _bundle(tmp_path, realm, device)
    _edit(path, lambda d: d["manifest"].update(created_at="2020-01-01T00:00:00Z"))
    with pytest.raises(ProtocolError, match="manifest's signature"):
        read_bundle(path, verify_key(realm.public), realm.id)
    path, _ = _bundle(tmp_path, realm, device)
    _edit(path, lambda d: d["envelopes"].pop())
    with pytest.raises(ProtocolError, match="do not match its manifest"):
        read_bundle(path, verify_key(realm.public), realm.id)


def test_not_a_bundle_and_too_large(tmp_path, offline_device, monkeypatch):
    realm, device = offline_device
    junk = tmp_path / "junk"
    junk.write_bytes(b"\xff\xfe not json")
    with pytest.raises(ProtocolError, match="not a Himaya bundle"):
        read_bundle(junk, verify_key(realm.public), realm.id)
    path, _ = _bundle(tmp_path, realm, device)
    monkeypatch.setattr(bundle_module, "MAX_BUNDLE", 100)
    with pytest.raises(ProtocolError, match="larger than"):
        read_bundle(path, verify_key(realm.public), realm.id)


def _import(hub, path):
    return run_hub_cli("import-bundle", str(path), "--data", str(hub.data), "--database", hub.database, check=False)


def test_hub_imports_a_bundle_once(realm_hub, tmp_path):
    hub, realm, secretariat = realm_hub
    device = approved_device(hub, realm, secretariat, ["usb-scope"])
    pushed = realm.seal(device, "usb-scope", writes_for(device))
    assert device.push([pushed]).status_code == 200  # the bundle also holds what was already pushed
    carried = [realm.seal(device, "usb-scope", writes_for(device, 1, f"c{i}")) for i in range(4)]
    path = tmp_path / "carried.himaya-bundle"
    write_bundle(path, [pushed, *carried], device.certificate, device.sign)

    first = _import(hub, path)
    assert first.returncode == 0, first.stderr
    assert "4 envelopes stored, 1 already there" in first.stdout
    second = _import(hub, path)
    assert second.returncode == 0 and "0 envelopes stored, 5 already there" in second.stdout

    reader = approved_device(hub, realm, secretariat, ["usb-scope"])
    received, _ = reader.pull_all()
    assert [item["envelope"] for item in received] == [e.to_json() for e in [pushed, *carried]]
    assert device.push([realm.seal(device, "usb-scope", writes_for(device))]).json()["next_seq"] == 7


def test_hub_refuses_a_bundle_of_another_realm_or_tampered(realm_hub, tmp_path):
    hub, realm, secretariat = realm_hub
    device = approved_device(hub, realm, secretariat, ["usb-scope-2"])
    stranger = Realm("realm-elsewhere")
    stranger_cert = stranger.certificate(device, ["usb-scope-2"])
    foreign = tmp_path / "foreign.himaya-bundle"
    write_bundle(foreign, [stranger.seal(device, "usb-scope-2", writes_for(device), seq=1)], stranger_cert,
                 device.sign)
    refused = _import(hub, foreign)
    assert refused.returncode != 0 and "another realm" in refused.stderr

    path = tmp_path / "tampered.himaya-bundle"
    write_bundle(path, [realm.seal(device, "usb-scope-2", writes_for(device))], device.certificate, device.sign)
    _edit(path, lambda d: d["envelopes"][0].update(scope="usb-scope-3"))
    refused = _import(hub, path)
    assert refused.returncode != 0 and "tampered" in refused.stderr
    reader = approved_device(hub, realm, secretariat, ["usb-scope-2", "usb-scope-3"])
    assert reader.pull_all()[0] == []
