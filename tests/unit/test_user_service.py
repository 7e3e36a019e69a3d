"""UserService on an in-memory store and key store: who may manage whom."""

from __future__ import annotations

import pytest
from fakes import FakeCaseStore, FakeClock, FakeKeyStore, make_user, session_for

from app.domain.audit import AuditAction, verify_chain
from app.domain.user import User
from app.domain.values import Role
from app.errors import NotFound, PermissionDenied, ValidationError, WeakPassphrase
from app.services.users import UserService

STRONG = "قمر بحر جبل شجرة"
STRONG_2 = "tajine olive citron 7 soleil"


class Device:
    def __init__(self) -> None:
        self.store = FakeCaseStore()
        self.keys = FakeKeyStore()
        self.clock = FakeClock()
        self.service = UserService(self.store, self.keys, self.clock)
        self.secretariat = make_user("sec.rabat", Role.SECRETARIAT, scope_id="national")
        self.supervisor = make_user("super.north", Role.SUPERVISOR)
        self.worker = make_user("worker.north", Role.SOCIAL_WORKER)
        self.officer = make_user("officer.tng", Role.BORDER_OFFICER, border_post="TNG-MED")
        for user, passphrase in ((self.secretariat, "sec " + STRONG), (self.supervisor, "sup " + STRONG),
                                 (self.worker, "wrk " + STRONG), (self.officer, "off " + STRONG)):
            self.store.seed(user)
            self.keys.wraps[user.id] = (user.username, passphrase)

    def s(self, user):
        return session_for(user, self.store.device_id)

    def state(self):
        return dict(self.store.records), list(self.store.entries), dict(self.keys.wraps), list(self.keys.calls)


@pytest.fixture
def device() -> Device:
    return Device()


# --- add_user --------------------------------------------------------------------------------

def test_supervisor_adds_a_social_worker_in_own_scope(device):
    user = device.service.add_user(device.s(device.supervisor), username="karim.s", display_name="Karim S.",
                                   role=Role.SOCIAL_WORKER, passphrase=STRONG)
    assert device.store.user_by_name("karim.s") == user
    assert user.scope_id == device.supervisor.scope_id
    assert user.created_at == device.clock.now()
    assert device.keys.wraps[user.id] == ("karim.s", STRONG)
    [entry] = device.store.entries
    assert entry.event.action == AuditAction.USER_ADDED
    assert entry.event.actor_id == device.supervisor.id and entry.event.record_id == user.id
    assert dict(entry.event.details) == {"role": "social_worker"}
    assert STRONG not in str(entry.event)


def test_supervisor_adds_a_border_officer_with_a_post(device):
    user = device.service.add_user(device.s(device.supervisor), username="nadia.k", display_name="Nadia K.",
                                   role=Role.BORDER_OFFICER, passphrase=STRONG, border_post="BAB-SEBTA")
    assert user.border_post == "BAB-SEBTA"


def test_border_officer_without_post_is_refused_and_nothing_written(device):
    before = device.state()
    with pytest.raises(ValidationError) as excinfo:
        device.service.add_user(device.s(device.supervisor), username="nadia.k", display_name="Nadia K.",
                                role=Role.BORDER_OFFICER, passphrase=STRONG)
    assert {e.field for e in excinfo.value.errors} == {"border_post"}
    assert device.state() == before


def test_supervisor_cannot_create_a_secretariat_user(device):
    before = device.state()
    with pytest.raises(PermissionDenied) as excinfo:
        device.service.add_user(device.s(device.supervisor), username="sec.two", display_name="Sec Two",
                                role=Role.SECRETARIAT, passphrase=STRONG)
    assert excinfo.value.params["action"] == "manage secretariat users"
    assert device.state() == before


def test_secretariat_creates_a_secretariat_user(device):
    user = device.service.add_user(device.s(device.secretariat), username="sec.two", display_name="Sec Two",
                                   role=Role.SECRETARIAT, passphrase=STRONG)
    assert user.role is Role.SECRETARIAT and user.scope_id == "national"


def test_explicit_scope_is_kept(device):
    user = device.service.add_user(device.s(device.secretariat), username="sup.south", display_name="Sup South",
                                   role=Role.SUPERVISOR, passphrase=STRONG, scope_id="scope-south")
    assert user.scope_id == "scope-south"


@pytest.mark.parametrize("who", ["worker", "officer"])
def test_field_users_cannot_manage_users(device, who):
    session = device.s(getattr(device, who))
    before = device.state()
    with pytest.raises(PermissionDenied):
        device.service.add_user(session, username="new.user", display_name="New", role=Role.SOCIAL_WORKER,
                                passphrase=STRONG)
    with pytest.raises(PermissionDenied):
        device.service.list_users(session)
    with pytest.raises(PermissionDenied):
        device.service.disable(session, "worker.north" if who == "officer" else "officer.tng")
    with pytest.raises(PermissionDenied):
        device.service.set_role(session, "super.north", Role.SOCIAL_WORKER)
    assert device.state() == before


def test_taken_username_is_refused(device):
    before = device.state()
    with pytest.raises(ValidationError) as excinfo:
        device.service.add_user(device.s(device.supervisor), username="worker.north", display_name="Twin",
                                role=Role.SOCIAL_WORKER, passphrase=STRONG)
    assert [e.field for e in excinfo.value.errors] == ["username"]
    assert device.state() == before


def test_invalid_username_is_refused(device):
    before = device.state()
    with pytest.raises(ValidationError) as excinfo:
        device.service.add_user(device.s(device.supervisor), username="Karim S", display_name="Karim",
                                role=Role.SOCIAL_WORKER, passphrase=STRONG)
    assert [e.field for e in excinfo.value.errors] == ["username"]
    assert device.state() == before


@pytest.mark.parametrize("passphrase", ["short", "aaaaaaaaaaaaaaaa", "password1234", "karim.s loves tea"])
def test_weak_passphrase_refused_before_anything_is_written(device, passphrase):
    before = device.state()
    with pytest.raises(WeakPassphrase):
        device.service.add_user(device.s(device.supervisor), username="karim.s", display_name="Karim S.",
                                role=Role.SOCIAL_WORKER, passphrase=passphrase)
    assert device.state() == before
    assert device.store.user_by_name("karim.s") is None
    assert device.store.commits == 0


def test_list_users(device):
    assert {u.username for u in device.service.list_users(device.s(device.supervisor))} == {
        "sec.rabat", "super.north", "worker.north", "officer.tng"}


# --- disable ---------------------------------------------------------------------------------

def test_supervisor_disables_a_worker(device):
    disabled = device.service.disable(device.s(device.supervisor), "worker.north")
    assert disabled.disabled is True
    assert device.store.user_by_name("worker.north").disabled is True
    assert device.worker.id not in device.keys.wraps
    entry = device.store.entries[-1]
    assert entry.event.action == AuditAction.USER_DISABLED and entry.event.record_id == device.worker.id


def test_cannot_disable_self(device):
    before = device.state()
    for manager in (device.supervisor, device.secretariat):
        with pytest.raises(ValidationError) as excinfo:
            device.service.disable(device.s(manager), manager.username)
        assert [e.field for e in excinfo.value.errors] == ["username"]
    assert device.state() == before


def test_supervisor_cannot_disable_the_secretariat(device):
    before = device.state()
    with pytest.raises(PermissionDenied):
        device.service.disable(device.s(device.supervisor), "sec.rabat")
    assert device.state() == before


def test_secretariat_disables_a_supervisor(device):
    assert device.service.disable(device.s(device.secretariat), "super.north").disabled


def test_disabling_an_unknown_user(device):
    with pytest.raises(NotFound):
        device.service.disable(device.s(device.supervisor), "nobody")


# --- set_passphrase --------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["officer", "worker", "supervisor", "secretariat"])
def test_every_user_changes_own_passphrase(device, who):
    user = getattr(device, who)
    device.service.set_passphrase(device.s(user), user.username, STRONG_2)
    assert device.keys.wraps[user.id] == (user.username, STRONG_2)
    entry = device.store.entries[-1]
    assert entry.event.action == AuditAction.USER_PASSPHRASE_CHANGED
    assert STRONG_2 not in str(entry.event)


def test_border_officer_cannot_reset_someone_else(device):
    before = device.state()
    with pytest.raises(PermissionDenied):
        device.service.set_passphrase(device.s(device.officer), "worker.north", STRONG_2)
    assert device.state() == before


def test_supervisor_resets_a_worker_but_not_the_secretariat(device):
    device.service.set_passphrase(device.s(device.supervisor), "worker.north", STRONG_2)
    assert device.keys.wraps[device.worker.id][1] == STRONG_2
    before = device.state()
    with pytest.raises(PermissionDenied):
        device.service.set_passphrase(device.s(device.supervisor), "sec.rabat", STRONG_2)
    assert device.state() == before


@pytest.mark.parametrize("passphrase", ["short", "worker.north is me", "123412341234"])
def test_weak_new_passphrase_changes_nothing(device, passphrase):
    before = device.state()
    with pytest.raises(WeakPassphrase):
        device.service.set_passphrase(device.s(device.worker), "worker.north", passphrase)
    assert device.state() == before


def test_disabled_user_passphrase_cannot_be_reset(device):
    device.service.disable(device.s(device.supervisor), "worker.north")
    before = device.state()
    with pytest.raises(ValidationError):
        device.service.set_passphrase(device.s(device.supervisor), "worker.north", STRONG_2)
    assert device.state() == before


# --- set_role --------------------------------------------------------------------------------

def test_supervisor_makes_a_worker_a_border_officer(device):
    new = device.service.set_role(device.s(device.supervisor), "worker.north", Role.BORDER_OFFICER,
                                  border_post="NDR-PORT")
    assert new.role is Role.BORDER_OFFICER and new.border_post == "NDR-PORT"
    assert device.store.user_by_name("worker.north") == new
    entry = device.store.entries[-1]
    assert entry.event.action == AuditAction.USER_ROLE_CHANGED
    assert dict(entry.event.details) == {"from": "social_worker", "to": "border_officer"}


def test_border_officer_role_without_a_post_is_refused(device):
    before = device.state()
    with pytest.raises(ValidationError) as excinfo:
        device.service.set_role(device.s(device.supervisor), "worker.north", Role.BORDER_OFFICER)
    assert [e.field for e in excinfo.value.errors] == ["border_post"]
    assert device.state() == before


def test_supervisor_cannot_grant_or_change_secretariat(device):
    before = device.state()
    with pytest.raises(PermissionDenied):
        device.service.set_role(device.s(device.supervisor), "worker.north", Role.SECRETARIAT)
    with pytest.raises(PermissionDenied):
        device.service.set_role(device.s(device.supervisor), "sec.rabat", Role.SUPERVISOR)
    assert device.state() == before


def test_nobody_changes_own_role(device):
    before = device.state()
    with pytest.raises(ValidationError) as excinfo:
        device.service.set_role(device.s(device.supervisor), "super.north", Role.SOCIAL_WORKER)
    assert [e.field for e in excinfo.value.errors] == ["role"]
    assert device.state() == before


def test_user_changes_are_chained_in_the_audit(device):
    sup = device.s(device.supervisor)
    device.service.add_user(sup, username="karim.s", display_name="Karim", role=Role.SOCIAL_WORKER,
                            passphrase=STRONG)
    device.service.set_role(sup, "karim.s", Role.SUPERVISOR)
    device.service.set_passphrase(sup, "karim.s", STRONG_2)
    device.service.disable(sup, "karim.s")
    assert [e.event.action for e in device.store.entries] == [
        AuditAction.USER_ADDED, AuditAction.USER_ROLE_CHANGED, AuditAction.USER_PASSPHRASE_CHANGED,
        AuditAction.USER_DISABLED,
    ]
    assert verify_chain(device.store.entries).ok
    assert isinstance(device.store.user_by_name("karim.s"), User)



def test_supervisor_cannot_add_a_user_to_another_scope(device):
    before = device.state()
    with pytest.raises(PermissionDenied):
        device.service.add_user(device.s(device.supervisor), username="far.worker", display_name="Far",
                                role=Role.SOCIAL_WORKER, passphrase=STRONG, scope_id="scope-south")
    assert device.state() == before
