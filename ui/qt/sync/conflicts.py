"""Sync conflicts, for supervisors: each field two devices changed without seeing each other's
change, with every value, who wrote it, when and on which device; "Resolve…" picks the value.

The list comes from ``ConflictService.list`` (the supervisor's own scope; the service
refuses other roles, and the window offers this page to supervisors only). Loading and
resolving run on the database worker.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from PySide6.QtCore import QAbstractTableModel, QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton, QSplitter, QStyle, QTableView,
    QVBoxLayout, QWidget,
)

from app.text import N_
from sync.protocol import parse_certificate
from i18n.bidi import isolate_ltr
from ui.qt.cases.widgets import error_label, hint_label
from ui.qt.context import AppContext, Locked
from ui.qt.lang import language, ntr, render_error, tr, trf
from ui.qt.rows_model import RowsTableModel
from ui.qt.sync.fields import author_text, device_text, field_label, record_label, value_text, when_text
from ui.qt.sync.resolve import ResolveDialog


class ConflictsModel(RowsTableModel):
    """One row per conflicting field (``app.ports.Conflict``)."""

    CASE, RECORD, FIELD, VALUES = range(4)
    HEADERS = (N_("Case number"), N_("Record"), N_("Field"), N_("Values"))

    def text(self, conflict: Any, column: int) -> str:
        if column == self.CASE:
            return isolate_ltr(conflict.case_number) if conflict.case_number else tr("Not known")
        if column == self.RECORD:
            return record_label(conflict.record_type)
        if column == self.FIELD:
            return field_label(conflict.record_type, conflict.field)
        count = len(conflict.writes)
        return ntr("{count} value", "{count} values", count).format(count=count)


class WritesModel(RowsTableModel):
    """The concurrent values of one conflict (``app.merge.Write``), one row each."""

    VALUE, AUTHOR, WHEN, DEVICE = range(4)
    HEADERS = (N_("Value"), N_("Written by"), N_("When"), N_("Device"))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.names: Mapping[str, str] = {}
        self.this_device: str | None = None

    def text(self, write: Any, column: int) -> str:
        if column == self.VALUE:
            return value_text(write.record_type, write.field, write.value)
        if column == self.AUTHOR:
            return author_text(write.actor)
        if column == self.WHEN:
            return when_text(write.written_at)
        return device_text(write.dot[0], self.names, self.this_device)


def _table(name: str, model: QAbstractTableModel) -> QTableView:
    view = QTableView(objectName=name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setWordWrap(True)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


def select_row(view: QTableView, row: int) -> None:
    # Not QTableView.selectRow: in a right-to-left layout it selects nothing (see users_dialog).
    flags = QItemSelectionModel.SelectionFlag
    view.selectionModel().setCurrentIndex(view.model().index(row, 0), flags.ClearAndSelect | flags.Rows)


class ConflictsDialog(QDialog):
    loaded = Signal(int)  # how many conflicts are listed (after every load)
    resolved = Signal(str)  # the case id of a conflict just resolved

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("conflictsDialog")
        self.resize(900, 560)
        self.this_device = ctx.session.device_id
        self.resolve_dialog: ResolveDialog | None = None
        self.error: BaseException | None = None
        self.notice: tuple[str, dict[str, str]] | None = None

        self.intro = hint_label("conflictsIntro")
        self.error_label = error_label("conflictsError")
        self.notice_label = QLabel(objectName="conflictsNotice", wordWrap=True)
        self.notice_label.setStyleSheet("color: #1d5631;")
        self.empty = QLabel(objectName="conflictsEmpty", wordWrap=True)
        self.model = ConflictsModel(self)
        self.table = _table("conflictsTable", self.model)
        self.writes = WritesModel(self)
        self.writes.this_device = self.this_device
        self.writes_title = QLabel(objectName="conflictWritesTitle")
        self.writes_title.setStyleSheet("font-weight: 600;")
        self.writes_table = _table("conflictWrites", self.writes)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.writes_title)
        lower_layout.addWidget(self.writes_table, 1)
        splitter = QSplitter(Qt.Orientation.Vertical, objectName="conflictsSplitter")
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)

        icon = self.style().standardIcon
        self.resolve = QPushButton(icon(QStyle.StandardPixmap.SP_DialogApplyButton), "", objectName="conflictsResolve")
        self.resolve.setDefault(True)
        self.refresh = QPushButton(icon(QStyle.StandardPixmap.SP_BrowserReload), "", objectName="conflictsRefresh")
        self.close_button = QPushButton(objectName="conflictsClose")
        self.resolve.clicked.connect(self.open_resolve)
        self.refresh.clicked.connect(self.reload)
        self.close_button.clicked.connect(self.reject)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _index: self.open_resolve())

        buttons = QHBoxLayout()
        buttons.addWidget(self.resolve)
        buttons.addWidget(self.refresh)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        for widget in (self.intro, self.error_label, self.notice_label, self.empty):
            layout.addWidget(widget)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)

        language.changed.connect(self.retranslate)
        self.retranslate()
        self._selection_changed()
        self.reload()

    def open(self) -> None:
        """Beside the case file, not in front of it: a supervisor may look a case up while choosing."""
        self.setModal(False)
        self.show()

    # --- loading ------------------------------------------------------------------------
    def reload(self) -> None:
        ctx = self.ctx

        def job() -> tuple[list[Any], dict[str, str]]:  # worker thread: no widget here
            services = ctx.require()
            return services.conflicts.list(services.session), device_names(services)

        ctx.ops.run(job, owner=self, on_done=lambda found: self._loaded(*found), on_error=self._failed)

    def _loaded(self, conflicts: list[Any], names: dict[str, str]) -> None:
        key = self._key(self.selected())
        self.error = None
        self.writes.names = names
        self.model.set_rows(sorted(conflicts, key=lambda c: (c.case_number or "", c.record_type, c.field)))
        rows = [row for row, c in enumerate(self.model.rows) if self._key(c) == key]
        if self.model.rows:
            select_row(self.table, rows[0] if rows else 0)
        self._selection_changed()
        self.retranslate()
        self.loaded.emit(len(conflicts))

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, Locked):
            self.close()
            return
        self.error = exc
        self.retranslate()

    @staticmethod
    def _key(conflict: Any) -> tuple[str, str, str] | None:
        return (conflict.record_type, conflict.record_id, conflict.field) if conflict is not None else None

    def selected(self) -> Any:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def select_conflict(self, row: int) -> None:
        select_row(self.table, row)

    def _selection_changed(self, *_args: object) -> None:
        conflict = self.selected()
        self.writes.set_rows(list(conflict.writes) if conflict is not None else [])
        self.resolve.setEnabled(conflict is not None)
        self._title_writes()

    # --- resolving ----------------------------------------------------------------------
    def open_resolve(self) -> None:
        conflict = self.selected()
        if conflict is None:
            return
        if self.resolve_dialog is not None:
            self.resolve_dialog.close()
        dialog = self.resolve_dialog = ResolveDialog(self.ctx, conflict, self.writes.names, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda _obj=None: setattr(self, "resolve_dialog", None))
        dialog.resolved.connect(lambda: self._resolved(conflict))
        dialog.open()

    def _resolved(self, conflict: Any) -> None:
        self.notice = (N_("Resolved: {field} of case {number}."),
                       {"field": field_label(conflict.record_type, conflict.field),
                        "number": isolate_ltr(conflict.case_number or "")})
        if conflict.case_id:
            self.ctx.hub.cases_changed.emit([conflict.case_id])
        self.resolved.emit(conflict.case_id or "")
        self.reload()

    # --- language -----------------------------------------------------------------------
    def _title_writes(self) -> None:
        conflict = self.selected()
        if conflict is None:
            self.writes_title.setText(tr("Choose a conflict to see its values."))
        else:
            self.writes_title.setText(trf("Values of {field} ({record})",
                                          field=field_label(conflict.record_type, conflict.field),
                                          record=record_label(conflict.record_type)))
        self.writes_title.setAccessibleName(self.writes_title.text())

    def retranslate(self) -> None:
        self.setWindowTitle(tr("Sync conflicts"))
        self.intro.setText(tr("Two or more devices changed these fields without seeing each other's change, so both "
                              "values are kept. Choose the value to keep, or type the right one."))
        self.table.setAccessibleName(tr("Fields in conflict"))
        self.writes_table.setAccessibleName(tr("Values in conflict"))
        self.error_label.setText(render_error(self.error) if self.error is not None else "")
        self.error_label.setVisible(self.error is not None)
        if self.notice is not None:
            template, params = self.notice
            self.notice_label.setText(trf(template, **params))
        self.notice_label.setVisible(self.notice is not None)
        self.empty.setText(tr("No conflicts: every field has a single value."))
        self.empty.setVisible(not self.model.rows and self.error is None)
        for button, text, name in ((self.resolve, tr("&Resolve…"), tr("Resolve the conflict")),
                                   (self.refresh, tr("Refresh"), tr("Refresh the conflicts")),
                                   (self.close_button, tr("Close"), tr("Close"))):
            button.setText(text)
            button.setAccessibleName(name)
        self._title_writes()


def device_names(services: Any) -> dict[str, str]:
    """Device id → name, from the device certificates the sync keeps (verified when saved)."""
    try:
        certificates = services.sync.state.certificates()
    except Exception:  # noqa: BLE001 - names are a nicety: the ids are shown anyway
        return {}
    names: dict[str, str] = {}
    for device, text in certificates.items():
        try:
            names[device] = parse_certificate(json.loads(text)).name
        except (ValueError, TypeError):  # ProtocolError is a ValueError
            continue
    return names
