"""No case content in clear on disk: canary strings are searched in the raw bytes of every file.

Canaries go into names (Latin and Arabic script), other names, a note, a consent's provider
and guardian, and a risk summary. The scan covers every file under the store folder while
the store is open (WAL not checkpointed), after it is locked, the migration copies under
``backups/``, ``keys.json``, ``unlock-state.json``, a backup file, a restored store, and
the temporary folder a restore works in.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from pathlib import Path

import pytest

from app.domain.values import ConsentDecision, ConsentKind, RiskStage
from app.errors import WrongPassphrase
from app.services.cases import CaseService
from app.services.users import UserService
from app.domain.values import Role
from storage.backup import create_backup, restore_backup
from storage.vault import Vault

LATIN = ["Zephyrinecanary", "Quillowbrookanary", "Aliascanaryvexborne"]
ARABIC = ["زمردقناريةسرية", "ظفائرالكناريخفي", "ملاحظةكناريسرية"]
FREE_TEXT = [
    "NoteCanary-7f3a9 she said the controller keeps her passport",
    "ProviderCanary Shelter Oujda-42",
    "GuardianCanary Tamsin Okoro",
    "RiskCanary-91c2 controller waiting outside the post",
]
CANARIES = LATIN + ARABIC + FREE_TEXT


def forms(canary: str) -> dict[str, bytes]:
    """Every byte form a canary could take on disk."""
    found = {}
    for text in {canary, canary.casefold(), canary.upper()}:
        found[f"utf-8 {text!r}"] = text.encode("utf-8")
        found[f"utf-16-le {text!r}"] = text.encode("utf-16-le")
        found[f"utf-16-be {text!r}"] = text.encode("utf-16-be")
    if not canary.isascii():
        escaped = json.dumps(canary)[1:-1]  # \u0632\u0645... as JSON with ensure_ascii writes it
        found["json-escaped"] = escaped.encode("ascii")
        found["json-escaped upper"] = escaped.replace("\\u", "\\U").upper().replace("\\U", "\\u").encode("ascii")
        found["windows-1256 (raw Arabic)"] = canary.encode("cp1256")
        found["iso-8859-6 (raw Arabic)"] = canary.encode("iso8859_6")
    return found


ALL_FORMS = [(canary, name, raw) for canary in CANARIES for name, raw in forms(canary).items()]


def leaks(folder: Path) -> list[str]:
    """Every (file, canary, form) where a canary appears in the raw bytes of a file."""
    found = []
    files = [folder] if folder.is_file() else sorted(p for p in folder.rglob("*") if p.is_file())
    for path in files:
        data = path.read_bytes()
        for canary, name, raw in ALL_FORMS:
            if raw in data:
                found.append(f"{path}: {canary!r} as {name}")
    return found


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_the_scanner_finds_every_form(tmp_path: Path) -> None:
    """The scan itself works: each form of each canary is found in a plain file."""
    for i, (canary, name, raw) in enumerate(ALL_FORMS):
        (tmp_path / f"f{i}").write_bytes(b"\x00" * 100 + raw + b"\xff" * 100)
    assert len(leaks(tmp_path)) >= len(ALL_FORMS)
    # And in a plain SQLite file holding the same text, as an unencrypted store would.
    plain = tmp_path / "plain" / "x.db"
    plain.parent.mkdir()
    with sqlite3.connect(plain) as db:
        db.execute("CREATE TABLE t (v TEXT)")
        db.executemany("INSERT INTO t VALUES (?)", [(c,) for c in CANARIES])
    assert {line.split(": ", 1)[1].split(" as ")[0] for line in leaks(plain.parent)} == {repr(c) for c in CANARIES}


def test_no_canary_in_any_file(tmp_path: Path, store_tools, monkeypatch: pytest.MonkeyPatch) -> None:
    work_tmp = tmp_path / "tmp"
    work_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(work_tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(work_tmp))

    folder = tmp_path / "store"
    # A schema-1 store that already holds a canary person: unlocking migrates it, which
    # leaves a copy of the old database under backups/.
    store_tools.build_v1_store(folder, [{
        "prs_FirstName": LATIN[0], "prs_SecondName": LATIN[1], "prs_FirstNameAr": ARABIC[0],
        "prs_SecondNameAr": ARABIC[1], "prs_OtherNames": [LATIN[2]],
    }])
    vault = Vault(folder)
    opened = vault.unlock(store_tools.username, store_tools.passphrase)
    try:
        assert any(p.name == "himaya.db" for p in (folder / "backups").rglob("*")), "no migration copy"
        # A second user with a failed unlock, so unlock-state.json has content to scan.
        UserService(opened.store, opened.keys).add_user(
            opened.session, username="omar.sw", display_name="Omar", role=Role.SOCIAL_WORKER,
            passphrase="granite meadow 44 pelican")
        with pytest.raises(WrongPassphrase):
            vault.unlock("omar.sw", "not the passphrase at all 1")
        assert "omar.sw" in (folder / "unlock-state.json").read_text()

        service = CaseService(opened.store)
        session = opened.session
        case, person = store_tools.register(
            opened, first_name=LATIN[1], second_name=LATIN[0], first_name_ar=ARABIC[1],
            second_name_ar=ARABIC[0], other_names=(LATIN[2], ARABIC[2]))
        service.add_note(session, case.id, FREE_TEXT[0])
        service.add_note(session, case.id, ARABIC[2] + " " + ARABIC[0])
        service.record_consent(session, case.id, ConsentKind.REFERRAL, ConsentDecision.GIVEN,
                               provider=FREE_TEXT[1], given_by_guardian=True, guardian_name=FREE_TEXT[2])
        service.record_risk(session, case.id, RiskStage.SCREENING, immediate_danger=True, summary=FREE_TEXT[3])
        service.open_case(session, case.id)

        # The canaries are really stored (so a clean scan means something).
        file = service.open_case(session, case.id)
        assert file.person.first_name_ar == ARABIC[1]
        assert file.risks[0].summary == FREE_TEXT[3] and file.consents[0].provider == FREE_TEXT[1]
        wal = folder / "himaya.db-wal"
        assert wal.exists() and wal.stat().st_size > 4096, "the new writes should still be in the WAL"
        names = files_under(folder)
        assert {"himaya.db", "himaya.db-wal", "keys.json", "unlock-state.json"} <= names

        assert leaks(folder) == []  # open, WAL not checkpointed

        backup = create_backup(opened, tmp_path / "out" / "store.himaya")
        assert leaks(backup) == []
    finally:
        opened.lock()

    assert leaks(folder) == []  # locked
    assert not (folder / "himaya.db-wal").exists() or leaks(folder / "himaya.db-wal") == []

    restored = Vault(tmp_path / "restored")
    restore_backup(backup, restored, store_tools.username, store_tools.passphrase)
    assert leaks(restored.folder) == []
    assert leaks(work_tmp) == []
    assert leaks(tmp_path) == []  # everything this test wrote, in one sweep
