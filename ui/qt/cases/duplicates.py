"""The duplicate warning: cases that may be about the person being registered or saved.

Shown before anything is written, with what the worker needs to decide: each likely case
(number, state, names in both scripts, birth year, nationality, post) and why it matches,
in words. Three ways out, and only three:

- "Open the existing case": nothing is written; the caller opens the chosen case.
- proceed ("It is a different person — register" / "— save"): the caller writes, then
  records that the person is not any of the cases shown (``SearchService.confirm_different``),
  so the same pair is not warned about again.
- "Back" (or Escape): nothing is written, the form stays as typed.

The matches come from ``SearchService.duplicates``, which only returns cases the session
may see: this dialog never learns about any other case.
"""

from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup, QDialog, QFrame, QHBoxLayout, QLabel, QPushButton, QRadioButton, QScrollArea, QStyle,
    QVBoxLayout, QWidget,
)

from app.services.search import Match
from app.text import N_
from i18n.bidi import isolate, isolate_ltr
from i18n.formatting import format_date
from ui.qt.cases.labels import country_name, join, post_name, state_label
from ui.qt.cases.widgets import hint_label
from ui.qt.lang import language, ntr, tr, trf

OPEN, PROCEED, BACK = "open", "proceed", "back"

REGISTER_ANYWAY = N_("It is a different person — register")
SAVE_ANYWAY = N_("It is a different person — save")

_CARD_STYLE = ("#duplicateMatch { border: 1px solid #c9c4b8; border-radius: 6px; background: palette(base); }"
               "#duplicateMatch[chosen=\"true\"] { border: 2px solid #1f3f73; }")


def paragraph(text: str) -> str:
    """``text`` as a paragraph in the interface's direction.

    A label decides its direction from its first strong letter, skipping isolated values:
    a line of isolated names (or one starting with a Latin word) would be laid out left to
    right, left-aligned, in the Arabic interface. A leading mark of the interface's
    direction keeps every line of a card on the same side.
    """
    return ("\u200f" if language.rtl else "\u200e") + text


def match_names(match: Match) -> str:
    """Both scripts, each isolated; the interface language's script first."""
    arabic, latin = (match.name_ar or "").strip(), (match.name_latin or "").strip()
    if arabic and latin:
        first, second = (arabic, latin) if language.code == "ar" else (latin, arabic)
        return f"{isolate(first)} — {isolate(second)}"
    return isolate(arabic or latin) if (arabic or latin) else tr("Name not recorded")


def match_facts(match: Match) -> str:
    """Birth year, nationality, post and detection date, as one line."""
    facts = [trf("born in {year}", year=match.birth_year) if match.birth_year else tr("birth year not known")]
    if match.nationality:
        facts.append(isolate(country_name(match.nationality)))
    if match.border_post:
        facts.append(isolate(post_name(match.border_post)))
    facts.append(trf("detected on {date}", date=format_date(match.detected_on, language.code)))
    return " · ".join(facts)


def match_reasons(match: Match) -> str:
    return trf("Why it matches: {reasons}", reasons=join(tr(r) for r in match.reasons))


class _MatchCard(QFrame):
    """One likely case: a radio button to choose it, then its details and why it matches."""

    def __init__(self, match: Match, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.match = match
        self.setObjectName("duplicateMatch")
        self.setProperty("chosen", False)
        self.choice = QRadioButton(objectName=f"duplicateChoice{index}")
        self.choice.setStyleSheet("font-weight: 600;")
        self.names = QLabel(objectName=f"duplicateNames{index}", wordWrap=True)
        self.names.setStyleSheet("font-size: 12pt;")
        self.facts = QLabel(objectName=f"duplicateFacts{index}", wordWrap=True)
        self.why = hint_label(f"duplicateWhy{index}")
        layout = QVBoxLayout(self)
        layout.setSpacing(3)
        layout.addWidget(self.choice)
        for label in (self.names, self.facts, self.why):
            label.setIndent(26)  # under the radio button's text, on either side
            layout.addWidget(label)
        self.choice.toggled.connect(self._chosen)

    def _chosen(self, on: bool) -> None:
        self.setProperty("chosen", on)
        self.style().unpolish(self)
        self.style().polish(self)

    def retranslate(self) -> None:
        m = self.match
        self.choice.setText(trf("Case {number} — {state}", number=isolate_ltr(m.case_number),
                                state=state_label(m.state)))
        self.names.setText(paragraph(match_names(m)))
        self.facts.setText(paragraph(match_facts(m)))
        self.why.setText(paragraph(match_reasons(m)))
        self.choice.setAccessibleName(self.choice.text())
        self.choice.setAccessibleDescription("\n".join((self.names.text(), self.facts.text(), self.why.text())))


class DuplicateDialog(QDialog):
    """Asks what to do about likely duplicates; ``decided`` says which way out was taken."""

    decided = Signal(str)  # OPEN, PROCEED or BACK

    def __init__(self, matches: Sequence[Match], proceed_text: str = REGISTER_ANYWAY,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("duplicateDialog")
        self.setModal(True)
        self.setMinimumWidth(620)
        self.setStyleSheet(_CARD_STYLE)
        self.matches = tuple(matches)
        self.choice: str | None = None
        self._proceed_text = proceed_text

        self.title = QLabel(objectName="duplicateTitle", wordWrap=True)
        self.title.setStyleSheet("font-size: 13pt; font-weight: 600; color: #5c4300;")
        self.intro = hint_label("duplicateIntro")
        self.group = QButtonGroup(self)
        self.cards: list[_MatchCard] = []
        cards = QWidget()
        cards_layout = QVBoxLayout(cards)
        cards_layout.setContentsMargins(0, 0, 0, 0)
        for index, match in enumerate(self.matches):
            card = _MatchCard(match, index)
            self.group.addButton(card.choice, index)
            self.cards.append(card)
            cards_layout.addWidget(card)
        cards_layout.addStretch(1)
        if self.cards:
            self.cards[0].choice.setChecked(True)  # the likeliest: Enter opens it
        scroll = QScrollArea(objectName="duplicateList")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(cards)
        self._scroll = scroll

        style = self.style()
        self.open_button = QPushButton(objectName="duplicateOpen")
        self.open_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DialogOpenButton))
        self.open_button.setDefault(True)
        self.proceed_button = QPushButton(objectName="duplicateProceed")
        self.back_button = QPushButton(objectName="duplicateBack")
        self.back_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_ArrowBack))
        self.open_button.clicked.connect(lambda: self._decide(OPEN))
        self.proceed_button.clicked.connect(lambda: self._decide(PROCEED))
        self.back_button.clicked.connect(lambda: self._decide(BACK))
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.proceed_button)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.intro)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        chain = [*(card.choice for card in self.cards), self.open_button, self.proceed_button, self.back_button]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)
        language.changed.connect(self.retranslate)
        self.retranslate()
        if self.cards:
            self.cards[0].choice.setFocus(Qt.FocusReason.OtherFocusReason)

    def _fit(self) -> None:
        """Room for up to three cards without scrolling (their height depends on the language
        and on how their lines wrap at the dialog's width)."""
        width = max(self.width(), self.minimumWidth()) - 2 * self.layout().contentsMargins().left()
        spacing = self._scroll.widget().layout().spacing()
        heights = []
        for card in self.cards[:3]:
            layout = card.layout()
            high = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else card.sizeHint().height()
            heights.append(high + spacing)
        self._scroll.setMinimumHeight(sum(heights))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self._fit()

    @property
    def chosen_case_id(self) -> str | None:
        """The case chosen to open (the first, likeliest, unless the worker chose another)."""
        index = self.group.checkedId()
        return self.matches[index].case_id if 0 <= index < len(self.matches) else None

    def retranslate(self) -> None:
        self.setWindowTitle(tr("Possible duplicate"))
        self.title.setText(ntr("This person may already have a case: {count} case looks alike.",
                               "This person may already have a case: {count} cases look alike.",
                               len(self.matches)).format(count=len(self.matches)))
        self.intro.setText(tr("Check the details below. If it is the same person, open the existing case "
                              "instead of opening a second one."))
        for card in self.cards:
            card.retranslate()
        self._fit()
        for button, msgid in ((self.open_button, N_("Open the existing case")),
                              (self.proceed_button, self._proceed_text), (self.back_button, N_("Back"))):
            button.setText(tr(msgid))
            button.setAccessibleName(tr(msgid))

    def _decide(self, choice: str) -> None:
        if self.choice is not None:
            return  # one answer only (a double click must not register twice)
        self.choice = choice
        self.decided.emit(choice)
        if choice == BACK:
            self.reject()
        else:
            self.accept()

    def reject(self) -> None:
        if self.choice is None:  # Escape or the window's close button: the same as Back
            self.choice = BACK
            self.decided.emit(BACK)
        super().reject()
