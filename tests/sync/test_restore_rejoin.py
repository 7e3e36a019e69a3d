"""A store restored from a backup joins again as a new device and loses nothing.

The backup's counters are behind what the device synced after it. Under its old identity the
restored copy would reuse dots that other replicas already know, and its new edits would be
dropped. As a new device, it gets back the writes it made after the backup, and its new
edits supersede them cleanly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from hubkit import RunningHub
from test_client_sync import _case, _register
from test_transfer_relay import _join, _sync, realm_of

from storage.backup import create_backup, restore_backup
from storage.vault import Vault
from ui.composition import Services, services_for

PASSPHRASE = "cedar harbour lantern 7 violet"
pytestmark = pytest.mark.parametrize("hub", ["sqlite"], indirect=True)


@pytest.fixture
def realm(hub: RunningHub, tmp_path: Path) -> Iterator[list[Services]]:
    with realm_of(hub, tmp_path, ("a", "sara.sup", "north"), ("b", "omar.sup", "north")) as opened:
        yield opened


def test_a_restored_store_rejoins_as_a_new_device_and_gets_back_what_it_synced_after_the_backup(
        realm, hub: RunningHub, tmp_path: Path) -> None:
    sec, a, b = realm
    case = _register(a)
    _sync(a, b)
    folder = Path(a.opened.store.path)
    backup = create_backup(a.opened, tmp_path / "a-backup.himaya")
    old_device = a.opened.store.device_id
    a.cases.update_case(a.session, case.id, office="Edited after the backup")
    _sync(a, b)
    assert _case(b, case.id).office == "Edited after the backup"
    a.lock()

    restore_backup(backup, Vault(folder), "sara.sup", PASSPHRASE)
    restored = services_for(Vault(folder).unlock("sara.sup", PASSPHRASE))
    try:
        assert restored.opened.store.device_id != old_device
        assert _case(restored, case.id).office != "Edited after the backup"  # the backup's state
        assert restored.sync.status().status == ""  # it must enrol again: no keys kept
        assert restored.sync.state.scope_keys() == {}
        _join(hub, sec, restored, "Tangier laptop (restored)", "north")
        sec.sync.revoke(old_device)
        _sync(restored)
        # The edit made after the backup comes back from the hub.
        assert _case(restored, case.id).office == "Edited after the backup"
        restored.cases.update_case(restored.session, case.id, office="Edited after the restore")
        _sync(restored, b)
        assert _case(b, case.id).office == "Edited after the restore"
        assert b.sync.state.conflicts() == [] and restored.sync.state.conflicts() == []
        other = _register(restored, "Grace")  # case numbers carry the new device code: never a repeat
        assert other.case_number.split("-")[2] == restored.opened.store.device_code != case.case_number.split("-")[2]
    finally:
        restored.lock()

