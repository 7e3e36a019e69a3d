"""The wire protocol: sealing, signing, wrapping and parsing refuse anything not exactly right."""

from __future__ import annotations

import json
import zlib

import pytest

from app.merge import Write
from sync import protocol as p

CANARY = "فاطمة الزهراء بنعلي"


def _writes(n: int = 2) -> list[Write]:
    return [Write("person", "p-1", f"prs_Field{i}", CANARY, ("dev-a", i + 1), (("dev-b", 3),),
                  "2026-11-20T09:00:00Z", "amina") for i in range(n)]


@pytest.fixture()
def sealed():
    key, signer = p.new_content_key(), p.new_signing_key()
    envelope = p.seal(_writes(), realm="realm-1", device="dev-a", seq=7, scope="oriental", epoch=2,
                      content_key=key, signer=signer)
    return envelope, key, signer


def _reparse(envelope: p.Envelope, **changes) -> p.Envelope:
    raw = json.loads(json.dumps(envelope.to_json()))
    raw.update(changes)
    return p.parse_envelope(raw)


def test_a_sealed_envelope_round_trips_through_json(sealed) -> None:
    envelope, key, signer = sealed
    back = p.parse_envelope(json.loads(json.dumps(envelope.to_json())))
    p.verify_envelope(back, signer.public_key())
    assert back == envelope and back.id == "dev-a:7"
    assert p.open_envelope(back, key) == _writes()


def test_the_header_is_clear_and_the_content_is_not(sealed) -> None:
    envelope, _, _ = sealed
    text = json.dumps(envelope.to_json(), ensure_ascii=False)
    assert "oriental" in text and "dev-a" in text
    assert CANARY not in text and "prs_Field0" not in text and "amina" not in text


def test_a_changed_header_fails_both_signature_and_decryption(sealed) -> None:
    envelope, key, signer = sealed
    moved = _reparse(envelope, scope="souss")  # replayed into another scope
    with pytest.raises(p.ProtocolError, match="signature"):
        p.verify_envelope(moved, signer.public_key())
    with pytest.raises(p.ProtocolError, match="does not decrypt"):
        p.open_envelope(moved, key)


def test_a_flipped_ciphertext_bit_is_refused(sealed) -> None:
    envelope, key, signer = sealed
    flipped = bytearray(envelope.ciphertext)
    flipped[len(flipped) // 2] ^= 1
    tampered = _reparse(envelope, ciphertext=p.b64(bytes(flipped)))
    with pytest.raises(p.ProtocolError, match="signature"):
        p.verify_envelope(tampered, signer.public_key())
    with pytest.raises(p.ProtocolError, match="tampered"):
        p.open_envelope(tampered, key)


def test_another_key_or_another_signer_is_refused(sealed) -> None:
    envelope, _, _ = sealed
    with pytest.raises(p.ProtocolError, match="does not decrypt"):
        p.open_envelope(envelope, p.new_content_key())
    with pytest.raises(p.ProtocolError, match="signature"):
        p.verify_envelope(envelope, p.new_signing_key().public_key())


@pytest.mark.parametrize("change, reason", [
    ({"v": 2}, "version"),
    ({"seq": 0}, "seq"),
    ({"seq": "7"}, "seq"),
    ({"seq": True}, "seq"),
    ({"epoch": -1}, "epoch"),
    ({"device": "dev a/../x"}, "device"),
    ({"scope": ""}, "scope"),
    ({"realm": None}, "realm"),
    ({"nonce": "AAAA"}, "nonce"),
    ({"ciphertext": "not base64!"}, "ciphertext"),
    ({"signature": p.b64(b"x" * 63)}, "signature"),
    ({"size": 99}, "size"),
    ({"count": 10_000}, "at most"),
    ({"extra": 1}, "unknown fields"),
])
def test_malformed_envelopes_are_refused_with_a_reason(sealed, change, reason) -> None:
    envelope, _, _ = sealed
    with pytest.raises(p.ProtocolError, match=reason):
        _reparse(envelope, **change)


@pytest.mark.parametrize("raw", [None, [], "text", 5, {"v": 1}])
def test_non_envelopes_are_refused(raw) -> None:
    with pytest.raises(p.ProtocolError):
        p.parse_envelope(raw)


def test_a_payload_that_inflates_too_far_is_refused() -> None:
    key, signer = p.new_content_key(), p.new_signing_key()
    bomb = zlib.compress(b"[" * (p.MAX_PAYLOAD + 10))
    header = p.Envelope("r", "dev-a", 1, "s", 1, 1, len(bomb) + 16, b"\x00" * 12, b"", b"")
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    ciphertext = AESGCM(key).encrypt(header.nonce, bomb, header.header_bytes())
    envelope = p.Envelope("r", "dev-a", 1, "s", 1, 1, len(ciphertext), header.nonce, ciphertext, b"")
    envelope = p.Envelope(**{**envelope.__dict__, "signature": signer.sign(envelope.signed_bytes())})
    with pytest.raises(p.ProtocolError, match="too large|no readable payload"):
        p.open_envelope(envelope, key)


def test_a_payload_whose_count_disagrees_is_refused(sealed) -> None:
    envelope, key, signer = sealed
    lying = p.Envelope(**{**envelope.__dict__, "count": 3})
    with pytest.raises(p.ProtocolError, match="does not decrypt"):  # the count is in the bound header
        p.open_envelope(lying, key)


def test_wrapped_keys_open_only_for_their_device_scope_and_epoch() -> None:
    device = p.new_exchange_key()
    content = p.new_content_key()
    blob = p.wrap_key(content, p.public_bytes(device), realm="r", device="dev-a", scope="oriental", epoch=1)
    assert p.unwrap_key(blob, device, realm="r", device="dev-a", scope="oriental", epoch=1) == content
    for other in ({"scope": "souss"}, {"epoch": 2}, {"device": "dev-b"}):
        args = {"realm": "r", "device": "dev-a", "scope": "oriental", "epoch": 1, **other}
        with pytest.raises(p.ProtocolError, match="does not open"):
            p.unwrap_key(blob, device, **args)
    with pytest.raises(p.ProtocolError, match="does not open"):
        p.unwrap_key(blob, p.new_exchange_key(), realm="r", device="dev-a", scope="oriental", epoch=1)


def _certificate(realm_key, **changes):
    fields = dict(realm="r", device="dev-a", name="Laptop Oujda 2", sign_public=p.public_bytes(p.new_signing_key()),
                  exchange_public=p.public_bytes(p.new_exchange_key()), role="device", scopes=("oriental",),
                  issued_at="2026-11-22T10:00:00Z")
    fields.update(changes)
    return p.issue_certificate(realm_key, **fields)


def test_a_certificate_verifies_with_the_realm_key_only() -> None:
    realm_key = p.new_signing_key()
    cert = _certificate(realm_key)
    back = p.parse_certificate(json.loads(json.dumps(cert.to_json())), realm_key.public_key())
    assert back == cert and back.covers("oriental") and not back.covers("souss")
    with pytest.raises(p.ProtocolError, match="signature"):
        p.parse_certificate(cert.to_json(), p.new_signing_key().public_key())
    widened = {**cert.to_json(), "scopes": ["oriental", "souss"]}
    with pytest.raises(p.ProtocolError, match="signature"):
        p.parse_certificate(widened, realm_key.public_key())
    assert _certificate(realm_key, role="secretariat", scopes=("*",)).covers("anything")


@pytest.mark.parametrize("change", [{"role": "admin"}, {"scopes": "oriental"}, {"sign_public": "AAAA"},
                                    {"name": 5}, {"device": ""}])
def test_malformed_certificates_are_refused(change) -> None:
    cert = _certificate(p.new_signing_key()).to_json()
    with pytest.raises(p.ProtocolError):
        p.parse_certificate({**cert, **change})
    with pytest.raises(p.ProtocolError, match="lacks"):
        p.parse_certificate({k: v for k, v in cert.items() if k != "realm"})


def test_a_request_signature_covers_method_path_time_nonce_and_body() -> None:
    signer = p.new_signing_key()
    headers = p.sign_request(signer, "dev-a", "POST", "/v1/envelopes", b'{"a":1}', 1_700_000_000)
    signature = p.unb64(headers[p.HEADER_SIGNATURE], "signature", 64)
    nonce = headers[p.HEADER_NONCE]
    p.verify(signer.public_key(), signature, p.request_message("POST", "/v1/envelopes", 1_700_000_000, nonce,
                                                               b'{"a":1}'), "request")
    for method, path, time, body in [("GET", "/v1/envelopes", 1_700_000_000, b'{"a":1}'),
                                     ("POST", "/v1/feed", 1_700_000_000, b'{"a":1}'),
                                     ("POST", "/v1/envelopes", 1_700_000_001, b'{"a":1}'),
                                     ("POST", "/v1/envelopes", 1_700_000_000, b'{"a":2}')]:
        with pytest.raises(p.ProtocolError):
            p.verify(signer.public_key(), signature, p.request_message(method, path, time, nonce, body), "request")


def test_a_publication_signature_binds_realm_kind_version_and_payload() -> None:
    realm_key = p.new_signing_key()
    signature = p.sign_publication(realm_key, "r", "directory", 3, b"[1,2]")
    p.verify_publication(realm_key.public_key(), "r", "directory", 3, b"[1,2]", signature)
    for realm, kind, version, payload in [("r2", "directory", 3, b"[1,2]"), ("r", "checklist", 3, b"[1,2]"),
                                          ("r", "directory", 4, b"[1,2]"), ("r", "directory", 3, b"[1,3]")]:
        with pytest.raises(p.ProtocolError):
            p.verify_publication(realm_key.public_key(), realm, kind, version, payload, signature)


def test_one_changed_field_is_well_under_the_wire_budget() -> None:
    write = Write("case", "0b8e4a52-3f0e-4a3e-9d8b-2f3c1d5e6a7b", "hmy_State", "referred",
                  ("4c1f2e3d-5a6b-4c7d-8e9f-0a1b2c3d4e5f", 1234), (("4c1f2e3d-5a6b-4c7d-8e9f-0a1b2c3d4e5f", 1200),),
                  "2026-11-22T10:00:00Z", "amina.sw")
    envelope = p.seal([write], realm="7f0e4a52-3f0e-4a3e-9d8b-2f3c1d5e6a7b",
                      device="4c1f2e3d-5a6b-4c7d-8e9f-0a1b2c3d4e5f", seq=99, scope="oriental", epoch=1,
                      content_key=p.new_content_key(), signer=p.new_signing_key())
    body = json.dumps({"envelopes": [envelope.to_json()]}).encode()
    assert len(body) < 1024
