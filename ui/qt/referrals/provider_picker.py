"""Choosing a provider in the service directory: nearest to the case's post first.

The list comes from ``ReferralService.providers`` (run on the worker) with the category
and the text typed as filters. Each row says who the provider is, where, how far, what it
offers and whom it takes; a provider that does not take this person (a child, a woman, a
man) stays listed, greyed, with the reason, because the directory may be out of date and
the worker may know better. While the directory is the shipped sample, a notice says so.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView, QFrame, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QStyledItemDelegate,
    QStyleOptionViewItem, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget,
)

from app.domain.person import Person
from app.domain.referral import CATEGORY_LABELS, Provider, ServiceCategory
from app.services.referrals import ProviderHit
from app.text import N_
from i18n.bidi import isolate_ltr
from i18n.formatting import format_number
from ui.qt.cases.labels import join
from ui.qt.cases.widgets import ChoiceCombo, error_label, hint_label
from ui.qt.context import AppContext, Locked
from ui.qt.lang import language, render_error, tr, trf

_GREY = QColor("#8a867d")
_NOTICE_STYLE = ("#referralSampleNotice { background: #fff4ce; border: 1px solid #c79a00; border-radius: 6px; }"
                 "#referralSampleNotice QLabel { color: #5c4300; font-weight: 600; }")
SEARCH_DELAY_MS = 250


def takes_text(provider: Provider) -> str:
    found = [label for flag, label in ((provider.takes_women, N_("Women")), (provider.takes_men, N_("Men")),
                                       (provider.takes_children, N_("Children")),
                                       (provider.takes_families, N_("Families")))
             if flag]
    return join(tr(label) for label in found)


def why_not_suited(provider: Provider, *, minor: bool, sex: str | None) -> str:
    """Why the provider does not take this person, in words (mirrors ``Provider.takes``)."""
    if minor and not provider.takes_children:
        return tr("Does not take children")
    if not minor and sex == "Female" and not provider.takes_women:
        return tr("Does not take women")
    if not minor and sex == "Male" and not provider.takes_men:
        return tr("Does not take men")
    return tr("Does not take adults")


def distance_text(km: float | None) -> str:
    if km is None:
        return tr("Distance not known")
    return tr("{km} km").format(km=format_number(round(km), language.code))


class ProviderPicker(QWidget):
    selected = Signal(object)  # ProviderHit | None
    category_changed = Signal(object)  # ServiceCategory | None, chosen by the worker

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("referralProviderPicker")
        self.near_post: str | None = None
        self.person: Person | None = None
        self.minor = False
        self.hits: list[ProviderHit] = []
        self.sample = False
        self.wanted: str | None = None  # the provider to keep selected across searches
        self._token = 0
        self._error: BaseException | None = None

        self.title = QLabel(objectName="referralProviderTitle")
        self.title.setStyleSheet("font-size: 13pt; font-weight: 600;")
        self.category = ChoiceCombo.of("referralCategoryFilter", CATEGORY_LABELS, none_label=N_("All services"))
        self.category.currentIndexChanged.connect(self._category_chosen)
        self.text = QLineEdit(objectName="referralSearch")
        self.text.setClearButtonEnabled(True)
        self.timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self.timer.timeout.connect(self.search)
        self.text.textChanged.connect(lambda _text: self.timer.start())
        self.notice = QFrame(objectName="referralSampleNotice")
        self.notice.setStyleSheet(_NOTICE_STYLE)
        self.notice_text = QLabel(objectName="referralSampleText", wordWrap=True)
        notice_layout = QVBoxLayout(self.notice)
        notice_layout.setContentsMargins(8, 6, 8, 6)
        notice_layout.addWidget(self.notice_text)
        self.notice.setVisible(False)
        self.tree = _ProviderTree()
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.itemSelectionChanged.connect(self._selection_changed)
        self.empty = hint_label("referralNoProviders")
        self.detail = QLabel(objectName="referralProviderDetail", wordWrap=True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error = error_label("referralProvidersError")

        filters = QHBoxLayout()
        filters.addWidget(self.category, 2)
        filters.addWidget(self.text, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(filters)
        layout.addWidget(self.notice)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.detail)
        layout.addWidget(self.error)
        language.changed.connect(self.retranslate)
        self.retranslate()

    # --- searching --------------------------------------------------------------------------
    def set_context(self, near_post: str | None, person: Person, minor: bool) -> None:
        self.near_post, self.person, self.minor = near_post, person, minor

    def set_category(self, category: ServiceCategory | None) -> None:
        """Set the filter from the program (a preset): no ``category_changed``, one search."""
        self.category.blockSignals(True)
        self.category.set_value(category)
        self.category.blockSignals(False)
        self.search()

    def current_category(self) -> ServiceCategory | None:
        return self.category.value()

    def _category_chosen(self) -> None:
        self.category_changed.emit(self.category.value())
        self.search()

    def search(self) -> None:
        self.timer.stop()
        self._token += 1
        token, ctx = self._token, self.ctx
        category, text, post, person = self.category.value(), self.text.text(), self.near_post, self.person

        def find() -> list[ProviderHit]:  # worker thread
            services = ctx.require()
            return services.referrals.providers(services.session, category=category, text=text, near_post=post,
                                                person=person)

        ctx.ops.run(find, owner=self, on_done=lambda hits: self._found(token, hits),
                    on_error=lambda exc: self._failed(token, exc))

    def _found(self, token: int, hits: list[ProviderHit]) -> None:
        if token != self._token:
            return  # a newer search is on its way
        self.hits, self._error = hits, None
        if hits:
            self.sample = any(hit.provider.sample for hit in hits)
        self._fill()

    def _failed(self, token: int, exc: BaseException) -> None:
        if token == self._token and not isinstance(exc, Locked):
            self._error = exc
            self._render_error()

    # --- showing -----------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.title.setText(tr("Provider"))
        self.category.setAccessibleName(tr("Service category"))
        self.category.setToolTip(tr("Show only the providers of this service"))
        self.text.setPlaceholderText(tr("Type a name or a city"))
        self.text.setAccessibleName(tr("Search the directory"))
        self.tree.setAccessibleName(tr("Providers, nearest first"))
        self.notice_text.setText(tr("Sample directory, not the official one: these entries are examples. "
                                    "Check the provider's contact before referring."))
        self._fill()

    def _fill(self) -> None:
        wanted = self.wanted
        self.tree.blockSignals(True)
        self.tree.clear()
        self.tree.setHeaderLabels([tr("Name"), tr("Where"), tr("Services"), tr("Takes")])
        lang, sex = language.code, self.person.sex.value if self.person else None
        chosen: QTreeWidgetItem | None = None
        for hit in self.hits:
            provider = hit.provider
            takes = takes_text(provider)
            why = "" if hit.suits_person else why_not_suited(provider, minor=self.minor, sex=sex)
            item = QTreeWidgetItem([provider.name(lang), f"{provider.city(lang)}\n{distance_text(hit.distance_km)}",
                                    "\n".join(tr(CATEGORY_LABELS[c]) for c in provider.categories),
                                    f"{takes}\n{why}" if why else takes])
            item.setData(0, Qt.ItemDataRole.UserRole, provider.id)
            item.setToolTip(0, provider.name(lang))
            for column in range(4):
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignTop)
                if why:
                    item.setForeground(column, QBrush(_GREY))
                    item.setToolTip(column, why)
            self.tree.addTopLevelItem(item)
            if provider.id == wanted:
                chosen = item
        self.tree.fit_columns()
        if chosen is not None:
            self.tree.setCurrentItem(chosen)
            self.tree.scrollToItem(chosen)
        self.tree.blockSignals(False)
        self.notice.setVisible(self.sample)
        self.empty.setText(tr("No provider of the directory matches. Choose another service or clear the search."))
        self.empty.setVisible(not self.hits and self.person is not None)
        self._render_detail()
        self._render_error()
        self.selected.emit(self.current())

    def _render_error(self) -> None:
        text = render_error(self._error) if self._error is not None else ""
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def _selection_changed(self) -> None:
        hit = self.current()
        self.wanted = hit.provider.id if hit is not None else None
        self._render_detail()
        self.selected.emit(hit)

    def select(self, provider_id: str | None) -> None:
        self.wanted = provider_id
        self._fill()

    def current(self) -> ProviderHit | None:
        items = self.tree.selectedItems()
        if not items:
            return None
        wanted = items[0].data(0, Qt.ItemDataRole.UserRole)
        return next((hit for hit in self.hits if hit.provider.id == wanted), None)

    def _render_detail(self) -> None:
        hit = self.current()
        if hit is None:
            self.detail.setText(tr("Choose a provider in the list."))
            return
        provider, lang = hit.provider, language.code
        lines = [provider.name(lang)]
        if provider.phone:
            lines.append(trf("Phone: {phone}", phone=isolate_ltr(provider.phone)))
        if provider.contact_person:
            lines.append(trf("Contact: {name}", name=provider.contact_person))
        if provider.address:
            lines.append(trf("Address: {address}", address=provider.address))
        if provider.capacity_notes:
            lines.append(trf("Capacity: {notes}", notes=provider.capacity_notes))
        if not hit.suits_person:
            sex = self.person.sex.value if self.person else None
            lines.append(trf("Warning: {why}. Check with the provider before referring.",
                             why=why_not_suited(provider, minor=self.minor, sex=sex)))
        self.detail.setText("\n".join(lines))


class _ProviderTree(QTreeWidget):
    """The directory as a table that never scrolls sideways: the place and the services keep
    their width; the name (long official names) and whom they take share the rest and wrap,
    rows growing to fit."""

    NAME_SHARE = 0.62

    def __init__(self) -> None:
        super().__init__(objectName="referralProviders")
        self.setRootIsDecorated(False)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(True)
        self.setUniformRowHeights(False)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)  # a steady width to share out
        self.setColumnCount(4)
        self.header().setStretchLastSection(False)
        self.header().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.header().setMinimumSectionSize(48)  # the default (about 150 px at 12 pt) overflows a narrow list
        self.setItemDelegate(_WrappingDelegate(self))

    def fit_columns(self) -> None:
        fixed = [max(self.sizeHintForColumn(c), self.header().sectionSizeHint(c)) + 12 for c in (1, 2)]
        rest = max(self.viewport().width() - sum(fixed), 160)
        name = int(rest * self.NAME_SHARE)
        for column, width in enumerate((name, *fixed, rest - name)):
            self.setColumnWidth(column, width)
        self.doItemsLayout()  # row heights follow the wrapped text at these widths

    def resizeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt API
        super().resizeEvent(event)
        self.fit_columns()


class _WrappingDelegate(QStyledItemDelegate):
    """Row heights measured at the column's width (Qt measures a cell unwrapped otherwise)."""

    WRAPPED = (0, 3)  # the name and whom they take; the other columns keep their natural width

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:  # noqa: ANN001, N802 - Qt API
        if index.column() not in self.WRAPPED:
            return super().sizeHint(option, index)
        tree = self.parent()
        measured = QStyleOptionViewItem(option)
        measured.rect = QRect(0, 0, max(tree.columnWidth(index.column()), 1), 1)
        return super().sizeHint(measured, index)
