"""``SearchService`` on a real encrypted store: ranked search, visibility, duplicate
warnings, "different person" decisions and supervisor merges (audited, reversible)."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.audit import AuditAction
from app.domain.checks import new_id
from app.domain.link import LinkKind
from app.domain.person import Document, Person
from app.domain.user import Session, User
from app.domain.values import CaseState, ClosureReason, DocumentKind, Role, Sex
from app.errors import NotFound, PermissionDenied, ValidationError
from app.services.cases import CaseService
from app.services.search import (
    ACROSS_SCRIPTS, DUPLICATE_THRESHOLD, MERGED, SAME_BIRTH_YEAR, SAME_CASE_NUMBER, SAME_DOCUMENT, SAME_NAME,
    SearchService,
)


@pytest.fixture
def world(new_store, store_tools):
    _vault, opened = new_store
    cases = CaseService(opened.store)
    search = SearchService(opened.store, cases)
    sup = opened.session
    scope = sup.user.scope_id

    def session(role: Role, post: str | None = None, scope_id: str = scope) -> Session:
        user = User(new_id(), f"user{new_id()[:8]}", "Someone", role, scope_id, sup.user.created_at, border_post=post)
        return Session(user=user, device_id=opened.store.device_id)

    def register(session_: Session, post: str = "TNG-MED", **names) -> str:
        return cases.register(session_, Person(new_id(), **names), border_post=post).id

    class World:
        pass

    w = World()
    w.opened, w.cases, w.search, w.sup, w.session, w.register = opened, cases, search, sup, session, register
    return w


def names(matches) -> list[str]:
    return [m.name_latin or m.name_ar for m in matches]


def test_search_ranks_exact_spellings_first_and_says_why(world) -> None:
    exact = world.register(world.sup, first_name="Youssef", second_name="Benali")
    arabic = world.register(world.sup, first_name_ar="يوسف", second_name_ar="بنعلي")
    joseph = world.register(world.sup, first_name="Joseph", second_name="Okafor")
    world.register(world.sup, first_name="Yassine", second_name="Bennani")
    found = world.search.search(world.sup, "Youssef Benali")
    assert [m.case_id for m in found[:2]] == [exact, arabic]
    assert found[0].score == 1.0 and found[0].reasons[0] == SAME_NAME
    assert ACROSS_SCRIPTS in found[1].reasons and found[1].score < found[0].score
    # Joseph is Youssef, but not Benali: found, below everyone who matches both words.
    assert [m.case_id for m in found].index(joseph) >= 2 and found[-1].score < found[1].score
    assert [m.case_id for m in world.search.search(world.sup, "joseph")][:1] == [joseph]
    assert world.search.search(world.sup, "") == [] and world.search.search(world.sup, "   ") == []


def test_search_by_case_number_document_and_phone(world) -> None:
    case = world.cases.register(world.sup, Person(
        new_id(), first_name="Grace", mobile_phone="+212612345678",
        documents=(Document(DocumentKind.PASSPORT, "A1234567"),)), border_post="TNG-MED")
    world.register(world.sup, first_name="Grace", second_name="Eze")
    assert [(m.case_id, m.reasons[0]) for m in world.search.search(world.sup, case.case_number.lower())] == [
        (case.id, SAME_CASE_NUMBER)]
    by_document = world.search.search(world.sup, "a1234567")
    assert by_document[0].case_id == case.id and by_document[0].reasons[0] == SAME_DOCUMENT
    assert [m.case_id for m in world.search.search(world.sup, "06 12 34 56 78")] == [case.id]


def test_a_border_officer_never_finds_cases_of_another_post(world) -> None:
    here = world.register(world.sup, post="TNG-MED", first_name="Aminata", second_name="Diallo")
    there = world.register(world.sup, post="NDR-PORT", first_name="Aminata", second_name="Diallo")
    elsewhere = world.register(world.session(Role.SUPERVISOR, scope_id="scope-south"), first_name="Aminata",
                               second_name="Diallo")
    officer = world.session(Role.BORDER_OFFICER, post="TNG-MED")
    assert [m.case_id for m in world.search.search(officer, "Aminata Diallo")] == [here]
    assert {m.case_id for m in world.search.search(world.sup, "Aminata Diallo")} == {here, there}
    person = Person(new_id(), first_name="Aminata", second_name="Diallo", sex=Sex.FEMALE)
    assert [m.case_id for m in world.search.duplicates(officer, person)] == [here]
    assert elsewhere not in {m.case_id for m in world.search.duplicates(world.sup, person)}


def test_duplicates_across_scripts_with_reasons(world) -> None:
    first = world.register(world.sup, first_name="Fatima Zahra", second_name="El Alaoui", sex=Sex.FEMALE,
                           birth_year=1998, nationality="MA")
    world.register(world.sup, first_name="Fatima", second_name="Bennani", sex=Sex.FEMALE, birth_year=1998,
                   nationality="MA")
    world.register(world.sup, first_name="Fatima Zahra", second_name="El Alaoui", sex=Sex.FEMALE,
                   birth_year=1975, nationality="MA")  # another woman of the same name, 23 years older
    again = Person(new_id(), first_name_ar="فاطمة الزهراء", second_name_ar="العلوي", sex=Sex.FEMALE,
                   birth_year=1998, nationality="MA")
    found = world.search.duplicates(world.sup, again)
    assert [m.case_id for m in found] == [first]
    assert found[0].score >= DUPLICATE_THRESHOLD
    assert ACROSS_SCRIPTS in found[0].reasons and SAME_BIRTH_YEAR in found[0].reasons


def test_a_shared_document_is_a_duplicate_even_under_another_name(world) -> None:
    passport = Document(DocumentKind.PASSPORT, "AB 123 456")
    first = world.cases.register(world.sup, Person(new_id(), first_name="Blessing", second_name="Okoro",
                                                   sex=Sex.FEMALE, nationality="NG", documents=(passport,)),
                                 border_post="TNG-MED").id
    again = Person(new_id(), first_name="Mary", second_name="Johnson", sex=Sex.FEMALE, nationality="NG",
                   documents=(Document(DocumentKind.PASSPORT, "ab-123456"),))
    found = world.search.duplicates(world.sup, again)
    assert [m.case_id for m in found] == [first] and SAME_DOCUMENT in found[0].reasons


def test_different_people_with_similar_names_are_not_duplicates(world) -> None:
    for first, second in [("Mahmoud", "Benali"), ("Hamid", "Benali"), ("Hussein", "Benali")]:
        world.register(world.sup, first_name=first, second_name=second, sex=Sex.MALE, birth_year=1990,
                       nationality="MA")
    for first in ("Mohamed", "Ahmed", "Hassan"):
        person = Person(new_id(), first_name=first, second_name="Benali", sex=Sex.MALE, birth_year=1990,
                        nationality="MA")
        assert world.search.duplicates(world.sup, person) == [], first


def test_confirm_different_suppresses_the_warning_for_that_pair(world) -> None:
    first = world.register(world.sup, first_name="Moussa", second_name="Traore", sex=Sex.MALE, birth_year=2001)
    second = world.register(world.sup, first_name="Moussa", second_name="Traoré", sex=Sex.MALE, birth_year=2001)
    person = world.cases.open_case(world.sup, second, record_view=False).person
    assert [m.case_id for m in world.search.duplicates(world.sup, person, exclude_case_id=second)] == [first]
    world.search.confirm_different(world.sup, second, first)
    world.search.confirm_different(world.sup, first, second)  # either way round, once is enough
    assert world.search.duplicates(world.sup, person, exclude_case_id=second) == []
    # The decision is about that pair: without the case being edited, both still match.
    assert {m.case_id for m in world.search.duplicates(world.sup, person)} == {first, second}
    links = world.search.links(world.sup, first)
    assert [(link.kind, link.case_id, link.other_case_id) for link in links] == [
        (LinkKind.DIFFERENT_PERSON, second, first)]
    entries = [e for e in world.opened.store.audit_entries(record_id=second)
               if e.event.action == AuditAction.CONFIRMED_DIFFERENT]
    assert len(entries) == 1 and entries[0].event.details["other_case_id"] == first
    with pytest.raises(ValidationError):
        world.search.confirm_different(world.sup, first, first)


def test_merge_is_for_supervisors_audited_and_reversible(world) -> None:
    keep = world.register(world.sup, first_name="Khadija", second_name="Ouali", sex=Sex.FEMALE)
    merged = world.register(world.sup, first_name_ar="خديجة", second_name_ar="والي", sex=Sex.FEMALE)
    worker = world.session(Role.SOCIAL_WORKER)
    with pytest.raises(PermissionDenied):
        world.search.merge(worker, keep, merged, "same woman, registered twice at the port")
    with pytest.raises(ValidationError):
        world.search.merge(world.sup, keep, merged, "same")  # a reason is a sentence
    with pytest.raises(ValidationError):
        world.search.merge(world.sup, keep, keep, "same woman, registered twice at the port")
    closed = world.search.merge(world.sup, keep, merged, "same woman, registered twice at the port")
    assert closed.id == merged and closed.state is CaseState.CLOSED
    assert closed.closure_reason is ClosureReason.MERGED and closed.closure_approved_by == world.sup.user.id
    files = {cid: world.cases.open_case(world.sup, cid, record_view=False) for cid in (keep, merged)}
    assert files[keep].case.state is CaseState.DETECTED  # the kept case is untouched …
    assert [n.text for n in files[keep].notes] == [n.text for n in files[merged].notes] == [
        "same woman, registered twice at the port"]  # … but both say why
    assert files[merged].person.first_name_ar == "خديجة"  # nothing of the merged case is lost
    actions = {cid: [e.event.action for e in world.opened.store.audit_entries(record_id=cid)] for cid in (keep, merged)}
    assert AuditAction.CASE_MERGED in actions[keep] and AuditAction.CASE_MERGED_INTO in actions[merged]
    into = [e for e in world.opened.store.audit_entries(record_id=merged) if e.event.action == AuditAction.CASE_MERGED_INTO]
    assert into[0].event.details["keep_case_id"] == keep and into[0].event.details["from"] == "detected"
    assert [(link.kind, link.other_case_id) for link in world.search.links(world.sup, merged)] == [
        (LinkKind.MERGED_INTO, keep)]
    # A merged case is no longer a duplicate to warn about, but search still finds it, marked.
    person = Person(new_id(), first_name="Khadija", second_name="Ouali", sex=Sex.FEMALE)
    assert [m.case_id for m in world.search.duplicates(world.sup, person)] == [keep]
    marked = {m.case_id: m.reasons for m in world.search.search(world.sup, "خديجة والي")}
    assert MERGED in marked[merged] and MERGED not in marked[keep]
    with pytest.raises(ValidationError):
        world.search.merge(world.sup, keep, merged, "same woman, registered twice at the port")
    # Reversible: a supervisor reopens the merged case through the lifecycle.
    reopened = world.cases.move(world.sup, merged, CaseState.FOLLOW_UP, reason="not the same woman after all")
    assert reopened.closure_reason is None
    assert {m.case_id for m in world.search.duplicates(world.sup, person)} == {keep, merged}


def test_merge_and_confirm_need_both_cases_visible(world) -> None:
    mine = world.register(world.sup, first_name="Awa", second_name="Ndiaye")
    south = world.session(Role.SUPERVISOR, scope_id="scope-south")
    theirs = world.register(south, first_name="Awa", second_name="Ndiaye")
    with pytest.raises(NotFound):
        world.search.merge(world.sup, mine, theirs, "the same woman, registered in the south")
    with pytest.raises(NotFound):
        world.search.confirm_different(world.sup, mine, theirs)


def test_match_carries_what_a_list_shows(world) -> None:
    case_id = world.register(world.sup, first_name="Ibrahima", second_name="Sow", sex=Sex.MALE, birth_year=2004,
                             nationality="GN")
    (match,) = world.search.search(world.sup, "Ibrahima Sow")
    assert (match.case_id, match.name_latin, match.sex, match.birth_year, match.nationality, match.border_post) == (
        case_id, "Ibrahima Sow", Sex.MALE, 2004, "GN", "TNG-MED")
    assert match.state is CaseState.DETECTED and isinstance(match.detected_on, date)
