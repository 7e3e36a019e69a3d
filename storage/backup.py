"""Backups: one file holding the encrypted database, the key file and a manifest.

The database inside is an encrypted SQLCipher export (same data key), so a backup is as
safe as the store: it opens with the passphrase of any user who had one at backup time.
Restoring verifies everything first (manifest, checksums, the passphrase, integrity and
schema), makes the copy a new device (``storage.reidentify``) and only then swaps the files
in, keeping the replaced store under ``backups/``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import sqlcipher3

from app import strict_json
from app.errors import BackupInvalid, HimayaError
from storage import migrations
from storage.database import connect, integrity_problems
from storage.files import fsync_dir
from storage.key_memory import keyed_sql, zero, zero_immutable
from storage.keyfile import KeyFile, unwrap_key
from storage.reidentify import give_new_identity
from storage.store import SqlCipherStore
from storage.vault import DB_NAME, KEYS_NAME, OpenStore, Vault

FORMAT = "himaya-backup"
VERSION = 1
MAX_MEMBER = 8 * 1024**3


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def create_backup(opened: OpenStore, out: Path) -> Path:
    """Write a backup of the open store to ``out`` (atomically; never half a file)."""
    out = Path(out)
    if out.exists():
        raise BackupInvalid(reason=f"{out} already exists")
    out.parent.mkdir(parents=True, exist_ok=True)
    db = opened.store.db
    with tempfile.TemporaryDirectory(prefix=".himaya-backup-", dir=out.parent) as tmp:
        tmp_db = Path(tmp) / DB_NAME
        attach = keyed_sql("ATTACH DATABASE ? AS backup KEY ", opened._data_key)
        with opened.store._lock:
            try:
                db.execute(attach, (str(tmp_db),))
            finally:
                zero_immutable(attach)  # the key as text: overwritten once used (storage.key_memory)
            try:
                db.execute("SELECT sqlcipher_export('backup')")
                db.execute(f"PRAGMA backup.user_version = {migrations.version(db)}")
            finally:
                db.execute("DETACH DATABASE backup")
        shutil.copy2(opened.vault.keys_path, Path(tmp) / KEYS_NAME)
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "store_id": opened.store.store_id,
            "schema": migrations.version(db),
            "files": {name: _sha256(Path(tmp) / name) for name in (DB_NAME, KEYS_NAME)},
        }
        partial = out.with_name(out.name + ".partial")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr("manifest.json", json.dumps(manifest, indent=2))
            for name in (DB_NAME, KEYS_NAME):
                archive.write(Path(tmp) / name, name)
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, out)
        fsync_dir(out.parent)
    return out


def restore_backup(backup: Path, target: Vault, username: str, passphrase: str) -> Path | None:
    """Verify ``backup`` with a user's passphrase, then put it in place of ``target``'s store.

    Returns the folder where the replaced store was kept (None if there was none).
    """
    with tempfile.TemporaryDirectory(prefix=".himaya-restore-") as tmp:
        staged = Path(tmp)
        key = _extract_and_verify(Path(backup), staged, username, passphrase)
        try:
            _as_new_device(staged, key)
        finally:
            zero(key)
        target.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        kept = None
        if target.db_path.exists() or target.keys_path.exists():
            kept = target.folder / "backups" / f"replaced-by-restore-{os.getpid()}-{_stamp()}"
            kept.mkdir(parents=True, mode=0o700)
            for name in (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm", KEYS_NAME):
                if (target.folder / name).exists():
                    shutil.copy2(target.folder / name, kept / name)
            fsync_dir(kept)
        for name in (DB_NAME + "-wal", DB_NAME + "-shm"):
            (target.folder / name).unlink(missing_ok=True)
        for name in (DB_NAME, KEYS_NAME):
            partial = target.folder / f".{name}.restoring"
            shutil.copy2(staged / name, partial)
            with open(partial, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(partial, target.folder / name)
        fsync_dir(target.folder)
        return kept


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _as_new_device(staged: Path, key: bytearray) -> None:
    """The restored copy, brought to the current schema, becomes a new device
    (``storage.reidentify``: the backup's counters are behind what was already synced)."""
    db = connect(staged / DB_NAME, key)
    try:
        migrations.migrate(db)
        give_new_identity(SqlCipherStore(db))
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    for name in (DB_NAME + "-wal", DB_NAME + "-shm"):
        (staged / name).unlink(missing_ok=True)


def _verify_database(staged: Path, key: bytearray, schema: int) -> None:
    try:
        db = connect(staged / DB_NAME, key)
    except HimayaError as exc:
        raise BackupInvalid(reason="its database cannot be opened") from exc
    try:
        problems = integrity_problems(db)
        if problems:
            raise BackupInvalid(reason="its database failed the integrity check")
        if migrations.version(db) != schema:
            raise BackupInvalid(reason="its schema version does not match the manifest")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlcipher3.DatabaseError as exc:
        raise BackupInvalid(reason="its database is damaged") from exc
    finally:
        db.close()


def _extract_and_verify(backup: Path, staged: Path, username: str, passphrase: str) -> bytearray:
    try:
        archive = zipfile.ZipFile(backup)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BackupInvalid(reason="not a Himaya backup file") from exc
    with archive:
        names = set(archive.namelist())
        if names != {"manifest.json", DB_NAME, KEYS_NAME}:
            raise BackupInvalid(reason="unexpected contents")
        for info in archive.infolist():
            if info.file_size > MAX_MEMBER:
                raise BackupInvalid(reason="a member is too large")
        try:
            manifest = strict_json.loads(archive.read("manifest.json"))
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT \
                    or manifest.get("version") != VERSION:
                raise ValueError("format")
            files = dict(manifest["files"])
            schema = int(manifest["schema"])
        except (ValueError, KeyError, TypeError, UnicodeDecodeError, zipfile.BadZipFile) as exc:
            raise BackupInvalid(reason="the manifest is damaged") from exc
        for name in (DB_NAME, KEYS_NAME):
            try:
                with archive.open(name) as source, open(staged / name, "wb") as dest:
                    shutil.copyfileobj(source, dest)
            except (zipfile.BadZipFile, EOFError) as exc:  # a failed CRC or a cut-off member
                raise BackupInvalid(reason=f"{name} is damaged") from exc
            if _sha256(staged / name) != files.get(name):
                raise BackupInvalid(reason=f"{name} does not match its checksum")
    if schema > migrations.CURRENT:
        raise BackupInvalid(reason="it was made by a newer version of Himaya")
    try:
        keyfile = KeyFile.load(staged / KEYS_NAME)
    except HimayaError as exc:
        raise BackupInvalid(reason="its key file is damaged") from exc
    if keyfile.store_id != manifest.get("store_id"):
        raise BackupInvalid(reason="its key file belongs to another store")
    wrap = keyfile.find(username)
    if wrap is None:
        raise BackupInvalid(reason="this user had no access to the backed-up store")
    key = unwrap_key(keyfile.store_id, wrap, passphrase)  # WrongPassphrase propagates as is
    try:
        _verify_database(staged, key, schema)
    except BaseException:
        zero(key)  # a refused backup: the key unwrapped for it goes too
        raise
    for name in (DB_NAME + "-wal", DB_NAME + "-shm"):
        (staged / name).unlink(missing_ok=True)
    return key
