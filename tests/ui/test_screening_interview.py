"""The guided screening interview, driven from the case file by a border officer."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication, QDialog, QLabel, QPlainTextEdit, QProgressBar, QPushButton, QRadioButton, QTreeWidget,
    QWidget,
)

from app.domain.checks import new_id
from app.domain.person import Person
from app.domain.screening import Screening
from app.domain.values import CaseState, ConsentDecision, ConsentKind, Role
from app.screening.engine import RECOMMENDATION_LABELS, Recommendation
from app.services.screening import ScreeningCompleted
from i18n.bidi import strip_isolates
from uikit import PASSPHRASE, make_user, type_text
from ui.composition import services_for
from ui.qt.cases.case_file import CaseFilePanel
from ui.qt.lang import language, ntr, tr
from ui.qt.screening.labels import DIMENSION_LABELS, URGENT_LABELS

OFFICER, OFFICER_PASSPHRASE = "karim.t", "cactus lantern mosaic harbour 9"
SAFE = {"immediate_danger": "no", "controller_nearby": "no", "medical_urgency": "no", "possibly_minor": "no",
        "interpreter_needed": "no", "consent": "yes"}
JOURNEY = {"promised_job_abroad": "yes", "travel_arranged": "yes", "deceived_job": "yes", "deceived_pay": "yes",
           "violence_journey": "no", "threatened": "no", "debt": "unknown", "documents_taken": "no",
           "family_problems_used": "no", "no_papers_used": "no", "controlled": "no"}
WORK = {"long_hours": "yes", "little_or_no_pay": "yes", "locked_in": "yes", "forced_acts": "yes",
        "dependent": "no", "unknown_place": "no", "afraid_of_police": "no"}


@pytest.fixture
def officer(ctx, monkeypatch):
    """Unlocked as a border officer of TNG-MED, with a case of the post in the screening step."""
    monkeypatch.setenv("HIMAYA_KDF", "minimum")  # the officer's unlock stays quick
    supervisor = services_for(ctx.vault.create(make_user(post="TNG-MED"), PASSPHRASE))
    supervisor.users.add_user(supervisor.session, username=OFFICER, display_name="Karim Tazi",
                              role=Role.BORDER_OFFICER, passphrase=OFFICER_PASSPHRASE, border_post="TNG-MED")
    supervisor.lock()
    ctx.services = services_for(ctx.vault.unlock(OFFICER, OFFICER_PASSPHRASE))
    s = ctx.services
    person = Person(new_id(), first_name="Grace", first_name_ar="غريس", birth_year=date.today().year - 29)
    case = s.cases.register(s.session, person)
    s.cases.record_consent(s.session, case.id, ConsentKind.SCREENING, ConsentDecision.GIVEN)
    s.cases.move(s.session, case.id, CaseState.SCREENING)
    return s, case.id


def settle(ctx, qtbot) -> None:
    qtbot.waitUntil(lambda: not ctx.ops.busy, timeout=10000)
    QApplication.processEvents()


def click(qtbot, widget) -> None:
    assert widget is not None and widget.isVisible() and widget.isEnabled(), widget
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def text_of(widget) -> str:
    return strip_isolates(widget.text())


def open_file(ctx, qtbot, case_id):
    panel = CaseFilePanel(ctx)
    qtbot.addWidget(panel)
    panel.show()
    panel.show_case(case_id)
    settle(ctx, qtbot)
    panel.tabs.setCurrentWidget(panel.screening_tab)
    settle(ctx, qtbot)
    return panel


def start(ctx, qtbot, panel, button="screeningStartBorder"):
    click(qtbot, panel.findChild(QPushButton, button))
    settle(ctx, qtbot)
    dialog = panel.screening_tab.screenings.dialog
    assert dialog is not None and dialog.objectName() == "screeningInterview" and dialog.isVisible()
    return dialog


def answer(qtbot, dialog, answers: dict) -> None:
    for item_id, value in answers.items():
        click(qtbot, dialog.findChild(QRadioButton, f"answer_{item_id}_{value}"))


def next_page(ctx, qtbot, dialog) -> None:
    click(qtbot, dialog.findChild(QPushButton, "screeningNext"))
    settle(ctx, qtbot)


def test_border_officer_screens_saves_resumes_completes_and_moves_the_case(ctx, officer, qtbot):
    services, case_id = officer
    panel = open_file(ctx, qtbot, case_id)
    assert panel.findChild(QPushButton, "screeningStartFullInterview").isVisible()
    dialog = start(ctx, qtbot, panel)
    checklist = dialog.checklist
    assert dialog.pages.currentWidget().objectName() == "section_safety"  # safety and triage first
    progress = dialog.findChild(QProgressBar, "screeningProgress")
    assert (progress.value(), progress.maximum()) == (0, 1)  # the questions come after consent

    # A danger answer shows the immediate actions at once, in the interface language.
    actions = dialog.findChild(QWidget, "screeningActions")
    assert actions.isHidden()
    answer(qtbot, dialog, {"immediate_danger": "yes"})
    assert actions.isVisible()
    expected = checklist.item("immediate_danger").actions.get(language.code)
    assert expected in dialog.findChild(QLabel, "screeningActionsText").text()
    assert not language.missing

    with qtbot.waitSignal(dialog.finished, timeout=10000):
        click(qtbot, dialog.findChild(QPushButton, "screeningSave"))
    settle(ctx, qtbot)
    assert dialog.result() == QDialog.DialogCode.Accepted
    draft = services.screenings.draft_for(services.session, case_id)
    assert draft.answers == {"immediate_danger": "yes"} and draft.checklist_id == "border-short"

    # The list shows the draft; resuming brings the answers back.
    tab = panel.screening_tab.screenings
    assert tab.tree.topLevelItemCount() == 1 and tr("Under way (draft)") in tab.tree.topLevelItem(0).text(2)
    click(qtbot, panel.findChild(QPushButton, "screeningResume"))
    settle(ctx, qtbot)
    dialog = tab.dialog
    progress = dialog.findChild(QProgressBar, "screeningProgress")
    assert dialog.findChild(QRadioButton, "answer_immediate_danger_yes").isChecked()
    assert dialog.findChild(QWidget, "screeningActions").isVisible()

    # Skip logic: the unaccompanied-child question comes only for a possible minor.
    child = dialog.findChild(QWidget, "question_unaccompanied_child")
    assert child.isHidden()
    answer(qtbot, dialog, {"possibly_minor": "yes"})
    assert child.isVisible()
    answer(qtbot, dialog, SAFE)
    assert child.isHidden() and dialog.findChild(QWidget, "screeningActions").isHidden()
    type_text(dialog.findChild(QPlainTextEdit, "answer_interview_language"), "الدارجة")

    # Keys 1-4 answer the question that has the focus and move on to the next one.
    dialog.questions["consent"].focus_answer()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_1)
    assert dialog.findChild(QRadioButton, "answer_consent_yes").isChecked()
    assert progress.maximum() == 5 and "1" in progress.text() and "5" in progress.text()

    next_page(ctx, qtbot, dialog)
    assert dialog.pages.currentWidget().objectName() == "section_journey"
    assert progress.value() == 1
    assert services.screenings.get(services.session, dialog.screening.id).answers["consent"] == "yes"  # autosaved
    answer(qtbot, dialog, JOURNEY)
    next_page(ctx, qtbot, dialog)
    answer(qtbot, dialog, {"has_worked": "yes"})
    next_page(ctx, qtbot, dialog)
    assert dialog.pages.currentWidget().objectName() == "section_work"
    answer(qtbot, dialog, WORK)
    next_page(ctx, qtbot, dialog)
    answer(qtbot, dialog, {"purpose_stated": "no"})
    assert dialog.findChild(QPushButton, "screeningNext").isHidden()
    click(qtbot, dialog.findChild(QPushButton, "screeningFinish"))
    settle(ctx, qtbot)

    # The outcome: the recommendation in words, why, unknown answers, next actions.
    outcome = dialog.findChild(QWidget, "screeningOutcome")
    assert dialog.pages.currentWidget() is outcome
    assert text_of(outcome.findChild(QLabel, "screeningRecommendation")) == \
        tr(RECOMMENDATION_LABELS[Recommendation.PRESUMED_VICTIM])
    reasons = text_of(outcome.findChild(QLabel, "screeningReasons"))
    for code in ("DR", "EX", "CD"):
        assert tr(DIMENSION_LABELS[code]) in reasons
    assert checklist.item("locked_in").text.get(language.code) in reasons
    one_unknown = ntr('{count} answer was "not known".', '{count} answers were "not known".', 1).format(count=1)
    assert text_of(outcome.findChild(QLabel, "screeningUnknown")) == one_unknown  # "debt" was not known
    stored = services.cases.open_case(services.session, case_id, record_view=False).case
    assert stored.screening_outcome is CaseState.PRESUMED_VICTIM and stored.state is CaseState.SCREENING

    click(qtbot, outcome.findChild(QPushButton, "screeningMoveOutcome"))
    settle(ctx, qtbot)
    assert services.cases.open_case(services.session, case_id, record_view=False).case.state \
        is CaseState.PRESUMED_VICTIM
    assert outcome.findChild(QPushButton, "screeningMoveOutcome").isHidden()
    click(qtbot, dialog.findChild(QPushButton, "screeningClose"))
    settle(ctx, qtbot)
    assert text_of(panel.findChild(QLabel, "caseState")) == tr("Presumed victim")
    assert tr(RECOMMENDATION_LABELS[Recommendation.PRESUMED_VICTIM]) in tab.tree.topLevelItem(0).text(2)

    history = panel.findChild(QTreeWidget, "historyList")
    events = [strip_isolates(history.topLevelItem(i).text(2)) for i in range(history.topLevelItemCount())]
    assert tr("Screening completed") in events and tr("Screening started") in events

    # A completed screening opens on its outcome, with nothing left to answer.
    tab.tree.setCurrentItem(tab.tree.topLevelItem(0))
    click(qtbot, panel.findChild(QPushButton, "screeningView"))
    settle(ctx, qtbot)
    view = tab.dialog
    assert view is not dialog and view.pages.currentWidget() is view.outcome
    assert text_of(view.findChild(QLabel, "screeningRecommendation")) == \
        tr(RECOMMENDATION_LABELS[Recommendation.PRESUMED_VICTIM])
    for name in ("screeningFinish", "screeningSave", "screeningNext"):
        assert view.findChild(QPushButton, name).isHidden()
    view.accept()

    # A completed screening is final: the service refuses to change it.
    done = services.screenings.get(services.session, dialog.screening.id)
    with pytest.raises(ScreeningCompleted):
        services.screenings.save_draft(services.session, done.id, SAFE)
    assert services.screenings.get(services.session, done.id) == done
    assert not language.missing


def test_urgent_answers_offer_urgent_protection_and_the_full_interview(ctx, officer, qtbot):
    services, case_id = officer
    panel = open_file(ctx, qtbot, case_id)
    dialog = start(ctx, qtbot, panel)
    answer(qtbot, dialog, {**SAFE, "immediate_danger": "yes", "consent": "no"})
    type_text(dialog.findChild(QPlainTextEdit, "answer_interview_language"), "English")
    # Without consent no further section is asked: this page is the last one.
    assert dialog.findChild(QPushButton, "screeningNext").isHidden()
    click(qtbot, dialog.findChild(QPushButton, "screeningFinish"))
    settle(ctx, qtbot)
    outcome = dialog.findChild(QWidget, "screeningOutcome")
    assert tr(URGENT_LABELS["immediate_danger"]) in text_of(outcome.findChild(QLabel, "screeningUrgent"))
    stored = services.screenings.for_case(services.session, case_id)[-1]
    assert stored.is_completed and "consent" in stored.answers and "deceived_job" not in stored.answers

    click(qtbot, outcome.findChild(QPushButton, "screeningUrgentProtection"))
    move = dialog.move_dialog
    type_text(move.findChild(QPlainTextEdit, "moveReason"), "Danger immédiat au poste, protection demandée.")
    click(qtbot, move.findChild(QPushButton, "moveConfirm"))
    settle(ctx, qtbot)
    assert services.cases.open_case(services.session, case_id, record_view=False).case.state \
        is CaseState.URGENT_PROTECTION

    # From the outcome, the full interview starts as a new screening.
    click(qtbot, outcome.findChild(QPushButton, "screeningStartFull"))
    settle(ctx, qtbot)
    full = panel.screening_tab.screenings.dialog
    assert full is not dialog and full.isVisible() and full.checklist.id == "ilo-full"
    assert [s.checklist_id for s in services.screenings.for_case(services.session, case_id)] == \
        ["border-short", "ilo-full"]
    # Choice questions and their skip logic in the full interview.
    answer(qtbot, full, {"consent": "yes"})
    assert full.findChild(QProgressBar, "screeningProgress").maximum() == len(full.checklist.sections)
    while full.pages.currentWidget().objectName() != "section_act_purpose":
        next_page(ctx, qtbot, full)
    kind = full.findChild(QWidget, "question_act_kind")
    assert kind.isHidden()
    answer(qtbot, full, {"act_any": "yes"})
    assert kind.isVisible()
    answer(qtbot, full, {"act_kind": "transport", "exploitation_form": "forced_labour"})
    assert full.answers["act_kind"] == "transport"
    assert full.findChild(QWidget, "question_exploitation_stage").isVisible()
    option = full.checklist.item("act_kind").options[1]
    assert full.findChild(QRadioButton, "answer_act_kind_transport").text() == option.text.get(language.code)


def test_language_switch_relabels_in_place_and_a_lock_keeps_the_answers(ctx, officer, qtbot):
    services, case_id = officer
    panel = open_file(ctx, qtbot, case_id)
    dialog = start(ctx, qtbot, panel)
    answer(qtbot, dialog, {"controller_nearby": "yes"})
    question = dialog.findChild(QLabel, "questionText_controller_nearby")
    item = dialog.checklist.item("controller_nearby")
    assert item.text.ar in question.text()
    language.apply("en")
    assert item.text.en in question.text()
    assert dialog.findChild(QRadioButton, "answer_controller_nearby_yes").isChecked()
    assert item.actions.en in dialog.findChild(QLabel, "screeningActionsText").text()
    assert dialog.findChild(QPushButton, "screeningSave").text() == "Save and close"

    # Roles that may not run a screening are not offered to start one.
    tab = panel.screening_tab.screenings
    assert tab.start_border.isVisible() and tab.start_full.isVisible()
    tab.loaded = dataclasses.replace(tab.loaded, role=Role.SECRETARIAT)
    tab.render()
    assert tab.start_border.isHidden() and tab.start_full.isHidden() and tab.resume.isHidden()
    tab.loaded = dataclasses.replace(tab.loaded, role=Role.BORDER_OFFICER)

    # Locking clears the case file; what was answered is saved before the store closes.
    screening_id = dialog.screening.id
    panel.clear()
    settle(ctx, qtbot)
    assert panel.screening_tab.screenings.dialog is None
    stored = services.screenings.get(services.session, screening_id)
    assert stored.answers == {"controller_nearby": "yes"} and isinstance(stored, Screening)
