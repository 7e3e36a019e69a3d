"""Erasing a store folder for good: the remote wipe of a revoked device.

The database is SQLCipher ciphertext under a random data key; the only copies of that key
are the wraps in the key file (``keys.json``) and in the copies of it kept under
``backups/`` (before a migration, before a restore). Destroying every key file makes the
database unreadable with any passphrase; the database files are then removed as well so
nothing is left to attack.

A key file is overwritten in place with random bytes of its own length and flushed to the
disk before it is removed: on a plain file system the wraps are not left in freed blocks.
A copy-on-write or journalling file system, or an SSD's wear levelling, may still keep old
blocks; full-disk encryption is what covers that (docs/SECURITY.md).
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from storage.files import fsync_dir

log = logging.getLogger(__name__)  # counts only, never a path under a user's name or case content

KEY_FILE = "keys.json"
DB_FILES = ("himaya.db", "himaya.db-wal", "himaya.db-shm")
OTHER_FILES = ("unlock-state.json",)  # user names with failed-unlock times
BACKUPS = "backups"


def destroy_file(path: Path) -> None:
    """Overwrite ``path`` with random bytes of its length, flush it to the disk, remove it."""
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        written = 0
        while written < size:
            chunk = os.urandom(min(1 << 20, size - written))
            handle.write(chunk)
            written += len(chunk)
        handle.flush()
        os.fsync(handle.fileno())
    path.unlink()


def _is_key_file(path: Path) -> bool:
    # keys.json, and what an interrupted save or restore left: .keys.json.XXXX.tmp, .keys.json.restoring
    return path.is_file() and not path.is_symlink() and KEY_FILE in path.name


def wipe_folder(folder: Path) -> int:
    """Destroy every key file in ``folder`` and its backups, then remove the store's files.

    Returns how many key files were destroyed. Files the store does not own stay.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    key_files = [p for p in folder.iterdir() if _is_key_file(p)]
    backups = folder / BACKUPS
    if backups.is_dir() and not backups.is_symlink():
        key_files += [p for p in backups.rglob("*") if _is_key_file(p)]
    # The keys first: once they are gone the rest is ciphertext nobody can open.
    for path in key_files:
        destroy_file(path)
    fsync_dir(folder)
    for name in (*DB_FILES, *OTHER_FILES):
        (folder / name).unlink(missing_ok=True)
    for partial in folder.glob(".himaya.db*"):  # a restore or backup cut short
        if partial.is_file():
            partial.unlink()
    if backups.is_symlink():
        backups.unlink()
    elif backups.is_dir():
        shutil.rmtree(backups)
    fsync_dir(folder)
    log.warning("store folder wiped: %d key files destroyed", len(key_files))
    return len(key_files)
