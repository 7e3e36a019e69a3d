"""Turning records into JSON-able field dictionaries and back.

Each record dataclass declares ``RECORD_TYPE`` and ``WIRE``: a mapping of attribute name to
the field name used in the store, the sync wire format and exports (HTCDS names where
HTCDS has one: ``prs_FirstName``; Himaya's own fields carry a ``hmy_`` prefix). One codec,
driven by the type hints, does every conversion, so adding a field is one line.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime, timezone
from enum import Enum
from functools import lru_cache
from typing import Any, Mapping, TypeVar, Union

T = TypeVar("T")


def to_fields(record: Any) -> dict[str, Any]:
    """``record`` as ``{wire name: JSON value}``; the id is not a field."""
    wire: Mapping[str, str] = type(record).WIRE
    return {wire_name: encode(getattr(record, name)) for name, wire_name in wire.items()}


_PLAIN = (str, int, bool, float, type(None))


def from_fields(cls: type[T], record_id: str, fields: Mapping[str, Any]) -> T:
    """Build ``cls`` from a field dictionary (unknown keys are ignored, missing ones default)."""
    hints = _hints(cls)
    kwargs: dict[str, Any] = {"id": record_id}
    for name, wire_name in cls.WIRE.items():  # type: ignore[attr-defined]
        if wire_name in fields:
            kwargs[name] = decode(fields[wire_name], hints[name])
    return cls(**kwargs)


def encode(value: Any, hint: Any = None) -> Any:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if dataclasses.is_dataclass(value):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list, frozenset, set)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    return value


def decode(raw: Any, hint: Any) -> Any:
    """Decode ``raw`` to the type ``hint``; raises ``ValueError``/``TypeError`` on a mismatch."""
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if raw is None:
            return None
        return decode(raw, args[0])
    if raw is None:
        return None
    if origin is tuple:
        if not isinstance(raw, (list, tuple)):
            raise TypeError(f"expected a list, got {type(raw).__name__}")
        (item,) = typing.get_args(hint)[:1]
        return tuple(decode(v, item) for v in raw)
    if origin is dict or hint is dict:
        if not isinstance(raw, dict):
            raise TypeError(f"expected an object, got {type(raw).__name__}")
        return dict(raw)
    if isinstance(hint, type):
        if issubclass(hint, Enum):
            return hint(raw)
        if hint is datetime:
            if not isinstance(raw, str):
                raise TypeError("expected a date-time text")
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            if parsed.tzinfo is None:
                raise ValueError("a date-time needs a time zone")
            return parsed.astimezone(timezone.utc)
        if hint is date:
            if not isinstance(raw, str):
                raise TypeError("expected a date text")
            return date.fromisoformat(raw)
        if dataclasses.is_dataclass(hint):
            if not isinstance(raw, dict):
                raise TypeError(f"expected an object for {hint.__name__}")
            sub = _hints(hint)
            fields = dataclasses.fields(hint)
            required = [f.name for f in fields
                        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
            missing = [name for name in required if name not in raw]
            if missing:
                raise ValueError(f"{hint.__name__.lower()} needs {', '.join(missing)}")
            known = {f.name for f in fields}
            return hint(**{k: decode(v, sub[k]) for k, v in raw.items() if k in known})
        if hint is bool:
            if not isinstance(raw, bool):
                raise TypeError("expected true or false")
            return raw
        if hint is int:
            if isinstance(raw, bool) or not isinstance(raw, int):
                raise TypeError("expected a whole number")
            return raw
        if hint is str:
            if not isinstance(raw, str):
                raise TypeError("expected text")
            return raw
    return raw


@lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)
