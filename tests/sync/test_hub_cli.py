"""``himaya-hub`` init, migrate and serve, and the hub's TLS (its own CA, pinned by devices)."""

from __future__ import annotations

import hashlib
import ipaddress
import ssl
import stat

import httpx
import pytest
from cryptography import x509
from hubkit import Realm, TestDevice, init_hub, run_hub_cli, ssl_context

from sync.hub.tls import TlsFiles


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_init_makes_a_ca_with_its_pin_and_owner_only_keys(tmp_path):
    data = tmp_path / "hub"
    info = init_hub(data)
    files = TlsFiles.in_folder(data)
    der = ssl.PEM_cert_to_DER_cert(files.ca_cert.read_text())
    assert info["pin"] == "sha256:" + hashlib.sha256(der).hexdigest()
    assert info["new_ca"] is True and len(info["admin_code"].replace("-", "")) == 24
    assert _mode(data) == 0o700 and _mode(files.ca_key) == 0o600 and _mode(files.server_key) == 0o600
    server = x509.load_pem_x509_certificate(files.server_cert.read_bytes())
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert names.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]

    rerun = run_hub_cli("init", "--data", str(data), "--host", "hub.example.ma", "--host", "10.1.2.3")
    assert info["pin"] + " (unchanged)" in rerun.stdout and "admin code" in rerun.stdout
    server = x509.load_pem_x509_certificate(files.server_cert.read_bytes())
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["hub.example.ma"]
    assert names.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("10.1.2.3")]


def test_a_new_admin_code_replaces_the_old_until_the_realm_exists(hub):
    fresh = init_hub(hub.data, None if hub.backend == "sqlite" else hub.database)
    assert fresh["pin"] == hub.pin and fresh["admin_code"] != hub.admin_code

    realm = Realm("realm-cli")
    secretariat = TestDevice(hub, device_id="secretariat-1")
    body = {"realm": {"id": realm.id, "public_key": realm.public},
            "certificate": realm.certificate(secretariat, ["*"], "secretariat").to_json()}
    assert secretariat.post("/v1/realm", {**body, "admin_code": hub.admin_code}).json()["error"] == "bad_code"
    assert secretariat.post("/v1/realm", {**body, "admin_code": fresh["admin_code"]}).status_code == 201
    last = init_hub(hub.data, None if hub.backend == "sqlite" else hub.database)
    assert last["admin_code"] is None


def test_serve_refuses_without_init_or_with_an_old_schema(tmp_path):
    refused = run_hub_cli("serve", "--data", str(tmp_path / "nothing"), "--port", "1", check=False)
    assert refused.returncode != 0 and "init" in refused.stderr
    init_hub(tmp_path / "hub")
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    refused = run_hub_cli("serve", "--data", str(tmp_path / "hub"), "--database", empty, "--port", "1", check=False)
    assert refused.returncode != 0 and "migrate" in refused.stderr
    migrated = run_hub_cli("migrate", "--data", str(tmp_path / "hub"), "--database", empty)
    assert "schema at 0001" in migrated.stdout


def test_tls_trusts_only_the_hubs_ca(hub, tmp_path):
    with httpx.Client(verify=ssl_context(hub.ca_pem)) as client:
        assert client.get(hub.url + "/v1/health").status_code == 200
        local = hub.url.replace("127.0.0.1", "localhost")
        assert client.get(local + "/v1/health").status_code == 200
    other = init_hub(tmp_path / "other")
    with httpx.Client(verify=ssl_context((tmp_path / "other" / "ca.pem").read_text())) as client:
        with pytest.raises(httpx.ConnectError):
            client.get(hub.url + "/v1/health")
    assert other["pin"] != hub.pin
    with httpx.Client() as client:  # the system's CAs do not know the hub
        with pytest.raises(httpx.ConnectError):
            client.get(hub.url + "/v1/health")


def test_openapi_describes_the_api(hub):
    with httpx.Client(verify=ssl_context(hub.ca_pem)) as client:
        spec = client.get(hub.url + "/openapi.json").json()
    paths = spec["paths"]
    for path in ("/v1/health", "/v1/realm", "/v1/enrol", "/v1/me", "/v1/envelopes", "/v1/feed", "/v1/invites",
                 "/v1/devices", "/v1/devices/{device}/approve", "/v1/devices/{device}/revoke", "/v1/keys",
                 "/v1/publications", "/v1/publications/{kind}", "/v1/certificates", "/v1/ca"):
        assert path in paths, path
    schemas = spec["components"]["schemas"]
    assert {"EnvelopesBody", "EnrolBody", "RealmBody", "InviteBody", "ApproveBody", "KeysBody",
            "PublicationBody", "ErrorBody"} <= set(schemas)
    assert "maxItems" in str(schemas["EnvelopesBody"])
