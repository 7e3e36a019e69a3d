"""JSON from outside (files, the hub's answers) read strictly, with one error type.

Python's ``json`` lets through what a hostile file can use against the code after it: a
key given twice (the second silently wins, so a reviewer and Himaya read different
values), ``NaN`` and ``Infinity`` (not JSON), numbers of thousands of digits (``int()``
refuses them with a bare ``ValueError``) and nesting deep enough to raise
``RecursionError`` in the parser or in any recursive check after it. ``loads`` refuses
all of these with ``JsonRefused``, a ``ValueError`` whose message names the problem, so
the callers' existing ``except ValueError`` keeps catching it.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 100  # Himaya's own documents nest fewer than 20 levels


class JsonRefused(ValueError):
    """Text that is not strict JSON; the message says why, in plain English.

    ``reason`` is the problem alone (``Expecting value, line 1 column 5``) for callers
    whose own sentence already says "not valid JSON"."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise JsonRefused(f"the key {key[:80]!r} appears twice in one object")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise JsonRefused(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise JsonRefused(f"the number {text[:40]} is too large")
    return value


def _depth_within(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values() if isinstance(child, (dict, list)))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item if isinstance(child, (dict, list)))
    return True


def loads(raw: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """The document in ``raw`` (UTF-8 bytes or text), or ``JsonRefused`` naming the problem."""
    if isinstance(raw, (bytes, bytearray, memoryview)):
        try:
            raw = bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise JsonRefused("not UTF-8 text") from None
    try:
        document = json.loads(raw, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant,
                              parse_float=_finite_float)
    except JsonRefused:
        raise
    except json.JSONDecodeError as exc:
        where = f"{exc.msg}, line {exc.lineno} column {exc.colno}"
        raise JsonRefused(f"not valid JSON ({where})", where) from None
    except RecursionError:
        raise JsonRefused(f"nested more than {max_depth} levels deep") from None
    except ValueError:  # Python converts integers of up to 4,300 digits only
        raise JsonRefused("a number has too many digits") from None
    if not _depth_within(document, max_depth):
        raise JsonRefused(f"nested more than {max_depth} levels deep")
    return document
