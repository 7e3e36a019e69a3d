"""Keeping mixed-direction text in place.

Inside Arabic text, a Latin name, a case number or a number with signs can "jump" to the
wrong side. Wrapping each inserted value in a first-strong isolate (U+2068 … U+2069) makes
the bidi algorithm lay it out on its own, in its own direction, where it was inserted.
"""

from __future__ import annotations

from typing import Any

FSI = "\u2068"  # first strong isolate
LRI = "\u2066"  # left-to-right isolate
RLI = "\u2067"  # right-to-left isolate
PDI = "\u2069"  # pop directional isolate


def isolate(value: Any) -> str:
    """``value`` as text, isolated so it keeps its own direction inside any paragraph.

    A value already isolated (``isolate_ltr`` for a phone number) is left as it is: wrapped
    again in a first-strong isolate that holds no strong letter, Qt lays "+212…" out right to
    left in an Arabic line ("212…+").
    """
    text = str(value)
    if not text or _is_one_isolate(text):
        return text
    return f"{FSI}{text}{PDI}"


def _is_one_isolate(text: str) -> bool:
    """Whether ``text`` is a single isolate: it opens with one and its matching PDI ends it."""
    if text[0] not in (FSI, LRI, RLI):
        return False
    depth = 0
    for index, char in enumerate(text):
        if char in (FSI, LRI, RLI):
            depth += 1
        elif char == PDI:
            depth -= 1
            if depth == 0:
                return index == len(text) - 1
    return False


def isolate_ltr(value: Any) -> str:
    """For values that are always left to right (case numbers, codes, phone numbers)."""
    text = str(value)
    return f"{LRI}{text}{PDI}" if text else text


def fill(template: str, **params: Any) -> str:
    """``template.format(**params)`` with every parameter isolated."""
    return template.format(**{k: isolate(v) for k, v in params.items()})


def strip_isolates(text: str) -> str:
    return text.translate({ord(c): None for c in (FSI, LRI, RLI, PDI)})
