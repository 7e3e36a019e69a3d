"""After lock, the data key is gone from the process.

``test_locking.py`` (desktop) proves the connection is closed after each way of locking.
Here: the bytearray the vault held is overwritten and the unlock objects are freed; and, on
Linux, the whole memory of this process (every readable mapping, through /proc/self/mem) holds
no copy of the data key, raw or as the hex text given to ``PRAGMA key``, once a store that
was created, unlocked, written, backed up and restored is locked again. The same scan finds
the key while the store is open, so it is able to fail. What Python cannot promise is in
docs/STORE.md.

The test never holds the key itself: it keeps it XOR-masked and unmasks it, for each scan,
into one buffer whose own address the scan skips.
"""

from __future__ import annotations

import ctypes
import gc
import os
import sys
import weakref
from pathlib import Path

import pytest
import sqlcipher3

from app.errors import StoreCorrupted
from storage.backup import create_backup, restore_backup
from storage.key_memory import keyed_sql, zero, zero_immutable
from storage.vault import OpenStore, Vault
from ui.composition import services_for

_HEX = b"0123456789abcdef"
_CHUNK = 1 << 24


class MaskedKey:
    """The data key, XOR-masked, so the test's own objects never hold it in clear."""

    def __init__(self, key: bytearray) -> None:
        self.mask = bytearray(os.urandom(len(key)))
        self.masked = bytearray(k ^ m for k, m in zip(key, self.mask))

    def _into(self, needle: bytearray, as_hex: bool) -> None:
        for i, (k, m) in enumerate(zip(self.masked, self.mask)):
            byte = k ^ m
            if as_hex:
                needle[2 * i], needle[2 * i + 1] = _HEX[byte >> 4], _HEX[byte & 15]
            else:
                needle[i] = byte

    def copies_in_memory(self) -> dict[str, int]:
        """How many times the key appears in this process's memory, raw and as lower-case hex."""
        found = {}
        for form, size in (("raw", len(self.mask)), ("hex", 2 * len(self.mask))):
            needle = bytearray(size)
            try:
                self._into(needle, form == "hex")
                found[form] = len(_occurrences(needle))
            finally:
                zero(needle)
        return found


def _address(buffer: bytearray) -> int:
    return ctypes.addressof((ctypes.c_char * len(buffer)).from_buffer(buffer))


def _occurrences(needle: bytearray) -> list[int]:
    """Addresses of ``needle`` in every readable mapping, but the needle and the read buffer."""
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    skip = {_address(needle)}
    base = _address(buffer)
    hits: list[int] = []
    with open("/proc/self/maps", encoding="ascii") as maps:
        regions = [line.split() for line in maps.read().splitlines()]
    with open("/proc/self/mem", "rb", buffering=0) as mem:
        for fields in regions:
            low, high = (int(x, 16) for x in fields[0].split("-"))
            name = fields[5] if len(fields) > 5 else ""
            if not fields[1].startswith("r") or name in ("[vvar]", "[vsyscall]") or name.startswith("/dev/"):
                continue
            position = low
            while position < high:
                size = min(_CHUNK, high - position)
                try:
                    mem.seek(position)
                    got = mem.readinto(view[:size]) or 0
                except OSError:
                    break
                at = buffer.find(needle, 0, got)
                while at >= 0:
                    if not base <= position + at < base + _CHUNK and position + at not in skip:
                        hits.append(position + at)
                    at = buffer.find(needle, at + 1, got)
                if got < size:
                    break
                position += max(size - len(needle) + 1, 1) if position + size < high else size
    view.release()
    return hits


linux_only = pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="reads /proc/self/mem (Linux)")


def _unlock(vault: Vault, store_tools) -> OpenStore:
    return vault.unlock(store_tools.username, store_tools.passphrase)


def test_lock_overwrites_the_key_and_frees_the_unlock_objects(tmp_path: Path, store_tools) -> None:
    vault = Vault(tmp_path / "store")
    vault.create(store_tools.make_user(), store_tools.passphrase).lock()
    services = services_for(_unlock(vault, store_tools))
    store_tools.register(services.opened, first_name="Amina")
    held = services.opened._data_key  # the very buffer the vault keys the store with
    assert len(held) == 32 and any(held)
    assert services.opened.keys._data_key is held
    watched = [weakref.ref(o) for o in (services, services.opened, services.opened.store, services.opened.keys)]
    db = services.opened.store.db

    services.lock()

    assert held == bytearray(32)
    with pytest.raises(sqlcipher3.ProgrammingError):
        db.execute("SELECT count(*) FROM meta")
    del services, db
    gc.collect()
    assert [ref() for ref in watched] == [None] * len(watched), "something still holds the unlocked store"


def test_a_failed_unlock_after_the_passphrase_overwrites_the_key(tmp_path: Path, store_tools,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The key is unwrapped, then the store is refused: the buffer holding the key is wiped too."""
    vault = Vault(tmp_path / "store")
    vault.create(store_tools.make_user(), store_tools.passphrase).lock()
    buffers: list[bytearray] = []
    import storage.vault as vault_module

    real_unwrap = vault_module.unwrap_key

    def keeping_unwrap(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        key = real_unwrap(*args, **kwargs)
        buffers.append(key)
        return key

    monkeypatch.setattr(vault_module, "unwrap_key", keeping_unwrap)
    other = Vault(tmp_path / "other")
    other.create(store_tools.make_user(), store_tools.passphrase).lock()
    vault.db_path.write_bytes(other.db_path.read_bytes())  # the right passphrase, a foreign database
    with pytest.raises(StoreCorrupted):
        _unlock(vault, store_tools)
    assert len(buffers) == 1 and isinstance(buffers[0], bytearray)
    assert buffers[0] == bytearray(len(buffers[0]))


@linux_only
def test_no_copy_of_the_key_is_left_in_memory_after_lock(tmp_path: Path, store_tools) -> None:
    vault = Vault(tmp_path / "store")
    opened = vault.create(store_tools.make_user(), store_tools.passphrase)
    key = MaskedKey(opened._data_key)
    opened.lock()
    del opened

    opened = _unlock(vault, store_tools)
    store_tools.register(opened, first_name="Amina", first_name_ar="أمينة")
    assert key.copies_in_memory()["raw"] >= 1  # open: the scan finds the key, so it can fail
    backup = create_backup(opened, tmp_path / "store.himaya")
    services_for(opened).lock()
    del opened
    restore_backup(backup, Vault(tmp_path / "restored"), store_tools.username, store_tools.passphrase)
    _unlock(Vault(tmp_path / "restored"), store_tools).lock()
    gc.collect()

    assert key.copies_in_memory() == {"raw": 0, "hex": 0}


def test_keyed_sql_and_wiping_an_immutable_copy() -> None:
    key = bytearray(range(32))
    sql = keyed_sql("PRAGMA key = ", key)
    assert sql == "PRAGMA key = \"x'" + bytes(range(32)).hex() + "'\""
    if sys.implementation.name == "cpython":
        length = len(sql)
        assert zero_immutable(sql) and sql == "0" * length
        raw = bytes(bytearray(range(1, 33)))
        assert zero_immutable(raw) and raw == bytes(32)
    single = bytes([7])  # the interpreter's shared one-byte object
    assert not zero_immutable(single) and bytes([7]) == b"\x07"
    arabic = "".join(["مفتاح", "سري"])
    assert not zero_immutable(arabic) and arabic == "مفتاحسري"  # not ASCII: left alone


def _python_objects_holding(key: bytearray) -> list[str]:
    """Objects reachable by the garbage collector that hold ``key`` raw or as hex, but ``key`` itself."""
    hex_text = "".join(f"{byte:02x}" for byte in key)  # this test's own copy, skipped below
    found = []
    for holder in gc.get_objects():
        for item in gc.get_referents(holder):
            if item is key or item is hex_text:
                continue
            if isinstance(item, (bytes, bytearray)) and (bytes(key) in item or hex_text.encode() in item):
                found.append(f"{type(item).__name__} held by {type(holder).__name__}")
            elif isinstance(item, str) and hex_text in item:
                found.append(f"str held by {type(holder).__name__}")
    return sorted(set(found))


def test_while_open_only_the_vaults_buffer_holds_the_key(tmp_path: Path, store_tools) -> None:
    """No Python object keeps the key as text (the ``PRAGMA key`` statement is overwritten once run)."""
    vault = Vault(tmp_path / "store")
    vault.create(store_tools.make_user(), store_tools.passphrase).lock()
    opened = _unlock(vault, store_tools)
    try:
        create_backup(opened, tmp_path / "store.himaya")
        assert _python_objects_holding(opened._data_key) == []
    finally:
        opened.lock()
