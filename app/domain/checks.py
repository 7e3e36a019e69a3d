"""Small validation helpers shared by the domain records.

Records validate in ``__post_init__`` and raise one ``ValidationError`` listing every
problem, so a form can show all of them inline at once.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import date, datetime
from typing import Any

from app.errors import FieldError, ValidationError
from app.text import N_

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}$")
# Bidi controls can make a name display as something else (e.g. U+202E reverses text);
# they are refused in every free-text field, along with other invisible format controls
# except the joiners Arabic and Persian writing needs.
_ALLOWED_FORMAT = {"\u200c", "\u200d"}


class Checker:
    """Collects field errors, then raises them together."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def fail(self, field: str, template: str, **params: Any) -> None:
        self.errors.append(FieldError(field, template, params))

    def errors_for(self, field: str) -> list[FieldError]:
        return [e for e in self.errors if e.field == field]

    def require(self, field: str, value: Any) -> None:
        if value is None or (isinstance(value, str) and not value.strip()):
            self.fail(field, N_("This field is required."))

    def text(self, field: str, value: str | None, *, max_len: int = 200, required: bool = False) -> None:
        if value is None:
            if required:
                self.fail(field, N_("This field is required."))
            return
        if not isinstance(value, str):
            self.fail(field, N_("Expected text."))
            return
        if required and not value.strip():
            self.fail(field, N_("This field is required."))
        if len(value) > max_len:
            self.fail(field, N_("At most {limit} characters."), limit=max_len)
        if has_hidden_controls(value):
            self.fail(field, N_("Contains invisible control characters; retype the text."))

    def uuid(self, field: str, value: str | None, *, required: bool = True) -> None:
        if value is None:
            if required:
                self.fail(field, N_("This field is required."))
            return
        if not is_uuid(value):
            self.fail(field, N_("Not a valid identifier."))

    def date_not_future(self, field: str, value: date | None, today: date | None = None) -> None:
        if value is None:
            return
        if not isinstance(value, date) or isinstance(value, datetime):
            self.fail(field, N_("Expected a date."))
            return
        if value > (today or date.today()):
            self.fail(field, N_("The date cannot be in the future."))
        if value.year < 1900:
            self.fail(field, N_("The date is too far in the past."))

    def done(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def has_hidden_controls(value: str) -> bool:
    # Fast path (most text): a printable string has no character of the Unicode "Other"
    # categories at all, so no Cc or Cf; only the rest is looked at character by character.
    if value.isprintable():
        return False
    for char in value:
        category = unicodedata.category(char)
        if category == "Cf" and char not in _ALLOWED_FORMAT:
            return True
        if category == "Cc" and char not in "\n\t":
            return True
    return False


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def is_uuid(value: object) -> bool:
    """A UUID in canonical form (lower-case hex, hyphenated), the form ids are stored in."""
    return isinstance(value, str) and _UUID.match(value) is not None


def new_id() -> str:
    return str(uuid.uuid4())


def is_arabic_script(value: str) -> bool:
    """True when every letter of ``value`` is in the Arabic script blocks."""
    letters = [c for c in value if c.isalpha()]
    return bool(letters) and all(_is_arabic_letter(c) for c in letters)


def has_arabic_letters(value: str) -> bool:
    """True when ``value`` has at least one Arabic letter (Arabic text may quote Latin codes)."""
    return any(_is_arabic_letter(c) for c in value if c.isalpha())


def is_latin_script(value: str) -> bool:
    letters = [c for c in value if c.isalpha()]
    return bool(letters) and all("LATIN" in unicodedata.name(c, "") for c in letters)


def _is_arabic_letter(char: str) -> bool:
    code = ord(char)
    return (
        0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0x08A0 <= code <= 0x08FF
        or 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF
    )
