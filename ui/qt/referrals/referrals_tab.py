"""The Referrals tab of the case file: the referrals made, their answers, and new ones.

Lists the case's referrals (newest first) with the provider, the services asked, the
urgency, the status and its dates, and the provider's feedback; below, the referral
consents recorded, each for a named provider. A referral is made in the referral dialog
(social workers and supervisors; a border officer makes immediate ones only); its status is
updated in the status dialog (case work roles); its form is saved as a PDF to print.
Provider names are shown in the interface language when the directory knows the provider.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QPushButton, QStyle, QTreeWidgetItem, QVBoxLayout, QWidget,
)

from app.domain.case import Consent
from app.domain.referral import (
    CATEGORY_LABELS, REFERRAL_STATUS_LABELS, STATUS_MOVES, URGENCY_LABELS, Provider, Referral, ReferralStatus,
    Urgency,
)
from app.domain.values import ConsentKind
from app.errors import HimayaError
from app.permissions import Action
from i18n.formatting import format_date, format_datetime
from ui.qt.cases.case_data import CaseTab, fill_tree, make_tree
from ui.qt.cases.labels import CONSENT_DECISION_LABELS, OVERRIDE_LABELS, join
from ui.qt.cases.widgets import hint_label
from ui.qt.context import AppContext
from ui.qt.lang import language, tr
from ui.qt.referrals.form_export import FormExport, saved_text
from ui.qt.referrals.referral_dialog import ReferralDialog
from ui.qt.referrals.status_dialog import StatusDialog

_STATUS_COLOURS = {
    ReferralStatus.SENT: "#5c4300",
    ReferralStatus.ACCEPTED: "#1d5631",
    ReferralStatus.COMPLETED: "#1d5631",
    ReferralStatus.DECLINED: "#8c1d18",
    ReferralStatus.WITHDRAWN: "#4a4740",
}


def provider_names(ctx: AppContext, ids: set[str]) -> dict[str, Provider]:
    """Worker thread: the directory entries of these ids (typed names and removed entries are skipped)."""
    services = ctx.require()
    found: dict[str, Provider] = {}
    for ident in ids:
        try:
            found[ident] = services.referrals.provider(services.session, ident)
        except HimayaError:
            continue
    return found


class ReferralsTab(CaseTab):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("tabReferrals")
        self.providers: dict[str, Provider] = {}
        self.dialog: ReferralDialog | None = None
        self.status_dialog: StatusDialog | None = None
        self._token = 0
        self.exporter = FormExport(ctx, self)
        self.exporter.saved.connect(lambda path: self._print_message(saved_text(path), ok=True))
        self.exporter.failed.connect(lambda text: self._print_message(text, ok=False))

        self.title = QLabel(objectName="referralsTitle")
        self.consents_title = QLabel(objectName="referralConsentsTitle")
        for title in (self.title, self.consents_title):
            title.setStyleSheet("font-weight: 600;")
        self.new_button = self._button("referralNew", QStyle.StandardPixmap.SP_FileDialogNewFolder, self.new_referral)
        self.update_button = self._button("referralUpdate", QStyle.StandardPixmap.SP_BrowserReload,
                                          self.update_status)
        self.print_button = self._button("referralPrintForm", QStyle.StandardPixmap.SP_FileDialogDetailedView,
                                         self.print_form)
        self.exporter.busy_changed.connect(lambda _busy: self._update_buttons())
        self.denied = hint_label("referralDenied")
        self.tree = make_tree("referralList")
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.tree.itemActivated.connect(lambda _item, _column: self.update_status())
        self.empty = hint_label("referralEmpty")
        self.print_result = QLabel(objectName="referralPrintResult", wordWrap=True)
        self.print_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.print_result.setVisible(False)
        self.consents = make_tree("referralConsents")
        self.consents_empty = hint_label("referralConsentsEmpty")

        bar = QHBoxLayout()
        bar.addWidget(self.title)
        bar.addStretch(1)
        for button in (self.new_button, self.update_button, self.print_button):
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.denied)
        layout.addLayout(bar)
        layout.addWidget(self.tree, 3)
        layout.addWidget(self.empty)
        layout.addWidget(self.print_result)
        layout.addWidget(self.consents_title)
        layout.addWidget(self.consents, 1)
        layout.addWidget(self.consents_empty)
        self.render()

    def _button(self, name: str, icon: QStyle.StandardPixmap, slot) -> QPushButton:  # noqa: ANN001
        button = QPushButton(objectName=name)
        button.setIcon(self.style().standardIcon(icon))
        button.setMinimumHeight(38)
        button.clicked.connect(slot)
        return button

    # --- data -----------------------------------------------------------------------------------
    def set_data(self, loaded) -> None:  # noqa: ANN001 - ui.qt.cases.case_data.Loaded
        super().set_data(loaded)
        file = loaded.file
        ids = {r.provider_id for r in file.referrals} | {c.provider for c in file.consents
                                                          if c.kind is ConsentKind.REFERRAL and c.provider}
        missing = ids - set(self.providers)
        if not missing:
            return
        self._token += 1
        token, ctx = self._token, self.ctx
        ctx.ops.run(lambda: provider_names(ctx, missing), owner=self,
                    on_done=lambda found: self._named(token, found), on_error=lambda _exc: None)

    def _named(self, token: int, found: dict[str, Provider]) -> None:
        if token == self._token and self.loaded is not None:
            self.providers.update(found)
            self.render()

    def clear(self) -> None:
        self._token += 1
        for dialog in (self.dialog, self.status_dialog):
            if dialog is not None:
                dialog.reject()
                dialog.deleteLater()
        self.dialog = self.status_dialog = None
        self.providers = {}
        self.print_result.clear()
        self.print_result.setVisible(False)
        super().clear()

    def referrals(self) -> list[Referral]:
        """Newest first."""
        return list(reversed(self.loaded.file.referrals)) if self.loaded is not None else []

    def selected(self) -> Referral | None:
        items: list[QTreeWidgetItem] = self.tree.selectedItems()
        if not items:
            return None
        wanted = items[0].data(0, Qt.ItemDataRole.UserRole)
        return next((r for r in self.referrals() if r.id == wanted), None)

    def provider_name(self, provider_id: str | None, fallback: str | None = None) -> str:
        provider = self.providers.get(provider_id or "")
        return provider.name(language.code) if provider is not None else (fallback or provider_id or "")

    # --- showing --------------------------------------------------------------------------------
    def render(self) -> None:
        lang = language.code
        self.title.setText(tr("Referrals"))
        self.consents_title.setText(tr("Consents to referral"))
        self.tree.setAccessibleName(tr("Referrals"))
        self.consents.setAccessibleName(tr("Consents to referral"))
        selected = self.selected()
        rows = []
        for r in self.referrals():
            rows.append([self.provider_name(r.provider_id, r.provider_name),
                         join(tr(CATEGORY_LABELS[c]) for c in r.categories), tr(URGENCY_LABELS[r.urgency]),
                         tr(REFERRAL_STATUS_LABELS[r.status]), format_datetime(r.referred_at, lang),
                         format_date(r.responded_on, lang), format_date(r.completed_on, lang), r.feedback or ""])
        fill_tree(self.tree, [tr("Provider"), tr("Services asked"), tr("Urgency"), tr("Status"), tr("Sent"),
                              tr("Answered"), tr("Completed"), tr("Feedback")], rows)
        for index, referral in enumerate(self.referrals()):
            item = self.tree.topLevelItem(index)
            item.setData(0, Qt.ItemDataRole.UserRole, referral.id)
            item.setForeground(3, _brush(_STATUS_COLOURS[referral.status]))
            if referral.urgency is Urgency.IMMEDIATE:
                item.setForeground(2, _brush("#8c1d18"))
            if selected is not None and referral.id == selected.id:
                self.tree.setCurrentItem(item)
        has = bool(rows)
        self.tree.setVisible(has)
        self.empty.setText(tr("No referral has been made for this case yet."))
        self.empty.setVisible(self.loaded is not None and not has)
        self._render_consents()
        self._update_buttons()

    def _render_consents(self) -> None:
        consents: list[Consent] = [c for c in self.loaded.file.consents if c.kind is ConsentKind.REFERRAL] \
            if self.loaded is not None else []
        rows = [[self.provider_name(c.provider), tr(CONSENT_DECISION_LABELS[c.decision]),
                 tr(OVERRIDE_LABELS[c.override]) if c.override else "",
                 format_datetime(c.recorded_at, language.code)] for c in reversed(consents)]
        fill_tree(self.consents, [tr("Provider"), tr("Decision"), tr("Override"), tr("Recorded")], rows)
        self.consents.setVisible(bool(rows))
        self.consents_empty.setText(tr("No consent to a referral is recorded yet. It is recorded with the "
                                       "referral, for the provider chosen."))
        self.consents_empty.setVisible(self.loaded is not None and not rows)

    def may_refer(self) -> bool:
        return self.loaded is not None and (self.loaded.may(Action.CASE_WORK) or self.loaded.may(Action.URGENT_REFERRAL))

    def _update_buttons(self) -> None:
        loaded = self.loaded
        urgent_only = loaded is not None and not loaded.may(Action.CASE_WORK)
        text = tr("Urgent referral") if urgent_only and self.may_refer() else tr("New referral")
        self.new_button.setText(text)
        self.new_button.setAccessibleName(text)
        for button, text in ((self.update_button, tr("Update status")),
                             (self.print_button, tr("Print referral form"))):
            button.setText(text)
            button.setAccessibleName(text)
        may_refer = self.may_refer()
        self.new_button.setEnabled(may_refer)
        why_not_refer = loaded.why_not(Action.URGENT_REFERRAL) if loaded is not None and not may_refer else ""
        self.new_button.setToolTip(why_not_refer)
        self.denied.setText(why_not_refer)
        self.denied.setVisible(bool(why_not_refer))
        selected = self.selected()
        may_update = loaded is not None and loaded.may(Action.CASE_WORK)
        self.update_button.setVisible(loaded is None or may_update)
        self.update_button.setEnabled(may_update and selected is not None and bool(STATUS_MOVES[selected.status]))
        if selected is not None and not STATUS_MOVES[selected.status]:
            self.update_button.setToolTip(tr("This referral is closed: its status cannot change any more."))
        else:
            self.update_button.setToolTip(tr("Choose a referral in the list.") if selected is None else "")
        self.print_button.setEnabled(selected is not None and not self.exporter.busy)
        self.print_button.setToolTip(tr("Choose a referral in the list.") if selected is None else "")

    def _print_message(self, text: str, *, ok: bool) -> None:
        self.print_result.setStyleSheet("color: #1d5631;" if ok else "color: #b3261e;")
        self.print_result.setText(text)
        self.print_result.setAccessibleName(text)
        self.print_result.setVisible(True)

    # --- acting ---------------------------------------------------------------------------------
    def new_referral(self, *, urgent: bool | None = None) -> None:
        if self.loaded is None or not self.may_refer():
            return
        if urgent is None:
            urgent = not self.loaded.may(Action.CASE_WORK)
        if self.dialog is not None:
            self.dialog.deleteLater()  # one at a time
        self.dialog = ReferralDialog(self.ctx, self.loaded.file.case.id, urgent=urgent, parent=self)
        self.dialog.referred.connect(lambda _made: self.edited.emit())
        self.dialog.open()

    def update_status(self) -> None:
        referral = self.selected()
        if referral is None or self.loaded is None or not self.update_button.isEnabled():
            return
        if self.status_dialog is not None:
            self.status_dialog.deleteLater()
        self.status_dialog = StatusDialog(self.ctx, referral, self.provider_name(referral.provider_id,
                                                                                 referral.provider_name), self)
        self.status_dialog.accepted.connect(self.edited)
        self.status_dialog.open()

    def print_form(self) -> None:
        referral = self.selected()
        if referral is None or self.loaded is None:
            return
        self.print_result.setVisible(False)
        self.exporter.export(referral.id, self.loaded.file.case.case_number, referral.referred_at.date())



def _brush(colour: str) -> QBrush:
    return QBrush(QColor(colour))
