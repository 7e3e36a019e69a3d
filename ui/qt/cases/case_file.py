"""The case file: what a worker opens to work on one person's case.

A header (case number, state, post, date, an urgent-risk banner, the duplicate decisions
about the case — merged into or from another case, confirmed as a different person — with
links to those cases), the lifecycle moves the role may make, a supervisor's "Merge with
another case…", and tabs. Everything is loaded in one operation and re-loaded after each
change; ``clear()`` (called on lock) drops every piece of case data the panel holds.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import (
    QFrame, QHBoxLayout, QLabel, QPushButton, QStackedWidget, QStyle, QTabWidget, QVBoxLayout, QWidget,
)

from app.domain.link import LinkKind
from app.domain.values import CaseState, ClosureReason
from app.lifecycle import Transition
from app.permissions import VISIBILITY, Action, Visibility
from app.text import N_
from i18n.bidi import isolate_ltr
from i18n.formatting import format_date
from ui.qt.cases.case_data import CaseTab, LinkView, Loaded, load_case
from ui.qt.cases.labels import DANGER_FLAGS, URGENT_FLAG_LABELS, post_name, state_label
from ui.qt.cases.merge_dialog import MergeDialog
from ui.qt.cases.move_dialog import MoveDialog
from ui.qt.cases.notes_history import HistoryTab, NotesTab
from ui.qt.cases.person_tab import PersonTab
from ui.qt.cases.risk_consent_tab import RiskConsentTab
from ui.qt.cases.status_tabs import ScreeningTab
from ui.qt.cases.widgets import error_label, hint_label
from ui.qt.context import AppContext, Locked
from ui.qt.lang import language, render_error, tr, trf
from ui.qt.referrals.followup_tab import FollowUpTab
from ui.qt.referrals.referrals_tab import ReferralsTab
from ui.qt.reports.summary_dialog import SummaryExportDialog, saved_text

_CLOSED_LOOK = ("#e8e6e1", "#4a4740")
_BADGE_COLOURS = {
    CaseState.URGENT_PROTECTION: ("#fde7e9", "#8c1d18"),
    CaseState.PRESUMED_VICTIM: ("#e3ecfa", "#1f3f73"),
    CaseState.REFERRED: ("#e3ecfa", "#1f3f73"),
    CaseState.ACCEPTED: ("#e2f3e8", "#1d5631"),
    CaseState.IN_ASSISTANCE: ("#e2f3e8", "#1d5631"),
    CaseState.FOLLOW_UP: ("#e2f3e8", "#1d5631"),
    CaseState.CLOSED: _CLOSED_LOOK,
    CaseState.TRANSFERRED: _CLOSED_LOOK,
}
_BANNER_STYLE = {
    "danger": "#caseUrgentBanner { background: #fde7e9; border: 1px solid #c4302b; border-radius: 6px; }"
              "#caseUrgentBanner QLabel { color: #8c1d18; }",
    "warning": "#caseUrgentBanner { background: #fff4ce; border: 1px solid #c79a00; border-radius: 6px; }"
               "#caseUrgentBanner QLabel { color: #5c4300; }",
}
_TAB_TITLES = (N_("Person"), N_("Screening results"), N_("Risk and consent"), N_("Referrals"),
               N_("Services and follow-up"), N_("Notes"), N_("History"))


class CaseFilePanel(QWidget):
    changed = Signal(str)  # case id, after a successful edit

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("caseFile")
        self.case_id: str | None = None
        self.loaded: Loaded | None = None
        self.move_dialog: MoveDialog | None = None
        self.merge_dialog: MergeDialog | None = None
        self.export_dialog: SummaryExportDialog | None = None
        self._exported: str | None = None  # the path of the summary just saved
        self.move_buttons: dict[CaseState, QPushButton] = {}
        self._token = 0
        self._error: BaseException | None = None
        self._announcing = False
        self._handed_over: tuple[str, str] | None = None  # (case number, scope) of a case just handed over

        self.stack = QStackedWidget()
        self.empty = QLabel(objectName="caseEmpty", alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.empty.setStyleSheet("color: #6b675e; font-size: 13pt;")
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self._build_content())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

        ctx.hub.cases_changed.connect(self._on_cases_changed)
        ctx.hub.locked.connect(self.clear)
        language.changed.connect(self.retranslate)
        self.retranslate()

    def _build_content(self) -> QWidget:
        content = QWidget()
        self.number = QLabel(objectName="caseNumber")
        self.number.setStyleSheet("font-size: 15pt; font-weight: 600;")
        self.number.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state = QLabel(objectName="caseState")
        self.post = QLabel(objectName="caseBorderPost")
        self.detected = QLabel(objectName="caseDetected")
        self.links = QLabel(objectName="caseLinks", wordWrap=True)
        self.links.setTextFormat(Qt.TextFormat.RichText)
        self.links.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                           | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.links.linkActivated.connect(self._open_link)
        self.merge_button = QPushButton(objectName="caseMerge")
        self.merge_button.clicked.connect(self.ask_merge)
        self.export_button = QPushButton(objectName="caseExportSummary")
        self.export_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton))
        self.export_button.clicked.connect(self.ask_export)
        self.export_result = QLabel(objectName="caseExportResult", wordWrap=True)
        self.export_result.setStyleSheet("color: #1d5631;")
        self.export_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.export_result.setVisible(False)
        self.banner = QFrame(objectName="caseUrgentBanner")
        self.banner_title = QLabel(objectName="caseUrgentTitle", wordWrap=True)
        self.banner_title.setStyleSheet("font-weight: 600;")
        self.banner_flags = QLabel(objectName="caseUrgentFlags", wordWrap=True)
        banner_layout = QVBoxLayout(self.banner)
        banner_layout.addWidget(self.banner_title)
        banner_layout.addWidget(self.banner_flags)
        self.moves_label = QLabel(objectName="movesLabel")
        self.moves_bar = QHBoxLayout()
        self.no_moves = hint_label("noMoves")
        self.load_error = error_label("caseLoadError")

        self.tabs = QTabWidget(objectName="caseTabs")
        self.person_tab, self.screening_tab = PersonTab(self.ctx), ScreeningTab(self.ctx)
        self.risk_tab, self.referrals_tab = RiskConsentTab(self.ctx), ReferralsTab(self.ctx)
        self.notes_tab, self.history_tab = NotesTab(self.ctx), HistoryTab(self.ctx)
        self.followup_tab = FollowUpTab(self.ctx)
        for tab in self.case_tabs:
            self.tabs.addTab(tab, "")
            tab.edited.connect(self._after_edit)
            tab.reload_requested.connect(self.reload)
        self.person_tab.open_case.connect(self.show_case)  # its duplicate warning's "open the existing case"

        top = QHBoxLayout()
        top.addWidget(self.number)
        top.addWidget(self.state)
        top.addStretch(1)
        top.addWidget(self.export_button)
        top.addWidget(self.merge_button)
        facts = QHBoxLayout()
        facts.addWidget(self.post)
        facts.addSpacing(24)
        facts.addWidget(self.detected)
        facts.addStretch(1)
        moves = QHBoxLayout()
        moves.addWidget(self.moves_label)
        moves.addLayout(self.moves_bar)
        moves.addWidget(self.no_moves)
        moves.addStretch(1)
        layout = QVBoxLayout(content)
        for row in (top, facts):
            layout.addLayout(row)
        layout.addWidget(self.links)
        layout.addWidget(self.export_result)
        layout.addWidget(self.banner)
        layout.addLayout(moves)
        layout.addWidget(self.load_error)
        layout.addWidget(self.tabs, 1)
        return content

    @property
    def case_tabs(self) -> tuple[CaseTab, ...]:
        return (self.person_tab, self.screening_tab, self.risk_tab, self.referrals_tab, self.followup_tab,
                self.notes_tab, self.history_tab)

    # --- loading --------------------------------------------------------------------
    def show_case(self, case_id: str) -> None:
        if case_id != self.case_id:
            self.clear()
        self.export_result.setVisible(False)
        self.case_id = case_id
        self.reload(record_view=True)

    def reload(self, record_view: bool = False) -> None:
        """Show the stored case again; only opening it (``show_case``) counts as a view."""
        if self.case_id is None:
            return
        self._token += 1
        token, ctx, case_id = self._token, self.ctx, self.case_id
        self.ctx.ops.run(lambda: load_case(ctx, case_id, record_view=record_view), owner=self,
                         on_done=lambda loaded: self._loaded(token, loaded),
                         on_error=lambda exc: self._failed(token, exc))

    def _loaded(self, token: int, loaded: Loaded) -> None:
        if token != self._token:
            return  # another case was asked for meanwhile, or the panel was cleared
        self.loaded, self._error = loaded, None
        for tab in self.case_tabs:
            tab.set_data(loaded)
        self._render()
        self.stack.setCurrentIndex(1)

    def _failed(self, token: int, exc: BaseException) -> None:
        if token != self._token:
            return
        if isinstance(exc, Locked):
            self.clear()
            return
        self._error = exc
        if self.loaded is None:
            self.stack.setCurrentIndex(0)
        self._render()

    def clear(self) -> None:
        """Forget the case: no case data stays in any widget of the panel."""
        self._token += 1
        self.case_id, self.loaded, self._error = None, None, None
        self._handed_over = None
        for dialog in (self.move_dialog, self.merge_dialog, self.export_dialog):
            if dialog is not None:
                dialog.reject()
                dialog.deleteLater()
        self.move_dialog = self.merge_dialog = self.export_dialog = None
        self._exported = None
        self.export_result.clear()
        self.export_result.setVisible(False)
        for tab in self.case_tabs:
            tab.clear()
        self._render()
        self.stack.setCurrentIndex(0)

    def _after_edit(self) -> None:
        case_id = self.case_id
        if case_id is None:
            return
        self.reload()
        self.changed.emit(case_id)
        self._announcing = True  # our own announcement must not load the case a second time
        try:
            self.ctx.hub.cases_changed.emit([case_id])
        finally:
            self._announcing = False

    def _on_cases_changed(self, ids: list) -> None:
        if not self._announcing and self.case_id is not None and (not ids or self.case_id in ids):
            self.reload()

    # --- showing --------------------------------------------------------------------
    def retranslate(self) -> None:
        for index, title in enumerate(_TAB_TITLES):
            self.tabs.setTabText(index, tr(title))
        self.tabs.setAccessibleName(tr("Case file"))
        self.moves_label.setText(tr("Next steps:"))
        self.merge_button.setText(tr("Merge with another case…"))
        self.merge_button.setAccessibleName(tr("Merge with another case"))
        self.merge_button.setToolTip(tr("Close a duplicate case of the same person into the case that is kept"))
        self.export_button.setText(tr("Export summary…"))
        self.export_button.setAccessibleName(tr("Export the case summary as PDF"))
        self.export_button.setToolTip(tr("A PDF of the whole case, to print or hand over, with the reason you give"))
        self._show_exported()
        self._render()

    def _render(self) -> None:
        if self._handed_over is not None:
            number, scope = self._handed_over
            self.empty.setText(trf("Case {number} was handed over to {scope}. It has left your list: the "
                                   "supervisor there takes it on.", number=number, scope=scope))
        else:
            self.empty.setText(render_error(self._error) if self._error is not None and self.loaded is None
                               else tr("No case is open. Choose a case in the list, or register a new case."))
        self.load_error.setText(render_error(self._error) if self._error is not None else "")
        self.load_error.setVisible(self._error is not None and self.loaded is not None)
        loaded = self.loaded
        if loaded is None:
            for label in (self.number, self.state, self.post, self.detected, self.banner_title, self.banner_flags):
                label.clear()
            self.banner.setVisible(False)
            self.links.clear()
            self.links.setVisible(False)
            self.merge_button.setVisible(False)
            self.export_button.setVisible(False)
            self._set_moves(())
            return
        case = loaded.file.case
        self.number.setText(tr("Case {number}").format(number=isolate_ltr(case.case_number)))
        self.number.setAccessibleName(self.number.text())
        background, colour = _BADGE_COLOURS.get(case.state, ("#fff4ce", "#5c4300"))
        self.state.setText(state_label(case.state))
        self.state.setStyleSheet(f"background: {background}; color: {colour}; border-radius: 9px;"
                                 " padding: 2px 10px; font-weight: 600;")
        self.state.setAccessibleName(trf("State: {state}", state=state_label(case.state)))
        if case.border_post:
            self.post.setText(trf("Border post: {post}", post=post_name(case.border_post)))
        else:
            self.post.setText(trf("Office: {office}", office=case.office or ""))
        self.detected.setText(trf("Detected on {date}", date=format_date(case.detected_on, language.code)))
        self._render_links()
        # Supervisors only (the service refuses anyone else); a case merged away is merged no more.
        self.merge_button.setVisible(loaded.may(Action.MERGE_CASES))
        self.merge_button.setEnabled(case.closure_reason is not ClosureReason.MERGED)
        # Supervisors and the secretariat only (SECURITY.md); the others do not see the action.
        self.export_button.setVisible(loaded.may(Action.EXPORT_CASE_PDF))
        self._render_banner()
        self._set_moves(loaded.file.moves)

    def _render_links(self) -> None:
        lines = [_link_line(link) for link in (self.loaded.links if self.loaded else ())]
        self.links.setText("<br>".join(lines))
        self.links.setVisible(bool(lines))
        merged = self.loaded is not None and any(
            link.kind is LinkKind.MERGED_INTO and link.outgoing for link in self.loaded.links)
        # A case merged away must not be mistaken for a live one: its line stands out.
        self.links.setStyleSheet("background: #fff4ce; color: #5c4300; border-radius: 6px; padding: 6px;"
                                 if merged else "color: #4a4740;")
        self.links.setAccessibleName(_plain(lines))

    def _open_link(self, href: str) -> None:
        if href.startswith("case:"):
            self.show_case(href[len("case:"):])

    def ask_merge(self) -> None:
        if self.loaded is None or not self.loaded.may(Action.MERGE_CASES):
            return
        if self.merge_dialog is not None:
            self.merge_dialog.deleteLater()  # one at a time: what was typed in the last one goes too
        self.merge_dialog = MergeDialog(self.ctx, self.loaded.file, self)
        self.merge_dialog.accepted.connect(self._after_merge)
        self.merge_dialog.open()

    def ask_export(self) -> None:
        if self.loaded is None or not self.loaded.may(Action.EXPORT_CASE_PDF):
            return
        if self.export_dialog is not None:
            self.export_dialog.deleteLater()  # one at a time: the reason typed in the last one goes too
        self.export_result.setVisible(False)
        self.export_dialog = SummaryExportDialog(self.ctx, self.loaded, self)
        self.export_dialog.saved.connect(self._after_export)
        self.export_dialog.open()

    def _after_export(self, path: str) -> None:
        """Say where the file went; the reason is now a note of the case: show it."""
        self._exported = path
        self._show_exported()
        self.export_result.setVisible(True)
        self._after_edit()

    def _show_exported(self) -> None:
        self.export_result.setText(saved_text(self._exported) if self._exported else "")
        self.export_result.setAccessibleName(self.export_result.text())

    def _after_merge(self) -> None:
        """Show the kept case (the merged one now says where it went), and tell the list."""
        dialog = self.merge_dialog
        if dialog is None or dialog.kept_case_id is None or dialog.merged_case_id is None:
            return
        kept, merged = dialog.kept_case_id, dialog.merged_case_id
        if kept == self.case_id:
            self.reload()
        else:
            self.show_case(kept)
        self.changed.emit(kept)
        self._announcing = True  # our own announcement must not load the case a second time
        try:
            self.ctx.hub.cases_changed.emit([kept, merged])
        finally:
            self._announcing = False

    def _render_banner(self) -> None:
        risk = self.loaded.file.latest_risk if self.loaded else None
        if risk is None or not risk.is_urgent:
            self.banner.setVisible(False)
            return
        level = "danger" if DANGER_FLAGS.intersection(risk.urgent_flags) else "warning"
        self.banner.setProperty("level", level)
        self.banner.setStyleSheet(_BANNER_STYLE[level])
        self.banner_title.setText(tr("Urgent: the person may be in danger. Act now.") if level == "danger"
                                  else tr("Urgent needs today"))
        self.banner_flags.setText("\n".join(f"• {tr(URGENT_FLAG_LABELS[f])}" for f in risk.urgent_flags))
        self.banner.setAccessibleName(f"{self.banner_title.text()}\n{self.banner_flags.text()}")
        self.banner.setVisible(True)

    def _set_moves(self, moves: tuple[Transition, ...]) -> None:
        for button in self.move_buttons.values():
            self.moves_bar.removeWidget(button)
            button.deleteLater()
        self.move_buttons = {}
        for move in moves:
            button = QPushButton(objectName=f"move_{move.target.value}")
            text = trf("Move to: {state}", state=state_label(move.target))
            button.setText(text)
            button.setAccessibleName(text)
            button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_ArrowForward))
            button.clicked.connect(lambda _checked=False, move=move: self.ask_move(move))
            self.moves_bar.addWidget(button)
            self.move_buttons[move.target] = button
        self.moves_label.setVisible(self.loaded is not None)
        self.no_moves.setText(tr("Your role has no next step to take on this case.") if self.loaded else "")
        self.no_moves.setVisible(self.loaded is not None and not moves)

    def ask_move(self, move: Transition) -> None:
        if self.loaded is None:
            return
        if self.move_dialog is not None:
            self.move_dialog.deleteLater()  # one at a time: what was typed in the last one goes too
        self.move_dialog = MoveDialog(self.ctx, self.loaded.file.case, move, self)
        self.move_dialog.accepted.connect(self._after_move)
        self.move_dialog.open()

    def _after_move(self) -> None:
        """Show the moved case; one handed over out of the user's sight closes, saying where it went."""
        moved = self.move_dialog.moved if self.move_dialog is not None else None
        before = self.loaded.file.case if self.loaded is not None else None
        if moved is None or before is None or moved.scope_id == before.scope_id \
                or VISIBILITY[self.loaded.role] is Visibility.ALL_SCOPES:
            self._after_edit()
            return
        self.clear()
        self._handed_over = (moved.case_number, moved.scope_id)
        self._render()
        self.changed.emit(moved.id)  # the list asks the store again: the case is gone from it
        self.ctx.hub.cases_changed.emit([moved.id])


_LINK_TEXTS = {  # (kind, outgoing) → with the other case's number, and when it may not be told
    (LinkKind.MERGED_INTO, True): (N_("This case was merged into case {number}."),
                                   N_("This case was merged into a case outside your list.")),
    (LinkKind.MERGED_INTO, False): (N_("Case {number} was merged into this case."),
                                    N_("A case outside your list was merged into this case.")),
    (LinkKind.DIFFERENT_PERSON, True): (N_("Confirmed as a different person from case {number}."),
                                        N_("Confirmed as a different person from a case outside your list.")),
    (LinkKind.DIFFERENT_PERSON, False): (N_("Confirmed as a different person from case {number}."),
                                         N_("Confirmed as a different person from a case outside your list.")),
}


def _link_line(link: LinkView) -> str:
    """One decision as rich text, the other case's number a link that opens it."""
    known, unknown = _LINK_TEXTS[(link.kind, link.outgoing)]
    if link.other_number is None:
        return html.escape(tr(unknown))
    anchor = (f'<a href="case:{html.escape(link.other_id, quote=True)}">'
              f"{html.escape(isolate_ltr(link.other_number))}</a>")
    before, _, after = tr(known).partition("{number}")
    return f"{html.escape(before)}{anchor}{html.escape(after)}"


def _plain(lines: list[str]) -> str:
    return "\n".join(QTextDocumentFragment.fromHtml(line).toPlainText() for line in lines)
