"""Durability under SIGKILL: what a writer acknowledged survives, and the store stays whole.

A child process (``_writer.py``) does case work through ``CaseService`` and prints each
change after the call returns. The parent kills it with SIGKILL at a random moment, then
reopens the store and checks: page and SQL integrity, every acknowledged change present,
the outbox rebuilding every record with matching dots, a sound audit chain, and exactly
one ``case_created`` entry per case. At least 100 kill points, every run.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from app.services.audit import verify
from storage.database import integrity_problems
from storage.vault import Vault

WRITER = Path(__file__).with_name("_writer.py")
REPO = Path(__file__).resolve().parents[2]
KILLS = 100


class Child:
    """One writer process, with its acknowledged lines collected by a reader thread."""

    def __init__(self, folder: Path, username: str, key: bytes, seed: int) -> None:
        env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, str(WRITER), str(folder), username, str(seed)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO, env=env,
        )
        self.lines: list[str] = []
        self.ready = threading.Event()
        self._partial = b""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        assert self.proc.stdin is not None
        self.proc.stdin.write(key.hex().encode("ascii") + b"\n")
        self.proc.stdin.close()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            if not raw.endswith(b"\n"):
                self._partial = raw  # cut by the kill: not an acknowledgement
                break
            line = raw.decode("utf-8").rstrip("\n")
            if line == "ready":
                self.ready.set()
            else:
                self.lines.append(line)

    def kill(self) -> str:
        """SIGKILL; returns the child's stderr (empty unless it failed on its own)."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._reader.join(timeout=30)
        assert self.proc.stderr is not None
        return self.proc.stderr.read().decode("utf-8", "replace")


def check_acknowledged(db, lines: list[str]) -> list[str]:
    """Every acknowledged change must be in the store."""
    problems: list[str] = []
    for line in lines:
        kind, rest = line.split(" ", 1)
        if kind == "case":
            case_id, person_id = rest.split(" ")
            row = db.execute("SELECT person_id FROM cases WHERE id = ?", (case_id,)).fetchone()
            if row is None or row[0] != person_id:
                problems.append(f"acknowledged case {case_id} lost")
            if db.execute("SELECT 1 FROM persons WHERE id = ?", (person_id,)).fetchone() is None:
                problems.append(f"person {person_id} of acknowledged case lost")
        elif kind in ("person", "case_edit"):
            record_id, field, value = rest.split(" ", 2)
            rtype = "person" if kind == "person" else "case"
            table = "persons" if kind == "person" else "cases"
            wanted = json.loads(value)
            acked = next(((counter,) for (rt, ri, writes) in db.execute(
                "SELECT record_type, record_id, writes FROM outbox WHERE record_id = ?", (record_id,))
                for f, v, counter, _sup in json.loads(writes) if rt == rtype and f == field and v == wanted), None)
            if acked is None:
                problems.append(f"acknowledged edit {line!r} has no outbox write")
                continue
            # The stored value is the acknowledged one or a later write of the same field.
            data, dots = db.execute(f"SELECT data, dots FROM {table} WHERE id = ?", (record_id,)).fetchone()
            dot = json.loads(dots).get(field)
            if not dot or dot[0] < acked[0]:
                problems.append(f"acknowledged edit {line!r} was overwritten by an older value")
            if dot and dot[0] == acked[0] and json.loads(data)[field] != json.loads(value):
                problems.append(f"acknowledged edit {line!r} not in the record")
        elif kind == "note":
            case_id, note_id = rest.split(" ")
            row = db.execute("SELECT case_id FROM notes WHERE id = ?", (note_id,)).fetchone()
            if row is None or row[0] != case_id:
                problems.append(f"acknowledged note {note_id} lost")
        else:
            problems.append(f"unexpected output {line!r}")
    return problems


def check_audit(store) -> list[str]:
    problems: list[str] = []
    report = verify(store)
    if not report.ok:
        problems.append(f"audit chain broken at {report.first_broken}: {report.reason}")
    created = Counter(r[0] for r in store.db.execute(
        "SELECT record_id FROM audit WHERE action = 'case_created'"))
    cases = {r[0] for r in store.db.execute("SELECT id FROM cases")}
    for case_id in cases:
        if created[case_id] != 1:
            problems.append(f"case {case_id} has {created[case_id]} case_created entries")
    for case_id in set(created) - cases:
        problems.append(f"case_created entry for {case_id}, which is not stored")
    notes = {r[0] for r in store.db.execute("SELECT id FROM notes")}
    noted = Counter(json.loads(r[0])["note_id"] for r in store.db.execute(
        "SELECT details FROM audit WHERE action = 'note_added'"))
    if set(noted) != notes or any(v != 1 for v in noted.values()):
        problems.append("note_added entries do not match the notes one to one")
    return problems


def test_acknowledged_work_survives_sigkill(tmp_path: Path, store_tools) -> None:
    vault = Vault(tmp_path / "store")
    opened = vault.create(store_tools.make_user(), store_tools.passphrase)
    key = bytes(opened._data_key)
    opened.lock()

    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)  # the kill delays; reported on failure
    acknowledged: list[str] = []
    started = time.monotonic()
    killed_before_ready = 0
    during_work = 0
    for iteration in range(KILLS):
        child = Child(vault.folder, store_tools.username, key, seed=iteration)
        if rng.random() < 0.15:
            # Somewhere in start-up: imports, opening, WAL recovery after the previous kill.
            time.sleep(rng.uniform(0.0, 0.25))
            killed_before_ready += not child.ready.is_set()
        else:
            # In the middle of the work: after a first acknowledgement (however slow the
            # machine), then a random moment of the writes that follow.
            assert child.ready.wait(timeout=30), "the writer did not start"
            deadline = time.monotonic() + 30
            while not child.lines and time.monotonic() < deadline:
                time.sleep(0.002)
            assert child.lines, "the writer acknowledged nothing in 30 s"
            during_work += 1
            time.sleep(rng.uniform(0.0, 0.04))
        stderr = child.kill()
        assert child.proc.returncode == -signal.SIGKILL, f"writer ended on its own: {stderr[-2000:]}"
        acknowledged += child.lines

        store = vault.open_with_key(key)
        try:
            assert integrity_problems(store.db) == [], f"after kill {iteration} (seed {seed})"
            problems = check_acknowledged(store.db, acknowledged)
            problems += store_tools.consistency_problems(store.db)
            problems += check_audit(store)
            assert problems == [], f"after kill {iteration} (seed {seed}): {problems[:10]}"
        finally:
            store.close()

    elapsed = time.monotonic() - started
    kinds = Counter(line.split(" ", 1)[0] for line in acknowledged)
    # The kills landed while work was going on, not only at start-up.
    assert during_work >= KILLS * 0.7, during_work
    assert kinds["case"] >= during_work and kinds["person"] > 0 and kinds["case_edit"] > 0 and kinds["note"] > 0, kinds
    print(f"\n{KILLS} kills ({killed_before_ready} during start-up), {dict(kinds)} acknowledged, {elapsed:.1f} s")
