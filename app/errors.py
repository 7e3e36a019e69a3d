"""Typed errors of the core.

Every error a user can meet carries an English message template (a gettext msgid marked
with ``N_``) and its parameters, so each front end can show it in the user's language.
``str(error)`` gives the English text, which is what logs and the command line fall back to.
Nothing here ever includes case content in the message of an error that may be logged:
parameters name fields, states and codes, not what a person said.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from app.text import N_


class HimayaError(Exception):
    """Base of every error the core raises on purpose."""

    template: str = N_("Something went wrong.")
    #: parameters whose values are themselves msgids (labels) and are translated too
    translated_params: tuple[str, ...] = ()

    def __init__(self, template: str | None = None, **params: Any) -> None:
        if template is not None:
            self.template = template
        self.params: Mapping[str, Any] = params
        super().__init__(self.render())

    def render(self, translate: Any = None) -> str:
        """The message, translated by ``translate`` (a gettext function) when given."""
        text = translate(self.template) if translate else self.template
        params = dict(self.params)
        if translate:
            for name in self.translated_params:
                if isinstance(params.get(name), str):
                    params[name] = translate(params[name])
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return self.template.format(**self.params)


@dataclass(frozen=True)
class FieldError:
    """One invalid field: its name (as the form knows it) and why."""

    field: str
    template: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, translate: Any = None) -> str:
        text = translate(self.template) if translate else self.template
        return text.format(**self.params)


class ValidationError(HimayaError):
    """Input that breaks a rule of the domain; lists every failing field at once."""

    template = N_("Some fields need attention: {fields}")

    def __init__(self, errors: list[FieldError] | tuple[FieldError, ...]) -> None:
        self.errors: tuple[FieldError, ...] = tuple(errors)
        super().__init__(fields=", ".join(e.field for e in self.errors))

    def for_field(self, name: str) -> list[FieldError]:
        return [e for e in self.errors if e.field == name]


class PermissionDenied(HimayaError):
    template = N_("Your role ({role}) does not allow this: {action}.")
    translated_params = ("role", "action")


class NotFound(HimayaError):
    template = N_("No {kind} with the id {ident} in this store.")
    translated_params = ("kind",)


class ReferralRefused(HimayaError):
    """A referral that cannot be made or updated, with every reason (msgids) at once."""

    template = N_("The referral cannot be made: {reasons}")

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = tuple(reasons)
        super().__init__(reasons="; ".join(reasons))

    def render(self, translate: Any = None) -> str:
        if translate is None:
            return super().render()
        return translate(self.template).format(reasons="; ".join(translate(r) for r in self.reasons))


class TransitionRefused(HimayaError):
    """A lifecycle move that the table does not allow, with every reason."""

    template = N_("The case cannot move from {source} to {target}: {reasons}")
    translated_params = ("source", "target")

    def __init__(self, source: str, target: str, reasons: list[str]) -> None:
        self.reasons = tuple(reasons)
        super().__init__(source=source, target=target, reasons="; ".join(reasons))

    def render(self, translate: Any = None) -> str:
        if translate is None:
            return super().render()
        text = translate(self.template)
        return text.format(
            source=translate(self.params["source"]),
            target=translate(self.params["target"]),
            reasons="; ".join(translate(r) for r in self.reasons),
        )


class StaleRecord(HimayaError):
    template = N_("This {kind} was changed by someone else since you opened it. Reopen it and try again.")


class ImportRejected(HimayaError):
    """An import file that cannot be taken; nothing of it was written."""

    template = N_("The import file was refused, nothing was imported: {reason}")


# --- the store -------------------------------------------------------------------------

class StoreError(HimayaError):
    template = N_("The case store could not be used.")


class StoreNotFound(StoreError):
    template = N_("There is no Himaya store in {path}. Create one first (himaya-cli init).")


class StoreExists(StoreError):
    template = N_("A Himaya store already exists in {path}; nothing was changed.")


class KeyFileMissing(StoreError):
    template = N_(
        "The key file of the store in {path} is missing or unreadable, so the store cannot be "
        "opened. Restore it from a backup; the encrypted data was not touched."
    )


class WrongPassphrase(StoreError):
    template = N_("Wrong user name or passphrase.")


class UnlockThrottled(StoreError):
    template = N_("Too many failed attempts. Wait {seconds} seconds before trying again.")


class StoreCorrupted(StoreError):
    template = N_(
        "The store file in {path} is damaged or is not a Himaya store ({detail}). "
        "Nothing was changed; restore it from a backup."
    )


class StoreTooNew(StoreError):
    template = N_(
        "This store was written by a newer version of Himaya (schema {found}, this version "
        "knows up to {known}). Install the newer version; nothing was changed."
    )


class BackupInvalid(StoreError):
    template = N_("The backup file cannot be restored: {reason}. The current store was not changed.")


class WeakPassphrase(HimayaError):
    template = N_("This passphrase is too weak: {reason}")
    translated_params = ("reason",)


class KdfTooWeak(StoreError):
    template = N_(
        "The key file asks for key-derivation settings weaker than Himaya allows ({detail}); "
        "it was refused."
    )


# --- screening checklists -------------------------------------------------------------------

class ChecklistInvalid(HimayaError):
    """A checklist file that cannot be used: the file, the place in it and why.

    ``place`` is a path into the JSON document (``sections[2].items[5].text.ar``), empty when
    the whole file is at fault. ``reason`` is plain English for the people who edit checklist
    files (like a compiler's message); only the sentence around it is translated.
    """

    template = N_("The checklist {source} was refused at {place}: {reason}")

    def __init__(self, source: str, place: str, reason: str) -> None:
        self.source, self.place, self.reason = source, place, reason
        whole_file = N_("The checklist {source} was refused: {reason}")
        super().__init__(None if place else whole_file, source=source, place=place, reason=reason)


class ChecklistNotFound(HimayaError):
    template = N_("No checklist {ident} is installed.")


class AnswersInvalid(HimayaError):
    """Screening answers that do not fit the checklist; names the question (its item id)."""

    template = N_("The answer to {item} was refused: {reason}")
    translated_params = ("reason",)

    def __init__(self, item: str, reason: str) -> None:
        self.item, self.reason = item, reason
        super().__init__(item=item, reason=reason)
