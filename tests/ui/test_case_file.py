"""The case file, the new-case dialog and lifecycle moves, driven through their widgets."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox, QDialog, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QTreeWidget, QWidget,
)

import i18n
from app.domain.values import CaseState, ConsentDecision, ConsentKind, Role
from app.errors import StaleRecord
from app.ports import CaseQuery
from i18n.bidi import strip_isolates
from uikit import PASSPHRASE, make_user, type_text
from ui.composition import services_for
from ui.qt.cases.case_file import CaseFilePanel
from ui.qt.cases.new_case import NewCaseDialog
from ui.qt.lang import language, tr

OFFICER = "karim.t"
OFFICER_PASSPHRASE = "cactus lantern mosaic harbour 9"


@pytest.fixture
def services(ctx):
    opened = ctx.vault.create(make_user(post="TNG-MED"), PASSPHRASE)
    ctx.services = services_for(opened)
    return ctx.services


def settle(ctx, qtbot) -> None:
    """Let every queued store call finish and its callbacks run on the GUI thread."""
    qtbot.waitUntil(lambda: not ctx.ops.busy, timeout=10000)


def click(qtbot, widget) -> None:
    assert widget is not None and widget.isEnabled()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def text_of(widget) -> str:
    return strip_isolates(widget.text())


def register(ctx, qtbot, latin="Youssef", arabic="يوسف") -> str:
    dialog = NewCaseDialog(ctx)
    qtbot.addWidget(dialog)
    type_text(dialog.findChild(QLineEdit, "personFirstNameAr"), arabic)
    qtbot.keyClicks(dialog.findChild(QLineEdit, "personFirstName"), latin)
    with qtbot.waitSignal(dialog.created, timeout=10000) as created:
        click(qtbot, dialog.findChild(QPushButton, "newCaseCreate"))
    settle(ctx, qtbot)
    assert dialog.result() == QDialog.DialogCode.Accepted
    return created.args[0]


def open_panel(ctx, qtbot, case_id: str) -> CaseFilePanel:
    panel = CaseFilePanel(ctx)
    qtbot.addWidget(panel)
    panel.show()
    panel.show_case(case_id)
    settle(ctx, qtbot)
    assert panel.loaded is not None
    return panel


def history_texts(panel) -> list[str]:
    tree = panel.findChild(QTreeWidget, "historyList")
    return [strip_isolates(tree.topLevelItem(i).text(2)) for i in range(tree.topLevelItemCount())]


def record_screening_consent(ctx, qtbot, panel) -> None:
    click(qtbot, panel.findChild(QPushButton, "consentRecord"))
    dialog = panel.risk_tab.consent_dialog
    dialog.kind.set_value(ConsentKind.SCREENING)
    dialog.decision.set_value(ConsentDecision.GIVEN)
    click(qtbot, dialog.findChild(QPushButton, "consentSave"))
    settle(ctx, qtbot)
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_register_edit_and_history(ctx, services, qtbot):
    case_id = register(ctx, qtbot)
    stored = services.cases.open_case(services.session, case_id)
    assert (stored.person.first_name, stored.person.first_name_ar) == ("Youssef", "يوسف")
    assert stored.case.border_post == "TNG-MED" and stored.case.state is CaseState.DETECTED

    panel = open_panel(ctx, qtbot, case_id)
    assert stored.case.case_number in text_of(panel.findChild(QLabel, "caseNumber"))
    assert text_of(panel.findChild(QLabel, "caseState")) == tr("Detected")
    click(qtbot, panel.findChild(QPushButton, "personEdit"))
    first = panel.findChild(QLineEdit, "personFirstName")
    first.clear()
    qtbot.keyClicks(first, "Yusuf")
    announced = []
    ctx.hub.cases_changed.connect(announced.append)
    with qtbot.waitSignal(panel.changed, timeout=10000) as changed:
        click(qtbot, panel.findChild(QPushButton, "personSave"))
    settle(ctx, qtbot)

    assert changed.args == [case_id] and [case_id] in announced
    assert services.cases.open_case(services.session, case_id).person.first_name == "Yusuf"
    assert first.isReadOnly() and first.text() == "Yusuf"
    label = tr("First name (Latin letters)")
    assert any(label in text for text in history_texts(panel))


def test_invalid_phone_is_shown_under_the_field_and_nothing_is_saved(ctx, services, qtbot):
    panel = open_panel(ctx, qtbot, register(ctx, qtbot))
    error = panel.findChild(QLabel, "error_mobile_phone")
    assert error.isHidden()
    click(qtbot, panel.findChild(QPushButton, "personEdit"))
    phone = panel.findChild(QLineEdit, "personPhone")
    qtbot.keyClicks(phone, "0612")
    qtbot.keyClicks(panel.findChild(QLineEdit, "personSecondName"), "Alaoui")
    click(qtbot, panel.findChild(QPushButton, "personSave"))
    settle(ctx, qtbot)

    assert not error.isHidden()
    assert error.text() == tr("Use the international form, e.g. +212612345678.")
    assert phone.text() == "0612" and not phone.isReadOnly()  # what was typed is kept
    person = services.cases.open_case(services.session, panel.case_id).person
    assert person.mobile_phone is None and person.second_name is None


def test_a_stale_person_asks_to_reopen(ctx, services, qtbot, monkeypatch):
    panel = open_panel(ctx, qtbot, register(ctx, qtbot))

    def stale(*_args, **_kwargs):
        raise StaleRecord(kind="person")

    monkeypatch.setattr(services.cases, "update_person", stale)
    click(qtbot, panel.findChild(QPushButton, "personEdit"))
    first = panel.findChild(QLineEdit, "personFirstName")
    qtbot.keyClicks(first, "a")
    click(qtbot, panel.findChild(QPushButton, "personSave"))
    settle(ctx, qtbot)
    message = panel.findChild(QLabel, "personMessage")
    assert not message.isHidden() and message.text() == tr(
        "This person's details were changed elsewhere since the case was opened. "
        "Reopen the case to see them, then make your change again.")
    assert not panel.findChild(QPushButton, "personReload").isHidden()
    assert first.text() == "Youssefa"  # kept until the worker chooses to reopen
    monkeypatch.undo()
    click(qtbot, panel.findChild(QPushButton, "personReload"))
    settle(ctx, qtbot)
    assert first.text() == "Youssef" and first.isReadOnly() and message.isHidden()


def test_refused_move_then_consent_then_move(ctx, services, qtbot):
    panel = open_panel(ctx, qtbot, register(ctx, qtbot))
    click(qtbot, panel.findChild(QPushButton, "move_screening"))
    dialog = panel.move_dialog
    assert dialog.isVisible()
    click(qtbot, dialog.findChild(QPushButton, "moveConfirm"))
    settle(ctx, qtbot)
    error = dialog.findChild(QLabel, "moveError")
    assert not error.isHidden() and dialog.isVisible()
    assert tr("the person's consent to the screening has not been recorded") in text_of(error)
    assert services.cases.open_case(services.session, panel.case_id).case.state is CaseState.DETECTED
    click(qtbot, dialog.findChild(QPushButton, "moveCancel"))

    record_screening_consent(ctx, qtbot, panel)
    consents = panel.findChild(QTreeWidget, "consentList")
    assert consents.topLevelItemCount() == 1
    assert consents.topLevelItem(0).text(2) == tr("Given")

    click(qtbot, panel.findChild(QPushButton, "move_screening"))
    click(qtbot, panel.move_dialog.findChild(QPushButton, "moveConfirm"))
    settle(ctx, qtbot)
    assert text_of(panel.findChild(QLabel, "caseState")) == tr("Screening")
    assert services.cases.open_case(services.session, panel.case_id).case.state is CaseState.SCREENING
    assert panel.findChild(QPushButton, "move_presumed_victim") is not None
    assert any(tr("Detected") in t and tr("Screening") in t for t in history_texts(panel))


def test_closing_asks_for_a_closure_reason(ctx, services, qtbot):
    case_id = register(ctx, qtbot)
    s = services.session
    services.cases.record_consent(s, case_id, ConsentKind.SCREENING, ConsentDecision.GIVEN)
    services.cases.move(s, case_id, CaseState.SCREENING)
    services.cases.move(s, case_id, CaseState.NO_INDICATORS, reason="Paper form: no indicators found.")
    panel = open_panel(ctx, qtbot, case_id)
    click(qtbot, panel.findChild(QPushButton, "move_closed"))
    dialog = panel.move_dialog
    assert dialog.findChild(QPlainTextEdit, "moveReason").isHidden()
    combo = dialog.findChild(QWidget, "moveClosureReason")
    assert not combo.isHidden()
    click(qtbot, dialog.findChild(QPushButton, "moveConfirm"))
    settle(ctx, qtbot)
    assert tr("choose a closure reason") in text_of(dialog.findChild(QLabel, "moveError"))
    combo.setCurrentIndex(combo.count() - 1)
    click(qtbot, dialog.findChild(QPushButton, "moveConfirm"))
    settle(ctx, qtbot)
    assert services.cases.open_case(s, case_id).case.state is CaseState.CLOSED
    assert text_of(panel.findChild(QLabel, "caseState")) == tr("Closed")


def test_border_officer_cannot_write_notes_nor_close(ctx, services, qtbot):
    case_id = register(ctx, qtbot)
    s = services.session
    services.cases.record_consent(s, case_id, ConsentKind.SCREENING, ConsentDecision.GIVEN)
    services.cases.move(s, case_id, CaseState.SCREENING)
    services.cases.move(s, case_id, CaseState.PRESUMED_VICTIM, reason="Paper screening form, positive.")
    panel = open_panel(ctx, qtbot, case_id)
    assert panel.findChild(QPushButton, "move_closed") is not None  # a supervisor may close
    assert panel.findChild(QPlainTextEdit, "noteText").isEnabled()
    panel.clear()

    services.users.add_user(s, username=OFFICER, display_name="Karim Tazi", role=Role.BORDER_OFFICER,
                            passphrase=OFFICER_PASSPHRASE, border_post="TNG-MED")
    services.lock()
    ctx.services = services_for(ctx.vault.unlock(OFFICER, OFFICER_PASSPHRASE))
    panel.show_case(case_id)
    settle(ctx, qtbot)

    assert panel.loaded is not None and panel.loaded.role is Role.BORDER_OFFICER
    assert panel.findChild(QPushButton, "move_closed") is None
    assert panel.findChild(QPushButton, "move_urgent_protection") is not None
    editor = panel.findChild(QPlainTextEdit, "noteText")
    assert not editor.isEnabled() and editor.isHidden()
    assert not panel.findChild(QPushButton, "noteAdd").isEnabled()
    denied = panel.findChild(QLabel, "noteDenied")
    assert not denied.isHidden() and tr("Border officer") in text_of(denied)
    # Border officers still record risk and consent at screening.
    assert panel.findChild(QPushButton, "consentRecord").isEnabled()


def test_urgent_risk_shows_the_banner(ctx, services, qtbot):
    panel = open_panel(ctx, qtbot, register(ctx, qtbot))
    banner = panel.findChild(QWidget, "caseUrgentBanner")
    assert banner.isHidden()
    click(qtbot, panel.findChild(QPushButton, "riskRecord"))
    dialog = panel.risk_tab.risk_dialog
    dialog.findChild(QWidget, "risk_immediate_danger").set_value(True)
    type_text(dialog.findChild(QPlainTextEdit, "riskSummary"), "رجل قريب يراقب")
    click(qtbot, dialog.findChild(QPushButton, "riskSave"))
    settle(ctx, qtbot)

    assert not banner.isHidden() and banner.property("level") == "danger"
    assert tr("Immediate danger") in panel.findChild(QLabel, "caseUrgentFlags").text()
    risks = panel.findChild(QTreeWidget, "riskList")
    assert risks.topLevelItemCount() == 1 and tr("Immediate danger") in risks.topLevelItem(0).text(2)
    latest = services.cases.open_case(services.session, panel.case_id).latest_risk
    assert latest.immediate_danger is True and latest.summary == "رجل قريب يراقب"


def test_adding_a_note(ctx, services, qtbot):
    panel = open_panel(ctx, qtbot, register(ctx, qtbot))
    add = panel.findChild(QPushButton, "noteAdd")
    assert not add.isEnabled()  # nothing to add yet
    type_text(panel.findChild(QPlainTextEdit, "noteText"), "اتصال مع الجمعية غدا")
    click(qtbot, add)
    settle(ctx, qtbot)
    notes = services.cases.open_case(services.session, panel.case_id).notes
    assert [n.text for n in notes] == ["اتصال مع الجمعية غدا"]
    items = panel.findChild(QWidget, "noteList")
    assert "اتصال مع الجمعية غدا" in items.item(0).text()
    assert "Salma B" in strip_isolates(items.item(0).text())
    assert panel.findChild(QPlainTextEdit, "noteText").toPlainText() == ""


def test_language_switch_relabels_tabs_and_keeps_typed_text(ctx, services, qtbot, qapp):
    panel = open_panel(ctx, qtbot, register(ctx, qtbot))
    editor = panel.findChild(QPlainTextEdit, "noteText")
    type_text(editor, "ملاحظة لم تحفظ بعد")
    tabs = panel.tabs
    before = [tabs.tabText(i) for i in range(tabs.count())]
    french = i18n.translation("fr").gettext

    language.apply("fr", qapp)

    after = [tabs.tabText(i) for i in range(tabs.count())]
    assert after[0] == french("Person") != before[0]
    history = tabs.indexOf(panel.history_tab)
    assert after[history] == french("History") != before[history]
    assert panel.findChild(QPushButton, "noteAdd").text() == french("Add note")
    assert editor.toPlainText() == "ملاحظة لم تحفظ بعد"
    assert panel.loaded is not None  # the case is still shown


def test_new_case_inline_errors_enter_and_escape(ctx, services, qtbot):
    dialog = NewCaseDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    latin = dialog.findChild(QLineEdit, "personFirstName")
    type_text(latin, "يوسف")  # Arabic letters in the Latin-script field
    qtbot.keyClick(latin, Qt.Key.Key_Return)  # Enter creates
    settle(ctx, qtbot)
    error = dialog.findChild(QLabel, "error_first_name")
    assert not error.isHidden() and dialog.isVisible()
    assert error.text() == tr("Write this name in Latin letters; the Arabic-script field is beside it.")
    assert latin.text() == "يوسف"
    assert services.cases.count_cases(services.session, CaseQuery()) == 0

    nationality = dialog.findChild(QWidget, "personNationality")
    nationality.setEditText("Atlantis")
    latin.clear()
    qtbot.keyClick(latin, Qt.Key.Key_Return)
    settle(ctx, qtbot)
    assert not dialog.findChild(QLabel, "error_nationality").isHidden()

    qtbot.keyClick(latin, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected and not dialog.isVisible()


def test_border_officer_registers_at_own_post_only(ctx, services, qtbot):
    services.users.add_user(services.session, username=OFFICER, display_name="Karim Tazi",
                            role=Role.BORDER_OFFICER, passphrase=OFFICER_PASSPHRASE, border_post="BAB-SEBTA")
    services.lock()
    ctx.services = services_for(ctx.vault.unlock(OFFICER, OFFICER_PASSPHRASE))
    dialog = NewCaseDialog(ctx)
    qtbot.addWidget(dialog)
    post = dialog.findChild(QWidget, "newCasePost")
    assert post.value() == "BAB-SEBTA" and not post.isEnabled()
    assert not dialog.findChild(QLabel, "newCasePostHint").isHidden()
    dialog.findChild(QCheckBox, "personPossiblyMinor").setChecked(True)
    with qtbot.waitSignal(dialog.created, timeout=10000) as created:
        click(qtbot, dialog.findChild(QPushButton, "newCaseCreate"))
    settle(ctx, qtbot)
    file = ctx.services.cases.open_case(ctx.services.session, created.args[0])
    assert file.case.border_post == "BAB-SEBTA" and file.person.possibly_minor is True


def test_opening_is_one_audited_view_and_reloads_after_edits_are_not(ctx, qtbot, services):
    case_id = register(ctx, qtbot)
    panel = open_panel(ctx, qtbot, case_id)
    record_screening_consent(ctx, qtbot, panel)  # an edit: the panel shows the case again
    viewed = [e for e in services.opened.store.audit_entries(record_id=case_id)
              if e.event.action == "case_viewed"]
    assert len(viewed) == 1
    panel.show_case(case_id)  # opening it again (from the list) is a new view
    settle(ctx, qtbot)
    viewed = [e for e in services.opened.store.audit_entries(record_id=case_id)
              if e.event.action == "case_viewed"]
    assert len(viewed) == 2
