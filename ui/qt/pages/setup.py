"""First start: create the encrypted store and its first user (a supervisor or the secretariat).

One calm page. Fields are checked as they are typed, by the same rules the core applies
(``app.domain.user.User`` and ``app.passphrase.assess``), but an error only shows once a
field was left, so nobody is scolded for a name they are still typing. Create stays
disabled until everything is valid; the store still checks again and its refusals come
back inline.
"""

from __future__ import annotations

import re
import uuid
from functools import cmp_to_key
from datetime import datetime, timezone

from PySide6.QtCore import QCollator, QLocale, Qt, Signal
from PySide6.QtGui import QFont, QShowEvent
from PySide6.QtWidgets import (
    QComboBox, QFormLayout, QLabel, QLineEdit, QProgressBar, QPushButton, QStyle, QVBoxLayout, QWidget,
)

from app.domain.user import User  # its checks (USERNAME included) are the form's rules
from app.domain.values import ROLE_LABELS, Role
from app.errors import ValidationError, WeakPassphrase
from app.passphrase import assess
from app.resources import border_posts
from storage.vault import OpenStore
from ui.qt.context import AppContext
from ui.qt.lang import language, render_error, tr
from ui.qt.pages.common import NOTE_STYLE, BrandHeader, LanguagePicker, centred, error_label, show_text, with_error

FIRST_ROLES = (Role.SUPERVISOR, Role.SECRETARIAT)
DEFAULT_SCOPE = "national"
# A character that can never appear in a user name: worth saying while it is typed.
_NEVER_IN_USERNAME = re.compile(r"[^a-z0-9._-]|^[^a-z]")
_STRENGTH_COLOURS = ("#b3261e", "#b3261e", "#b7791f", "#2e7d32", "#2e7d32")


class SetupPage(QWidget):
    created = Signal(object)  # storage.vault.OpenStore

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("setupPage")
        self._user_id = str(uuid.uuid4())
        self._left: set[str] = set()  # fields the user has left once: their errors may show
        self._busy = False
        self._failure: BaseException | None = None  # the store's last refusal, re-rendered on retranslate

        self.header = BrandHeader()
        self.heading = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        font = QFont(self.heading.font())
        font.setPointSize(font.pointSize() + 4)
        self.heading.setFont(font)
        self.intro = QLabel(wordWrap=True)
        self.intro.setStyleSheet(NOTE_STYLE)
        self.language_picker = LanguagePicker(ctx, "setupLanguage")

        self.display_name = self._line("setupDisplayName", 80)
        self.username = self._line("setupUsername", 32, latin=True)
        self.role = QComboBox(objectName="setupRole")
        for role in FIRST_ROLES:
            self.role.addItem("", role.value)  # the code: Qt would turn the enum into a plain str
        self.scope = self._line("setupScope", 40, latin=True)
        self.scope.setText(DEFAULT_SCOPE)
        self.border_post = QComboBox(objectName="setupBorderPost")
        self.passphrase = self._line("setupPassphrase", 200, secret=True)
        self.strength = QProgressBar(objectName="setupStrength")
        self.strength.setRange(0, 4)
        self.strength.setTextVisible(False)
        self.strength.setFixedHeight(8)
        self.strength_text = QLabel(objectName="setupStrengthText", wordWrap=True)
        self.repeat = self._line("setupRepeat", 200, secret=True)
        self.field_errors = {name: error_label(f"setup{suffix}Error") for name, suffix in (
            ("display_name", "DisplayName"), ("username", "Username"), ("scope_id", "Scope"),
            ("border_post", "BorderPost"), ("passphrase", "Passphrase"), ("repeat", "Repeat"))}
        self.error = error_label("setupError")
        self.busy_bar = QProgressBar(objectName="setupBusy")
        self.busy_bar.setRange(0, 0)  # indeterminate: Argon2id gives no progress
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setFixedHeight(6)
        self.busy_bar.hide()
        self.create_button = QPushButton(objectName="setupCreate")
        self.create_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton))
        self.create_button.clicked.connect(self.create)
        self._lay_out()

        for line in (self.display_name, self.username, self.scope, self.passphrase, self.repeat):
            line.textChanged.connect(self._edited)
            line.editingFinished.connect(self._field_left)
            line.returnPressed.connect(self.create)
        self.role.currentIndexChanged.connect(self._role_changed)
        self.border_post.currentIndexChanged.connect(self._edited)
        language.changed.connect(self.retranslate)
        self.retranslate()

    def _lay_out(self) -> None:
        """A form of labelled fields (errors right under them) in a centred card."""
        self.form_box = QWidget()
        self.form = QFormLayout(self.form_box)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.labels: dict[str, QLabel] = {}
        strength_box = QWidget()
        strength_rows = QVBoxLayout(strength_box)
        strength_rows.setContentsMargins(0, 0, 0, 0)
        strength_rows.setSpacing(2)
        for widget in (self.passphrase, self.strength, self.strength_text, self.field_errors["passphrase"]):
            strength_rows.addWidget(widget)
        for key, field, cell in (
            ("display_name", self.display_name, with_error(self.display_name, self.field_errors["display_name"])),
            ("username", self.username, with_error(self.username, self.field_errors["username"])),
            ("role", self.role, self.role),
            ("scope_id", self.scope, with_error(self.scope, self.field_errors["scope_id"])),
            ("border_post", self.border_post, with_error(self.border_post, self.field_errors["border_post"])),
            ("passphrase", self.passphrase, strength_box),
            ("repeat", self.repeat, with_error(self.repeat, self.field_errors["repeat"])),
        ):
            label = QLabel()
            label.setBuddy(field)  # the mnemonic in the label text moves focus to the field
            self.labels[key] = label
            self.form.addRow(label, cell)

        card = QWidget(objectName="setupCard")
        rows = QVBoxLayout(card)
        rows.addWidget(self.language_picker, alignment=Qt.AlignmentFlag.AlignTrailing)
        rows.addWidget(self.header)
        rows.addWidget(self.heading)
        rows.addWidget(self.intro)
        rows.addSpacing(12)
        rows.addWidget(self.form_box)
        rows.addSpacing(8)
        rows.addWidget(self.error)
        rows.addWidget(self.busy_bar)
        rows.addWidget(self.create_button, alignment=Qt.AlignmentFlag.AlignTrailing)
        page = QVBoxLayout(self)
        page.setContentsMargins(0, 0, 0, 0)
        page.addWidget(centred(card, 620))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if not self.display_name.text():
            self.display_name.setFocus(Qt.FocusReason.OtherFocusReason)  # where typing starts

    def _line(self, name: str, max_length: int, *, latin: bool = False, secret: bool = False) -> QLineEdit:
        line = QLineEdit(objectName=name)
        line.setMaxLength(max_length)
        if latin:  # user names and scope codes are Latin: typed left to right even in Arabic
            line.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        if secret:
            line.setEchoMode(QLineEdit.EchoMode.Password)
        return line

    # --- checking as the user types ------------------------------------------------------
    def _candidate(self) -> tuple[User | None, dict[str, str]]:
        """The first user as typed, or the problems of each field (already translated)."""
        problems: dict[str, str] = {}
        user = None
        try:
            user = User(self._user_id, self.username.text(), self.display_name.text().strip(),
                        Role(self.role.currentData()), self.scope.text().strip(),
                        datetime.now(timezone.utc).replace(microsecond=0),
                        border_post=self.border_post.currentData())
        except ValidationError as exc:
            for error in exc.errors:
                problems.setdefault(error.field, error.render(tr))
        strength = assess(self.passphrase.text(), self.username.text())
        if not strength.acceptable:
            problems["passphrase"] = WeakPassphrase(reason=strength.problems[0]).render(tr)
        passphrase, repeat = self.passphrase.text(), self.repeat.text()
        if repeat != passphrase:
            problems["repeat"] = tr("The two passphrases differ.")
        return (user if not problems else None), problems

    def _edited(self) -> None:
        self._failure = None  # the store's refusal was about what was there before
        self._refresh()

    def _shown(self, field: str) -> bool:
        if field in self._left:
            return True
        if field == "username":
            return bool(_NEVER_IN_USERNAME.search(self.username.text()))
        if field == "repeat":  # say so as soon as the repeat goes astray, not only at the end
            repeat = self.repeat.text()
            return bool(repeat) and not self.passphrase.text().startswith(repeat)
        return False

    def _refresh(self) -> None:
        user, problems = self._candidate()
        for field, label in self.field_errors.items():
            if field == "passphrase":
                continue  # the strength text below the meter says it
            show_text(label, problems.get(field, "") if self._shown(field) else "")
        self._show_strength()
        self._show_failure()
        self.create_button.setEnabled(user is not None and not self._busy)

    def _show_strength(self) -> None:
        passphrase = self.passphrase.text()
        strength = assess(passphrase, self.username.text())
        self.strength.setValue(strength.score if passphrase else 0)
        self.strength.setStyleSheet(
            "QProgressBar { border: 1px solid #c9c4b8; border-radius: 3px; background: #ece9e2; }"
            f"QProgressBar::chunk {{ background: {_STRENGTH_COLOURS[strength.score]}; border-radius: 3px; }}")
        if not passphrase:
            text, style = tr("A few unrelated words, at least 12 characters. Nobody can recover a forgotten passphrase."), NOTE_STYLE
        elif not strength.acceptable:
            text = WeakPassphrase(reason=strength.problems[0]).render(tr)
            style = f"color: {_STRENGTH_COLOURS[0]};"
        else:
            text = (tr("Acceptable passphrase."), tr("Good passphrase."), tr("Strong passphrase."))[strength.score - 2]
            style = f"color: {_STRENGTH_COLOURS[strength.score]};"
        self.strength_text.setText(text)
        self.strength_text.setStyleSheet(style)

    def _field_left(self) -> None:
        sender = self.sender()
        for field, line in (("display_name", self.display_name), ("username", self.username),
                            ("scope_id", self.scope), ("repeat", self.repeat)):
            if sender is line and line.text():
                self._left.add(field)
        self._refresh()

    def _role_changed(self) -> None:
        # The permanent secretariat works nationally, not at a border post.
        national = self.role.currentData() == Role.SECRETARIAT.value
        if national:
            self.border_post.setCurrentIndex(0)
        self.border_post.setEnabled(not national and not self._busy)
        self._refresh()

    # --- creating ------------------------------------------------------------------------
    def create(self) -> None:
        user, _problems = self._candidate()
        if user is None or self._busy:
            self._left.update(self.field_errors)  # pressing Enter early: show every problem
            self._refresh()
            return
        passphrase = self.passphrase.text()
        vault = self.ctx.vault
        self._failure = None
        self._set_busy(True)
        self.ctx.ops.run(lambda: vault.create(user, passphrase),
                         on_done=self._created, on_error=self._failed, owner=self)

    def _created(self, opened: OpenStore) -> None:
        self._set_busy(False)
        self.passphrase.clear()
        self.repeat.clear()
        if not self.isVisible():
            # Quick-hide was pressed meanwhile: the store stays created but locked.
            self.ctx.ops.run(opened.lock)
            return
        try:
            self.ctx.settings.set("last_user", opened.user.username)
        except OSError:
            pass  # only a convenience for the next unlock
        self.created.emit(opened)

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self._failure = exc
        if isinstance(exc, ValidationError):
            self._left.update(e.field for e in exc.errors)
        self._refresh()

    def _show_failure(self) -> None:
        exc = self._failure
        text = ""
        if isinstance(exc, ValidationError):
            unplaced = [e for e in exc.errors if e.field not in self.field_errors]
            for error in exc.errors:
                if error.field in self.field_errors and not self.field_errors[error.field].text():
                    show_text(self.field_errors[error.field], error.render(tr))
            text = "\n".join(e.render(tr) for e in unplaced)
        elif exc is not None:
            text = render_error(exc)
        show_text(self.error, text)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.form_box.setEnabled(not busy)
        self.language_picker.setEnabled(not busy)
        self.busy_bar.setVisible(busy)
        if not busy:
            self._role_changed()
        self._label_button()

    # --- language ------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.heading.setText(tr("Set up Himaya on this laptop"))
        self.intro.setText(tr(
            "This creates the encrypted case store on this laptop and its first user. "
            "Everything in it stays encrypted; only the passphrase of a user of this laptop "
            "opens it. You can add other users once the store is created."))
        texts = {
            "display_name": (tr("Full &name"), tr("As colleagues know you")),
            "username": (tr("&User name"), tr("e.g. salma.b")),
            "role": (tr("&Role"), ""),
            "scope_id": (tr("&Scope (team or region)"), tr("e.g. national")),
            "border_post": (tr("&Border post"), ""),
            "passphrase": (tr("&Passphrase"), ""),
            "repeat": (tr("Re&peat the passphrase"), ""),
        }
        for key, (label, placeholder) in texts.items():
            self.labels[key].setText(label)
            field = self.labels[key].buddy()
            field.setAccessibleName(label.replace("&", ""))
            if isinstance(field, QLineEdit):
                field.setPlaceholderText(placeholder)
        for index in range(self.role.count()):
            self.role.setItemText(index, tr(ROLE_LABELS[Role(self.role.itemData(index))]))
        self._fill_border_posts()
        self.strength.setAccessibleName(tr("Passphrase strength"))
        self._label_button()
        self._refresh()

    def _label_button(self) -> None:
        self.create_button.setText(tr("Creating the store…") if self._busy else tr("&Create the store"))
        self.create_button.setAccessibleName(tr("Create the store"))
        self.create_button.setEnabled(not self._busy and self._candidate()[0] is not None)

    def _fill_border_posts(self) -> None:
        """Names in the current language, in its alphabetical order; the choice is kept."""
        chosen = self.border_post.currentData()
        names = {code: post.get(language.code) or post.get("en") or code for code, post in border_posts().items()}
        collator = QCollator(QLocale())  # the default locale follows the interface language
        self.border_post.blockSignals(True)
        self.border_post.clear()
        self.border_post.addItem(tr("None (an office, not a border post)"), None)
        for code in sorted(names, key=cmp_to_key(lambda a, b: collator.compare(names[a], names[b]))):
            self.border_post.addItem(names[code], code)
        self.border_post.setCurrentIndex(max(0, self.border_post.findData(chosen)))
        self.border_post.blockSignals(False)
