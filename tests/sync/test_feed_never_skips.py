"""The feed never skips, even with two hub processes over one PostgreSQL database.

A device reads ``hub_seq > cursor`` and moves its cursor to the last number it got. If a
number could become visible after a higher one was read, that envelope would be lost for
that device for ever. The first two tests show the trap with a plain sequence and how the
hub's counter row closes it; the last one runs the real thing: ten devices in three scopes
push concurrently through two ``serve`` processes while other devices page through the
feed, and every reader must end with every envelope of its scopes exactly once.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from hubkit import HubServer, RunningHub, approved_device, create_realm, init_hub, postgres_database, writes_for

from sync.hub import db
from sync.hub.db import sqlite_url

SCOPES = ["north", "south", "east"]
WRITERS, ENVELOPES_EACH, PAGE = 10, 30, 7


def _psycopg(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=False)


def test_a_plain_sequence_would_skip():
    """Why the hub does not number envelopes with a sequence: commit order is not number order."""
    with postgres_database() as url:
        first, second, reader = _psycopg(url), _psycopg(url), _psycopg(url)
        with first, second, reader:
            first.execute("CREATE TABLE feed (n BIGSERIAL PRIMARY KEY, body TEXT)")
            first.commit()
            assert first.execute("INSERT INTO feed (body) VALUES ('slow') RETURNING n").fetchone() == (1,)
            assert second.execute("INSERT INTO feed (body) VALUES ('fast') RETURNING n").fetchone() == (2,)
            second.commit()
            seen = reader.execute("SELECT n FROM feed WHERE n > 0 ORDER BY n").fetchall()
            reader.commit()
            assert seen == [(2,)]  # the reader's cursor moves to 2 ...
            first.commit()
            later = reader.execute("SELECT n FROM feed WHERE n > 2 ORDER BY n").fetchall()
            assert later == []  # ... and envelope 1, committed now, is never read: skipped
            reader.commit()


def test_the_counter_row_makes_the_next_ingest_wait():
    """The hub's way: the second transaction cannot take a number until the first commits."""
    import psycopg

    with postgres_database() as url:
        engine = db.make_engine(url)
        db.migrate(engine)
        engine.dispose()
        first, second = _psycopg(url), _psycopg(url)
        with first, second:
            bump = "UPDATE hub_counter SET value = value + 1 WHERE id = 1 RETURNING value"
            assert first.execute(bump).fetchone() == (1,)
            second.execute("SET lock_timeout = '300ms'")
            with pytest.raises(psycopg.errors.LockNotAvailable):
                second.execute(bump)
            second.rollback()
            first.commit()
            assert second.execute(bump).fetchone() == (2,)
            second.commit()


@pytest.fixture(params=["postgresql", "sqlite"])
def two_processes(request, tmp_path):
    """Two ``serve`` processes over one database (PostgreSQL; also one SQLite file, as a bonus)."""
    with contextlib.ExitStack() as stack:
        database = stack.enter_context(postgres_database()) if request.param == "postgresql" else None
        data = tmp_path / "hub"
        info = init_hub(data, database)
        first = HubServer(data, database).start()
        stack.callback(first.stop)
        second = HubServer(data, database).start()
        stack.callback(second.stop)
        yield RunningHub(url=first.url, ca_pem=first.ca_pem, pin=info["pin"], admin_code=info["admin_code"],
                         data=data, database=database or sqlite_url(data), backend=request.param,
                         server=first), second


def _write(realm, device, envelopes, other_url, index):
    clients = [device.client, device.client_for(other_url)]
    chance = random.Random(index)
    done, turn = 0, index
    while done < len(envelopes):
        batch = envelopes[done:done + chance.randint(1, 3)]
        answer = device.push_via(batch, clients[turn % 2])
        turn += 1
        if answer.status_code == 503:  # busy: the same batch again
            continue
        assert answer.status_code == 200, answer.text
        assert answer.json()["stored"] == len(batch)
        if chance.random() < 0.15:  # an answer "lost": the client sends the batch again
            again = device.push_via(batch, clients[turn % 2])
            assert again.json() == {"stored": 0, "duplicates": len(batch), "next_seq": batch[-1].seq + 1}
        done += len(batch)
    clients[1].close()


def _read(device, other_url, writers_done: threading.Event, index):
    clients = [device.client, device.client_for(other_url)]
    received, early, cursor, turn = [], 0, 0, index
    while True:
        finished = writers_done.is_set()  # decided before the request: a last page after every push
        answer = device.get(f"/v1/feed?since={cursor}&limit={PAGE}", via=clients[turn % 2])
        turn += 1
        assert answer.status_code == 200, answer.text
        page = answer.json()
        for item in page["envelopes"]:
            received.append((item["hub_seq"], item["envelope"]["device"], item["envelope"]["seq"]))
        if not finished:
            early += len(page["envelopes"])
        cursor = page["next"]
        if finished and not page["more"]:
            break
        if not page["envelopes"]:
            time.sleep(0.005)
    clients[1].close()
    return received, early


def test_every_device_gets_every_envelope_of_its_scopes_exactly_once(two_processes):
    hub, other = two_processes
    realm, secretariat = create_realm(hub)
    writers = [approved_device(hub, realm, secretariat, [SCOPES[i % 3]], name=f"writer-{i}") for i in range(WRITERS)]
    readers = [approved_device(hub, realm, secretariat, scopes, name="reader")
               for scopes in (["north"], ["south", "east"], SCOPES)] + [secretariat]
    planned = {w.id: [realm.seal(w, w.certificate.scopes[0], writes_for(w, 1, f"{w.id}:{k}"))
                      for k in range(ENVELOPES_EACH)] for w in writers}
    scope_of = {w.id: w.certificate.scopes[0] for w in writers}

    writers_done = threading.Event()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(writers) + len(readers)) as pool:
        reading = [pool.submit(_read, r, other.url, writers_done, i) for i, r in enumerate(readers)]
        writing = [pool.submit(_write, realm, w, planned[w.id], other.url, i) for i, w in enumerate(writers)]
        for future in writing:
            future.result(timeout=120)
        writers_done.set()
        results = [future.result(timeout=120) for future in reading]
    assert time.monotonic() - started < 60

    total = WRITERS * ENVELOPES_EACH
    early = sum(count for _, count in results)
    assert early > 0, "the readers must have paged while the writers were pushing"
    for reader, (received, _) in zip(readers, results):
        scopes = reader.certificate.scopes if reader.certificate else ()
        expected = {(w, seq) for w, envelopes in planned.items() for seq in range(1, len(envelopes) + 1)
                    if "*" in scopes or scope_of[w] in scopes}
        hub_seqs = [hub_seq for hub_seq, _, _ in received]
        assert hub_seqs == sorted(set(hub_seqs)), "a duplicate or out of order hub_seq"
        got = [(device, seq) for _, device, seq in received]
        assert len(got) == len(set(got)), "an envelope received twice"
        assert set(got) == expected, f"{len(expected - set(got))} envelopes skipped"
    everything = results[-1][0]
    assert [hub_seq for hub_seq, _, _ in everything] == list(range(1, total + 1))
