"""One transaction per change: a failure leaves nothing behind; a stale edit is refused."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest

from app.domain.audit import AuditEvent
from app.domain.checks import new_id
from app.domain.person import Person
from app.errors import StaleRecord, ValidationError
from app.services.audit import verify
from app.services.cases import CaseService

TABLES = ("meta", "users", "persons", "cases", "risks", "consents", "notes", "outbox", "audit")


def counts(store) -> dict[str, object]:
    found: dict[str, object] = {t: store.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    found["meta rows"] = sorted(store.db.execute("SELECT key, value FROM meta").fetchall())
    return found


def _event(opened, record_id: str) -> AuditEvent:
    return AuditEvent("person_updated", datetime.now(timezone.utc), opened.user.id, opened.store.device_id,
                      "person", record_id)


@pytest.mark.parametrize("failure", [RuntimeError("boom"), KeyboardInterrupt()])
def test_a_failure_inside_a_transaction_leaves_nothing(new_store, store_tools, failure) -> None:
    _, opened = new_store
    store_tools.register(opened, first_name="Before")
    store = opened.store
    before = counts(store)
    person = Person(new_id(), first_name="Never", first_name_ar="أبدا")
    with pytest.raises(type(failure)):
        with store.transaction() as uow:
            uow.put(person)
            uow.audit(_event(opened, person.id))
            uow.next_case_number(2026)
            # The write is visible inside the transaction …
            assert store.get(Person, person.id) == person
            raise failure
    # … and gone after it, with its outbox rows, audit entry and counters.
    assert store.get(Person, person.id) is None
    assert store.db.execute("SELECT count(*) FROM outbox WHERE record_id = ?", (person.id,)).fetchone()[0] == 0
    assert store.db.execute("SELECT count(*) FROM audit WHERE record_id = ?", (person.id,)).fetchone()[0] == 0
    assert counts(store) == before
    assert not store.db.in_transaction
    # The store goes on working: the next write uses the counters as they were.
    case, _ = store_tools.register(opened, first_name="After")
    assert case.case_number.endswith("-00002")
    assert store_tools.consistency_problems(store.db) == []
    assert verify(store).ok


def test_a_service_call_that_fails_midway_writes_nothing(new_store, store_tools) -> None:
    """register() fails validating the case after the case number was taken: all rolled back."""
    _, opened = new_store
    store = opened.store
    before = counts(store)
    person = Person(new_id(), first_name="Halfway")
    with pytest.raises(ValidationError):
        CaseService(store).register(opened.session, person, border_post="NO-SUCH-POST")
    assert counts(store) == before
    assert store.get(Person, person.id) is None


def test_a_stale_edit_is_refused(new_store, store_tools) -> None:
    _, opened = new_store
    store = opened.store
    case, original = store_tools.register(opened, first_name="Amina")
    first = dataclasses.replace(original, second_name="Benali")
    with store.transaction() as uow:
        uow.put(first, previous=original)
    before = counts(store)

    # A second editor who still holds the original record.
    late = dataclasses.replace(original, second_name="Other", nationality="SN")
    with pytest.raises(StaleRecord) as stale:
        with store.transaction() as uow:
            uow.put(late, previous=original)
            uow.audit(_event(opened, original.id))
    assert "changed by someone else" in str(stale.value)
    assert store.get(Person, original.id) == first
    assert counts(store) == before

    # Inserting a record that already exists is stale too.
    with pytest.raises(StaleRecord):
        with store.transaction() as uow:
            uow.put(dataclasses.replace(original, first_name="Duplicate"))
    # And so is an update of a record that is not stored.
    ghost = Person(new_id(), first_name="Ghost")
    with pytest.raises(StaleRecord):
        with store.transaction() as uow:
            uow.put(dataclasses.replace(ghost, second_name="X"), previous=ghost)
    assert counts(store) == before

    # With the current record as previous, the edit goes through and supersedes the right dot.
    with store.transaction() as uow:
        uow.put(late, previous=first)
    fields, dots = store.fields_of("person", original.id)
    assert fields["prs_SecondName"] == "Other" and fields["prs_Nationality"] == "SN"
    writes = [w for w in store.outbox() if w.record_id == original.id and w.field == "prs_SecondName"]
    benali = next(w for w in writes if w.value == "Benali")
    assert writes[-1].value == "Other"
    assert writes[-1].supersedes == (benali.dot,)
    assert benali.dot == (store.device_id, benali.dot[1])
    assert store_tools.consistency_problems(store.db) == []
