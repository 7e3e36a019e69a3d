"""Dates and numbers formatted with Babel (CLDR) for the interface language.

``ar`` uses ``ar_MA``: Moroccan month names (يناير، فبراير …) with Western digits, as
Morocco writes them.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from babel import dates, numbers

from i18n import BABEL_LOCALES


def _locale(language: str) -> str:
    return BABEL_LOCALES.get(language, "en")


def format_date(value: date | None, language: str, style: str = "long") -> str:
    if value is None:
        return ""
    return dates.format_date(value, format=style, locale=_locale(language))


def format_datetime(value: datetime | None, language: str, tz: str | None = None) -> str:
    """Date (long, with the month's name) and time, in the machine's time zone or ``tz``."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    local = value.astimezone(dates.get_timezone(tz)) if tz else value.astimezone()
    day = dates.format_date(local.date(), format="long", locale=_locale(language))
    time = dates.format_time(local, format="short", locale=_locale(language), tzinfo=local.tzinfo)
    return f"{day} {time}"


def format_number(value: int | float, language: str) -> str:
    return numbers.format_decimal(value, locale=_locale(language))
