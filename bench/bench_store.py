"""The encrypted store against plain SQLite, on the same schema, data and machine.

1. Bulk insert of N complete demo cases (person, case, risks, consents, notes, referrals,
   services received, follow-up tasks, their outbox field writes and audit entries)
   through ``CaseService.add_prepared`` into SQLCipher,
   against the stdlib ``sqlite3`` writing the very same rows into the same schema
   (same pragmas: WAL, synchronous=FULL, one transaction per 2,000 cases).
2. One case edit (the change, its outbox rows, a chained audit entry, committed with
   fsync) on the N-case store: p50/p95, against a plain ``sqlite3`` one-row update commit.
3. Opening and unlocking the store with the default Argon2id parameters, against the
   Argon2id derivation alone.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from app.demo import generate
from app.domain.user import User
from app.domain.values import Role
from app.services.cases import CaseService
from storage import migrations
from storage.database import connect
from storage.keyfile import DEFAULT_KDF
from storage.vault import Vault

PASSPHRASE = "benchmark passphrase, synthetic data only"
USERNAME = "bench.supervisor"
TABLES = ("meta", "users", "persons", "cases", "risks", "consents", "notes", "referrals", "services", "tasks",
          "outbox", "audit")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(cases: int, edits: int) -> Path:
    """Run the three measurements; returns the N-case store folder (locked), for ``bench_ui``."""
    os.environ.pop("HIMAYA_KDF", None)  # measure the real, tuned KDF
    work = Path(tempfile.mkdtemp(prefix="himaya-bench-"))
    print(f"Himaya store benchmark — {cases:,} cases, {edits} single edits; folder {work}")
    now = datetime.now(timezone.utc).replace(microsecond=0)
    user = User(str(uuid.uuid4()), USERNAME, "Bench", Role.SUPERVISOR, "north", now,
                border_post="TNG-MED")
    vault = Vault(work / "store")
    opened = vault.create(user, PASSPHRASE)
    svc = CaseService(opened.store)

    started = time.perf_counter()
    demo = list(generate(cases, seed=7, users=[user], device_code=opened.store.device_code))
    generation = time.perf_counter() - started
    print(f"  generating {cases:,} demo cases in memory: {generation:.1f} s (not counted below)")

    started = time.perf_counter()
    svc.add_prepared(opened.session, demo, chunk=2000)
    ours = time.perf_counter() - started

    baseline = _plain_sqlite_copy(opened.store.db, work / "plain.db", chunk_rows=2000)
    cipher_only = _plain_sqlite_copy(opened.store.db, work / "cipher.db", chunk_rows=2000, cipher=True)
    counts = {t: opened.store.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    writes = sum(len(json.loads(w)) for (w,) in opened.store.db.execute("SELECT writes FROM outbox"))
    print(f"  rows written: {counts['cases']:,} cases with {sum(counts[t] for t in TABLES[2:-2]) - counts['cases']:,} "
          f"other records, {counts['outbox']:,} outbox changes holding {writes:,} field writes, "
          f"{counts['audit']:,} audit entries")
    print(f"1. bulk insert: Himaya {ours:.2f} s, plain sqlite3 same rows {baseline:.2f} s "
          f"→ ratio {ours / baseline:.2f}× (target ≤ 3×)")
    print(f"   SQLCipher alone, same rows and pragmas (cipher_memory_security ON): {cipher_only:.2f} s "
          f"= {cipher_only / baseline:.2f}× plain; Himaya over SQLCipher alone: {ours / cipher_only:.2f}×")

    # 2. single edits on the full store
    rows = opened.store.db.execute("SELECT id FROM cases ORDER BY random() LIMIT ?", (edits,)).fetchall()
    timings = []
    for i, (case_id,) in enumerate(rows):
        case_file = svc.open_case(opened.session, case_id)
        person = case_file.person
        changed = dataclasses.replace(person, languages=tuple(sorted({*person.languages, "fr" if i % 2 else "en"}))
                                      if person.languages != ("en",) else ("fr",))
        if changed == person:
            changed = dataclasses.replace(person, languages=person.languages + ("wo",))
        t0 = time.perf_counter()
        svc.update_person(opened.session, case_id, changed)
        timings.append((time.perf_counter() - t0) * 1000)
    plain_ms = _plain_sqlite_edit(work / "plain.db", edits)
    print(f"2. one case edit (change + outbox + audit, fsync) on {cases:,} cases: "
          f"p50 {_pct(timings, 0.5):.1f} ms, p95 {_pct(timings, 0.95):.1f} ms (target ≤ 20 ms); "
          f"plain sqlite3 one-row commit p95 {_pct(plain_ms, 0.95):.1f} ms → ratio "
          f"{_pct(timings, 0.95) / max(_pct(plain_ms, 0.95), 1e-6):.1f}×")
    opened.lock()

    # 3. open and unlock with the default KDF
    unlocks = []
    for _ in range(5):
        t0 = time.perf_counter()
        again = vault.unlock(user.username, PASSPHRASE)
        unlocks.append(time.perf_counter() - t0)
        again.lock()
    t0 = time.perf_counter()
    DEFAULT_KDF.derive(PASSPHRASE, os.urandom(16))
    kdf_only = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in (work / "store").glob("himaya.db*"))
    print(f"3. open + unlock ({DEFAULT_KDF.memory_kib // 1024} MiB, {DEFAULT_KDF.iterations} passes, "
          f"{DEFAULT_KDF.lanes} lanes): median {statistics.median(unlocks):.2f} s, max {max(unlocks):.2f} s "
          f"(target ≤ 1 s); Argon2id alone {kdf_only:.2f} s → ratio {statistics.median(unlocks) / kdf_only:.2f}×")
    print(f"  store size: {size / 1e6:.0f} MB for {cases:,} cases")
    return work / "store"


def _plain_sqlite_copy(source, path: Path, chunk_rows: int, cipher: bool = False) -> float:
    """Write the same rows into the same schema with plain sqlite3 (or, with ``cipher``,
    with SQLCipher and Himaya's pragmas but none of its code); returns the seconds."""
    data = {t: source.execute(f"SELECT * FROM {t}").fetchall() for t in TABLES}
    if cipher:
        plain = connect(path, os.urandom(32))
    else:
        plain = sqlite3.connect(path, isolation_level=None)
        plain.execute("PRAGMA journal_mode = WAL")
        plain.execute("PRAGMA synchronous = FULL")
        plain.execute("PRAGMA secure_delete = ON")
    migrations.migrate(plain)  # type: ignore[arg-type]  (same DDL, stdlib driver)
    n_cases = max(1, len(data["cases"]))
    chunks = max(1, n_cases // chunk_rows)
    started = time.perf_counter()
    for c in range(chunks):
        plain.execute("BEGIN IMMEDIATE")
        for table, rows in data.items():
            if not rows:
                continue
            size = -(-len(rows) // chunks)
            part = rows[c * size:(c + 1) * size]
            if part:
                marks = ",".join("?" * len(part[0]))
                plain.executemany(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", part)
        plain.execute("COMMIT")
    elapsed = time.perf_counter() - started
    plain.close()
    return elapsed


def _plain_sqlite_edit(path: Path, edits: int) -> list[float]:
    plain = sqlite3.connect(path, isolation_level=None)
    plain.execute("PRAGMA synchronous = FULL")
    ids = [r[0] for r in plain.execute("SELECT id FROM persons ORDER BY random() LIMIT ?", (edits,))]
    timings = []
    for pid in ids:
        t0 = time.perf_counter()
        plain.execute("BEGIN IMMEDIATE")
        plain.execute("UPDATE persons SET sex = sex WHERE id = ?", (pid,))
        plain.execute("COMMIT")
        timings.append((time.perf_counter() - t0) * 1000)
    plain.close()
    return timings
