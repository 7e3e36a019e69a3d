"""The hub is blind: names pushed inside envelopes appear nowhere in its database, files or log."""

from __future__ import annotations

from pathlib import Path

from hubkit import approved_device, create_realm
from sqlalchemy import MetaData, select

from app.merge import Write
from sync.hub import db
from sync.protocol import open_envelope, parse_envelope

CANARIES = ["سلمى بنت عبد الله المرابطي", "Fatima-Zahra Oukacha-CANARY", "Rachid Canarybird", "0661234999"]


def _canary_writes(device, index):
    return [Write("person", f"person-{index}", "full_name", CANARIES[0] + f" {index}", (device.id, 3 * index + 1)),
            Write("person", f"person-{index}", "alias", CANARIES[1], (device.id, 3 * index + 2)),
            Write("note", f"note-{index}", "text", f"{CANARIES[2]} said call {CANARIES[3]}",
                  (device.id, 3 * index + 3))]


def _every_stored_text(database: str) -> list[str]:
    engine = db.make_engine(database)
    tables = MetaData()
    tables.reflect(engine)
    assert {"envelopes", "devices", "invites", "scope_keys"} <= set(tables.tables)
    texts = []
    with engine.connect() as conn:
        for table in tables.sorted_tables:
            for row in conn.execute(select(table)):
                texts += [str(value) for value in row]
    engine.dispose()
    return texts


def test_no_case_content_reaches_the_hub(hub):
    realm, secretariat = create_realm(hub)
    device = approved_device(hub, realm, secretariat, ["blind-a"])
    envelopes = [realm.seal(device, "blind-a", _canary_writes(device, i)) for i in range(5)]
    assert device.push(envelopes).json()["stored"] == 5

    received, _ = secretariat.pull_all()  # the canaries did travel, sealed
    opened = open_envelope(parse_envelope(received[0]["envelope"]), realm.content_key("blind-a"))
    assert opened[0].value.startswith(CANARIES[0]) and opened[1].value == CANARIES[1]

    texts = _every_stored_text(hub.database)
    assert any(device.id in text for text in texts)  # the scan does read the tables
    for canary in CANARIES:
        assert not [text for text in texts if canary in text], canary

    files = [p for p in Path(hub.data).rglob("*") if p.is_file()]
    if hub.backend == "sqlite":
        assert any(p.name.startswith("hub.db") for p in files)
    for path in files:  # database file and its WAL, certificates, the server's log
        raw = path.read_bytes()
        for canary in CANARIES:
            assert canary.encode("utf-8") not in raw, (path.name, canary)
