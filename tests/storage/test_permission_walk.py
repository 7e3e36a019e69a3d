"""The role × action matrix walked through the real services, on a real encrypted store.

``tests/unit/test_permission_matrix.py`` checks ``app.permissions.MATRIX`` against
SECURITY.md; this module checks that the services obey it. For every ``Action`` one small
use case (``WALKS``) is tried by each role: what the matrix allows succeeds and writes,
what it refuses raises ``PermissionDenied`` and leaves every table exactly as it was. The
expected outcome is read from ``MATRIX`` and ``VISIBILITY``, never written down twice,
and an action added to the enum without a walk here fails ``test_every_action_is_walked``.

One store serves the whole module (each walk prepares its own cases), with one user of
each role; the command-line walk is ``tests/cli/test_permission_walk_cli.py``.
"""

from __future__ import annotations

import itertools
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from app.domain.case import Case
from app.domain.checks import new_id
from app.domain.person import Person
from app.domain.referral import ServiceCategory, Urgency
from app.domain.user import Session, User
from app.domain.values import CaseState, ClosureReason, ConsentDecision, ConsentKind, RiskStage, Role
from app.errors import NotFound, PermissionDenied, TransitionRefused
from app.merge import Write
from app.permissions import MATRIX, VISIBILITY, Action, Visibility, allowed
from app.ports import CaseQuery
from app.resources import load_json
from app.services.referrals import ReferralDraft
from storage.sync_state import SyncState
from storage.vault import Vault
from sync.service import SyncService
from ui.composition import Services, services_for

PASSPHRASE = "cedar harbour lantern 7 violet"
NEW_USER_PASSPHRASE = "quiet harbour gulls over the medina 42"
SCOPE, OTHER_SCOPE, POST, OTHER_POST = "north", "south", "TNG-MED", "NDR-PORT"
REASON = "Asked for by the prosecutor of Tangier, file 2026/114"
ROLES = list(Role)


@dataclass
class World:
    services: Services
    sessions: dict[Role, Session]
    elsewhere: Session  # a supervisor of the other scope
    remote_seq: Iterator[int]

    @property
    def store(self) -> Any:
        return self.services.opened.store

    @property
    def supervisor(self) -> Session:
        return self.sessions[Role.SUPERVISOR]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    # The secretariat opens the store: it is the only role that may add users of every role.
    first = User(new_id(), "hq.sec", "Secretariat", Role.SECRETARIAT, "national", now)
    opened = Vault(tmp_path_factory.mktemp("walk") / "store").create(first, PASSPHRASE)
    services = services_for(opened)
    try:
        users = services.users
        sessions = {Role.SECRETARIAT: opened.session}
        for name, role, scope, post in (("sara.sup", Role.SUPERVISOR, SCOPE, None),
                                        ("youssef.sw", Role.SOCIAL_WORKER, SCOPE, None),
                                        ("karim.bo", Role.BORDER_OFFICER, SCOPE, POST),
                                        ("samir.sup", Role.SUPERVISOR, OTHER_SCOPE, None)):
            user = users.add_user(opened.session, username=name, display_name=name, role=role,
                                  passphrase=PASSPHRASE, scope_id=scope, border_post=post)
            session = Session(user=user, device_id=opened.session.device_id)
            if scope == SCOPE:
                sessions[role] = session
            else:
                elsewhere = session
        yield World(services, sessions, elsewhere, itertools.count(1))
    finally:
        opened.lock()


def tables(world: World) -> dict[str, list[tuple]]:
    """Every row of every table, audit and outbox included."""
    db = world.store.db
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {name: sorted(db.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr) for name in sorted(names)}


# --- what each walk prepares (as the supervisor of the scope) ------------------------------------------

def person() -> Person:
    return Person(new_id(), first_name="Grace", second_name="Okafor", birth_year=1994)


def new_case(world: World, *, by: Session | None = None, post: str = POST, office: str | None = None) -> Case:
    return world.services.cases.register(by or world.supervisor, person(), border_post=post, office=office)


def referred_case(world: World) -> Case:
    """A case the supervisor referred urgently (detected, urgent protection, referred)."""
    return _urgent_referral(world, world.supervisor, consented_case(world)).case


def conflicted_case(world: World) -> Case:
    """A case whose office this device and another one changed without seeing each other."""
    case = new_case(world, office="Office of Tangier port")
    remote = "remote-device-walk"
    seq = next(world.remote_seq)
    SyncState(world.store).apply(remote, seq, [Write("case", case.id, "hmy_Office", "Office of Fnideq",
                                                     (remote, seq), (), "2026-03-01T09:00:00+00:00", "badr")])
    assert [c.record_id for c in SyncState(world.store).conflicts() if c.record_id == case.id] == [case.id]
    return case


def provider_id(world: World) -> str:
    return world.services.referrals.providers(world.supervisor, category=ServiceCategory.EMERGENCY_PROTECTION)[0] \
        .provider.id


# --- the walks: one use case per action ---------------------------------------------------------------

@dataclass(frozen=True)
class Walk:
    prepare: Callable[[World], Any]
    attempt: Callable[[World, Session, Any], Any]
    #: What a refusal raises (``move`` reports a role that may not make a step with every other reason).
    refusal: type[Exception] = PermissionDenied


def _create(w: World, s: Session, _: Any) -> Any:
    return w.services.cases.register(s, person(), border_post=s.user.border_post or POST)


def _screen(w: World, s: Session, case: Case) -> Any:
    return w.services.screenings.start(s, case.id, "border-short")


def _risk_and_consent(w: World, s: Session, case: Case) -> Any:
    w.services.cases.record_risk(s, case.id, RiskStage.SCREENING, immediate_danger=False)
    return w.services.cases.record_consent(s, case.id, ConsentKind.SCREENING, ConsentDecision.GIVEN)


def consented_case(world: World) -> tuple[Case, str]:
    """A new case whose person agreed to be referred to an emergency provider (so a refused
    urgent referral is refused on the urgency, not on recording consent)."""
    case, provider = new_case(world), provider_id(world)
    world.services.cases.record_consent(world.supervisor, case.id, ConsentKind.REFERRAL, ConsentDecision.GIVEN,
                                        provider=provider)
    return case, provider


def _urgent_referral(w: World, s: Session, ctx: tuple[Case, str]) -> Any:
    case, provider = ctx
    draft = ReferralDraft(provider_id=provider, categories=(ServiceCategory.EMERGENCY_PROTECTION,),
                          urgency=Urgency.IMMEDIATE, risk_summary="The controller waits outside the port office")
    made = w.services.referrals.refer(s, case.id, draft)
    assert made.case.state is CaseState.REFERRED
    return made


def _case_work(w: World, s: Session, case: Case) -> Any:
    today = datetime.now(timezone.utc).date()
    w.services.cases.add_note(s, case.id, "Met again at the shelter; feels safer.")
    w.services.referrals.add_task(s, case.id, "Call the shelter", today + timedelta(days=3))
    return w.services.referrals.record_service(s, case.id, ServiceCategory.HEALTH, "Hôpital Mohammed V", today)


def _view(w: World, s: Session, case: Case) -> Any:
    return w.services.cases.open_case(s, case.id)  # audited: a view is a write


def _resolve(w: World, s: Session, case: Case) -> Any:
    w.services.conflicts.resolve(s, "case", case.id, "hmy_Office", "Office of Fnideq")
    assert not [c for c in SyncState(w.store).conflicts() if c.record_id == case.id]


def _close(w: World, s: Session, case: Case) -> Any:
    return w.services.cases.move(s, case.id, CaseState.CLOSED, closure_reason=ClosureReason.DECLINED_ASSISTANCE)


def _export_pdf(w: World, s: Session, case: Case) -> Any:
    pdf = w.services.exports.case_summary(s, case.id, reason=REASON, language="en")
    assert pdf.startswith(b"%PDF")


def _statistics(w: World, s: Session, _: Any) -> Any:
    table = w.services.statistics.compute(s)
    return w.services.statistics.export_csv(s, table, reason="Quarterly figures for the national commission")


def _manage_users(w: World, s: Session, _: Any) -> Any:
    return w.services.users.add_user(s, username=f"new.{new_id()[:8]}", display_name="New worker",
                                     role=Role.SOCIAL_WORKER, passphrase=NEW_USER_PASSPHRASE)


def _publish(w: World, s: Session, _: Any) -> Any:
    data = load_json("services/directory.json")
    data["providers"][0]["name_fr"] += " (mis à jour)"
    return w.services.referrals.import_directory(s, data)


def _merge(w: World, s: Session, pair: tuple[Case, Case]) -> Any:
    keep, merged = pair
    return w.services.search.merge(s, keep.id, merged.id, "Same passport number on both files")


WALKS: dict[Action, Walk] = {
    Action.CREATE_CASE: Walk(lambda w: None, _create),
    Action.RUN_SCREENING: Walk(new_case, _screen),
    Action.RECORD_RISK_CONSENT: Walk(new_case, _risk_and_consent),
    Action.URGENT_REFERRAL: Walk(consented_case, _urgent_referral),
    Action.CASE_WORK: Walk(new_case, _case_work),
    Action.VIEW_CASES: Walk(new_case, _view),
    Action.RESOLVE_CONFLICTS: Walk(conflicted_case, _resolve),
    Action.APPROVE_CLOSURE: Walk(referred_case, _close, TransitionRefused),
    Action.EXPORT_CASE_PDF: Walk(new_case, _export_pdf),
    Action.EXPORT_STATISTICS: Walk(lambda w: None, _statistics),
    Action.MANAGE_USERS: Walk(lambda w: None, _manage_users),
    Action.PUBLISH_AND_ENROL: Walk(lambda w: None, _publish),
    Action.MERGE_CASES: Walk(lambda w: (new_case(w), new_case(w)), _merge),
}

CELLS = [(action, role) for action in Action for role in ROLES]


def test_every_action_is_walked():
    assert set(WALKS) == set(Action) == set(MATRIX)


@pytest.mark.parametrize("action,role", CELLS, ids=[f"{a.value}-{r.value}" for a, r in CELLS])
def test_each_role_may_do_exactly_what_the_matrix_allows(world: World, action: Action, role: Role):
    walk = WALKS[action]
    context = walk.prepare(world)
    before = tables(world)
    if allowed(role, action):
        walk.attempt(world, world.sessions[role], context)
        assert tables(world) != before, "an allowed action that wrote nothing did not happen"
        return
    with pytest.raises(walk.refusal) as refused:
        walk.attempt(world, world.sessions[role], context)
    if isinstance(refused.value, TransitionRefused):
        assert refused.value.reasons == ("your role may not do this step",)
    assert tables(world) == before, "a refused action wrote something"


# --- whose cases a role sees ------------------------------------------------------------------------

PLACES = {  # where a case was opened: (scope, post)
    "own post": (SCOPE, POST),
    "own scope, other post": (SCOPE, OTHER_POST),
    "other scope": (OTHER_SCOPE, POST),
}


def sees(role: Role, user: User, scope: str, post: str) -> bool:
    visibility = VISIBILITY[role]
    if visibility is Visibility.ALL_SCOPES:
        return True
    return scope == user.scope_id and (visibility is Visibility.OWN_SCOPE or post == user.border_post)


SCOPE_CELLS = [(place, role) for place in PLACES for role in ROLES]


@pytest.mark.parametrize("place,role", SCOPE_CELLS, ids=[f"{p}-{r.value}" for p, r in SCOPE_CELLS])
def test_each_role_sees_the_cases_of_its_scope_and_no_other(world: World, place: str, role: Role):
    scope, post = PLACES[place]
    case = new_case(world, by=world.supervisor if scope == SCOPE else world.elsewhere, post=post)
    session = world.sessions[role]
    listed = {row.id for row in world.services.cases.list_cases(session, CaseQuery(text=case.case_number))}
    before = tables(world)
    if sees(role, session.user, scope, post):
        assert case.id in listed
        assert world.services.cases.open_case(session, case.id).case.id == case.id
        return
    assert case.id not in listed
    with pytest.raises(NotFound):  # another scope's case is not told to exist
        world.services.cases.open_case(session, case.id)
    if allowed(role, Action.CASE_WORK):
        with pytest.raises(NotFound):
            world.services.cases.add_note(session, case.id, "A note on a case out of sight")
    assert tables(world) == before


# --- the sync facade: the role is checked before anything reaches the network ---------------------

FACADE: dict[str, tuple[Action, Callable[[SyncService], Any]]] = {
    "enrol": (Action.MANAGE_USERS, lambda s: s.enrol("https://127.0.0.1:9", "0" * 64, "ABCD-EFGH", "laptop")),
    "create_realm": (Action.PUBLISH_AND_ENROL, lambda s: s.create_realm("https://127.0.0.1:9", "0" * 64, "ADMIN")),
    "invite": (Action.PUBLISH_AND_ENROL, lambda s: s.invite("laptop 7", ["north"])),
    "devices": (Action.PUBLISH_AND_ENROL, lambda s: s.devices()),
    "approve": (Action.PUBLISH_AND_ENROL, lambda s: s.approve("device-1")),
    "revoke": (Action.PUBLISH_AND_ENROL, lambda s: s.revoke("device-1")),
    "publish": (Action.PUBLISH_AND_ENROL,
                lambda s: s.publish("directory", Path("resources/services/directory.json").read_bytes())),
}
FACADE_CELLS = [(name, role) for name in FACADE for role in ROLES]


@pytest.mark.parametrize("name,role", FACADE_CELLS, ids=[f"{n}-{r.value}" for n, r in FACADE_CELLS])
def test_the_sync_facade_checks_the_role_before_any_network_call(world: World, monkeypatch: pytest.MonkeyPatch,
                                                                  name: str, role: Role):
    action, call = FACADE[name]
    reached: list[str] = []

    def no_network(*_args: Any, **_kwargs: Any) -> Any:
        reached.append("network")
        raise OSError("no network in this test")

    def transport(_state: Any) -> Any:
        reached.append("transport")
        raise OSError("no hub in this test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    facade = SyncService(SyncState(world.store), world.sessions[role], transport_factory=transport)
    before = tables(world)
    if allowed(role, action):
        try:
            call(facade)  # no hub here: it fails further on, but not on the role
        except PermissionDenied:  # pragma: no cover - the failure this test is for
            pytest.fail(f"{role.value} may {action.value} but {name} refused it")
        except Exception:  # noqa: BLE001 - any other failure: the role check was passed
            pass
        return
    with pytest.raises(PermissionDenied):
        call(facade)
    assert reached == []
    assert tables(world) == before
