"""Key bytes in memory: held in ``bytearray`` objects and overwritten as soon as they are done.

Python's ``bytes`` and ``str`` are immutable, and freeing one does not clear its memory: a
copy of a key in one stays readable until the allocator reuses the place. So the data key
and the passphrase-derived key live in ``bytearray`` objects (``zero`` overwrites them), and
the few immutable copies an API insists on (the SQL text of ``PRAGMA key``, the random bytes
of a new key) are overwritten in place right after use on CPython, whose layout of ``bytes``
and ASCII ``str`` objects is checked before anything is written. On another interpreter, or
for an object whose bytes are not where they are expected, ``zero_immutable`` does nothing.
What this cannot reach is listed in docs/STORE.md.
"""

from __future__ import annotations

import ctypes
import sys

_HEX = b"0123456789abcdef"


def zero(buffer: bytearray) -> None:
    """Overwrite a mutable buffer with zeros (its length is kept)."""
    for i in range(len(buffer)):
        buffer[i] = 0


def _data_address(value: bytes | str) -> int | None:
    """Where the characters of ``value`` are, if it is laid out as CPython lays out bytes and ASCII str."""
    if sys.implementation.name != "cpython" or len(value) < 2:
        return None  # the empty and one-character objects are shared singletons: never touch them
    if isinstance(value, str):
        if not value.isascii():
            return None
        header, expected = sys.getsizeof("") - 1, value.encode("ascii")
    else:
        header, expected = sys.getsizeof(b"") - 1, value
    address = id(value) + header
    if ctypes.string_at(address, len(value)) != expected:
        return None
    return address


def zero_immutable(value: bytes | str) -> bool:
    """Overwrite the characters of a ``bytes`` (with zeros) or ASCII ``str`` (with ``0``) in place.

    Only for an object this code made and nothing else shares (not a literal, not interned);
    afterwards it must not be used for anything. Returns whether it was overwritten.
    """
    address = _data_address(value)
    if address is None:
        return False
    ctypes.memset(address, ord("0") if isinstance(value, str) else 0, len(value))
    return True


def keyed_sql(prefix: str, key: bytes | bytearray) -> str:
    """``prefix"x'<hex of key>'"``, built without an intermediate hex string.

    The caller runs it once and then passes it to ``zero_immutable``.
    """
    text = bytearray(prefix.encode("ascii") + b"\"x'")
    start = len(text)
    text.extend(bytes(2 * len(key)))
    for i, byte in enumerate(key):
        text[start + 2 * i] = _HEX[byte >> 4]
        text[start + 2 * i + 1] = _HEX[byte & 15]
    text.extend(b"'\"")
    try:
        return text.decode("ascii")
    finally:
        zero(text)
