"""Hostile variants of a valid JSON document, built on the fly (nothing big is committed).

``file_variants(valid)`` gives (label, bytes) pairs that any strict reader of outside JSON
must refuse with a clear error: truncated, empty, invalid UTF-8, NUL bytes, wrong top-level
types, deep nesting (100,000 lists, at the top and inside a field), a number of 5,000
digits, ``NaN`` and ``1e999``, and a key given twice. ``TEXT_FRAGMENTS`` are values that
must either be refused by name (bidi controls, NUL) or, where text is free, come back
exactly as given (SQL and HTML).
"""

from __future__ import annotations

import json
from typing import Any

DEPTH = 100_000
DEEP = b"[" * DEPTH + b"]" * DEPTH

SQL = "'); DROP TABLE cases;--"
HTML = "<script>alert('x')</script><img src=x onerror=alert(1)>"
RLO_NAME = "\u0641\u0627\u0637\u202e\u0645\u0629"  # فاط‮مة: U+202E would show the rest reversed
BIDI_CONTROLS = ("\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200f", "\u061c")
NUL_TEXT = "Ami\x00nata"


def dump(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def _with_first_key_twice(raw: bytes) -> bytes:
    """``{"k": v, ...}`` → ``{"k": "shadowed", "k": v, ...}``: a reviewer and a parser could read different values."""
    first_key = raw[1:].split(b":", 1)[0].strip()
    return b"{" + first_key + b': "shadowed", ' + raw[1:].lstrip()


def _field_replaced(document: dict[str, Any], raw_value: bytes) -> bytes:
    """The document with its last top-level field's value replaced by ``raw_value`` (raw JSON text)."""
    key = list(document)[-1]
    marker = "\u0000MARK\u0000"
    text = dump({**document, key: marker})
    return text.replace(json.dumps(marker).encode(), raw_value)


def file_variants(valid: dict[str, Any]) -> list[tuple[str, bytes]]:
    raw = dump(valid)
    return [
        ("empty", b""),
        ("truncated", raw[: len(raw) // 2]),
        ("truncated to one byte", raw[:1]),
        ("invalid UTF-8", raw[:-1] + b"\xff\xfe}"),
        ("latin-1 text", json.dumps({"name": "F\u00e8s"}, ensure_ascii=False).encode("latin-1")),
        ("NUL bytes", b"\x00" * 64),
        ("NUL before the document", b"\x00" + raw),
        ("a list, not an object", b"[]"),
        ("a string, not an object", b'"himaya"'),
        ("a number, not an object", b"42"),
        ("null", b"null"),
        ("100,000 nested lists", DEEP),
        ("100,000 nested lists in a field", _field_replaced(valid, DEEP)),
        ("a number of 5,000 digits", _field_replaced(valid, b"9" * 5000)),
        ("NaN", _field_replaced(valid, b"NaN")),
        ("1e999", _field_replaced(valid, b"1e999")),
        ("a key given twice", _with_first_key_twice(raw)),
    ]
