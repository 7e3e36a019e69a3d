"""Recording a risk assessment or a consent decision on a case (both append-only records)."""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtWidgets import (
    QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QPlainTextEdit, QStyle,
    QVBoxLayout, QWidget,
)

from app.domain.values import ConsentDecision, ConsentKind, RiskStage
from app.text import N_
from ui.qt.cases.labels import (
    CONSENT_DECISION_LABELS, CONSENT_KIND_LABELS, OVERRIDE_LABELS, RISK_LEVEL_LABELS, RISK_LEVEL_QUESTIONS,
    RISK_QUESTIONS, RISK_STAGE_LABELS,
)
from ui.qt.cases.widgets import ChoiceCombo, InlineErrors, error_label, hint_label, tri_state_combo
from ui.qt.context import AppContext
from ui.qt.lang import language, tr


class _RecordDialog(QDialog):
    """A form whose Save runs one service call; field errors show under their fields."""

    title = ""
    prefix = ""

    def __init__(self, ctx: AppContext, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.case_id = case_id
        self.result_record: Any = None
        self.setModal(True)
        self.setMinimumWidth(520)
        self.errors = InlineErrors(error_label(f"{self.prefix}Error"), self)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._labels: list[tuple[QLabel, QWidget, str]] = []
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save.setObjectName(f"{self.prefix}Save")
        self.save.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton))
        self.cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel.setObjectName(f"{self.prefix}Cancel")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.layout_ = QVBoxLayout(self)
        self.layout_.addLayout(self.form)
        self.layout_.addWidget(self.errors.general)
        self.layout_.addWidget(self.buttons)

    def row(self, msgid: str, widget: QWidget, field: str | None = None) -> QWidget:
        label = QLabel(wordWrap=True)
        label.setBuddy(widget)
        self._labels.append((label, widget, msgid))
        if field is None:
            self.form.addRow(label, widget)
            return widget
        box = self.errors.under(widget, field)
        self.form.addRow(label, box)
        return box

    def retranslate(self) -> None:
        self.setWindowTitle(tr(self.title))
        for label, widget, msgid in self._labels:
            label.setText(tr(msgid))
            widget.setAccessibleName(tr(msgid))
        self.save.setText(tr("Save"))
        self.save.setAccessibleName(tr("Save"))
        self.cancel.setText(tr("Cancel"))
        self.cancel.setAccessibleName(tr("Cancel"))

    def call(self) -> Callable[[], Any]:
        raise NotImplementedError

    def submit(self) -> None:
        self.errors.clear()
        job = self.call()
        self.save.setEnabled(False)
        self.ctx.ops.run(job, on_done=self._done, on_error=self._failed, owner=self)

    def _done(self, record: Any) -> None:
        self.result_record = record
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.save.setEnabled(True)
        self.errors.show(exc)


class RiskDialog(_RecordDialog):
    title = N_("Record a risk assessment")
    prefix = "risk"

    def __init__(self, ctx: AppContext, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ctx, case_id, parent)
        self.setObjectName("riskDialog")
        self.stage = ChoiceCombo.of("riskStage", RISK_STAGE_LABELS)
        self.row(N_("When"), self.stage)
        self.answers = {name: tri_state_combo(f"risk_{name}") for name in RISK_QUESTIONS}
        for name, msgid in RISK_QUESTIONS.items():
            self.row(msgid, self.answers[name], name)
        self.levels = {name: ChoiceCombo.of(f"risk_{name}", RISK_LEVEL_LABELS) for name in RISK_LEVEL_QUESTIONS}
        for name, msgid in RISK_LEVEL_QUESTIONS.items():
            self.row(msgid, self.levels[name], name)
        self.summary = QPlainTextEdit(objectName="riskSummary")
        self.summary.setTabChangesFocus(True)
        self.summary.setMaximumHeight(100)
        self.row(N_("Summary"), self.summary, "summary")
        language.changed.connect(self.retranslate)
        self.retranslate()
        self.stage.setFocus()

    def call(self) -> Callable[[], Any]:
        ctx, case_id, stage = self.ctx, self.case_id, self.stage.value() or RiskStage.SCREENING
        answers: dict[str, Any] = {name: combo.value() for name, combo in self.answers.items()}
        answers.update({name: combo.value() for name, combo in self.levels.items()})
        answers["summary"] = self.summary.toPlainText().strip() or None

        def record():  # worker thread
            services = ctx.require()
            return services.cases.record_risk(services.session, case_id, stage, **answers)
        return record


class ConsentDialog(_RecordDialog):
    title = N_("Record a consent decision")
    prefix = "consent"

    def __init__(self, ctx: AppContext, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ctx, case_id, parent)
        self.setObjectName("consentDialog")
        self.kind = ChoiceCombo.of("consentKind", CONSENT_KIND_LABELS)
        self.decision = ChoiceCombo.of("consentDecision", CONSENT_DECISION_LABELS)
        self.provider = QLineEdit(objectName="consentProvider")
        self.guardian = QCheckBox(objectName="consentGuardian")
        self.guardian_name = QLineEdit(objectName="consentGuardianName")
        self.override = ChoiceCombo.of("consentOverride", OVERRIDE_LABELS, none_label=N_("No override"))
        self.override_reason = QPlainTextEdit(objectName="consentOverrideReason")
        self.override_reason.setTabChangesFocus(True)
        self.override_reason.setMaximumHeight(90)
        self.override_hint = hint_label("consentOverrideHint")
        self.row(N_("Consent to"), self.kind, "kind")
        self.row(N_("Decision"), self.decision, "decision")
        self._provider_row = self.row(N_("Provider"), self.provider, "provider")
        self.row(N_("Guardian"), self.guardian, "given_by_guardian")
        self._guardian_row = self.row(N_("Guardian's name"), self.guardian_name, "guardian_name")
        self.form.addRow(self.override_hint)
        self._override_row = self.row(N_("Override"), self.override, "override")
        self._reason_row = self.row(N_("Reason for the override"), self.override_reason, "override_reason")
        for signal in (self.kind.currentIndexChanged, self.decision.currentIndexChanged,
                       self.guardian.toggled, self.override.currentIndexChanged):
            signal.connect(self._update_rows)
        self._update_rows()
        language.changed.connect(self.retranslate)
        self.retranslate()
        self.kind.setFocus()

    def retranslate(self) -> None:
        super().retranslate()
        self.guardian.setText(tr("Given by a parent or guardian"))
        self.provider.setPlaceholderText(tr("The organisation the person agrees to be referred to"))
        self.override_hint.setText(tr("Without consent, a referral can go ahead only for a child's best "
                                      "interests or a danger to life, with a reason. The override is audited."))

    def _update_rows(self) -> None:
        referral = self.kind.value() is ConsentKind.REFERRAL
        not_given = self.decision.value() is not ConsentDecision.GIVEN
        self.form.setRowVisible(self._provider_row, referral)
        self.form.setRowVisible(self._guardian_row, self.guardian.isChecked())
        show_override = referral and not_given
        self.form.setRowVisible(self.override_hint, show_override)
        self.form.setRowVisible(self._override_row, show_override)
        self.form.setRowVisible(self._reason_row, show_override and self.override.value() is not None)
        self.adjustSize()  # rows came or went: fit the dialog to them

    def call(self) -> Callable[[], Any]:
        ctx, case_id = self.ctx, self.case_id
        kind, decision = self.kind.value(), self.decision.value()
        referral = kind is ConsentKind.REFERRAL
        overriding = referral and decision is not ConsentDecision.GIVEN and self.override.value() is not None
        options = {
            "provider": (self.provider.text().strip() or None) if referral else None,
            "given_by_guardian": self.guardian.isChecked(),
            "guardian_name": (self.guardian_name.text().strip() or None) if self.guardian.isChecked() else None,
            "override": self.override.value() if overriding else None,
            "override_reason": (self.override_reason.toPlainText().strip() or None) if overriding else None,
        }

        def record():  # worker thread
            services = ctx.require()
            return services.cases.record_consent(services.session, case_id, kind, decision, **options)
        return record
