"""The case list's sort keys: kept current in the same transaction as the change."""

from __future__ import annotations

import dataclasses

from app.ports import CaseQuery
from app.services.cases import CaseService
from storage import migrations


def names_in_order(service, session, **query) -> list[str]:
    rows = service.list_cases(session, CaseQuery(sort="name", descending=False, **query))
    return [r.name_latin or r.name_ar for r in rows]


def test_sort_by_name_follows_new_cases_and_renames(new_store, store_tools):
    _, opened = new_store
    service = CaseService(opened.store)
    store_tools.register(opened, first_name="Youssef", second_name="Alaoui")
    _, fatima = store_tools.register(opened, first_name="fatima", second_name="Zahra")  # lower-case
    store_tools.register(opened, first_name_ar="أمينة")  # Arabic name only: sorted after Latin
    assert names_in_order(service, opened.session) == ["fatima Zahra", "Youssef Alaoui", "أمينة"]

    case = next(r for r in service.list_cases(opened.session, CaseQuery()) if r.name_latin == "fatima Zahra")
    renamed = dataclasses.replace(fatima, first_name="Zineb")
    service.update_person(opened.session, case.id, renamed)
    assert names_in_order(service, opened.session) == ["Youssef Alaoui", "Zineb Zahra", "أمينة"]


def test_every_sort_key_is_served_by_an_index(new_store, store_tools):
    _, opened = new_store
    store_tools.register(opened, first_name="Ali")
    db = opened.store.db
    for key in ("c.detected_on", "c.case_number", "c.sort_name", "c.opened_at"):
        plan = " ".join(row[3] for row in db.execute(
            f"EXPLAIN QUERY PLAN SELECT c.id FROM cases c JOIN persons p ON p.id = c.person_id"
            f" WHERE c.scope_id IN (?) ORDER BY {key} DESC, c.id LIMIT 200", ("scope-north",)))
        assert "USE TEMP B-TREE FOR ORDER BY" not in plan, (key, plan)


def test_migration_3_fills_sort_names_of_existing_cases(tmp_path, store_tools):
    built = store_tools.build_v1_store(tmp_path / "old", [
        {"prs_FirstName": "Omar"}, {"prs_FirstNameAr": "بشرى"}, {"prs_FirstName": "Amal"}])
    from storage.vault import Vault
    opened = Vault(tmp_path / "old").unlock(built["user"].username, store_tools.passphrase)
    try:
        assert migrations.version(opened.store.db) == migrations.CURRENT
        service = CaseService(opened.store)
        assert names_in_order(service, opened.session) == ["Amal", "Omar", "بشرى"]
    finally:
        opened.lock()


def test_keyset_pages_give_exactly_the_full_list_in_every_order(new_store, store_tools):
    _, opened = new_store
    service = CaseService(opened.store)
    # Ties on purpose: all detected today, several with the same name, one without a name.
    for first in ["Ali", "Ali", "Sara", "Omar", "Ali", "Nour", "Sara", "Hind", None]:
        store_tools.register(opened, first_name=first) if first else store_tools.register(opened)
    for sort in ("opened_at", "detected_on", "case_number", "state", "border_post", "name"):
        for descending in (True, False):
            query = CaseQuery(sort=sort, descending=descending, limit=100)
            everything = [r.id for r in service.list_cases(opened.session, query)]
            paged, after = [], None
            while True:
                page = service.list_cases(opened.session, dataclasses.replace(query, limit=2, after_id=after))
                if not page:
                    break
                paged += [r.id for r in page]
                after = page[-1].id
            assert paged == everything, (sort, descending)
            assert len(set(paged)) == 9
