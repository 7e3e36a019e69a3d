"""The screens a worker meets, built in Arabic: every string asked for has an Arabic
translation, and no English word is left on screen.

Walks what is visible — labels, buttons, placeholders, group titles, tab titles, combo box
items, table headings and cells, actions and tooltips, window titles — on the setup page,
the unlock page, the workspace with a case open (every tab of the case file), and the
dialogs opened from there. Latin script is allowed only for data and codes: the case
number, the user names and Latin-script person names typed here, examples of codes, and
key names of shortcuts.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from PySide6.QtCore import QAbstractItemModel, QAbstractListModel, QModelIndex, Qt
from PySide6.QtGui import QAction, QTextDocumentFragment
from PySide6.QtWidgets import (
    QAbstractButton, QAbstractItemView, QAbstractSpinBox, QApplication, QComboBox, QGroupBox, QLabel,
    QLineEdit, QPlainTextEdit, QPushButton, QSpinBox, QTabWidget, QTextEdit, QWidget,
)

from app.domain.checks import new_id
from app.domain.person import Document, Person
from app.domain.values import ConsentDecision, ConsentKind, DocumentKind, RiskStage, Sex
from i18n.bidi import strip_isolates
from uikit import PASSPHRASE, SUPERVISOR, make_user
from ui.composition import services_for
from ui.qt.cases.new_case import NewCaseDialog
from ui.qt.lang import language
from ui.qt.settings_dialog import SettingsDialog
from ui.qt.user_forms import AddUserDialog
from ui.qt.users_dialog import UsersDialog
from ui.qt.window import MainWindow

# --- what may stay in Latin script -------------------------------------------------------------
PERSON = {"first_name": "Youssef", "second_name": "Benali", "other_names": ("Yusuf",),
          "first_name_ar": "يوسف", "second_name_ar": "بنعلي"}
#: Latin-script data this test creates or types: the user, the person's names, and the
#: example user name under the add-user form's field
LATIN_DATA = (SUPERVISOR, make_user().display_name, PERSON["first_name"], PERSON["second_name"],
              *PERSON["other_names"], "fatima.z")
DATA = [
    re.compile(r"HMY-[0-9A-Z-]+"),  # case numbers
    re.compile(r"(?<!\w)(?:%s)(?!\w)" % "|".join(re.escape(value) for value in LATIN_DATA)),
]
#: words that are codes or names in every language
ALLOWED_WORDS = {
    "Ctrl", "Shift", "Enter",  # key names of shortcuts, as Qt writes them
    "ISO",  # the standard of country and language codes
    "PDF", "CSV",  # file formats, written so in Arabic too
    "national",  # the default scope code in the setup form's example (scope codes are Latin)
    "Français", "English",  # each language is offered under its own name
}
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
LATIN_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ɏ]{3,}")


# --- walking the screen ------------------------------------------------------------------------
def _plain(text: str) -> str:
    text = strip_isolates(text or "")
    if _TAG.search(text):
        text = QTextDocumentFragment.fromHtml(text).toPlainText()
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _model_texts(model: QAbstractItemModel, where: str, rows: int = 30) -> list[tuple[str, str]]:
    found = []
    columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(QModelIndex())
    for section in range(columns):
        found.append((f"{where} heading {section}",
                      model.headerData(section, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)))
    for row in range(min(model.rowCount(QModelIndex()), rows)):
        for column in range(columns):
            index = model.index(row, column)
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                found.append((f"{where} cell {row},{column}", model.data(index, role)))
    return found


def visible_texts(root: QWidget) -> list[tuple[str, str]]:
    """(where, text) of every string ``root`` shows now, children and actions included."""
    found: list[tuple[str, str]] = [("window title", root.windowTitle())]
    widgets = [root, *root.findChildren(QWidget)]
    for widget in widgets:
        if not widget.isVisible():
            continue
        name = f"{type(widget).__name__} {widget.objectName() or '?'}"
        found.append((f"{name} tooltip", widget.toolTip()))
        if isinstance(widget, QLabel):
            found.append((name, widget.text()))
        elif isinstance(widget, QAbstractButton):
            found.append((name, widget.text()))
        elif isinstance(widget, QLineEdit):
            found.append((f"{name} placeholder", widget.placeholderText()))
        elif isinstance(widget, (QPlainTextEdit, QTextEdit)):
            found.append((f"{name} placeholder", widget.placeholderText()))
        elif isinstance(widget, QGroupBox):
            found.append((name, widget.title()))
        elif isinstance(widget, QTabWidget):
            found += [(f"{name} tab {i}", widget.tabText(i)) for i in range(widget.count())]
            found += [(f"{name} tab {i} tooltip", widget.tabToolTip(i)) for i in range(widget.count())]
        elif isinstance(widget, QComboBox):
            found += [(f"{name} item {i}", widget.itemText(i)) for i in range(widget.count())]
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            found += _model_texts(widget.model(), name)
        if isinstance(widget, QSpinBox):
            found += [(f"{name} prefix", widget.prefix()), (f"{name} suffix", widget.suffix())]
        if isinstance(widget, QAbstractSpinBox):
            found.append((f"{name} special value", widget.specialValueText()))
        if widget.isWindow():
            found.append((f"{name} window title", widget.windowTitle()))
    for action in root.findChildren(QAction):
        if action.isVisible() and not action.isSeparator():
            where = f"action {action.objectName() or '?'}"
            found += [(where, action.text()), (f"{where} tooltip", action.toolTip()),
                      (f"{where} status tip", action.statusTip())]
    return [(where, text) for where, text in found if isinstance(text, str) and text.strip()]


def every_tab(root: QWidget) -> list[tuple[str, str]]:
    """What ``root`` shows, then what each tab of its tab widgets shows when chosen."""
    found = visible_texts(root)
    for tabs in root.findChildren(QTabWidget):
        if not tabs.isVisible():
            continue
        current = tabs.currentIndex()
        for index in range(tabs.count()):
            tabs.setCurrentIndex(index)
            QApplication.processEvents()
            found += [(f"tab {tabs.tabText(index)!r}: {where}", text) for where, text in visible_texts(tabs.widget(index))]
        tabs.setCurrentIndex(current)
    return found


def latin_words(text: str) -> list[str]:
    text = _plain(text)
    for pattern in DATA:
        text = pattern.sub(" ", text)
    return [word for word in LATIN_WORD.findall(text) if word not in ALLOWED_WORDS]


def assert_arabic(texts: list[tuple[str, str]]) -> None:
    assert not language.missing, "msgids asked for with no Arabic translation:\n" + "\n".join(
        sorted(repr(m) for m in language.missing))
    offending = sorted({f"{where}: {_plain(text)!r} -> {words}" for where, text in texts
                        if (words := latin_words(text))})
    assert not offending, "Latin-script words on an Arabic screen:\n" + "\n".join(offending)
    assert texts  # the walk did see the screen



def settle(ctx, qtbot) -> None:
    qtbot.waitUntil(lambda: not ctx.ops.busy, timeout=10000)


@pytest.fixture(autouse=True)
def _arabic():
    assert language.code == "ar"  # set by the conftest for every UI test
    yield


# --- the screens -------------------------------------------------------------------------------
def test_setup_page_is_all_arabic(ctx, qtbot):
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    assert w.stack.currentWidget() is w.setup_page
    texts = visible_texts(w)
    # every strength message of the passphrase meter, and the field errors
    page = w.setup_page
    for passphrase in ("abc", "salma.b password", "olive tajine", PASSPHRASE):
        page.passphrase.setText(passphrase)
        page.repeat.setText(passphrase[:-1])
        page.username.setText("Salma B")  # not a user name: its error shows as it is typed
        QApplication.processEvents()
        texts += visible_texts(w)
    page.create()  # Enter too early: every problem is shown
    texts += visible_texts(w)
    assert_arabic(texts)


def test_unlock_page_is_all_arabic(created_store, qtbot):
    w = MainWindow(created_store)
    qtbot.addWidget(w)
    w.show()
    assert w.stack.currentWidget() is w.unlock_page
    assert_arabic(visible_texts(w))


def test_workspace_case_file_and_dialogs_are_all_arabic(ctx, qtbot):
    opened = ctx.vault.create(make_user(post="TNG-MED"), PASSPHRASE)
    ctx.services = services_for(opened)
    services = ctx.services
    person = Person(id=new_id(), sex=Sex.MALE, birth_year=2008, nationality="NG", languages=("en", "ar"),
                    mobile_phone="+212612345678",
                    documents=(Document(DocumentKind.PASSPORT, "A0123456", "NG", held_by_person=False),), **PERSON)
    case = services.cases.register(services.session, person, border_post="TNG-MED", detecting_agency="DGSN",
                                   detected_on=date.today())
    services.cases.record_risk(services.session, case.id, RiskStage.SCREENING, immediate_danger=True,
                               shelter_tonight=True, summary="رجل قريب يراقب")
    services.cases.record_consent(services.session, case.id, ConsentKind.SCREENING, ConsentDecision.GIVEN)
    services.cases.record_consent(services.session, case.id, ConsentKind.REFERRAL, ConsentDecision.GIVEN,
                                  provider="جمعية الإيواء")
    services.cases.add_note(services.session, case.id, "اتصال مع الجمعية غدا")

    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    w.on_unlocked(opened)
    qtbot.waitUntil(lambda: w.workspace.list.model.total is not None)
    w.workspace.file.show_case(case.id)
    settle(ctx, qtbot)
    assert w.workspace.file.loaded is not None
    texts = every_tab(w)

    # the lifecycle move dialog, and the risk and consent dialogs of the case file
    panel = w.workspace.file
    for target, button in list(panel.move_buttons.items()):
        button.click()
        settle(ctx, qtbot)
        texts += visible_texts(panel.move_dialog)
        panel.move_dialog.reject()
    for name, attribute in (("riskRecord", "risk_dialog"), ("consentRecord", "consent_dialog")):
        panel.findChild(QPushButton, name).click()
        dialog = getattr(panel.risk_tab, attribute)
        qtbot.waitUntil(dialog.isVisible)
        texts += every_tab(dialog)
        dialog.reject()

    new_case = NewCaseDialog(ctx, w)
    qtbot.addWidget(new_case)
    new_case.show()
    settle(ctx, qtbot)
    texts += every_tab(new_case)
    new_case.reject()

    users = UsersDialog(ctx, w)
    qtbot.addWidget(users)
    users.show()
    qtbot.waitUntil(lambda: users.model.rowCount() >= 1)
    users.select_username(SUPERVISOR)
    texts += visible_texts(users)
    add = AddUserDialog(ctx, users.roles, users)  # a child of the users dialog, deleted on closing
    add.show()
    texts += visible_texts(add)
    add.reject()

    settings = SettingsDialog(ctx, w, idle=w.idle)
    qtbot.addWidget(settings)
    settings.show()
    for minutes in (1, 2, 3, 11, 15):
        settings.minutes.setValue(minutes)
        texts += visible_texts(settings)
    assert_arabic(texts)
