"""The service directory: every provider, filtered by category, region and text.

Everyone who sees cases may browse it (a worker looks for a shelter's phone number); the
secretariat, who publishes the directory, also adds, edits and deactivates entries. The
shipped entries are sample data with made-up contacts: a banner says so as long as any
of them is listed, so nobody calls a sample number for a person in danger.
"""

from __future__ import annotations

import dataclasses
import html
from functools import lru_cache
from typing import Any, Callable

from babel import Locale
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QDialog, QDialogButtonBox, QFrame, QGridLayout, QHBoxLayout, QHeaderView,
    QLabel, QLineEdit, QPlainTextEdit, QPushButton, QScrollArea, QSplitter, QStyle, QTextBrowser, QTreeWidget,
    QTreeWidgetItem, QVBoxLayout, QWidget,
)

from app.domain.checks import new_id
from app.domain.referral import CATEGORY_LABELS, Provider, ServiceCategory
from app.errors import FieldError, ValidationError
from app.permissions import Action, allowed
from app.resources import load_json
from app.services.referrals import ProviderHit
from app.text import N_
from i18n import BABEL_LOCALES
from i18n.bidi import isolate_ltr
from ui.qt.cases.labels import join
from ui.qt.cases.record_dialogs import _RecordDialog
from ui.qt.cases.widgets import ChoiceCombo, error_label, hint_label
from ui.qt.context import AppContext
from ui.qt.lang import language, ntr, render_error, tr, trf
from ui.qt.referrals.wrapping import wrap_columns

SEARCH_DELAY_MS = 250
_BANNER_STYLE = ("#directorySampleBanner { background: #fff4ce; border: 1px solid #c79a00; border-radius: 6px; }"
                 "#directorySampleBanner QLabel { color: #5c4300; }")
TAKES_LABELS = {
    "takes_children": N_("Children"),
    "takes_women": N_("Women"),
    "takes_men": N_("Men"),
    "takes_families": N_("Families"),
}
NOT_A_COORDINATE = N_("Not a valid coordinate.")


@lru_cache(maxsize=1)
def _regions() -> tuple[dict[str, str], ...]:
    return tuple(load_json("reference/border_posts.json")["regions"])


def region_labels() -> dict[str, str]:
    """Region code → name in the interface language (names come from the reference file)."""
    return {r["code"]: r.get(language.code) or r["en"] for r in _regions()}


def region_name(code: str) -> str:
    return region_labels().get(code, code)


def language_name(code: str) -> str:
    names = Locale.parse(BABEL_LOCALES.get(language.code, "en")).languages
    return names.get(code) or code


def categories_text(provider: Provider) -> str:
    return join(tr(CATEGORY_LABELS[c]) for c in provider.categories)


def takes_text(provider: Provider) -> str:
    return join(tr(msgid) for field, msgid in TAKES_LABELS.items() if getattr(provider, field))


class DirectoryDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("directoryDialog")
        self.resize(1000, 620)
        self.hits: list[ProviderHit] = []
        self.editor: ProviderDialog | None = None
        self._token = 0
        self._keep_id: str | None = None  # the entry to select when the next list arrives
        self._error: BaseException | str | None = None
        self.may_edit = allowed(ctx.session.role, Action.PUBLISH_AND_ENROL)

        self.banner = QFrame(objectName="directorySampleBanner")
        self.banner.setStyleSheet(_BANNER_STYLE)
        self.banner_text = QLabel(objectName="directorySampleText", wordWrap=True)
        QVBoxLayout(self.banner).addWidget(self.banner_text)
        self.banner.setVisible(False)

        self.category = ChoiceCombo.of("directoryCategory", CATEGORY_LABELS, none_label=N_("All categories"))
        self.region = self._region_combo()
        self.search = QLineEdit(objectName="directorySearch")
        self.search.setClearButtonEnabled(True)
        self.inactive = QCheckBox(objectName="directoryInactive")
        self.inactive.setVisible(self.may_edit)  # only the secretariat manages inactive entries
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        for combo in (self.category, self.region):
            combo.currentIndexChanged.connect(self.reload)
        self.inactive.toggled.connect(self.reload)

        self.list = QTreeWidget(objectName="directoryList")
        self.list.setRootIsDecorated(False)
        self.list.setAlternatingRowColors(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setColumnCount(3)
        header = self.list.header()
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(60)
        # Provider names are long: the name column takes the room and wraps, the city is
        # sized to fit, the services wrap in a column of their own width.
        for column, mode in enumerate((QHeaderView.ResizeMode.Stretch, QHeaderView.ResizeMode.ResizeToContents,
                                       QHeaderView.ResizeMode.Interactive)):
            header.setSectionResizeMode(column, mode)
        header.resizeSection(2, 200)
        wrap_columns(self.list, 0, 2)
        self.list.itemSelectionChanged.connect(self._show_details)
        self.details = QTextBrowser(objectName="directoryDetails")
        self.details.setOpenLinks(False)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.list)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.count = hint_label("directoryCount")
        self.error = error_label("directoryError")

        style = self.style()
        self.add_button = QPushButton(objectName="directoryAdd")
        self.add_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_FileDialogNewFolder))
        self.edit_button = QPushButton(objectName="directoryEdit")
        self.edit_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_FileDialogDetailedView))
        self.active_button = QPushButton(objectName="directoryDeactivate")
        self.active_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DialogDiscardButton))
        self.add_button.clicked.connect(lambda: self.open_editor(None))
        self.edit_button.clicked.connect(lambda: self.open_editor(self.selected()))
        self.active_button.clicked.connect(self.toggle_active)
        for button in (self.add_button, self.edit_button, self.active_button):
            button.setVisible(self.may_edit)
        self.close_buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.close_button = self.close_buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setObjectName("directoryClose")
        self.close_buttons.rejected.connect(self.reject)

        filters = QHBoxLayout()
        self.filter_labels = [QLabel(), QLabel(), QLabel()]
        for label, widget in zip(self.filter_labels, (self.category, self.region, self.search)):
            label.setBuddy(widget)
            filters.addWidget(label)
            filters.addWidget(widget, 1 if widget is self.search else 0)
        filters.addWidget(self.inactive)
        bottom = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.active_button):
            bottom.addWidget(button)
        bottom.addStretch(1)
        bottom.addWidget(self.close_buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(filters)
        layout.addWidget(self.count)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.error)
        layout.addLayout(bottom)

        language.changed.connect(self.retranslate)
        self.retranslate()
        self.reload()
        self.search.setFocus()

    def _region_combo(self) -> ChoiceCombo:
        choices: list[tuple[Any, Callable[[], str]]] = [(None, lambda: tr("All regions"))]
        choices += [(code, (lambda code=code: region_name(code))) for code in region_labels()]
        return ChoiceCombo("directoryRegion", choices)

    # --- loading ------------------------------------------------------------------------
    def reload(self) -> None:
        self._search_timer.stop()
        self._token += 1
        token, ctx = self._token, self.ctx
        category, region = self.category.value(), self.region.value()
        text, inactive = self.search.text(), self.may_edit and self.inactive.isChecked()

        def find():  # worker thread
            services = ctx.require()
            hits = services.referrals.providers(services.session, category=category, text=text,
                                                include_inactive=inactive)
            return [h for h in hits if region is None or h.provider.region_code == region]

        ctx.ops.run(find, owner=self, on_done=lambda hits: self._loaded(token, hits),
                    on_error=lambda exc: self._failed(token, exc))

    def _loaded(self, token: int, hits: list[ProviderHit]) -> None:
        if token != self._token:
            return
        selected = self.selected()
        keep = self._keep_id or (selected.id if selected else None)
        self.hits, self._error, self._keep_id = hits, None, None
        self._fill(keep)

    def _failed(self, token: int, exc: BaseException) -> None:
        if token == self._token:
            self._error = exc
            self._render_error()

    # --- showing ------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(tr("Service directory"))
        for label, msgid in zip(self.filter_labels, (N_("Category"), N_("Region"), N_("Search"))):
            label.setText(tr(msgid))
        self.category.setAccessibleName(tr("Category"))
        self.region.setAccessibleName(tr("Region"))
        self.search.setAccessibleName(tr("Search"))
        self.search.setPlaceholderText(tr("Name or city"))
        self.inactive.setText(tr("Show inactive entries"))
        self.list.setAccessibleName(tr("Providers"))
        self.details.setAccessibleName(tr("Provider details"))
        self.banner_text.setText(tr("Sample directory: these entries are realistic examples with made-up "
                                    "contacts, not the official directory. Do not rely on their phone numbers; "
                                    "the permanent secretariat publishes the real directory."))
        self.banner.setAccessibleName(self.banner_text.text())
        for button, msgid in ((self.add_button, N_("Add provider")), (self.edit_button, N_("Edit")),
                              (self.close_button, N_("Close"))):
            button.setText(tr(msgid))
            button.setAccessibleName(tr(msgid))
        selected = self.selected()
        self._fill(selected.id if selected else None)

    def _fill(self, keep_id: str | None) -> None:
        lang = language.code
        self.list.blockSignals(True)
        self.list.clear()
        self.list.setHeaderLabels([tr("Name"), tr("City"), tr("Services")])
        for hit in self.hits:
            provider = hit.provider
            name = provider.name(lang)
            if not provider.active:
                name = trf("{name} (inactive)", name=name)
            item = QTreeWidgetItem([name, provider.city(lang), categories_text(provider)])
            item.setData(0, Qt.ItemDataRole.UserRole, provider.id)
            for column in range(3):
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignTop)
            self.list.addTopLevelItem(item)
            if provider.id == keep_id:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        if self.list.currentItem() is None and self.list.topLevelItemCount():
            self.list.setCurrentItem(self.list.topLevelItem(0))
        self.count.setText(ntr("{count} provider", "{count} providers", len(self.hits)).format(count=len(self.hits)))
        self.banner.setVisible(any(hit.provider.sample for hit in self.hits))
        self._show_details()
        self._render_error()

    def _render_error(self) -> None:
        text = ""
        if isinstance(self._error, BaseException):
            text = render_error(self._error)
        elif self._error:
            text = tr(self._error)
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def selected(self) -> Provider | None:
        item = self.list.currentItem()
        if item is None:
            return None
        provider_id = item.data(0, Qt.ItemDataRole.UserRole)
        return next((h.provider for h in self.hits if h.provider.id == provider_id), None)

    def _show_details(self) -> None:
        provider = self.selected()
        self.edit_button.setEnabled(provider is not None)
        self.active_button.setEnabled(provider is not None)
        self.active_button.setText(tr("Reactivate") if provider is not None and not provider.active
                                   else tr("Deactivate"))
        self.active_button.setAccessibleName(self.active_button.text())
        self.details.setHtml(details_html(provider) if provider is not None else
                             "<p>" + html.escape(tr("Choose a provider in the list to see its details.")) + "</p>")

    # --- editing (the secretariat) ------------------------------------------------------
    def open_editor(self, provider: Provider | None) -> None:
        if not self.may_edit:
            return
        if self.editor is not None:
            self.editor.deleteLater()
        self.editor = ProviderDialog(self.ctx, provider, self)
        self.editor.accepted.connect(self._saved)
        self.editor.open()

    def _saved(self) -> None:
        saved = self.editor.result_record if self.editor is not None else None
        if saved is None:
            return
        # Show the saved entry even where the filters would hide it: its editor looks for it.
        filters = (self.category, self.region, self.search, self.inactive)
        for widget in filters:
            widget.blockSignals(True)
        self.category.set_value(None)
        self.region.set_value(None)
        self.search.clear()
        self.inactive.setChecked(self.inactive.isChecked() or not saved.active)
        for widget in filters:
            widget.blockSignals(False)
        self._keep_id = saved.id
        self.reload()

    def toggle_active(self) -> None:
        provider = self.selected()
        if provider is None or not self.may_edit:
            return
        changed, ctx = dataclasses.replace(provider, active=not provider.active), self.ctx

        def save():  # worker thread
            services = ctx.require()
            return services.referrals.save_provider(services.session, changed)

        self.active_button.setEnabled(False)
        ctx.ops.run(save, owner=self, on_done=self._toggled, on_error=self._refused)

    def _toggled(self, provider: Provider) -> None:
        if not provider.active:  # keep the entry in sight, marked inactive
            self.inactive.blockSignals(True)
            self.inactive.setChecked(True)
            self.inactive.blockSignals(False)
        self._keep_id = provider.id
        self.reload()

    def _refused(self, exc: BaseException) -> None:
        self._error = exc
        self._render_error()
        self._show_details()

    def done(self, result: int) -> None:  # closing the directory closes an open entry form too
        if self.editor is not None:
            self.editor.reject()
        super().done(result)


def details_html(provider: Provider) -> str:
    """The provider's details as simple rich text (every value escaped)."""
    lang = language.code
    other = provider.name_fr if lang == "ar" else provider.name_ar
    rows: list[tuple[str, str]] = [
        (tr("Services"), categories_text(provider)),
        (tr("Region"), region_name(provider.region_code)),
        (tr("City"), provider.city(lang)),
        (tr("Address"), provider.address or ""),
        (tr("Phone"), isolate_ltr(provider.phone) if provider.phone else ""),
        (tr("Email"), isolate_ltr(provider.email) if provider.email else ""),
        (tr("Contact person"), provider.contact_person or ""),
        (tr("Languages"), join(language_name(code) for code in provider.languages)),
        (tr("Takes"), takes_text(provider) or tr("Not said")),
        (tr("Capacity"), provider.capacity_notes or ""),
    ]
    direction = "rtl" if language.rtl else "ltr"  # labels lead, on the side the language reads from
    parts = [f"<h3>{html.escape(provider.name(lang))}</h3>", f"<p>{html.escape(other)}</p>"]
    notices = []
    if not provider.active:
        notices.append(tr("Inactive: this provider is no longer offered for referrals."))
    if provider.sample:
        notices.append(tr("Sample entry: the contacts are made up."))
    parts += [f"<p dir='{direction}'><b>{html.escape(text)}</b></p>" for text in notices]
    parts += [f"<p dir='{direction}'><b>{html.escape(label)}:</b> {html.escape(value)}</p>"
              for label, value in rows if value]
    return "".join(parts)


class ProviderDialog(_RecordDialog):
    """Add or edit a directory entry; each field's error shows under it."""

    title = N_("Directory entry")
    prefix = "provider"

    def __init__(self, ctx: AppContext, provider: Provider | None, parent: QWidget | None = None) -> None:
        super().__init__(ctx, provider.id if provider else "", parent)
        self.setObjectName("providerDialog")
        self.provider = provider
        self.texts: dict[str, QLineEdit] = {}
        for field, name in (("name_ar", "providerNameAr"), ("name_fr", "providerNameFr"),
                            ("city_ar", "providerCityAr"), ("city_fr", "providerCityFr"),
                            ("address", "providerAddress"), ("phone", "providerPhone"),
                            ("email", "providerEmail"), ("contact_person", "providerContact"),
                            ("languages", "providerLanguages"), ("latitude", "providerLatitude"),
                            ("longitude", "providerLongitude")):
            self.texts[field] = QLineEdit(objectName=name)
        for field in ("name_ar", "city_ar"):
            self.texts[field].setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        for field in ("name_fr", "city_fr", "phone", "email", "languages", "latitude", "longitude"):
            self.texts[field].setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.category_boxes = {c: QCheckBox(objectName=f"providerCategory_{c.value}") for c in ServiceCategory}
        categories = QWidget()
        grid = QGridLayout(categories)
        grid.setContentsMargins(0, 0, 0, 0)
        for index, box in enumerate(self.category_boxes.values()):
            grid.addWidget(box, index // 2, index % 2)
        self.region = ChoiceCombo("providerRegion", [(None, lambda: tr("Choose a region"))]
                                  + [(code, (lambda code=code: region_name(code))) for code in region_labels()])
        self.takes = {field: QCheckBox(objectName=f"provider_{field}") for field in TAKES_LABELS}
        takes = QWidget()
        takes_layout = QHBoxLayout(takes)
        takes_layout.setContentsMargins(0, 0, 0, 0)
        for box in self.takes.values():
            takes_layout.addWidget(box)
        takes_layout.addStretch(1)
        self.capacity = QPlainTextEdit(objectName="providerCapacity")
        self.capacity.setTabChangesFocus(True)
        self.capacity.setMaximumHeight(80)

        self.row(N_("Name in Arabic"), self.texts["name_ar"], "name_ar")
        self.row(N_("Name in French"), self.texts["name_fr"], "name_fr")
        self.row(N_("Services"), categories, "categories")
        self.row(N_("Region"), self.region, "region_code")
        self.row(N_("City in Arabic"), self.texts["city_ar"], "city_ar")
        self.row(N_("City in French"), self.texts["city_fr"], "city_fr")
        self.row(N_("Address"), self.texts["address"], "address")
        self.row(N_("Phone"), self.texts["phone"], "phone")
        self.row(N_("Email"), self.texts["email"], "email")
        self.row(N_("Contact person"), self.texts["contact_person"], "contact_person")
        self.row(N_("Languages"), self.texts["languages"], "languages")
        self.row(N_("Takes"), takes)
        self.row(N_("Capacity"), self.capacity, "capacity_notes")
        self.row(N_("Latitude"), self.texts["latitude"], "latitude")
        self.row(N_("Longitude"), self.texts["longitude"], "longitude")
        self._scroll_form()
        self._fill(provider)
        language.changed.connect(self.retranslate)
        self.retranslate()
        self.texts["name_ar"].setFocus()

    def _scroll_form(self) -> None:
        """Fifteen rows do not fit a laptop screen: the form scrolls, the buttons stay."""
        self.layout_.removeItem(self.form)
        self.form.setParent(None)
        body = QWidget()
        body.setLayout(self.form)
        scroll = QScrollArea(objectName="providerScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        self.layout_.insertWidget(0, scroll, 1)
        self.scroll = scroll
        self.resize(640, 640)

    def _failed(self, exc: BaseException) -> None:
        super()._failed(exc)
        shown = [label for label in self.errors.labels.values() if not label.isHidden()]
        if shown:  # the first field to fix may be below the fold
            first = min(shown, key=lambda label: label.mapTo(self.scroll.widget(), label.rect().topLeft()).y())
            self.scroll.ensureWidgetVisible(first)

    def _fill(self, provider: Provider | None) -> None:
        if provider is None:
            self.takes["takes_women"].setChecked(True)
            self.takes["takes_men"].setChecked(True)
            return
        for field in ("name_ar", "name_fr", "city_ar", "city_fr", "address", "phone", "email", "contact_person"):
            self.texts[field].setText(getattr(provider, field) or "")
        self.texts["languages"].setText(", ".join(provider.languages))
        for field in ("latitude", "longitude"):
            value = getattr(provider, field)
            self.texts[field].setText("" if value is None else str(value))
        for category, box in self.category_boxes.items():
            box.setChecked(category in provider.categories)
        self.region.set_value(provider.region_code)
        for field, box in self.takes.items():
            box.setChecked(bool(getattr(provider, field)))
        self.capacity.setPlainText(provider.capacity_notes or "")

    def retranslate(self) -> None:
        super().retranslate()
        self.setWindowTitle(tr("Edit a directory entry") if self.provider else tr("Add a provider"))
        for category, box in self.category_boxes.items():
            box.setText(tr(CATEGORY_LABELS[category]))
        for field, box in self.takes.items():
            box.setText(tr(TAKES_LABELS[field]))
        self.texts["languages"].setPlaceholderText(tr("Language codes, e.g. ar, fr, en"))
        self.texts["phone"].setPlaceholderText("+212…")

    def build(self) -> Provider:
        """The entry as typed; every field's problem at once (``ValidationError``)."""
        errors: list[FieldError] = []
        coordinates: dict[str, float | None] = {}
        for field in ("latitude", "longitude"):
            text = self.texts[field].text().strip().replace(",", ".")
            try:
                coordinates[field] = float(text) if text else None
            except ValueError:
                coordinates[field] = None
                errors.append(FieldError(field, NOT_A_COORDINATE))
        languages = tuple(dict.fromkeys(
            code.strip().lower() for code in self.texts["languages"].text().replace("،", ",").split(",")
            if code.strip()))
        values: dict[str, Any] = {field: self.texts[field].text().strip() or None
                                  for field in ("address", "phone", "email", "contact_person")}
        old = self.provider
        try:
            provider = Provider(
                id=old.id if old else new_id(),
                name_ar=self.texts["name_ar"].text().strip(), name_fr=self.texts["name_fr"].text().strip(),
                categories=tuple(c for c, box in self.category_boxes.items() if box.isChecked()),
                region_code=self.region.value() or "",
                city_ar=self.texts["city_ar"].text().strip(), city_fr=self.texts["city_fr"].text().strip(),
                languages=languages, capacity_notes=self.capacity.toPlainText().strip() or None,
                active=old.active if old else True, sample=old.sample if old else False,
                **values, **coordinates, **{field: box.isChecked() for field, box in self.takes.items()})
        except ValidationError as exc:
            raise ValidationError(list(exc.errors) + errors) from None
        if errors:
            raise ValidationError(errors)
        return provider

    def call(self) -> Callable[[], Any]:
        ctx, refused, provider = self.ctx, None, None
        try:
            provider = self.build()
        except ValidationError as exc:
            refused = exc

        def save():  # worker thread; a form error takes the same path as the core's refusals
            if refused is not None:
                raise refused
            services = ctx.require()
            return services.referrals.save_provider(services.session, provider)
        return save
