"""The Person tab: read the person's details; Edit, then Save or Cancel.

A save that changes who the person is (names, sex, birth, nationality, phone) first asks
``SearchService.duplicates`` about the edited person, leaving out this case and the cases
already confirmed as someone else; likely matches are shown in the duplicate warning
before anything is written (see ``ui.qt.cases.duplicates``).
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QScrollArea, QStyle, QVBoxLayout, QWidget

from app.domain.person import Person
from app.errors import HimayaError, StaleRecord, ValidationError
from app.permissions import Action
from ui.qt.cases.case_data import CaseTab
from ui.qt.cases.duplicates import OPEN, PROCEED, SAVE_ANYWAY, DuplicateDialog
from ui.qt.cases.person_form import PersonForm
from ui.qt.cases.widgets import error_label, hint_label
from ui.qt.context import AppContext
from ui.qt.lang import tr


#: The fields whose change may make the person look like someone already known.
IDENTITY_FIELDS = ("first_name", "second_name", "first_name_ar", "second_name_ar", "sex", "birth_date",
                   "birth_year", "age_band", "nationality", "mobile_phone")


class PersonTab(CaseTab):
    open_case = Signal(str)  # case id: the duplicate warning's "open the existing case"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("tabPerson")
        self.editing = False
        self._stale = False
        self.duplicates: DuplicateDialog | None = None  # the warning on screen, if any
        self._checked_person: Person | None = None
        self.form = PersonForm(full=True)
        self.form.set_editable(False)
        self.edit_button = QPushButton(objectName="personEdit")
        self.save_button = QPushButton(objectName="personSave")
        self.cancel_button = QPushButton(objectName="personCancel")
        self.reload_button = QPushButton(objectName="personReload")
        style = self.style()
        self.save_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton))
        self.cancel_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DialogCancelButton))
        self.reload_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_BrowserReload))
        self.edit_button.clicked.connect(self.start_edit)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.cancel)
        self.reload_button.clicked.connect(self._reload)
        # Ctrl+S saves while editing, from any field of the form.
        save = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self, activated=self._save_shortcut)
        save.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.message = error_label("personMessage")
        self.denied = hint_label("personDenied")

        buttons = QHBoxLayout()
        for button in (self.edit_button, self.save_button, self.cancel_button, self.reload_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.denied)
        layout.addWidget(self.message)
        layout.addWidget(scroll, 1)
        self._set_editing(False)
        self.retranslate()

    @property
    def person(self) -> Person | None:
        return self.loaded.file.person if self.loaded else None

    def render(self) -> None:
        # A refresh while editing keeps what is being typed; Cancel shows the stored values.
        if not self.editing:
            self.form.load(self.person)
        may = self.loaded is not None and self.loaded.may(Action.RECORD_RISK_CONSENT)
        self.edit_button.setEnabled(may)
        why = self.loaded.why_not(Action.RECORD_RISK_CONSENT) if self.loaded and not may else ""
        self.edit_button.setToolTip(why)
        self.denied.setText(why)
        self.denied.setVisible(bool(why))

    def retranslate(self) -> None:
        for button, text in ((self.edit_button, tr("Edit")), (self.save_button, tr("Save")),
                             (self.cancel_button, tr("Cancel")), (self.reload_button, tr("Reopen"))):
            button.setText(text)
            button.setAccessibleName(text)
        if self._stale:
            self._show_stale()
        self.render()

    def clear(self) -> None:
        self._stale = False
        if self.duplicates is not None:  # locking: the warning shows names, it goes too
            self.duplicates.reject()
            self.duplicates.deleteLater()
            self.duplicates = None
        self._checked_person = None
        self._set_editing(False)
        self.message.setVisible(False)
        super().clear()

    def _set_editing(self, editing: bool) -> None:
        self.editing = editing
        self.form.set_editable(editing)
        self.edit_button.setVisible(not editing)
        self.save_button.setVisible(editing)
        self.cancel_button.setVisible(editing)
        self.reload_button.setVisible(False)

    def start_edit(self) -> None:
        self._stale = False
        self.message.setVisible(False)
        self._set_editing(True)
        self.form.first_name.setFocus()

    def cancel(self) -> None:
        self._stale = False
        self.message.setVisible(False)
        self._set_editing(False)
        self.form.load(self.person)

    def save(self) -> None:
        base, loaded = self.person, self.loaded
        if base is None or loaded is None:
            return
        self.form.errors.clear()
        self.message.setVisible(False)
        try:
            values = self.form.values()
        except ValidationError as exc:
            self.form.errors.show(exc)
            return
        ctx, case_id = self.ctx, loaded.file.case.id
        check = any(getattr(base, name) != values[name] for name in IDENTITY_FIELDS if name in values)

        def update():  # worker thread: the new Person validates here, its errors come back inline
            services = ctx.require()
            new = dataclasses.replace(base, **values)
            if check:
                matches = services.search.duplicates(services.session, new, exclude_case_id=case_id)
                if matches:
                    return new, matches
            return services.cases.update_person(services.session, case_id, new), []

        self.save_button.setEnabled(False)
        ctx.ops.run(update, on_done=self._checked, on_error=self._failed, owner=self)

    def _checked(self, found: tuple[Person, list]) -> None:
        person, matches = found
        if not matches:
            self._saved(person)
            return
        self._checked_person = person
        if self.duplicates is not None:
            self.duplicates.deleteLater()
        self.duplicates = DuplicateDialog(matches, SAVE_ANYWAY, self)
        self.duplicates.decided.connect(self._decided)
        self.duplicates.open()

    def _decided(self, choice: str) -> None:
        dialog, person, loaded = self.duplicates, self._checked_person, self.loaded
        if dialog is None or person is None or loaded is None:
            return
        if choice == OPEN and dialog.chosen_case_id:
            self.cancel()  # the edit is dropped: the worker goes to the case already known
            self.open_case.emit(dialog.chosen_case_id)
            return
        if choice != PROCEED:
            self.save_button.setEnabled(True)  # Back: still editing, as typed
            return
        ctx, case_id, others = self.ctx, loaded.file.case.id, [m.case_id for m in dialog.matches]

        def write() -> Person:  # worker thread
            services = ctx.require()
            saved = services.cases.update_person(services.session, case_id, person)
            for other in others:
                try:
                    services.search.confirm_different(services.session, case_id, other)
                except HimayaError:
                    pass  # saved; without the record the pair is only warned about again
            return saved

        ctx.ops.run(write, on_done=self._saved, on_error=self._failed, owner=self)

    def _save_shortcut(self) -> None:
        if self.editing and self.save_button.isEnabled():
            self.save()

    def _saved(self, _person: Person) -> None:
        self.save_button.setEnabled(True)
        self._set_editing(False)
        self.edited.emit()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, StaleRecord):
            self._stale = True
            self._show_stale()
        else:
            self.form.errors.show(exc)  # field errors under their fields, anything else under the form

    def _show_stale(self) -> None:
        self.message.setText(tr("This person's details were changed elsewhere since the case was opened. "
                                "Reopen the case to see them, then make your change again."))
        self.message.setVisible(True)
        self.reload_button.setVisible(True)

    def _reload(self) -> None:
        self._stale = False
        self._set_editing(False)
        self.message.setVisible(False)
        self.reload_requested.emit()
