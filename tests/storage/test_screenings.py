"""Screenings in a real store: a draft survives lock and unlock, a completed one is final,
and an older store gains the screenings table when it is migrated."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.domain.case import Case
from app.domain.screening import Screening
from app.domain.values import CaseState, ConsentDecision, ConsentKind
from app.screening.checklist import default_library
from app.services.audit import verify
from app.services.cases import CaseService
from app.services.screening import ScreeningCompleted, ScreeningService
from storage import migrations
from storage.database import integrity_problems
from storage.vault import Vault

BORDER = "border-short"
SAFE = {"immediate_danger": "no", "controller_nearby": "no", "medical_urgency": "no", "possibly_minor": "no",
        "interview_language": "Tamazight", "interpreter_needed": "no", "consent": "yes"}
REST_NO = {i: "no" for i in (
    "promised_job_abroad", "travel_arranged", "deceived_job", "deceived_pay", "violence_journey", "threatened",
    "debt", "documents_taken", "family_problems_used", "no_papers_used", "controlled", "long_hours",
    "little_or_no_pay", "locked_in", "forced_acts", "dependent", "unknown_place", "afraid_of_police",
    "purpose_stated")}
VICTIM = {**SAFE, **REST_NO, "has_worked": "yes", "deceived_job": "yes", "deceived_pay": "yes",
          "long_hours": "yes", "little_or_no_pay": "yes", "locked_in": "yes", "forced_acts": "yes"}


def services(opened) -> tuple[CaseService, ScreeningService]:
    return CaseService(opened.store), ScreeningService(opened.store, default_library())


def screening_case(opened, store_tools) -> Case:
    case, _ = store_tools.register(opened, first_name="Amina")
    cases, _ = services(opened)
    cases.record_consent(opened.session, case.id, ConsentKind.SCREENING, ConsentDecision.GIVEN)
    return cases.move(opened.session, case.id, CaseState.SCREENING)


def test_a_draft_resumes_after_lock_and_unlock_then_completes_for_good(new_store, store_tools) -> None:
    vault, opened = new_store
    case = screening_case(opened, store_tools)
    _, screenings = services(opened)
    draft = screenings.start(opened.session, case.id, BORDER)
    screenings.save_draft(opened.session, draft.id, {"immediate_danger": "yes", "interview_language": "Tamazight"})
    opened.lock()

    opened = vault.unlock(store_tools.username, store_tools.passphrase)
    try:
        cases, screenings = services(opened)
        resumed = screenings.draft_for(opened.session, case.id)
        assert resumed is not None and resumed.id == draft.id
        assert resumed.answers == {"immediate_danger": "yes", "interview_language": "Tamazight"}
        assert (resumed.checklist_id, resumed.checklist_version) == (BORDER, draft.checklist_version)

        done, result = screenings.complete(opened.session, draft.id, VICTIM)
        assert result.recommendation.value == "presumed_victim"
        assert opened.store.get(Screening, draft.id) == done
        assert opened.store.get(Case, case.id).screening_outcome is CaseState.PRESUMED_VICTIM
        with pytest.raises(ScreeningCompleted):
            screenings.save_draft(opened.session, draft.id, SAFE)
        assert opened.store.get(Screening, draft.id) == done

        again = screenings.start(opened.session, case.id, BORDER)
        assert [s.id for s in screenings.for_case(opened.session, case.id)] == [draft.id, again.id]
        assert cases.move(opened.session, case.id, CaseState.PRESUMED_VICTIM).state is CaseState.PRESUMED_VICTIM

        db = opened.store.db
        status = dict(db.execute("SELECT id, status FROM screenings").fetchall())
        assert status == {draft.id: "completed", again.id: "draft"}
        # The outbox rebuilds every screening field by field; the audit names no answer.
        assert store_tools.consistency_problems(db) == []
        details = " ".join(r[0] for r in db.execute("SELECT details FROM audit WHERE action LIKE 'screening_%'"))
        assert "Tamazight" not in details and "locked_in" not in details
        assert verify(opened.store).ok
    finally:
        opened.lock()


def test_an_older_store_is_migrated_to_the_screenings_table(tmp_path: Path, store_tools) -> None:
    folder = tmp_path / "store"
    old = store_tools.build_v1_store(folder, [{"prs_FirstName": "Youssef", "prs_FirstNameAr": "يوسف"}])
    opened = Vault(folder).unlock(store_tools.username, store_tools.passphrase)
    try:
        db = opened.store.db
        assert migrations.version(db) == migrations.CURRENT >= 4
        assert {row[1] for row in db.execute("PRAGMA table_info(screenings)")} == {
            "id", "case_id", "at", "status", "data", "dots"}
        assert "screenings_case" in {row[1] for row in db.execute("PRAGMA index_list(screenings)")}
        assert integrity_problems(db) == []
        # The case from before the migration can be screened.
        case_id = old["case_ids"][0]
        cases, screenings = services(opened)
        draft = screenings.start(opened.session, case_id, BORDER)
        assert screenings.for_case(opened.session, case_id) == [draft]
        assert store_tools.consistency_problems(db) == []
    finally:
        opened.lock()
