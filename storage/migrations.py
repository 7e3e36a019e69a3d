"""Schema versions and ordered migrations.

The schema version is SQLite's ``user_version``. Each migration runs in its own
transaction and moves the store exactly one version up; a copy of the encrypted file is
made before the first one (see ``storage.vault``). A store newer than this code is refused
before anything is written. Migrations are never edited once released: a fix is a new one.
"""

from __future__ import annotations

import json
from typing import Callable

import sqlcipher3

from storage.search_index import rebuild as rebuild_search_index

Migration = Callable[[sqlcipher3.Connection], None]


def _script(db: sqlcipher3.Connection, script: str) -> None:
    """Run DDL statement by statement (``executescript`` would commit the open transaction)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _v1(db: sqlcipher3.Connection) -> None:
    """The first schema: records, outbox of field writes, hash-chained audit.

    Records are stored whole as their field dictionary (``data``: HTCDS names, empty fields
    left out) with ``dots``: per field, the dots of the writes behind its value. A dot of
    this device is stored as its counter alone, another device's as ``[device, counter]``.
    The outbox has one row per record change; ``writes`` lists its field writes as
    ``[field, value, counter, supersedes]`` (the dot is ``(this device, counter)``).
    """
    _script(db, """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE users (
            id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, role TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL, dots TEXT NOT NULL);
        CREATE TABLE persons (
            id TEXT PRIMARY KEY, name_ar TEXT NOT NULL DEFAULT '', name_latin TEXT NOT NULL DEFAULT '',
            sex TEXT, nationality TEXT, data TEXT NOT NULL, dots TEXT NOT NULL);
        CREATE TABLE cases (
            id TEXT PRIMARY KEY, case_number TEXT NOT NULL, person_id TEXT NOT NULL,
            scope_id TEXT NOT NULL, state TEXT NOT NULL, border_post TEXT,
            detected_on TEXT NOT NULL, opened_at TEXT NOT NULL, assigned_to TEXT,
            data TEXT NOT NULL, dots TEXT NOT NULL);
        CREATE TABLE risks (id TEXT PRIMARY KEY, case_id TEXT NOT NULL, at TEXT NOT NULL,
            data TEXT NOT NULL, dots TEXT NOT NULL);
        CREATE TABLE consents (id TEXT PRIMARY KEY, case_id TEXT NOT NULL, at TEXT NOT NULL,
            data TEXT NOT NULL, dots TEXT NOT NULL);
        CREATE TABLE notes (id TEXT PRIMARY KEY, case_id TEXT NOT NULL, at TEXT NOT NULL,
            data TEXT NOT NULL, dots TEXT NOT NULL);
        CREATE INDEX risks_case ON risks(case_id, at);
        CREATE INDEX consents_case ON consents(case_id, at);
        CREATE INDEX notes_case ON notes(case_id, at);
        CREATE INDEX cases_opened ON cases(opened_at);
        CREATE INDEX cases_number ON cases(case_number);
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY, record_type TEXT NOT NULL, record_id TEXT NOT NULL,
            written_at TEXT NOT NULL, writes TEXT NOT NULL);
        CREATE TABLE audit (
            seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor_id TEXT, device_id TEXT NOT NULL,
            action TEXT NOT NULL, record_type TEXT, record_id TEXT, details TEXT NOT NULL,
            prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
        """)


def _v2(db: sqlcipher3.Connection) -> None:
    """Case-list filters and a folded name column for the simple search.

    ``persons.search_text`` holds the names in both scripts, lower-cased, so the case list
    can filter by name without decoding every record; existing persons are backfilled.
    """
    _script(db, """
        ALTER TABLE persons ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
        CREATE INDEX cases_state ON cases(state, opened_at);
        CREATE INDEX cases_post ON cases(border_post, opened_at);
        CREATE INDEX cases_scope ON cases(scope_id, opened_at);
        CREATE INDEX cases_detected ON cases(detected_on);
        CREATE INDEX cases_person ON cases(person_id);
        CREATE INDEX audit_record ON audit(record_id, seq);
        """)
    rows = db.execute("SELECT id, data FROM persons").fetchall()
    db.executemany(
        "UPDATE persons SET search_text = ? WHERE id = ?",
        [(search_text(json.loads(data)), pid) for pid, data in rows],
    )


def _v3(db: sqlcipher3.Connection) -> None:
    """Sorting the case list on 100,000 cases without scanning it.

    ``cases.sort_name`` copies the person's name (Latin first, else Arabic, folded) so the
    list can be ordered by name from an index; every sort key gets a scope-first index, the
    way every list query is filtered.
    """
    _script(db, """
        ALTER TABLE cases ADD COLUMN sort_name TEXT NOT NULL DEFAULT '';
        CREATE INDEX cases_scope_detected ON cases(scope_id, detected_on, id);
        CREATE INDEX cases_scope_number ON cases(scope_id, case_number, id);
        CREATE INDEX cases_scope_state ON cases(scope_id, state, opened_at);
        CREATE INDEX cases_scope_name ON cases(scope_id, sort_name, id);
        CREATE INDEX cases_name ON cases(sort_name, id);
        """)
    db.execute(SORT_NAME_BACKFILL)
    db.execute("ANALYZE")


#: Sets ``cases.sort_name`` from the person of each case (in ``_v3``, and by the store
#: with a ``WHERE`` clause after a case is inserted or its person changes).
SORT_NAME_BACKFILL = (
    "UPDATE cases SET sort_name = coalesce((SELECT lower(coalesce(nullif(p.name_latin, ''), p.name_ar))"
    " FROM persons p WHERE p.id = cases.person_id), '')"
)


def search_text(fields: dict) -> str:
    """The names of a person's field dictionary, folded for a simple substring search."""
    parts = [fields.get(k) for k in ("prs_FirstName", "prs_SecondName", "prs_FirstNameAr", "prs_SecondNameAr")]
    parts += list(fields.get("prs_OtherNames") or [])
    return " ".join(p for p in parts if p).casefold()


def _v4(db: sqlcipher3.Connection) -> None:
    """Screenings: the guided interviews of a case, drafts and completed ones.

    ``status`` is copied out so a case's draft can be found without decoding its records;
    ``at`` is when the screening started, the order the case file lists them in.
    """
    _script(db, """
        CREATE TABLE screenings (id TEXT PRIMARY KEY, case_id TEXT NOT NULL, at TEXT NOT NULL,
            status TEXT NOT NULL, data TEXT NOT NULL, dots TEXT NOT NULL);
        CREATE INDEX screenings_case ON screenings(case_id, at);
        """)


def _v5(db: sqlcipher3.Connection) -> None:
    """Referral and assistance: the service directory, referrals, services received, tasks.

    ``providers`` is the directory the secretariat publishes (seeded with sample entries);
    ``tasks`` copies out the due date, the assignee and whether it is done, so the "today"
    view is one indexed query.
    """
    _script(db, """
        CREATE TABLE providers (id TEXT PRIMARY KEY, name TEXT NOT NULL, region TEXT,
            active INTEGER NOT NULL, data TEXT NOT NULL, dots TEXT NOT NULL);
        CREATE TABLE referrals (id TEXT PRIMARY KEY, case_id TEXT NOT NULL, at TEXT NOT NULL,
            status TEXT NOT NULL, provider_id TEXT, data TEXT NOT NULL, dots TEXT NOT NULL);
        CREATE INDEX referrals_case ON referrals(case_id, at);
        CREATE INDEX referrals_status ON referrals(status, at);
        CREATE TABLE services (id TEXT PRIMARY KEY, case_id TEXT NOT NULL, at TEXT NOT NULL,
            data TEXT NOT NULL, dots TEXT NOT NULL);
        CREATE INDEX services_case ON services(case_id, at);
        CREATE TABLE tasks (id TEXT PRIMARY KEY, case_id TEXT NOT NULL, at TEXT NOT NULL,
            due_on TEXT NOT NULL, assigned_to TEXT, done INTEGER NOT NULL,
            data TEXT NOT NULL, dots TEXT NOT NULL);
        CREATE INDEX tasks_case ON tasks(case_id, at);
        CREATE INDEX tasks_due ON tasks(done, assigned_to, due_on);
        """)


def _v6(db: sqlcipher3.Connection) -> None:
    """Finding people across scripts: the search index, and links between two cases.

    ``search_keys`` holds the lookup keys of every case (``storage.search_index``,
    docs/SEARCH.md): the primary key is the lookup index, ``search_keys_case`` lets the keys
    of one case be replaced. Existing cases are indexed here. ``case_links`` records the
    decisions about possible duplicates: a pair confirmed as different people, a case merged
    into another.
    """
    _script(db, """
        CREATE TABLE search_keys (key TEXT NOT NULL, case_id TEXT NOT NULL,
            PRIMARY KEY (key, case_id)) WITHOUT ROWID;
        CREATE INDEX search_keys_case ON search_keys(case_id);
        CREATE TABLE case_links (id TEXT PRIMARY KEY, case_id TEXT NOT NULL, other_case_id TEXT NOT NULL,
            kind TEXT NOT NULL, at TEXT NOT NULL, data TEXT NOT NULL, dots TEXT NOT NULL);
        CREATE INDEX case_links_case ON case_links(case_id, kind);
        CREATE INDEX case_links_other ON case_links(other_case_id, kind);
        """)
    rebuild_search_index(db)


#: The JSON fields anonymised statistics read (``SqlCipherStore.stats_facts``), as the
#: expressions of the covering indexes of ``_v7``: a query naming exactly these expressions
#: (of the same table) is answered from the index, without reading the records.
STATS_CASE_FIELDS = ("json_extract(data, '$.cas_ClosureReason')", "json_extract(data, '$.hmy_ScreeningOutcome')",
                     "json_extract(data, '$.hmy_DetectingAgency')")
STATS_PERSON_FIELDS = ("json_extract(data, '$.prs_Birthdate')", "json_extract(data, '$.prs_BirthYear')",
                       "json_extract(data, '$.prs_AgeBand')")
STATS_SCREENING_FIELDS = ("json_extract(data, '$.hmy_CompletedAt')", "json_extract(data, '$.hmy_Recommendation')",
                          "json_extract(data, '$.hmy_Answers.exploitation_form')")
STATS_REFERRAL_FIELDS = ("json_extract(data, '$.hmy_ServicesAsked')",)


def _v7(db: sqlcipher3.Connection) -> None:
    """Anonymised statistics over 100,000 cases in a few seconds: covering indexes.

    Statistics read a handful of facts of every case, its person, its completed screenings
    and its referrals. Read from the tables, that decrypts every page of the four of them
    (about 350 MB for 100,000 cases, with the records' JSON and dots) and takes longer than
    the 5 s allowed; each index below holds only the columns and JSON fields statistics use
    (``STATS_*_FIELDS``), so the store answers from the indexes (a few tens of MB). The case
    index starts with the columns the case list filters on, so a supervisor's scope and a
    period are searched, not scanned. Each write to these tables computes the few fields
    once more (tens of microseconds).
    """
    _script(db, f"""
        CREATE INDEX cases_stats ON cases(scope_id, detected_on, state, border_post, assigned_to, id, person_id,
            {", ".join(STATS_CASE_FIELDS)});
        CREATE INDEX persons_stats ON persons(id, sex, nationality, {", ".join(STATS_PERSON_FIELDS)});
        CREATE INDEX screenings_stats ON screenings(status, case_id, {", ".join(STATS_SCREENING_FIELDS)});
        CREATE INDEX referrals_stats ON referrals(status, case_id, {", ".join(STATS_REFERRAL_FIELDS)});
        """)


def _v8(db: sqlcipher3.Connection) -> None:
    """Sync between devices (docs: SYNC.md): the device's side of it, all inside the store.

    ``outbox.actor`` names who made each change (the username of the transaction's first
    audit event), so a conflict can say who wrote each value; ``outbox.left_scope`` is the
    scope a case left in that change (a transfer), so the team it left hears of it;
    ``outbox.relay_scope`` marks a row of other devices' writes the secretariat forwards to
    the scope their case belongs to now, and ``case_scope_history`` the scopes a case was
    in before a transfer received (``storage.sync_scope``).
    ``merge_state`` keeps the field registers (``app.merge``) of the records that ever
    received a write from another device; ``conflicts`` lists their fields with more than
    one live write. Sync configuration, the device's private keys, the scope content keys
    and the certificates of other devices never leave the encrypted store. Envelopes are
    kept once packed (``sync_envelopes``: resent until acknowledged, and bundled); the
    envelopes of other devices applied (``sync_applied``) or waiting for a key
    (``sync_held``) make receiving idempotent. ``sync_cursors`` holds the outbox row packed
    up to, the envelope pushed up to and the hub's feed position (and the audit entry packed
    up to). ``remote_audit`` keeps, on the secretariat's device, the audit entries other
    devices sent (each entry's JSON, as chained on its device).
    """
    _script(db, """
        ALTER TABLE outbox ADD COLUMN actor TEXT;
        ALTER TABLE outbox ADD COLUMN left_scope TEXT;
        ALTER TABLE outbox ADD COLUMN relay_scope TEXT;
        CREATE TABLE case_scope_history (case_id TEXT NOT NULL, scope TEXT NOT NULL,
            PRIMARY KEY (case_id, scope)) WITHOUT ROWID;
        CREATE TABLE sync_config (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE sync_secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
        CREATE TABLE sync_scope_keys (scope TEXT NOT NULL, epoch INTEGER NOT NULL, key BLOB NOT NULL,
            PRIMARY KEY (scope, epoch)) WITHOUT ROWID;
        CREATE TABLE sync_certificates (device TEXT PRIMARY KEY, certificate TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE sync_cursors (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE sync_envelopes (seq INTEGER PRIMARY KEY, scope TEXT NOT NULL, epoch INTEGER NOT NULL,
            envelope TEXT NOT NULL);
        CREATE TABLE sync_applied (device TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL,
            PRIMARY KEY (device, seq)) WITHOUT ROWID;
        CREATE TABLE sync_held (device TEXT NOT NULL, seq INTEGER NOT NULL, envelope TEXT NOT NULL,
            reason TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (device, seq)) WITHOUT ROWID;
        CREATE TABLE merge_state (record_type TEXT NOT NULL, record_id TEXT NOT NULL, registers TEXT NOT NULL,
            PRIMARY KEY (record_type, record_id)) WITHOUT ROWID;
        CREATE TABLE conflicts (record_type TEXT NOT NULL, record_id TEXT NOT NULL, field TEXT NOT NULL,
            case_id TEXT, scope_id TEXT, PRIMARY KEY (record_type, record_id, field)) WITHOUT ROWID;
        CREATE INDEX conflicts_scope ON conflicts(scope_id, case_id);
        CREATE TABLE remote_audit (device TEXT NOT NULL, seq INTEGER NOT NULL, entry TEXT NOT NULL,
            PRIMARY KEY (device, seq)) WITHOUT ROWID;
        """)


MIGRATIONS: tuple[Migration, ...] = (_v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8)
CURRENT = len(MIGRATIONS)


def version(db: sqlcipher3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlcipher3.Connection, target: int = CURRENT) -> list[int]:
    """Apply each missing migration up to ``target``, one transaction each; returns those run."""
    done = []
    current = version(db)
    for number in range(current + 1, target + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[number - 1](db)
            db.execute(f"PRAGMA user_version = {number}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        done.append(number)
    return done
