"""The Services and follow-up tab: what the person received, and what is still to do.

Services received are facts (category, what, from whom, when) and are only added to.
Follow-up tasks have a due date and an assignee; an overdue task says so in words as well
as in red, so it reads the same to a screen reader, to a colour-blind worker and on a grey
print. Only roles with case work (social workers, supervisors) see the buttons; the
services refuse the others anyway.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Callable

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QComboBox, QDateEdit, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QStyle, QTreeWidgetItem,
    QVBoxLayout, QWidget,
)

from app.domain.referral import CATEGORY_LABELS, FollowUpTask, ServiceCategory
from app.permissions import Action
from app.text import N_
from i18n.bidi import isolate
from i18n.formatting import format_date, format_number
from ui.qt.cases.case_data import CaseTab, fill_tree, make_tree
from ui.qt.cases.record_dialogs import _RecordDialog
from ui.qt.cases.widgets import ChoiceCombo, date_box, error_label, hint_label
from ui.qt.context import AppContext
from ui.qt.lang import language, ntr, render_error, tr, trf
from ui.qt.referrals.wrapping import wrap_columns

OVERDUE_COLOUR = "#b3261e"
DONE_COLOUR = "#6b675e"
#: Task titles the core writes itself, as msgids; a title a worker typed is shown as typed.
CORE_TASK_TITLES = frozenset({"Check the provider's answer to the referral"})


def task_title(task: FollowUpTask) -> str:
    return tr(task.title) if task.title in CORE_TASK_TITLES else task.title


def overdue_text(due_on: date, today: date) -> str:
    days = (today - due_on).days
    return ntr("Overdue by {count} day", "Overdue by {count} days", days).format(
        count=isolate(format_number(days, language.code)))


def task_state(task: FollowUpTask, today: date) -> tuple[str, bool]:
    """The task's state in words, and whether it is overdue."""
    if task.done:
        return trf("Done on {date}", date=format_date(task.done_at.date(), language.code, "medium")), False
    if task.due_on < today:
        return overdue_text(task.due_on, today), True
    if task.due_on == today:
        return tr("Due today"), False
    return tr("To do"), False


def paint_row(item: QTreeWidgetItem, columns: int, colour: str, bold: bool = False) -> None:
    brush = QBrush(QColor(colour))
    for column in range(columns):
        item.setForeground(column, brush)
        if bold:
            font = QFont(item.font(column))
            font.setBold(True)
            item.setFont(column, font)


class FollowUpTab(CaseTab):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("tabFollowUp")
        self.service_dialog: ServiceDialog | None = None
        self.task_dialog: TaskDialog | None = None
        self.services_title = QLabel(objectName="servicesTitle")
        self.tasks_title = QLabel(objectName="tasksTitle")
        for title in (self.services_title, self.tasks_title):
            title.setStyleSheet("font-weight: 600;")
        self.services = make_tree("serviceList")
        self.tasks = make_tree("taskList")
        # Provider names and titles are long: those columns share the width and wrap.
        fit, share = QHeaderView.ResizeMode.ResizeToContents, QHeaderView.ResizeMode.Stretch
        for tree, modes, wrapped in ((self.services, (fit, fit, share, share), (2, 3)),
                                     (self.tasks, (fit, fit, share, fit), (2,))):
            tree.setColumnCount(len(modes))
            tree.header().setStretchLastSection(False)
            tree.header().setMinimumSectionSize(60)
            for column, mode in enumerate(modes):
                tree.header().setSectionResizeMode(column, mode)
            wrap_columns(tree, *wrapped)
        self.services_empty = hint_label("servicesEmpty")
        self.tasks_empty = hint_label("tasksEmpty")
        style = self.style()
        self.service_button = QPushButton(objectName="serviceRecord")
        self.service_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_FileDialogNewFolder))
        self.task_button = QPushButton(objectName="taskAdd")
        self.task_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_FileIcon))
        self.done_button = QPushButton(objectName="taskDone")
        self.done_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton))
        self.service_button.clicked.connect(self.record_service)
        self.task_button.clicked.connect(self.add_task)
        self.done_button.clicked.connect(self.mark_done)
        self.tasks.itemSelectionChanged.connect(self._update_done_button)
        self.denied = hint_label("followUpDenied")
        self.error = error_label("followUpError")
        self._error: BaseException | None = None
        self._busy = False

        layout = QVBoxLayout(self)
        layout.addWidget(self.denied)
        for title, buttons, tree, empty in (
                (self.services_title, (self.service_button,), self.services, self.services_empty),
                (self.tasks_title, (self.task_button, self.done_button), self.tasks, self.tasks_empty)):
            bar = QHBoxLayout()
            bar.addWidget(title)
            bar.addStretch(1)
            for button in buttons:
                bar.addWidget(button)
            layout.addLayout(bar)
            layout.addWidget(tree, 1)
            layout.addWidget(empty)
        layout.addWidget(self.error)
        layout.addStretch(0)  # takes the room only when both tables are hidden (nothing recorded)
        self.render()

    # --- showing ------------------------------------------------------------------------
    def may_work(self) -> bool:
        return self.loaded is not None and self.loaded.may(Action.CASE_WORK)

    def render(self) -> None:
        self.services_title.setText(tr("Services received"))
        self.tasks_title.setText(tr("Follow-up tasks"))
        self.services.setAccessibleName(tr("Services received"))
        self.tasks.setAccessibleName(tr("Follow-up tasks"))
        for button, text in ((self.service_button, tr("Record a service")), (self.task_button, tr("Add task")),
                             (self.done_button, tr("Mark done"))):
            button.setText(text)
            button.setAccessibleName(text)
        loaded = self.loaded
        may = self.may_work()
        # Hidden, not only disabled: a border officer or the secretariat reads the tab.
        for button in (self.service_button, self.task_button, self.done_button):
            button.setVisible(may)
        why = loaded.why_not(Action.CASE_WORK) if loaded is not None and not may else ""
        self.denied.setText(why)
        self.denied.setVisible(bool(why))
        self.error.setText(render_error(self._error) if self._error is not None else "")
        self.error.setVisible(self._error is not None)
        self._render_services()
        self._render_tasks()
        self._update_done_button()

    def _render_services(self) -> None:
        lang = language.code
        services = sorted(self.loaded.file.services, key=lambda s: (s.received_on, s.recorded_at),
                          reverse=True) if self.loaded else []
        fill_tree(self.services, [tr("Date"), tr("Category"), tr("Provider"), tr("What")], [
            [format_date(s.received_on, lang), tr(CATEGORY_LABELS[s.category]),
             self.loaded.provider_label(s.provider_id) if s.provider_id in self.loaded.providers else s.provider_name,
             s.description or ""] for s in services])
        self.services_empty.setText(tr("No service is recorded yet.") if self.loaded else "")
        self.services_empty.setVisible(self.loaded is not None and not services)
        self.services.setVisible(bool(services))  # an empty table would only push the tasks down

    def _render_tasks(self) -> None:
        lang, today, loaded = language.code, date.today(), self.loaded
        # Open tasks first, soonest due first; done tasks after them, latest done first.
        tasks = sorted((t for t in loaded.file.tasks if not t.done), key=lambda t: t.due_on) if loaded else []
        tasks += sorted((t for t in loaded.file.tasks if t.done), key=lambda t: t.done_at, reverse=True) \
            if loaded else []
        headers = [tr("State"), tr("Due"), tr("Task"), tr("Assigned to")]
        rows = []
        for task in tasks:
            state, _overdue = task_state(task, today)
            rows.append([state, format_date(task.due_on, lang), task_title(task),
                         loaded.name(task.assigned_to)])
        fill_tree(self.tasks, headers, rows)
        for index, task in enumerate(tasks):
            item = self.tasks.topLevelItem(index)
            item.setData(0, Qt.ItemDataRole.UserRole, task.id)
            _text, overdue = task_state(task, today)
            if overdue:
                paint_row(item, len(headers), OVERDUE_COLOUR, bold=True)
            elif task.done:
                paint_row(item, len(headers), DONE_COLOUR)
        self.tasks_empty.setText(tr("No follow-up task yet.") if loaded else "")
        self.tasks_empty.setVisible(loaded is not None and not tasks)
        self.tasks.setVisible(bool(tasks))

    def selected_task(self) -> FollowUpTask | None:
        item = self.tasks.currentItem()
        if item is None or self.loaded is None or not item.isSelected():
            return None
        task_id = item.data(0, Qt.ItemDataRole.UserRole)
        return next((t for t in self.loaded.file.tasks if t.id == task_id), None)

    def _update_done_button(self) -> None:
        task = self.selected_task()
        self.done_button.setEnabled(not self._busy and task is not None and not task.done)

    # --- actions ------------------------------------------------------------------------
    def record_service(self) -> None:
        if not self.may_work():
            return
        if self.service_dialog is not None:
            self.service_dialog.deleteLater()  # one at a time: what was typed in the last one goes too
        case = self.loaded.file.case
        self.service_dialog = ServiceDialog(self.ctx, case.id, case.border_post, self)
        self.service_dialog.accepted.connect(self.edited)
        self.service_dialog.open()

    def add_task(self) -> None:
        if not self.may_work():
            return
        if self.task_dialog is not None:
            self.task_dialog.deleteLater()
        self.task_dialog = TaskDialog(self.ctx, self.loaded.file.case.id, self)
        self.task_dialog.accepted.connect(self.edited)
        self.task_dialog.open()

    def mark_done(self) -> None:
        task = self.selected_task()
        if task is None or task.done or not self.may_work():
            return
        ctx, task_id = self.ctx, task.id

        def complete():  # worker thread
            services = ctx.require()
            return services.referrals.complete_task(services.session, task_id)

        self._busy, self._error = True, None
        self._update_done_button()
        ctx.ops.run(complete, on_done=self._done, on_error=self._failed, owner=self)

    def _done(self, _task: Any) -> None:
        self._busy = False
        self.edited.emit()

    def _failed(self, exc: BaseException) -> None:
        self._busy, self._error = False, exc
        self.render()

    def clear(self) -> None:
        for dialog in (self.service_dialog, self.task_dialog):
            if dialog is not None:
                dialog.reject()
                dialog.deleteLater()
        self.service_dialog = self.task_dialog = None
        self._error, self._busy = None, False
        super().clear()


class ServiceDialog(_RecordDialog):
    """Record a service received. The provider is chosen from the directory, nearest to the
    case's post first, or typed when it is not in the directory (a local doctor, a lawyer)."""

    title = N_("Record a service")
    prefix = "service"

    def __init__(self, ctx: AppContext, case_id: str, post: str | None, parent: QWidget | None = None) -> None:
        super().__init__(ctx, case_id, parent)
        self.setObjectName("serviceDialog")
        self.post = post
        self._providers: list[tuple[str, str]] = []  # (provider id, name as listed)
        self._token = 0
        self.category = ChoiceCombo.of("serviceCategory", CATEGORY_LABELS, none_label=N_("Choose a category"))
        self.provider = QComboBox(objectName="serviceProvider")
        self.provider.setEditable(True)
        self.provider.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.received_on = date_box("serviceDate")
        self.received_on.setDate(QDate.currentDate())
        self.description = QPlainTextEdit(objectName="serviceDescription")
        self.description.setTabChangesFocus(True)
        self.description.setMaximumHeight(100)
        self.provider_hint = hint_label("serviceProviderHint")
        self.row(N_("Category"), self.category, "category")
        self.row(N_("Provider"), self.provider, "provider_name")
        self.form.addRow(self.provider_hint)
        self.row(N_("Date received"), self.received_on, "received_on")
        self.row(N_("What was received"), self.description, "description")
        self.category.currentIndexChanged.connect(self._load_providers)
        language.changed.connect(self.retranslate)
        self.retranslate()
        self._load_providers()
        self.category.setFocus()

    def retranslate(self) -> None:
        super().retranslate()
        self.provider.lineEdit().setPlaceholderText(tr("Choose from the directory, or type a name"))
        self.provider_hint.setText(tr("Providers of the directory are listed nearest to the case's post first. "
                                      "Type the name of one that is not in the directory."))
        self.description.setPlaceholderText(tr("e.g. medical examination, three nights of shelter, "
                                               "a hearing with a lawyer"))

    def _load_providers(self) -> None:
        """Directory entries for the chosen category (all when none), nearest first."""
        self._token += 1
        token, ctx, post, category = self._token, self.ctx, self.post, self.category.value()

        def find():  # worker thread
            services = ctx.require()
            return services.referrals.providers(services.session, category=category, near_post=post)

        self.ctx.ops.run(find, owner=self, on_done=lambda hits: self._show_providers(token, hits),
                         on_error=lambda _exc: None)  # the name can still be typed

    def _show_providers(self, token: int, hits: list) -> None:
        if token != self._token:
            return
        typed = self.provider.currentText()
        lang = language.code
        self._providers = [(hit.provider.id, hit.provider.name(lang)) for hit in hits]
        self.provider.blockSignals(True)
        self.provider.clear()
        for provider_id, name in self._providers:
            self.provider.addItem(name, provider_id)
        self.provider.setCurrentIndex(-1)
        self.provider.setEditText(typed)
        self.provider.blockSignals(False)

    def chosen_provider(self) -> tuple[str | None, str]:
        """(directory id or None, name): a typed name that matches a listed one is that entry."""
        name = self.provider.currentText().strip()
        for provider_id, listed in self._providers:
            if listed == name:
                return provider_id, name
        return None, name

    def call(self) -> Callable[[], Any]:
        ctx, case_id = self.ctx, self.case_id
        category: ServiceCategory | None = self.category.value()
        provider_id, provider_name = self.chosen_provider()
        received_on = self.received_on.date().toPython()
        description = self.description.toPlainText().strip() or None

        def record():  # worker thread
            services = ctx.require()
            return services.referrals.record_service(
                services.session, case_id, category, provider_name, received_on,
                description=description, provider_id=provider_id)
        return record


class TaskDialog(_RecordDialog):
    """Add a follow-up task, for the worker or another active user of the device."""

    title = N_("Add a follow-up task")
    prefix = "task"

    def __init__(self, ctx: AppContext, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ctx, case_id, parent)
        self.setObjectName("taskDialog")
        self.task_title = QLineEdit(objectName="taskTitle")
        self.due_on = QDateEdit(objectName="taskDue", calendarPopup=True)
        self.due_on.setDisplayFormat("dd/MM/yyyy")
        self.due_on.setDate(QDate.currentDate().addDays(7))
        self.assignee = QComboBox(objectName="taskAssignee")
        self.me = ctx.session.user  # held in memory by the unlocked services: no store call
        self.assignee.addItem(self.me.display_name, self.me.id)
        self.row(N_("Task"), self.task_title, "title")
        self.row(N_("Due on"), self.due_on, "due_on")
        self.row(N_("Assigned to"), self.assignee, "assigned_to")
        language.changed.connect(self.retranslate)
        self.retranslate()
        self._load_users()
        self.task_title.setFocus()

    def retranslate(self) -> None:
        super().retranslate()
        self.task_title.setPlaceholderText(tr("e.g. call the shelter, visit the person, check the hearing date"))
        self.assignee.setItemText(0, trf("{name} (me)", name=self.me.display_name))

    def _load_users(self) -> None:
        ctx = self.ctx

        def users():  # worker thread: the active users of this device (names only, no case data)
            services = ctx.require()
            return [(u.id, u.display_name) for u in services.opened.store.users() if not u.disabled]

        ctx.ops.run(users, owner=self, on_done=self._show_users, on_error=lambda _exc: None)

    def _show_users(self, users: list[tuple[str, str]]) -> None:
        chosen = self.assignee.currentData()
        others = sorted(((uid, name) for uid, name in users if uid != self.me.id), key=lambda u: u[1].casefold())
        for user_id, name in others:
            self.assignee.addItem(name, user_id)
        index = self.assignee.findData(chosen)
        self.assignee.setCurrentIndex(max(index, 0))

    def call(self) -> Callable[[], Any]:
        ctx, case_id = self.ctx, self.case_id
        title = self.task_title.text()
        due_on = self.due_on.date().toPython()
        assignee = self.assignee.currentData()

        def add():  # worker thread
            services = ctx.require()
            return services.referrals.add_task(services.session, case_id, title, due_on, assigned_to=assignee)
        return add
