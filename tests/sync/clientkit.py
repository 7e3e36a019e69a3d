"""Helpers of the client tests that need no hub process and no store file.

``MemoryState`` is a small in-memory ``SyncStore`` (an outbox of writes, saved envelopes,
the feed cursor, what was applied); ``FakeHub`` answers the hub's sync endpoints through
``httpx.MockTransport`` and checks every request's signature like the real hub. They let
the client's own logic (packing order, push acknowledgements, sequence gaps, progress,
cancel, clock skew) be tested quickly; the real store and hub are in test_client_sync.py.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import httpx

from app.merge import Write
from sync.protocol import (
    HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIME, REQUEST_WINDOW, b64, issue_certificate,
    new_content_key, new_exchange_key, new_signing_key, parse_envelope, private_bytes, public_bytes,
    request_message, signing_key, wrap_key,
)
from sync.transport import HubTransport

REALM = "realm-test"


@dataclass
class MemoryState:
    device_id: str
    outbox: list[tuple[int, str | None, Write]] = field(default_factory=list)
    packed_upto: int = 0
    envelopes: dict[int, tuple[str, int, str]] = field(default_factory=dict)
    pushed_upto: int = 0
    cursor: int = 0
    applied_envelopes: set[tuple[str, int]] = field(default_factory=set)
    received: list[Write] = field(default_factory=list)
    held_envelopes: dict[tuple[str, int], tuple[str, str]] = field(default_factory=dict)
    _config: dict[str, str] = field(default_factory=dict)
    _secrets: dict[str, bytes] = field(default_factory=dict)
    _keys: dict[tuple[str, int], bytes] = field(default_factory=dict)
    _certs: dict[str, str] = field(default_factory=dict)
    fail_save: bool = False

    def write(self, scope: str | None, record_id: str, name: str, value: Any) -> Write:
        counter = len(self.outbox) + 1
        w = Write("case", record_id, name, value, (self.device_id, counter), (), "2026-11-22T10:00:00+00:00", "sara")
        self.outbox.append((counter, scope, w))
        return w

    def config(self) -> dict[str, str]:
        return dict(self._config)

    def set_config(self, **values: str) -> None:
        self._config.update(values)

    def secret(self, name: str) -> bytes | None:
        return self._secrets.get(name)

    def set_secret(self, name: str, raw: bytes) -> None:
        self._secrets[name] = raw

    def scope_keys(self) -> dict[tuple[str, int], bytes]:
        return dict(self._keys)

    def put_scope_key(self, scope: str, epoch: int, key: bytes) -> None:
        self._keys[(scope, epoch)] = key

    def certificates(self) -> dict[str, str]:
        return dict(self._certs)

    def put_certificates(self, certs: dict[str, str]) -> None:
        self._certs.update(certs)

    def erase_keys(self) -> None:
        self._secrets.clear()
        self._keys.clear()
        self._certs.clear()

    def pending(self, limit: int) -> tuple[list[tuple[int, str | None, Write]], int]:
        rows = [row for row in self.outbox if row[0] > self.packed_upto][:limit]
        return rows, (rows[-1][0] if rows else self.packed_upto)

    def next_envelope_seq(self) -> int:
        return max(self.envelopes, default=0) + 1

    def save_envelopes(self, envelopes: list[tuple[int, str, int, str]], packed_upto: int) -> None:
        if self.fail_save:
            raise OSError("disk full")
        for seq, scope, epoch, text in envelopes:
            assert seq not in self.envelopes
            self.envelopes[seq] = (scope, epoch, text)
        self.packed_upto = packed_upto

    def unsent(self, limit: int) -> list[tuple[int, str]]:
        return [(s, e[2]) for s, e in sorted(self.envelopes.items()) if s > self.pushed_upto][:limit]

    def envelopes_since(self, seq: int) -> list[tuple[int, str]]:
        return [(s, e[2]) for s, e in sorted(self.envelopes.items()) if s >= seq]

    def mark_pushed(self, upto_seq: int) -> None:
        self.pushed_upto = max(self.pushed_upto, upto_seq)

    def feed_cursor(self) -> int:
        return self.cursor

    def set_feed_cursor(self, cursor: int) -> None:
        self.cursor = max(self.cursor, cursor)

    def applied(self, device: str, seq: int) -> bool:
        return (device, seq) in self.applied_envelopes

    def apply(self, device: str, seq: int, writes: list[Write], cursor: int | None = None,
              scope: str | None = None) -> Any:
        if (device, seq) not in self.applied_envelopes:
            self.applied_envelopes.add((device, seq))
            self.received.extend(writes)
        if cursor is not None:
            self.set_feed_cursor(cursor)

    def hold(self, device: str, seq: int, envelope_json: str, reason: str) -> None:
        self.held_envelopes[(device, seq)] = (envelope_json, reason)

    def held(self) -> list[tuple[str, int, str]]:
        return [(d, s, v[0]) for (d, s), v in sorted(self.held_envelopes.items())]

    def release(self, device: str, seq: int) -> None:
        self.held_envelopes.pop((device, seq), None)

    def conflicts(self, scope_ids: set[str] | None = None) -> list[Any]:
        return []


class FakeHub:
    """The hub's device endpoints in memory, behind ``httpx.MockTransport``."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.realm_key = new_signing_key()
        self.clock = clock
        self.devices: dict[str, dict[str, Any]] = {}
        self.stored: dict[tuple[str, int], str] = {}  # (device, seq) -> canonical envelope JSON
        self.feed: list[tuple[int, dict[str, Any]]] = []
        self.posts: list[bytes] = []  # bodies of every POST /v1/envelopes
        self.nonces: set[str] = set()
        self.fail_next: list[Callable[[httpx.Request], httpx.Response | None]] = []
        self.keys: dict[tuple[str, int], bytes] = {}

    def scope_key(self, scope: str, epoch: int = 1) -> bytes:
        return self.keys.setdefault((scope, epoch), new_content_key())

    def add_device(self, state: MemoryState, scopes: tuple[str, ...] = ("north",), url: str = "https://hub.test",
                   status: str = "approved") -> None:
        """Enrol ``state`` as an approved device, as enrolment and approval would leave it."""
        sign, exchange = new_signing_key(), new_exchange_key()
        state.set_secret("sign", private_bytes(sign))
        state.set_secret("exchange", private_bytes(exchange))
        state.set_config(hub_url=url, ca_pem="unused", realm_id=REALM,
                         realm_public=b64(public_bytes(self.realm_key)), role="device", status=status)
        cert = issue_certificate(self.realm_key, realm=REALM, device=state.device_id, name=state.device_id,
                                 sign_public=public_bytes(sign), exchange_public=public_bytes(exchange),
                                 role="device", scopes=scopes, issued_at="2026-11-22T10:00:00+00:00")
        keys = [{"scope": s, "epoch": 1, "wrapped": wrap_key(self.scope_key(s), public_bytes(exchange), realm=REALM,
                                                               device=state.device_id, scope=s, epoch=1)}
                for s in scopes]
        self.devices[state.device_id] = {"sign": sign.public_key(), "cert": cert, "status": status, "keys": keys}

    def transport(self, state: MemoryState, clock: Callable[[], float] = time.time) -> HubTransport:
        return HubTransport("https://hub.test", "unused", state.device_id, signing_key(state.secret("sign")), clock,
                            http=httpx.MockTransport(self.handle))

    def factory(self, clock: Callable[[], float] = time.time) -> Callable[[Any], HubTransport]:
        return lambda state: self.transport(state, clock)

    # --- the handler ------------------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.fail_next:  # one hook per request, in order
            answer = self.fail_next.pop(0)(request)
            if answer is not None:
                return answer
        device = request.headers.get(HEADER_DEVICE, "")
        if device not in self.devices:
            return _error(401, "unknown_device")
        hub_time = int(self.clock())
        stamp = int(request.headers[HEADER_TIME])
        message = request_message(request.method, request.url.raw_path.decode(), stamp,
                                  request.headers[HEADER_NONCE], request.content)
        try:
            self.devices[device]["sign"].verify(base64.b64decode(request.headers[HEADER_SIGNATURE]), message)
        except Exception:  # noqa: BLE001 - any failure is a bad signature
            return _error(401, "bad_signature")
        if abs(stamp - hub_time) > REQUEST_WINDOW:
            return _error(401, "clock_skew", time=hub_time)
        if request.headers[HEADER_NONCE] in self.nonces:
            return _error(409, "replay")
        self.nonces.add(request.headers[HEADER_NONCE])
        info = self.devices[device]
        if info["status"] == "revoked":
            return _error(403, "revoked", wipe=True)
        path = request.url.path
        if path == "/v1/me":
            return httpx.Response(200, json={
                "device": device, "status": info["status"], "role": "device", "scopes": list(info["cert"].scopes),
                "realm": {"id": REALM, "public_key": b64(public_bytes(self.realm_key))},
                "certificate": info["cert"].to_json(), "keys": info["keys"], "time": hub_time})
        if path == "/v1/certificates":
            return httpx.Response(200, json={"certificates": [d["cert"].to_json() for d in self.devices.values()]})
        if path == "/v1/envelopes" and request.method == "POST":
            self.posts.append(request.content)
            return self._ingest(device, json.loads(request.content)["envelopes"])
        if path == "/v1/feed":
            since, limit = int(request.url.params["since"]), int(request.url.params["limit"])
            items = [(s, e) for s, e in self.feed if s > since and info["cert"].covers(e["scope"])]
            page = items[:limit]
            return httpx.Response(200, json={"envelopes": [{"hub_seq": s, "envelope": e} for s, e in page],
                                             "next": page[-1][0] if page else since, "more": len(items) > limit})
        if path.startswith("/v1/publications/"):
            return _error(404, "not_found")
        return _error(404, "not_found")

    def _ingest(self, device: str, envelopes: list[dict[str, Any]]) -> httpx.Response:
        stored = duplicates = 0
        new: list[tuple[int, dict[str, Any]]] = []
        for raw in envelopes:
            env = parse_envelope(raw)
            text = json.dumps(raw, sort_keys=True)
            if (device, env.seq) in self.stored:
                if self.stored[(device, env.seq)] != text:
                    return _error(409, "envelope_conflict")
                duplicates += 1
                continue
            expected = 1 + max((s for d, s in self.stored if d == device), default=0) + len(new)
            if env.seq != expected:
                return _error(409, "sequence_gap", expected=expected)
            new.append((env.seq, raw))
        for seq, raw in new:
            self.stored[(device, seq)] = json.dumps(raw, sort_keys=True)
            self.feed.append((len(self.feed) + 1, raw))
            stored += 1
        return httpx.Response(200, json={"stored": stored, "duplicates": duplicates, "next_seq": len(self.feed) + 1})


def _error(status: int, code: str, **extra: Any) -> httpx.Response:
    return httpx.Response(status, json={"error": code, "detail": code.replace("_", " "), **extra})
