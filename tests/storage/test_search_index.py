"""The search index in the encrypted store: written, replaced and rolled back with the
records it comes from, and used by the case list's text filter (keyset paging included)."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, timezone

import pytest

from app.domain.case import Case
from app.domain.checks import new_id
from app.domain.person import Document, Person
from app.domain.values import CaseState, DocumentKind, Sex
from app.ports import CaseQuery
from app.search_keys import record_keys
from app.services.cases import CaseService
from storage.search_index import rebuild


def keys_of(opened, case_id: str) -> set[str]:
    return {k for (k,) in opened.store.db.execute("SELECT key FROM search_keys WHERE case_id = ?", (case_id,))}


def expected_keys(opened, case_id: str) -> set[str]:
    case_data, person_data = opened.store.db.execute(
        "SELECT c.data, p.data FROM cases c JOIN persons p ON p.id = c.person_id WHERE c.id = ?", (case_id,)).fetchone()
    return set(record_keys(json.loads(case_data), json.loads(person_data)))


def texts(opened, text: str, **query) -> set[str]:
    rows = CaseService(opened.store).list_cases(opened.session, CaseQuery(text=text, limit=1000, **query))
    return {r.id for r in rows}


def test_a_registered_case_is_indexed_in_the_same_transaction(new_store, store_tools) -> None:
    _vault, opened = new_store
    person = Person(new_id(), first_name="Youssef", second_name="El Idrissi", first_name_ar="يوسف",
                    nationality="SN", mobile_phone="+212612345678",
                    documents=(Document(DocumentKind.PASSPORT, "ab-123 456"),))
    case = CaseService(opened.store).register(opened.session, person, border_post="TNG-MED")
    found = keys_of(opened, case.id)
    assert found == expected_keys(opened, case.id)
    assert {"t:youssef", "t:يوسف", "k:YSF", "g:yusuf", "t:elidrissi", "t:idrissi", "d:AB123456",
            "p:212612345678", "p:612345678", "n:SN", "b:TNG-MED"} <= found
    assert f"c:{case.case_number.replace('-', '')}" in found


def test_an_edit_replaces_the_keys_and_the_list_follows(new_store, store_tools) -> None:
    _vault, opened = new_store
    case, person = store_tools.register(opened, first_name="Grace", second_name="Okafor")
    other, _ = store_tools.register(opened, first_name="Amina", second_name="Diallo")
    service = CaseService(opened.store)
    assert texts(opened, "okafor") == {case.id}
    renamed = dataclasses.replace(person, second_name="Eze", first_name_ar="غريس")
    service.update_person(opened.session, case.id, renamed)
    assert texts(opened, "okafor") == set()
    assert texts(opened, "eze") == {case.id}
    assert texts(opened, "Grace غريس") == {case.id}
    assert keys_of(opened, case.id) == expected_keys(opened, case.id)
    # A change the index does not read (languages) leaves the keys as they are.
    before = keys_of(opened, case.id)
    service.update_person(opened.session, case.id, dataclasses.replace(renamed, languages=("en",)))
    assert keys_of(opened, case.id) == before
    # The case's own fields: a new border post.
    service.update_case(opened.session, other.id, border_post="NDR-PORT")
    assert "b:NDR-PORT" in keys_of(opened, other.id) and "b:TNG-MED" not in keys_of(opened, other.id)


def test_the_index_is_rolled_back_with_the_records(new_store) -> None:
    _vault, opened = new_store
    person = Person(new_id(), first_name="Rollback", second_name="Zzyzx")
    now = datetime.now(timezone.utc).replace(microsecond=0)
    with pytest.raises(RuntimeError):
        with opened.store.transaction() as uow:
            uow.put(person)
            uow.put(Case(new_id(), uow.next_case_number(now.year), person.id, "scope-north", CaseState.DETECTED,
                         date.today(), now, opened.session.user.id, border_post="TNG-MED"))
            # A read inside the transaction flushes the batched inserts: the keys are there …
            assert texts(opened, "Zzyzx")
            raise RuntimeError("the save fails after the index was written")
    # … and gone with the records.
    assert opened.store.db.execute("SELECT count(*) FROM search_keys").fetchone()[0] == 0
    assert texts(opened, "Zzyzx") == set()


def test_the_list_text_filter_crosses_scripts_and_pages_by_keyset(new_store, store_tools) -> None:
    _vault, opened = new_store
    ids = []
    for i, (latin, arabic) in enumerate([("Mohamed", None), (None, "محمد"), ("Mohammed", None), ("Muhammad", None),
                                         ("Mhamed", None), (None, "مُحَمَّد"), ("Mohamed", "محمد")]):
        case, _ = store_tools.register(opened, first_name=latin, first_name_ar=arabic, second_name=f"Family{i}" if latin else None)
        ids.append(case.id)
    store_tools.register(opened, first_name="Khadija")
    assert texts(opened, "محمد") == set(ids)
    assert texts(opened, "Muhammad") == set(ids)
    assert texts(opened, "moham") >= {ids[0], ids[2], ids[6]}  # typed so far: the start of the word
    # Keyset paging over the filtered list: pages of 3 join up to the whole, without repeats.
    service = CaseService(opened.store)
    seen: list[str] = []
    after = None
    while True:
        page = service.list_cases(opened.session, CaseQuery(text="محمد", limit=3, after_id=after, sort="name"))
        if not page:
            break
        seen += [r.id for r in page]
        after = page[-1].id
    assert len(seen) == len(set(seen)) == len(ids) and set(seen) == set(ids)
    assert service.count_cases(opened.session, CaseQuery(text="محمد")) == len(ids)


def test_text_with_nothing_to_look_up_finds_nothing(new_store, store_tools) -> None:
    _vault, opened = new_store
    store_tools.register(opened, first_name="Amina")
    assert texts(opened, "— / *") == set()
    assert texts(opened, "nobody-by-this-name") == set()


def test_rebuild_writes_what_the_writer_wrote(new_store, store_tools) -> None:
    _vault, opened = new_store
    for name in ("Fatima Zahra", "Abdellah", "Chukwuemeka"):
        store_tools.register(opened, first_name=name, sex=Sex.FEMALE)
    db = opened.store.db
    before = sorted(db.execute("SELECT key, case_id FROM search_keys"))
    db.execute("BEGIN IMMEDIATE")
    written = rebuild(db)
    db.execute("COMMIT")
    assert sorted(db.execute("SELECT key, case_id FROM search_keys")) == before and written == len(before)
