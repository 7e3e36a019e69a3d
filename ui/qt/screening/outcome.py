"""The outcome of a completed screening: the recommendation, why, and what to do next.

It is drawn from the stored result (``ScreeningResult.to_dict()``), so a screening opened
later reads exactly as it did when it was completed. The next actions are offered only when
the lifecycle allows them for the role and the case's current step; the core decides again
when one is used.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QStyle, QVBoxLayout, QWidget,
)

from app.domain.case import Case
from app.domain.values import CaseState, Role
from app.lifecycle import Transition, find
from app.permissions import Action, allowed
from app.screening.engine import Recommendation
from app.screening.model import Checklist
from i18n.bidi import isolate
from i18n.formatting import format_number
from ui.qt.cases.labels import join, state_label
from ui.qt.cases.widgets import error_label, hint_label
from ui.qt.lang import language, ntr, tr, trf
from ui.qt.screening.labels import FULL_CHECKLIST, SERIOUS, dimension_label, recommendation_label, urgent_label


def _label(name: str, style: str = "") -> QLabel:
    label = QLabel(objectName=name, wordWrap=True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if style:
        label.setStyleSheet(style)
    return label


def _bullets(lines: list[str]) -> str:
    return "\n".join(line if line.startswith(" ") else f"• {line}" for line in lines)


class OutcomePage(QWidget):
    move_requested = Signal(object)  # the Transition to make (no reason needed)
    urgent_requested = Signal(object)  # the Transition to urgent protection (asks a reason)
    full_interview_requested = Signal()
    urgent_referral_requested = Signal()  # an immediate referral, preset from the urgent flags

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screeningOutcome")
        self.result: dict[str, Any] | None = None
        self.checklist: Checklist | None = None
        self.case: Case | None = None
        self.role: Role | None = None
        self.may_screen = False
        self._error: str = ""
        self.title = _label("screeningOutcomeTitle", "font-size: 13pt; color: #5f5b53;")
        self.recommendation = _label("screeningRecommendation", "font-size: 20pt; font-weight: 700;")
        self.disclaimer = hint_label("screeningDisclaimer")
        self.urgent = _label("screeningUrgent", "color: #8c1d18; font-size: 13pt; font-weight: 600;")
        self.reasons_title = _label("screeningReasonsTitle", "font-weight: 600; font-size: 12pt;")
        self.reasons = _label("screeningReasons", "font-size: 12pt;")
        self.unknown = _label("screeningUnknown", "font-size: 12pt;")
        self.steps_title = _label("screeningStepsTitle", "font-weight: 600; font-size: 12pt;")
        self.steps = _label("screeningNextSteps", "font-size: 12pt;")
        self.state_note = hint_label("screeningCaseState")
        self.error = error_label("screeningOutcomeError")
        self.move = self._button("screeningMoveOutcome", QStyle.StandardPixmap.SP_ArrowForward)
        self.urgent_button = self._button("screeningUrgentProtection", QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.urgent_button.setStyleSheet("QPushButton { background: #b3261e; color: white; font-weight: 600; }")
        self.referral_button = self._button("screeningUrgentReferral", QStyle.StandardPixmap.SP_DialogApplyButton)
        self.referral_button.setStyleSheet("QPushButton { background: #8c1d18; color: white; font-weight: 600; }")
        self.full = self._button("screeningStartFull", QStyle.StandardPixmap.SP_FileDialogDetailedView)
        self.move.clicked.connect(lambda: self._ask(self.move_requested, self._move_row()))
        self.urgent_button.clicked.connect(lambda: self._ask(self.urgent_requested, self._urgent_row()))
        self.referral_button.clicked.connect(self.urgent_referral_requested)
        self.full.clicked.connect(self.full_interview_requested)

        card = QFrame(objectName="screeningOutcomeCard")
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card_layout = QVBoxLayout(card)
        for widget in (self.title, self.recommendation, self.disclaimer, self.urgent):
            card_layout.addWidget(widget)
        actions = QHBoxLayout()
        for button in (self.referral_button, self.move, self.urgent_button, self.full):
            actions.addWidget(button)
        actions.addStretch(1)
        body = QWidget()
        column = QVBoxLayout(body)
        column.addWidget(card)
        for widget in (self.reasons_title, self.reasons, self.unknown, self.steps_title, self.steps):
            column.addWidget(widget)
        column.addStretch(1)
        scroll = QScrollArea(objectName="screeningOutcomeScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)  # a full interview can give a long list of reasons
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.state_note)
        layout.addWidget(self.error)
        layout.addLayout(actions)
        language.changed.connect(self.render)

    def _button(self, name: str, icon: QStyle.StandardPixmap) -> QPushButton:
        button = QPushButton(objectName=name)
        button.setIcon(self.style().standardIcon(icon))
        button.setMinimumHeight(40)
        button.setVisible(False)
        return button

    def _ask(self, signal: Signal, row: Transition | None) -> None:
        if row is not None:
            signal.emit(row)

    # --- data -------------------------------------------------------------------------
    def show_result(self, result: dict[str, Any], checklist: Checklist, case: Case, role: Role,
                    may_screen: bool) -> None:
        self.result, self.checklist, self.case, self.role = result, checklist, case, role
        self.may_screen = may_screen
        self._error = ""
        self.render()

    def set_case(self, case: Case) -> None:
        """The case after a move made from here: offer what its new step allows."""
        self.case = case
        self._error = ""
        self.render()

    def show_error(self, text: str) -> None:
        self._error = text
        self.error.setText(text)
        self.error.setAccessibleName(text)
        self.error.setVisible(bool(text))

    def _target(self) -> CaseState | None:
        code = self.result.get("case_state") if self.result else None
        return CaseState(code) if code else None

    def _row(self, target: CaseState | None) -> Transition | None:
        if target is None or self.case is None or self.role is None:
            return None
        row = find(self.case.state, target)
        return row if row is not None and allowed(self.role, row.action) else None

    def _move_row(self) -> Transition | None:
        return self._row(self._target())

    def _urgent_row(self) -> Transition | None:
        return self._row(CaseState.URGENT_PROTECTION)

    def offers_urgent_referral(self) -> bool:
        """Urgent triage answers or a presumed victim, and a role that may refer urgently."""
        if self.result is None or self.role is None or not allowed(self.role, Action.URGENT_REFERRAL):
            return False
        return bool(self.result.get("urgent_flags")) or self.result.get("recommendation") in {r.value for r in SERIOUS}

    # --- showing ----------------------------------------------------------------------
    def render(self) -> None:
        result = self.result
        self.reasons_title.setText(tr("Why"))
        self.steps_title.setText(tr("Suggested next steps"))
        self.disclaimer.setText(tr("This is a recommendation for the officer, never a legal determination."))
        if result is None or self.checklist is None:
            return
        lang = language.code
        self.title.setText(trf("Result of the screening ({checklist}, version {version})",
                               checklist=self.checklist.title.get(lang), version=self.checklist.version))
        code = result.get("recommendation")
        serious = code in {r.value for r in SERIOUS}
        self.recommendation.setText(recommendation_label(code))
        self.recommendation.setStyleSheet("font-size: 20pt; font-weight: 700; color: %s;"
                                          % ("#8c1d18" if serious else "#1f3f73"))
        self.recommendation.setAccessibleName(self.recommendation.text())
        flags = [urgent_label(f) for f in result.get("urgent_flags", [])]
        self.urgent.setText(trf("Urgent: {flags}", flags=join(flags)) if flags else "")
        self.urgent.setVisible(bool(flags))
        self.reasons.setText(_bullets(self._reason_lines()))
        self.unknown.setText(self._unknown_text())
        self.steps.setText(_bullets([tr(step) for step in result.get("next_steps", [])]))
        self._render_actions()
        self.error.setText(self._error)
        self.error.setVisible(bool(self._error))

    def _reason_lines(self) -> list[str]:
        result, lang = self.result, language.code
        lines = [tr(reason) for reason in result.get("reasons", [])]
        if result.get("child_rule"):
            lines.append(tr("The rules for children were applied: the person may be under 18."))
        for code, dimension in result.get("dimensions", {}).items():
            items = [self._item_text(i["item"], lang) for i in dimension.get("indicators", [])]
            if not items:
                continue
            name = dimension_label(code)
            if dimension.get("positive"):
                lines.append(trf("{dimension}: positive. Indicators answered yes:", dimension=name))
            else:
                lines.append(trf("{dimension}: not positive. Indicators answered yes:", dimension=name))
            lines.extend(f"    ◦ {item}" for item in items)  # the questions, one per line
        return lines

    def _item_text(self, item_id: str, lang: str) -> str:
        try:
            return self.checklist.item(item_id).text.get(lang)
        except KeyError:
            return item_id

    def _unknown_text(self) -> str:
        unknown = int(self.result.get("unknown_count", 0))
        declined = int(self.result.get("declined_count", 0))
        lang = language.code
        parts = [ntr("{count} answer was \"not known\".", "{count} answers were \"not known\".", unknown)
                 .format(count=isolate(format_number(unknown, lang)))]
        if declined:
            parts.append(ntr("{count} question was declined.", "{count} questions were declined.", declined)
                         .format(count=isolate(format_number(declined, lang))))
        return " ".join(parts)

    def _render_actions(self) -> None:
        target, case = self._target(), self.case
        move_row, urgent_row = self._move_row(), self._urgent_row()
        self.move.setVisible(move_row is not None)
        if target is not None:
            text = trf("Move the case to: {state}", state=state_label(target))
            self.move.setText(text)
            self.move.setAccessibleName(text)
        self.urgent_button.setVisible(urgent_row is not None)
        self.referral_button.setVisible(self.offers_urgent_referral())
        self.referral_button.setText(tr("Urgent referral"))
        self.referral_button.setAccessibleName(tr("Urgent referral"))
        self.referral_button.setToolTip(tr("Refer the person today to the nearest provider that can protect them"))
        self.urgent_button.setText(tr("Record urgent protection"))
        self.urgent_button.setAccessibleName(tr("Record urgent protection"))
        full = (self.checklist is not None and self.checklist.id != FULL_CHECKLIST and self.may_screen
                and self.result.get("recommendation") != Recommendation.NO_INDICATORS.value)
        self.full.setVisible(full)
        self.full.setText(tr("Start the full interview"))
        self.full.setAccessibleName(tr("Start the full interview"))
        if case is None:
            self.state_note.clear()
        elif target is not None and case.state is target:
            self.state_note.setText(trf("The case is now at the step: {state}", state=state_label(case.state)))
        elif target is not None and move_row is None:
            self.state_note.setText(trf("The case is at the step {state}; it cannot move to {target} from there.",
                                        state=state_label(case.state), target=state_label(target)))
        else:
            self.state_note.setText(trf("The case is at the step: {state}", state=state_label(case.state)))
