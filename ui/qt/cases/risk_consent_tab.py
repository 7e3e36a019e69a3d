"""The Risk and consent tab: both histories, newest first, and the buttons that add to them."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QStyle, QVBoxLayout, QWidget

from app.permissions import Action
from i18n.formatting import format_datetime
from ui.qt.cases.case_data import CaseTab, fill_tree, make_tree
from ui.qt.cases.labels import (
    CONSENT_DECISION_LABELS, CONSENT_KIND_LABELS, OVERRIDE_LABELS, RISK_STAGE_LABELS, URGENT_FLAG_LABELS, join,
)
from ui.qt.cases.record_dialogs import ConsentDialog, RiskDialog
from ui.qt.cases.widgets import hint_label
from ui.qt.context import AppContext
from ui.qt.lang import language, tr, trf


class RiskConsentTab(CaseTab):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("tabRiskConsent")
        self.risk_dialog: RiskDialog | None = None
        self.consent_dialog: ConsentDialog | None = None
        self.risk_title = QLabel(objectName="riskTitle")
        self.consent_title = QLabel(objectName="consentTitle")
        for title in (self.risk_title, self.consent_title):
            title.setStyleSheet("font-weight: 600;")
        self.risks = make_tree("riskList")
        self.consents = make_tree("consentList")
        self.risk_button = QPushButton(objectName="riskRecord")
        self.consent_button = QPushButton(objectName="consentRecord")
        self.risk_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
        self.consent_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton))
        self.risk_button.clicked.connect(self.record_risk)
        self.consent_button.clicked.connect(self.record_consent)
        self.denied = hint_label("riskConsentDenied")

        layout = QVBoxLayout(self)
        layout.addWidget(self.denied)
        for title, button, tree in ((self.risk_title, self.risk_button, self.risks),
                                    (self.consent_title, self.consent_button, self.consents)):
            bar = QHBoxLayout()
            bar.addWidget(title)
            bar.addStretch(1)
            bar.addWidget(button)
            layout.addLayout(bar)
            layout.addWidget(tree, 1)
        self.render()

    def render(self) -> None:
        self.risk_title.setText(tr("Risk assessments"))
        self.consent_title.setText(tr("Consents"))
        self.risks.setAccessibleName(tr("Risk assessments"))
        self.consents.setAccessibleName(tr("Consents"))
        for button, text in ((self.risk_button, tr("Record risk assessment")),
                             (self.consent_button, tr("Record consent"))):
            button.setText(text)
            button.setAccessibleName(text)
        loaded = self.loaded
        may = loaded is not None and loaded.may(Action.RECORD_RISK_CONSENT)
        why = loaded.why_not(Action.RECORD_RISK_CONSENT) if loaded is not None and not may else ""
        for button in (self.risk_button, self.consent_button):
            button.setEnabled(may)
            button.setToolTip(why)
        self.denied.setText(why)
        self.denied.setVisible(bool(why))
        lang = language.code
        risks = reversed(loaded.file.risks) if loaded else ()
        fill_tree(self.risks, [tr("When"), tr("Stage"), tr("Urgent"), tr("Assessed by")], [
            [format_datetime(r.assessed_at, lang), tr(RISK_STAGE_LABELS[r.stage]),
             join(tr(URGENT_FLAG_LABELS[f]) for f in r.urgent_flags) or tr("Nothing urgent"),
             loaded.name(r.assessed_by)]
            for r in risks])
        consents = reversed(loaded.file.consents) if loaded else ()
        fill_tree(self.consents, [tr("When"), tr("Consent to"), tr("Decision"), tr("Provider"), tr("Override")], [
            [format_datetime(c.recorded_at, lang), tr(CONSENT_KIND_LABELS[c.kind]),
             _decision(c), loaded.provider_label(c.provider), tr(OVERRIDE_LABELS[c.override]) if c.override else ""]
            for c in consents])

    def record_risk(self) -> None:
        if self.loaded is None:
            return
        if self.risk_dialog is not None:
            self.risk_dialog.deleteLater()  # one at a time: what was typed in the last one goes too
        self.risk_dialog = RiskDialog(self.ctx, self.loaded.file.case.id, self)
        self.risk_dialog.accepted.connect(self.edited)
        self.risk_dialog.open()

    def record_consent(self) -> None:
        if self.loaded is None:
            return
        if self.consent_dialog is not None:
            self.consent_dialog.deleteLater()  # one at a time: what was typed in the last one goes too
        self.consent_dialog = ConsentDialog(self.ctx, self.loaded.file.case.id, self)
        self.consent_dialog.accepted.connect(self.edited)
        self.consent_dialog.open()

    def clear(self) -> None:
        for dialog in (self.risk_dialog, self.consent_dialog):
            if dialog is not None:
                dialog.reject()
                dialog.deleteLater()
        self.risk_dialog = self.consent_dialog = None
        super().clear()


def _decision(consent) -> str:  # noqa: ANN001 - app.domain.case.Consent
    decision = tr(CONSENT_DECISION_LABELS[consent.decision])
    if consent.given_by_guardian and consent.guardian_name:
        return trf("{decision} (by the guardian {name})", decision=decision, name=consent.guardian_name)
    return decision
