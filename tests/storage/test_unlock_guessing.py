"""Guessing passphrases: the Argon2id floor and the growing delay, where ``test_faults.py`` stops.

``test_faults.py`` proves a key file with lowered Argon2id settings is refused unchanged and
that three failed unlocks give growing, audited waits. Here: the delay's whole curve and its
cap (a settable clock, no sleeping); a damaged ``unlock-state.json`` or a clock set back
never locks a user out nor crashes the unlock; and the command line refuses a downgraded key
file with its one clear line, leaving the store as it was.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from app.errors import UnlockThrottled, WrongPassphrase
from storage.keyfile import MINIMUM_KDF
from storage.throttle import FREE_ATTEMPTS, MAX_DELAY, Throttle, delay_after
from storage.vault import THROTTLE_NAME, Vault

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))  # running himaya-cli as a child
from clikit import check_refused, run_cli_process  # noqa: E402

WRONG = "this is not the passphrase 9"


@pytest.fixture
def vault(tmp_path: Path, store_tools, clock) -> Vault:
    vault = Vault(tmp_path / "store", clock=clock)
    vault.create(store_tools.make_user(), store_tools.passphrase).lock()
    return vault


def test_the_delay_doubles_up_to_a_minute_and_counts_every_failure(tmp_path: Path, clock) -> None:
    throttle = Throttle(tmp_path / THROTTLE_NAME)
    waits = []
    for _ in range(12):
        throttle.record_failure("sara.sup", clock())
        waits.append(throttle.wait_seconds("sara.sup", clock()))
        clock.advance(waits[-1])  # the attacker waits exactly as long as told, then tries again
    assert waits == [0] * FREE_ATTEMPTS + [1, 2, 4, 8, 16, 32, 60, 60, 60, 60]
    assert max(waits) == MAX_DELAY == delay_after(1000)
    # Remembered across restarts, and per name.
    assert Throttle(tmp_path / THROTTLE_NAME)._load()["sara.sup"].count == 12
    assert throttle.wait_seconds("omar.sw", clock()) == 0


@pytest.mark.parametrize("times", [["garbage"], ["2026-03-01T09:00:00"], [5], [None, {}]],
                         ids=["not-a-time", "no-time-zone", "a-number", "wrong-types"])
def test_a_damaged_state_file_loses_the_delay_never_the_store(vault: Vault, store_tools, times: list) -> None:
    """Before: ``datetime.fromisoformat`` raised out of ``unlock`` and no one could unlock."""
    (vault.folder / THROTTLE_NAME).write_text(json.dumps({store_tools.username: {"count": 4, "times": times}}))
    with pytest.raises(WrongPassphrase):
        vault.unlock(store_tools.username, WRONG)
    (vault.folder / THROTTLE_NAME).write_text(json.dumps({store_tools.username: {"count": 4, "times": times}}))
    opened = vault.unlock(store_tools.username, store_tools.passphrase)
    try:
        failed = [e for e in opened.store.audit_entries() if e.event.action == "unlock_failed"]
        assert [e.event.details["count"] for e in failed] == [4]  # still audited, without times
    finally:
        opened.lock()


def test_a_clock_set_back_never_makes_the_wait_longer_than_the_delay(vault: Vault, store_tools, clock) -> None:
    """Before: failures stamped by a clock an hour ahead meant waiting an hour and more."""
    for _ in range(FREE_ATTEMPTS + 1):
        with pytest.raises(WrongPassphrase):
            vault.unlock(store_tools.username, WRONG)
    clock.advance(-3600)  # the laptop's clock is corrected
    with pytest.raises(UnlockThrottled) as throttled:
        vault.unlock(store_tools.username, store_tools.passphrase)
    assert throttled.value.params["seconds"] == delay_after(FREE_ATTEMPTS + 1) == 1
    clock.advance(1)
    vault.unlock(store_tools.username, store_tools.passphrase).lock()


def test_the_command_line_refuses_a_downgraded_key_file_and_changes_nothing(vault: Vault, store_tools) -> None:
    raw = json.loads(vault.keys_path.read_text())
    raw["users"][0]["kdf"].update({"memory_kib": MINIMUM_KDF.memory_kib // 8, "iterations": 1, "lanes": 1})
    vault.keys_path.write_text(json.dumps(raw))
    before = store_tools.snapshot(vault.folder)
    result = run_cli_process(vault.folder, "--user", store_tools.username, "case", "list",
                             passphrase=store_tools.passphrase)
    line = check_refused(result, says="weaker than Himaya allows")
    assert "8192 KiB, 1 passes, 1 lanes" in line
    assert store_tools.snapshot(vault.folder) == before  # nothing written, not even a counted failure


def test_waiting_is_counted_from_the_last_failure(tmp_path: Path, clock) -> None:
    throttle = Throttle(tmp_path / THROTTLE_NAME)
    for _ in range(FREE_ATTEMPTS + 3):
        throttle.record_failure("sara.sup", clock())
    assert throttle.wait_seconds("sara.sup", clock()) == 4
    clock.now += timedelta(seconds=2.5)
    assert throttle.wait_seconds("sara.sup", clock()) == 2  # 1.5 s left, shown rounded up
    clock.advance(1.5)
    assert throttle.wait_seconds("sara.sup", clock()) == 0
