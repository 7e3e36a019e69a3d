"""The devices of the realm, for the secretariat: invite one, approve it, revoke it.

Every call goes to the hub through the sync facade on the database worker (the admin
calls check the secretariat's role again). Approving shows the device's key fingerprint
to compare with the one its screen shows; revoking asks first and says what follows.
"""

from __future__ import annotations

from typing import Any, Mapping

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QHBoxLayout, QHeaderView, QLabel, QMessageBox, QPushButton, QStyle, QTableView,
    QVBoxLayout, QWidget,
)

from app.domain.audit import team_scopes
from app.text import N_
from i18n.bidi import isolate, isolate_ltr
from ui.qt.cases.labels import join
from ui.qt.cases.widgets import error_label, hint_label
from ui.qt.context import AppContext, Locked
from ui.qt.lang import language, tr, trf
from ui.qt.rows_model import RowsTableModel
from ui.qt.sync.admin import AdminApi, describe_error
from ui.qt.sync.conflicts import select_row
from ui.qt.sync.fields import SHORT_ID
from ui.qt.sync.invite import InviteDialog
from ui.qt.sync.texts import ago, parse_time

_Index = QModelIndex | QPersistentModelIndex

STATUS_LABELS = {"pending": N_("Waiting for approval"), "approved": N_("Approved"), "revoked": N_("Revoked")}
STATUS_ORDER = {"pending": 0, "approved": 1, "revoked": 2}


def status_label(status: str) -> str:
    msgid = STATUS_LABELS.get(status)
    return tr(msgid) if msgid else isolate_ltr(status)


def scopes_text(scopes: Any) -> str:
    if not scopes:
        return tr("No scope")
    return join(tr("All scopes") if s == "*" else isolate_ltr(s) for s in team_scopes(scopes))


def fingerprint_text(fingerprint: str) -> str:
    """Exactly as the device's own screen writes it (``ABCD-EF01-…``), left to right in any language."""
    return isolate_ltr(fingerprint) if fingerprint else tr("Not known")


def device_name(device: Mapping[str, Any]) -> str:
    return str(device.get("name") or device.get("device") or "")


class DevicesModel(RowsTableModel):
    NAME, STATUS, SCOPES, FINGERPRINT, LAST_SEEN, DEVICE = range(6)
    HEADERS = (N_("Name"), N_("Status"), N_("Scopes"), N_("Key fingerprint"), N_("Last seen"), N_("Device"))

    @property
    def devices(self) -> list[Mapping[str, Any]]:
        return self.rows

    def set_rows(self, devices: list[Mapping[str, Any]]) -> None:
        super().set_rows(sorted(devices, key=lambda d: (STATUS_ORDER.get(str(d.get("status")), 3),
                                                        device_name(d).casefold())))

    def device_at(self, row: int) -> Mapping[str, Any] | None:
        return self.row_at(row)

    def row_of(self, device_id: str) -> int:
        for row, device in enumerate(self.rows):
            if device.get("device") == device_id:
                return row
        return -1

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        device = self.device_at(index.row()) if index.isValid() else None
        if device is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.FontRole and column in (self.FINGERPRINT, self.DEVICE):
            return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        if role == Qt.ItemDataRole.ToolTipRole and column == self.DEVICE:
            return isolate_ltr(str(device.get("device") or ""))
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return None
        return self.text(device, column)

    def text(self, device: Mapping[str, Any], column: int) -> str:
        if column == self.NAME:
            return isolate(device_name(device))
        if column == self.STATUS:
            return status_label(str(device.get("status") or ""))
        if column == self.SCOPES:
            return scopes_text(device.get("scopes"))
        if column == self.FINGERPRINT:
            return fingerprint_text(str(device.get("fingerprint") or ""))
        if column == self.LAST_SEEN:
            seen = parse_time(device.get("last_seen"))
            return ago(seen) if seen else tr("Never")
        return isolate_ltr(str(device.get("device") or "")[:SHORT_ID])  # the whole id in the tooltip


class DevicesDialog(QDialog):
    loaded = Signal()  # the table shows the hub's devices (after every load)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("devicesDialog")
        self.resize(980, 480)
        self.invite_dialog: InviteDialog | None = None
        self.error: BaseException | None = None
        self.notice: tuple[str, dict[str, str]] | None = None

        self.intro = hint_label("devicesIntro")
        self.error_label = error_label("devicesError")
        self.notice_label = QLabel(objectName="devicesNotice", wordWrap=True)
        self.notice_label.setStyleSheet("color: #1d5631;")
        self.model = DevicesModel(self)
        self.table = QTableView(objectName="devicesTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self.update_buttons)

        icon = self.style().standardIcon
        pix = QStyle.StandardPixmap
        self.invite = QPushButton(icon(pix.SP_FileDialogNewFolder), "", objectName="devicesInvite")
        self.approve = QPushButton(icon(pix.SP_DialogApplyButton), "", objectName="devicesApprove")
        self.revoke = QPushButton(icon(pix.SP_DialogCancelButton), "", objectName="devicesRevoke")
        self.refresh = QPushButton(icon(pix.SP_BrowserReload), "", objectName="devicesRefresh")
        self.close_button = QPushButton(objectName="devicesClose")
        self.invite.clicked.connect(self.open_invite)
        self.approve.clicked.connect(self.approve_selected)
        self.revoke.clicked.connect(self.revoke_selected)
        self.refresh.clicked.connect(self.reload)
        self.close_button.clicked.connect(self.reject)

        buttons = QHBoxLayout()
        for button in (self.invite, self.approve, self.revoke, self.refresh):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        for widget in (self.intro, self.error_label, self.notice_label):
            layout.addWidget(widget)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

        self.busy = False
        language.changed.connect(self.retranslate)
        self.retranslate()
        self.update_buttons()
        self.reload()

    # --- loading ------------------------------------------------------------------------
    def _call(self, work: Any, on_done: Any) -> None:
        """``work(api)`` on the database worker (the hub is asked from there), then ``on_done``."""
        ctx = self.ctx

        def job() -> Any:  # worker thread: no widget here
            return work(AdminApi(ctx.require()))

        self._set_busy(True)
        ctx.ops.run(job, owner=self, on_done=lambda result: (self._set_busy(False), on_done(result)),
                    on_error=self._failed)

    def reload(self) -> None:
        self._call(lambda api: api.devices(), self._loaded)

    def _loaded(self, devices: list[Mapping[str, Any]]) -> None:
        selected = self.selected()
        self.error = None
        self.model.set_rows(devices)
        row = self.model.row_of(str(selected.get("device"))) if selected else -1
        if row >= 0:
            select_row(self.table, row)
        self.retranslate()
        self.update_buttons()
        self.loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, Locked):
            self.close()
            return
        self.error = exc
        self.retranslate()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.refresh.setEnabled(not busy)
        self.invite.setEnabled(not busy)
        self.update_buttons()

    def selected(self) -> Mapping[str, Any] | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.device_at(rows[0].row()) if rows else None

    def select_device(self, device_id: str) -> None:
        row = self.model.row_of(device_id)
        if row >= 0:
            select_row(self.table, row)

    def update_buttons(self, *_args: object) -> None:
        device = self.selected()
        status = str(device.get("status") or "") if device else ""
        own = device is not None and device.get("device") == self.ctx.session.device_id
        self.approve.setEnabled(not self.busy and status == "pending")
        self.revoke.setEnabled(not self.busy and status in ("pending", "approved") and not own)

    # --- actions ------------------------------------------------------------------------
    def open_invite(self) -> None:
        if self.invite_dialog is not None:
            self.invite_dialog.close()
        dialog = self.invite_dialog = InviteDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # the code leaves memory with it
        dialog.destroyed.connect(lambda _obj=None: setattr(self, "invite_dialog", None))
        dialog.invited.connect(lambda name: self._changed(N_("An invitation for {name} was created."), name=name))
        dialog.open()

    def approve_selected(self) -> None:
        device = self.selected()
        if device is None or not self.approve.isEnabled() or not self.confirm_approve(device):
            return
        device_id, name = str(device.get("device")), device_name(device)
        shown = str(device.get("fingerprint") or "")  # the hub must still hold the key compared
        self.error = None
        self._call(lambda api: api.approve(device_id, shown),
                   lambda _result: self._changed(N_("{name} was approved: it receives its keys at its next sync."),
                                                 name=name))

    def revoke_selected(self) -> None:
        device = self.selected()
        if device is None or not self.revoke.isEnabled() or not self.confirm_revoke(device):
            return
        device_id, name = str(device.get("device")), device_name(device)
        self.error = None
        self._call(lambda api: api.revoke(device_id),
                   lambda rotated: self._changed(N_("{name} was revoked; new keys were made for {scopes}."),
                                                 name=name, scopes=scopes_text(rotated)))

    def confirm_approve(self, device: Mapping[str, Any]) -> bool:
        """The fingerprint must match the one on the device's own screen: that is what proves the
        request came from that device and not from someone who saw the invitation code."""
        answer = QMessageBox.question(
            self, tr("Approve device"),
            trf("Approve {name}?\n\nAsk the person at that device to read the key fingerprint its screen shows, and "
                "compare it with this one:\n\n{fingerprint}\n\nApprove only if they are the same. The device will "
                "receive the keys of: {scopes}.", name=device_name(device),
                fingerprint=fingerprint_text(str(device.get("fingerprint") or "")),
                scopes=scopes_text(device.get("scopes"))),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def confirm_revoke(self, device: Mapping[str, Any]) -> bool:
        answer = QMessageBox.question(
            self, tr("Revoke device"),
            trf("Revoke {name}? The hub refuses it from now on. Its sync keys will be erased at its next contact "
                "with the hub, and the keys of its scopes ({scopes}) will be rotated so it cannot read anything new. "
                "This cannot be undone: the device would have to be enrolled again.",
                name=device_name(device), scopes=scopes_text(device.get("scopes"))),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _changed(self, notice: str, **params: str) -> None:
        self.notice = (notice, params)
        self.retranslate()
        self.reload()

    # --- language -----------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(tr("Devices"))
        self.intro.setText(tr("The devices that sync with the hub. A new device joins with an invitation code, "
                              "then waits for your approval."))
        self.table.setAccessibleName(tr("Devices"))
        self.error_label.setText(describe_error(self.error) if self.error is not None else "")
        self.error_label.setVisible(self.error is not None)
        if self.notice is not None:
            template, params = self.notice
            self.notice_label.setText(trf(template, **params))
        self.notice_label.setVisible(self.notice is not None)
        for button, text, name in ((self.invite, tr("&Invite…"), tr("Invite a device")),
                                   (self.approve, tr("&Approve…"), tr("Approve the device")),
                                   (self.revoke, tr("Re&voke…"), tr("Revoke the device")),
                                   (self.refresh, tr("Refresh"), tr("Refresh the devices")),
                                   (self.close_button, tr("Close"), tr("Close"))):
            button.setText(text)
            button.setAccessibleName(name)
