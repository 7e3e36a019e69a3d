"""The case summary read back with pdftotext: Arabic in logical order in multi-line paragraphs
and table cells, columns in the reading direction, every section, every page watermarked
and numbered, in Arabic, French and English; several cases in one file."""

from __future__ import annotations

import re
import subprocess

import pytest
from export_kit import EARLIER_RISK, FEEDBACK, NOTE, OTHER_NOTE, PASSPORT, REASON, RISK, TASK, ExportWorld, translate
from pdftext import (
    PDFIMAGES, PDFTOTEXT, boxes, contains_in_order, find, images_per_page, needs_pdftotext, pages, plain, words,
)

from app.reports.case_summary import SummaryRecords, case_summaries_pdf, summary_flowables
from app.reports.document import MARGIN_BOTTOM, MARGIN_SIDE, PAGE
from app.services.exports import ExportService

pytestmark = needs_pdftotext
LANGUAGES = ("ar", "fr", "en")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture(scope="module")
def worlds() -> dict[str, ExportWorld]:
    return {language: ExportWorld(language) for language in LANGUAGES}


@pytest.fixture(scope="module")
def pdfs(worlds) -> dict[str, bytes]:
    return {language: world.summary(note_ids=[world.note.id]) for language, world in worlds.items()}


def text_of(pdf: bytes) -> str:
    return "\n".join(pages(pdf))


@pytest.mark.parametrize("language", LANGUAGES)
def test_long_paragraphs_come_back_in_reading_order(pdfs, language):
    pdf = pdfs[language]
    text = text_of(pdf)
    assert contains_in_order(text, RISK[language])
    assert contains_in_order(text, NOTE[language])
    positions = boxes(pdf)
    first, last = {"ar": ("التقت", "الطبيبة"), "fr": ("rencontré", "rendez"), "en": ("Tangier", "appointment")}[language]
    start, end = find(positions, first), find(positions, last)
    # the note was set on three lines or more (same page here)
    assert end.page > start.page or end.y_min - start.y_min > 2 * 12


def column_text(pdf: bytes, header: str, below: str) -> str:
    """pdftotext of the leftmost column of an Arabic table (right of it: the header word
    ``header`` nearest above the word ``below``), from the line of ``below`` down: the other
    columns' lines, which pdftotext would interleave with a cell's, are cropped away."""
    positions = boxes(pdf)
    start = find(positions, below)
    head = max((w for w in positions if w.page == start.page and header in words(w.text) and w.y_min < start.y_min),
               key=lambda w: w.y_min)
    x0, y0 = MARGIN_SIDE - 2, start.y_min - 2
    crop = ["-f", str(start.page), "-l", str(start.page), "-x", str(int(x0)), "-y", str(int(y0)),
            "-W", str(int(head.x_max + 6 - x0)), "-H", str(int(PAGE[1] - MARGIN_BOTTOM - y0))]
    out = subprocess.run([PDFTOTEXT, "-enc", "UTF-8", *crop, "-", "-"], input=pdf, capture_output=True, check=True,
                         timeout=60).stdout.decode("utf-8")
    return plain(out)


def test_a_multi_line_table_cell_comes_back_in_reading_order(pdfs):
    """The earlier risk summary, on several lines in the narrow "summary" column of the table
    of assessments (the leftmost column in Arabic)."""
    pdf = pdfs["ar"]
    assert contains_in_order(column_text(pdf, "ملخص", "ترافقها"), EARLIER_RISK["ar"])
    positions = boxes(pdf)
    first, last = find(positions, "ترافقها"), find(positions, "المقابلة")
    assert first.page == last.page and last.y_min > first.y_min + 8  # not on one line


def test_arabic_is_joined_and_in_order_in_table_cells(pdfs):
    text = text_of(pdfs["ar"])
    for phrase in (
        FEEDBACK["ar"],  # the provider's feedback, under the status in the referrals table
        TASK["ar"],  # a follow-up task, Arabic with a Latin name
        "مركز الإيواء الاستعجالي للنساء والأطفال",  # the provider, named as the directory names it in Arabic
        "غريس أوكافور", "Grace Okafor", "بجواز سفرها منذ 14 شهرا", "الرحلة TNG-4471",
        # the screening: the indicators in the checklist's Arabic words, in the dimensions table
        "هل تبين لك أن العمل أو المكان أو صاحب العمل غير ما وعدت به",
    ):
        assert contains_in_order(text, phrase), phrase
    assert "ةديسلا" not in text  # "السيدة" drawn in logical order would come back reversed


@pytest.mark.parametrize("language", LANGUAGES)
def test_table_columns_follow_the_reading_direction(pdfs, language):
    """The documents table: its first column ("Document") on the right in Arabic, on the left otherwise."""
    t = translate(language)
    first, second = words(t("Document"))[0], words(t("Number"))[0]
    positions = boxes(pdfs[language])
    a = next(w for w in positions if first in words(w.text) and any(
        second in words(o.text) and o.page == w.page and abs(o.y_min - w.y_min) < 3 for o in positions))
    b = next(o for o in positions if second in words(o.text) and o.page == a.page and abs(o.y_min - a.y_min) < 3)
    if language == "ar":
        assert a.x_min > b.x_max
    else:
        assert a.x_max < b.x_min


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_is_watermarked_numbered_and_names_the_case(pdfs, language):
    pdf = pdfs[language]
    texts = pages(pdf)
    assert len(texts) >= 3
    page_words = {"ar": "الصفحة {page} من {pages}", "fr": "Page {page} sur {pages}",
                  "en": "Page {page} of {pages}"}[language]
    for number, text in enumerate(texts, start=1):
        expected = page_words.format(page=number, pages=len(texts))
        assert contains_in_order(text, expected), (number, expected)
        assert contains_in_order(text, "Super North super north"), number  # who exported
        assert "device-test-1" in text  # on which device
        assert {"ar": "سري", "fr": "Confidentiel", "en": "Confidential"}[language] in words(text)
        assert "HMY-2025-ABCD-00001" in text  # the title on the first page, the running head after
    assert "مارس" in words(texts[0]) if language == "ar" else True  # when: the date in the document's language
    if PDFIMAGES:  # the diagonal mark: one picture on every page
        assert images_per_page(pdf) == {number: 1 for number in range(1, len(texts) + 1)}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_section_is_there(pdfs, worlds, language):
    text = text_of(pdfs[language])
    world = worlds[language]
    expected = {
        "en": ["Case number", "HMY-2025-ABCD-00001", "In assistance", "scope-north", "Tanger Med Port",
               "Reason for this export", REASON, "Grace Okafor", "غريس أوكافور", "Female", "Nigeria", "Igbo",
               "+212612345678", "Passport", PASSPORT, "No: taken or kept by someone else",
               "Presumed victim: refer", "Deceptive recruitment", "Exploitative conditions",
               "Did the job, the place or the employer turn out different from what you were promised",
               "strong", "never a legal determination",
               "Urgent needs", "Needs shelter tonight", "High risk of re-trafficking", "Risk assessments",
               EARLIER_RISK["en"], "Referral to a provider", "Given", "Urgent and temporary shelter", "Health care",
               "Completed on", FEEDBACK["en"], "Services received", TASK["en"], "Open",
               "Check the provider's answer to the referral", "Case registered",
               "Case moved from Screening to Presumed victim", "Screening completed: Presumed victim: refer",
               "Referral sent to", "Service received: Health care", "Note added", "Notes", NOTE["en"]],
        "fr": ["HMY-2025-ABCD-00001", "Grace Okafor", "غريس أوكافور", PASSPORT, REASON, NOTE["fr"], RISK["fr"],
               EARLIER_RISK["fr"], FEEDBACK["fr"], TASK["fr"]],
    }[language]
    for phrase in expected:
        assert contains_in_order(text, phrase), phrase
    assert contains_in_order(text, world.provider.name_fr)  # in the timeline, whole


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_technical_id_and_only_the_notes_chosen(pdfs, worlds, language):
    text = text_of(pdfs[language])
    assert not UUID.search(text)  # no case, person, referral, provider or user id
    assert not contains_in_order(text, OTHER_NOTE[language])
    world = worlds[language]
    without = text_of(world.summary())  # no note chosen: no notes at all
    assert not contains_in_order(without, NOTE[language])
    assert contains_in_order(without, RISK[language])


def test_several_cases_in_one_file_each_from_a_new_page(worlds):
    world = worlds["en"]
    other = world.bare_case()
    service: ExportService = world.exports
    context = service._start(world.session(), REASON, "en")
    many = [service._records(context, c, ()) for c in (world.case, other)]
    assert isinstance(many[0], SummaryRecords) and summary_flowables(many[1], "en", translate("en"))
    started = []
    pdf = case_summaries_pdf(many, "en", translate("en"), on_case=started.append)
    assert started == [0, 1]
    texts = pages(pdf)
    second = next(i for i, t in enumerate(texts) if contains_in_order(t, "Moussa"))
    assert second > 0
    assert "HMY-2025-ABCD-00001" not in texts[second]  # a new page: nothing of the first case
    assert all("HMY-2025-ABCD-00001" in t for t in texts[:second])
    assert all(other.case_number in t for t in texts[second:])
    total = len(texts)
    assert contains_in_order(texts[-1], f"Page {total} of {total}")
