"""Recording the provider's answer or the outcome of a referral.

Only the moves the referral's status allows (``STATUS_MOVES``) are offered: accepted or
declined (with the date of the answer; a decline needs the provider's reason, so the
worker can refer elsewhere), completed (with the date), withdrawn. The core checks again;
a refusal is shown here and the dialog stays open with what was typed.
"""

from __future__ import annotations

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QButtonGroup, QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QRadioButton, QStyle, QVBoxLayout, QWidget,
)

from app.domain.referral import REFERRAL_STATUS_LABELS, STATUS_MOVES, Referral, ReferralStatus
from app.text import N_
from ui.qt.cases.widgets import InlineErrors, date_box, error_label, hint_label
from ui.qt.context import AppContext
from ui.qt.lang import language, tr, trf

#: the order the choices are offered in, with the words of each
_CHOICES = {
    ReferralStatus.ACCEPTED: N_("The provider accepted"),
    ReferralStatus.DECLINED: N_("The provider declined"),
    ReferralStatus.COMPLETED: N_("The service was completed"),
    ReferralStatus.WITHDRAWN: N_("Withdraw the referral"),
}
_DATE_LABELS = {
    ReferralStatus.ACCEPTED: N_("Date of the provider's answer"),
    ReferralStatus.DECLINED: N_("Date of the provider's answer"),
    ReferralStatus.COMPLETED: N_("Date the service was completed"),
}
MIN_FEEDBACK = 10


class StatusDialog(QDialog):
    def __init__(self, ctx: AppContext, referral: Referral, provider_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.referral = referral
        self.provider_name = provider_name
        self.updated: Referral | None = None
        self.setObjectName("referralStatusDialog")
        self.setModal(True)
        self.setMinimumWidth(520)
        self.setStyleSheet("QRadioButton, QPushButton, QDateEdit { font-size: 12pt; min-height: 32px; }"
                           "QRadioButton::indicator { width: 20px; height: 20px; }")
        self.question = QLabel(objectName="referralStatusQuestion", wordWrap=True)
        self.question.setStyleSheet("font-weight: 600;")
        self.group = QButtonGroup(self)
        self.radios: dict[ReferralStatus, QRadioButton] = {}
        for status in _CHOICES:
            if status in STATUS_MOVES[referral.status]:
                radio = QRadioButton(objectName=f"referralStatus_{status.value}")
                self.group.addButton(radio)
                self.radios[status] = radio
                radio.toggled.connect(self._update_rows)
        self.date_label = QLabel()
        self.date = date_box("referralStatusDate")
        self.date.setMinimumDate(QDate(referral.referred_at.year, referral.referred_at.month, referral.referred_at.day))
        self.date.setDate(QDate.currentDate())
        self.date_label.setBuddy(self.date)
        self.feedback_label = QLabel()
        self.feedback = QPlainTextEdit(objectName="referralFeedback")
        self.feedback.setTabChangesFocus(True)
        self.feedback.setMaximumHeight(110)
        self.feedback_label.setBuddy(self.feedback)
        self.feedback_hint = hint_label("referralFeedbackHint")
        self.errors = InlineErrors(error_label("referralStatusError"), self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save.setObjectName("referralStatusSave")
        self.save.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton))
        self.cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel.setObjectName("referralStatusCancel")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.question)
        for radio in self.radios.values():
            layout.addWidget(radio)
        layout.addSpacing(8)
        layout.addWidget(self.date_label)
        layout.addWidget(self.errors.under(self.date, "on"))
        layout.addWidget(self.feedback_label)
        layout.addWidget(self.errors.under(self.feedback, "feedback"))
        layout.addWidget(self.feedback_hint)
        layout.addWidget(self.errors.general)
        layout.addWidget(self.buttons)
        language.changed.connect(self.retranslate)
        self.retranslate()
        self._update_rows()
        if self.radios:
            next(iter(self.radios.values())).setFocus()

    def choice(self) -> ReferralStatus | None:
        return next((status for status, radio in self.radios.items() if radio.isChecked()), None)

    def retranslate(self) -> None:
        self.setWindowTitle(tr("Update the referral"))
        self.question.setText(trf("Referral to {provider}, now: {status}. What happened?",
                                  provider=self.provider_name, status=tr(REFERRAL_STATUS_LABELS[self.referral.status])))
        for status, radio in self.radios.items():
            radio.setText(tr(_CHOICES[status]))
            radio.setAccessibleName(radio.text())
        choice = self.choice()
        self.date_label.setText(tr(_DATE_LABELS.get(choice, N_("Date"))))
        self.date.setAccessibleName(self.date_label.text())
        self.feedback_label.setText(tr("The provider's feedback"))
        self.feedback.setAccessibleName(tr("The provider's feedback"))
        if choice is ReferralStatus.DECLINED:
            self.feedback_hint.setText(trf("Needed when the provider declines: why, in at least {count} characters, "
                                           "so that the person can be referred elsewhere.", count=MIN_FEEDBACK))
        else:
            self.feedback_hint.setText(tr("Optional. What the provider said, or what was done."))
        self.save.setText(tr("Save"))
        self.save.setAccessibleName(tr("Save"))
        self.cancel.setText(tr("Cancel"))
        self.cancel.setAccessibleName(tr("Cancel"))

    def _update_rows(self) -> None:
        choice = self.choice()
        dated = choice in _DATE_LABELS
        for widget in (self.date_label, self.date):
            widget.setVisible(dated)
        self.save.setEnabled(choice is not None)
        self.retranslate()

    def submit(self) -> None:
        choice = self.choice()
        if choice is None:
            return
        self.errors.clear()
        # The core checks the date (not in the future, not before the referral) and that a
        # decline says why; its refusal shows under the field, the dialog stays open.
        on = self.date.date().toPython() if choice in _DATE_LABELS else None
        feedback = self.feedback.toPlainText().strip() or None
        ctx, referral_id = self.ctx, self.referral.id

        def update():  # worker thread
            services = ctx.require()
            return services.referrals.update_status(services.session, referral_id, choice, on=on, feedback=feedback)

        self.save.setEnabled(False)
        ctx.ops.run(update, on_done=self._done, on_error=self._failed, owner=self)

    def _done(self, referral: Referral) -> None:
        self.updated = referral
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.save.setEnabled(True)
        self.errors.show(exc)
