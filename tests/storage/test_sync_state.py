"""The device side of sync on real encrypted stores: several stores act as devices, and
writes move between them as the sync client moves them (``pending()`` of one, saved as
envelopes, ``apply()`` on another), without a network."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3

from app.domain.audit import AuditAction
from app.domain.case import Case
from app.domain.checks import new_id
from app.domain.person import Person
from app.domain.user import Session, User
from app.domain.values import CaseState, Role
from app.errors import NotFound, PermissionDenied, ValidationError
from app.merge import Write
from app.ports import CaseQuery
from app.services.cases import CaseService
from app.services.conflicts import ConflictService
from app.services.search import SearchService
from storage import migrations
from storage.database import connect
from storage.sync_state import SyncState
from storage.vault import DB_NAME, OpenStore, Vault


class Device:
    """One store acting as a device: its services and its sync state."""

    def __init__(self, folder: Path, store_tools: Any, username: str, scope: str = "scope-north") -> None:
        self.vault = Vault(folder)
        self.opened: OpenStore = self.vault.create(store_tools.make_user(username, scope=scope),
                                                  store_tools.passphrase)
        self.store = self.opened.store
        self.state = SyncState(self.store)
        self.cases = CaseService(self.store)
        self.session = self.opened.session
        self.id = self.store.device_id
        self.scope = scope
        self.packed: list[tuple[int, str, list[Write]]] = []  # every envelope ever packed (the hub keeps them)

    def pack(self, limit: int = 10_000) -> list[tuple[int, str, list[Write]]]:
        """Pack what is pending as the client does: one envelope per scope, saved at once."""
        outgoing, upto = self.state.pending(limit)
        by_scope: dict[str, list[Write]] = {}
        for item in outgoing:
            if item.scope is not None:
                by_scope.setdefault(item.scope, []).append(item.write)
        seq = self.state.next_envelope_seq()
        envelopes = []
        for offset, (scope, writes) in enumerate(sorted(by_scope.items())):
            envelopes.append((seq + offset, scope, writes))
        self.state.save_envelopes([(s, scope, 1, json.dumps([w.to_json() for w in ws]))
                                   for s, scope, ws in envelopes], upto)
        self.packed += envelopes
        return envelopes

    def send_to(self, *others: "Device") -> None:
        """Each other device gets every envelope of its scope (as the hub's feed gives them;
        those it already applied change nothing)."""
        self.pack()
        for seq, scope, writes in self.packed:
            for other in others:
                if scope == other.scope:
                    other.state.apply(self.id, seq, writes)


def tables(device: Device) -> dict[str, list]:
    """Every row of every table but the audit (which grows with each unlock and view)."""
    db = device.store.db
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'audit'")]
    return {name: db.execute(f"SELECT * FROM {name} ORDER BY 1, 2").fetchall() for name in sorted(names)}


@pytest.fixture
def devices(tmp_path: Path, store_tools):
    made: list[Device] = []

    def make(username: str, scope: str = "scope-north") -> Device:
        device = Device(tmp_path / username, store_tools, username, scope)
        made.append(device)
        return device

    yield make
    for device in made:
        device.opened.lock()


def register(device: Device, **names: Any) -> tuple[Case, Person]:
    person = Person(new_id(), **names)
    return device.cases.register(device.session, person, border_post="TNG-MED"), person


def test_a_case_created_on_one_device_reads_back_equal_on_another(devices) -> None:
    a, b = devices("amina.sup"), devices("badr.sup")
    case, person = register(a, first_name="Grace", second_name="Okafor", first_name_ar="غريس")
    a.cases.add_note(a.session, case.id, "Seen at the port")
    a.send_to(b)

    mine = a.cases.open_case(a.session, case.id, record_view=False)
    theirs = b.cases.open_case(b.session, case.id, record_view=False)
    assert theirs.case == mine.case and theirs.person == mine.person == person
    assert [n.text for n in theirs.notes] == ["Seen at the port"]
    assert [r.id for r in b.cases.list_cases(b.session, CaseQuery())] == [case.id]
    # The rows are what the writing device stored: same data, same dots (as device ids).
    assert b.store.fields_of("case", case.id) == a.store.fields_of("case", case.id)
    assert a.store.db.execute("SELECT count(*) FROM merge_state").fetchone()[0] == 0  # only ever local
    received = [e for e in b.store.audit_entries() if e.event.action == AuditAction.SYNC_RECEIVED]
    assert [(e.event.details["device"], e.event.details["seq"]) for e in received] == [(a.id, 1)]
    # Writes that came from elsewhere are not sent on again by the receiving device.
    assert b.state.pending(1000)[0] == [] or all(o.write.dot[0] == b.id for o in b.state.pending(1000)[0])


def test_the_search_index_finds_a_person_created_on_another_device(devices) -> None:
    a, b = devices("amina.sup"), devices("badr.sup")
    case, _ = register(a, first_name="Youssef", second_name="Benali", first_name_ar="يوسف")
    a.send_to(b)
    search = SearchService(b.store, b.cases)
    assert [m.case_id for m in search.search(b.session, "Youssef Benali")][:1] == [case.id]
    assert [r.id for r in b.cases.list_cases(b.session, CaseQuery(text="يوسف"))] == [case.id]
    assert [r.id for r in b.cases.list_cases(b.session, CaseQuery(sort="name"))] == [case.id]


def test_an_envelope_applied_twice_has_one_effect(devices) -> None:
    a, b = devices("amina.sup"), devices("badr.sup")
    case, _ = register(a, first_name="Amadou")
    a.cases.add_note(a.session, case.id, "First contact")
    (seq, _scope, writes), = a.pack()
    first = b.state.apply(a.id, seq, writes, cursor=7)
    assert first.applied == len(writes) and first.ignored == 0 and first.waiting == 0
    assert b.state.applied(a.id, seq) and b.state.feed_cursor() == 7
    before, audit_before = tables(b), len(b.store.audit_entries())
    again = b.state.apply(a.id, seq, writes, cursor=7)
    assert again == (0, 0, 0, 0)
    assert tables(b) == before and len(b.store.audit_entries()) == audit_before
    # The same writes in another envelope (a resend through a bundle) change nothing either.
    other = b.state.apply(a.id, seq + 1, writes)
    assert other.applied == 0 and other.ignored == len(writes)
    assert {k: v for k, v in tables(b).items() if k != "sync_applied"} == \
        {k: v for k, v in before.items() if k != "sync_applied"}


def test_an_edit_received_before_the_creation_waits_for_it(devices) -> None:
    a, b = devices("amina.sup"), devices("badr.sup")
    case, _ = register(a, first_name="Fatou")
    (created,) = a.pack()
    a.cases.update_case(a.session, case.id, office="Tanger office")
    (edited,) = a.pack()
    early = b.state.apply(a.id, edited[0], edited[2])
    assert early.applied == 1 and early.waiting == 1
    assert b.store.get(Case, case.id) is None and b.cases.count_cases(b.session, CaseQuery()) == 0
    late = b.state.apply(a.id, created[0], created[2])
    assert late.waiting == 0
    assert b.store.get(Case, case.id) == a.store.get(Case, case.id)
    assert b.store.get(Case, case.id).office == "Tanger office"
    assert b.cases.open_case(b.session, case.id, record_view=False).person.first_name == "Fatou"


def test_writes_of_the_device_itself_are_ignored(devices) -> None:
    a, b = devices("amina.sup"), devices("badr.sup")
    register(a, first_name="Mariam")
    (seq, _scope, writes), = a.pack()
    b.state.apply(a.id, seq, writes)
    before = tables(a)
    echoed = a.state.apply(a.id, seq, writes)
    assert echoed.applied == 0 and echoed.ignored == len(writes)
    assert {k: v for k, v in tables(a).items() if k != "sync_applied"} == \
        {k: v for k, v in before.items() if k != "sync_applied"}


def concurrent_office_edits(devices) -> tuple[Device, Device, Case]:
    a, b = devices("amina.sup"), devices("badr.sup")
    case, _ = register(a, first_name="Grace")
    a.send_to(b)
    a.cases.update_case(a.session, case.id, office="Office of Amina")
    b.cases.update_case(b.session, case.id, office="Office of Badr")
    a.send_to(b)
    b.send_to(a)
    return a, b, case


def test_concurrent_edits_of_one_field_are_a_conflict_on_both_devices(devices) -> None:
    a, b, case = concurrent_office_edits(devices)
    for device in (a, b):
        (conflict,) = device.state.conflicts()
        assert (conflict.record_type, conflict.record_id, conflict.field) == ("case", case.id, "hmy_Office")
        assert (conflict.case_id, conflict.case_number, conflict.scope_id) == (case.id, case.case_number,
                                                                               "scope-north")
        written = {(w.value, w.actor, w.dot[0]) for w in conflict.writes}
        assert written == {("Office of Amina", "amina.sup", a.id), ("Office of Badr", "badr.sup", b.id)}
        assert all(w.written_at for w in conflict.writes)
        assert device.state.conflicts({"scope-north"}) == [conflict]
        assert device.state.conflicts({"scope-south"}) == []
    # Both devices hold the same registers (who, when, what each write superseded) ...
    for name in ("hmy_Office", "hmy_BorderPost", "cas_PersonId"):
        mine = a.state.register("case", case.id, name)
        assert mine.live and all(w.actor and w.written_at for w in mine.live), name
        assert mine == b.state.register("case", case.id, name), name
    # ... show the same value meanwhile, and keep both values in the row's dots.
    assert a.store.get(Case, case.id) == b.store.get(Case, case.id)
    assert len(a.store.fields_of("case", case.id)[1]["hmy_Office"]) == 2


def test_a_resolution_on_one_device_clears_the_conflict_on_both(devices) -> None:
    a, b, case = concurrent_office_edits(devices)
    shown = b.store.get(Case, case.id).office
    service = ConflictService(b.state, b.cases)
    (conflict,) = service.list(b.session)
    # The supervisor keeps the value already shown: a write all the same.
    service.resolve(b.session, "case", case.id, "hmy_Office", shown)
    assert b.state.conflicts() == [] and b.state.register("case", case.id, "hmy_Office").dots == (
        (b.id, b.state.register("case", case.id, "hmy_Office").dots[0][1]),)
    entry = [e for e in b.store.audit_entries(record_id=case.id) if e.event.action == AuditAction.CONFLICT_RESOLVED]
    assert sorted(map(tuple, entry[0].event.details["superseded"])) == sorted(w.dot for w in conflict.writes)
    b.send_to(a)
    assert a.state.conflicts() == []
    assert a.store.get(Case, case.id).office == b.store.get(Case, case.id).office == shown
    assert a.store.fields_of("case", case.id) == b.store.fields_of("case", case.id)


def test_a_local_edit_after_a_remote_one_supersedes_it(devices) -> None:
    a, b = devices("amina.sup"), devices("badr.sup")
    case, _ = register(a, first_name="Grace")
    a.send_to(b)
    a.cases.update_case(a.session, case.id, office="First office")
    a.send_to(b)
    assert b.store.get(Case, case.id).office == "First office"
    b.cases.update_case(b.session, case.id, office="Second office")
    outgoing, _ = b.state.pending(100)
    (office,) = [o.write for o in outgoing if o.write.field == "hmy_Office"]
    assert office.actor == "badr.sup" and list(office.supersedes) == a.store.fields_of("case", case.id)[1]["hmy_Office"]
    b.send_to(a)
    for device in (a, b):
        assert device.store.get(Case, case.id).office == "Second office"
        assert device.state.conflicts() == []


def test_a_transferred_case_reaches_the_new_scope_whole(devices) -> None:
    a, south, north = devices("amina.sup"), devices("samir.sup", "scope-south"), devices("nadia.sup")
    case, person = register(a, first_name="Aminata", second_name="Traore")
    note = a.cases.add_note(a.session, case.id, "Wants to join family in Agadir")
    a.send_to(north, south)
    assert south.store.get(Case, case.id) is None  # not its scope
    a.cases.move(a.session, case.id, CaseState.URGENT_PROTECTION, reason="Needs shelter tonight")
    a.cases.update_person(a.session, case.id, dataclasses.replace(person, second_name="Traoré"))
    a.send_to(north)  # this scope's devices get the changes before the transfer
    a.cases.move(a.session, case.id, CaseState.TRANSFERRED, reason="Family found in Agadir", to_scope="scope-south")
    outgoing, _ = a.state.pending(1000)
    assert {o.scope for o in outgoing} == {"scope-north", "scope-south"}
    to_south = {(o.write.record_type, o.write.record_id) for o in outgoing if o.scope == "scope-south"}
    assert {("case", case.id), ("person", person.id), ("note", note.id)} <= to_south
    a.send_to(north, south)
    moved = south.cases.open_case(south.session, case.id, record_view=False)
    assert moved.case == a.store.get(Case, case.id) and moved.case.scope_id == "scope-south"
    assert moved.person.second_name == "Traoré"
    assert {n.text for n in moved.notes} >= {"Wants to join family in Agadir", "Family found in Agadir"}
    # The team it left hears that it left: the case is no longer in its list.
    assert north.store.get(Case, case.id).scope_id == "scope-south"
    assert north.cases.list_cases(north.session, CaseQuery()) == []
    # Every record is the same on both sides, dots included.
    assert south.store.fields_of("person", person.id) == a.store.fields_of("person", person.id)
    assert south.store.fields_of("case", case.id) == a.store.fields_of("case", case.id)


def test_records_of_no_scope_are_not_synced(devices) -> None:
    a = devices("amina.sup")
    outgoing, upto = a.state.pending(1000)
    assert outgoing and {o.scope for o in outgoing} == {None}  # the first user
    assert {o.write.record_type for o in outgoing} == {"user"}
    assert upto == a.store.db.execute("SELECT max(seq) FROM outbox").fetchone()[0]


def test_pending_takes_whole_outbox_rows_and_save_moves_past_them(devices) -> None:
    a = devices("amina.sup")
    register(a, first_name="Amadou")
    register(a, first_name="Binta")
    rows = a.store.db.execute("SELECT seq, writes FROM outbox ORDER BY seq").fetchall()
    outgoing, upto = a.state.pending(1)
    assert upto == rows[0][0] and len(outgoing) == len(json.loads(rows[0][1]))  # one row, whole
    outgoing, upto = a.state.pending(len(json.loads(rows[0][1])) + len(json.loads(rows[1][1])))
    assert upto == rows[1][0] and {o.outbox_seq for o in outgoing} == {rows[0][0], rows[1][0]}
    a.state.save_envelopes([(1, "scope-north", 1, '{"e": 1}'), (2, "scope-north", 1, '{"e": 2}')], upto)
    assert {o.outbox_seq for o in a.state.pending(1000)[0]} == {seq for seq, _ in rows[2:]}
    assert a.state.next_envelope_seq() == 3
    assert a.state.unsent(10) == [(1, '{"e": 1}'), (2, '{"e": 2}')]
    assert a.state.unsent(1) == [(1, '{"e": 1}')]
    a.state.mark_pushed(1)
    assert a.state.unsent(10) == [(2, '{"e": 2}')]
    a.state.mark_pushed(0)  # an older acknowledgement never moves the cursor back
    assert a.state.unsent(10) == [(2, '{"e": 2}')]
    a.state.mark_pushed(2)
    assert a.state.unsent(10) == []
    assert a.state.envelopes_since(2) == [(2, '{"e": 2}')] and len(a.state.envelopes_since(1)) == 2
    # A saved envelope number is never reused: saving it again fails and moves nothing.
    with pytest.raises(sqlcipher3.IntegrityError):
        a.state.save_envelopes([(2, "scope-north", 1, '{"e": 3}')], 10**9)
    assert a.state.envelopes_since(2) == [(2, '{"e": 2}')]


def test_settings_and_keys_stay_in_the_store_and_erase_keys_wipes_them(devices) -> None:
    a = devices("amina.sup")
    assert a.state.config()["hub_url"] == "" and a.state.secret("sign") is None
    a.state.set_config(hub_url="https://hub.example:8443", status="pending")
    a.state.set_secret("sign", b"\x01" * 32)
    a.state.set_secret("exchange", b"\x02" * 32)
    a.state.put_scope_key("scope-north", 1, b"k" * 32)
    a.state.put_scope_key("scope-north", 2, b"K" * 32)
    a.state.put_certificates({"device-b": '{"cert": "b"}'})
    a.state.hold("device-b", 4, '{"env": 4}', "no key for scope-south epoch 1")
    assert a.state.config()["hub_url"] == "https://hub.example:8443" and a.state.config()["status"] == "pending"
    assert a.state.secret("sign") == b"\x01" * 32
    assert a.state.scope_keys() == {("scope-north", 1): b"k" * 32, ("scope-north", 2): b"K" * 32}
    assert a.state.certificates() == {"device-b": '{"cert": "b"}'}
    assert a.state.held() == [("device-b", 4, '{"env": 4}')]
    with pytest.raises(ValueError):
        a.state.put_scope_key("scope-north", 3, b"short")
    a.state.erase_keys()
    assert a.state.secret("sign") is None and a.state.secret("exchange") is None
    assert a.state.scope_keys() == {} and a.state.certificates() == {}
    assert a.state.config()["hub_url"] == "https://hub.example:8443"  # not a secret: kept
    assert any(e.event.action == AuditAction.SYNC_KEYS_ERASED for e in a.store.audit_entries())
    a.state.release("device-b", 4)
    assert a.state.held() == []
    # Nothing of it is in the folder in clear.
    a.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = b"".join(p.read_bytes() for p in a.vault.folder.rglob("*") if p.is_file())
    assert b"hub.example" not in raw and b"\x01" * 32 not in raw and b"K" * 32 not in raw


def test_a_schema_7_store_migrates_to_8_and_keeps_its_data(tmp_path: Path, store_tools) -> None:
    folder = tmp_path / "store"
    old = store_tools.build_v1_store(folder, [{"prs_FirstName": "Youssef", "prs_SecondName": "Benali"}])
    db = connect(folder / DB_NAME, old["data_key"])
    migrations.migrate(db, target=7)
    rows_before = db.execute("SELECT seq, record_type, record_id, written_at, writes FROM outbox").fetchall()
    db.close()
    opened = Vault(folder).unlock(store_tools.username, store_tools.passphrase)
    try:
        db = opened.store.db
        assert migrations.version(db) == 8
        copies = [p.name for p in (folder / "backups").iterdir()]
        assert len(copies) == 1 and copies[0].endswith("before-schema-8-from-7")
        assert db.execute("SELECT seq, record_type, record_id, written_at, writes FROM outbox").fetchall() \
            == rows_before
        assert {r[0] for r in db.execute("SELECT actor FROM outbox")} == {None}
        service = CaseService(opened.store)
        assert [r.id for r in service.list_cases(opened.session, CaseQuery(text="benali"))] == old["case_ids"]
        # The old changes are sent at the first sync, to the case's scope, without an author.
        state = SyncState(opened.store)
        outgoing, _ = state.pending(1000)
        case_writes = [o for o in outgoing if o.write.record_type == "case"]
        assert case_writes and {o.scope for o in case_writes} == {"scope-north"}
        assert {o.write.actor for o in outgoing} == {""}
        # New changes name who made them.
        store_tools.register(opened, first_name="Ibrahim")
        assert db.execute("SELECT actor FROM outbox ORDER BY seq DESC LIMIT 1").fetchone()[0] == store_tools.username
        assert store_tools.consistency_problems(db) == []
    finally:
        opened.lock()


def session_as(device: Device, role: Role, scope: str = "scope-north") -> Session:
    user = User(new_id(), f"user.{role.value[:5]}", "Someone", role, scope, device.session.user.created_at,
                border_post="TNG-MED" if role is Role.BORDER_OFFICER else None)
    return Session(user=user, device_id=device.id)


def test_only_supervisors_of_the_scope_see_and_resolve_conflicts(devices) -> None:
    a, b, case = concurrent_office_edits(devices)
    service = ConflictService(b.state, b.cases)
    for role in (Role.BORDER_OFFICER, Role.SOCIAL_WORKER, Role.SECRETARIAT):
        other = session_as(b, role)
        with pytest.raises(PermissionDenied):
            service.list(other)
        with pytest.raises(PermissionDenied):
            service.resolve(other, "case", case.id, "hmy_Office", "Office of Badr")
    elsewhere = session_as(b, Role.SUPERVISOR, "scope-south")
    assert service.list(elsewhere) == []
    with pytest.raises(NotFound):
        service.resolve(elsewhere, "case", case.id, "hmy_Office", "Office of Badr")
    assert len(b.state.conflicts()) == 1  # nothing was written

    supervisor = session_as(b, Role.SUPERVISOR)
    with pytest.raises(NotFound):  # a field that is not in conflict
        service.resolve(supervisor, "case", case.id, "hmy_BorderPost", "TNG-MED")
    with pytest.raises(ValidationError):  # a value the field cannot hold
        service.resolve(supervisor, "case", case.id, "hmy_Office", "x" * 500)
    with pytest.raises(ValidationError):
        service.resolve(supervisor, "case", case.id, "hmy_Office", 12)
    assert len(service.list(supervisor)) == 1
    # A new value, typed by the supervisor, settles it on every device.
    service.resolve(supervisor, "case", case.id, "hmy_Office", "Tanger office")
    assert service.list(supervisor) == [] and b.store.get(Case, case.id).office == "Tanger office"
    b.send_to(a)
    assert a.state.conflicts() == [] and a.store.get(Case, case.id).office == "Tanger office"


def test_a_person_received_after_its_case_is_listed_and_found_by_name(devices) -> None:
    a, b = devices("amina.sup"), devices("badr.sup")
    case, _ = register(a, first_name="Youssef", second_name="Benali")
    (seq, _scope, writes), = a.pack()
    case_writes = [w for w in writes if w.record_type == "case"]
    person_writes = [w for w in writes if w.record_type == "person"]
    assert b.state.apply(a.id, seq, case_writes).waiting == 0  # a case names its person by id only
    assert b.cases.list_cases(b.session, CaseQuery()) == []  # shown with its person, not before
    assert b.state.apply(a.id, seq + 1, person_writes).waiting == 0
    assert [r.id for r in b.cases.list_cases(b.session, CaseQuery(text="benali"))] == [case.id]
    assert b.store.db.execute("SELECT sort_name FROM cases").fetchone()[0] == "youssef benali"
    search = SearchService(b.store, b.cases)
    assert [m.case_id for m in search.search(b.session, "Youssef Benali")][:1] == [case.id]


def test_three_devices_converge_on_a_conflict_and_its_resolution(devices) -> None:
    a, b, c = devices("amina.sup"), devices("badr.sup"), devices("chama.sup")
    case, _ = register(a, first_name="Grace")
    a.send_to(b, c)
    a.cases.update_case(a.session, case.id, office="Office of Amina")
    b.cases.update_case(b.session, case.id, office="Office of Badr")
    b.send_to(c)  # c hears of b's edit first, a's later
    a.send_to(b, c)
    b.send_to(a)
    assert [len(d.state.conflicts()) for d in (a, b, c)] == [1, 1, 1]
    assert a.store.get(Case, case.id) == b.store.get(Case, case.id) == c.store.get(Case, case.id)
    assert ({w.value for w in c.state.conflicts()[0].writes}
            == {w.value for w in a.state.conflicts()[0].writes} == {"Office of Amina", "Office of Badr"})
    ConflictService(a.state, a.cases).resolve(a.session, "case", case.id, "hmy_Office", "Office of Badr")
    a.send_to(b, c)
    for device in (a, b, c):
        assert device.state.conflicts() == []
        assert device.store.get(Case, case.id).office == "Office of Badr"
    assert a.store.fields_of("case", case.id) == b.store.fields_of("case", case.id) == c.store.fields_of("case", case.id)
    # Only the devices that received writes keep merge state; a's own case had none until then.
    assert b.store.db.execute("SELECT count(*) FROM merge_state").fetchone()[0] >= 2
