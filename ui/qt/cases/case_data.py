"""What the case file shows, loaded in one operation, and the base of its tabs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from app.domain.audit import AuditEntry
from app.domain.link import LinkKind
from app.domain.values import ROLE_LABELS, Role
from app.domain.referral import Provider
from app.errors import HimayaError, NotFound, PermissionDenied
from app.permissions import ACTION_LABELS, Action, allowed
from app.services.cases import CaseFile
from ui.composition import Services
from ui.qt.context import AppContext
from ui.qt.lang import language, render_error, tr


@dataclass(frozen=True)
class LinkView:
    """A decision about this case and another: merged into it, merged from it, or a different person."""

    kind: LinkKind
    outgoing: bool  # this case is the link's first case (for a merge: this case was merged away)
    other_id: str
    other_number: str | None  # None: a case the user may not see (its number is not told)


@dataclass(frozen=True)
class Loaded:
    file: CaseFile
    history: tuple[AuditEntry, ...]
    names: dict[str, str]  # user id → display name
    role: Role
    links: tuple[LinkView, ...] = ()
    providers: dict[str, Provider] = field(default_factory=dict)  # directory entries named by the records

    def provider_label(self, named: str | None) -> str:
        """A provider named by a consent or referral: its directory name in the interface's
        language, or the text as recorded (a consent typed by hand before the directory)."""
        if not named:
            return ""
        found = self.providers.get(named)
        return found.name(language.code) if found is not None else named

    def may(self, action: Action) -> bool:
        return allowed(self.role, action)

    def why_not(self, action: Action) -> str:
        """The core's own refusal, in words, for a control the role may not use."""
        return render_error(PermissionDenied(role=ROLE_LABELS[self.role], action=ACTION_LABELS[action]))

    def name(self, user_id: str | None) -> str:
        if user_id is None:
            return tr("The system")
        return self.names.get(user_id) or tr("A former user")


def load_case(ctx: AppContext, case_id: str, *, record_view: bool = True) -> Loaded:
    """Worker thread: the case file (opening it is audited), its history and the users' names."""
    services = ctx.require()
    session = services.session
    file = services.cases.open_case(session, case_id, record_view=record_view)
    history = tuple(services.cases.history(session, case_id))
    names = {user.id: user.display_name for user in services.opened.store.users()}
    named = ({r.provider_id for r in file.referrals} | {c.provider for c in file.consents if c.provider}
             | {s.provider_id for s in file.services if s.provider_id})
    providers: dict[str, Provider] = {}
    for ident in named:
        try:
            providers[ident] = services.referrals.provider(session, ident)
        except HimayaError:  # typed by hand, or removed from the directory: shown as recorded
            continue
    return Loaded(file, history, names, session.role, load_links(services, case_id), providers)


def load_links(services: Services, case_id: str) -> tuple[LinkView, ...]:
    """Worker thread: the duplicate decisions about a case, with the other cases' numbers."""
    session, views = services.session, []
    for link in services.search.links(session, case_id):
        outgoing = link.case_id == case_id
        other = link.other_case_id if outgoing else link.case_id
        try:
            number: str | None = services.cases.visible_case(session, other).case_number
        except NotFound:
            number = None
        views.append(LinkView(link.kind, outgoing, other, number))
    return tuple(views)


class CaseTab(QWidget):
    """A tab of the case file: shows a ``Loaded``; says when it changed the case."""

    edited = Signal()  # this tab changed the case
    reload_requested = Signal()  # show the stored case again

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.loaded: Loaded | None = None
        language.changed.connect(self.retranslate)

    def set_data(self, loaded: Loaded) -> None:
        self.loaded = loaded
        self.render()

    def clear(self) -> None:
        self.loaded = None
        self.render()

    def render(self) -> None:
        """Fill the widgets from ``self.loaded`` (None: empty them)."""

    def retranslate(self) -> None:
        self.render()


def make_tree(name: str) -> QTreeWidget:
    tree = QTreeWidget(objectName=name)
    tree.setRootIsDecorated(False)
    tree.setAlternatingRowColors(True)
    tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    tree.setWordWrap(True)
    tree.setUniformRowHeights(False)
    tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    tree.header().setStretchLastSection(True)
    return tree


def fill_tree(tree: QTreeWidget, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    tree.clear()
    tree.setHeaderLabels(list(headers))
    for row in rows:
        item = QTreeWidgetItem(list(row))
        for column in range(len(row)):
            item.setTextAlignment(column, Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignTop)
        tree.addTopLevelItem(item)
