"""Opening the SQLCipher database with the raw data key and the pragmas of SECURITY.md."""

from __future__ import annotations

from pathlib import Path

import sqlcipher3

from app.errors import StoreCorrupted
from storage.key_memory import keyed_sql, zero_immutable

SQLITE_HEADER = b"SQLite format 3\x00"

PRAGMAS = (
    "PRAGMA cipher_memory_security = ON",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA secure_delete = ON",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 10000",
    "PRAGMA cache_size = -32768",  # 32 MiB of decrypted pages: lists and saves stay in memory
)


#: Up to this size every page's HMAC is checked at open (about 0.15 s at the limit);
#: a larger store is checked page by page as it is read (SQLCipher refuses a damaged page,
#: and a write that meets one is rolled back), and in full by ``verify`` in the background
#: of the desktop app, before a migration and by ``himaya-cli check``.
FULL_CHECK_BYTES = 64 * 1024 * 1024


def connect(path: Path, data_key: bytes | bytearray, *, full_check: bool | None = None) -> sqlcipher3.Connection:
    """Open and key the database; the first read proves the key (SQLCipher checks lazily).

    Raises ``StoreCorrupted`` for a file that is not a store encrypted with this key: a
    plain SQLite file, random bytes, a truncated file or a wrong key file. ``full_check``
    (default: only for stores up to ``FULL_CHECK_BYTES``) checks every page before use.
    """
    if len(data_key) != 32:
        raise ValueError("the data key is 32 bytes")
    path = Path(path)
    if path.exists() and path.stat().st_size == 0:
        # Opening it would write a fresh header into it: an empty file is never a store.
        raise StoreCorrupted(path=str(path.parent), detail="an empty file")
    db = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        key_statement = keyed_sql("PRAGMA key = ", data_key)
        try:
            db.execute(key_statement)
        finally:
            zero_immutable(key_statement)  # the only copy of the key as text (storage.key_memory)
            del key_statement
        for pragma in PRAGMAS:
            db.execute(pragma)
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        # The first read only proves page 1. Check every page's HMAC now, before anything
        # is written, so a damaged file is refused here and not half-used later.
        if full_check is None:
            full_check = path.stat().st_size <= FULL_CHECK_BYTES
        damaged = db.execute("PRAGMA cipher_integrity_check").fetchall() if full_check else []
        if damaged:
            db.close()
            raise StoreCorrupted(path=str(path.parent), detail=describe_damage(path, len(damaged)))
        mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise sqlcipher3.DatabaseError(f"journal mode {mode}")
        db.execute("PRAGMA synchronous = FULL")
    except sqlcipher3.DatabaseError as exc:
        detail = describe(path, exc)
        damaged = _damaged_pages(db)
        if damaged and damaged < path.stat().st_size // 4096:
            # The key opens most pages: the file is damaged, not keyed otherwise (a damaged
            # schema page fails the first read, before the full check runs).
            detail = describe_damage(path, damaged)
        db.close()
        raise StoreCorrupted(path=str(path.parent), detail=detail) from exc
    return db


def _damaged_pages(db: sqlcipher3.Connection) -> int:
    """How many pages fail their HMAC with this key (0 when it cannot be told)."""
    try:
        return len(db.execute("PRAGMA cipher_integrity_check").fetchall())
    except sqlcipher3.DatabaseError:
        return 0


def verify(db: sqlcipher3.Connection, path: Path) -> None:
    """The full check of an open store; ``StoreCorrupted`` when any page is damaged."""
    problems = integrity_problems(db)
    if problems:
        raise StoreCorrupted(path=str(Path(path).parent), detail=describe_damage(Path(path), len(problems)))


def is_corruption(exc: BaseException) -> bool:
    """A driver error that means damaged pages, not a busy database or a bug."""
    text = str(exc).lower()
    return isinstance(exc, sqlcipher3.DatabaseError) and (
        "not a database" in text or "malformed" in text or "hmac" in text)


def describe(path: Path, exc: Exception) -> str:
    """A short, content-free description of why a file could not be opened."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
        size = path.stat().st_size
    except OSError:
        return "unreadable file"
    if head == SQLITE_HEADER:
        return "a plain, unencrypted SQLite file"
    if size == 0:
        return "an empty file"
    if size % 4096:
        return "a truncated file"
    return "cannot be decrypted with this store's key"


def describe_damage(path: Path, pages: int) -> str:
    """A content-free description of a file whose pages fail the HMAC check."""
    try:
        if path.stat().st_size % 4096:
            return "a truncated file"
    except OSError:
        return "unreadable file"
    return f"{pages} damaged page(s)"


def integrity_problems(db: sqlcipher3.Connection) -> list[str]:
    """``integrity_check`` and ``cipher_integrity_check`` findings; empty when sound."""
    problems = [row[0] for row in db.execute("PRAGMA integrity_check").fetchall() if row[0] != "ok"]
    problems += [row[0] for row in db.execute("PRAGMA cipher_integrity_check").fetchall()]
    return problems
