"""Passphrase strength: weak passphrases are refused with the reason in words."""

from __future__ import annotations

import pytest

from app.errors import WeakPassphrase
from app.passphrase import MIN_BITS, MIN_LENGTH, Strength, assess, require_strong

SHORT = "use at least 12 characters; a few unrelated words are easy to remember"
USERNAME = "do not include the user name"
COMMON = "it is built on a very common password"
REPEATS = "it repeats the same few characters"
GUESSABLE = "it is too easy to guess; add another word or mix letters, digits and signs"


def test_short_passphrase_is_refused():
    strength = assess("Tr0ub4dor&3")  # 11 characters
    assert len("Tr0ub4dor&3") == MIN_LENGTH - 1
    assert strength.problems == (SHORT,)
    assert not strength.acceptable


def test_twelve_varied_characters_are_long_enough():
    assert assess("Tr0ub4dor&3x").acceptable


@pytest.mark.parametrize("passphrase,username", [
    ("amina-loves-the-sea-2024", "amina"),
    ("AMINA-loves-the-sea-2024", "amina"),
    ("sea lamp tng.officer1 river", "tng.officer1"),
])
def test_passphrase_containing_the_username_is_refused(passphrase, username):
    assert USERNAME in assess(passphrase, username).problems
    assert assess(passphrase).acceptable  # the same text is fine for somebody else


def test_usernames_shorter_than_three_characters_are_not_searched():
    assert assess("ab cd ef gh ij kl", "ab").acceptable


@pytest.mark.parametrize("passphrase", [
    "passwordpassword", "azertyazerty12", "Himaya2024!!", "Bismillah123", "password1234", "qwerty123456",
    "iloveyou2024", "Morocco2024!",
])
def test_passphrase_built_on_a_common_password_is_refused(passphrase):
    assert COMMON in assess(passphrase).problems


@pytest.mark.parametrize("passphrase", ["my secret garden by the blue river", "welcome to the kasbah at dawn"])
def test_common_word_inside_a_long_varied_passphrase_is_fine(passphrase):
    assert assess(passphrase).acceptable


@pytest.mark.parametrize("passphrase", ["aaaaaaaaaaaaaaaa", "abababababab", "ابابابابابابابا", "!!??!!??!!??!!"])
def test_repeated_characters_are_refused(passphrase):
    assert REPEATS in assess(passphrase).problems


@pytest.mark.parametrize("passphrase", ["123412341234", "aaaabbbbccccdddd", "000011112222333"])
def test_low_entropy_passphrase_is_refused(passphrase):
    strength = assess(passphrase)
    assert strength.problems == (GUESSABLE,)
    assert strength.bits < MIN_BITS


@pytest.mark.parametrize("passphrase", ["قمر بحر جبل شجرة", "نخلة فوق سطح المدرسة", "شاي بالنعناع 2024"])
def test_good_arabic_passphrase_is_accepted(passphrase):
    strength = assess(passphrase, "amina")
    assert strength.acceptable
    assert strength.problems == ()
    assert strength.bits >= MIN_BITS
    assert strength.score >= 2


@pytest.mark.parametrize("passphrase", ["correct-horse-battery-staple", "tajine olive citron 7 soleil"])
def test_good_latin_passphrase_is_accepted(passphrase):
    strength = assess(passphrase, "karim")
    assert strength.acceptable and strength.score >= 3


def test_several_problems_are_all_listed():
    assert assess("aaa").problems == (SHORT, REPEATS)


def test_longer_passphrases_score_higher():
    assert assess("قمر بحر جبل شجرة").bits > assess("قمر بحر جبل").bits


@pytest.mark.parametrize("bits,problems,score", [
    (10.0, ("x",), 0), (29.9, ("x",), 0), (30.0, ("x",), 1), (120.0, ("x",), 1),
    (50.0, (), 2), (69.9, (), 2), (70.0, (), 3), (89.9, (), 3), (90.0, (), 4),
])
def test_score_for_the_meter(bits, problems, score):
    assert Strength(bits, problems).score == score


def test_require_strong_raises_with_the_first_reason():
    with pytest.raises(WeakPassphrase) as excinfo:
        require_strong("amina", "amina")
    error = excinfo.value
    assert error.params["reason"] == SHORT
    assert SHORT in error.render()
    assert error.render().startswith("This passphrase is too weak: ")
    assert SHORT in str(error)


def test_require_strong_reason_is_translated():
    catalog = {
        "This passphrase is too weak: {reason}": "Cette phrase secrète est trop faible : {reason}",
        USERNAME: "n'y mettez pas le nom d'utilisateur",
    }
    with pytest.raises(WeakPassphrase) as excinfo:
        require_strong("karim-river-lamp-2024", "karim")
    assert excinfo.value.render(lambda s: catalog.get(s, s)) == (
        "Cette phrase secrète est trop faible : n'y mettez pas le nom d'utilisateur"
    )


def test_require_strong_accepts_a_strong_passphrase():
    assert require_strong("قمر بحر جبل شجرة", "amina") is None
