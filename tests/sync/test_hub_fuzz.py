"""The hub fuzzed from its own OpenAPI description (schemathesis), over real TLS, on SQLite and PostgreSQL.

Every operation of /openapi.json gets generated requests, valid and invalid for the schema:

* unsigned, or with garbage / forged protocol headers: every protected operation answers
  4xx with the ``{"error", "detail"}`` body, the public ones (health, CA) 200;
* signed over the exact bytes sent by an approved device and by the secretariat's device:
  no 5xx, answers that match the declared status codes and response schemas, and every
  request that breaks the schema refused with a 4xx.

Afterwards the hub's database must hold nothing a malformed request could have put there:
every stored envelope verifies against its sender's certificate, the devices are exactly
the enrolled ones, every invite has a clean name, valid scopes and a bounded lifetime,
every wrapped key belongs to a known device, and every publication is signed by the realm.

The default run is short; ``./dev test -m slow -k fuzz`` runs many more examples.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable

import hypothesis.strategies as st
import pytest
import requests
import schemathesis
from hubkit import Realm, RunningHub, TestDevice, approved_device, writes_for
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (negative_data_rejection, response_schema_conformance,
                                               status_code_conformance)
from sqlalchemy import create_engine, select

from sync.hub import db
from sync.hub.auth import clean_name
from sync.protocol import (HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIME, ProtocolError, b64, check_id,
                           new_signing_key, parse_certificate, parse_envelope, sign_request, unb64, verify_envelope,
                           verify_key, verify_publication)

QUICK_EXAMPLES = 25  # per operation and generation mode; SQLite only, to keep the default run short
SLOW_EXAMPLES = int(os.environ.get("HIMAYA_FUZZ_EXAMPLES", "150"))  # both backends; under 2 min each at 150
PUBLIC = {("GET", "/v1/health"), ("GET", "/v1/ca")}
SCOPES = ["scope-a", "scope-b"]
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, negative_data_rejection]
# A request that breaks the schema must get one of the hub's own refusals (413: a body over 8 MiB), never a 5xx.
CONFIG = SchemathesisConfig.from_dict(
    {"checks": {"negative_data_rejection": {"expected-statuses": [400, 401, 403, 404, 409, 413]}}})


class SignedBy(requests.auth.AuthBase):
    """Adds the protocol headers, signed over the request exactly as it goes on the wire."""

    def __init__(self, device: TestDevice) -> None:
        self.device = device

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
            request.body = body
            request.prepare_content_length(body)
        request.headers.update(sign_request(self.device.sign, self.device.id, request.method or "GET",
                                            request.path_url, body, int(time.time())))
        return request


class GarbageHeaders(requests.auth.AuthBase):
    """Protocol headers that must never pass: absent, malformed, unknown device, wrong key, stale."""

    def __init__(self, kind: str, known: TestDevice, text: str) -> None:
        self.kind, self.known, self.text = kind, known, text

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        now, path, method = int(time.time()), request.path_url, request.method or "GET"
        if self.kind == "garbage":
            request.headers.update({HEADER_DEVICE: self.text, HEADER_TIME: self.text, HEADER_NONCE: self.text,
                                    HEADER_SIGNATURE: self.text})
        elif self.kind == "unknown_device":
            request.headers.update(sign_request(new_signing_key(), "dev-nobody-knows", method, path, body, now))
        elif self.kind == "wrong_key":
            request.headers.update(sign_request(new_signing_key(), self.known.id, method, path, body, now))
        elif self.kind == "stale":
            request.headers.update(sign_request(self.known.sign, self.known.id, method, path, body, now - 3600))
        elif self.kind == "other_path":
            request.headers.update(sign_request(self.known.sign, self.known.id, method, path + "/other", body, now))
        return request


GARBAGE_KINDS = ["none", "garbage", "unknown_device", "wrong_key", "stale", "other_path"]
HEADER_TEXT = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=90)


@dataclass
class Target:
    hub: RunningHub
    realm: Realm
    secretariat: TestDevice
    device: TestDevice
    schema: Any
    session: requests.Session


@pytest.fixture(scope="module")
def target(realm_hub: tuple[RunningHub, Realm, TestDevice]) -> Target:
    hub, realm, secretariat = realm_hub
    device = approved_device(hub, realm, secretariat, SCOPES)
    answer = device.push([realm.seal(device, "scope-a", writes_for(device))])
    assert answer.status_code == 200, answer.text  # one genuine envelope for the after-run check to verify
    session = requests.Session()
    session.verify = str(hub.data / "ca.pem")
    schema = schemathesis.openapi.from_url(hub.url + "/openapi.json", config=CONFIG, verify=session.verify)
    return Target(hub, realm, secretariat, device, schema, session)


def operations(schema: Any) -> list[Any]:
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) >= 14, [f"{op.method} {op.path}" for op in found]
    return found


STATUSES: Counter[tuple[str, str, int]] = Counter()  # (mode, operation, status): what the runs saw


def tally(mode: str, case: Any, status: int) -> None:
    STATUSES[(mode, f"{case.method.upper()} {case.operation.path}", status)] += 1


def run_operation(operation: Any, examples: int, body: Callable[..., None], *extra: Any) -> None:
    """``body(case, *drawn)`` for ``examples`` generated cases of every generation mode."""
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        strategy = operation.as_strategy(generation_mode=mode)

        @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy, drawn=st.tuples(*extra))
        def run(case: Any, drawn: tuple[Any, ...]) -> None:
            body(case, *drawn)

        try:
            run()
        except Unsatisfiable:
            if mode is GenerationMode.POSITIVE:
                raise  # an operation without parameters or body has no invalid form: nothing to negate


def fuzz_unsigned(target: Target, examples: int) -> int:
    count = 0

    def one(case: Any, kind: str, text: str) -> None:
        nonlocal count
        count += 1
        auth = None if kind == "none" else GarbageHeaders(kind, target.device, text)
        response = case.call(session=target.session, verify=target.session.verify, auth=auth)
        tally("unsigned", case, response.status_code)
        where = f"{case.method} {response.request.url} ({kind})"
        if (case.method.upper(), case.operation.path) in PUBLIC:
            assert response.status_code == 200, where
            return
        assert 400 <= response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
        error = response.json()
        assert isinstance(error, dict) and isinstance(error.get("error"), str) \
            and isinstance(error.get("detail"), str), f"{where}: {response.text[:300]}"

    for operation in operations(target.schema):
        run_operation(operation, examples, one, st.sampled_from(GARBAGE_KINDS), HEADER_TEXT)
    return count


def fuzz_signed(target: Target, examples: int) -> int:
    count = 0

    def one(case: Any, signer: TestDevice) -> None:
        nonlocal count
        count += 1
        response = case.call_and_validate(session=target.session, verify=target.session.verify,
                                          auth=SignedBy(signer), checks=CHECKS)
        tally("signed", case, response.status_code)

    for operation in operations(target.schema):
        run_operation(operation, examples, one, st.sampled_from([target.device, target.secretariat]))
    return count


def assert_nothing_invalid_stored(target: Target) -> None:
    engine = create_engine(target.hub.database)
    try:
        with engine.connect() as conn:
            devices = {row["device"]: row for row in conn.execute(select(db.devices)).mappings()}
            envelopes = [(row[0], row[1]) for row in conn.execute(select(db.envelopes.c.device, db.envelopes.c.body))]
            invites = conn.execute(select(db.invites)).mappings().all()
            scope_keys = conn.execute(select(db.scope_keys)).mappings().all()
            publications = conn.execute(select(db.publications)).mappings().all()
            realm_id, realm_key = conn.execute(select(db.realm.c.realm_id, db.realm.c.public_key)).one()
    finally:
        engine.dispose()
    assert realm_id == target.realm.id
    realm_public = verify_key(realm_key)
    assert set(devices) == {target.secretariat.id, target.device.id}
    for row in devices.values():
        certificate = parse_certificate(json.loads(row["certificate"]), realm_public)
        assert certificate.device == row["device"] and b64(certificate.sign_public) == row["sign_public"]
    assert envelopes, "the genuine envelope pushed before fuzzing is gone"
    for device, body in envelopes:
        envelope = parse_envelope(json.loads(body))
        assert envelope.device == device
        certificate = parse_certificate(json.loads(devices[device]["certificate"]), realm_public)
        verify_envelope(envelope, verify_key(certificate.sign_public))
        assert envelope.realm == realm_id and certificate.covers(envelope.scope)
    for invite in invites:
        assert clean_name(invite["name"], "name") == invite["name"]
        assert all(check_id(scope, "scope") == scope for scope in json.loads(invite["scopes"]))
        assert 3600 <= invite["expires_at"] - invite["created_at"] <= 720 * 3600
    for key in scope_keys:
        assert key["device"] in devices and check_id(key["scope"], "scope") == key["scope"] and key["epoch"] >= 1
        unb64(key["wrapped"], "wrapped key", max_size=4096)
    for publication in publications:
        verify_publication(realm_public, realm_id, publication["kind"], publication["version"],
                           unb64(publication["payload"], "payload"), publication["signature"])


def fuzz_everything(target: Target, examples: int) -> None:
    started = time.monotonic()
    unsigned = fuzz_unsigned(target, examples)
    signed = fuzz_signed(target, examples)
    assert_nothing_invalid_stored(target)
    print(f"\nhub fuzz ({target.hub.backend}): {unsigned} unsigned and {signed} signed requests "
          f"in {time.monotonic() - started:.1f} s")
    for (mode, operation, status), count in sorted(STATUSES.items()):
        print(f"  {mode:8} {operation:40} {status} x{count}")
    STATUSES.clear()


@pytest.mark.parametrize("module_hub", ["sqlite"], indirect=True)
def test_every_operation_refuses_or_answers_to_schema(target: Target) -> None:
    fuzz_everything(target, QUICK_EXAMPLES)


@pytest.mark.slow
def test_every_operation_refuses_or_answers_to_schema_at_length(target: Target) -> None:
    fuzz_everything(target, SLOW_EXAMPLES)


# --- what fuzzing found, kept as regression tests ----------------------------------------
@pytest.mark.parametrize("module_hub", ["sqlite"], indirect=True)
def test_the_description_lists_only_the_refusals_the_hub_sends(target: Target) -> None:
    """Bad input is a 400 ``malformed``, never FastAPI's 422: the description must not promise one."""
    for path, operations_of_path in target.schema.raw_schema["paths"].items():
        for method, operation in operations_of_path.items():
            codes = set(operation["responses"])
            assert "422" not in codes and {"400", "404", "413", "503"} <= codes, (method, path, codes)
    answer = target.secretariat.post("/v1/invites", {"name": 7, "scopes": ["scope-a"]})
    assert answer.status_code == 400 and answer.json()["error"] == "malformed", answer.text


@pytest.mark.parametrize("module_hub", ["sqlite"], indirect=True)
def test_an_id_with_a_trailing_newline_is_refused(target: Target) -> None:
    """Python's ``$`` also matches before a final newline: "scope-a\\n" passed as an id."""
    answer = target.secretariat.post("/v1/invites", {"name": "Laptop", "scopes": ["scope-a\n"]})
    assert answer.status_code == 400 and answer.json()["error"] == "malformed", answer.text
    with pytest.raises(ProtocolError):
        check_id("scope-a\n", "scope")


@pytest.mark.parametrize("module_hub", ["sqlite"], indirect=True)
def test_an_envelope_of_a_newline_scope_is_not_stored(target: Target) -> None:
    secretariat, realm = target.secretariat, target.realm
    envelope = realm.seal(secretariat, "scope-a\n", writes_for(secretariat))
    answer = secretariat.push([envelope])
    secretariat.seq -= 1
    assert answer.status_code == 400 and answer.json()["error"] == "malformed", answer.text
