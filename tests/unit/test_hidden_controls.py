"""``has_hidden_controls`` (its fast path for printable text) agrees with the rule written
out character by character, for every character of the Basic Multilingual Plane."""

from __future__ import annotations

import unicodedata

from app.domain.checks import _ALLOWED_FORMAT, has_hidden_controls


def _by_the_rule(value: str) -> bool:
    return any((unicodedata.category(c) == "Cf" and c not in _ALLOWED_FORMAT)
               or (unicodedata.category(c) == "Cc" and c not in "\n\t") for c in value)


def test_every_character_alone_and_inside_text():
    wrong = []
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue  # surrogates are not characters
        char = chr(code)
        expected = _by_the_rule(char)  # the surrounding letters are no controls
        if has_hidden_controls(char) != expected or has_hidden_controls(f"Aminata {char} أميناتا") != expected:
            wrong.append(hex(code))
    assert wrong == []


def test_examples():
    assert not has_hidden_controls("Centre d'accueil – association (exemple), Tanger")
    assert not has_hidden_controls("مركز الإيواء\nطنجة\t12")
    assert has_hidden_controls("Amina\u202eta")  # right-to-left override: a spoofing control
    assert has_hidden_controls("Ami\x00na")
