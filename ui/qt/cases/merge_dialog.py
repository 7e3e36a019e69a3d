"""Merging two cases of the same person (supervisors): find the other case, compare, give a reason, confirm.

``SearchService.merge`` closes the case that is not kept with the closure reason "merged",
links it to the kept case and writes the reason as a note on both; nothing is moved or
deleted, and reopening the merged case undoes it. The dialog shows the two cases side by
side (names, dates, state, how many records each holds) so the supervisor sees what they
are about to close, and asks once more before writing.

Every store call runs through ``ctx.ops``; the search drops a late answer to an earlier
text, and comparing with a case opens it (audited as a view, as any opening is).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QButtonGroup, QDialog, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit,
    QPushButton, QRadioButton, QStackedWidget, QStyle, QVBoxLayout, QWidget,
)

from app.domain.values import ClosureReason
from app.errors import ValidationError
from app.services.cases import CaseFile
from app.services.search import MERGED, Match
from i18n.bidi import isolate, isolate_ltr
from i18n.formatting import format_date
from ui.qt.cases.case_data import fill_tree, make_tree
from ui.qt.cases.duplicates import match_names, match_reasons
from ui.qt.cases.labels import SEX_LABELS, country_name, post_name, state_label
from ui.qt.cases.widgets import error_label, hint_label
from ui.qt.context import AppContext
from ui.qt.lang import language, render_error, tr, trf

SEARCH_DELAY_MS = 150
MIN_REASON = 10  # as SearchService.merge asks
RESULTS = 20


def _name(first: str | None, second: str | None) -> str:
    return " ".join(part for part in (first, second) if part)


def _counts(file: CaseFile) -> list[tuple[str, int]]:
    return [(tr("Notes"), len(file.notes)), (tr("Risk assessments"), len(file.risks)),
            (tr("Consents"), len(file.consents)), (tr("Referrals"), len(file.referrals)),
            (tr("Services received"), len(file.services)), (tr("Follow-up tasks"), len(file.tasks))]


def compare_rows(this: CaseFile, other: CaseFile | None) -> list[list[str]]:
    """(what, this case, the other case) for the side-by-side view."""
    def facts(file: CaseFile | None) -> list[str]:
        if file is None:
            return [""] * 15
        case, person = file.case, file.person
        year = person.birth_year or (person.birth_date.year if person.birth_date else None)
        return [
            isolate_ltr(case.case_number),
            isolate(_name(person.first_name_ar, person.second_name_ar)),
            isolate(_name(person.first_name, person.second_name)),
            tr(SEX_LABELS[person.sex]),
            str(year) if year else tr("Not known"),
            country_name(person.nationality) if person.nationality else tr("Not known"),
            post_name(case.border_post) if case.border_post else (case.office or ""),
            format_date(case.detected_on, language.code),
            format_date(case.opened_at.date(), language.code),
            state_label(case.state),
            *(str(count) for _label, count in _counts(file)),
        ]

    labels = [tr("Case number"), tr("Name (Arabic letters)"), tr("Name (Latin letters)"), tr("Sex"),
              tr("Birth year"), tr("Nationality"), tr("Border post or office"), tr("Detected on"),
              tr("Opened on"), tr("State"), *(label for label, _count in _counts(this))]
    return [list(row) for row in zip(labels, facts(this), facts(other))]


class MergeDialog(QDialog):
    def __init__(self, ctx: AppContext, this: CaseFile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.this = this
        self.other: CaseFile | None = None
        self.matches: list[Match] = []
        self.kept_case_id: str | None = None
        self.merged_case_id: str | None = None
        self._error: BaseException | None = None
        self._search_generation = 0
        self._other_generation = 0
        self.setObjectName("mergeDialog")
        self.setModal(True)
        self.setMinimumWidth(640)

        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._search)
        self.pages = QStackedWidget(objectName="mergePages")
        self.pages.addWidget(self._build_choose())
        self.pages.addWidget(self._build_confirm())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        language.changed.connect(self.retranslate)
        self.retranslate()
        self.search.setFocus()

    # --- building -------------------------------------------------------------------
    def _build_choose(self) -> QWidget:
        page = QWidget()
        self.intro = hint_label("mergeIntro")
        self.search_label = QLabel()
        self.search = QLineEdit(objectName="mergeSearch", clearButtonEnabled=True)
        self.search_label.setBuddy(self.search)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.results = QListWidget(objectName="mergeResults")
        self.results.setMaximumHeight(110)
        self.results.currentItemChanged.connect(self._chosen)
        self.no_results = hint_label("mergeNoResults")
        self.no_results.hide()
        self.compare = make_tree("mergeCompare")
        self.compare.setMinimumHeight(280)  # most rows of the side-by-side view without scrolling
        self.keep_this = QRadioButton(objectName="mergeKeepThis", checked=True)
        self.keep_other = QRadioButton(objectName="mergeKeepOther")
        keep = QButtonGroup(self)
        keep.addButton(self.keep_this)
        keep.addButton(self.keep_other)
        for button in (self.keep_this, self.keep_other):
            button.setEnabled(False)
        self.reason_label = QLabel()
        self.reason = QPlainTextEdit(objectName="mergeReason")
        self.reason.setTabChangesFocus(True)
        self.reason.setMaximumHeight(80)
        self.reason_label.setBuddy(self.reason)
        self.reason.textChanged.connect(self._update_next)
        self.reason_hint = hint_label("mergeReasonHint")
        self.error = error_label("mergeError")
        self.next_button = QPushButton(objectName="mergeNext", enabled=False)
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self._ask_confirm)
        self.cancel_button = QPushButton(objectName="mergeCancel")
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)
        buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.intro, self.search_label, self.search, self.results, self.no_results):
            layout.addWidget(widget)
        layout.addWidget(self.compare, 1)
        for widget in (self.keep_this, self.keep_other, self.reason_label, self.reason, self.reason_hint,
                       self.error):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        return page

    def _build_confirm(self) -> QWidget:
        page = QWidget()
        self.confirm_text = QLabel(objectName="mergeConfirmText", wordWrap=True)
        self.confirm_text.setStyleSheet("font-size: 12pt;")
        self.confirm_button = QPushButton(objectName="mergeConfirm")
        self.confirm_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton))
        self.confirm_button.clicked.connect(self._merge)
        self.back_button = QPushButton(objectName="mergeBack")
        self.back_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_ArrowBack))
        self.back_button.clicked.connect(lambda: self.pages.setCurrentIndex(0))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.confirm_button)
        buttons.addWidget(self.back_button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.confirm_text)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    # --- language -------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(tr("Merge with another case"))
        self.intro.setText(tr("Merge two cases of the same person. The case you do not keep is closed as "
                              "merged into the other; nothing is deleted."))
        self.search_label.setText(tr("Find the other case"))
        self.search.setPlaceholderText(tr("Name in either script, case number, document or phone"))
        self.search.setAccessibleName(tr("Find the other case"))
        self.results.setAccessibleName(tr("Cases found"))
        self.no_results.setText(tr("No other case matches this search."))
        self.compare.setAccessibleName(tr("The two cases side by side"))
        self.reason_label.setText(tr("Why are these cases the same person?"))
        self.reason.setAccessibleName(tr("Reason for the merge"))
        self.reason_hint.setText(trf("At least {count} characters. The reason is kept as a note on both cases.",
                                     count=MIN_REASON))
        self.next_button.setText(tr("Merge…"))
        self.cancel_button.setText(tr("Cancel"))
        self.confirm_button.setText(tr("Merge the cases"))
        self.back_button.setText(tr("Back"))
        for button in (self.next_button, self.cancel_button, self.confirm_button, self.back_button):
            button.setAccessibleName(button.text().replace("…", ""))
        self._show_results()
        self._show_compare()
        if self._error is not None:
            self._show_error(self._error)

    # --- finding the other case -----------------------------------------------------
    def _search(self) -> None:
        self._search_generation += 1
        generation, text, ctx, this_id = self._search_generation, self.search.text().strip(), self.ctx, self.this.case.id
        if not text:
            self._found(generation, [])
            return

        def find() -> list[Match]:  # worker thread
            services = ctx.require()
            found = services.search.search(services.session, text, limit=RESULTS + 1)
            # Not this case, and not a case already merged away (merge into the case it went to).
            return [m for m in found if m.case_id != this_id and MERGED not in m.reasons][:RESULTS]

        self.ctx.ops.run(find, owner=self, on_done=lambda found: self._found(generation, found),
                         on_error=lambda exc: self._failed(generation, exc))

    def _found(self, generation: int, matches: list[Match]) -> None:
        if generation != self._search_generation:
            return  # the answer to an earlier text, arriving after a later one
        chosen = self.other.case.id if self.other else None
        self.matches = matches
        self._show_results()
        self.no_results.setVisible(bool(self.search.text().strip()) and not matches)
        for row, match in enumerate(matches):
            if match.case_id == chosen:
                self.results.blockSignals(True)
                self.results.setCurrentRow(row)
                self.results.blockSignals(False)

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._search_generation:
            self._show_error(exc)

    def _show_results(self) -> None:
        self.results.blockSignals(True)
        current = self.results.currentRow()
        self.results.clear()
        for match in self.matches:
            text = trf("{number} — {names} — {state}", number=isolate_ltr(match.case_number),
                       names=match_names(match), state=state_label(match.state))
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, match.case_id)
            item.setToolTip(match_reasons(match))
            self.results.addItem(item)
        if 0 <= current < self.results.count():
            self.results.setCurrentRow(current)
        self.results.blockSignals(False)

    def _chosen(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        if item is None:
            return
        case_id = item.data(Qt.ItemDataRole.UserRole)
        self._other_generation += 1
        generation, ctx = self._other_generation, self.ctx

        def load() -> CaseFile:  # worker thread: seeing a case's details is a view, audited
            services = ctx.require()
            return services.cases.open_case(services.session, case_id)

        ctx.ops.run(load, owner=self, on_done=lambda file: self._other_loaded(generation, file),
                    on_error=lambda exc: self._failed_other(generation, exc))

    def _other_loaded(self, generation: int, file: CaseFile) -> None:
        if generation != self._other_generation:
            return
        self.other = file
        self._error = None
        self.error.setVisible(False)
        for button in (self.keep_this, self.keep_other):
            button.setEnabled(True)
        self._show_compare()
        self._update_next()

    def _failed_other(self, generation: int, exc: BaseException) -> None:
        if generation == self._other_generation:
            self._show_error(exc)

    def _show_compare(self) -> None:
        fill_tree(self.compare, [tr("What"), tr("This case"), tr("Other case")], compare_rows(self.this, self.other))
        this = self.this.case.case_number
        other = self.other.case.case_number if self.other else None
        self.keep_this.setText(trf("Keep this case ({number})", number=isolate_ltr(this)))
        self.keep_other.setText(trf("Keep the other case ({number})", number=isolate_ltr(other))
                                if other else tr("Keep the other case"))

    # --- merging --------------------------------------------------------------------
    def _pair(self) -> tuple[CaseFile, CaseFile] | None:
        """(kept, merged) as chosen."""
        if self.other is None:
            return None
        return (self.other, self.this) if self.keep_other.isChecked() else (self.this, self.other)

    def _update_next(self) -> None:
        pair = self._pair()
        merged_already = pair is not None and pair[1].case.closure_reason is ClosureReason.MERGED
        self.next_button.setEnabled(pair is not None and not merged_already
                                    and len(self.reason.toPlainText().strip()) >= MIN_REASON)

    def _ask_confirm(self) -> None:
        pair = self._pair()
        if pair is None:
            return
        kept, merged = pair
        self.confirm_text.setText(trf(
            "Case {merged} will be closed as merged into case {kept}. Nothing is deleted: both cases keep "
            "their records, the reason is added to both as a note, and reopening case {merged} undoes the merge.",
            merged=isolate_ltr(merged.case.case_number), kept=isolate_ltr(kept.case.case_number)))
        self.pages.setCurrentIndex(1)
        self.confirm_button.setFocus()

    def _merge(self) -> None:
        pair = self._pair()
        if pair is None:
            return
        keep_id, merged_id = pair[0].case.id, pair[1].case.id
        reason, ctx = self.reason.toPlainText().strip(), self.ctx

        def merge() -> Any:  # worker thread
            services = ctx.require()
            return services.search.merge(services.session, keep_id, merged_id, reason)

        self.confirm_button.setEnabled(False)
        ctx.ops.run(merge, owner=self, on_done=lambda _case: self._merged(keep_id, merged_id),
                    on_error=self._refused)

    def _merged(self, keep_id: str, merged_id: str) -> None:
        self.kept_case_id, self.merged_case_id = keep_id, merged_id
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self.confirm_button.setEnabled(True)
        self.pages.setCurrentIndex(0)
        self._show_error(exc)

    def _show_error(self, exc: BaseException) -> None:
        self._error = exc
        if isinstance(exc, ValidationError):
            text = "\n".join(error.render(tr) for error in exc.errors)
        else:
            text = render_error(exc)
        self.error.setText(text)
        self.error.setAccessibleName(text)
        self.error.setVisible(True)
