"""Convergence over real encrypted stores (SYNC.md, "What must be proved by tests").

The stateful idea of tests/sync/test_merge_properties.py, with three real SQLCipher stores
in place of the pure replicas: supervisors register cases and edit case and person fields
through ``CaseService`` offline; each device packs its outbox with ``SyncState.pending`` /
``save_envelopes``; pushes to an in-memory hub get lost, duplicated or lose their
acknowledgement; pulls deliver any part of the hub in any order, more than once, through
``SyncState.apply``; a supervisor resolves a conflict by writing the field again.

After healing (everyone packs and pushes everything, pulls everything) every store holds
the same data in every synced table, the same field registers, and no write was lost unless
a later write had seen it: the live writes of every field are the writes made to it outside
the causal past of the others (transitive ``supersedes``), computed here from the envelopes.
No hub, no network and no encryption of envelopes: those are proved elsewhere; this is the
store's merge, materialisation and exactly-once apply.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from app.domain.case import Case
from app.domain.checks import new_id
from app.domain.person import Person
from app.domain.user import User
from app.domain.values import Role
from app.merge import Dot, Write
from app.services.cases import CaseService
from storage.merge_state import SYNCED
from storage.sync_state import SyncState
from storage.tables import BY_RECORD_TYPE
from storage.vault import OpenStore, Vault

PASSPHRASE = "cedar harbour lantern 7 violet"
DEVICES = ("A", "B", "C")
OFFICES = ("Tangier", "Nador", "Oujda")
NAMES = ("Aminata", "Fatou", "Grace")
MAX_CASES = 2
SYNCED_TABLES = sorted({BY_RECORD_TYPE[t].name for t in SYNCED})


class Device:
    def __init__(self, folder: Path, label: str) -> None:
        user = User(new_id(), f"{label.lower()}.sup", f"Supervisor {label}", Role.SUPERVISOR, "north",
                    _now())
        self.opened: OpenStore = Vault(folder).create(user, PASSPHRASE)
        self.cases = CaseService(self.opened.store)
        self.state = SyncState(self.opened.store)
        self.id = self.opened.store.device_id

    @property
    def session(self) -> Any:
        return self.opened.session

    def case(self, case_id: str) -> Case | None:
        return self.opened.store.get(Case, case_id)

    def pack(self) -> None:
        while True:
            outgoing, upto = self.state.pending(7)  # small batches: many envelopes
            if not outgoing:
                return
            by_scope: dict[str, list[Write]] = {}
            for item in outgoing:
                if item.scope is not None:
                    by_scope.setdefault(item.scope, []).append(item.write)
            seq = self.state.next_envelope_seq()
            envelopes = []
            for scope, writes in sorted(by_scope.items()):
                envelopes.append((seq, scope, 1, json.dumps([w.to_json() for w in writes])))
                seq += 1
            self.state.save_envelopes(envelopes, upto)

    def table_data(self) -> dict[str, list[tuple[str, Any]]]:
        db = self.opened.store.db
        return {table: [(rid, json.loads(data)) for rid, data in db.execute(f"SELECT id, data FROM {table} ORDER BY id")]
                for table in SYNCED_TABLES}


def _now() -> Any:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).replace(microsecond=0)


def causal_past(writes: list[Write]) -> set[Dot]:
    by_dot = {w.dot: w for w in writes}
    past: set[Dot] = set()
    stack = [d for w in writes for d in w.supersedes]
    while stack:
        dot = stack.pop()
        if dot not in past:
            past.add(dot)
            if dot in by_dot:
                stack.extend(by_dot[dot].supersedes)
    return past


class StoreSync(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="himaya-converge-"))
        self.devices = {label: Device(self.folder / label, label) for label in DEVICES}
        self.hub: list[tuple[str, int, list[Write]]] = []  # (device, seq, writes): append-only
        self.case_ids: list[str] = []
        self.before_heal = 0  # hub envelopes when healing starts (reported as a statistic)

    # --- rules ---------------------------------------------------------------------------
    @initialize(name=st.sampled_from(NAMES))
    def a_case_everyone_has(self, name: str) -> None:
        """A's case reached everyone before the devices went offline (the usual start)."""
        self.register_case("A", name)
        self.heal()

    @precondition(lambda self: len(self.case_ids) < MAX_CASES)
    @rule(label=st.sampled_from(DEVICES), name=st.sampled_from(NAMES))
    def register_case(self, label: str, name: str) -> None:
        device = self.devices[label]
        case = device.cases.register(device.session, Person(new_id(), first_name=name, second_name="Traore"),
                                     border_post="TNG-MED")
        self.case_ids.append(case.id)

    @precondition(lambda self: self.case_ids)
    @rule(label=st.sampled_from(DEVICES), which=st.integers(0, MAX_CASES - 1), office=st.sampled_from(OFFICES))
    def edit_office(self, label: str, which: int, office: str) -> None:
        device = self.devices[label]
        case = device.case(self.case_ids[which % len(self.case_ids)])
        if case is not None:  # this device has the case (it made it or received it)
            device.cases.update_case(device.session, case.id, office=office)
            event(f"office edited on the device that {'made' if case.created_by == device.session.user.id else 'received'} the case")

    @precondition(lambda self: self.case_ids)
    @rule(label=st.sampled_from(DEVICES), which=st.integers(0, MAX_CASES - 1), name=st.sampled_from(NAMES))
    def edit_person(self, label: str, which: int, name: str) -> None:
        device = self.devices[label]
        case = device.case(self.case_ids[which % len(self.case_ids)])
        if case is not None:
            person = device.cases.person_of(case)
            device.cases.update_person(device.session, case.id, dataclasses.replace(person, first_name=name))

    @rule(label=st.sampled_from(DEVICES), fate=st.sampled_from(("delivered", "lost", "ack lost", "duplicated")))
    def push(self, label: str, fate: str) -> None:
        """Pack what is new, then send the next unacknowledged envelopes (as the client does)."""
        device = self.devices[label]
        device.pack()
        batch = device.state.unsent(4)
        if not batch:
            return
        for seq, text in batch:
            writes = [Write.from_json(raw) for raw in json.loads(text)]
            if fate != "lost":
                self.hub.append((device.id, seq, writes))
            if fate == "duplicated":
                self.hub.append((device.id, seq, writes))
        if fate in ("delivered", "duplicated"):
            device.state.mark_pushed(batch[-1][0])

    @precondition(lambda self: self.hub)
    @rule(label=st.sampled_from(DEVICES), data=st.data())
    def pull(self, label: str, data: st.DataObject) -> None:
        order = data.draw(st.permutations(range(len(self.hub))), label="order")
        picks = order[:data.draw(st.integers(0, len(order)), label="how many")]
        picks += data.draw(st.lists(st.sampled_from(order), max_size=3), label="again")
        for index in picks:
            self.deliver(label, index)

    @precondition(lambda self: any(d.state.conflicts() for d in self.devices.values()))
    @rule(data=st.data())
    def resolve(self, data: st.DataObject) -> None:
        seen = [(label, c) for label, d in sorted(self.devices.items()) for c in d.state.conflicts()]
        label, conflict = data.draw(st.sampled_from(seen), label="conflict")
        self.resolve_one(label, conflict, data.draw(st.integers(0, 5), label="choice"))
        event("a conflict resolved before healing")

    def resolve_one(self, label: str, conflict: Any, choice: int) -> None:
        """A supervisor writes the field again: the new write supersedes every live value."""
        device = self.devices[label]
        case = next(c for c in map(device.case, self.case_ids)
                    if c is not None and conflict.record_id in (c.id, c.person_id))
        if conflict.record_type == "case" and conflict.field == "hmy_Office":
            options = [o for o in OFFICES if o != case.office]
            device.cases.update_case(device.session, case.id, office=options[choice % len(options)])
        elif conflict.record_type == "person" and conflict.field == "prs_FirstName":
            person = device.cases.person_of(case)
            options = [n for n in NAMES if n != person.first_name]
            device.cases.update_person(device.session, case.id,
                                       dataclasses.replace(person, first_name=options[choice % len(options)]))
        else:
            raise AssertionError(f"a conflict on a field nobody edited twice: {conflict}")
        assert not any(c.record_id == conflict.record_id and c.field == conflict.field
                       for c in device.state.conflicts()), "a local write resolves the conflict it saw"

    # --- checks ----------------------------------------------------------------------------
    @invariant()
    def applied_envelopes_are_never_applied_twice(self) -> None:
        for device in self.devices.values():
            db = device.opened.store.db
            doubled = db.execute("SELECT device, seq FROM sync_applied GROUP BY device, seq HAVING count(*) > 1")
            assert not doubled.fetchall()

    def deliver(self, label: str, index: int) -> None:
        origin, seq, writes = self.hub[index]
        self.devices[label].state.apply(origin, seq, writes)

    def heal(self) -> None:
        for device in self.devices.values():
            device.pack()
            while batch := device.state.unsent(50):
                self.hub.extend((device.id, seq, [Write.from_json(raw) for raw in json.loads(text)])
                                for seq, text in batch)
                device.state.mark_pushed(batch[-1][0])
        for label in DEVICES:
            for index in range(len(self.hub)):
                self.deliver(label, index)

    def teardown(self) -> None:
        try:
            if self.case_ids:  # else the set-up itself failed
                self.before_heal = len(self.hub)
                self.heal()
                self.check_converged()
                open_conflicts = self.devices["B"].state.conflicts()
                if open_conflicts:  # B's supervisor resolves them all; everyone hears of it
                    for number, conflict in enumerate(open_conflicts):
                        self.resolve_one("B", conflict, number)
                    self.heal()
                    self.check_converged()
                    assert not any(d.state.conflicts() for d in self.devices.values()), "resolved everywhere"
        finally:
            for device in self.devices.values():
                device.opened.lock()
            shutil.rmtree(self.folder, ignore_errors=True)

    def check_converged(self) -> None:
        reference = self.devices["A"].table_data()
        for label in DEVICES[1:]:
            assert self.devices[label].table_data() == reference, f"store {label} holds other records than A"
        # no write lost unless knowingly superseded; the same registers everywhere
        writes_by_field: dict[tuple[str, str, str], dict[Dot, Write]] = {}
        for origin, _seq, writes in self.hub:
            for w in writes:
                writes_by_field.setdefault((w.record_type, w.record_id, w.field), {})[w.dot] = w
        assert writes_by_field, "the devices wrote something"
        for (record_type, record_id, name), writes in sorted(writes_by_field.items()):
            dead = causal_past(list(writes.values()))
            truth = {d: w.value for d, w in writes.items() if d not in dead}
            for label, device in self.devices.items():
                register = device.state.register(record_type, record_id, name)
                shown = {w.dot: w.value for w in register.live}
                assert shown == truth, (f"store {label}, {record_type} {record_id} {name}: live {shown}, "
                                        f"expected {truth} (a write lost or resurrected)")
        conflicts = {label: sorted((c.record_id, c.field) for c in d.state.conflicts())
                     for label, d in self.devices.items()}
        assert conflicts["A"] == conflicts["B"] == conflicts["C"]
        event(f"open conflicts after healing: {len(conflicts['A'])}")
        event(f"hub envelopes before healing: {min(self.before_heal // 3 * 3, 12)}+")


TestStoreConvergence = StoreSync.TestCase
TestStoreConvergence.settings = settings(max_examples=25, stateful_step_count=25, deadline=None,
                                         suppress_health_check=list(HealthCheck))
