"""The guided screening interview: one section at a time, then the outcome.

The checklist decides the questions, their order (safety and triage first) and the skip
logic; answering updates which questions and sections are asked at once. An answer that
calls for immediate action (danger, a controller nearby …) shows those actions in a red
panel above every page straight away. The draft is saved on every page change, on "Save
and close" and when the device locks, so an interview resumes where it was. Finishing
completes it for good and shows the outcome with the next actions.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog, QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QScrollArea, QStackedWidget, QStyle,
    QVBoxLayout, QWidget,
)

from app.domain.case import Case
from app.domain.screening import Screening
from app.errors import AnswersInvalid, ValidationError
from app.lifecycle import Transition
from app.permissions import Action, allowed
from app.screening.engine import visible_items
from app.screening.model import Checklist, Section
from ui.qt.cases.move_dialog import MoveDialog
from ui.qt.cases.widgets import error_label
from ui.qt.context import AppContext, Locked
from ui.qt.lang import language, render_error, tr, trf
from ui.qt.screening.outcome import OutcomePage
from ui.qt.screening.questions import Question

_ACTIONS_STYLE = ("#screeningActions { background: #fde7e9; border: 2px solid #c4302b; border-radius: 6px; }"
                  "#screeningActions QLabel { color: #8c1d18; font-size: 13pt; }")


class InterviewDialog(QDialog):
    saved = Signal()  # the draft was stored
    changed = Signal()  # the screening was completed or the case moved (the case file shows it again)
    full_interview_requested = Signal()
    urgent_referral_requested = Signal()  # the case panel opens the referral dialog over this one

    def __init__(self, ctx: AppContext, case: Case, screening: Screening, checklist: Checklist,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.case, self.screening, self.checklist = ctx, case, screening, checklist
        self.answers: dict[str, Any] = dict(screening.answers)
        self.current = 0
        self.visible: set[str] = set()
        self._dirty = False
        self._saving = False
        self.move_dialog: MoveDialog | None = None
        self.setObjectName("screeningInterview")
        self.setModal(True)
        self.resize(900, 720)
        self.setStyleSheet("QPushButton { font-size: 12pt; padding: 6px 14px; }")

        self.heading = QLabel(objectName="screeningTitle", wordWrap=True)
        self.heading.setStyleSheet("font-size: 16pt; font-weight: 700;")
        self.progress = QProgressBar(objectName="screeningProgress")
        self.progress.setTextVisible(True)
        self.actions = QFrame(objectName="screeningActions")
        self.actions.setStyleSheet(_ACTIONS_STYLE)
        self.actions_title = QLabel(objectName="screeningActionsTitle", wordWrap=True)
        self.actions_title.setStyleSheet("font-weight: 700;")
        self.actions_text = QLabel(objectName="screeningActionsText", wordWrap=True)
        actions_layout = QVBoxLayout(self.actions)
        actions_layout.addWidget(self.actions_title)
        actions_layout.addWidget(self.actions_text)
        self.actions.setVisible(False)
        self.pages = QStackedWidget(objectName="screeningPages")
        self.questions: dict[str, Question] = {}
        self.section_titles: list[QLabel] = []
        for section in checklist.sections:
            self.pages.addWidget(self._section_page(section))
        self.outcome = OutcomePage()
        self.outcome.move_requested.connect(self._move)
        self.outcome.urgent_requested.connect(self._ask_urgent)
        self.outcome.full_interview_requested.connect(self._full_interview)
        self.outcome.urgent_referral_requested.connect(self.urgent_referral_requested)
        self.pages.addWidget(self.outcome)
        self.error = error_label("screeningError")
        self.back = self._button("screeningBack", QStyle.StandardPixmap.SP_ArrowBack, self.go_back)
        self.next = self._button("screeningNext", QStyle.StandardPixmap.SP_ArrowForward, self.go_next)
        self.save = self._button("screeningSave", QStyle.StandardPixmap.SP_DialogSaveButton, self.save_and_close)
        self.finish = self._button("screeningFinish", QStyle.StandardPixmap.SP_DialogApplyButton, self.complete)
        self.close_button = self._button("screeningClose", QStyle.StandardPixmap.SP_DialogCloseButton, self.accept)
        QShortcut(QKeySequence(Qt.Key.Key_PageDown), self, activated=self._next_if_shown)
        QShortcut(QKeySequence(Qt.Key.Key_PageUp), self, activated=self._back_if_enabled)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self._save_if_shown)

        bar = QHBoxLayout()
        bar.addWidget(self.back)
        bar.addStretch(1)
        for button in (self.save, self.next, self.finish, self.close_button):
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.progress)
        layout.addWidget(self.actions)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.error)
        layout.addLayout(bar)

        for item_id, value in self.answers.items():
            if item_id in self.questions:
                self.questions[item_id].set_value(value)
        language.changed.connect(self.retranslate)
        self._refresh()
        if screening.is_completed:
            self._show_outcome(screening.result or {})
        else:
            self._go(self._resume_index(), save=False)
        self.retranslate()

    # --- building -----------------------------------------------------------------------
    def _section_page(self, section: Section) -> QWidget:
        page = QScrollArea(objectName=f"section_{section.id}")
        page.setWidgetResizable(True)
        page.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        column = QVBoxLayout(body)
        title = QLabel(objectName=f"sectionTitle_{section.id}", wordWrap=True)
        title.setStyleSheet("font-size: 17pt; font-weight: 700;")
        self.section_titles.append(title)
        column.addWidget(title)
        for item in section.items:
            question = Question(item)
            question.answered.connect(self._answered)
            question.key_answered.connect(self._focus_after)
            self.questions[item.id] = question
            column.addWidget(question)
        column.addStretch(1)
        page.setWidget(body)
        return page

    def _button(self, name: str, icon: QStyle.StandardPixmap, slot: Any) -> QPushButton:
        button = QPushButton(objectName=name)
        button.setIcon(self.style().standardIcon(icon))
        button.setMinimumHeight(42)
        button.setAutoDefault(False)  # Enter in a question must not press a button
        button.clicked.connect(slot)
        return button

    # --- the interview --------------------------------------------------------------------
    def _answered(self, item_id: str, value: Any) -> None:
        if value is None:
            self.answers.pop(item_id, None)
        else:
            self.answers[item_id] = value
        self._dirty = True
        self.questions[item_id].show_error("")
        self._refresh()

    def _refresh(self) -> None:
        """Apply the skip logic to the answers as they stand; show the immediate actions."""
        self.visible = {item.id for item in visible_items(self.checklist, self.answers)}
        for item_id, question in self.questions.items():
            question.setVisible(item_id in self.visible)
        self._render_actions()
        self._render_progress()

    def visible_sections(self) -> list[int]:
        return [index for index, section in enumerate(self.checklist.sections)
                if any(item.id in self.visible for item in section.items)]

    def _resume_index(self) -> int:
        """The first section with a question not yet answered, else the last one."""
        sections = self.visible_sections()
        for index in sections:
            if any(i.id in self.visible and i.id not in self.answers for i in self.checklist.sections[index].items):
                return index
        return sections[-1] if sections else 0

    def _go(self, index: int, *, save: bool = True) -> None:
        if save:
            self._save()  # a page change keeps what was answered, even if the device then locks
        self.current = index
        self.pages.setCurrentIndex(index)
        self.error.setVisible(False)
        self._render_progress()
        for item in self.checklist.sections[index].items:
            if item.id in self.visible:
                self.questions[item.id].focus_answer()
                break

    def go_next(self) -> None:
        later = [i for i in self.visible_sections() if i > self.current]
        if later:
            self._go(later[0])

    def go_back(self) -> None:
        earlier = [i for i in self.visible_sections() if i < self.current]
        if earlier:
            self._go(earlier[-1])

    def _next_if_shown(self) -> None:
        if self.next.isVisible():
            self.go_next()

    def _back_if_enabled(self) -> None:
        if self.back.isVisible() and self.back.isEnabled():
            self.go_back()

    def _save_if_shown(self) -> None:
        if self.save.isVisible():
            self.save_and_close()

    def _focus_after(self, item_id: str) -> None:
        """After a key answer, the next question of the page takes the focus."""
        items = [i.id for i in self.checklist.sections[self.current].items if i.id in self.visible]
        if item_id in items and items.index(item_id) + 1 < len(items):
            self.questions[items[items.index(item_id) + 1]].focus_answer()
        else:
            (self.next if self.next.isVisible() else self.finish).setFocus()

    # --- showing ----------------------------------------------------------------------------
    def retranslate(self) -> None:
        lang = language.code
        self.setWindowTitle(self.checklist.title.get(lang))
        self.heading.setText(self.checklist.title.get(lang))
        for title, section in zip(self.section_titles, self.checklist.sections):
            title.setText(section.title.get(lang))
        labels = ((self.back, tr("Back"), tr("Page Up")), (self.next, tr("Next"), tr("Page Down")),
                  (self.save, tr("Save and close"), tr("Ctrl+S")), (self.finish, tr("Finish"), ""),
                  (self.close_button, tr("Close"), ""))
        for button, text, keys in labels:
            button.setText(text)
            button.setAccessibleName(text)
            button.setToolTip(keys)
        self.progress.setAccessibleName(tr("Progress of the interview"))
        self.actions_title.setText(tr("Act now, before any further question:"))
        self._render_actions()
        self._render_progress()

    def _render_actions(self) -> None:
        lang = language.code
        found = [item.actions.get(lang) for item in self.checklist.items()
                 if item.actions is not None and item.id in self.visible and self.answers.get(item.id) == "yes"]
        self.actions_text.setText("\n".join(f"• {text}" for text in found))
        self.actions.setAccessibleName(f"{self.actions_title.text()}\n{self.actions_text.text()}")
        self.actions.setVisible(bool(found))

    def _render_progress(self) -> None:
        on_outcome = self.pages.currentWidget() is self.outcome
        sections = self.visible_sections()
        position = sections.index(self.current) if self.current in sections else 0
        total = max(len(sections), 1)
        self.progress.setRange(0, total)
        self.progress.setValue(total if on_outcome else position)
        self.progress.setFormat(tr("Finished") if on_outcome
                                else trf("Section {current} of {total}", current=position + 1, total=total))
        self.progress.setVisible(not self.screening.is_completed or on_outcome)
        last = not [i for i in sections if i > self.current]
        editing = not on_outcome and self.screening.is_draft
        self.back.setVisible(editing)
        self.back.setEnabled(bool([i for i in sections if i < self.current]))
        self.next.setVisible(editing and not last)
        self.finish.setVisible(editing and last)
        self.save.setVisible(editing)
        self.close_button.setVisible(not editing)

    # --- storing ----------------------------------------------------------------------------
    def _stored_answers(self) -> dict[str, Any]:
        """Only what is asked is kept: answers to questions the skip logic hides are dropped."""
        return {k: v for k, v in self.answers.items() if k in self.visible and v is not None}

    def _save(self, *, close: bool = False) -> None:
        if not self.screening.is_draft or not (self._dirty or close):
            if close:
                self.accept()
            return
        try:
            services = self.ctx.require()  # taken now: a lock may be under way when it runs
        except Locked:
            return
        session, screening_id, answers = services.session, self.screening.id, self._stored_answers()
        self._dirty = False
        self._saving = True
        self.save.setEnabled(False)
        self.ctx.ops.run(lambda: services.screenings.save_draft(session, screening_id, answers),
                         on_done=lambda saved: self._saved(saved, close), on_error=self._save_failed, owner=self)

    def _saved(self, screening: Screening, close: bool) -> None:
        self._saving = False
        self.save.setEnabled(True)
        self.screening = screening
        self.saved.emit()
        if close:
            self.accept()

    def _save_failed(self, exc: BaseException) -> None:
        self._saving = False
        self._dirty = True
        self.save.setEnabled(True)
        self._show_error(exc)

    def save_and_close(self) -> None:
        self._save(close=True)

    def close_for_lock(self) -> None:
        """The device is locking: keep what was answered (the lock waits for the worker), then go."""
        self._save()
        QDialog.reject(self)

    def complete(self) -> None:
        services = self.ctx.require()
        session, screening_id, case_id = services.session, self.screening.id, self.case.id
        answers = self._stored_answers()

        def job():  # worker thread
            screening, _result = services.screenings.complete(session, screening_id, answers)
            return screening, services.cases.visible_case(session, case_id)

        self._dirty = False
        self.finish.setEnabled(False)
        self.ctx.ops.run(job, on_done=self._completed, on_error=self._complete_failed, owner=self)

    def _completed(self, done: tuple[Screening, Case]) -> None:
        self.finish.setEnabled(True)
        self.screening, self.case = done
        self.changed.emit()
        self._show_outcome(self.screening.result or {})

    def _complete_failed(self, exc: BaseException) -> None:
        self.finish.setEnabled(True)
        self._dirty = True
        self._show_error(exc)

    def _show_error(self, exc: BaseException) -> None:
        """Errors about a question go under it (its page is shown); the rest under the pages."""
        items: list[tuple[str, str]] = []
        if isinstance(exc, ValidationError):
            items = [(e.field.split(".", 1)[-1], e.render(tr)) for e in exc.errors if e.field.startswith("answers.")]
        elif isinstance(exc, AnswersInvalid):
            items = [(exc.item, render_error(exc))]
        items = [(item_id, text) for item_id, text in items if item_id in self.questions]
        for item_id, text in items:
            self.questions[item_id].show_error(text)
        if items:
            section = self.checklist.section_of(items[0][0])
            self._go(self.checklist.sections.index(section), save=False)
            self.questions[items[0][0]].focus_answer()
        message = render_error(exc) if not items else tr("Some questions need an answer; they are marked.")
        self.error.setText(message)
        self.error.setAccessibleName(message)
        self.error.setVisible(True)

    # --- the outcome ------------------------------------------------------------------------
    def _show_outcome(self, result: dict[str, Any]) -> None:
        role = self.ctx.require().session.role
        self.outcome.show_result(result, self.checklist, self.case, role, allowed(role, Action.RUN_SCREENING))
        self.pages.setCurrentWidget(self.outcome)
        self.actions.setVisible(False)
        self.error.setVisible(False)
        self._render_progress()
        self.close_button.setFocus()

    def _move(self, move: Transition) -> None:
        services = self.ctx.require()
        session, case_id, target = services.session, self.case.id, move.target
        self.outcome.move.setEnabled(False)
        self.ctx.ops.run(lambda: services.cases.move(session, case_id, target), owner=self,
                         on_done=self._moved, on_error=self._move_failed)

    def _moved(self, case: Case) -> None:
        self.outcome.move.setEnabled(True)
        self.case = case
        self.outcome.set_case(case)
        self.changed.emit()

    def _move_failed(self, exc: BaseException) -> None:
        self.outcome.move.setEnabled(True)
        self.outcome.show_error(render_error(exc))

    def _ask_urgent(self, move: Transition) -> None:
        if self.move_dialog is not None:
            self.move_dialog.deleteLater()
        self.move_dialog = MoveDialog(self.ctx, self.case, move, self)
        self.move_dialog.accepted.connect(lambda: self._moved(self.move_dialog.moved))
        self.move_dialog.open()

    def show_case(self, case: Case) -> None:
        """The case after a change made over this dialog (an urgent referral): offer what it allows now."""
        self._moved(case)

    def _full_interview(self) -> None:
        self.full_interview_requested.emit()
        self.accept()

    # --- closing ----------------------------------------------------------------------------
    def reject(self) -> None:
        """Closing the window keeps the answers, as "Save and close" does."""
        if self.screening.is_draft and self._dirty:
            self.save_and_close()
        else:
            super().reject()
