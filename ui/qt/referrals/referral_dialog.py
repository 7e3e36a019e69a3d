"""Making a referral for a case: the provider, what is asked, how urgent, and the consent.

Everything the core needs is on one screen, so that a worker under pressure at a border
post can make it in a few clicks: the provider is chosen in the directory (nearest to the
case's post first), the services asked follow the category chosen, the risk summary is
prefilled from the case's urgent risk flags, and the consent the referral rests on is shown
when one is recorded for THAT provider. When none is, the worker records the decision here
— the person's or the guardian's consent, or an override for a danger to life or a child's
best interests, with a reason. No consent choice is ever preselected: it is a decision the
worker must make with the person.

The core decides (``ReferralService.refer``); when it refuses, every reason is shown and
the dialog stays open with what was typed. After the referral is made the dialog offers to
save the referral form (PDF) to print or hand over.

``urgent=True`` (the "urgent referral" button of a screening outcome) presets an immediate
referral: the category (emergency protection or shelter; health first for a medical
urgency) and the nearest provider that takes the person, chosen in one worker trip.
"""

from __future__ import annotations

from dataclasses import dataclass
from babel import Locale
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup, QCheckBox, QComboBox, QDateEdit, QDialog, QFrame, QGridLayout, QGroupBox, QHBoxLayout, QLabel,
    QLineEdit, QPlainTextEdit, QPushButton, QRadioButton, QScrollArea, QStackedWidget, QStyle, QVBoxLayout,
    QWidget,
)

from app.domain.case import Case, Consent, RiskAssessment
from app.domain.person import Person
from app.domain.referral import CATEGORY_LABELS, URGENCY_LABELS, ServiceCategory, Urgency
from app.domain.values import ConsentDecision, OverrideBasis
from app.services.referrals import ConsentInput, ProviderHit, ReferralDraft, ReferralMade
from app.text import N_
from i18n import BABEL_LOCALES
from i18n.bidi import isolate, isolate_ltr
from i18n.formatting import format_date, format_datetime
from ui.qt.cases.labels import CONSENT_DECISION_LABELS, OVERRIDE_LABELS, URGENT_FLAG_LABELS, join, state_label
from ui.qt.cases.widgets import InlineErrors, error_label, hint_label
from ui.qt.context import AppContext, Locked
from ui.qt.lang import language, render_error, tr, trf
from ui.qt.referrals.form_export import FormExport, saved_text
from ui.qt.referrals.provider_picker import ProviderPicker

#: the follow-up task ("check the provider's answer") is due this many days after sending
FOLLOW_UP_DAYS = 2
MIN_TEXT = 10
#: languages offered besides the person's own (codes; named in the interface language)
COMMON_LANGUAGES = ("ar", "ary", "fr", "en", "es", "pt", "wo", "ff", "bm", "ha", "ln", "ti", "am", "zgh")
_URGENT_ORDER = (ServiceCategory.EMERGENCY_PROTECTION, ServiceCategory.SHELTER)
_MEDICAL_ORDER = (ServiceCategory.HEALTH, *_URGENT_ORDER)
_STYLE = ("QPushButton, QCheckBox, QRadioButton, QComboBox, QLineEdit, QDateEdit { font-size: 12pt; }"
          "QPushButton, QComboBox, QLineEdit, QDateEdit { min-height: 34px; }"
          "QCheckBox, QRadioButton { min-height: 30px; }"
          "QCheckBox::indicator, QRadioButton::indicator { width: 20px; height: 20px; }"
          "QGroupBox { font-weight: 600; }"
          "QGroupBox QLabel, QGroupBox QCheckBox, QGroupBox QRadioButton { font-weight: normal; }")
_URGENT_STYLE = "background: #fde7e9; color: #8c1d18; border: 1px solid #c4302b; border-radius: 6px; padding: 6px;"
_SEND_STYLE = "QPushButton#referralSend { background: #1f5fa8; color: white; font-weight: 600; }"

# consent choices (object names: referralConsent_<code>)
PERSON, GUARDIAN, DANGER, CHILD = "person", "guardian", "danger", "child"
_CONSENT_CHOICES = {
    PERSON: N_("The person consents to this referral"),
    GUARDIAN: N_("The parent or guardian named above consents"),
    DANGER: N_("No consent: override for a danger to life"),
    CHILD: N_("No consent: override for the child's best interests"),
}
_OVERRIDES = {DANGER: OverrideBasis.DANGER_TO_LIFE, CHILD: OverrideBasis.CHILD_BEST_INTERESTS}
_NO_CONSENT = (ConsentDecision.REFUSED, ConsentDecision.NOT_OBTAINED)


@dataclass(frozen=True)
class Prepared:
    """What the dialog needs of the case, loaded in one operation."""

    case: Case
    person: Person
    minor: bool
    risk: RiskAssessment | None
    may_urgent: bool
    may_other: bool
    interpreter: bool  # the latest screening said an interpreter is needed
    category: ServiceCategory | None = None  # urgent preset: the filter
    provider_id: str | None = None  # urgent preset: the nearest provider that takes the person


def prepare(ctx: AppContext, case_id: str, urgent: bool) -> Prepared:
    """Worker thread: the case, the person, the latest risk, and for an urgent referral the preset."""
    services = ctx.require()
    session = services.session
    file = services.cases.open_case(session, case_id, record_view=False)
    case, person = file.case, file.person
    minor = person.may_be_minor(services.referrals.clock.now().date())
    completed = [s for s in services.screenings.for_case(session, case_id) if s.is_completed]
    interpreter = bool(completed) and completed[-1].answers.get("interpreter_needed") == "yes"
    category = provider_id = None
    if urgent:
        risk = file.latest_risk
        order = _MEDICAL_ORDER if risk is not None and risk.medical_urgency else _URGENT_ORDER
        category = order[0]
        for candidate in order:
            suited = [hit for hit in services.referrals.providers(
                session, category=candidate, near_post=case.border_post, person=person) if hit.suits_person]
            if suited:
                category, provider_id = candidate, suited[0].provider.id
                break
    return Prepared(case, person, minor, file.latest_risk,
                    services.referrals.may_refer(session, Urgency.IMMEDIATE),
                    services.referrals.may_refer(session, Urgency.ROUTINE), interpreter, category, provider_id)


def risk_text(risk: RiskAssessment | None) -> str:
    """The urgent flags of the latest risk assessment, in words, to start the risk summary."""
    if risk is None or not risk.is_urgent:
        return ""
    text = tr("Urgent: {flags}").format(flags=join(tr(URGENT_FLAG_LABELS[f]) for f in risk.urgent_flags))
    return f"{text}\n{risk.summary}" if risk.summary else text


def language_name(code: str) -> str:
    try:
        name = Locale.parse(BABEL_LOCALES.get(language.code, "en")).languages.get(code)
    except (ValueError, TypeError):
        name = None
    return name or code


def consent_text(consent: Consent) -> str:
    when = format_datetime(consent.recorded_at, language.code)
    if consent.override is not None:
        return trf("Recorded on {when}: no consent ({decision}), override for {basis}.", when=when,
                   decision=tr(CONSENT_DECISION_LABELS[consent.decision]), basis=tr(OVERRIDE_LABELS[consent.override]))
    if consent.decision is ConsentDecision.GIVEN and consent.given_by_guardian:
        return trf("Recorded on {when}: the guardian {name} consented to this referral.", when=when,
                   name=consent.guardian_name or "")
    if consent.decision is ConsentDecision.GIVEN:
        return trf("Recorded on {when}: the person consented to this referral.", when=when)
    return trf("Last decision for this provider, on {when}: {decision}. Record the decision now.", when=when,
               decision=tr(CONSENT_DECISION_LABELS[consent.decision]))


class ReferralDialog(QDialog):
    referred = Signal(object)  # ReferralMade: the case changed (the case file shows it again)

    def __init__(self, ctx: AppContext, case_id: str, *, urgent: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.case_id = case_id
        self.urgent = urgent
        self.prepared: Prepared | None = None
        self.made: ReferralMade | None = None
        self.existing: Consent | None = None  # the consent recorded for the chosen provider
        self._provider_id: str | None = None
        self._consent_token = 0
        self._services_touched = False
        self._load_error: BaseException | None = None
        self.setObjectName("referralDialog")
        self.setModal(True)
        self._fit_screen(1240, 820)
        self.setStyleSheet(_STYLE + _SEND_STYLE)
        self.exporter = FormExport(ctx, self)
        self.exporter.saved.connect(self._form_saved)
        self.exporter.failed.connect(self._form_failed)
        self.exporter.busy_changed.connect(lambda busy: self.print_button.setEnabled(not busy))

        self.pages = QStackedWidget(objectName="referralPages")
        self.loading = QLabel(objectName="referralLoading", alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.pages.addWidget(self.loading)
        self.pages.addWidget(self._build_form())
        self.pages.addWidget(self._build_done())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self._send_if_shown)
        language.changed.connect(self.retranslate)
        self.retranslate()
        self._load()

    # --- building -------------------------------------------------------------------------------
    def _fit_screen(self, width: int, height: int) -> None:
        """As large as asked, but never larger than the screen (field laptops have 1366×768)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            room = screen.availableGeometry()
            width, height = min(width, room.width() - 40), min(height, room.height() - 60)
        self.resize(width, height)

    def _build_form(self) -> QWidget:
        page = QWidget()
        self.heading = QLabel(objectName="referralHeading", wordWrap=True)
        self.heading.setStyleSheet("font-size: 16pt; font-weight: 700;")
        self.urgent_note = QLabel(objectName="referralUrgentNote", wordWrap=True)
        self.urgent_note.setStyleSheet(_URGENT_STYLE)
        self.picker = ProviderPicker(self.ctx)
        self.picker.selected.connect(self._provider_selected)
        self.picker.category_changed.connect(self._preset_services)
        self.errors = InlineErrors(error_label("referralError"), self)
        self.errors.general.setStyleSheet("color: #b3261e; font-size: 12pt; font-weight: 600;")

        form = QWidget()
        column = QVBoxLayout(form)
        # The consent first: it depends on the provider just chosen, and it is the one choice
        # the worker must make. A child's guardian comes before it (a guardian may consent).
        column.addWidget(self._child_group())
        column.addWidget(self._consent_group())
        column.addWidget(self._services_group())
        column.addWidget(self._urgency_group())
        column.addWidget(self._language_group())
        column.addWidget(self._follow_up_group())
        column.addStretch(1)
        scroll = QScrollArea(objectName="referralFormScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(form)
        self.scroll = scroll

        body = QHBoxLayout()
        body.addWidget(self.errors.under(self.picker, "provider"), 6)
        body.addWidget(scroll, 5)
        self.send = self._button("referralSend", QStyle.StandardPixmap.SP_DialogApplyButton, self.submit)
        self.cancel = self._button("referralCancel", QStyle.StandardPixmap.SP_DialogCancelButton, self.reject)
        bar = QHBoxLayout()
        bar.addStretch(1)
        bar.addWidget(self.send)
        bar.addWidget(self.cancel)
        layout = QVBoxLayout(page)
        layout.addWidget(self.heading)
        layout.addWidget(self.urgent_note)
        layout.addLayout(body, 1)
        layout.addWidget(self.errors.general)
        layout.addLayout(bar)
        return page

    def _button(self, name: str, icon: QStyle.StandardPixmap, slot) -> QPushButton:  # noqa: ANN001
        button = QPushButton(objectName=name)
        button.setIcon(self.style().standardIcon(icon))
        button.setMinimumHeight(44)
        button.setAutoDefault(False)  # Enter in the search field must never send a referral
        button.clicked.connect(slot)
        return button

    def _services_group(self) -> QGroupBox:
        self.services_box = QGroupBox(objectName="referralServicesBox")
        grid = QGridLayout()
        self.service_checks: dict[ServiceCategory, QCheckBox] = {}
        for index, category in enumerate(CATEGORY_LABELS):
            check = QCheckBox(objectName=f"referralService_{category.value}")
            check.clicked.connect(self._services_clicked)
            self.service_checks[category] = check
            grid.addWidget(check, index // 2, index % 2)
        cell = QWidget()
        cell.setLayout(grid)
        self.services_detail = QPlainTextEdit(objectName="referralServicesDetail")
        self.services_detail.setTabChangesFocus(True)
        self.services_detail.setMaximumHeight(70)
        box = QVBoxLayout(self.services_box)
        box.addWidget(self.errors.under(cell, "categories"))
        box.addWidget(self.errors.under(self.services_detail, "services_detail"))
        return self.services_box

    def _urgency_group(self) -> QGroupBox:
        self.urgency_box = QGroupBox(objectName="referralUrgencyBox")
        self.urgency_group = QButtonGroup(self)
        self.urgency_radios: dict[Urgency, QRadioButton] = {}
        row = QHBoxLayout()
        for urgency in URGENCY_LABELS:
            radio = QRadioButton(objectName=f"referralUrgency_{urgency.value}")
            radio.toggled.connect(self._urgency_changed)
            self.urgency_group.addButton(radio)
            self.urgency_radios[urgency] = radio
            row.addWidget(radio)
        row.addStretch(1)
        self.urgency_hint = hint_label("referralUrgencyHint")
        self.risk_label = QLabel()
        self.risk_summary = QPlainTextEdit(objectName="referralRiskSummary")
        self.risk_summary.setTabChangesFocus(True)
        self.risk_summary.setMaximumHeight(80)
        self.risk_label.setBuddy(self.risk_summary)
        self.risk_hint = hint_label("referralRiskHint")
        box = QVBoxLayout(self.urgency_box)
        box.addLayout(row)
        box.addWidget(self.urgency_hint)
        box.addWidget(self.risk_label)
        box.addWidget(self.errors.under(self.risk_summary, "risk_summary"))
        box.addWidget(self.risk_hint)
        return self.urgency_box

    def _language_group(self) -> QGroupBox:
        self.language_box = QGroupBox(objectName="referralLanguageBox")
        self.language = QComboBox(objectName="referralLanguage")
        self.interpreter = QCheckBox(objectName="referralInterpreter")
        row = QHBoxLayout(self.language_box)
        row.addWidget(self.errors.under(self.language, "language"), 1)
        row.addWidget(self.interpreter)
        return self.language_box

    def _child_group(self) -> QGroupBox:
        self.child_box = QGroupBox(objectName="referralChildBox")
        self.guardian_label = QLabel()
        self.guardian = QLineEdit(objectName="referralGuardianName")
        self.guardian_label.setBuddy(self.guardian)
        self.unaccompanied = QCheckBox(objectName="referralUnaccompanied")
        self.unaccompanied.toggled.connect(lambda on: self.guardian.setEnabled(not on))
        box = QVBoxLayout(self.child_box)
        box.addWidget(self.guardian_label)
        box.addWidget(self.errors.under(self.guardian, "guardian_name"))
        box.addWidget(self.unaccompanied)
        self.child_box.setVisible(False)
        return self.child_box

    def _consent_group(self) -> QGroupBox:
        self.consent_box = QGroupBox(objectName="referralConsentBox")
        self.consent_state = QLabel(objectName="referralConsentState", wordWrap=True)
        self.consent_state.setStyleSheet("font-size: 12pt;")
        self.consent_group = QButtonGroup(self)
        self.consent_radios: dict[str, QRadioButton] = {}
        self.consent_choices = QWidget(objectName="referralConsentChoices")
        choices = QVBoxLayout(self.consent_choices)
        choices.setContentsMargins(0, 0, 0, 0)
        for code in _CONSENT_CHOICES:
            radio = QRadioButton(objectName=f"referralConsent_{code}")
            radio.toggled.connect(self._consent_changed)
            self.consent_group.addButton(radio)
            self.consent_radios[code] = radio
            choices.addWidget(radio)
        self.override_hint = hint_label("referralOverrideHint")
        choices.addWidget(self.override_hint)
        self.override_part = QWidget(objectName="referralOverridePart")
        self.no_consent_label = QLabel()
        self.no_consent_group = QButtonGroup(self)
        self.no_consent_radios: dict[ConsentDecision, QRadioButton] = {}
        decisions = QHBoxLayout()
        for decision in _NO_CONSENT:
            radio = QRadioButton(objectName=f"referralNoConsent_{decision.value}")
            self.no_consent_group.addButton(radio)
            self.no_consent_radios[decision] = radio
            decisions.addWidget(radio)
        decisions.addStretch(1)
        decision_cell = QWidget()
        decision_cell.setLayout(decisions)
        self.reason_label = QLabel()
        self.override_reason = QPlainTextEdit(objectName="referralOverrideReason")
        self.override_reason.setTabChangesFocus(True)
        self.override_reason.setMaximumHeight(80)
        self.reason_label.setBuddy(self.override_reason)
        self.reason_hint = hint_label("referralOverrideReasonHint")
        part = QVBoxLayout(self.override_part)
        part.setContentsMargins(24, 0, 0, 0)
        part.addWidget(self.no_consent_label)
        part.addWidget(self.errors.under(decision_cell, "decision"))
        part.addWidget(self.reason_label)
        part.addWidget(self.errors.under(self.override_reason, "override_reason"))
        part.addWidget(self.reason_hint)
        choices.addWidget(self.override_part)
        box = QVBoxLayout(self.consent_box)
        box.addWidget(self.consent_state)
        box.addWidget(self.errors.under(self.consent_choices, "override"))
        self.consent_choices.setVisible(False)
        return self.consent_box

    def _follow_up_group(self) -> QGroupBox:
        self.follow_up_box = QGroupBox(objectName="referralFollowUpBox")
        self.follow_up_label = QLabel()
        self.follow_up = QDateEdit(objectName="referralFollowUp", calendarPopup=True)
        self.follow_up.setDisplayFormat("dd/MM/yyyy")
        self.follow_up.setMinimumDate(QDate.currentDate())
        self.follow_up.setDate(QDate.currentDate().addDays(FOLLOW_UP_DAYS))
        self.follow_up_label.setBuddy(self.follow_up)
        row = QHBoxLayout(self.follow_up_box)
        row.addWidget(self.follow_up_label)
        row.addWidget(self.follow_up)
        row.addStretch(1)
        return self.follow_up_box

    def _build_done(self) -> QWidget:
        page = QWidget(objectName="referralDonePage")
        self.done_title = QLabel(objectName="referralDoneTitle", wordWrap=True)
        self.done_title.setStyleSheet("font-size: 18pt; font-weight: 700; color: #1d5631;")
        self.done_text = QLabel(objectName="referralDoneText", wordWrap=True)
        self.done_text.setStyleSheet("font-size: 13pt;")
        self.print_result = QLabel(objectName="referralPrintResult", wordWrap=True)
        self.print_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.print_result.setStyleSheet("font-size: 12pt;")
        self.print_button = self._button("referralPrint", QStyle.StandardPixmap.SP_FileDialogDetailedView,
                                         self.print_form)
        self.close_button = self._button("referralClose", QStyle.StandardPixmap.SP_DialogCloseButton, self.accept)
        bar = QHBoxLayout()
        bar.addWidget(self.print_button)
        bar.addWidget(self.close_button)
        bar.addStretch(1)
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        layout.addWidget(self.done_title)
        layout.addWidget(self.done_text)
        layout.addLayout(bar)
        layout.addWidget(self.print_result)
        layout.addStretch(2)
        return page

    # --- loading ------------------------------------------------------------------------------
    def _load(self) -> None:
        ctx, case_id, urgent = self.ctx, self.case_id, self.urgent
        self.pages.setCurrentIndex(0)
        ctx.ops.run(lambda: prepare(ctx, case_id, urgent), owner=self, on_done=self._prepared,
                    on_error=self._load_failed)

    def _load_failed(self, exc: BaseException) -> None:
        if isinstance(exc, Locked):
            self.reject()
            return
        self._load_error = exc
        self.retranslate()

    def _prepared(self, prepared: Prepared) -> None:
        self.prepared = prepared
        person = prepared.person
        self.picker.set_context(prepared.case.border_post, person, prepared.minor)
        self.child_box.setVisible(prepared.minor)
        self.consent_radios[GUARDIAN].setVisible(prepared.minor)
        self.consent_radios[CHILD].setVisible(prepared.minor)
        self._fill_languages(person)
        self.interpreter.setChecked(prepared.interpreter)
        self.risk_summary.setPlainText(risk_text(prepared.risk))
        others = (Urgency.PRIORITY, Urgency.ROUTINE)
        for urgency in others:
            self.urgency_radios[urgency].setVisible(prepared.may_other)
        self.urgency_radios[Urgency.IMMEDIATE].setVisible(prepared.may_urgent)
        immediate = self.urgent or not prepared.may_other
        self.urgency_radios[Urgency.IMMEDIATE if immediate else Urgency.PRIORITY].setChecked(True)
        if self.urgent:
            self.picker.wanted = prepared.provider_id
            self._preset_services(prepared.category)
            self.picker.set_category(prepared.category)
        else:
            self.picker.search()
        self.pages.setCurrentIndex(1)
        self.retranslate()
        (self.send if self.urgent else self.picker.text).setFocus()

    def _fill_languages(self, person: Person) -> None:
        codes = list(dict.fromkeys((*person.languages, *COMMON_LANGUAGES)))
        self.language.clear()
        self.language.addItem(tr("Not known"), None)
        for code in codes:
            self.language.addItem(language_name(code), code)
        self.language.setCurrentIndex(1 if person.languages else 0)

    # --- reacting -----------------------------------------------------------------------------
    def _services_clicked(self) -> None:
        self._services_touched = True

    def _preset_services(self, category: ServiceCategory | None) -> None:
        """The category chosen as filter is the service asked, until the worker ticks their own."""
        if self._services_touched or category is None:
            return
        for candidate, check in self.service_checks.items():
            check.setChecked(candidate is category)

    def _urgency_changed(self) -> None:
        self._render_urgency()

    def _provider_selected(self, hit: ProviderHit | None) -> None:
        provider_id = hit.provider.id if hit is not None else None
        if provider_id == self._provider_id:
            return
        self._provider_id = provider_id
        self.existing = None
        self._clear_consent_choice()  # a consent is to ONE provider: never carried to another
        self._consent_token += 1
        if provider_id is None:
            self._render_consent(loading=False)
            return
        self._render_consent(loading=True)
        token, ctx, case_id = self._consent_token, self.ctx, self.case_id

        def find() -> Consent | None:  # worker thread
            services = ctx.require()
            return services.referrals.consent_for(services.session, case_id, provider_id)

        ctx.ops.run(find, owner=self, on_done=lambda consent: self._consent_found(token, consent),
                    on_error=lambda exc: self._consent_failed(token, exc))

    def _consent_found(self, token: int, consent: Consent | None) -> None:
        if token == self._consent_token:
            self.existing = consent
            self._render_consent(loading=False)
            if self.urgent and self.consent_needed() and self.send.hasFocus():
                self.consent_radios[PERSON].setFocus()  # the one choice left to make (nothing is checked)

    def _consent_failed(self, token: int, exc: BaseException) -> None:
        if token == self._consent_token and not isinstance(exc, Locked):
            self.existing = None
            self._render_consent(loading=False)
            self.errors.show(exc)

    def _clear_consent_choice(self) -> None:
        for group in (self.consent_group, self.no_consent_group):
            group.setExclusive(False)
            for button in group.buttons():
                button.setChecked(False)
            group.setExclusive(True)
        self._consent_changed()

    def _consent_changed(self) -> None:
        self.override_part.setVisible(self.consent_choice() in _OVERRIDES)

    def consent_choice(self) -> str | None:
        return next((code for code, radio in self.consent_radios.items() if radio.isChecked()), None)

    def consent_needed(self) -> bool:
        return self._provider_id is not None and not (self.existing is not None and self.existing.allows_referral)

    # --- showing ------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(tr("Urgent referral") if self.urgent else tr("New referral"))
        self.loading.setText(render_error(self._load_error) if self._load_error is not None
                             else tr("Preparing the referral…"))
        prepared = self.prepared
        if prepared is not None:
            name = prepared.person.display_name_ar if language.code == "ar" else prepared.person.display_name_latin
            name = name or prepared.person.display_name_ar or prepared.person.display_name_latin
            self.heading.setText(tr("Referral for case {number}: {name}").format(
                number=isolate_ltr(prepared.case.case_number), name=isolate(name)))
        self.services_box.setTitle(tr("Services asked"))
        for category, check in self.service_checks.items():
            check.setText(tr(CATEGORY_LABELS[category]))
            check.setAccessibleName(check.text())
        self.services_detail.setPlaceholderText(tr("What exactly is asked (e.g. a bed tonight, a medical examination)"))
        self.services_detail.setAccessibleName(tr("Details of the services asked"))
        self.urgency_box.setTitle(tr("Urgency"))
        for urgency, radio in self.urgency_radios.items():
            radio.setText(tr(URGENCY_LABELS[urgency]))
            radio.setAccessibleName(radio.text())
        self.risk_label.setText(tr("Risk summary"))
        self.risk_summary.setAccessibleName(tr("Risk summary"))
        self.language_box.setTitle(tr("Language of the person"))
        self.language.setAccessibleName(tr("Language of the person"))
        if self.language.count():
            self.language.setItemText(0, tr("Not known"))
            for index in range(1, self.language.count()):
                self.language.setItemText(index, language_name(self.language.itemData(index)))
        self.interpreter.setText(tr("An interpreter is needed"))
        self.interpreter.setAccessibleName(self.interpreter.text())
        self.child_box.setTitle(tr("The person may be a child"))
        self.guardian_label.setText(tr("Name of the parent or guardian"))
        self.guardian.setAccessibleName(tr("Name of the parent or guardian"))
        self.unaccompanied.setText(tr("Unaccompanied child (no parent or guardian here)"))
        self.unaccompanied.setAccessibleName(self.unaccompanied.text())
        self.consent_box.setTitle(tr("Consent"))
        for code, radio in self.consent_radios.items():
            radio.setText(tr(_CONSENT_CHOICES[code]))
            radio.setAccessibleName(radio.text())
        self.override_hint.setText(tr("Without consent, a referral can go ahead only for a child's best "
                                      "interests or a danger to life, with a reason. The override is audited."))
        self.no_consent_label.setText(tr("The person's consent:"))
        for decision, radio in self.no_consent_radios.items():
            radio.setText(tr(CONSENT_DECISION_LABELS[decision]))
            radio.setAccessibleName(trf("The person's consent: {decision}",
                                        decision=tr(CONSENT_DECISION_LABELS[decision])))
        self.reason_label.setText(tr("Reason for the override"))
        self.override_reason.setAccessibleName(tr("Reason for the override"))
        self.reason_hint.setText(trf("At least {count} characters.", count=MIN_TEXT))
        self.follow_up_box.setTitle(tr("Follow-up"))
        self.follow_up_label.setText(tr("Check the provider's answer on"))
        self.follow_up.setAccessibleName(tr("Check the provider's answer on"))
        for button, text in ((self.send, tr("Send the referral")), (self.cancel, tr("Cancel")),
                             (self.print_button, tr("Print the referral form")), (self.close_button, tr("Close"))):
            button.setText(text)
            button.setAccessibleName(text)
        self.send.setToolTip(tr("Ctrl+Enter"))
        self._render_urgency()
        self._render_consent(loading=False)
        self._render_done()

    def _render_urgency(self) -> None:
        immediate = self.urgency() is Urgency.IMMEDIATE
        self.urgent_note.setText(tr("Immediate referral: the provider is asked to act today. Call them as well "
                                    "when you can."))
        self.urgent_note.setVisible(immediate)
        prepared = self.prepared
        only_urgent = prepared is not None and not prepared.may_other
        self.urgency_hint.setText(tr("Your role may make immediate referrals only; the other referrals are made "
                                     "by a social worker or a supervisor.") if only_urgent else "")
        self.urgency_hint.setVisible(only_urgent)
        self.risk_hint.setText(trf("Needed for an immediate referral: why the person is at risk, in at least "
                                   "{count} characters.", count=MIN_TEXT) if immediate
                               else tr("What the provider must know about the risks."))

    def _render_consent(self, *, loading: bool) -> None:
        hit = self.picker.current()
        if self._provider_id is None or hit is None:
            self.consent_state.setText(tr("Choose a provider first: a consent is given to one provider."))
            self.consent_state.setStyleSheet("font-size: 12pt;")
            self.consent_choices.setVisible(False)
            return
        provider = hit.provider.name(language.code)
        if loading:
            self.consent_state.setText(tr("Looking for a consent recorded for this provider…"))
            self.consent_choices.setVisible(False)
            return
        existing = self.existing
        if existing is not None and existing.allows_referral:
            self.consent_state.setText(trf("The referral to {provider} rests on this decision. {decision}",
                                           provider=provider, decision=consent_text(existing)))
            self.consent_state.setStyleSheet("font-size: 12pt; color: #1d5631;")
            self.consent_choices.setVisible(False)
            return
        if existing is not None:
            self.consent_state.setText(consent_text(existing))
        else:
            self.consent_state.setText(trf("No consent to a referral to {provider} is recorded. Ask the person now "
                                           "and record the answer; nothing is chosen for you.", provider=provider))
        self.consent_state.setStyleSheet("font-size: 12pt; color: #5c4300; font-weight: 600;")
        self.consent_choices.setVisible(True)
        self._consent_changed()

    def _render_done(self) -> None:
        made = self.made
        if made is None:
            return
        provider = self.picker.current()
        name = provider.provider.name(language.code) if provider else made.referral.provider_name
        self.done_title.setText(tr("Referral sent. Print the form?"))
        lines = [trf("Referral to {provider} recorded on this device. The case is now at the step: {state}.",
                     provider=name, state=state_label(made.case.state))]
        if made.task is not None:
            lines.append(trf("A task to check the provider's answer is due on {date}.",
                             date=format_date(made.task.due_on, language.code)))
        lines.append(tr("Print the referral form to hand it over or send it, or close this window."))
        self.done_text.setText("\n".join(lines))

    # --- sending ------------------------------------------------------------------------------
    def urgency(self) -> Urgency | None:
        return next((u for u, radio in self.urgency_radios.items() if radio.isChecked()), None)

    def _send_if_shown(self) -> None:
        if self.pages.currentIndex() == 1 and self.send.isEnabled():
            self.submit()

    def _consent_input(self) -> ConsentInput | None:
        """The decision recorded with the referral, or None (the recorded one, or none at all)."""
        choice = self.consent_choice()
        if choice is None or not self.consent_needed():
            return None
        if choice == PERSON:
            return ConsentInput(ConsentDecision.GIVEN)
        if choice == GUARDIAN:
            return ConsentInput(ConsentDecision.GIVEN, given_by_guardian=True,
                                guardian_name=self.guardian.text().strip() or None)
        decision = next((d for d, radio in self.no_consent_radios.items() if radio.isChecked()), None)
        if decision is None:
            raise _Incomplete("decision", N_("Say whether the person refused or could not be asked."))
        return ConsentInput(decision, override=_OVERRIDES[choice],
                            override_reason=self.override_reason.toPlainText().strip() or None)

    def draft(self) -> ReferralDraft:
        hit = self.picker.current()
        if hit is None:
            raise _Incomplete("provider", N_("Choose a provider in the list."))
        minor = self.prepared is not None and self.prepared.minor
        return ReferralDraft(
            provider_id=hit.provider.id,
            categories=tuple(c for c, check in self.service_checks.items() if check.isChecked()),
            urgency=self.urgency() or Urgency.ROUTINE,
            risk_summary=self.risk_summary.toPlainText().strip() or None,
            services_detail=self.services_detail.toPlainText().strip() or None,
            language=self.language.currentData(),
            interpreter_needed=self.interpreter.isChecked(),
            guardian_name=(self.guardian.text().strip() or None) if minor and not self.unaccompanied.isChecked()
            else None,
            unaccompanied=minor and self.unaccompanied.isChecked(),
            follow_up_on=self.follow_up.date().toPython(),
            follow_up_title=tr("Check the provider's answer to the referral"),
        )

    def submit(self) -> None:
        if self.prepared is None:
            return
        self.errors.clear()
        try:
            draft, consent = self.draft(), self._consent_input()
        except _Incomplete as missing:
            self.errors.show_field(missing.field, missing.msgid)
            self._reveal_errors()
            return
        ctx, case_id = self.ctx, self.case_id

        def refer() -> ReferralMade:  # worker thread
            services = ctx.require()
            return services.referrals.refer(services.session, case_id, draft, consent)

        self.send.setEnabled(False)
        ctx.ops.run(refer, owner=self, on_done=self._referred, on_error=self._refused)

    def _referred(self, made: ReferralMade) -> None:
        self.send.setEnabled(True)
        self.made = made
        self._render_done()
        self.pages.setCurrentIndex(2)
        self.print_button.setFocus()
        self.referred.emit(made)

    def _refused(self, exc: BaseException) -> None:
        self.send.setEnabled(True)
        if isinstance(exc, Locked):
            self.reject()
            return
        self.errors.show(exc)
        self._reveal_errors()

    def _reveal_errors(self) -> None:
        """Scroll the form to the first field with an error (it may be out of sight)."""
        for label in self.errors.labels.values():
            if not label.isHidden() and self.scroll.widget().isAncestorOf(label):
                self.scroll.ensureWidgetVisible(label, 0, 120)
                return

    # --- the form -----------------------------------------------------------------------------
    def print_form(self) -> None:
        made = self.made
        if made is not None:
            self.print_result.clear()
            self.exporter.export(made.referral.id, made.case.case_number, made.referral.referred_at.date())

    def _form_saved(self, path: str) -> None:
        self.print_result.setStyleSheet("font-size: 12pt; color: #1d5631;")
        self.print_result.setText(saved_text(path))
        self.print_result.setAccessibleName(self.print_result.text())

    def _form_failed(self, text: str) -> None:
        self.print_result.setStyleSheet("font-size: 12pt; color: #b3261e;")
        self.print_result.setText(text)
        self.print_result.setAccessibleName(text)


class _Incomplete(Exception):
    """Something the dialog must have before it can ask the core (field, msgid)."""

    def __init__(self, field: str, msgid: str) -> None:
        super().__init__(msgid)
        self.field = field
        self.msgid = msgid

