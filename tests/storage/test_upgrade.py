"""An upgrade keeps the data: a store written by the previous release (schema CURRENT - 1)
is opened by this code, copied to ``backups/`` as it was, migrated, and everything in it
is still there and still verifiable.

The previous release is simulated by running today's code with the migration list cut
to CURRENT - 1 (the schema the previous release created). That holds as long as the
services write nothing the previous schema lacks for what this test does (a case, a
person, a note); if a migration ever changes those tables, write that store with plain
SQL instead, as ``build_v1_store`` does for schema 1. The search index of schema 6 is
written by the store itself, so the simulated previous release writes none. Today's store
writes who made each outbox row and the scope a case left (``outbox.actor`` and
``outbox.left_scope``, schema 8): the simulated release has them while it runs and they are
dropped afterwards, which leaves the outbox exactly as schema 7 defines it.

The other direction, a store from a *newer* release, is refused with a clear message and
left byte-identical: ``test_migrations.py::test_a_newer_store_is_refused_and_left_byte_identical``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from app.ports import CaseQuery
from app.services.audit import verify
from app.services.cases import CaseService
from storage import migrations
from storage import store as store_module
from storage.database import connect, integrity_problems
from storage.vault import DB_NAME, KEYS_NAME, Vault

PREVIOUS = migrations.CURRENT - 1
OUTBOX_COLUMNS_OF_8 = ("actor", "left_scope")


class _NoIndex:
    """The previous release kept no search index."""

    def note(self, *args: object) -> None:
        pass

    def flush(self, db: object) -> None:
        pass


def build_previous_release_store(folder: Path, store_tools, monkeypatch: pytest.MonkeyPatch) -> dict:
    """A store created and used by code whose newest schema is ``PREVIOUS``."""
    real_migrate = migrations.migrate
    steps = migrations.MIGRATIONS[:PREVIOUS]
    if PREVIOUS < 8:
        last = steps[-1]

        def last_with_todays_outbox(db) -> None:
            last(db)
            for column in OUTBOX_COLUMNS_OF_8:
                db.execute(f"ALTER TABLE outbox ADD COLUMN {column} TEXT")

        steps = (*steps[:-1], last_with_todays_outbox)
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", steps)
        patch.setattr(migrations, "CURRENT", PREVIOUS)
        patch.setattr(migrations, "migrate", lambda db, target=PREVIOUS: real_migrate(db, target))
        if PREVIOUS < 6:
            patch.setattr(store_module, "IndexWriter", _NoIndex)
        vault = Vault(folder)
        opened = vault.create(store_tools.make_user(), store_tools.passphrase)
        try:
            case, person = store_tools.register(opened, first_name="Aminata", second_name="Traore",
                                                first_name_ar="أميناتا")
            CaseService(opened.store).add_note(opened.session, case.id, "Contact with the shelter tomorrow")
            key = bytes(opened._data_key)
        finally:
            opened.lock()
    db = connect(folder / DB_NAME, key)
    try:
        if PREVIOUS < 8:
            for column in OUTBOX_COLUMNS_OF_8:
                db.execute(f"ALTER TABLE outbox DROP COLUMN {column}")
        assert migrations.version(db) == PREVIOUS
    finally:
        db.close()
    return {"case": case, "person": person, "key": key}


@pytest.mark.skipif(PREVIOUS < 1, reason="there is no previous schema yet")
def test_a_store_of_the_previous_release_is_backed_up_migrated_and_keeps_its_data(
        tmp_path: Path, store_tools, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "store"
    old = build_previous_release_store(folder, store_tools, monkeypatch)
    db_before = (folder / DB_NAME).read_bytes()
    keys_before = (folder / KEYS_NAME).read_bytes()

    with caplog.at_level(logging.INFO, logger="storage.vault"):
        opened = Vault(folder).unlock(store_tools.username, store_tools.passphrase)
    try:
        # Backed up first: the previous release's files exactly, still encrypted.
        copies = [p for p in (folder / "backups").iterdir() if p.is_dir()]
        assert len(copies) == 1
        assert copies[0].name.endswith(f"before-schema-{migrations.CURRENT}-from-{PREVIOUS}")
        assert (copies[0] / DB_NAME).read_bytes() == db_before
        assert (copies[0] / KEYS_NAME).read_bytes() == keys_before
        copy = connect(copies[0] / DB_NAME, old["key"])
        try:
            assert migrations.version(copy) == PREVIOUS
        finally:
            copy.close()

        # Migrated, and the data are all there.
        assert migrations.version(opened.store.db) == migrations.CURRENT
        assert integrity_problems(opened.store.db) == []
        assert store_tools.consistency_problems(opened.store.db) == []
        report = verify(opened.store)
        assert report.ok, report
        service = CaseService(opened.store)
        file = service.open_case(opened.session, old["case"].id)
        assert file.case.case_number == old["case"].case_number
        assert (file.person.first_name, file.person.second_name, file.person.first_name_ar) == (
            "Aminata", "Traore", "أميناتا")
        assert [n.text for n in file.notes] == ["Contact with the shelter tomorrow"]
        # The migration indexed the old case: another spelling of its name finds it.
        found = service.list_cases(opened.session, CaseQuery(text="Aminatou Traoré"))
        assert [r.id for r in found] == [old["case"].id]
        # New work goes on from where the previous release stopped.
        case, _ = store_tools.register(opened, first_name="Ibrahim")
        assert case.case_number.endswith("-00002")
    finally:
        opened.lock()
    messages = [r.getMessage() for r in caplog.records if r.name == "storage.vault"]
    assert f"store migrated from schema {PREVIOUS} to {migrations.CURRENT}" in messages

    # The next start finds a current store: no second migration, no second copy.
    Vault(folder).unlock(store_tools.username, store_tools.passphrase).lock()
    assert len(list((folder / "backups").iterdir())) == 1
