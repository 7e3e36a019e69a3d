"""The small forms of user management: add a user, reset a passphrase, change a role.

Each form runs its one service call through ``ctx.ops`` and shows what the core refuses
next to the field it concerns. Errors are kept as errors, not as text, so that a language
switch re-renders them in place.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton,
    QVBoxLayout, QWidget,
)

from app.domain.user import User
from app.domain.values import ROLE_LABELS, Role
from app.errors import FieldError, ValidationError, WeakPassphrase
from app.passphrase import assess
from app.resources import border_posts
from app.text import N_
from ui.qt.context import AppContext
from ui.qt.lang import language, render_error, tr, trf

ERROR_STYLE = "color: #b3261e;"
HINT_STYLE = "color: #5f5b53;"
STRENGTH_WORDS = (N_("Very weak"), N_("Weak"), N_("Fair"), N_("Good"), N_("Strong"))


def grantable_roles(role: Role) -> list[Role]:
    """Roles a user manager may give (mirrors ``UserService``: the core decides anyway)."""
    return [r for r in Role if r is not Role.SECRETARIAT or role is Role.SECRETARIAT]


def post_name(code: str | None) -> str:
    post = border_posts().get(code or "")
    return post.get(language.code, post["en"]) if post else (code or "")


class ErrorLabel(QLabel):
    """An inline error; it keeps the error itself and renders it in the current language."""

    def __init__(self, name: str, field: QWidget | None = None) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setWordWrap(True)
        self.setStyleSheet(ERROR_STYLE)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.field = field
        self._source: Any = None
        self.hide()
        language.changed.connect(self.retranslate)

    def show_error(self, source: FieldError | BaseException | str | None) -> None:
        """A ``FieldError``, an exception, a msgid, or ``None`` to clear."""
        self._source = source
        self.retranslate()

    def retranslate(self) -> None:
        source = self._source
        if source is None:
            text = ""
        elif isinstance(source, FieldError):
            text = source.render(tr)
        elif isinstance(source, BaseException):
            text = render_error(source)
        else:
            text = tr(source)
        self.setText(text)
        self.setAccessibleName(text)
        self.setVisible(bool(text))
        if self.field is not None:
            # Screen readers announce the field's problem when the field gets the focus.
            self.field.setAccessibleDescription(text)


def with_error(widget: QWidget, error: ErrorLabel, hint: QLabel | None = None) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(widget)
    if hint is not None:
        layout.addWidget(hint)
    layout.addWidget(error)
    return box


class RoleCombo(QComboBox):
    def __init__(self, roles: list[Role], current: Role | None = None) -> None:
        super().__init__()
        self.setObjectName("userRole")
        for role in roles:
            self.addItem("", role.value)
        if current is not None and current in roles:
            self.setCurrentIndex(roles.index(current))
        language.changed.connect(self.retranslate)
        self.retranslate()

    def role(self) -> Role:
        return Role(self.currentData())

    def roles(self) -> list[Role]:
        return [Role(self.itemData(i)) for i in range(self.count())]

    def retranslate(self) -> None:
        for i in range(self.count()):
            self.setItemText(i, tr(ROLE_LABELS[Role(self.itemData(i))]))
        self.setAccessibleName(tr("Role"))


class PostCombo(QComboBox):
    """Border posts and offices, by name in the interface language; first item: none."""

    def __init__(self, current: str | None = None) -> None:
        super().__init__()
        self.setObjectName("userBorderPost")
        self.addItem("", None)
        for code in sorted(border_posts(), key=post_name):
            self.addItem("", code)
        if current:
            self.setCurrentIndex(max(0, self.findData(current)))
        language.changed.connect(self.retranslate)
        self.retranslate()

    def post(self) -> str | None:
        return self.currentData() or None

    def retranslate(self) -> None:
        self.setItemText(0, tr("No border post"))
        for i in range(1, self.count()):
            self.setItemText(i, post_name(self.itemData(i)))
        self.setAccessibleName(tr("Border post"))


class PassphraseFields(QObject):
    """A new passphrase, its repetition and a strength meter (``app.passphrase.assess``),
    added as rows of the dialog's own form so that every label lines up."""

    def __init__(self, form: QFormLayout, username: Callable[[], str], parent: QObject) -> None:
        super().__init__(parent)
        self._username = username
        self.passphrase = QLineEdit(objectName="userPassphrase", echoMode=QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit(objectName="userRepeat", echoMode=QLineEdit.EchoMode.Password)
        self.meter = QProgressBar(objectName="userStrength", minimum=0, maximum=4, textVisible=False)
        self.meter.setMaximumHeight(8)
        self.word = QLabel(objectName="userStrengthWord")
        self.hint = QLabel(objectName="userStrengthHint", wordWrap=True)
        self.passphrase_error = ErrorLabel("userPassphraseError", self.passphrase)
        self.repeat_error = ErrorLabel("userRepeatError", self.repeat)
        self.passphrase_label, self.repeat_label = QLabel(), QLabel()
        self.passphrase_label.setBuddy(self.passphrase)
        self.repeat_label.setBuddy(self.repeat)
        self.strength = QWidget()
        row = QHBoxLayout(self.strength)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.meter, 1)
        row.addWidget(self.word)
        form.addRow(self.passphrase_label, with_error(self.passphrase, self.passphrase_error))
        form.addRow("", self.strength)
        form.addRow("", self.hint)
        form.addRow(self.repeat_label, with_error(self.repeat, self.repeat_error))
        self.passphrase.textChanged.connect(self._typed)
        self.repeat.textChanged.connect(lambda _t: self.repeat_error.show_error(None))
        language.changed.connect(self.retranslate)
        self.retranslate()

    def _typed(self) -> None:
        self.passphrase_error.show_error(None)  # the refusal was about the previous text
        self.update_strength()

    def update_strength(self) -> None:
        text = self.passphrase.text()
        strength = assess(text, self._username())
        self.meter.setValue(strength.score)
        self.word.setText(tr(STRENGTH_WORDS[strength.score]))
        self.meter.setAccessibleDescription(self.word.text())
        self.hint.setText(tr(strength.problems[0]) if text and strength.problems else "")
        self.strength.setVisible(bool(text))  # an empty meter reads as a broken field
        self.hint.setVisible(bool(self.hint.text()))

    def checked(self) -> str | None:
        """The passphrase when both fields agree; otherwise the repeat field says why."""
        if self.passphrase.text() != self.repeat.text():
            self.repeat_error.show_error(N_("The two passphrases are not the same."))
            return None
        return self.passphrase.text()

    def clear(self) -> None:
        self.passphrase.clear()
        self.repeat.clear()

    def retranslate(self) -> None:
        self.passphrase_label.setText(tr("&Passphrase"))
        self.repeat_label.setText(tr("Re&peat passphrase"))
        self.passphrase.setAccessibleName(tr("Passphrase"))
        self.repeat.setAccessibleName(tr("Repeat passphrase"))
        self.meter.setAccessibleName(tr("Passphrase strength"))
        self.update_strength()


class FormDialog(QDialog):
    """A form with one Save button whose service call runs off the GUI thread."""

    saved = Signal(object)

    def __init__(self, ctx: AppContext, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName(name)
        self.setModal(True)
        self.error = ErrorLabel("userError")
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.setMinimumWidth(560)
        self.buttons = QDialogButtonBox()
        self.save = QPushButton(objectName="userSave", default=True)
        self.cancel = QPushButton(objectName="userCancel")
        self.buttons.addButton(self.save, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel, QDialogButtonBox.ButtonRole.RejectRole)
        self.save.clicked.connect(self.submit)
        self.cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.error)
        layout.addLayout(self.form)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.field_errors: dict[str, ErrorLabel] = {}
        language.changed.connect(self.retranslate)  # subclasses extend it and call it once built

    def retranslate(self) -> None:
        self.save.setText(tr("&Save"))
        self.save.setAccessibleName(tr("Save"))
        self.cancel.setText(tr("Cancel"))
        self.cancel.setAccessibleName(tr("Cancel"))

    def add_field(self, label: QLabel, widget: QWidget, field: str, hint: QLabel | None = None) -> None:
        label.setBuddy(widget)
        error = ErrorLabel(f"{widget.objectName()}Error", widget)
        self.field_errors[field] = error
        self.form.addRow(label, with_error(widget, error, hint))

    def post_hint(self) -> QLabel:
        hint = QLabel(objectName="userBorderPostHint", wordWrap=True)
        hint.setStyleSheet(HINT_STYLE)
        return hint

    def submit(self) -> None:  # overridden
        raise NotImplementedError

    def call(self, method: str, *args: Any, **kwargs: Any) -> None:
        """``UserService.<method>(session, *args, **kwargs)`` on the worker thread."""
        ctx = self.ctx

        def job() -> Any:
            services = ctx.require()
            return getattr(services.users, method)(services.session, *args, **kwargs)

        self.clear_errors()
        self.save.setEnabled(False)
        ctx.ops.run(job, on_done=self._done, on_error=self.show_error, owner=self)

    def _done(self, result: Any) -> None:
        self.save.setEnabled(True)
        self.saved.emit(result)
        self.accept()

    def clear_errors(self) -> None:
        self.error.show_error(None)
        for label in self.field_errors.values():
            label.show_error(None)

    def show_error(self, exc: BaseException) -> None:
        self.save.setEnabled(True)
        if isinstance(exc, WeakPassphrase) and "passphrase" in self.field_errors:
            self.field_errors["passphrase"].show_error(exc)
            return
        if isinstance(exc, ValidationError):
            unplaced = [e for e in exc.errors if e.field not in self.field_errors]
            for error in exc.errors:
                if error.field in self.field_errors:
                    self.field_errors[error.field].show_error(error)
            if unplaced:
                self.error.show_error(unplaced[0])
            return
        self.error.show_error(exc)


class AddUserDialog(FormDialog):
    """A new local user; the first passphrase is given to them in person."""

    def __init__(self, ctx: AppContext, roles: list[Role], parent: QWidget | None = None) -> None:
        super().__init__(ctx, "addUserDialog", parent)
        self.username = QLineEdit(objectName="userUsername", maxLength=32)
        self.display_name = QLineEdit(objectName="userDisplayName", maxLength=80)
        self.role = RoleCombo(roles, Role.SOCIAL_WORKER)
        self.post = PostCombo()
        self.labels = [QLabel() for _ in range(4)]
        self.hint = self.post_hint()
        for label, widget, field in zip(self.labels, (self.username, self.display_name, self.role, self.post),
                                        ("username", "display_name", "role", "border_post")):
            self.add_field(label, widget, field, self.hint if widget is self.post else None)
        self.passphrase = PassphraseFields(self.form, lambda: self.username.text().strip(), self)
        self.field_errors["passphrase"] = self.passphrase.passphrase_error
        self.username.textChanged.connect(self.passphrase.update_strength)
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.setWindowTitle(tr("Add a user"))
        for label, text in zip(self.labels, (tr("&User name"), tr("&Display name"), tr("&Role"),
                                             tr("&Border post"))):
            label.setText(text)
        self.hint.setText(tr("Required for border officers."))
        self.username.setAccessibleName(tr("User name"))
        self.username.setPlaceholderText(tr("lower-case Latin letters, e.g. fatima.z"))
        self.display_name.setAccessibleName(tr("Display name"))

    def submit(self) -> None:
        passphrase = self.passphrase.checked()
        if passphrase is None:
            return
        self.call("add_user", username=self.username.text().strip(),
                  display_name=self.display_name.text().strip(), role=self.role.role(),
                  border_post=self.post.post(), passphrase=passphrase)


class PassphraseDialog(FormDialog):
    """A user manager sets a new passphrase for someone who forgot theirs."""

    def __init__(self, ctx: AppContext, user: User, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "passphraseDialog", parent)
        self.user = user
        self.who = QLabel(objectName="passphraseUser", wordWrap=True)
        self.form.addRow(self.who)
        self.passphrase = PassphraseFields(self.form, lambda: user.username, self)
        self.field_errors["passphrase"] = self.passphrase.passphrase_error
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.setWindowTitle(tr("Reset passphrase"))
        self.who.setText(trf("New passphrase for {name} ({username}). Give it to them in person.",
                             name=self.user.display_name, username=self.user.username))

    def submit(self) -> None:
        passphrase = self.passphrase.checked()
        if passphrase is None:
            return
        self.call("set_passphrase", self.user.username, passphrase)


class RoleDialog(FormDialog):
    def __init__(self, ctx: AppContext, user: User, roles: list[Role], parent: QWidget | None = None) -> None:
        super().__init__(ctx, "roleDialog", parent)
        self.user = user
        self.who = QLabel(objectName="roleUser", wordWrap=True)
        self.form.addRow(self.who)
        self.role = RoleCombo(roles, user.role)
        self.post = PostCombo(user.border_post)
        self.labels = [QLabel(), QLabel()]
        self.hint = self.post_hint()
        self.add_field(self.labels[0], self.role, "role")
        self.add_field(self.labels[1], self.post, "border_post", self.hint)
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.setWindowTitle(tr("Change role"))
        self.who.setText(trf("Role of {name} ({username})", name=self.user.display_name,
                             username=self.user.username))
        self.labels[0].setText(tr("&Role"))
        self.labels[1].setText(tr("&Border post"))
        self.hint.setText(tr("Required for border officers."))

    def submit(self) -> None:
        self.call("set_role", self.user.username, self.role.role(), self.post.post())
