"""Registering a new case at a border screening: only the minimum, everything about the person optional.

Before the case is written, the person typed is checked against the cases the worker may
see (``SearchService.duplicates``, on the worker thread, in the same operation as the
registration when nothing looks alike, so a clean registration costs one trip). Likely
matches are shown in a ``DuplicateDialog``: open the existing case (nothing is written),
register anyway (then each shown case is recorded as a different person), or go back to
the form as typed.
"""

from __future__ import annotations

import logging
from datetime import date

from typing import Callable, Sequence

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QLabel, QStyle, QVBoxLayout, QWidget,
)

from app.domain.case import Case
from app.domain.checks import new_id
from app.domain.person import Person
from app.domain.values import Role
from app.errors import HimayaError, ValidationError
from app.services.search import Match
from app.resources import agencies, border_posts
from app.text import N_
from ui.composition import Services
from ui.qt.cases.duplicates import OPEN, PROCEED, REGISTER_ANYWAY, DuplicateDialog
from ui.qt.cases.labels import agency_name, post_name
from ui.qt.cases.person_form import PersonForm
from ui.qt.cases.widgets import ChoiceCombo, date_box, hint_label
from ui.qt.context import AppContext
from ui.qt.lang import language, tr

log = logging.getLogger(__name__)


class NewCaseDialog(QDialog):
    created = Signal(str)  # case id
    open_existing = Signal(str)  # case id: the person already had this case; nothing was written

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("newCaseDialog")
        self.setModal(True)
        self.setMinimumWidth(560)
        self.case_id: str | None = None
        self.duplicates: DuplicateDialog | None = None  # the warning on screen, if any
        self._person: Person | None = None  # the person checked, registered as is after the warning
        self._register: Callable[[Services, Person], Case] | None = None
        user = ctx.require().session.user
        self._border_officer = user.role is Role.BORDER_OFFICER

        self.intro = hint_label("newCaseIntro")
        self.form = PersonForm(full=False)
        self.post = ChoiceCombo("newCasePost", [(None, lambda: tr("Choose the post or office"))] + [
            (code, (lambda code=code: post_name(code))) for code in border_posts()])
        self.post.set_value(user.border_post)
        # Border officers work at one post; the core refuses any other, so it is not offered.
        self.post.setEnabled(not self._border_officer)
        self.post_hint = hint_label("newCasePostHint")
        self.post_hint.setVisible(self._border_officer)
        self.agency = ChoiceCombo("newCaseAgency", [(None, lambda: tr("Not recorded"))] + [
            (code, (lambda code=code: agency_name(code))) for code in agencies()])
        self.detected_on = date_box("newCaseDetectedOn")
        self.detected_on.setDate(QDate.currentDate())
        errors = self.form.errors
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.create_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setObjectName("newCaseCreate")
        self.create_button.setDefault(True)  # Enter in any field creates the case
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setObjectName("newCaseCancel")
        self.buttons.accepted.connect(self.create)
        self.buttons.rejected.connect(self.reject)

        self._labels: list[tuple[QLabel, str]] = []
        case_form = QFormLayout()
        for msgid, widget, field in ((N_("Border post or office"), self.post, "border_post"),
                                     (N_("Detecting agency"), self.agency, "detecting_agency"),
                                     (N_("Detected on"), self.detected_on, "detected_on")):
            label = QLabel()
            label.setBuddy(widget)
            self._labels.append((label, msgid))
            box = QVBoxLayout()
            box.setSpacing(2)
            box.addWidget(widget)
            if widget is self.post:
                box.addWidget(self.post_hint)
            box.addWidget(errors.add(field))
            case_form.addRow(label, box)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.form)
        layout.addLayout(case_form)
        layout.addWidget(self.buttons)
        chain = [*self.form.tab_chain(), self.post, self.agency, self.detected_on, self.create_button,
                 self.cancel_button]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)
        language.changed.connect(self.retranslate)
        self.retranslate()
        self.form.first_name.setFocus()

    def retranslate(self) -> None:
        self.setWindowTitle(tr("Register a new case"))
        self.intro.setText(tr("Record only what is needed now. Everything about the person is optional "
                              "and can be completed later in the case file."))
        self.post_hint.setText(tr("Border officers register cases at their own post."))
        for label, msgid in self._labels:
            label.setText(tr(msgid))
        self.post.setAccessibleName(tr("Border post or office"))
        self.agency.setAccessibleName(tr("Detecting agency"))
        self.detected_on.setAccessibleName(tr("Detected on"))
        self.create_button.setText(tr("Create case"))
        self.create_button.setAccessibleName(tr("Create case"))
        self.create_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton))
        self.cancel_button.setText(tr("Cancel"))
        self.cancel_button.setAccessibleName(tr("Cancel"))

    def create(self) -> None:
        errors = self.form.errors
        errors.clear()
        try:
            values = self.form.values()
        except ValidationError as exc:
            errors.show(exc)
            return
        day = self.detected_on.date()
        detected_on = date(day.year(), day.month(), day.day())
        post, agency = self.post.value(), self.agency.value()
        ctx = self.ctx
        person_id = new_id()

        def register(services: Services, person: Person) -> Case:  # worker thread
            return services.cases.register(services.session, person, border_post=post,
                                           detecting_agency=agency, detected_on=detected_on)

        def check_then_register():  # worker thread: no widgets here
            services = ctx.require()
            person = Person(id=person_id, **values)  # invalid values come back as field errors
            matches = services.search.duplicates(services.session, person)
            if matches:
                return person, matches, None
            return person, [], register(services, person)

        self._register = register
        self.create_button.setEnabled(False)
        ctx.ops.run(check_then_register, on_done=self._checked, on_error=self._failed, owner=self)

    def _checked(self, found: tuple[Person, Sequence[Match], Case | None]) -> None:
        person, matches, case = found
        if case is not None:
            self._created(case)
            return
        self._person = person
        if self.duplicates is not None:
            self.duplicates.deleteLater()
        self.duplicates = DuplicateDialog(matches, REGISTER_ANYWAY, self)
        self.duplicates.decided.connect(self._decided)
        self.duplicates.open()

    def _decided(self, choice: str) -> None:
        dialog, person = self.duplicates, self._person
        if dialog is None or person is None:
            return
        if choice == OPEN and dialog.chosen_case_id:
            self.open_existing.emit(dialog.chosen_case_id)
            self.reject()  # nothing was written; what was typed goes with the dialog
        elif choice == PROCEED:
            self._register_anyway(person, [m.case_id for m in dialog.matches])
        else:  # BACK: the form as typed, to correct a name or a year
            self.create_button.setEnabled(True)
            self.form.first_name.setFocus(Qt.FocusReason.OtherFocusReason)

    def _register_anyway(self, person: Person, others: list[str]) -> None:
        ctx, register = self.ctx, self._register
        if register is None:
            return

        def write() -> Case:  # worker thread
            services = ctx.require()
            case = register(services, person)
            for other in others:  # not warned about this pair again
                try:
                    services.search.confirm_different(services.session, case.id, other)
                except HimayaError as exc:
                    # The case is written: failing here would invite a second registration.
                    # Without the record the pair is only warned about again.
                    log.warning("different-person decision not recorded: %s", type(exc).__name__)
            return case

        ctx.ops.run(write, on_done=self._created, on_error=self._failed, owner=self)

    def _created(self, case) -> None:  # noqa: ANN001 - app.domain.case.Case
        self.case_id = case.id
        self.created.emit(case.id)
        self.ctx.hub.cases_changed.emit([case.id])
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.create_button.setEnabled(True)
        self.form.errors.show(exc)
