"""Publications put in effect (PublicationService): the secretariat's directory replaces the
directory all at once, a published checklist becomes the one new screenings use, versions
only grow, and a payload that does not read right is refused and changes nothing."""

from __future__ import annotations

import base64
import dataclasses
import json
from typing import Any

import pytest
from fakes import FakeCaseStore, FakeClock, make_user, session_for

from app.domain.audit import AuditAction, verify_chain
from app.domain.case import Case
from app.domain.checks import new_id
from app.domain.person import Person
from app.domain.referral import Provider
from app.domain.values import Role
from app.errors import ChecklistInvalid, ValidationError
from app.resources import load_json, resources_dir
from app.screening.checklist import default_library
from app.services.cases import CaseService
from app.services.publications import PublicationService
from app.services.referrals import ReferralService
from app.services.screening import ScreeningService

BORDER = "border-short"


class Settings:
    """The sync settings as ``SyncState`` keeps them (text values)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def config(self) -> dict[str, str]:
        return dict(self.values)

    def set_config(self, **values: str) -> None:
        assert all(isinstance(v, str) for v in values.values())
        self.values.update(values)


def directory(*names: str, **changes: Any) -> bytes:
    """A directory file of the shipped entries' shape, one provider per name (not sample data)."""
    template = load_json("services/directory.json")["providers"][0]
    providers = [{**template, "id": f"0000000{i}-0000-4000-8000-00000000000{i}", "name_fr": name, **changes}
                 for i, name in enumerate(names, start=1)]
    return json.dumps({"providers": providers}, ensure_ascii=False).encode("utf-8")


def checklist(version: int, **changes: Any) -> bytes:
    document = json.loads((resources_dir() / "checklists" / "border-short.v1.json").read_text(encoding="utf-8"))
    document.update(version=version, **changes)
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


class World:
    def __init__(self) -> None:
        self.store = FakeCaseStore()
        self.clock = FakeClock()
        self.cases = CaseService(self.store, self.clock)
        self.referrals = ReferralService(self.store, self.cases, self.clock)
        self.screenings = ScreeningService(self.store, default_library(), self.clock)
        self.settings = Settings()
        self.publications = PublicationService(self.settings, self.referrals, self.screenings)
        self.user = make_user("sara.sup", Role.SUPERVISOR)
        self.store.seed(self.user)
        self.session = session_for(self.user, self.store.device_id)
        self.referrals.seed_directory()

    def receive(self, kind: str, version: int, payload: bytes) -> None:
        """What the sync client saves after verifying a publication's signature."""
        self.settings.set_config(**{f"publication_{kind}": json.dumps({
            "version": version, "payload": base64.b64encode(payload).decode(), "signature": "verified",
            "published_at": "2026-11-22T10:00:00+00:00"})})

    def listed(self) -> set[str]:
        return {hit.provider.name_fr for hit in self.referrals.providers(self.session)}

    def case(self) -> Case:
        return self.cases.register(self.session, Person(new_id(), first_name="Aminata"), border_post="TNG-MED")


@pytest.fixture
def world() -> World:
    return World()


# --- the directory ------------------------------------------------------------------------

def test_a_published_directory_replaces_the_sample_directory(world: World) -> None:
    samples = world.store.all_records(Provider)
    assert samples and all(p.sample and p.active for p in samples)
    world.receive("directory", 1, directory("Centre A", "Centre B"))
    [outcome] = world.publications.apply_received()
    assert (outcome.kind, outcome.version, outcome.applied, outcome.warning) == ("directory", 1, True, None)
    assert world.listed() == {"Centre A", "Centre B"}
    published = [p for p in world.store.all_records(Provider) if p.active]
    assert not any(p.sample for p in published)
    # the samples stay (referrals may name them), out of the directory
    assert all(not p.active for p in world.store.all_records(Provider) if p.sample)
    entry = world.store.entries[-1].event
    assert entry.action == AuditAction.DIRECTORY_PUBLISHED_APPLIED == "directory.published_applied"
    assert entry.details == {"version": 1, "providers": 2, "retired": len(samples)} and entry.actor_id is None
    assert world.publications.version_in_effect("directory") == 1
    assert world.publications.apply_received() == []  # nothing newer: nothing done again
    assert verify_chain(world.store.entries).ok


def test_a_later_version_replaces_the_earlier_one_and_an_older_or_equal_one_is_ignored(world: World) -> None:
    world.receive("directory", 2, directory("Centre A", "Centre B"))
    world.publications.apply_received()
    world.receive("directory", 3, directory("Centre A"))
    world.publications.apply_received()
    assert world.listed() == {"Centre A"}
    commits = world.store.commits
    for older in (3, 1):  # the same version again, with other content; an older one
        world.receive("directory", older, directory("Old centre"))
        assert world.publications.apply_received() == []
    assert world.listed() == {"Centre A"} and world.store.commits == commits
    assert world.publications.version_in_effect("directory") == 3


@pytest.mark.parametrize("payload, says", [
    (b"{not json", "providers"),
    (json.dumps({"providers": "not a list"}).encode(), "providers"),
    (directory("Centre A", categories=["no_such_category"]), "1: Not a service directory file."),
    (json.dumps({"providers": [{"id": "x", "name_fr": "Centre"}]}).encode(), "1.name_ar: This field is required."),
    (directory("Centre A", "Centre B", id="00000000-0000-4000-8000-000000000009"), "id"),
])
def test_a_malformed_directory_is_refused_with_its_reason_and_changes_nothing(world: World, payload: bytes,
                                                                              says: str) -> None:
    world.receive("directory", 1, directory("Centre A"))
    world.publications.apply_received()
    before = {p.id: p for p in world.store.all_records(Provider)}
    world.receive("directory", 2, payload)
    [outcome] = world.publications.apply_received()
    assert not outcome.applied and says in outcome.reason
    assert outcome.warning.startswith("the published directory (version 2) was refused: ")
    assert {p.id: p for p in world.store.all_records(Provider)} == before
    assert world.publications.version_in_effect("directory") == 1
    assert world.publications.refusal("directory") == (2, outcome.reason)
    entry = world.store.entries[-1].event
    assert entry.action == AuditAction.PUBLICATION_REFUSED and entry.details["version"] == 2
    assert world.publications.apply_received() == []  # refused once, not at every sync
    world.receive("directory", 3, directory("Centre C"))  # a corrected one is taken
    assert world.publications.apply_received()[0].applied and world.listed() == {"Centre C"}


def test_the_directory_method_refuses_a_bad_file_without_a_transaction(world: World) -> None:
    commits = world.store.commits
    with pytest.raises(ValidationError):
        world.referrals.apply_published_directory(b"\xff\xfe", 1)
    assert world.store.commits == commits


# --- the checklist ------------------------------------------------------------------------

def test_a_published_checklist_is_used_by_new_screenings_and_old_ones_keep_theirs(world: World) -> None:
    case = world.case()
    before = world.screenings.start(world.session, case.id, BORDER)
    assert before.checklist_version == 1
    world.receive("checklist", 1, checklist(2))
    [outcome] = world.publications.apply_received()
    assert outcome.applied
    after = world.screenings.start(world.session, case.id, BORDER)
    assert after.checklist_version == 2
    assert world.screenings.checklist_of(before).version == 1  # a screening keeps the version it named
    entry = world.store.entries[-2].event  # before the screening started
    assert entry.action == AuditAction.CHECKLIST_PUBLISHED_APPLIED == "checklist.published_applied"
    assert entry.details == {"version": 1, "checklist_id": BORDER, "checklist_version": 2}
    # at the next unlock the checklist comes back from the store's settings, not from a file
    again = ScreeningService(world.store, default_library(), world.clock)
    unlocked = PublicationService(world.settings, world.referrals, again)
    assert again.library.latest(BORDER).version == 1
    assert unlocked.load() == 1 and unlocked.apply_received() == []
    assert again.library.latest(BORDER).version == 2 and again.checklist_of(after).version == 2
    assert default_library().latest(BORDER).version == 1  # the shipped library is left as it was


@pytest.mark.parametrize("payload, says", [
    (b"\x00not a checklist", "not valid JSON"),
    (checklist(2, title={"ar": "Screening", "fr": "Repérage", "en": "Screening"}), "title.ar"),
    (checklist(2, rule={}), "rule"),
    (checklist(1, title={"ar": "فحص", "fr": "Autre", "en": "Other"}), "already installed with other content"),
])
def test_a_malformed_checklist_is_refused_and_the_current_one_kept(world: World, payload: bytes, says: str) -> None:
    world.receive("checklist", 1, payload)
    [outcome] = world.publications.apply_received()
    assert not outcome.applied and says in outcome.reason, outcome.reason
    assert world.store.entries[-1].event.action == AuditAction.PUBLICATION_REFUSED
    assert world.screenings.library.latest(BORDER).version == 1
    assert world.screenings.start(world.session, world.case().id, BORDER).checklist_version == 1
    assert "published_checklists" not in world.settings.values


def test_an_older_checklist_version_than_the_one_in_use_is_refused(world: World) -> None:
    world.receive("checklist", 1, checklist(3))
    world.publications.apply_received()
    world.receive("checklist", 2, checklist(2))
    [outcome] = world.publications.apply_received()
    assert not outcome.applied and "version 3 is already installed" in outcome.reason
    assert world.screenings.library.latest(BORDER).version == 3


def test_admit_is_the_check_a_publisher_runs_too() -> None:
    library = default_library()
    same = library.latest(BORDER)
    assert library.admit(same, "file") is library  # publishing the shipped file again changes nothing
    with pytest.raises(ChecklistInvalid):
        library.admit(dataclasses.replace(same, source_note=same.title), "file")
