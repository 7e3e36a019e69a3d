"""Confirming one lifecycle move, with its reason or closure reason when the move needs one.

The core checks every guard; when it refuses, every reason is shown here in words and the
dialog stays open, with what was typed, so the worker can fix it or cancel.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QLabel, QLineEdit, QPlainTextEdit, QStyle, QVBoxLayout, QWidget,
)

from app.domain.case import Case
from app.domain.values import CaseState
from app.lifecycle import MIN_REASON, Transition
from app.text import N_
from ui.qt.cases.labels import CLOSURE_CHOICES, state_label
from ui.qt.cases.widgets import ChoiceCombo, error_label, hint_label
from ui.qt.context import AppContext
from ui.qt.lang import language, render_error, tr, trf

_REASON_GUARDS = frozenset({"reason", "outcome_recorded"})


def needs_reason(move: Transition) -> bool:
    return any(g.name in _REASON_GUARDS for g in move.guards)


class MoveDialog(QDialog):
    def __init__(self, ctx: AppContext, case: Case, move: Transition, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.case = case
        self.move = move
        self.moved: Case | None = None
        self._error: BaseException | None = None  # kept to re-render it in another language
        self.setObjectName("moveDialog")
        self.setMinimumWidth(440)
        self.question = QLabel(objectName="moveQuestion", wordWrap=True)
        self.reason_label = QLabel()
        self.reason = QPlainTextEdit(objectName="moveReason")
        self.reason.setTabChangesFocus(True)
        self.reason.setMaximumHeight(110)
        self.reason_label.setBuddy(self.reason)
        self.reason_hint = hint_label("moveReasonHint")
        self.closure_label = QLabel()
        self.closure = ChoiceCombo.of("moveClosureReason", CLOSURE_CHOICES,
                                      none_label=N_("Choose a closure reason"))
        self.closure_label.setBuddy(self.closure)
        # A transfer may hand the case to another team or region (its scope): it then leaves
        # this scope, and the worker who made the move no longer sees it.
        self.scope_label = QLabel()
        self.scope = QLineEdit(objectName="moveToScope")
        self.scope.setMaxLength(40)
        self.scope_label.setBuddy(self.scope)
        self.scope_hint = hint_label("moveToScopeHint")
        self.error = error_label("moveError")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.confirm = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.confirm.setObjectName("moveConfirm")
        self.confirm.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_ArrowForward))
        self.cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel.setObjectName("moveCancel")
        self.buttons.accepted.connect(self.run)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.question)
        show_reason = needs_reason(move)
        for widget in (self.reason_label, self.reason, self.reason_hint):
            widget.setVisible(show_reason)
            layout.addWidget(widget)
        show_closure = move.target is CaseState.CLOSED
        for widget in (self.closure_label, self.closure):
            widget.setVisible(show_closure)
            layout.addWidget(widget)
        for widget in (self.scope_label, self.scope, self.scope_hint):
            widget.setVisible(move.target is CaseState.TRANSFERRED)
            layout.addWidget(widget)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        language.changed.connect(self.retranslate)
        self.retranslate()
        (self.reason if show_reason else self.closure if show_closure else self.confirm).setFocus()

    def retranslate(self) -> None:
        source, target = state_label(self.move.source), state_label(self.move.target)
        self.setWindowTitle(trf("Move to: {state}", state=target))
        self.question.setText(trf("Move case {number} from {source} to {target}?",
                                  number=self.case.case_number, source=source, target=target))
        self.reason_label.setText(tr("Reason"))
        self.reason.setAccessibleName(tr("Reason"))
        if any(g.name == "outcome_recorded" for g in self.move.guards):
            self.reason_hint.setText(tr("Needed when no completed screening recommends this outcome, "
                                        "e.g. when the screening was done on a paper form. "
                                        "The reason is kept as a case note."))
        else:
            self.reason_hint.setText(trf("At least {count} characters. The reason is kept as a case note.",
                                         count=MIN_REASON))
        self.closure_label.setText(tr("Closure reason"))
        self.closure.setAccessibleName(tr("Closure reason"))
        self.scope_label.setText(tr("Hand over to another scope (team or region) — optional"))
        self.scope.setAccessibleName(tr("Hand over to another scope (team or region)"))
        self.scope.setPlaceholderText(trf("e.g. {example}", example="rabat"))
        self.scope_hint.setText(trf("The case is now in the scope {scope}. Handed over, it leaves this scope "
                                    "with all its records, and you will no longer see it.", scope=self.case.scope_id))
        self.confirm.setText(trf("Move to: {state}", state=target))
        self.confirm.setAccessibleName(self.confirm.text())
        self.cancel.setText(tr("Cancel"))
        self.cancel.setAccessibleName(tr("Cancel"))
        if self._error is not None:
            self.error.setText(render_error(self._error))

    def run(self) -> None:
        ctx, case_id, target = self.ctx, self.case.id, self.move.target
        reason = self.reason.toPlainText() if needs_reason(self.move) else None
        closure = self.closure.value() if target is CaseState.CLOSED else None
        to_scope = (self.scope.text().strip() or None) if target is CaseState.TRANSFERRED else None

        def move():  # worker thread
            services = ctx.require()
            return services.cases.move(services.session, case_id, target, reason=reason, closure_reason=closure,
                                       to_scope=to_scope)

        self.confirm.setEnabled(False)
        ctx.ops.run(move, on_done=self._moved, on_error=self._refused, owner=self)

    def _moved(self, case: Case) -> None:
        self.moved = case
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self.confirm.setEnabled(True)
        self._error = exc
        self.error.setText(render_error(exc))
        self.error.setAccessibleName(self.error.text())
        self.error.setVisible(True)
