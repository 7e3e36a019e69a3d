"""The workspace of an unlocked store: a toolbar, the case list and the open case file.

The toolbar shows only what the role may do (``app.permissions``; the services refuse the
rest anyway). The workspace lives only while the store is unlocked: the window destroys it
on locking, after ``dispose()`` has emptied the list and the case file.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QIcon, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QDialog, QLabel, QSizePolicy, QSplitter, QStackedWidget, QStyle, QToolBar, QVBoxLayout, QWidget,
)

from app.domain.values import ROLE_LABELS
from app.permissions import Action, allowed
from app.text import N_
from i18n.bidi import strip_isolates
from ui.qt.cases.case_file import CaseFilePanel
from ui.qt.cases.list_model import COL_NUMBER
from ui.qt.cases.list_panel import CaseListPanel
from ui.qt.cases.new_case import NewCaseDialog
from ui.qt.context import AppContext
from ui.qt.lang import language, ntr, tr, trf
from ui.qt.referrals.directory_dialog import DirectoryDialog
from ui.qt.referrals.today import TodayPanel
from ui.qt.reports.batch_dialog import BatchExportDialog
from ui.qt.reports.dashboard import Dashboard
from ui.qt.settings_dialog import SettingsDialog
from ui.qt.users_dialog import UsersDialog

NEW_CASE_SHORTCUT = "Ctrl+N"
SEARCH_SHORTCUT = "Ctrl+F"  # owned by the case list's search box
REFRESH_SHORTCUT = "F5"  # owned by the case list's reload button
TODAY_SHORTCUT = "Ctrl+T"
DIRECTORY_SHORTCUT = "Ctrl+Shift+D"
USERS_SHORTCUT = "Ctrl+Shift+U"
SETTINGS_SHORTCUT = "Ctrl+,"
LOCK_SHORTCUT = "Ctrl+L"  # owned by the main window, which locks from any page


class Workspace(QWidget):
    lock_requested = Signal()
    message = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("workspace")
        # The session is held in memory by the unlocked services: reading it is no store call.
        self.user = ctx.session.user
        self.dialogs: dict[str, QDialog] = {}
        self._today_count: tuple[int, bool] | None = None

        self.list = CaseListPanel(ctx, self)
        self.file = CaseFilePanel(ctx, self)
        # The left pane shows the case list, or the "today" view in its place (toolbar: Today).
        self.today = TodayPanel(ctx, self)
        self.left = QStackedWidget(objectName="workspaceLeft")
        self.left.addWidget(self.list)
        self.left.addWidget(self.today)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, objectName="workspaceSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.left)
        self.splitter.addWidget(self.file)
        self.splitter.setStretchFactor(0, 45)
        self.splitter.setStretchFactor(1, 55)
        self._split_done = False

        self.toolbar = QToolBar(objectName="workspaceToolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        pix = QStyle.StandardPixmap
        role = self.user.role
        self.new_case_action = self._action("actionNewCase", QIcon.ThemeIcon.DocumentNew, pix.SP_FileIcon,
                                            NEW_CASE_SHORTCUT, self.open_new_case,
                                            allowed(role, Action.CREATE_CASE))
        # Ctrl+F and F5 belong to the case list (its search box and reload button); giving
        # these actions the same keys would make them ambiguous, and Qt would run neither.
        self.search_action = self._action("actionSearch", QIcon.ThemeIcon.EditFind,
                                          pix.SP_FileDialogContentsView, None, self.focus_search)
        self.refresh_action = self._action("actionRefresh", QIcon.ThemeIcon.ViewRefresh, pix.SP_BrowserReload,
                                           None, self.refresh_list)
        self.toolbar.addSeparator()
        self.today_action = self._action("actionToday", QIcon.ThemeIcon.AppointmentNew, pix.SP_FileDialogInfoView,
                                         TODAY_SHORTCUT, self.toggle_today)
        self.today_action.setCheckable(True)
        self.today_badge = QLabel(objectName="todayBadge", alignment=Qt.AlignmentFlag.AlignCenter)
        self.today_badge_action = self.toolbar.addWidget(self.today_badge)
        self.today_badge_action.setVisible(False)
        self.directory_action = self._action("actionDirectory", QIcon.ThemeIcon.EditFind, pix.SP_DirIcon,
                                             DIRECTORY_SHORTCUT, self.open_directory)
        # Supervisors and the secretariat (SECURITY.md); the services refuse anyone else anyway.
        self.dashboard_action = self._action("actionDashboard", QIcon.ThemeIcon.DocumentPrintPreview,
                                             pix.SP_FileDialogListView, None, self.open_dashboard,
                                             allowed(role, Action.EXPORT_STATISTICS))
        self.batch_action = self._action("actionExportSummaries", QIcon.ThemeIcon.DocumentSaveAs,
                                         pix.SP_DialogSaveButton, None, self.open_batch_export,
                                         allowed(role, Action.EXPORT_CASE_PDF))
        self.toolbar.addSeparator()
        self.users_action = self._action("actionUsers", QIcon.ThemeIcon.AddressBookNew, pix.SP_DirHomeIcon,
                                         USERS_SHORTCUT, self.open_users, allowed(role, Action.MANAGE_USERS))
        self.settings_action = self._action("actionSettings", QIcon.ThemeIcon.DocumentProperties,
                                            pix.SP_FileDialogDetailedView, SETTINGS_SHORTCUT, self.open_settings)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.toolbar.addWidget(spacer)
        self.who = QLabel(objectName="workspaceUser")
        self.who.setContentsMargins(8, 0, 8, 0)
        self.toolbar.addWidget(self.who)
        # No shortcut on this action: the window's Ctrl+L works on every page, and two
        # actions with the same shortcut would cancel each other out.
        self.lock_action = self._action("actionLock", QIcon.ThemeIcon.SystemLockScreen, pix.SP_BrowserStop,
                                        None, self.lock_requested.emit)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.splitter, 1)

        # The list answers Ctrl+F while it has the focus; this makes it work from the file too.
        find = QShortcut(QKeySequence(SEARCH_SHORTCUT), self.file, self.focus_search)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

        self.list.case_activated.connect(self.show_case)
        self.today.case_activated.connect(self.show_case)
        self.today.count_changed.connect(self._show_today_count)
        self.today.back_requested.connect(lambda: self.show_today(False))
        self.file.changed.connect(lambda _case_id: self.list.refresh())
        language.changed.connect(self.retranslate)
        self.retranslate()

    def _action(self, name: str, theme: QIcon.ThemeIcon, fallback: QStyle.StandardPixmap, shortcut: str | None,
                slot: Callable[[], object], visible: bool = True) -> QAction:
        action = QAction(QIcon.fromTheme(theme, self.style().standardIcon(fallback)), "", self)
        action.setObjectName(name)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        # Hidden and disabled: an invisible action must not answer its shortcut either.
        action.setVisible(visible)
        action.setEnabled(visible)
        self.toolbar.addAction(action)
        self.toolbar.widgetForAction(action).setObjectName(name + "Button")
        return action

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if not self._split_done:  # the first time the real width is known: list 45 %, file 55 %
            self._split_done = True
            width = max(self.splitter.width(), self.width())
            self.splitter.setSizes([width * 45 // 100, width * 55 // 100])

    # --- cases --------------------------------------------------------------------------
    def show_case(self, case_id: str) -> None:
        self.file.show_case(case_id)
        row = self.list.model.row_of(case_id)
        number = self.list.model.index(row, COL_NUMBER).data() if row >= 0 else None
        if number:
            self.message.emit(trf("Case {number} opened", number=strip_isolates(number)))

    def focus_search(self) -> None:
        self.show_today(False)  # the search box belongs to the case list
        self.list.focus_search()

    # --- today ------------------------------------------------------------------------
    def toggle_today(self) -> None:
        self.show_today(self.today_action.isChecked())

    def show_today(self, shown: bool) -> None:
        self.today_action.setChecked(shown)
        self.left.setCurrentWidget(self.today if shown else self.list)
        if shown:
            self.today.tree.setFocus()

    def _show_today_count(self, count: int, overdue: bool) -> None:
        """The badge beside Today: what needs attention now (overdue, due today, answers awaited)."""
        self._today_count = (count, overdue)
        colour = "#b3261e" if overdue else "#1f3f73"
        self.today_badge.setText(str(count))
        self.today_badge.setStyleSheet(f"background: {colour}; color: white; border-radius: 9px;"
                                       " padding: 1px 7px; font-weight: 600;")
        text = ntr("{count} follow-up needs attention", "{count} follow-ups need attention", count).format(
            count=count)
        if overdue:
            text = trf("{text} (some are overdue)", text=text)
        self.today_badge.setToolTip(text)
        self.today_badge.setAccessibleName(text)
        self.today_badge_action.setVisible(count > 0)

    def refresh_list(self) -> None:
        self.list.refresh()
        self.message.emit(tr("Case list refreshed."))

    def open_new_case(self) -> None:
        if self.new_case_action.isEnabled():
            self._dialog("new_case", self._new_case_dialog)

    def _new_case_dialog(self) -> NewCaseDialog:
        dialog = NewCaseDialog(self.ctx, self)
        dialog.created.connect(self.case_created)
        dialog.open_existing.connect(self.show_case)  # the duplicate warning's "open the existing case"
        return dialog

    def case_created(self, case_id: str) -> None:
        self.list.refresh()
        # The dialog announces the new case on the event hub right after this signal; the
        # file opens it after that announcement, so the view is loaded (and audited) once.
        QTimer.singleShot(0, self, lambda: self.file.show_case(case_id))
        self.message.emit(tr("The new case was registered and opened."))

    # --- dialogs ------------------------------------------------------------------------
    def _dialog(self, key: str, build: Callable[[], QDialog]) -> QDialog:
        """One dialog of each kind at a time; closed dialogs are deleted so nothing typed
        in them (a person's details in a half-filled new case) lingers in memory."""
        dialog = self.dialogs.get(key)
        if dialog is None:
            dialog = build()
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.destroyed.connect(lambda _obj=None, key=key: self.dialogs.pop(key, None))
            self.dialogs[key] = dialog
        dialog.open()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    @property
    def new_case_dialog(self) -> QDialog | None:
        return self.dialogs.get("new_case")

    @property
    def users_dialog(self) -> QDialog | None:
        return self.dialogs.get("users")

    @property
    def settings_dialog(self) -> QDialog | None:
        return self.dialogs.get("settings")

    def open_users(self) -> None:
        if self.users_action.isEnabled():
            self._dialog("users", lambda: UsersDialog(self.ctx, self))

    @property
    def directory_dialog(self) -> QDialog | None:
        return self.dialogs.get("directory")

    def open_directory(self) -> None:
        self._dialog("directory", lambda: DirectoryDialog(self.ctx, self))

    @property
    def dashboard(self) -> QDialog | None:
        return self.dialogs.get("dashboard")

    def open_dashboard(self) -> None:
        if self.dashboard_action.isEnabled():
            self._dialog("dashboard", lambda: Dashboard(self.ctx, self))

    @property
    def batch_dialog(self) -> QDialog | None:
        return self.dialogs.get("batch_export")

    def open_batch_export(self) -> None:
        """The selected rows of the case list, or every case its current filter finds."""
        if not self.batch_action.isEnabled():
            return
        cases, query, total = self.list.selected_cases(), self.list.model.query, self.list.model.total
        shown = self.dialogs.get("batch_export")
        if isinstance(shown, BatchExportDialog) and not shown.busy:  # the list may have changed since
            shown.set_cases(cases, query, total)
        self._dialog("batch_export", lambda: BatchExportDialog(self.ctx, cases, query, total, self))

    def open_settings(self) -> None:
        window = self.window()
        idle = getattr(window, "idle", None) if window is not self else None
        self._dialog("settings", lambda: SettingsDialog(self.ctx, self, idle=idle))

    # --- locking and language -----------------------------------------------------------
    def dispose(self) -> None:
        """Forget every case shown (called before locking)."""
        for dialog in list(self.dialogs.values()):
            dialog.close()
        self.dialogs.clear()
        self.list.dispose()
        self.today.clear()
        self.file.clear()

    def retranslate(self) -> None:
        self.toolbar.setWindowTitle(tr("Main toolbar"))
        self.toolbar.setAccessibleName(tr("Main toolbar"))
        labels = (
            (self.new_case_action, N_("New case"), N_("Register a new case ({shortcut})"), NEW_CASE_SHORTCUT),
            (self.search_action, N_("Search"), N_("Search the case list ({shortcut})"), SEARCH_SHORTCUT),
            (self.refresh_action, N_("Refresh"), N_("Reload the case list ({shortcut})"), REFRESH_SHORTCUT),
            (self.today_action, N_("Today"), N_("What is due and overdue for you ({shortcut})"), TODAY_SHORTCUT),
            (self.directory_action, N_("Service directory"), N_("Browse the service providers ({shortcut})"),
             DIRECTORY_SHORTCUT),
            (self.users_action, N_("Users"), N_("Manage the users of this device ({shortcut})"), USERS_SHORTCUT),
            (self.settings_action, N_("Settings"), N_("Language and screen lock ({shortcut})"), SETTINGS_SHORTCUT),
            (self.lock_action, N_("Lock"), N_("Lock now: the screen is cleared until you unlock ({shortcut})"),
             LOCK_SHORTCUT),
        )
        for action, text, tip in (
                (self.dashboard_action, N_("Dashboard"), N_("Anonymised statistics as charts")),
                (self.batch_action, N_("Export summaries…"),
                 N_("Case summaries (PDF) of the selected cases, or of every case the list finds"))):
            action.setText(tr(text))
            action.setToolTip(tr(tip))
            action.setStatusTip(action.toolTip())
            self.toolbar.widgetForAction(action).setAccessibleName(tr(text))
        for action, text, tip, shortcut in labels:
            action.setText(tr(text))
            native = QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(trf(tip, shortcut=native))
            action.setStatusTip(action.toolTip())
            self.toolbar.widgetForAction(action).setAccessibleName(tr(text))
        self.who.setText(trf("{name} — {role}", name=self.user.display_name, role=tr(ROLE_LABELS[self.user.role])))
        self.who.setAccessibleName(self.who.text())
        if self._today_count is not None:
            self._show_today_count(*self._today_count)
