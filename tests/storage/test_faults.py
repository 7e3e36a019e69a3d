"""Bad input at unlock: wrong passphrases and the growing delay, damaged or foreign files.

Every refusal is a typed error with a clear message, and a refused store is left
byte-identical (every file under the folder hashed before and after).
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
from pathlib import Path

import pytest

from app.errors import (
    KdfTooWeak, KeyFileMissing, StoreCorrupted, StoreExists, UnlockThrottled, WrongPassphrase,
)
from storage import keyfile
from storage.keyfile import DEFAULT_KDF, MINIMUM_KDF, KdfParams
from storage.vault import DB_NAME, KEYS_NAME, THROTTLE_NAME, Vault

WRONG = "this is not the passphrase 9"


@pytest.fixture
def locked(tmp_path: Path, store_tools, clock):
    """A store with a few cases, locked; returns (vault, data key)."""
    vault = Vault(tmp_path / "store", clock=clock)
    opened = vault.create(store_tools.make_user(), store_tools.passphrase)
    for i in range(12):
        case, _ = store_tools.register(opened, first_name=f"Person{'x' * i}", second_name="Long" * 15)
    key = bytes(opened._data_key)
    opened.lock()
    return vault, key


def test_wrong_passphrase_and_unknown_user_look_the_same(locked, store_tools,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    vault, _ = locked
    derived: list[KdfParams] = []
    real_derive = KdfParams.derive

    def recording_derive(self: KdfParams, passphrase: str, salt: bytes) -> bytes:
        derived.append(self)
        return real_derive(self, passphrase, salt)

    monkeypatch.setattr(KdfParams, "derive", recording_derive)
    with pytest.raises(WrongPassphrase) as wrong:
        vault.unlock(store_tools.username, WRONG)
    with pytest.raises(WrongPassphrase) as unknown:
        vault.unlock("nobody.here", store_tools.passphrase)
    assert str(wrong.value) == str(unknown.value) == "Wrong user name or passphrase."
    # An unknown name costs the same Argon2id work as a real wrap (no timing tells it apart).
    assert derived == [MINIMUM_KDF, MINIMUM_KDF]
    # Both count as failures, each under the name that was typed.
    state = json.loads((vault.folder / THROTTLE_NAME).read_text())
    assert state[store_tools.username]["count"] == 1 and state["nobody.here"]["count"] == 1


def test_failed_unlocks_slow_down_and_are_audited(locked, store_tools, clock) -> None:
    vault, _ = locked
    for _ in range(3):
        with pytest.raises(WrongPassphrase):
            vault.unlock(store_tools.username, WRONG)
    waits = []
    for attempt in (3, 4, 5):
        # Remembered across restarts: a new Vault object reads the same state file.
        with pytest.raises(UnlockThrottled) as throttled:
            Vault(vault.folder, clock=clock).unlock(store_tools.username, store_tools.passphrase)
        seconds = throttled.value.params["seconds"]
        assert seconds > 0
        assert f"Wait {seconds} seconds" in str(throttled.value)
        waits.append(seconds)
        clock.advance(seconds - 1)
        with pytest.raises(UnlockThrottled):  # one second early: still refused, even when right
            vault.unlock(store_tools.username, store_tools.passphrase)
        clock.advance(1)
        if attempt < 5:
            with pytest.raises(WrongPassphrase):
                vault.unlock(store_tools.username, WRONG)
    assert waits[0] < waits[1] < waits[2], waits

    opened = vault.unlock(store_tools.username, store_tools.passphrase)
    try:
        entries = opened.store.audit_entries()
        failed = [e for e in entries if e.event.action == "unlock_failed"]
        assert len(failed) == 1
        assert failed[0].event.details["count"] == 5
        assert failed[0].event.record_id == opened.user.id
        assert entries[-1].event.action == "unlock" and entries[-2] == failed[0]
    finally:
        opened.lock()
    # The count starts again after a success.
    state = json.loads((vault.folder / THROTTLE_NAME).read_text())
    assert store_tools.username not in state
    assert vault.throttle.wait_seconds(store_tools.username, clock()) == 0


def _refused(vault: Vault, store_tools, error: type, *, with_key: bytes | None = None) -> Exception:
    before = store_tools.snapshot(vault.folder)
    with pytest.raises(error) as refused:
        if with_key is None:
            vault.unlock(store_tools.username, store_tools.passphrase)
        else:
            vault.open_with_key(with_key)
    assert store_tools.snapshot(vault.folder) == before, "a refused store was changed"
    return refused.value


def test_random_bytes_mid_file_are_refused(locked, store_tools) -> None:
    vault, _ = locked
    data = vault.db_path.read_bytes()
    assert len(data) >= 8 * 4096
    offset = random.randrange(len(data) // 4, 3 * len(data) // 4)
    vault.db_path.write_bytes(data[:offset] + os.urandom(64) + data[offset + 64:])
    error = _refused(vault, store_tools, StoreCorrupted)
    assert "is damaged or is not a Himaya store" in str(error) and "restore it from a backup" in str(error)
    assert "damaged page" in str(error)


def test_damage_to_any_page_is_refused_on_open(locked, store_tools) -> None:
    """Whatever page is hit, opening refuses it before anything is read or written."""
    vault, key = locked
    data = vault.db_path.read_bytes()
    for page in range(len(data) // 4096):
        offset = page * 4096 + random.randrange(0, 4096 - 8)
        vault.db_path.write_bytes(data[:offset] + bytes(b ^ 0xA5 for b in data[offset:offset + 8])
                                  + data[offset + 8:])
        _refused(vault, store_tools, StoreCorrupted, with_key=key)
    vault.db_path.write_bytes(data)
    vault.open_with_key(key).close()


@pytest.mark.parametrize("cut", ["mid_page", "page_boundary", "empty"])
def test_a_truncated_store_is_refused(locked, store_tools, cut: str) -> None:
    vault, _ = locked
    size = vault.db_path.stat().st_size
    keep = {"mid_page": size // 2 + 1000, "page_boundary": (size // 2) // 4096 * 4096, "empty": 0}[cut]
    with open(vault.db_path, "r+b") as handle:
        handle.truncate(keep)
    error = _refused(vault, store_tools, StoreCorrupted)
    assert str(vault.folder) in str(error)
    if cut == "empty":
        assert "an empty file" in str(error)
    if cut == "mid_page":
        assert "a truncated file" in str(error)


def test_a_plain_sqlite_file_is_refused(locked, store_tools) -> None:
    vault, _ = locked
    vault.db_path.unlink()
    with sqlite3.connect(vault.db_path) as plain:
        plain.execute("CREATE TABLE cases (id TEXT)")
    error = _refused(vault, store_tools, StoreCorrupted)
    assert "a plain, unencrypted SQLite file" in str(error)


def test_a_missing_key_file_is_refused(locked, store_tools) -> None:
    vault, key = locked
    vault.keys_path.unlink()
    error = _refused(vault, store_tools, KeyFileMissing)
    assert "key file" in str(error) and "the encrypted data was not touched" in str(error)
    vault.open_with_key(key).close()  # the data itself is fine


@pytest.mark.parametrize("garbage", [b"", b"\x00\xffnot json", b'{"format": "himaya-keys"}',
                                     b'{"format": "himaya-keys", "version": 1, "store_id": "x", "users": 5}'])
def test_a_garbage_key_file_is_refused(locked, store_tools, garbage: bytes) -> None:
    vault, _ = locked
    vault.keys_path.write_bytes(garbage)
    error = _refused(vault, store_tools, KeyFileMissing)
    assert "missing or unreadable" in str(error)


def test_a_key_file_with_a_lowered_kdf_is_refused(locked, store_tools) -> None:
    vault, _ = locked
    raw = json.loads(vault.keys_path.read_text())
    raw["users"][0]["kdf"]["memory_kib"] = 8 * 1024
    vault.keys_path.write_text(json.dumps(raw))
    error = _refused(vault, store_tools, KdfTooWeak)
    assert "weaker than Himaya allows" in str(error) and "8192 KiB" in str(error)
    assert not (vault.folder / THROTTLE_NAME).exists()  # not counted as a guess
    for field, value in (("iterations", 2), ("lanes", 1)):
        raw = json.loads(vault.keys_path.read_text())
        raw["users"][0]["kdf"].update({"memory_kib": MINIMUM_KDF.memory_kib, field: value})
        vault.keys_path.write_text(json.dumps(raw))
        _refused(vault, store_tools, KdfTooWeak)


def test_a_key_file_with_a_changed_kdf_does_not_open(locked, store_tools) -> None:
    """The KDF settings are bound to the wrap: raising them does not help either."""
    vault, _ = locked
    raw = json.loads(vault.keys_path.read_text())
    raw["users"][0]["kdf"]["iterations"] = MINIMUM_KDF.iterations + 1
    vault.keys_path.write_text(json.dumps(raw))
    with pytest.raises(WrongPassphrase):
        vault.unlock(store_tools.username, store_tools.passphrase)


def test_the_kdf_floor_and_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (MINIMUM_KDF.memory_kib, MINIMUM_KDF.iterations, MINIMUM_KDF.lanes) == (64 * 1024, 3, 4)
    DEFAULT_KDF.check()
    assert DEFAULT_KDF.memory_kib >= MINIMUM_KDF.memory_kib and DEFAULT_KDF.iterations >= 3
    with pytest.raises(KdfTooWeak):
        KdfParams(32 * 1024, 3, 4).derive("whatever passphrase", b"\0" * 16)
    monkeypatch.delenv("HIMAYA_KDF", raising=False)
    assert keyfile.kdf_from_environment() == DEFAULT_KDF


@pytest.mark.parametrize("present", [(DB_NAME, KEYS_NAME), (DB_NAME,), (KEYS_NAME,)])
def test_creating_over_an_existing_store_changes_nothing(locked, store_tools, present) -> None:
    vault, _ = locked
    for name in {DB_NAME, KEYS_NAME} - set(present):
        (vault.folder / name).unlink()
    before = store_tools.snapshot(vault.folder)
    with pytest.raises(StoreExists) as exists:
        vault.create(store_tools.make_user("other.sup"), "another good passphrase 77")
    assert "already exists" in str(exists.value) and "nothing was changed" in str(exists.value)
    assert store_tools.snapshot(vault.folder) == before
