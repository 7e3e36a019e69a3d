"""The role × action matrix walked through ``himaya-cli``, one command per action it offers.

The same walk as ``tests/storage/test_permission_walk.py``, as a user meets it: each role
unlocks with its own passphrase and runs the command; what ``app.permissions.MATRIX``
allows exits 0, what it refuses exits 1 with one line naming the role and the action (the
``PermissionDenied`` message, rendered here from the same labels) and writes no file.
Commands run in this process (the ``cli`` fixture). Every case a command needs is made
beforehand, in one unlock, through the services.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from clikit import Result
from app.domain.person import Person
from app.domain.referral import ServiceCategory, Urgency
from app.domain.user import User
from app.domain.values import ROLE_LABELS, ConsentDecision, ConsentKind, Role
from app.errors import NotFound, PermissionDenied
from app.permissions import ACTION_LABELS, VISIBILITY, Action, Visibility, allowed
from app.ports import CaseQuery
from app.resources import load_json
from app.services.referrals import ReferralDraft
from i18n import gettext_for
from storage.vault import Vault
from ui.composition import Services, services_for

ROLES = list(Role)
SCOPE, OTHER_SCOPE, POST, OTHER_POST = "north", "south", "TNG-MED", "NDR-PORT"
USERS = {  # role: (user name, passphrase); the secretariat opened the store
    Role.SECRETARIAT: ("hq.sec", "olive press by the atlas road 1961"),
    Role.SUPERVISOR: ("salma", "cedar lantern orbit quietly 1984"),
    Role.SOCIAL_WORKER: ("youssef", "mint tea on the terrace at noon 7"),
    Role.BORDER_OFFICER: ("karim", "ferry lights over tangier med 24"),
}
ELSEWHERE = ("samir", "desert wind over the oasis gate 88")  # a supervisor of the other scope
REASON = "Asked for by the prosecutor of Tangier, file 2026/114"
ENGLISH = gettext_for("en")

#: Actions the command line does not offer (the desktop app does; the service walk covers them).
NOT_IN_CLI = {Action.RUN_SCREENING, Action.RESOLVE_CONFLICTS}


@dataclass
class Realm:
    store: Path
    directory: Path  # a service directory file to import
    cases: dict[tuple[str, Role], list[str]]  # case numbers made for each (walk, role)
    provider: str
    places: dict[str, str]  # where a case was opened -> its number


def _person() -> Person:
    return Person(str(uuid.uuid4()), first_name="Grace", second_name="Okafor", birth_year=1994)


def _prepare(svc: Services, sup: Any, elsewhere: Any, provider: str) -> tuple[dict, dict]:
    def case(session: Any = sup, post: str = POST) -> str:
        return svc.cases.register(session, _person(), border_post=post).case_number

    def consented() -> str:
        number = case()
        case_id = svc.cases.list_cases(sup, _query(number))[0].id
        svc.cases.record_consent(sup, case_id, ConsentKind.REFERRAL, ConsentDecision.GIVEN, provider=provider)
        return number

    def referred() -> str:
        number = consented()
        case_id = svc.cases.list_cases(sup, _query(number))[0].id
        svc.referrals.refer(sup, case_id, ReferralDraft(provider, (ServiceCategory.EMERGENCY_PROTECTION,),
                                                        Urgency.IMMEDIATE, risk_summary="Controller waiting outside"))
        return number

    makers: dict[str, Callable[[], list[str]]] = {
        "one case": lambda: [case()], "consented": lambda: [consented()], "referred": lambda: [referred()],
        "two cases": lambda: [case(), case()], "nothing": lambda: [],
    }
    cases = {(walk.prepare, role): makers[walk.prepare]() for walk in WALKS.values() for role in ROLES}
    places = {"own post": case(), "own scope, other post": case(post=OTHER_POST),
              "other scope": case(session=elsewhere)}
    return cases, places


def _query(number: str) -> CaseQuery:
    return CaseQuery(text=number)


@pytest.fixture(scope="module")
def realm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Realm]:
    base = tmp_path_factory.mktemp("walk")
    first_name, first_pass = USERS[Role.SECRETARIAT]
    first = User(str(uuid.uuid4()), first_name, "Secretariat", Role.SECRETARIAT, "national",
                 datetime.now(timezone.utc).replace(microsecond=0))
    svc = services_for(Vault(base / "store").create(first, first_pass))
    try:
        sessions = {}
        for role, scope, post, (name, passphrase) in (
                (Role.SUPERVISOR, SCOPE, None, USERS[Role.SUPERVISOR]),
                (Role.SOCIAL_WORKER, SCOPE, None, USERS[Role.SOCIAL_WORKER]),
                (Role.BORDER_OFFICER, SCOPE, POST, USERS[Role.BORDER_OFFICER]),
                (Role.SUPERVISOR, OTHER_SCOPE, None, ELSEWHERE)):
            user = svc.users.add_user(svc.session, username=name, display_name=name, role=role,
                                      passphrase=passphrase, scope_id=scope, border_post=post)
            sessions[name] = type(svc.session)(user=user, device_id=svc.session.device_id)
        sup = sessions[USERS[Role.SUPERVISOR][0]]
        provider = svc.referrals.providers(sup, category=ServiceCategory.EMERGENCY_PROTECTION)[0].provider.id
        cases, places = _prepare(svc, sup, sessions[ELSEWHERE[0]], provider)
    finally:
        svc.lock()
    directory = base / "directory.json"
    data = load_json("services/directory.json")
    data["providers"][0]["name_fr"] += " (mis à jour)"
    directory.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    yield Realm(base / "store", directory, cases, provider, places)


# --- one command per action -------------------------------------------------------------------------

@dataclass(frozen=True)
class CliWalk:
    prepare: str  # a key of _prepare's makers
    argv: Callable[[Realm, list[str], Path], list[str]]
    writes: Callable[[Path], list[Path]] = lambda out: []  # files the command writes when allowed


WALKS: dict[Action, CliWalk] = {
    Action.CREATE_CASE: CliWalk("nothing", lambda r, c, o: [
        "case", "add", "--first-name", "Grace", "--birth-year", "1994", "--border-post", POST]),
    Action.RECORD_RISK_CONSENT: CliWalk("one case", lambda r, c, o: ["case", "consent", c[0], "screening", "given"]),
    Action.URGENT_REFERRAL: CliWalk("consented", lambda r, c, o: [
        "referral", "create", c[0], "--provider", r.provider, "--service", "emergency_protection",
        "--urgency", "immediate", "--risk-summary", "The controller waits outside the port office"]),
    Action.CASE_WORK: CliWalk("one case", lambda r, c, o: ["case", "note", c[0], "Met again at the shelter."]),
    Action.VIEW_CASES: CliWalk("one case", lambda r, c, o: ["case", "show", c[0]]),
    Action.APPROVE_CLOSURE: CliWalk("referred", lambda r, c, o: [
        "case", "move", c[0], "closed", "--closure-reason", "declined_assistance"]),
    Action.EXPORT_CASE_PDF: CliWalk("one case", lambda r, c, o: [
        "export", "pdf", c[0], str(o / "summary.pdf"), "--reason", REASON, "--lang", "en"],
        lambda o: [o / "summary.pdf"]),
    Action.EXPORT_STATISTICS: CliWalk("nothing", lambda r, c, o: [
        "export", "stats", str(o / "figures.csv"), "--reason", "Quarterly figures for the national commission"],
        lambda o: [o / "figures.csv"]),
    Action.MANAGE_USERS: CliWalk("nothing", lambda r, c, o: ["user", "list"]),
    Action.PUBLISH_AND_ENROL: CliWalk("nothing", lambda r, c, o: ["services", "import", str(r.directory)]),
    Action.MERGE_CASES: CliWalk("two cases", lambda r, c, o: [
        "merge", c[0], c[1], "--reason", "Same passport number on both files"]),
}

CELLS = [(action, role) for action in WALKS for role in ROLES]


def denied(role: Role, action: Action) -> str:
    return "error: " + PermissionDenied(role=ROLE_LABELS[role], action=ACTION_LABELS[action]).render(ENGLISH)


def run_as(cli: Callable[..., Result], realm: Realm, role: Role, *argv: str) -> Result:
    name, passphrase = USERS[role]
    return cli(realm.store, "--user", name, *argv, passphrase=passphrase)


def test_every_action_is_walked_or_named_as_not_offered():
    assert set(WALKS) | NOT_IN_CLI == set(Action)
    assert not set(WALKS) & NOT_IN_CLI


@pytest.mark.parametrize("action,role", CELLS, ids=[f"{a.value}-{r.value}" for a, r in CELLS])
def test_each_role_may_run_exactly_what_the_matrix_allows(realm: Realm, cli, refused, tmp_path: Path,
                                                           action: Action, role: Role):
    walk = WALKS[action]
    result = run_as(cli, realm, role, *walk.argv(realm, realm.cases[(walk.prepare, role)], tmp_path))
    if allowed(role, action):
        assert result.code == 0, result.err
        assert all(path.is_file() for path in walk.writes(tmp_path))
        return
    line = refused(result)
    if action is Action.APPROVE_CLOSURE:  # a lifecycle step: refused with the step's reasons
        assert line.endswith(ENGLISH("your role may not do this step")), line
    else:
        assert line == denied(role, action)
    assert list(tmp_path.iterdir()) == []  # no file written, not even an empty one


PLACES_SEEN = {"own post": (SCOPE, POST), "own scope, other post": (SCOPE, OTHER_POST),
               "other scope": (OTHER_SCOPE, POST)}
# "own post" is the VIEW_CASES cell of the walk above
SCOPE_CELLS = [(place, role) for place in PLACES_SEEN if place != "own post" for role in ROLES]


def sees(role: Role, scope: str, post: str) -> bool:
    visibility = VISIBILITY[role]
    own_post = POST if role is Role.BORDER_OFFICER else None
    if visibility is Visibility.ALL_SCOPES:
        return True
    return scope == SCOPE and (visibility is Visibility.OWN_SCOPE or post == own_post)


@pytest.mark.parametrize("place,role", SCOPE_CELLS, ids=[f"{p}-{r.value}" for p, r in SCOPE_CELLS])
def test_case_show_finds_only_the_cases_a_role_may_see(realm: Realm, cli, refused, place: str, role: Role):
    number = realm.places[place]
    result = run_as(cli, realm, role, "case", "show", number)
    if sees(role, *PLACES_SEEN[place]):
        assert result.code == 0 and number in result.out, result.err
    else:  # reported as absent, as the services do: its existence is not told
        assert refused(result) == "error: " + NotFound(kind="case", ident=number).render(ENGLISH)


# --- the commands that talk to the hub: refused before any connection ------------------------------
# (one per permission they need; the service walk tries every method of the sync facade)

HUB_COMMANDS: dict[str, tuple[Action, list[str]]] = {
    "publish": (Action.PUBLISH_AND_ENROL, ["publish", "directory", "resources/services/directory.json"]),
    "enrol": (Action.MANAGE_USERS, ["enrol", "https://127.0.0.1:9", "--pin", "0" * 64, "--code", "ABCD-EFGH"]),
}
HUB_CELLS = [(name, role) for name in HUB_COMMANDS for role in ROLES]


@pytest.mark.parametrize("name,role", HUB_CELLS, ids=[f"{n}-{r.value}" for n, r in HUB_CELLS])
def test_hub_commands_refuse_a_role_before_connecting(realm: Realm, cli, refused, monkeypatch: pytest.MonkeyPatch,
                                                      name: str, role: Role):
    import socket

    action, argv = HUB_COMMANDS[name]
    connections: list[Any] = []

    def no_network(*args: Any, **_kwargs: Any) -> Any:
        connections.append(args)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    line = refused(run_as(cli, realm, role, *argv))  # no hub here: the allowed roles fail further on
    if allowed(role, action):
        assert line != denied(role, action)
    else:
        assert line == denied(role, action)
        assert connections == []
