"""ScreeningService on an in-memory store: drafts, completion, immutability, the case outcome."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest
from fakes import FakeCaseStore, FakeClock, make_user, session_for

from app.domain.audit import AuditAction, verify_chain
from app.domain.case import Case
from app.domain.checks import new_id
from app.domain.codec import from_fields, to_fields
from app.domain.person import Person
from app.domain.screening import Screening, ScreeningStatus
from app.domain.values import CaseState, ConsentDecision, ConsentKind, Role, Sex
from app.errors import AnswersInvalid, ChecklistNotFound, NotFound, PermissionDenied, ValidationError
from app.screening.checklist import default_library
from app.services.cases import CaseService
from app.services.screening import AnswersMissing, ScreeningCompleted, ScreeningService

BORDER = "border-short"
SAFE = {"immediate_danger": "no", "controller_nearby": "no", "medical_urgency": "no", "possibly_minor": "no",
        "interview_language": "Wolof", "interpreter_needed": "no", "consent": "yes"}
JOURNEY_NO = {i: "no" for i in ("promised_job_abroad", "travel_arranged", "deceived_job", "deceived_pay",
                                "violence_journey", "threatened", "debt", "documents_taken",
                                "family_problems_used", "no_papers_used", "controlled")}
WORK_NO = {i: "no" for i in ("long_hours", "little_or_no_pay", "locked_in", "forced_acts", "dependent",
                             "unknown_place", "afraid_of_police")}
#: an adult who meets the identification rule: DR (S+M), EX (S+M) and CD (S+M) positive
VICTIM = {**SAFE, **JOURNEY_NO, **WORK_NO, "deceived_job": "yes", "deceived_pay": "yes", "has_worked": "yes",
          "long_hours": "yes", "little_or_no_pay": "yes", "locked_in": "yes", "forced_acts": "yes",
          "purpose_stated": "no"}
NOTHING = {**SAFE, **JOURNEY_NO, "has_worked": "no", "purpose_stated": "no"}


class World:
    def __init__(self) -> None:
        self.store = FakeCaseStore()
        self.clock = FakeClock()
        self.cases = CaseService(self.store, self.clock)
        self.service = ScreeningService(self.store, default_library(), self.clock)
        self.officer = make_user("officer.a", Role.BORDER_OFFICER, border_post="TNG-MED")
        self.other_post = make_user("officer.b", Role.BORDER_OFFICER, border_post="BAB-SEBTA")
        self.worker = make_user("worker.north", Role.SOCIAL_WORKER)
        self.secretariat = make_user("secretariat", Role.SECRETARIAT, scope_id="national")
        self.store.seed(self.officer, self.other_post, self.worker, self.secretariat)

    def s(self, user=None):
        return session_for(user or self.officer, self.store.device_id)

    def case_in_screening(self, **person) -> Case:
        values = dict(id=new_id(), first_name="Grace", sex=Sex.FEMALE, birth_year=date.today().year - 30,
                      nationality="NG")
        values.update(person)
        case = self.cases.register(self.s(), Person(**values))
        self.cases.record_consent(self.s(), case.id, ConsentKind.SCREENING, ConsentDecision.GIVEN)
        return self.cases.move(self.s(), case.id, CaseState.SCREENING)


@pytest.fixture
def world() -> World:
    return World()


def test_start_makes_a_draft_on_the_latest_version_and_audits_it(world):
    case = world.case_in_screening()
    screening = world.service.start(world.s(), case.id, BORDER)
    assert screening.status is ScreeningStatus.DRAFT and screening.answers == {}
    assert (screening.checklist_id, screening.checklist_version) == (BORDER, default_library().latest(BORDER).version)
    assert screening.completed_at is None and screening.result is None
    assert world.store.get(Screening, screening.id) == screening
    assert world.service.draft_for(world.s(), case.id) == screening
    last = world.store.entries[-1].event
    assert last.action == AuditAction.SCREENING_STARTED and last.record_id == case.id
    assert last.details["screening_id"] == screening.id


def test_a_draft_keeps_partial_answers_and_the_audit_holds_none_of_them(world):
    case = world.case_in_screening()
    draft = world.service.start(world.s(), case.id, BORDER)
    saved = world.service.save_draft(world.s(), draft.id, {"immediate_danger": "yes", "interview_language": "Tigrinya"})
    assert saved.status is ScreeningStatus.DRAFT
    assert world.store.get(Screening, draft.id).answers == {"immediate_danger": "yes", "interview_language": "Tigrinya"}
    event = world.store.entries[-1].event
    assert event.action == AuditAction.SCREENING_SAVED
    details = json.dumps(dict(event.details))
    assert "Tigrinya" not in details and "immediate_danger" not in details


def test_answers_that_do_not_fit_the_checklist_are_refused_and_nothing_is_written(world):
    case = world.case_in_screening()
    draft = world.service.start(world.s(), case.id, BORDER)
    before = len(world.store.entries)
    with pytest.raises(AnswersInvalid) as refused:
        world.service.save_draft(world.s(), draft.id, {"immediate_danger": "maybe"})
    assert refused.value.item == "immediate_danger"
    with pytest.raises(AnswersInvalid):
        world.service.save_draft(world.s(), draft.id, {"not_a_question": "yes"})
    assert world.store.get(Screening, draft.id) == draft and len(world.store.entries) == before


def test_complete_evaluates_stores_the_result_and_records_the_outcome_on_the_case(world):
    case = world.case_in_screening()
    draft = world.service.start(world.s(), case.id, BORDER)
    world.clock.advance(minutes=12)
    done, result = world.service.complete(world.s(), draft.id, VICTIM)
    assert result.recommendation.value == "presumed_victim" and not result.child_rule
    assert done.status is ScreeningStatus.COMPLETED and done.recommendation == "presumed_victim"
    assert done.completed_at == world.clock.now() and done.completed_by == world.officer.id
    assert done.result == result.to_dict() and done.result["dimensions"]["DR"]["positive"]
    stored_case = world.store.get(Case, case.id)
    assert stored_case.screening_outcome is CaseState.PRESUMED_VICTIM and stored_case.state is CaseState.SCREENING
    event = world.store.entries[-1].event
    assert event.action == AuditAction.SCREENING_COMPLETED
    assert event.details["recommendation"] == event.details["screening_outcome"] == "presumed_victim"
    assert not {"deceived_job", "locked_in", "Wolof"} & set(json.dumps(dict(event.details)).split('"'))
    assert world.service.draft_for(world.s(), case.id) is None
    assert verify_chain(world.store.entries).ok
    # The lifecycle guard now lets the officer move the case without a written reason.
    moved = world.cases.move(world.s(), case.id, CaseState.PRESUMED_VICTIM)
    assert moved.state is CaseState.PRESUMED_VICTIM


def test_a_completed_screening_is_immutable_and_re_screening_makes_a_new_one(world):
    case = world.case_in_screening()
    first = world.service.start(world.s(), case.id, BORDER)
    done, _ = world.service.complete(world.s(), first.id, NOTHING)
    assert done.recommendation == "no_indicators"
    before = (dict(world.store.records), len(world.store.entries))
    with pytest.raises(ScreeningCompleted):
        world.service.save_draft(world.s(), first.id, VICTIM)
    with pytest.raises(ScreeningCompleted):
        world.service.complete(world.s(), first.id, VICTIM)
    assert (dict(world.store.records), len(world.store.entries)) == before
    second = world.service.start(world.s(), case.id, BORDER)
    assert second.id != first.id and second.is_draft
    assert [s.id for s in world.service.for_case(world.s(), case.id)] == [first.id, second.id]
    assert world.store.get(Screening, first.id) == done


def test_completing_needs_every_required_visible_answer(world):
    case = world.case_in_screening()
    draft = world.service.start(world.s(), case.id, BORDER)
    partial = {k: v for k, v in VICTIM.items() if k != "locked_in"}
    with pytest.raises(AnswersMissing) as missing:
        world.service.complete(world.s(), draft.id, partial)
    assert isinstance(missing.value, ValidationError)
    assert [e.field for e in missing.value.errors] == ["answers.locked_in"]
    assert world.store.get(Screening, draft.id).is_draft


def test_refused_consent_hides_the_questions_and_can_be_completed(world):
    case = world.case_in_screening()
    draft = world.service.start(world.s(), case.id, BORDER)
    answers = {**SAFE, "consent": "no"}
    done, result = world.service.complete(world.s(), draft.id, answers)
    assert done.is_completed and result.recommendation.value == "no_indicators"
    assert world.store.get(Case, case.id).screening_outcome is CaseState.NO_INDICATORS


def test_a_possible_minor_is_screened_with_the_child_rule(world):
    case = world.case_in_screening(birth_year=date.today().year - 15)
    draft = world.service.start(world.s(), case.id, BORDER)
    _, result = world.service.complete(world.s(), draft.id, {**NOTHING, "deceived_pay": "yes"})
    assert result.child_rule and "child" in result.urgent_flags
    assert result.recommendation.value == "specialist_interview"
    assert world.store.get(Case, case.id).screening_outcome is None  # the case stays in screening


def test_roles_and_visibility(world):
    case = world.case_in_screening()
    with pytest.raises(PermissionDenied):
        world.service.start(world.s(world.secretariat), case.id, BORDER)
    with pytest.raises(NotFound):
        world.service.start(world.s(world.other_post), case.id, BORDER)
    draft = world.service.start(world.s(world.worker), case.id, BORDER)
    with pytest.raises(NotFound):  # another post's officer is not told the screening exists
        world.service.save_draft(world.s(world.other_post), draft.id, {})
    with pytest.raises(NotFound):
        world.service.get(world.s(world.other_post), draft.id)
    assert world.service.for_case(world.s(world.secretariat), case.id) == [draft]  # the secretariat reads
    with pytest.raises(ChecklistNotFound):
        world.service.start(world.s(), case.id, "no-such-checklist")


def test_the_record_validates_and_round_trips_through_its_wire_fields(world):
    case = world.case_in_screening()
    draft = world.service.start(world.s(), case.id, BORDER)
    done, _ = world.service.complete(world.s(), draft.id, VICTIM)
    fields = to_fields(done)
    assert fields["hmy_ChecklistId"] == BORDER and fields["hmy_Status"] == "completed"
    assert from_fields(Screening, done.id, json.loads(json.dumps(fields))) == done
    with pytest.raises(ValidationError):  # a completed screening without its result
        dataclasses.replace(done, result=None)
    with pytest.raises(ValidationError):  # a draft with a result
        dataclasses.replace(draft, recommendation="no_indicators")
    with pytest.raises(ValidationError) as bad:
        dataclasses.replace(draft, answers={"q": "a\u202eb"}, checklist_version=0)
    assert {e.field for e in bad.value.errors} == {"answers.q", "checklist_version"}


def test_urgent_triage_answers_become_a_screening_risk_assessment(world):
    from app.domain.case import RiskAssessment
    from app.domain.values import RiskStage

    calm = world.case_in_screening()
    world.service.complete(world.s(), world.service.start(world.s(), calm.id, BORDER).id, NOTHING)
    assert world.store.for_case(RiskAssessment, calm.id) == []  # nothing urgent: no risk record

    case = world.case_in_screening()
    draft = world.service.start(world.s(), case.id, BORDER)
    answers = {**NOTHING, "immediate_danger": "yes", "medical_urgency": "yes"}
    done, result = world.service.complete(world.s(), draft.id, answers)
    assert {"immediate_danger", "medical_urgency"} <= set(result.urgent_flags)
    [risk] = world.store.for_case(RiskAssessment, case.id)
    assert risk.stage is RiskStage.SCREENING and risk.is_urgent
    assert risk.immediate_danger is True and risk.medical_urgency is True
    assert risk.controller_nearby is None  # answered no in triage: not asserted as known-safe here
    assert world.store.entries[-1].event.details["risk_id"] == risk.id
