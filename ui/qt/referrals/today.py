"""The "today" view: what is due and overdue for the user who unlocked the store.

Four groups — overdue, due today, the next seven days, referrals waiting for the
provider's answer — each row naming the case, the person (in the interface language's
script first), what to do and when. Double-click or Enter opens the case. The view asks
the store again when cases change and when the store is unlocked, and forgets every row at
lock: the names of people must not stay in a widget of a locked app.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics, QKeyEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QStyle, QTreeWidget, QTreeWidgetItem,
    QVBoxLayout, QWidget,
)

from app.permissions import Action, allowed
from app.domain.referral import Provider
from app.errors import NotFound
from app.services.referrals import TodayItem, TodayView
from app.text import N_
from i18n.bidi import isolate_ltr
from i18n.formatting import format_date, format_number
from ui.qt.cases.list_model import name_text
from ui.qt.context import AppContext, Locked
from ui.qt.lang import language, render_error, tr, trf
from ui.qt.referrals.followup_tab import OVERDUE_COLOUR, overdue_text, paint_row, task_title
from ui.qt.referrals.wrapping import wrap_columns
from ui.qt.cases.widgets import error_label, hint_label

GROUPS = (
    ("overdue", N_("Overdue")),
    ("due_today", N_("Due today")),
    ("upcoming", N_("Coming up (next 7 days)")),
    ("waiting", N_("Referrals waiting for an answer")),
)
COLUMNS = 3  # the case (number, then the name), what to do, when
#: The case column takes at most this share of the width; "what" gets the rest.
CASE_SHARE = 0.45
CASE_ROLE = Qt.ItemDataRole.UserRole
TASK_ROLE = Qt.ItemDataRole.UserRole + 1


class TodayTree(QTreeWidget):
    """Enter on a row opens its case, as a double-click does."""

    activated_case = Signal(str)

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - QTreeWidget's
        super().__init__(*args, **kwargs)
        wrap_columns(self, 0, 1)  # the case and what to do wrap; the date is sized to fit

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        item = self.currentItem()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and item is not None \
                and item.data(0, CASE_ROLE):
            self.activated_case.emit(item.data(0, CASE_ROLE))
            return
        super().keyPressEvent(event)


class TodayPanel(QWidget):
    case_activated = Signal(str)  # case id: double-click or Enter on a row
    count_changed = Signal(int, bool)  # items needing attention now; whether any is overdue
    back_requested = Signal()  # show the case list again

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("todayPanel")
        self.view: TodayView | None = None
        self.providers: dict[str, Provider] = {}  # of the referrals waiting: named in the UI language
        self._error: BaseException | None = None
        self._token = 0
        self._busy = False
        self.title = QLabel(objectName="todayTitle")
        self.title.setStyleSheet("font-size: 14pt; font-weight: 600;")
        self.tree = TodayTree(objectName="todayList")
        self.tree.setRootIsDecorated(False)
        self.tree.setItemsExpandable(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setUniformRowHeights(False)
        self.tree.setWordWrap(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideNone)  # a long name wraps, never loses its end
        self.tree.setColumnCount(COLUMNS)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(60)  # Qt's default (from the header's font) leaves "what" no room
        # The group titles span the first column: sized to its contents, the case column
        # would be as wide as the longest title. It is sized to its rows instead.
        modes = (QHeaderView.ResizeMode.Interactive, QHeaderView.ResizeMode.Stretch,
                 QHeaderView.ResizeMode.ResizeToContents)
        for column, mode in enumerate(modes):
            header.setSectionResizeMode(column, mode)
        self.tree.itemDoubleClicked.connect(self._double_clicked)
        self.tree.activated_case.connect(self.case_activated)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.empty = hint_label("todayEmpty")
        self.error = error_label("todayError")
        self.open_button = QPushButton(objectName="todayOpen")
        self.open_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DirOpenIcon))
        self.open_button.clicked.connect(self._open_selected)
        self.done_button = QPushButton(objectName="todayDone")
        self.done_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton))
        self.done_button.clicked.connect(self.mark_done)
        self.back_button = QPushButton(objectName="todayBack")
        self.back_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_FileDialogListView))
        self.back_button.clicked.connect(self.back_requested)

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.back_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.done_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.error)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty)
        layout.addLayout(buttons)

        ctx.hub.cases_changed.connect(lambda _ids: self.refresh())
        ctx.hub.unlocked.connect(self.refresh)
        ctx.hub.locked.connect(self.clear)
        language.changed.connect(self.render)
        self.render()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self.refresh()  # the day may have turned since the last look

    @property
    def may_work(self) -> bool:
        return self.ctx.services is not None and allowed(self.ctx.session.role, Action.CASE_WORK)

    # --- loading ------------------------------------------------------------------------
    def refresh(self) -> None:
        if self.ctx.services is None:
            return
        self._token += 1
        token, ctx, today = self._token, self.ctx, date.today()

        def load():  # worker thread
            services = ctx.require()
            view = services.referrals.today(services.session, today)
            providers = {}
            for item in view.waiting:
                try:
                    found = services.referrals.provider(services.session, item.referral.provider_id)
                except NotFound:
                    continue  # the name copied on the referral is shown
                providers[found.id] = found
            return view, providers

        ctx.ops.run(load, owner=self, on_done=lambda loaded: self._loaded(token, *loaded),
                    on_error=lambda exc: self._failed(token, exc))

    def _loaded(self, token: int, view: TodayView, providers: dict[str, Provider]) -> None:
        if token != self._token:
            return
        self.view, self.providers, self._error = view, providers, None
        self.render()

    def _failed(self, token: int, exc: BaseException) -> None:
        if token != self._token:
            return
        if isinstance(exc, Locked):
            self.clear()
            return
        self._error = exc
        self.render()

    def clear(self) -> None:
        """Forget every row (called at lock)."""
        self._token += 1
        self.view, self.providers, self._error, self._busy = None, {}, None, False
        self.render()

    # --- showing ------------------------------------------------------------------------
    def render(self) -> None:
        lang, view = language.code, self.view
        self.title.setText(trf("Today, {date}", date=format_date(view.today, lang, "full")) if view
                           else tr("Today"))
        self.tree.setAccessibleName(tr("What is due and overdue"))
        for button, text in ((self.open_button, tr("Open the case")), (self.done_button, tr("Mark done")),
                             (self.back_button, tr("Back to the case list"))):
            button.setText(text)
            button.setAccessibleName(text)
        self.done_button.setVisible(self.may_work)
        self.error.setText(render_error(self._error) if self._error is not None else "")
        self.error.setVisible(self._error is not None)
        selected = self._selected_key()
        self.tree.clear()
        self.tree.setColumnCount(COLUMNS)
        self.tree.setHeaderLabels([tr("Case"), tr("What"), tr("When")])
        if view is not None:
            for key, msgid in GROUPS:
                self._add_group(key, msgid, getattr(view, key), view.today)
        self.empty.setText(tr("Nothing is due or overdue for you in the next 7 days.") if view else "")
        self.empty.setVisible(view is not None and view.count == 0)
        self.tree.setVisible(view is not None and view.count > 0)
        self._fit_case_column()
        self._reselect(selected)
        self._update_buttons()
        attention = len(view.overdue) + len(view.due_today) + len(view.waiting) if view else 0
        self.count_changed.emit(attention, bool(view and view.overdue))

    def _fit_case_column(self) -> None:
        """As wide as the longest case number or name (bold: overdue rows are), within its share."""
        bold = self.tree.font()
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        lines = [self.tree.headerItem().text(0)]
        for group in range(self.tree.topLevelItemCount()):
            header = self.tree.topLevelItem(group)
            for row in range(header.childCount()):
                lines += header.child(row).text(0).split("\n")
        width = max(metrics.horizontalAdvance(line) for line in lines) + self.tree.indentation() + 16
        room = max(self.tree.viewport().width(), 400)
        self.tree.setColumnWidth(0, min(width, int(room * CASE_SHARE)))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._fit_case_column()

    def _add_group(self, key: str, msgid: str, items: tuple[TodayItem, ...], today: date) -> None:
        if not items:
            return
        header = QTreeWidgetItem([trf("{group} ({count})", group=tr(msgid),
                                      count=format_number(len(items), language.code))])
        header.setFlags(Qt.ItemFlag.ItemIsEnabled)
        header.setData(0, Qt.ItemDataRole.AccessibleTextRole, header.text(0))
        font = header.font(0)
        font.setBold(True)
        header.setFont(0, font)
        self.tree.addTopLevelItem(header)
        header.setFirstColumnSpanned(True)  # once in the tree: spanning is the tree's setting
        for entry in items:
            item = QTreeWidgetItem(self._row(key, entry, today))
            item.setData(0, CASE_ROLE, entry.case_id)
            item.setData(0, TASK_ROLE, entry.task.id if entry.task else None)
            for column in range(COLUMNS):
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignTop)
            header.addChild(item)
            if key == "overdue":
                paint_row(item, COLUMNS, OVERDUE_COLOUR, bold=True)
        if key == "overdue":
            paint_row(header, 1, OVERDUE_COLOUR, bold=True)
        header.setExpanded(True)

    def _row(self, key: str, entry: TodayItem, today: date) -> list[str]:
        lang = language.code
        if entry.task is not None:
            what = task_title(entry.task)
        else:
            known = self.providers.get(entry.referral.provider_id) if entry.referral else None
            provider = known.name(lang) if known else (entry.referral.provider_name if entry.referral else "")
            what = trf("Answer from {provider} expected", provider=provider)
        when = format_date(entry.due_on, lang)
        if key == "overdue":  # in words too, not only in red
            when = f"{when}\n{overdue_text(entry.due_on, today)}"
        unnamed = tr("(no name yet)")
        case = f"{isolate_ltr(entry.case_number)}\n{name_text(entry, lang) or unnamed}"
        return [case, what, when]

    # --- selection and actions ----------------------------------------------------------
    def _selected(self) -> QTreeWidgetItem | None:
        item = self.tree.currentItem()
        return item if item is not None and item.isSelected() and item.data(0, CASE_ROLE) else None

    def _selected_key(self) -> tuple[str, str | None] | None:
        item = self._selected()
        return (item.data(0, CASE_ROLE), item.data(0, TASK_ROLE)) if item else None

    def _reselect(self, key: tuple[str, str | None] | None) -> None:
        if key is None:
            return
        for group in range(self.tree.topLevelItemCount()):
            header = self.tree.topLevelItem(group)
            for row in range(header.childCount()):
                item = header.child(row)
                if (item.data(0, CASE_ROLE), item.data(0, TASK_ROLE)) == key:
                    self.tree.setCurrentItem(item)
                    return

    def _update_buttons(self) -> None:
        item = self._selected()
        self.open_button.setEnabled(item is not None)
        self.done_button.setEnabled(not self._busy and self.may_work and item is not None
                                    and bool(item.data(0, TASK_ROLE)))

    def _double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        if item.data(0, CASE_ROLE):
            self.case_activated.emit(item.data(0, CASE_ROLE))

    def _open_selected(self) -> None:
        item = self._selected()
        if item is not None:
            self.case_activated.emit(item.data(0, CASE_ROLE))

    def mark_done(self) -> None:
        item = self._selected()
        if item is None or not item.data(0, TASK_ROLE) or not self.may_work:
            return
        ctx, case_id, task_id = self.ctx, item.data(0, CASE_ROLE), item.data(0, TASK_ROLE)

        def complete():  # worker thread
            services = ctx.require()
            return services.referrals.complete_task(services.session, task_id)

        self._busy = True
        self._update_buttons()
        ctx.ops.run(complete, owner=self, on_done=lambda _task: self._completed(case_id),
                    on_error=self._refused)

    def _completed(self, case_id: str) -> None:
        self._busy = False
        self.ctx.hub.cases_changed.emit([case_id])  # the case file shows it done; this view reloads

    def _refused(self, exc: BaseException) -> None:
        self._busy = False
        self._error = exc
        self.render()
