"""Passphrase strength: a weak passphrase is refused with the reason, in words."""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.errors import WeakPassphrase
from app.text import N_

MIN_LENGTH = 12
MIN_BITS = 50.0
_COMMON = {
    "password", "motdepasse", "azerty", "qwerty", "123456", "maroc", "morocco", "himaya",
    "bismillah", "admin", "welcome", "letmein", "iloveyou", "secret", "passw0rd",
}


@dataclass(frozen=True)
class Strength:
    bits: float
    problems: tuple[str, ...]  # msgids

    @property
    def acceptable(self) -> bool:
        return not self.problems

    @property
    def score(self) -> int:
        """0 (very weak) to 4 (strong), for a meter."""
        if self.problems:
            return 0 if self.bits < 30 else 1
        return 2 if self.bits < 70 else 3 if self.bits < 90 else 4


def assess(passphrase: str, username: str = "") -> Strength:
    problems: list[str] = []
    if len(passphrase) < MIN_LENGTH:
        problems.append(N_("use at least 12 characters; a few unrelated words are easy to remember"))
    lowered = passphrase.lower()
    if username and len(username) >= 3 and username.lower() in lowered:
        problems.append(N_("do not include the user name"))
    rest = lowered
    for word in _COMMON:
        rest = rest.replace(word, "")
    # A common password plus a few digits or signs ("password1234") is still that password.
    if rest != lowered and (len(set(lowered)) < 10 or len(rest) < 8):
        problems.append(N_("it is built on a very common password"))
    if len(set(passphrase)) <= 3:
        problems.append(N_("it repeats the same few characters"))
    bits = _estimate_bits(passphrase)
    if not problems and bits < MIN_BITS:
        problems.append(N_("it is too easy to guess; add another word or mix letters, digits and signs"))
    return Strength(bits, tuple(problems))


def require_strong(passphrase: str, username: str = "") -> None:
    strength = assess(passphrase, username)
    if not strength.acceptable:
        raise WeakPassphrase(reason=strength.problems[0])


def _estimate_bits(passphrase: str) -> float:
    pool = 0
    if any(c.islower() and c.isascii() for c in passphrase):
        pool += 26
    if any(c.isupper() and c.isascii() for c in passphrase):
        pool += 26
    if any(c.isdigit() for c in passphrase):
        pool += 10
    if any(not c.isalnum() and c.isascii() for c in passphrase):
        pool += 33
    if any(not c.isascii() for c in passphrase):
        pool += 60  # Arabic letters and other scripts
    # Repeated characters add little: count distinct runs, not raw length.
    effective = len(passphrase) - sum(1 for a, b in zip(passphrase, passphrase[1:]) if a == b)
    return effective * math.log2(max(pool, 2))
