"""Receiving envelopes (from the hub's feed or a bundle): check, open, apply or hold.

An envelope is applied only when its signer's certificate verifies with the realm key,
covers the envelope's scope, and its signature verifies; then it is opened with the scope
key of its epoch. When the key (or the signer's certificate) is not here yet, the envelope
is held in the store and tried again after the next keys arrive. Applying is idempotent in
the store, so receiving an envelope twice (feed and bundle, or a re-run) changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

from app.domain.audit import AUDIT_SCOPE_PREFIX
from sync.device import Identity
from sync.protocol import (
    DeviceCertificate, Envelope, ProtocolError, canonical, open_envelope, parse_certificate, parse_envelope,
    verify_envelope, verify_key,
)

NO_KEY = "no_key"
UNKNOWN_SIGNER = "unknown_signer"
REFUSED = "refused"


class Receiver:
    def __init__(self, state: Any, me: Identity) -> None:
        self.state, self.me = state, me
        self.applied_count = 0
        self.held_count = 0
        self.refused: list[str] = []
        self._certificates: dict[str, DeviceCertificate] | None = None
        self._refreshed = False

    # --- certificates of the realm's devices ---------------------------------------------
    def certificates(self) -> dict[str, DeviceCertificate]:
        if self._certificates is None:
            self._certificates = {}
            for device, text in self.state.certificates().items():
                cert = self._parse(text)
                if cert is not None and cert.device == device:
                    self._certificates[device] = cert
        return self._certificates

    def _parse(self, raw: Any) -> DeviceCertificate | None:
        if self.me.realm_public is None:
            return None
        try:
            data = json.loads(raw) if isinstance(raw, str) else raw
            cert = parse_certificate(data, self.me.realm_public)
        except (ProtocolError, ValueError):
            return None
        return cert if cert.realm == self.me.realm_id else None

    def add_certificate(self, cert: DeviceCertificate) -> None:
        """A certificate checked elsewhere (a bundle's), saved when new."""
        known = self.certificates()
        if cert.device not in known or known[cert.device] != cert:
            self.state.put_certificates({cert.device: canonical(cert.to_json()).decode()})
            known[cert.device] = cert

    def refresh_certificates(self, transport: Any) -> None:
        """Every certificate the hub has issued, each verified with the realm key before saving."""
        self._refreshed = True
        answer = transport.get("/v1/certificates")
        known = self.certificates()
        new: dict[str, str] = {}
        listed = answer.get("certificates") or []
        if not isinstance(listed, list):
            raise ProtocolError("the hub's certificates answer is malformed: 'certificates' is not a list")
        for raw in listed:
            cert = self._parse(raw)
            if cert is not None and known.get(cert.device) != cert:
                new[cert.device] = canonical(cert.to_json()).decode()
                known[cert.device] = cert
        if new:
            self.state.put_certificates(new)

    # --- one envelope --------------------------------------------------------------------
    def receive(self, raw: Any, cursor: int | None = None, signer: DeviceCertificate | None = None) -> str:
        """Apply, skip or hold one envelope; returns what happened ("applied", "skipped", "held")."""
        try:
            envelope = parse_envelope(raw)
        except ProtocolError as exc:
            self.refused.append(str(exc))
            return "skipped"  # the cursor moves on: an unreadable item can never become readable
        if envelope.device == self.me.device or envelope.realm != self.me.realm_id:
            return "skipped"
        if envelope.scope.startswith(AUDIT_SCOPE_PREFIX) and self.me.role != "secretariat":
            # Another device's audit entries (in a bundle it made): for the secretariat only.
            return "skipped"
        if self.state.applied(envelope.device, envelope.seq):
            return "skipped"
        reason, writes = self._open(envelope, signer)
        if writes is None:
            self.state.hold(envelope.device, envelope.seq, canonical(envelope.to_json()).decode(), reason)
            self.held_count += 1
            return "held"
        self.state.apply(envelope.device, envelope.seq, writes, cursor=cursor, scope=envelope.scope)
        self.applied_count += 1
        return "applied"

    def _open(self, envelope: Envelope, signer: DeviceCertificate | None) -> tuple[str, list[Any] | None]:
        cert = signer if signer is not None and signer.device == envelope.device else \
            self.certificates().get(envelope.device)
        if cert is None:
            return UNKNOWN_SIGNER, None
        if not cert.covers(envelope.scope):
            return REFUSED, None
        try:
            verify_envelope(envelope, _public(cert))
        except ProtocolError:
            return REFUSED, None
        key = self.state.scope_keys().get((envelope.scope, envelope.epoch))
        if key is None:
            return NO_KEY, None
        try:
            return "", open_envelope(envelope, key)
        except ProtocolError:
            return REFUSED, None

    # --- held envelopes: tried again when keys or certificates arrived -------------------
    def retry_held(self, transport: Any | None = None) -> int:
        held = self.state.held()
        if not held:
            return 0
        if transport is not None and not self._refreshed and any(
                d not in self.certificates() for d, _s, _t in held):
            self.refresh_certificates(transport)
        released = 0
        for device, seq, text in held:
            if self.state.applied(device, seq):
                self.state.release(device, seq)
                continue
            try:
                envelope = parse_envelope(json.loads(text))
            except (ProtocolError, ValueError):
                continue
            _reason, writes = self._open(envelope, None)
            if writes is None:
                continue
            self.state.apply(device, seq, writes, scope=envelope.scope)
            self.state.release(device, seq)  # after applying: a crash between re-applies as a no-op
            self.applied_count += 1
            released += 1
        return released


def _public(cert: DeviceCertificate) -> Any:
    return verify_key(cert.sign_public, f"the signing key of device {cert.device}")
