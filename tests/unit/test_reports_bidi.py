"""The text layout of the PDF layer: logical wrap, then shaping and reordering per line."""

from __future__ import annotations

import unicodedata

import pytest

from app.reports.bidi_layout import dominant_rtl, levels, shape, wrap
from app.reports.fonts import ARABIC, LATIN, fonts_for, register_fonts
from i18n.bidi import isolate, isolate_ltr

RISK = ("أفادت السيدة Grace Okafor بأن الشخص المدعو Johnson Eze يحتفظ بجواز سفرها منذ 14 شهرا، وأنها تعمل "
        "16 ساعة في اليوم في مقهى بحي مرشان دون أجر، وأنه طالبها بدفع دين قدره 45000 درهم.")


@pytest.fixture(scope="module", autouse=True)
def fonts():
    register_fonts()


def visual(text: str, *, rtl: bool = True, width: float = 10_000, language: str = "ar") -> list[str]:
    return ["".join(run.text for run in line.runs) for line in wrap(text, width, fonts_for(language), 10, rtl)]


def letters(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def test_arabic_letters_are_joined_and_drawn_right_to_left():
    (line,) = visual("سري")
    # initial, medial and final forms, drawn from the left: the last letter comes first
    assert line == "\ufef1\ufeae\ufeb3"
    assert letters(line[::-1]) == "سري"


def test_lam_alef_becomes_one_ligature():
    assert shape("لا") == "\ufefb"
    assert letters(shape("لا")) == "لا"


def test_latin_names_and_numbers_keep_their_order_inside_arabic():
    (line,) = visual("قال Grace Okafor إن عمرها 32 سنة")
    assert "Grace Okafor" in line
    assert "32" in line
    # reading from the right: قال, then the name, then ... the age
    assert line.index("Grace") > line.index("32")
    assert letters(line[-3:][::-1]) == "قال"


def test_brackets_are_mirrored_in_right_to_left_runs():
    assert visual("سنة (32)") == ["(32) " + shape("سنة")[::-1]]
    (line,) = visual("قال Grace Okafor (32 سنة)")
    assert line.startswith("(" + shape("سنة")[::-1] + " 32)")


def test_phone_numbers_stay_whole_in_a_left_to_right_isolate():
    assert visual("الهاتف " + isolate_ltr("+212 612 345 678"))[0].startswith("+212 612 345 678 ")
    # without the isolate, the bidi algorithm puts the digit groups right to left
    assert visual("الهاتف +212 612 345 678")[0].startswith("678 345 612 212+")


def test_isolate_controls_are_not_drawn():
    (line,) = visual("قال " + isolate("Grace Okafor") + " مرحبا")
    assert all(unicodedata.category(c) != "Cf" for c in line)


def test_a_paragraph_is_wrapped_in_logical_order():
    width = 180.0
    lines = wrap(RISK, width, fonts_for("ar"), 10, True)
    assert len(lines) >= 3
    assert all(line.width <= width + 0.01 for line in lines)
    # the logical text of the lines, in order, is the paragraph: its start is on the first line
    assert " ".join(line.logical for line in lines) == RISK
    assert lines[0].logical.startswith("أفادت السيدة")
    assert lines[-1].logical.endswith("45000 درهم.")
    # each line is drawn reversed: its first words are at its right end
    first = "".join(run.text for run in lines[0].runs)
    assert letters(first[::-1]).startswith("أفادت السيدة")


def test_a_word_wider_than_the_line_is_cut():
    lines = wrap("x" * 200, 50, fonts_for("en"), 10, False)
    assert len(lines) > 1
    assert "".join(line.logical for line in lines) == "x" * 200
    assert all(line.width <= 50 for line in lines)


def test_hard_line_breaks_are_kept_and_empty_lines_too():
    lines = wrap("سطر أول\n\nسطر ثالث", 1000, fonts_for("ar"), 10, True)
    assert [line.logical for line in lines] == ["سطر أول", "", "سطر ثالث"]


def test_fonts_per_script():
    (ar_line,) = wrap("اسم Name", 1000, fonts_for("ar"), 10, True)
    assert {run.font for run in ar_line.runs} == {ARABIC}  # Amiri for everything in Arabic
    (fr_line,) = wrap("Nom اسم", 1000, fonts_for("fr"), 10, False)
    assert fr_line.runs[0].font == LATIN  # Noto Sans for Latin in French and English
    assert fr_line.runs[-1].font == ARABIC and fr_line.runs[-1].size > 10  # Arabic a little larger


def test_levels_come_from_the_bidi_algorithm():
    assert levels("abc", False) == [0, 0, 0]
    assert levels("ab جد", False) == [0, 0, 0, 1, 1]
    assert levels("جد 12", True) == [1, 1, 1, 2, 2]


def test_direction_of_most_letters_outside_isolates():
    assert dominant_rtl("Grace Okafor قالت إنها وصلت أمس") is True  # Arabic despite the Latin start
    assert dominant_rtl("Page 1 of 2") is False
    assert dominant_rtl("12/03/2025") is None
    assert dominant_rtl("صدره " + isolate("Fatima Zahra El Alaoui (fz.alaoui)")) is True


def test_a_value_already_isolated_is_not_wrapped_again():
    from i18n.bidi import FSI, LRI, PDI, fill, isolate, isolate_ltr

    phone = isolate_ltr("+212539000108")
    assert isolate(phone) == phone == f"{LRI}+212539000108{PDI}"
    assert fill("الهاتف: {phone}", phone=phone) == f"الهاتف: {LRI}+212539000108{PDI}"
    assert isolate("Grace Okafor") == f"{FSI}Grace Okafor{PDI}"
    assert isolate(f"{LRI}a{PDI} and {LRI}b{PDI}") == f"{FSI}{LRI}a{PDI} and {LRI}b{PDI}{PDI}"  # two isolates: wrapped
