"""A store folder: create it, unlock it, lock it, back it up and restore it.

Layout of a store folder (mode 0700):
  himaya.db (+ -wal, -shm)  the SQLCipher database, keyed with the random data key
  keys.json                 the data key wrapped once per user (see ``storage.keyfile``)
  unlock-state.json         recent failed unlocks, for the growing delay
  backups/                  copies made before a migration or a restore

``OpenStore.wipe`` erases it all for good: a revoked device's remote wipe (``storage.wipe``).
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import sqlcipher3

from app.domain.audit import AuditAction, AuditEvent
from app.domain.user import Session, User
from app.errors import (
    KeyFileMissing, StoreCorrupted, StoreExists, StoreNotFound, StoreTooNew, UnlockThrottled,
    WrongPassphrase,
)
from app.passphrase import require_strong
from storage import migrations
from storage.database import connect, integrity_problems, verify
from storage.files import fsync_dir
from storage.key_memory import zero, zero_immutable
from storage.keyfile import DEFAULT_KDF, KdfParams, KeyFile, kdf_from_environment, unwrap_key, wrap_key
from storage.reidentify import new_device_code
from storage.store import SqlCipherStore
from storage.throttle import Throttle
from storage.wipe import wipe_folder

DB_NAME = "himaya.db"
KEYS_NAME = "keys.json"
THROTTLE_NAME = "unlock-state.json"
log = logging.getLogger(__name__)  # numbers only: see ui/logs.py for what a log may hold


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


class VaultKeys:
    """``app.ports.KeyStore`` for an unlocked store: wraps its data key for users."""

    def __init__(self, vault: "Vault", data_key: bytearray, kdf: KdfParams) -> None:
        self._vault = vault
        self._data_key = data_key
        self._kdf = kdf

    def _keyfile(self) -> KeyFile:
        return KeyFile.load(self._vault.keys_path)

    def add_user(self, user_id: str, username: str, passphrase: str) -> None:
        self.set_passphrase(user_id, username, passphrase)

    def set_passphrase(self, user_id: str, username: str, passphrase: str) -> None:
        keyfile = self._keyfile()
        keyfile.put(wrap_key(keyfile.store_id, user_id, username, passphrase, self._data_key, self._kdf))
        keyfile.save()

    def remove_user(self, user_id: str) -> None:
        keyfile = self._keyfile()
        keyfile.remove(user_id)
        keyfile.save()

    def usernames(self) -> list[str]:
        return self._keyfile().usernames()


@dataclass
class OpenStore:
    """An unlocked store: the case store, the key store and the session of who unlocked it."""

    vault: "Vault"
    store: SqlCipherStore
    keys: VaultKeys
    session: Session
    _data_key: bytearray = field(repr=False, default_factory=bytearray)
    wiped: bool = False  # set by ``wipe``: the store is closed and its files are gone

    @property
    def user(self) -> User:
        return self.session.user

    def lock(self) -> None:
        """Audit the lock, close the database and overwrite the key bytes we hold."""
        if self.wiped:
            return  # closed by the wipe; there is no store left to audit in
        try:
            with self.store.transaction() as uow:
                uow.audit(AuditEvent(AuditAction.LOCK, _utcnow(), self.user.id, self.session.device_id))
        except sqlcipher3.Error:
            pass  # a store that cannot take the entry is still closed below
        finally:
            self.store.close()
            zero(self._data_key)
            self.keys._data_key = bytearray()

    close = lock

    def wipe(self, reason: str) -> int:
        """Erase this store for good (a revoked device): audit it, close, destroy the keys.

        The audit entry goes into the store being erased, so one line also goes to the
        app log (no case content). Returns how many key files were destroyed.
        """
        log.warning("erasing this store: %s", reason)
        try:
            with self.store.transaction() as uow:
                uow.audit(AuditEvent(AuditAction.STORE_WIPED, _utcnow(), self.user.id, self.session.device_id,
                                     details={"reason": reason}))
        except sqlcipher3.Error:
            pass  # the wipe goes on: erasing matters more than its record
        self.wiped = True
        self.store.close()
        for i in range(len(self._data_key)):
            self._data_key[i] = 0
        self.keys._data_key = bytearray()
        return self.vault.wipe()


class Vault:
    def __init__(self, folder: Path | str, *, clock: Callable[[], datetime] = _utcnow) -> None:
        self.folder = Path(folder).expanduser()
        self.clock = clock

    @property
    def db_path(self) -> Path:
        return self.folder / DB_NAME

    @property
    def keys_path(self) -> Path:
        return self.folder / KEYS_NAME

    @property
    def throttle(self) -> Throttle:
        return Throttle(self.folder / THROTTLE_NAME)

    def exists(self) -> bool:
        return self.db_path.exists() or self.keys_path.exists()

    def wipe(self) -> int:
        """Destroy the key file and its copies under ``backups/``, then remove the database
        (``storage.wipe``); the store cannot be opened again. Close it first."""
        return wipe_folder(self.folder)

    def usernames(self) -> list[str]:
        if not self.exists():
            raise StoreNotFound(path=str(self.folder))
        return KeyFile.load(self.keys_path).usernames()

    # --- creating -----------------------------------------------------------------------
    def create(self, first_user: User, passphrase: str, *, kdf: KdfParams | None = None) -> OpenStore:
        """A new store with its first user (a supervisor or the secretariat)."""
        if self.exists():
            raise StoreExists(path=str(self.folder))
        require_strong(passphrase, first_user.username)
        kdf = kdf or kdf_from_environment()
        kdf.check()
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        random_bytes = secrets.token_bytes(32)
        data_key = bytearray(random_bytes)
        zero_immutable(random_bytes)  # the key lives in ``data_key`` only (storage.key_memory)
        del random_bytes
        store_id = str(uuid.uuid4())
        device_id = str(uuid.uuid4())
        device_code = new_device_code()
        db = connect(self.db_path, data_key)
        try:
            migrations.migrate(db)
            db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [
                ("store_id", store_id), ("device_id", device_id), ("device_code", device_code),
                ("created_at", self.clock().isoformat()),
            ])
            store = SqlCipherStore(db)
            with store.transaction() as uow:
                uow.put(first_user)
                uow.audit(AuditEvent(AuditAction.STORE_CREATED, self.clock(), first_user.id, device_id,
                                     "user", first_user.id, {"schema": migrations.CURRENT}))
            keyfile = KeyFile.new(self.keys_path, store_id)
            keyfile.put(wrap_key(store_id, first_user.id, first_user.username, passphrase, data_key, kdf))
            keyfile.save()
        except BaseException:
            db.close()
            zero(data_key)
            for name in (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm", KEYS_NAME):
                (self.folder / name).unlink(missing_ok=True)
            raise
        fsync_dir(self.folder)
        return self._opened(store, data_key, first_user, kdf)

    # --- unlocking ----------------------------------------------------------------------
    def unlock(self, username: str, passphrase: str) -> OpenStore:
        """Unlock as ``username``. Wrong passphrase: ``WrongPassphrase``, counted and delayed."""
        if not self.db_path.exists():
            if self.keys_path.exists():
                raise StoreCorrupted(path=str(self.folder), detail="the database file is missing")
            raise StoreNotFound(path=str(self.folder))
        if not self.keys_path.exists():
            raise KeyFileMissing(path=str(self.folder))
        keyfile = KeyFile.load(self.keys_path)
        throttle = self.throttle
        wait = throttle.wait_seconds(username, self.clock())
        if wait:
            raise UnlockThrottled(seconds=wait)
        wrap = keyfile.find(username)
        try:
            if wrap is None:
                # Spend the same time as a real attempt: whether a name exists is not told.
                # So derive with the settings the store's wraps use, not a fixed default.
                (keyfile.wraps[0].kdf if keyfile.wraps else DEFAULT_KDF).derive(passphrase, b"\0" * 16)
                raise WrongPassphrase()
            data_key = unwrap_key(keyfile.store_id, wrap, passphrase)
        except WrongPassphrase:
            throttle.record_failure(username, self.clock())
            raise
        try:
            db = connect(self.db_path, data_key)
        except BaseException:
            zero(data_key)  # a refused store: the key unwrapped for it goes too
            raise
        try:
            self._migrate(db)
            store = SqlCipherStore(db)
            if store.store_id != keyfile.store_id:
                raise StoreCorrupted(path=str(self.folder), detail="the key file belongs to another store")
            user = store.user_by_name(username)
            if user is None or user.disabled or user.id != wrap.user_id:
                raise WrongPassphrase()
            self._audit_unlock(store, user, throttle)
        except BaseException:
            db.close()
            zero(data_key)
            raise
        return self._opened(store, data_key, user, kdf_from_environment())

    def check(self, opened: OpenStore) -> list[str]:
        """The full check of an unlocked store: every page, the b-trees; problems in words."""
        with opened.store._lock:
            return integrity_problems(opened.store.db)

    def open_with_key(self, data_key: bytes) -> SqlCipherStore:
        """Open with the raw data key (recovery tools and tests); no user, no audit."""
        db = connect(self.db_path, data_key)
        try:
            self._migrate(db)
            return SqlCipherStore(db)
        except BaseException:
            db.close()
            raise

    def _opened(self, store: SqlCipherStore, data_key: bytearray, user: User, kdf: KdfParams) -> OpenStore:
        """``kdf``: the parameters for passphrases set during this session."""
        session = Session(user=user, device_id=store.device_id)
        keys = VaultKeys(self, data_key, kdf)
        return OpenStore(self, store, keys, session, data_key)

    def _audit_unlock(self, store: SqlCipherStore, user: User, throttle: Throttle) -> None:
        failures = throttle.take(user.username)
        with store.transaction() as uow:
            if failures.count:
                uow.audit(AuditEvent(AuditAction.UNLOCK_FAILED, self.clock(), None, store.device_id, "user",
                                     user.id, {"count": failures.count,
                                               "first": failures.times[0] if failures.times else None,
                                               "last": failures.times[-1] if failures.times else None}))
            uow.audit(AuditEvent(AuditAction.UNLOCK, self.clock(), user.id, store.device_id, "user", user.id))

    def _migrate(self, db: sqlcipher3.Connection) -> None:
        found = migrations.version(db)
        if found > migrations.CURRENT:
            log.warning("refused a store of schema %d (this version knows up to %d)", found, migrations.CURRENT)
            raise StoreTooNew(found=found, known=migrations.CURRENT)
        if found == migrations.CURRENT:
            return
        verify(db, self.db_path)  # never migrate (or back up) a damaged store
        self.backup_files(f"before-schema-{migrations.CURRENT}-from-{found}", db)
        log.info("store copied to backups/ before migrating from schema %d", found)
        migrations.migrate(db)
        log.info("store migrated from schema %d to %d", found, migrations.CURRENT)

    def backup_files(self, label: str, db: sqlcipher3.Connection) -> Path:
        """Copy the encrypted database and key file into ``backups/`` (still encrypted)."""
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        stamp = self.clock().strftime("%Y%m%dT%H%M%SZ")
        target = self.folder / "backups" / f"{stamp}-{label}"
        attempt = 1
        while target.exists():  # e.g. a retry, within the same second, of a failed migration
            attempt += 1
            target = self.folder / "backups" / f"{stamp}-{label}-{attempt}"
        target.mkdir(parents=True, exist_ok=False, mode=0o700)
        for name in (DB_NAME, KEYS_NAME):
            shutil.copy2(self.folder / name, target / name)
            with open(target / name, "rb") as handle:
                os.fsync(handle.fileno())
        fsync_dir(target)
        return target

