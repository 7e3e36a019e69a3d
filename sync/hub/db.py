"""The hub's store: SQLAlchemy Core tables, engines for SQLite and PostgreSQL, migrations.

The same tables and the same Alembic migrations serve both databases. SQLite is the
default (one file in the hub's data folder); PostgreSQL serves several hub processes at
once. Write transactions on SQLite start with ``BEGIN IMMEDIATE`` so two writers queue on
the busy timeout instead of failing when one upgrades a read lock.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (BigInteger, Column, Engine, Index, Integer, MetaData, String, Table, Text, create_engine,
                        event)
from sqlalchemy.engine import Connection

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_FILE = "hub.db"

metadata = MetaData()

# Key/value settings of the hub itself (the admin code's hash while it is unused).
settings = Table(
    "hub_settings", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# The one realm this hub serves (row id 1): its id and Ed25519 public key.
realm = Table(
    "realm", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("realm_id", String(80), nullable=False),
    Column("public_key", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

devices = Table(
    "devices", metadata,
    Column("device", String(80), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("status", String(16), nullable=False),  # pending | approved | revoked
    Column("role", String(16), nullable=False),  # device | secretariat
    Column("scopes", Text, nullable=False),  # JSON list; the certificate's once approved
    Column("sign_public", String(64), nullable=False),
    Column("exchange_public", String(64), nullable=False),
    Column("certificate", Text, nullable=True),  # JSON text signed by the realm key
    Column("last_seq", BigInteger, nullable=False, default=0),  # highest envelope seq stored
    Column("enrolled_at", BigInteger, nullable=False),
    Column("approved_at", BigInteger, nullable=True),
    Column("revoked_at", BigInteger, nullable=True),
    Column("last_seen", BigInteger, nullable=True),
)

invites = Table(
    "invites", metadata,
    Column("code_hash", String(64), primary_key=True),  # sha256 of the normalised code
    Column("name", String(120), nullable=False),
    Column("scopes", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("used_at", BigInteger, nullable=True),
    Column("used_by", String(80), nullable=True),
)

# Request nonces seen, per device, kept a little longer than a request's time window.
nonces = Table(
    "nonces", metadata,
    Column("device", String(80), primary_key=True),
    Column("nonce", String(64), primary_key=True),
    Column("seen_at", BigInteger, nullable=False),
    Index("ix_nonces_seen_at", "seen_at"),
)

# Envelopes as their JSON text (ciphertext in base64): the hub cannot open them.
envelopes = Table(
    "envelopes", metadata,
    Column("device", String(80), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("hub_seq", BigInteger, nullable=True, unique=True),  # set just before commit
    Column("scope", String(80), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("received_at", BigInteger, nullable=False),
    Index("ix_envelopes_scope_hub_seq", "scope", "hub_seq"),  # the feed of a device with a few scopes
)

# The single counter row the feed's sequence numbers come from (row id 1).
hub_counter = Table(
    "hub_counter", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("value", BigInteger, nullable=False),
)

scope_keys = Table(
    "scope_keys", metadata,
    Column("device", String(80), primary_key=True),
    Column("scope", String(80), primary_key=True),
    Column("epoch", BigInteger, primary_key=True, autoincrement=False),
    Column("wrapped", Text, nullable=False),  # HPKE-sealed to the device: unreadable here
    Column("created_at", BigInteger, nullable=False),
)

publications = Table(
    "publications", metadata,
    Column("kind", String(16), primary_key=True),
    Column("version", BigInteger, primary_key=True, autoincrement=False),
    Column("payload", Text, nullable=False),
    Column("signature", String(100), nullable=False),
    Column("published_at", BigInteger, nullable=False),
)


def now() -> int:
    return int(time.time())


def sqlite_url(data: Path) -> str:
    return f"sqlite:///{Path(data).resolve() / SQLITE_FILE}"


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here (SQLAlchemy would otherwise look for psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=8, max_overflow=16)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun by _sqlite_begin
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "busy_timeout = 30000", "foreign_keys = ON"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("hub_write") else "BEGIN")


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """One write transaction (committed on success, rolled back on any exception)."""
    with engine.connect() as conn:
        conn.execution_options(hub_write=True)
        with conn.begin():
            yield conn


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        with conn.begin():
            yield conn


def _alembic_config(conn: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def migrate(engine: Engine) -> str:
    """Bring the database to the newest schema; returns the revision it is at."""
    with writing(engine) as conn:
        command.upgrade(_alembic_config(conn), "head")
    return current_revision(engine) or ""


def current_revision(engine: Engine) -> str | None:
    with reading(engine) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head() or ""


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()
