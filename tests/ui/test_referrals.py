"""Referrals on the desktop: the urgent referral from a screening outcome, the referral
dialog refusing without consent, status updates, what each role is offered, the form PDF."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QLabel, QLineEdit, QPlainTextEdit, QPushButton, QRadioButton, QTreeWidget, QWidget,
)

from app.domain.checks import new_id
from app.domain.person import Person
from app.domain.referral import Provider, ReferralStatus, ServiceCategory, Urgency
from app.domain.values import CaseState, ConsentDecision, ConsentKind, OverrideBasis, RiskStage, Role, Sex
from app.errors import PermissionDenied
from app.services.referrals import ConsentInput, ReferralDraft
from i18n.bidi import strip_isolates
from i18n.formatting import format_number
from uikit import PASSPHRASE, click, make_user, settle, type_text
from ui.composition import services_for
from ui.qt.cases.case_file import CaseFilePanel
from ui.qt.lang import language, tr
from ui.qt.referrals.referral_dialog import ReferralDialog

OFFICER, OFFICER_PASSPHRASE = "karim.t", "cactus lantern mosaic harbour 9"
WORKER, WORKER_PASSPHRASE = "nadia.s", "pomegranate river lantern 42"
SUPERVISOR_NAME, SUPERVISOR_PASSPHRASE = "salma.b", PASSPHRASE
SAFE = {"immediate_danger": "no", "controller_nearby": "no", "medical_urgency": "no", "possibly_minor": "no",
        "interpreter_needed": "no", "consent": "yes"}
NO_CONSENT = "there is no consent to a referral to this provider, nor a recorded child best-interests or " \
             "danger-to-life override"


def text_of(widget) -> str:
    return strip_isolates(widget.text())


def grace() -> Person:
    return Person(new_id(), first_name="Grace", first_name_ar="غريس", sex=Sex.FEMALE,
                  birth_year=date.today().year - 29, languages=("en",))


@pytest.fixture
def officer(ctx, monkeypatch):
    """A border officer of TNG-MED, with a case of the post in the screening step."""
    supervisor = services_for(ctx.vault.create(make_user(post="TNG-MED"), PASSPHRASE))
    supervisor.users.add_user(supervisor.session, username=OFFICER, display_name="Karim Tazi",
                              role=Role.BORDER_OFFICER, passphrase=OFFICER_PASSPHRASE, border_post="TNG-MED")
    supervisor.lock()
    ctx.services = services_for(ctx.vault.unlock(OFFICER, OFFICER_PASSPHRASE))
    s = ctx.services
    case = s.cases.register(s.session, grace())
    s.cases.record_consent(s.session, case.id, ConsentKind.SCREENING, ConsentDecision.GIVEN)
    s.cases.move(s.session, case.id, CaseState.SCREENING)
    return s, case.id


@pytest.fixture
def supervisor(ctx):
    """A supervisor with a presumed victim (screened on paper) at TNG-MED."""
    ctx.services = services_for(ctx.vault.create(make_user(post="TNG-MED"), PASSPHRASE))
    s = ctx.services
    case = s.cases.register(s.session, grace(), border_post="TNG-MED")
    s.cases.record_consent(s.session, case.id, ConsentKind.SCREENING, ConsentDecision.GIVEN)
    s.cases.move(s.session, case.id, CaseState.SCREENING)
    s.cases.move(s.session, case.id, CaseState.PRESUMED_VICTIM, reason="Screened on the paper form at the port.")
    return s, case.id


def open_file(ctx, qtbot, case_id) -> CaseFilePanel:
    panel = CaseFilePanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(1300, 800)
    panel.show()
    panel.show_case(case_id)
    settle(ctx, qtbot)
    assert panel.loaded is not None
    return panel


def open_referrals(ctx, qtbot, case_id) -> CaseFilePanel:
    panel = open_file(ctx, qtbot, case_id)
    panel.tabs.setCurrentWidget(panel.referrals_tab)
    settle(ctx, qtbot)
    return panel


def new_referral(ctx, qtbot, panel) -> ReferralDialog:
    click(qtbot, panel.findChild(QPushButton, "referralNew"))
    settle(ctx, qtbot)
    dialog = panel.referrals_tab.dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def nearest(services, case_id, category: ServiceCategory) -> Provider:
    """The provider of this category nearest to the case's post that takes the person."""
    file = stored_case(services, case_id)
    hits = services.referrals.providers(services.session, category=category, near_post=file.case.border_post,
                                        person=file.person)
    return next(hit.provider for hit in hits if hit.suits_person)


def choose_provider(ctx, qtbot, dialog, provider: Provider) -> None:
    """Type the provider's city in the search field, then pick its row."""
    qtbot.keyClicks(dialog.findChild(QLineEdit, "referralSearch"), provider.city_fr)
    tree = dialog.findChild(QTreeWidget, "referralProviders")
    qtbot.waitUntil(lambda: not dialog.picker.timer.isActive() and not ctx.ops.busy, timeout=10000)
    rows = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    typed = provider.city_fr.casefold()
    assert all(typed in (hit.provider.city_fr + hit.provider.name_fr).casefold() for hit in dialog.picker.hits)
    [row] = [item for item in rows if item.data(0, Qt.ItemDataRole.UserRole) == provider.id]
    tree.setCurrentItem(row)
    settle(ctx, qtbot)


def stored_case(services, case_id):
    return services.cases.open_case(services.session, case_id, record_view=False)


# --- (a) from a screening outcome to an urgent referral and its form --------------------------------
def test_urgent_referral_from_the_screening_outcome_and_its_pdf_form(ctx, officer, qtbot, tmp_path):
    services, case_id = officer
    panel = open_file(ctx, qtbot, case_id)
    panel.tabs.setCurrentWidget(panel.screening_tab)
    settle(ctx, qtbot)
    click(qtbot, panel.findChild(QPushButton, "screeningStartBorder"))
    settle(ctx, qtbot)
    interview = panel.screening_tab.screenings.dialog
    for item_id, value in {**SAFE, "immediate_danger": "yes", "consent": "no"}.items():
        click(qtbot, interview.findChild(QRadioButton, f"answer_{item_id}_{value}"))
    type_text(interview.findChild(QPlainTextEdit, "answer_interview_language"), "English")
    click(qtbot, interview.findChild(QPushButton, "screeningFinish"))
    settle(ctx, qtbot)
    outcome = interview.findChild(QWidget, "screeningOutcome")
    assert interview.pages.currentWidget() is outcome

    # Click 1: the urgent referral, preset: immediate, shelter or protection, the nearest provider
    # that takes a woman, the risk summary from the urgent flags.
    click(qtbot, outcome.findChild(QPushButton, "screeningUrgentReferral"))
    settle(ctx, qtbot)
    dialog = panel.screening_tab.screenings.referral_dialog
    assert dialog is not None and dialog.isVisible() and dialog.parent() is interview
    assert dialog.layoutDirection() == Qt.LayoutDirection.RightToLeft  # Arabic: the app's direction
    assert dialog.findChild(QRadioButton, "referralUrgency_immediate").isChecked()
    for hidden in ("referralUrgency_priority", "referralUrgency_routine"):  # a border officer: urgent only
        assert dialog.findChild(QRadioButton, hidden).isHidden()
    expected = nearest(services, case_id, ServiceCategory.EMERGENCY_PROTECTION)
    hit = dialog.picker.current()
    assert hit is not None and hit.provider.id == expected.id and hit.suits_person
    assert dialog.picker.current_category() is ServiceCategory.EMERGENCY_PROTECTION
    assert dialog.service_checks[ServiceCategory.EMERGENCY_PROTECTION].isChecked()
    assert tr("Immediate danger") in dialog.risk_summary.toPlainText()
    assert dialog.findChild(QWidget, "referralSampleNotice").isVisible()  # the shipped directory is a sample
    assert dialog.language.currentData() == "en"  # the person's language

    # No consent is recorded for that provider: the worker must choose; nothing is preselected.
    radios = [dialog.findChild(QRadioButton, f"referralConsent_{c}") for c in ("person", "danger")]
    assert all(r.isVisible() and not r.isChecked() for r in radios)
    assert dialog.findChild(QRadioButton, "referralConsent_child").isHidden()  # an adult
    click(qtbot, radios[0])
    # Click 2: send.
    with qtbot.waitSignal(dialog.referred, timeout=10000):
        click(qtbot, dialog.findChild(QPushButton, "referralSend"))
    settle(ctx, qtbot)

    file = stored_case(services, case_id)
    assert file.case.state is CaseState.REFERRED  # through urgent protection, in the same transaction
    [referral] = file.referrals
    assert referral.urgency is Urgency.IMMEDIATE and referral.provider_id == expected.id
    assert referral.categories == (ServiceCategory.EMERGENCY_PROTECTION,) and referral.language == "en"
    assert tr("Immediate danger") in referral.risk_summary
    [consent] = [c for c in file.consents if c.kind is ConsentKind.REFERRAL]
    assert consent.decision is ConsentDecision.GIVEN and consent.provider == expected.id
    [task] = file.tasks
    assert task.referral_id == referral.id and (task.due_on - date.today()).days == 2
    assert task.title == tr("Check the provider's answer to the referral")
    # The outcome shows the case's new step; the case file shows it too.
    assert interview.case.state is CaseState.REFERRED
    assert text_of(panel.findChild(QLabel, "caseState")) == tr("Referred")

    # "Referral sent. Print the form?" — the form is saved where the worker says.
    assert text_of(dialog.findChild(QLabel, "referralDoneTitle")) == tr("Referral sent. Print the form?")
    target = tmp_path / "forms" / "referral.pdf"
    target.parent.mkdir()
    asked: list[str] = []
    dialog.exporter.ask_path = lambda parent, suggested: asked.append(suggested) or str(target)
    click(qtbot, dialog.findChild(QPushButton, "referralPrint"))
    settle(ctx, qtbot)
    assert asked and asked[0].endswith(f"referral-{file.case.case_number}-{date.today().isoformat()}.pdf")
    result = dialog.findChild(QLabel, "referralPrintResult")
    assert str(target) in text_of(result), text_of(result)
    data = target.read_bytes()
    assert data.startswith(b"%PDF")
    assert sorted(p.name for p in target.parent.iterdir()) == ["referral.pdf"]  # no temporary file left
    assert target.stat().st_mode & 0o077 == 0  # case data: readable by its owner only
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True, check=True).stdout
        assert file.case.case_number in text
    click(qtbot, dialog.findChild(QPushButton, "referralClose"))
    assert not dialog.isVisible()


# --- (b) no consent, no referral; an override needs its reason ---------------------------------------
def test_a_referral_without_consent_is_refused_with_every_reason_and_nothing_is_stored(ctx, supervisor, qtbot):
    services, case_id = supervisor
    panel = open_referrals(ctx, qtbot, case_id)
    dialog = new_referral(ctx, qtbot, panel)
    assert dialog.findChild(QRadioButton, "referralUrgency_priority").isChecked()
    shelter = nearest(services, case_id, ServiceCategory.SHELTER)
    choose_provider(ctx, qtbot, dialog, shelter)
    click(qtbot, dialog.findChild(QWidget, "referralService_shelter"))
    type_text(dialog.findChild(QPlainTextEdit, "referralServicesDetail"), "سرير الليلة")
    assert not any(r.isChecked() for r in dialog.consent_radios.values())

    click(qtbot, dialog.findChild(QPushButton, "referralSend"))
    settle(ctx, qtbot)
    error = dialog.findChild(QLabel, "referralError")
    assert error.isVisible() and tr(NO_CONSENT) in error.text()
    assert dialog.isVisible() and dialog.pages.currentIndex() == 1  # stays open with what was typed
    assert dialog.services_detail.toPlainText() == "سرير الليلة"
    file = stored_case(services, case_id)
    assert not file.referrals and not file.tasks and file.case.state is CaseState.PRESUMED_VICTIM
    assert not [c for c in file.consents if c.kind is ConsentKind.REFERRAL]

    # An override needs the person's decision and a reason; the core's refusal shows under the field.
    click(qtbot, dialog.findChild(QRadioButton, "referralConsent_danger"))
    click(qtbot, dialog.findChild(QPushButton, "referralSend"))
    settle(ctx, qtbot)
    assert dialog.findChild(QLabel, "error_decision").isVisible()
    click(qtbot, dialog.findChild(QRadioButton, "referralNoConsent_not_obtained"))
    type_text(dialog.findChild(QPlainTextEdit, "referralOverrideReason"), "خطر")
    click(qtbot, dialog.findChild(QPushButton, "referralSend"))
    settle(ctx, qtbot)
    assert dialog.findChild(QLabel, "error_override_reason").isVisible()
    assert not stored_case(services, case_id).referrals
    type_text(dialog.findChild(QPlainTextEdit, "referralOverrideReason"), " على حياتها، المراقب في الميناء")
    with qtbot.waitSignal(dialog.referred, timeout=10000):
        click(qtbot, dialog.findChild(QPushButton, "referralSend"))
    settle(ctx, qtbot)
    file = stored_case(services, case_id)
    [referral] = file.referrals
    assert referral.override is OverrideBasis.DANGER_TO_LIFE and referral.urgency is Urgency.PRIORITY
    assert file.case.state is CaseState.REFERRED
    # The tab lists it, with the provider's name in the interface language.
    dialog.accept()
    settle(ctx, qtbot)
    tree = panel.findChild(QTreeWidget, "referralList")
    assert tree.topLevelItemCount() == 1
    assert tree.topLevelItem(0).text(0) == shelter.name_ar
    assert tree.topLevelItem(0).text(3) == tr("Sent")

    # A later referral to the same provider rests on the recorded override: nothing to choose.
    dialog = new_referral(ctx, qtbot, panel)
    choose_provider(ctx, qtbot, dialog, shelter)
    assert dialog.findChild(QWidget, "referralConsentChoices").isHidden()
    assert tr("Danger to life") in text_of(dialog.findChild(QLabel, "referralConsentState"))
    dialog.reject()


# --- (c) the provider's answer -------------------------------------------------------------------------
def test_status_update_accept_moves_the_case_and_decline_needs_feedback(ctx, supervisor, qtbot, tmp_path):
    services, case_id = supervisor
    made = services.referrals.refer(services.session, case_id, ReferralDraft(
        nearest(services, case_id, ServiceCategory.SHELTER).id, (ServiceCategory.SHELTER, ServiceCategory.PSYCHOSOCIAL), Urgency.PRIORITY),
        ConsentInput(ConsentDecision.GIVEN))
    panel = open_referrals(ctx, qtbot, case_id)
    tab = panel.referrals_tab
    update = panel.findChild(QPushButton, "referralUpdate")
    assert not update.isEnabled()  # nothing chosen yet
    tab.tree.setCurrentItem(tab.tree.topLevelItem(0))
    click(qtbot, update)
    status = tab.status_dialog
    assert sorted(status.radios) == sorted([ReferralStatus.ACCEPTED, ReferralStatus.DECLINED,
                                            ReferralStatus.WITHDRAWN])  # STATUS_MOVES of "sent"

    click(qtbot, status.findChild(QRadioButton, "referralStatus_declined"))
    click(qtbot, status.findChild(QPushButton, "referralStatusSave"))
    settle(ctx, qtbot)
    assert status.isVisible() and status.findChild(QLabel, "error_feedback").isVisible()
    assert services.referrals.referral(services.session, made.referral.id).status is ReferralStatus.SENT

    click(qtbot, status.findChild(QRadioButton, "referralStatus_accepted"))
    type_text(status.findChild(QPlainTextEdit, "referralFeedback"), "سرير متاح الليلة")
    click(qtbot, status.findChild(QPushButton, "referralStatusSave"))
    settle(ctx, qtbot)
    assert not status.isVisible()
    stored = services.referrals.referral(services.session, made.referral.id)
    assert stored.status is ReferralStatus.ACCEPTED and stored.responded_on == date.today()
    assert stored.feedback == "سرير متاح الليلة"
    assert stored_case(services, case_id).case.state is CaseState.ACCEPTED
    assert text_of(panel.findChild(QLabel, "caseState")) == tr("Accepted")
    row = tab.tree.topLevelItem(0)
    assert row.text(3) == tr("Accepted") and row.text(7) == "سرير متاح الليلة"

    # Accepted: only completion or withdrawal are offered next.
    tab.tree.setCurrentItem(tab.tree.topLevelItem(0))
    click(qtbot, update)
    assert sorted(tab.status_dialog.radios) == sorted([ReferralStatus.COMPLETED, ReferralStatus.WITHDRAWN])
    tab.status_dialog.reject()

    # The form of the chosen referral, from the tab; cancelling the file dialog writes nothing.
    folder = tmp_path / "forms"
    folder.mkdir()
    target = folder / "form.pdf"
    answers = iter(["", str(folder / "form")])  # cancelled, then a name without its extension
    tab.exporter.ask_path = lambda parent, suggested: next(answers)
    printing = panel.findChild(QPushButton, "referralPrintForm")
    click(qtbot, printing)
    settle(ctx, qtbot)
    assert not list(folder.iterdir()) and panel.findChild(QLabel, "referralPrintResult").isHidden()
    click(qtbot, printing)
    settle(ctx, qtbot)
    assert target.read_bytes().startswith(b"%PDF") and [p.name for p in folder.iterdir()] == ["form.pdf"]
    assert str(target) in text_of(panel.findChild(QLabel, "referralPrintResult"))


# --- (d) what each role is offered ------------------------------------------------------------------------
def test_a_border_officer_is_offered_only_the_urgent_referral(ctx, officer, qtbot):
    services, case_id = officer
    panel = open_referrals(ctx, qtbot, case_id)
    button = panel.findChild(QPushButton, "referralNew")
    assert button.isEnabled() and text_of(button) == tr("Urgent referral")
    assert panel.findChild(QPushButton, "referralUpdate").isHidden()  # status updates are case work
    dialog = new_referral(ctx, qtbot, panel)
    assert dialog.urgent and dialog.findChild(QRadioButton, "referralUrgency_immediate").isChecked()
    for hidden in ("referralUrgency_priority", "referralUrgency_routine"):
        assert dialog.findChild(QRadioButton, hidden).isHidden()
    assert dialog.findChild(QLabel, "referralUrgencyHint").isVisible()
    dialog.reject()
    with pytest.raises(PermissionDenied):  # and the core refuses it anyway
        services.referrals.refer(services.session, case_id, ReferralDraft(
            nearest(services, case_id, ServiceCategory.SHELTER).id, (ServiceCategory.SHELTER,), Urgency.ROUTINE), ConsentInput(ConsentDecision.GIVEN))


def test_the_secretariat_cannot_refer(ctx, qtbot):
    secretariat = services_for(ctx.vault.create(make_user("sec.x", Role.SECRETARIAT), PASSPHRASE))
    secretariat.users.add_user(secretariat.session, username=WORKER, display_name="Nadia S",
                               role=Role.SUPERVISOR, passphrase=WORKER_PASSPHRASE, scope_id="north")
    secretariat.lock()
    worker = services_for(ctx.vault.unlock(WORKER, WORKER_PASSPHRASE))
    case = worker.cases.register(worker.session, grace(), border_post="TNG-MED")
    worker.lock()
    ctx.services = services_for(ctx.vault.unlock("sec.x", PASSPHRASE))
    panel = open_referrals(ctx, qtbot, case.id)
    button = panel.findChild(QPushButton, "referralNew")
    assert not button.isEnabled()
    denied = panel.findChild(QLabel, "referralDenied")
    assert denied.isVisible() and denied.text() == button.toolTip() != ""
    assert panel.findChild(QPushButton, "referralUpdate").isHidden()
    with pytest.raises(PermissionDenied):
        ctx.services.referrals.refer(ctx.services.session, case.id, ReferralDraft(
            nearest(ctx.services, case.id, ServiceCategory.SHELTER).id, (ServiceCategory.SHELTER,), Urgency.IMMEDIATE, risk_summary="Danger immédiat au port"))


def test_a_provider_that_does_not_take_the_person_is_greyed_with_why(ctx, supervisor, qtbot):
    services, _case_id = supervisor
    man = Person(new_id(), first_name="Samuel", first_name_ar="صامويل", sex=Sex.MALE, birth_year=1990)
    case = services.cases.register(services.session, man, border_post="TNG-MED")
    panel = open_referrals(ctx, qtbot, case.id)
    dialog = new_referral(ctx, qtbot, panel)
    tree = dialog.findChild(QTreeWidget, "referralProviders")
    providers = {p.id: p for p in services.opened.store.all_records(Provider) if p.active}
    assert tree.topLevelItemCount() == len(providers)
    rows = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    for item in rows:
        provider = providers[item.data(0, Qt.ItemDataRole.UserRole)]
        assert item.text(0) == provider.name_ar and item.text(1).split("\n")[0] == provider.city_ar
    # Those that take a man first, nearest to Tanger Med first; those that do not, greyed, say why.
    hits = dialog.picker.hits
    nearest_km = hits[0].distance_km
    assert hits[0].suits_person and nearest_km < 50
    assert rows[0].text(1).split("\n")[1] == tr("{km} km").format(km=format_number(round(nearest_km), "ar"))
    suited = [hit.suits_person for hit in hits]
    assert suited == sorted(suited, reverse=True) and not all(suited)
    greyed = rows[suited.index(False)]
    assert tr("Does not take men") in greyed.text(3) and greyed.toolTip(0) == tr("Does not take men")
    assert greyed.foreground(0).color().name() != rows[0].foreground(0).color().name()
    assert tr("Does not take men") not in rows[0].text(3)
    tree.setCurrentItem(greyed)
    assert tr("Does not take men") in text_of(dialog.findChild(QLabel, "referralProviderDetail"))

    # The category filter narrows the list and presets the service asked.
    dialog.picker.category.set_value(ServiceCategory.HEALTH)
    settle(ctx, qtbot)
    health = [p for p in providers.values() if ServiceCategory.HEALTH in p.categories]
    assert tree.topLevelItemCount() == len(health) and dialog.service_checks[ServiceCategory.HEALTH].isChecked()
    assert not dialog.service_checks[ServiceCategory.SHELTER].isChecked()
    first = providers[tree.topLevelItem(0).data(0, Qt.ItemDataRole.UserRole)]
    language.apply("fr")
    assert dialog.findChild(QLineEdit, "referralSearch").placeholderText() == tr("Type a name or a city")
    assert tree.topLevelItem(0).text(1).startswith(first.city_fr) and tree.topLevelItem(0).text(0) == first.name_fr
    dialog.reject()


def test_with_consent_recorded_an_urgent_referral_takes_two_clicks(ctx, officer, qtbot):
    services, case_id = officer
    provider = nearest(services, case_id, ServiceCategory.EMERGENCY_PROTECTION)
    services.cases.record_risk(services.session, case_id, RiskStage.SCREENING, controller_nearby=True)
    services.cases.record_consent(services.session, case_id, ConsentKind.REFERRAL, ConsentDecision.GIVEN,
                                  provider=provider.id)
    panel = open_referrals(ctx, qtbot, case_id)
    dialog = new_referral(ctx, qtbot, panel)  # click 1: "Urgent referral"
    assert dialog.findChild(QWidget, "referralConsentChoices").isHidden()  # the recorded consent is shown
    assert tr("A controller is nearby") in dialog.risk_summary.toPlainText()
    with qtbot.waitSignal(dialog.referred, timeout=10000):
        click(qtbot, dialog.findChild(QPushButton, "referralSend"))  # click 2
    settle(ctx, qtbot)
    file = stored_case(services, case_id)
    [referral] = file.referrals
    assert referral.provider_id == provider.id and referral.urgency is Urgency.IMMEDIATE
    assert file.case.state is CaseState.REFERRED
    assert len([c for c in file.consents if c.kind is ConsentKind.REFERRAL]) == 1  # nothing recorded twice


def test_consents_name_the_provider_as_the_directory_does_not_by_its_id(ctx, supervisor, qtbot):
    services, case_id = supervisor
    provider = nearest(services, case_id, ServiceCategory.SHELTER)
    services.cases.record_consent(services.session, case_id, ConsentKind.REFERRAL, ConsentDecision.GIVEN,
                                  provider=provider.id)
    services.cases.record_consent(services.session, case_id, ConsentKind.REFERRAL, ConsentDecision.GIVEN,
                                  provider="Typed by hand before the directory")
    panel = open_file(ctx, qtbot, case_id)
    tree = panel.risk_tab.consents
    shown = {tree.topLevelItem(i).text(3) for i in range(tree.topLevelItemCount())}
    assert provider.name(language.code) in shown
    assert "Typed by hand before the directory" in shown
    assert provider.id not in shown
