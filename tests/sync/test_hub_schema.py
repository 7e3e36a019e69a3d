"""The hub's migrations build exactly the tables the code uses, on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hubkit import postgres_database
from sqlalchemy import select

from sync.hub import db


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(postgres_database()) if request.param == "postgresql" else db.sqlite_url(tmp_path)
        engine = db.make_engine(url)
        stack.callback(engine.dispose)
        yield engine


def test_migrations_match_the_tables_and_run_twice(empty_database):
    engine = empty_database
    assert db.current_revision(engine) is None and not db.is_current(engine)
    assert db.migrate(engine) == db.head_revision()
    assert db.migrate(engine) == db.head_revision()  # nothing to do the second time
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), db.metadata) == []
        assert conn.execute(select(db.hub_counter.c.id, db.hub_counter.c.value)).all() == [(1, 0)]
    assert db.is_current(engine)
