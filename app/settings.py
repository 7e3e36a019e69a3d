"""Settings as one typed table: key, type, default, allowed values. No secrets here, ever."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from app.text import N_


@dataclass(frozen=True)
class Setting:
    key: str
    type: type
    default: Any
    label: str
    valid: Callable[[Any], bool] = lambda _v: True


SETTINGS: dict[str, Setting] = {s.key: s for s in (
    Setting("language", str, "ar", N_("Language"), lambda v: v in ("ar", "fr", "en")),
    Setting("idle_lock_minutes", int, 5, N_("Lock after minutes without use"), lambda v: 1 <= v <= 15),
    Setting("case_page_size", int, 200, N_("Cases loaded at a time"), lambda v: 50 <= v <= 2000),
    Setting("last_user", str, "", N_("Last user")),
)}


def coerce(values: Mapping[str, Any]) -> dict[str, Any]:
    """Known keys with valid values of the right type; anything else falls back to defaults."""
    result: dict[str, Any] = {}
    for key, setting in SETTINGS.items():
        value = values.get(key, setting.default)
        if type(value) is not setting.type or not setting.valid(value):
            value = setting.default
        result[key] = value
    return result


def validate(key: str, value: Any) -> Any:
    setting = SETTINGS.get(key)
    if setting is None:
        raise KeyError(key)
    if type(value) is not setting.type or not setting.valid(value):
        raise ValueError(f"invalid value for {key}")
    return value
