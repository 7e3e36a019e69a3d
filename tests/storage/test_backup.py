"""Backups and restores: the same data comes back; a bad backup or passphrase changes nothing."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from app.domain.values import ConsentDecision, ConsentKind, RiskStage
from app.errors import BackupInvalid, WrongPassphrase
from app.ports import CaseQuery
from app.services.cases import CaseService
from storage.backup import create_backup, restore_backup
from storage.vault import DB_NAME, KEYS_NAME, Vault

RECORDS = ("users", "persons", "cases", "risks", "consents", "notes")


def dump(store) -> dict[str, list[tuple]]:
    """The records (their dots written out in full), the audit chain and the store's identity."""
    device = store.device_id
    out: dict[str, list[tuple]] = {"audit": store.db.execute("SELECT * FROM audit ORDER BY 1").fetchall()}
    for table in RECORDS:
        out[table] = [(rid, data, {f: [[device, d] if isinstance(d, int) else d for d in dots]
                                   for f, dots in json.loads(dots_text).items()})
                      for rid, data, dots_text in store.db.execute(f"SELECT id, data, dots FROM {table} ORDER BY 1")]
    out["meta"] = [row for row in store.db.execute("SELECT key, value FROM meta ORDER BY 1")
                   if row[0] not in ("device_id", "device_code", "restored_from_device")]
    return out


@pytest.fixture
def backed_up(tmp_path: Path, new_store, store_tools):
    """A store with case work, its backup file, its data key and a dump of every table."""
    vault, opened = new_store
    service = CaseService(opened.store)
    for name, name_ar in (("Amina", "أمينة"), ("Grace", None), ("Youssef", "يوسف")):
        case, _ = store_tools.register(opened, first_name=name, first_name_ar=name_ar)
        service.add_note(opened.session, case.id, f"Met {name} at the port.")
        service.record_risk(opened.session, case.id, RiskStage.SCREENING, shelter_tonight=True, summary="needs a bed")
        service.record_consent(opened.session, case.id, ConsentKind.SCREENING, ConsentDecision.GIVEN)
    backup = create_backup(opened, tmp_path / "backups-out" / "store.himaya")
    expected = dump(opened.store)
    expected["device"] = [(opened.store.device_id,)]
    key = bytes(opened._data_key)
    opened.lock()
    return vault, backup, key, expected


def assert_restored(restored, expected: dict[str, list[tuple]]) -> None:
    """The same records (dots named in full); the audit chain goes on with one entry for the
    copy's new identity (``storage.reidentify``)."""
    got = dump(restored)
    assert got["audit"][:len(expected["audit"])] == expected["audit"]
    assert [row[4] for row in got["audit"][len(expected["audit"]):]] == ["restored"]
    assert {k: v for k, v in got.items() if k != "audit"} == {
        k: v for k, v in expected.items() if k not in ("audit", "device")}
    previous = expected["device"][0][0]
    assert restored.meta("restored_from_device") == previous and restored.device_id != previous


def _rezip(source: Path, target: Path, replace: dict[str, bytes]) -> Path:
    """A copy of a backup with some members replaced (valid zip, valid CRCs)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            new.writestr(info.filename, replace.get(info.filename, old.read(info.filename)))
    return target


def _flip_in_member(source: Path, target: Path, member: str, where: float = 0.5) -> Path:
    """A copy of a backup with one byte of ``member``'s stored data flipped."""
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as archive:
        info = archive.getinfo(member)
    header = info.header_offset
    name_len = int.from_bytes(data[header + 26:header + 28], "little")
    extra_len = int.from_bytes(data[header + 28:header + 30], "little")
    start = header + 30 + name_len + extra_len
    data[start + int(info.compress_size * where)] ^= 0x01
    target.write_bytes(data)
    return target


def test_restore_into_a_new_folder_gives_the_same_data(tmp_path: Path, backed_up, store_tools) -> None:
    vault, backup, key, expected = backed_up
    target = Vault(tmp_path / "elsewhere")
    assert restore_backup(backup, target, store_tools.username, store_tools.passphrase) is None
    assert sorted(p.name for p in target.folder.iterdir()) == [DB_NAME, KEYS_NAME]
    restored = target.open_with_key(key)
    try:
        assert_restored(restored, expected)
    finally:
        restored.close()
    opened = target.unlock(store_tools.username, store_tools.passphrase)
    try:
        service = CaseService(opened.store)
        rows = service.list_cases(opened.session, CaseQuery(text="amina"))
        assert len(rows) == 1 and rows[0].name_ar == "أمينة"
        assert service.open_case(opened.session, rows[0].id).notes[0].text == "Met Amina at the port."
    finally:
        opened.lock()


def test_a_wrong_passphrase_leaves_the_target_untouched(tmp_path: Path, backed_up, store_tools) -> None:
    vault, backup, _, _ = backed_up
    before = store_tools.snapshot(vault.folder)
    with pytest.raises(WrongPassphrase):
        restore_backup(backup, vault, store_tools.username, "not the right passphrase 3")
    assert store_tools.snapshot(vault.folder) == before
    with pytest.raises(WrongPassphrase):
        restore_backup(backup, Vault(tmp_path / "new"), store_tools.username, "not the right passphrase 3")
    assert not (tmp_path / "new").exists()


def _damaged_backups(backup: Path, folder: Path) -> dict[str, Path]:
    good = {name: zipfile.ZipFile(backup).read(name) for name in ("manifest.json", DB_NAME, KEYS_NAME)}
    manifest = json.loads(good["manifest.json"])
    wrong_sum = dict(manifest, files={**manifest["files"], DB_NAME: "0" * 64})
    db = bytearray(good[DB_NAME])
    db[len(db) // 2] ^= 0x01
    return {
        "flipped byte in the database": _flip_in_member(backup, folder / "a", DB_NAME),
        "flipped byte in the database's first page": _flip_in_member(backup, folder / "b", DB_NAME, 0.001),
        "flipped byte in the manifest": _flip_in_member(backup, folder / "c", "manifest.json"),
        "flipped byte in the key file": _flip_in_member(backup, folder / "d", KEYS_NAME),
        "manifest not JSON": _rezip(backup, folder / "e", {"manifest.json": b"{not json"}),
        "manifest of another format": _rezip(backup, folder / "f", {"manifest.json": b'{"format": "zip"}'}),
        "manifest with a wrong checksum": _rezip(backup, folder / "g", {"manifest.json": json.dumps(wrong_sum).encode()}),
        "database changed, checksum kept": _rezip(backup, folder / "h", {DB_NAME: bytes(db)}),
        "not a zip at all": _write(folder / "i", b"PK\x03\x04" + b"\x00" * 200),
    }


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_a_damaged_backup_is_refused(tmp_path: Path, backed_up, store_tools) -> None:
    vault, backup, key, expected = backed_up
    (tmp_path / "damaged").mkdir()
    before = store_tools.snapshot(vault.folder)
    for what, damaged in _damaged_backups(backup, tmp_path / "damaged").items():
        with pytest.raises(BackupInvalid) as refused:
            restore_backup(damaged, vault, store_tools.username, store_tools.passphrase)
        assert "The current store was not changed." in str(refused.value), what
        assert store_tools.snapshot(vault.folder) == before, what
    # The intact backup still restores.
    restore_backup(backup, Vault(tmp_path / "fine"), store_tools.username, store_tools.passphrase)


def test_restoring_over_a_store_keeps_the_replaced_one(tmp_path: Path, backed_up, store_tools) -> None:
    _, backup, key_a, expected = backed_up
    other = Vault(tmp_path / "other")
    opened = other.create(store_tools.make_user(), store_tools.passphrase)
    case_b, _ = store_tools.register(opened, first_name="Replaced")
    key_b = bytes(opened._data_key)
    opened.lock()
    before = other.open_with_key(key_b)
    dump_b = dump(before)
    before.close()
    old_db = other.db_path.read_bytes()

    kept = restore_backup(backup, other, store_tools.username, store_tools.passphrase)

    assert kept is not None and kept.parent == other.folder / "backups"
    assert (kept / DB_NAME).read_bytes() == old_db
    replaced = Vault(kept).open_with_key(key_b)
    try:
        assert dump(replaced) == dump_b
    finally:
        replaced.close()
    now = other.open_with_key(key_a)
    try:
        assert_restored(now, expected)
        assert now.db.execute("SELECT 1 FROM cases WHERE id = ?", (case_b.id,)).fetchone() is None
    finally:
        now.close()
