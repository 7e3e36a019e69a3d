"""The users of this device, for supervisors and the secretariat.

Everything here goes through ``UserService`` (which checks the role); the buttons only
hide what the core would refuse. Disabling is the one destructive action and asks first.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QHBoxLayout, QHeaderView, QLabel, QMessageBox, QPushButton, QStyle,
    QTableView, QVBoxLayout, QWidget,
)

from app.domain.user import User
from app.domain.values import ROLE_LABELS
from app.text import N_
from ui.qt.context import AppContext
from ui.qt.lang import language, tr, trf
from ui.qt.rows_model import RowsTableModel
from ui.qt.user_forms import (
    AddUserDialog, ErrorLabel, FormDialog, PassphraseDialog, RoleDialog, grantable_roles, post_name,
)

_Index = QModelIndex | QPersistentModelIndex


class UsersModel(RowsTableModel):
    USERNAME, NAME, ROLE, POST, STATUS = range(5)
    HEADERS = (N_("User name"), N_("Display name"), N_("Role"), N_("Border post"), N_("Status"))

    @property
    def users(self) -> list[User]:
        return self.rows

    def set_rows(self, users: list[User]) -> None:
        super().set_rows(sorted(users, key=lambda u: u.username))

    def user_at(self, row: int) -> User | None:
        return self.row_at(row)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        user = self.user_at(index.row()) if index.isValid() else None
        if user is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.text(user, index.column())
        if role == Qt.ItemDataRole.ForegroundRole and user.disabled:
            return QPalette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        return None

    def text(self, user: User, column: int) -> Any:
        if column == self.USERNAME:
            return user.username
        if column == self.NAME:
            return user.display_name
        if column == self.ROLE:
            return tr(ROLE_LABELS[user.role])
        if column == self.POST:
            return post_name(user.border_post)
        if column == self.STATUS:
            return tr("Disabled") if user.disabled else tr("Active")
        return None


class UsersDialog(QDialog):
    loaded = Signal()  # the table shows the users (after every reload)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("usersDialog")
        self.resize(820, 440)
        # The session lives in memory with the unlocked services; reading it is no store call.
        self.me = ctx.session.user
        self.roles = grantable_roles(self.me.role)
        self.form: FormDialog | None = None

        self.error = ErrorLabel("usersError")
        self.notice = QLabel(objectName="usersStatus", wordWrap=True)
        self.model = UsersModel(self)
        self.table = QTableView(objectName="usersTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self.update_buttons)
        self.table.doubleClicked.connect(lambda _i: self.change_role())

        icon = self.style().standardIcon
        self.add = QPushButton(icon(QStyle.StandardPixmap.SP_FileDialogNewFolder), "", objectName="usersAdd")
        self.disable = QPushButton(icon(QStyle.StandardPixmap.SP_DialogCancelButton), "", objectName="usersDisable")
        self.reset = QPushButton(icon(QStyle.StandardPixmap.SP_BrowserReload), "", objectName="usersReset")
        self.role = QPushButton(icon(QStyle.StandardPixmap.SP_FileDialogDetailedView), "", objectName="usersRole")
        self.close_button = QPushButton(objectName="usersClose")
        self.add.clicked.connect(self.add_user)
        self.disable.clicked.connect(self.disable_user)
        self.reset.clicked.connect(self.reset_passphrase)
        self.role.clicked.connect(self.change_role)
        self.close_button.clicked.connect(self.reject)

        buttons = QHBoxLayout()
        for button in (self.add, self.role, self.reset, self.disable):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.error)
        layout.addWidget(self.notice)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.setTabOrder(self.table, self.add)

        self._notice: tuple[str, dict[str, str]] | None = None
        ctx.hub.users_changed.connect(self.reload)
        language.changed.connect(self.retranslate)
        self.retranslate()
        self.update_buttons()
        self.reload()

    # --- loading ------------------------------------------------------------------------
    def reload(self) -> None:
        ctx = self.ctx

        def job() -> list[User]:
            services = ctx.require()
            return services.users.list_users(services.session)

        ctx.ops.run(job, on_done=self._loaded, on_error=self.error.show_error, owner=self)

    def _loaded(self, users: list[User]) -> None:
        selected = self.selected()
        self.model.set_rows(users)
        if selected is not None:
            for row, user in enumerate(self.model.users):
                if user.id == selected.id:
                    self.select_row(row)
        self.update_buttons()
        self.loaded.emit()

    def selected(self) -> User | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.user_at(rows[0].row()) if rows else None

    def select_username(self, username: str) -> None:
        for row, user in enumerate(self.model.users):
            if user.username == username:
                self.select_row(row)

    def select_row(self, row: int) -> None:
        # Not QTableView.selectRow: in a right-to-left layout it looks for the first column
        # at the wrong edge and selects nothing.
        index = self.model.index(row, 0)
        flags = QItemSelectionModel.SelectionFlag
        self.table.selectionModel().setCurrentIndex(index, flags.ClearAndSelect | flags.Rows)

    def update_buttons(self) -> None:
        user = self.selected()
        manageable = user is not None and user.role in self.roles
        other = manageable and user.id != self.me.id
        self.disable.setEnabled(bool(other and not user.disabled))
        self.role.setEnabled(bool(other and not user.disabled))
        self.reset.setEnabled(bool(manageable and not user.disabled))

    # --- actions ------------------------------------------------------------------------
    def _open_form(self, form: FormDialog, notice: str, name: str | None = None) -> None:
        """``notice``: a template with ``{name}`` (the user's name, or what the form saved)."""
        self.error.show_error(None)
        self.form = form
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        form.saved.connect(lambda saved: self._changed(notice, name=name or saved.display_name))
        form.open()  # window-modal without a nested event loop

    def _changed(self, notice: str, **params: str) -> None:
        self._notice = (notice, params)
        self._show_notice()
        self.ctx.hub.users_changed.emit()

    def add_user(self) -> None:
        self._open_form(AddUserDialog(self.ctx, self.roles, self),
                        N_("{name} was added and can now unlock this device."))

    def reset_passphrase(self) -> None:
        user = self.selected()
        if user is not None and self.reset.isEnabled():
            self._open_form(PassphraseDialog(self.ctx, user, self),
                            N_("The passphrase of {name} was changed."), user.display_name)

    def change_role(self) -> None:
        user = self.selected()
        if user is not None and self.role.isEnabled():
            self._open_form(RoleDialog(self.ctx, user, self.roles, self),
                            N_("The role of {name} was changed."), user.display_name)

    def disable_user(self) -> None:
        user = self.selected()
        if user is None or not self.confirm_disable(user):
            return
        ctx, username = self.ctx, user.username

        def job() -> User:
            services = ctx.require()
            return services.users.disable(services.session, username)

        self.error.show_error(None)
        ctx.ops.run(job, owner=self, on_error=self.error.show_error,
                    on_done=lambda done: self._changed(N_("{name} can no longer unlock this device."),
                                                       name=done.display_name))

    def confirm_disable(self, user: User) -> bool:
        """Destructive: the user's key is removed from this device, so ask first."""
        answer = QMessageBox.question(
            self, tr("Disable user"),
            trf("Disable {name}? They will no longer be able to unlock this device. "
                "Their cases and history stay.", name=user.display_name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    # --- language -----------------------------------------------------------------------
    def _show_notice(self) -> None:
        if self._notice is None:
            self.notice.clear()
        else:
            template, params = self._notice
            self.notice.setText(trf(template, **params))
        self.notice.setVisible(bool(self.notice.text()))

    def retranslate(self) -> None:
        self.setWindowTitle(tr("Users of this device"))
        self.table.setAccessibleName(tr("Users of this device"))
        for button, text, name in (
            (self.add, tr("&Add user…"), tr("Add user")),
            (self.role, tr("Change &role…"), tr("Change role")),
            (self.reset, tr("Reset &passphrase…"), tr("Reset passphrase")),
            (self.disable, tr("&Disable…"), tr("Disable user")),
            (self.close_button, tr("Close"), tr("Close")),
        ):
            button.setText(text)
            button.setAccessibleName(name)
        self._show_notice()

