"""The Screening tab: the outcome and consent recorded, and the case's screenings.

It shows only what the store holds, lists the case's screenings and starts or resumes the
guided interview (``ui.qt.screening``). The Referrals tab is ``ui.qt.referrals.referrals_tab``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.domain.case import Consent
from app.domain.values import CaseState, ConsentKind
from i18n.formatting import format_datetime
from ui.qt.cases.case_data import CaseTab
from ui.qt.cases.labels import CONSENT_DECISION_LABELS, state_label
from ui.qt.cases.widgets import hint_label
from ui.qt.context import AppContext
from ui.qt.lang import language, tr, trf
from ui.qt.screening.case_panel import ScreeningsPanel

def _line(name: str) -> QLabel:
    label = QLabel(objectName=name, wordWrap=True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


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

