"""Schema migrations: a copy is kept before migrating, a failed step changes nothing, and a
store newer than this code is refused untouched."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from app.errors import StoreTooNew
from app.ports import CaseQuery
from app.services.audit import verify
from app.services.cases import CaseService
from storage import migrations
from storage.database import connect, integrity_problems
from storage.vault import DB_NAME, KEYS_NAME, Vault

PEOPLE = [
    {"prs_FirstName": "Youssef", "prs_SecondName": "Benali", "prs_FirstNameAr": "يوسف",
     "prs_SecondNameAr": "بنعلي", "prs_Nationality": "SN"},
    {"prs_FirstName": "Grace", "prs_SecondName": "Okafor", "prs_OtherNames": ["Mama Blessing"],
     "prs_Gender": "Female"},
]


def columns(db, table: str) -> set[str]:
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


def test_v1_store_is_copied_then_migrated_with_search_text_backfilled(tmp_path: Path, store_tools) -> None:
    folder = tmp_path / "store"
    v1 = store_tools.build_v1_store(folder, PEOPLE)
    before = (folder / DB_NAME).read_bytes()
    keys_before = (folder / KEYS_NAME).read_bytes()

    vault = Vault(folder)
    opened = vault.unlock(store_tools.username, store_tools.passphrase)
    try:
        # The copy made before migrating: the v1 file as it was, and the key file.
        copies = [p for p in (folder / "backups").iterdir() if p.is_dir()]
        assert len(copies) == 1 and copies[0].name.endswith(f"before-schema-{migrations.CURRENT}-from-1")
        assert (copies[0] / DB_NAME).read_bytes() == before
        assert (copies[0] / KEYS_NAME).read_bytes() == keys_before
        old = connect(copies[0] / DB_NAME, v1["data_key"])
        try:
            assert migrations.version(old) == 1
            assert "search_text" not in columns(old, "persons")
            assert sorted(r[0] for r in old.execute("SELECT id FROM persons")) == sorted(v1["person_ids"])
        finally:
            old.close()

        db = opened.store.db
        assert migrations.version(db) == migrations.CURRENT
        assert "search_text" in columns(db, "persons")
        texts = dict(db.execute("SELECT id, search_text FROM persons").fetchall())
        assert texts[v1["person_ids"][0]] == "youssef benali يوسف بنعلي"
        assert texts[v1["person_ids"][1]] == "grace okafor mama blessing"
        assert integrity_problems(db) == []
        assert store_tools.consistency_problems(db) == []
        report = verify(opened.store)
        assert report.ok, report
        assert [e.event.action for e in opened.store.audit_entries()][-1] == "unlock"

        # The simple search of the case list finds the old people by any of their names.
        service = CaseService(opened.store)
        session = opened.session
        for text, expected in [("benali", 0), ("YOUSSEF", 0), ("بنعلي", 0), ("blessing", 1), ("okaf", 1)]:
            rows = service.list_cases(session, CaseQuery(text=text))
            assert [r.id for r in rows] == [v1["case_ids"][expected]], text
        assert service.count_cases(session, CaseQuery(text="benali")) == 1
        assert service.list_cases(session, CaseQuery(text="nobody-by-this-name")) == []
        assert len(service.list_cases(session, CaseQuery())) == 2

        # New work continues the v1 counters: case numbers and outbox stay consistent.
        case, _ = store_tools.register(opened, first_name="Ibrahim")
        assert case.case_number.endswith("-00003")
        assert store_tools.consistency_problems(db) == []
    finally:
        opened.lock()

    # Unlocking again does not migrate or copy again.
    opened = vault.unlock(store_tools.username, store_tools.passphrase)
    opened.lock()
    assert len([p for p in (folder / "backups").iterdir()]) == 1


def test_a_failed_migration_step_leaves_the_store_at_its_version(tmp_path: Path, store_tools, clock,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "store"
    v1 = store_tools.build_v1_store(folder, PEOPLE[:1])

    def broken_v2(db) -> None:
        db.execute("ALTER TABLE persons ADD COLUMN search_text TEXT NOT NULL DEFAULT ''")
        db.execute("UPDATE persons SET search_text = 'half done'")
        raise RuntimeError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", (migrations.MIGRATIONS[0], broken_v2))
        store = None
        with pytest.raises(RuntimeError, match="disk full"):
            store = Vault(folder, clock=clock).open_with_key(v1["data_key"])
        assert store is None
    db = connect(folder / DB_NAME, v1["data_key"])
    try:
        assert migrations.version(db) == 1
        assert "search_text" not in columns(db, "persons")
    finally:
        db.close()

    # A retry straight away (same second: the copy gets its own folder) completes it.
    store = Vault(folder, clock=clock).open_with_key(v1["data_key"])
    try:
        assert migrations.version(store.db) == migrations.CURRENT
        assert store.db.execute("SELECT search_text FROM persons").fetchone()[0] == "youssef benali يوسف بنعلي"
    finally:
        store.close()
    assert len(list((folder / "backups").iterdir())) == 2


def test_a_newer_store_is_refused_and_left_byte_identical(new_store, store_tools) -> None:
    vault, opened = new_store
    store_tools.register(opened, first_name="Amina")
    key = bytes(opened._data_key)
    opened.lock()
    db = connect(vault.db_path, key)
    db.execute(f"PRAGMA user_version = {migrations.CURRENT + 1}")
    db.close()
    before = store_tools.snapshot(vault.folder)
    assert set(before) == {DB_NAME, KEYS_NAME}

    with pytest.raises(StoreTooNew) as refused:
        vault.unlock(store_tools.username, store_tools.passphrase)
    assert refused.value.params == {"found": migrations.CURRENT + 1, "known": migrations.CURRENT}
    assert "newer version of Himaya" in str(refused.value) and "nothing was changed" in str(refused.value)
    assert store_tools.snapshot(vault.folder) == before

    with pytest.raises(StoreTooNew):
        vault.open_with_key(key)
    assert store_tools.snapshot(vault.folder) == before
    assert hashlib.sha256(vault.db_path.read_bytes()).hexdigest() == before[DB_NAME]
