"""The sync client's own logic against an in-memory hub and store (no process, no file).

Signed requests and the clock-skew retry, typed errors, packing order and envelopes saved
before sending, acknowledgements lost on the way, sequence gaps, pulling, held envelopes,
progress and cancel, revocation.
"""

from __future__ import annotations

import datetime
import json

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from clientkit import REALM, FakeHub, MemoryState
from sync import client as client_module
from sync.client import SyncClient
from sync.errors import DeviceRevoked, HubRefused, HubUnreachable, PinMismatch
from app.merge import Write
from sync.protocol import b64, public_bytes, seal, signing_key, wrap_key
from sync.transport import HubTransport, ca_pin, fetch_ca

A, B = "device-a", "device-b"


@pytest.fixture
def hub() -> FakeHub:
    return FakeHub()


def _pair(hub: FakeHub, scopes_b: tuple[str, ...] = ("north",),
          scopes_a: tuple[str, ...] = ("north",)) -> tuple[MemoryState, MemoryState]:
    a, b = MemoryState(A), MemoryState(B)
    hub.add_device(a, scopes=scopes_a)
    hub.add_device(b, scopes=scopes_b)
    return a, b


def _texts(body: bytes) -> list[str]:
    return [json.dumps(e, sort_keys=True) for e in json.loads(body)["envelopes"]]


# --- the transport ------------------------------------------------------------------------

def test_a_signed_request_is_accepted_and_a_wrong_clock_is_corrected_once(hub: FakeHub) -> None:
    a = MemoryState(A)
    hub.add_device(a)
    seen: list[str] = []
    hub.fail_next.append(lambda request: seen.append(request.headers["X-Himaya-Time"]) or None)
    slow = hub.transport(a, clock=lambda: hub.clock() - 3600)  # an hour behind the hub
    assert slow.get("/v1/me")["status"] == "approved"
    assert abs(slow.offset - 3600) < 5
    hub.fail_next.append(lambda request: seen.append(request.headers["X-Himaya-Time"]) or None)
    slow.get("/v1/me")  # signed with the corrected time at once: one request only
    assert len(seen) == 2 and abs(int(seen[1]) - hub.clock()) < 5


def test_a_clock_off_twice_in_a_row_is_refused_not_retried_forever(hub: FakeHub) -> None:
    a = MemoryState(A)
    hub.add_device(a)
    calls = []

    def skew(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(401, json={"error": "clock_skew", "detail": "clock", "time": 1})

    hub.fail_next.extend([skew, skew, skew])
    with pytest.raises(HubRefused) as caught:
        hub.transport(a).get("/v1/me")
    assert caught.value.code == "clock_skew" and len(calls) == 2


def test_failures_become_typed_errors(hub: FakeHub) -> None:
    a = MemoryState(A)
    hub.add_device(a)

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    hub.fail_next.append(down)
    with pytest.raises(HubUnreachable):
        hub.transport(a).get("/v1/me")
    hub.fail_next.append(lambda r: httpx.Response(200, text="<html>proxy</html>"))
    with pytest.raises(HubRefused) as caught:
        hub.transport(a).get("/v1/me")
    assert caught.value.code == "malformed_answer"
    hub.fail_next.append(lambda r: httpx.Response(503, text="down"))
    with pytest.raises(HubUnreachable):
        hub.transport(a).get("/v1/me")
    hub.devices[A]["status"] = "revoked"
    with pytest.raises(DeviceRevoked):
        hub.transport(a).get("/v1/me")
    stranger = MemoryState("device-x")
    hub.add_device(stranger)
    del hub.devices["device-x"]
    with pytest.raises(HubRefused) as caught:
        hub.transport(stranger).get("/v1/me")
    assert (caught.value.status, caught.value.code) == (401, "unknown_device")


def _self_signed_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Himaya hub CA")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_the_ca_is_taken_only_when_its_pin_matches() -> None:
    pem, other = _self_signed_pem(), _self_signed_pem()
    served = httpx.MockTransport(lambda r: httpx.Response(200, json={"ca_pem": pem}))
    assert fetch_ca("https://hub.test", ca_pin(pem), http=served) == pem
    assert fetch_ca("https://hub.test", ca_pin(pem).upper().replace("SHA256", "sha256"), http=served) == pem
    with pytest.raises(PinMismatch):
        fetch_ca("https://hub.test", ca_pin(other), http=served)
    with pytest.raises(PinMismatch):
        fetch_ca("https://hub.test", "deadbeef", http=served)


def test_the_tls_context_trusts_the_pinned_ca_only() -> None:
    import ssl

    from sync.transport import ca_context

    context = ca_context(_self_signed_pem())
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509"] == 1  # the pinned CA, no system roots


# --- packing and pushing ------------------------------------------------------------------

def test_writes_are_packed_per_scope_in_outbox_order_and_saved_before_sending(hub: FakeHub) -> None:
    a, b = _pair(hub, scopes_b=("north", "south"), scopes_a=("north", "south"))
    a.write("north", "c1", "f", 1)
    a.write("south", "c2", "f", 2)
    a.write(None, "u1", "hmy_Username", "sara")  # a user: never leaves the device
    a.write("north", "c1", "g", 3)

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("cut", request=request)

    hub.fail_next.extend([lambda r: None, lambda r: None, down])  # me and certificates pass, the push fails
    first = SyncClient(a, hub.factory()).sync()
    assert first.error and first.error_code == "unreachable" and first.pushed == 0
    assert a.config()["last_error_code"] == "unreachable"  # kept for the next unlock
    assert [(seq, scope) for seq, (scope, _e, _t) in sorted(a.envelopes.items())] == [(1, "north"), (2, "south")]
    assert a.packed_upto == 4 and a.pushed_upto == 0
    saved = [a.envelopes[1][2], a.envelopes[2][2]]
    second = SyncClient(a, hub.factory()).sync()
    assert second.error is None and second.error_code is None and second.pushed == 2 and a.pushed_upto == 2
    assert a.config()["last_error_code"] == ""
    assert hub.posts[-1] == b'{"envelopes":[' + saved[0].encode() + b"," + saved[1].encode() + b"]}"
    SyncClient(b, hub.factory()).sync()
    got = sorted((w.record_id, w.field, w.value) for w in b.received)
    assert got == [("c1", "f", 1), ("c1", "g", 3), ("c2", "f", 2)]


def test_a_lost_acknowledgement_is_a_duplicate_next_time_and_nothing_doubles(hub: FakeHub) -> None:
    a, b = _pair(hub)
    for i in range(3):
        a.write("north", "c1", f"f{i}", i)

    def stored_then_cut(request: httpx.Request) -> httpx.Response | None:
        if request.url.path != "/v1/envelopes":
            hub.fail_next.insert(0, stored_then_cut)
            return None
        hub.handle(request)  # the hub stores them; the answer never arrives
        raise httpx.ReadTimeout("cut", request=request)

    hub.fail_next.append(stored_then_cut)
    assert SyncClient(a, hub.factory()).sync().error
    assert a.pushed_upto == 0 and len(hub.feed) == 1
    again = SyncClient(a, hub.factory()).sync()
    assert again.error is None and a.pushed_upto == 1 and len(hub.feed) == 1
    SyncClient(b, hub.factory()).sync()
    SyncClient(b, hub.factory()).sync()
    assert len(b.received) == 3


def test_a_sequence_gap_above_ours_means_stored(hub: FakeHub, monkeypatch) -> None:
    a, _b = _pair(hub)
    monkeypatch.setattr(client_module, "PACK_WRITES", 1)  # one write per packing batch: three envelopes
    for i in range(3):
        a.write("north", f"c{i}", "f", i)

    def holds_two_already(request: httpx.Request) -> httpx.Response | None:
        if request.url.path != "/v1/envelopes":
            hub.fail_next.insert(0, holds_two_already)
            return None
        hub._ingest(A, json.loads(request.content)["envelopes"][:2])  # stored by an earlier, cut run
        return httpx.Response(409, json={"error": "sequence_gap", "detail": "gap", "expected": 3})

    hub.fail_next.append(holds_two_already)
    result = SyncClient(a, hub.factory()).sync()
    assert result.error is None and a.pushed_upto == 3
    assert sorted(s for (_d, s) in hub.stored) == [1, 2, 3]
    assert [json.loads(t)["seq"] for t in _texts(hub.posts[-1])] == [3]  # only what the hub lacked


def test_a_hub_that_lost_envelopes_gets_them_again(hub: FakeHub, monkeypatch) -> None:
    a, b = _pair(hub)
    a.write("north", "c1", "f", 1)
    a.write("north", "c1", "g", 2)
    monkeypatch.setattr(client_module, "PACK_WRITES", 1)
    SyncClient(a, hub.factory()).sync()
    assert a.pushed_upto == 2
    del hub.stored[(A, 2)]  # the hub was restored from a backup taken before envelope 2
    hub.feed = hub.feed[:1]
    a.write("north", "c1", "h", 3)
    result = SyncClient(a, hub.factory()).sync()
    assert result.error is None and a.pushed_upto == 3
    assert sorted(s for (d, s) in hub.stored if d == A) == [1, 2, 3]
    SyncClient(b, hub.factory()).sync()
    assert sorted(w.field for w in b.received) == ["f", "g", "h"]


# --- pulling, held envelopes, cancel, revocation -----------------------------------------

def test_an_envelope_without_its_key_is_held_then_applied_when_the_key_comes(hub: FakeHub) -> None:
    a, b = _pair(hub, scopes_b=("north", "south"), scopes_a=("north", "south"))
    hub.devices[B]["keys"] = [k for k in hub.devices[B]["keys"] if k["scope"] == "north"]
    a.write("south", "c9", "f", "x")
    SyncClient(a, hub.factory()).sync()
    first = SyncClient(b, hub.factory()).sync()
    assert first.held == 1 and b.received == [] and b.cursor == 1
    exchange = b.secret("exchange")
    from sync.protocol import exchange_key

    hub.devices[B]["keys"].append({"scope": "south", "epoch": 1, "wrapped": wrap_key(
        hub.scope_key("south"), public_bytes(exchange_key(exchange)), realm=REALM, device=B, scope="south", epoch=1)})
    second = SyncClient(b, hub.factory()).sync()
    assert second.held == 0 and [w.value for w in b.received] == ["x"]


def test_cancel_stops_between_batches_and_what_was_done_stays_done(hub: FakeHub, monkeypatch) -> None:
    a, _b = _pair(hub)
    monkeypatch.setattr(client_module, "PACK_WRITES", 1)
    monkeypatch.setattr(client_module, "PUSH_ENVELOPES", 1)
    for i in range(3):
        a.write("north", f"c{i}", "f", i)
    stages: list[tuple[str, int]] = []
    result = SyncClient(a, hub.factory()).sync(progress=lambda s, d, t: stages.append((s, d)),
                                              cancel=lambda: ("push", 1) in stages)
    assert result.cancelled and result.pushed == 1 and a.pushed_upto == 1 and len(hub.stored) == 1
    assert ("pack", 3) in stages
    rest = SyncClient(a, hub.factory()).sync()
    assert not rest.cancelled and rest.pushed == 2 and len(hub.stored) == 3


def test_a_revoked_device_erases_its_sync_keys(hub: FakeHub) -> None:
    a, _b = _pair(hub)
    SyncClient(a, hub.factory()).sync()
    assert a.scope_keys()
    hub.devices[A]["status"] = "revoked"
    result = SyncClient(a, hub.factory()).sync()
    assert result.status == "revoked" and result.error and result.error_code == "revoked"
    assert a.scope_keys() == {} and a.secret("sign") is None and a.config()["status"] == "revoked"
    again = SyncClient(a, hub.factory()).sync()  # no keys left: says so, asks nothing
    assert again.status == "revoked" and again.error_code == "revoked"


def test_a_pending_device_syncs_nothing_and_says_why(hub: FakeHub) -> None:
    a = MemoryState(A)
    hub.add_device(a, status="pending")
    hub.devices[A]["keys"] = []
    a.write("north", "c1", "f", 1)
    result = SyncClient(a, hub.factory()).sync()
    assert result.status == "pending" and "approval" in (result.error or "") and result.error_code == "pending"
    assert a.envelopes == {} and a.config()["last_result"]


def test_the_realm_public_key_comes_from_me_when_unknown(hub: FakeHub) -> None:
    a, _b = _pair(hub)
    a._config.pop("realm_id")
    a._config.pop("realm_public")
    SyncClient(a, hub.factory()).sync()
    assert a.config()["realm_id"] == REALM and a.config()["realm_public"] == b64(public_bytes(hub.realm_key))


def test_the_transport_is_closed_after_a_sync(hub: FakeHub) -> None:
    a, _b = _pair(hub)
    made: list[HubTransport] = []

    def factory(state):  # noqa: ANN001, ANN202
        made.append(hub.transport(state))
        return made[-1]

    SyncClient(a, factory).sync()
    assert made and made[0]._client.is_closed


def test_an_envelope_outside_its_signers_scopes_is_never_applied(hub: FakeHub) -> None:
    a, b = _pair(hub, scopes_b=("north", "south"))  # A may write north only
    SyncClient(a, hub.factory()).sync()
    forged = seal([Write("case", "c9", "f", "forged", (A, 1))], realm=REALM, device=A, seq=1, scope="south",
                  epoch=1, content_key=hub.scope_key("south"), signer=signing_key(a.secret("sign")))
    hub._ingest(A, [forged.to_json()])  # a hub that let it through
    result = SyncClient(b, hub.factory()).sync()
    assert b.received == [] and result.held == 1


def test_changes_for_a_scope_without_a_key_wait_and_the_earlier_ones_go(hub: FakeHub) -> None:
    a, b = _pair(hub, scopes_a=("north", "south"))
    south_key = [k for k in hub.devices[A]["keys"] if k["scope"] == "south"]
    hub.devices[A]["keys"] = [k for k in hub.devices[A]["keys"] if k["scope"] == "north"]
    a.write("north", "c1", "f", 1)
    a.write("south", "c2", "f", 2)  # a case handed to a scope this device holds no key for yet
    a.write("north", "c1", "g", 3)
    first = SyncClient(a, hub.factory()).sync()
    assert "no key for scope south" in (first.error or "") and first.pushed == 1
    assert first.error_code == "keys_missing"  # the sync went on: a warning with its code
    assert a.packed_upto == 1  # the south write and everything after it wait, in order
    SyncClient(b, hub.factory()).sync()
    assert [w.field for w in b.received] == ["f"]
    hub.devices[A]["keys"] += south_key  # the secretariat gave the key
    second = SyncClient(a, hub.factory()).sync()
    assert second.error is None and a.packed_upto == 3
    SyncClient(b, hub.factory()).sync()
    assert sorted(w.field for w in b.received) == ["f", "g"]  # B covers north only


def test_the_facade_reads_as_records_and_checks_roles(hub: FakeHub) -> None:
    from datetime import datetime, timezone

    from app.domain.user import Session, User
    from app.domain.values import Role
    from app.errors import PermissionDenied
    from sync.service import SyncService

    a, _b = _pair(hub)
    user = User("7c1f6f8e-4f3b-4d7a-9a59-0c1b8e0c2f11", "sara.sup", "Sara", Role.SUPERVISOR, "north",
                datetime.now(timezone.utc))
    service = SyncService(a, Session(user, A), hub.factory())
    assert service.configured() and service.run().error is None
    status = service.status()
    assert dict(status)["status"] == status["status"] == status.get("status") == "approved"
    assert status.scopes == ("north",) and status.get("nothing", 1) == 1
    for refused in (lambda: service.invite("x", ["north"]), service.devices, lambda: service.approve("d"),
                    lambda: service.revoke("d"), lambda: service.publish("directory", b"{}"),
                    lambda: service.create_realm("https://hub.test", "sha256:" + "0" * 64, "code")):
        with pytest.raises(PermissionDenied):
            refused()
