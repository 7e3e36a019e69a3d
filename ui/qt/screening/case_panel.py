"""The screenings of a case, in the case file's Screening tab: the list, start and resume.

A border screening (short) and the full indicator interview can be started by the roles
that may run a screening; a draft is resumed rather than started twice; a completed one
opens on its outcome. The panel loads its own list (one operation) each time the case file
shows the case again.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QStyle, QTreeWidgetItem, QVBoxLayout, QWidget

from app.domain.case import Case
from app.domain.screening import Screening
from app.errors import HimayaError
from app.permissions import Action
from app.screening.model import Checklist
from app.services.referrals import ReferralMade
from i18n.formatting import format_datetime
from ui.qt.cases.case_data import Loaded, fill_tree, make_tree
from ui.qt.cases.widgets import error_label, hint_label
from ui.qt.context import AppContext, Locked
from ui.qt.lang import language, render_error, tr
from ui.qt.referrals.referral_dialog import ReferralDialog
from ui.qt.screening.interview import InterviewDialog
from ui.qt.screening.labels import BORDER_CHECKLIST, FULL_CHECKLIST, recommendation_label


@dataclass(frozen=True)
class Listed:
    screening: Screening
    checklist: Checklist | None  # None: that version is not installed on this device


class ScreeningsPanel(QWidget):
    changed = Signal()  # a screening was completed or the case moved: the case file reloads

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("screeningsPanel")
        self.loaded: Loaded | None = None
        self.listed: list[Listed] = []
        self.dialog: InterviewDialog | None = None
        self.referral_dialog: ReferralDialog | None = None
        self._token = 0
        self.tree = make_tree("screeningList")
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.tree.itemActivated.connect(lambda _item, _column: self.open_selected())
        self.empty = hint_label("screeningEmpty")
        self.error = error_label("screeningListError")
        self.start_border = self._button("screeningStartBorder", QStyle.StandardPixmap.SP_FileIcon,
                                         lambda: self.start(BORDER_CHECKLIST))
        self.start_full = self._button("screeningStartFullInterview", QStyle.StandardPixmap.SP_FileDialogDetailedView,
                                       lambda: self.start(FULL_CHECKLIST))
        self.resume = self._button("screeningResume", QStyle.StandardPixmap.SP_MediaPlay, self.resume_draft)
        self.view = self._button("screeningView", QStyle.StandardPixmap.SP_FileDialogContentsView, self.open_selected)
        bar = QHBoxLayout()
        for button in (self.start_border, self.start_full):
            bar.addWidget(button)
        bar.addStretch(1)
        for button in (self.resume, self.view):
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.error)
        language.changed.connect(self.render)
        self.render()

    def _button(self, name: str, icon: QStyle.StandardPixmap, slot) -> QPushButton:  # noqa: ANN001
        button = QPushButton(objectName=name)
        button.setIcon(self.style().standardIcon(icon))
        button.setMinimumHeight(36)
        button.clicked.connect(slot)
        return button

    # --- loading ------------------------------------------------------------------------
    def set_data(self, loaded: Loaded) -> None:
        self.loaded = loaded
        self.reload()

    def reload(self) -> None:
        if self.loaded is None:
            return
        self._token += 1
        token, ctx, case_id = self._token, self.ctx, self.loaded.file.case.id

        def load() -> list[Listed]:  # worker thread
            services = ctx.require()
            found = []
            for screening in reversed(services.screenings.for_case(services.session, case_id)):
                try:
                    checklist = services.screenings.checklist_of(screening)
                except HimayaError:
                    checklist = None
                found.append(Listed(screening, checklist))
            return found

        ctx.ops.run(load, owner=self, on_done=lambda listed: self._listed(token, listed),
                    on_error=lambda exc: self._failed(token, exc))

    def _listed(self, token: int, listed: list[Listed]) -> None:
        if token == self._token:
            self.listed = listed
            self._show_error(None)
            self.render()

    def _failed(self, token: int, exc: BaseException) -> None:
        if token == self._token and not isinstance(exc, Locked):
            self._show_error(exc)

    def clear(self) -> None:
        """Forget the case; an open interview keeps its answers (saved before the store closes)."""
        self._token += 1
        self.loaded, self.listed = None, []
        if self.referral_dialog is not None:
            self.referral_dialog.reject()
            self.referral_dialog.deleteLater()
            self.referral_dialog = None
        if self.dialog is not None:
            self.dialog.close_for_lock()
            self.dialog.deleteLater()
            self.dialog = None
        self.render()

    # --- showing --------------------------------------------------------------------------
    def may_screen(self) -> bool:
        return self.loaded is not None and self.loaded.may(Action.RUN_SCREENING)

    def draft(self, checklist_id: str | None = None) -> Screening | None:
        for entry in self.listed:  # newest first
            if entry.screening.is_draft and checklist_id in (None, entry.screening.checklist_id):
                return entry.screening
        return None

    def render(self) -> None:
        lang = language.code
        for button, text in ((self.start_border, tr("Start border screening")),
                             (self.start_full, tr("Start full interview")),
                             (self.resume, tr("Resume")), (self.view, tr("View result"))):
            button.setText(text)
            button.setAccessibleName(text)
        self.tree.setAccessibleName(tr("Screenings of this case"))
        rows = []
        for entry in self.listed:
            s = entry.screening
            title = entry.checklist.title.get(lang) if entry.checklist else s.checklist_id
            if s.is_completed:
                status, when = recommendation_label(s.recommendation), format_datetime(s.completed_at, lang)
            else:
                status, when = tr("Under way (draft)"), format_datetime(s.started_at, lang)
            rows.append([title, str(s.checklist_version), status, when])
        fill_tree(self.tree, [tr("Checklist"), tr("Version"), tr("Result"), tr("Date")], rows)
        for index, entry in enumerate(self.listed):
            self.tree.topLevelItem(index).setData(0, Qt.ItemDataRole.UserRole, entry.screening.id)
        self.tree.setVisible(bool(self.listed))
        self.empty.setText(tr("No screening has been recorded for this case yet."))
        self.empty.setVisible(self.loaded is not None and not self.listed)
        may = self.may_screen()
        self.start_border.setVisible(may)
        self.start_full.setVisible(may)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.resume.setVisible(self.may_screen() and self.draft() is not None)
        selected = self._selected()
        self.view.setVisible(selected is not None and selected.screening.is_completed)

    def _selected(self) -> Listed | None:
        items: list[QTreeWidgetItem] = self.tree.selectedItems()
        if not items:
            return None
        wanted = items[0].data(0, Qt.ItemDataRole.UserRole)
        return next((e for e in self.listed if e.screening.id == wanted), None)

    def _show_error(self, exc: BaseException | None) -> None:
        text = render_error(exc) if exc is not None else ""
        self.error.setText(text)
        self.error.setAccessibleName(text)
        self.error.setVisible(bool(text))

    # --- opening an interview ---------------------------------------------------------------
    def start(self, checklist_id: str) -> None:
        """A draft of the same checklist is resumed: a second one would split the answers."""
        draft = self.draft(checklist_id)
        if draft is not None:
            self._open(draft.id)
        elif self.loaded is not None:
            case_id = self.loaded.file.case.id
            self._run(lambda s, session: s.screenings.start(session, case_id, checklist_id).id)

    def resume_draft(self) -> None:
        draft = self.draft()
        if draft is not None:
            self._open(draft.id)

    def open_selected(self) -> None:
        selected = self._selected()
        if selected is not None and (selected.screening.is_completed or self.may_screen()):
            self._open(selected.screening.id)

    def _open(self, screening_id: str) -> None:
        self._run(lambda s, session: screening_id)

    def _run(self, first) -> None:  # noqa: ANN001 - (services, session) -> screening id
        """Worker: ``first`` (start, or nothing), then the screening, its checklist and the case."""
        if self.loaded is None:
            return
        ctx, case_id = self.ctx, self.loaded.file.case.id

        def job() -> tuple[Case, Screening, Checklist]:
            services = ctx.require()
            session = services.session
            screening = services.screenings.get(session, first(services, session))
            checklist = services.screenings.checklist_of(screening)
            return services.cases.visible_case(session, case_id), screening, checklist

        for button in (self.start_border, self.start_full, self.resume, self.view):
            button.setEnabled(False)
        ctx.ops.run(job, owner=self, on_done=self._show_dialog, on_error=self._open_failed)

    def _enable(self) -> None:
        for button in (self.start_border, self.start_full, self.resume, self.view):
            button.setEnabled(True)

    def _open_failed(self, exc: BaseException) -> None:
        self._enable()
        if not isinstance(exc, Locked):
            self._show_error(exc)
        self.reload()

    def _show_dialog(self, opened: tuple[Case, Screening, Checklist]) -> None:
        self._enable()
        if self.loaded is None:
            return  # the case file was cleared meanwhile
        case, screening, checklist = opened
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = InterviewDialog(self.ctx, case, screening, checklist, self)
        self.dialog.saved.connect(self.reload)
        self.dialog.changed.connect(self.changed)
        self.dialog.full_interview_requested.connect(lambda: self.start(FULL_CHECKLIST))
        self.dialog.urgent_referral_requested.connect(self.refer_urgently)
        self.dialog.finished.connect(lambda _result: self.reload())
        self.reload()  # a new draft shows in the list at once
        self.dialog.open()

    # --- the urgent referral from an outcome -----------------------------------------------------
    def refer_urgently(self) -> None:
        """The referral dialog over the interview, preset for an immediate referral."""
        interview = self.dialog
        if interview is None or self.loaded is None:
            return
        if self.referral_dialog is not None:
            self.referral_dialog.deleteLater()  # one at a time
        self.referral_dialog = ReferralDialog(self.ctx, interview.case.id, urgent=True, parent=interview)
        self.referral_dialog.referred.connect(lambda made: self._referred(interview, made))
        self.referral_dialog.open()

    def _referred(self, interview: InterviewDialog, made: ReferralMade) -> None:
        if interview is self.dialog:
            interview.show_case(made.case)  # the outcome offers what the new step allows
        else:
            self.changed.emit()
