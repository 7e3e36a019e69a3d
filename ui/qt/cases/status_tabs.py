"""The Screening and Referrals tabs: what is recorded now, and what comes with later workflows.

They show only what the store holds. The Screening tab lists the case's screenings and
starts or resumes the guided interview (``ui.qt.screening``); the referral workflow is a
separate piece of work, and until it exists its tab says so plainly.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from app.domain.case import Consent
from app.domain.values import CaseState, ConsentKind
from i18n.formatting import format_datetime
from ui.qt.cases.case_data import CaseTab, fill_tree, make_tree
from ui.qt.cases.labels import CONSENT_DECISION_LABELS, OVERRIDE_LABELS, state_label
from ui.qt.cases.widgets import hint_label
from ui.qt.context import AppContext
from ui.qt.lang import language, tr, trf
from ui.qt.screening.case_panel import ScreeningsPanel

def _line(name: str) -> QLabel:
    label = QLabel(objectName=name, wordWrap=True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _note_frame(label: QLabel) -> QFrame:
    frame = QFrame()
    frame.setFrameShape(QFrame.Shape.StyledPanel)
    layout = QVBoxLayout(frame)
    layout.addWidget(label)
    return frame


def latest_consent(consents: tuple[Consent, ...], kind: ConsentKind) -> Consent | None:
    found = [c for c in consents if c.kind is kind]
    return found[-1] if found else None


class ScreeningTab(CaseTab):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("tabScreening")
        self.outcome = _line("screeningOutcome")
        self.consent = _line("screeningConsent")
        self.note = hint_label("screeningNote")
        self.screenings = ScreeningsPanel(ctx)
        self.screenings.changed.connect(self.edited)
        layout = QVBoxLayout(self)
        layout.addWidget(self.outcome)
        layout.addWidget(self.consent)
        layout.addWidget(self.screenings, 1)
        layout.addWidget(self.note)
        self.render()

    def set_data(self, loaded) -> None:  # noqa: ANN001 - ui.qt.cases.case_data.Loaded
        super().set_data(loaded)
        self.screenings.set_data(loaded)

    def clear(self) -> None:
        self.screenings.clear()
        super().clear()

    def render(self) -> None:
        self.note.setText(tr("Record the person's consent to screening in the Risk and consent tab first. "
                             "A completed screening cannot be changed; to screen again, start a new one."))
        if self.loaded is None:
            self.outcome.clear()
            self.consent.clear()
            return
        case = self.loaded.file.case
        if case.screening_outcome is not None:
            self.outcome.setText(trf("Screening outcome: {outcome}", outcome=state_label(case.screening_outcome)))
        elif case.state is CaseState.SCREENING:
            self.outcome.setText(tr("The screening is under way; no outcome is recorded yet."))
        else:
            self.outcome.setText(tr("No screening outcome is recorded yet."))
        consent = latest_consent(self.loaded.file.consents, ConsentKind.SCREENING)
        if consent is None:
            self.consent.setText(tr("No consent to screening is recorded yet."))
        else:
            self.consent.setText(trf("Consent to screening: {decision}, recorded on {when}",
                                     decision=tr(CONSENT_DECISION_LABELS[consent.decision]),
                                     when=format_datetime(consent.recorded_at, language.code)))


class ReferralsTab(CaseTab):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("tabReferrals")
        self.status = _line("referralStatus")
        self.consents = make_tree("referralConsents")
        self.empty = hint_label("referralEmpty")
        self.note = hint_label("referralNote")
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.consents, 1)
        layout.addWidget(self.empty)
        layout.addWidget(_note_frame(self.note))
        self.render()

    def render(self) -> None:
        self.note.setText(tr("Sending referrals to providers and following their answers will come with the "
                             "referral workflow. Until then, record the person's consent to each provider in "
                             "the Risk and consent tab, and move the case when the referral is made."))
        self.consents.setAccessibleName(tr("Consents to referral"))
        headers = [tr("Provider"), tr("Decision"), tr("Override"), tr("Recorded")]
        if self.loaded is None:
            self.status.clear()
            fill_tree(self.consents, headers, [])
            self.empty.setVisible(False)
            return
        file = self.loaded.file
        referral = [c for c in file.consents if c.kind is ConsentKind.REFERRAL]
        allowed = any(c.allows_referral for c in referral)
        state = state_label(file.case.state)
        if allowed:
            self.status.setText(trf("Current step: {state}. A referral may be made: consent or an override "
                                    "is recorded.", state=state))
        else:
            self.status.setText(trf("Current step: {state}. No referral can be made yet: there is no "
                                    "consent to a referral, nor an override.", state=state))
        rows = [[c.provider or "", tr(CONSENT_DECISION_LABELS[c.decision]),
                 tr(OVERRIDE_LABELS[c.override]) if c.override else "",
                 format_datetime(c.recorded_at, language.code)] for c in reversed(referral)]
        fill_tree(self.consents, headers, rows)
        self.empty.setText(tr("No consent to a referral is recorded yet."))
        self.empty.setVisible(not referral)
        self.consents.setVisible(bool(referral))
