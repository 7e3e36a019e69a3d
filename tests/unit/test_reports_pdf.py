"""The PDFs read back with pdftotext: Arabic in logical order, tables in the reading direction,
the watermark and page numbers on every page, in Arabic, French and English."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from export_kit import RISK  # the same three-line risk summary the case summary tests use
from pdftext import PDFIMAGES, boxes, contains_in_order, find, images_per_page, needs_pdftotext, pages, words

from app.reports import render_sample
from app.reports.document import FOOTER, PAGE_OF
from app.reports.referral_form import NOTICE, ReferralForm, referral_form_pdf
from app.reports.sample import SAMPLE
from i18n import gettext_for

pytestmark = needs_pdftotext

#: The form's new messages in Arabic, as the catalogs will have them (the others come from the
#: catalogs): a real Arabic form is mostly Arabic, which is what pdftotext judges the page's
#: direction by.
ARABIC = {
    "Accepted": "مقبولة",
    "City": "المدينة",
    "Confidential. Exported by {user} on {date}, device {device}.": "سري. صدّره {user} في {date}، الجهاز {device}.",
    "Consent to this referral": "الموافقة على هذه الإحالة",
    "Contact person": "الشخص المكلف بالتواصل",
    "Declined": "مرفوضة",
    "Details of the services asked": "تفاصيل الخدمات المطلوبة",
    "Given by the guardian, {name}, on {date}": "أعطاها الولي {name} بتاريخ {date}",
    "Given by the person on {date}": "أعطاها الشخص المعني بتاريخ {date}",
    "Ground of the override": "سبب تجاوز الموافقة",
    "IMMEDIATE REFERRAL — to be handled today": "إحالة فورية — تُعالَج اليوم",
    "If declined, why": "في حالة الرفض، السبب",
    "Interpreter needed": "الحاجة إلى مترجم",
    "Language of the interview": "لغة المقابلة",
    "Name (Arabic letters)": "الاسم (بالحروف العربية)",
    "Name (Latin letters)": "الاسم (بالحروف اللاتينية)",
    "Name and position": "الاسم والصفة",
    "No risk summary was written.": "لم يُكتب ملخص للمخاطر.",
    "Not given: the referral rests on an override": "غير معطاة: تستند الإحالة إلى تجاوز الموافقة",
    "Organisation": "الهيئة",
    "Page {page} of {pages}": "الصفحة {page} من {pages}",
    "Recorded on": "سُجّلت بتاريخ",
    "Referral": "الإحالة",
    "Referral number": "رقم الإحالة",
    "Referred on": "تاريخ الإحالة",
    "Referring worker": "المكلف بالإحالة",
    "Services asked": "الخدمات المطلوبة",
    "Signature and stamp": "التوقيع والختم",
    "Telephone": "الهاتف",
    "The person referred": "الشخص المُحال",
    "The provider's answer (to fill in and return)": 'جواب مقدم الخدمات (يُملأ ويُعاد)',
    "To (service provider)": "إلى (مقدم الخدمات)",
    "Unaccompanied child: no guardian present": "طفل غير مصحوب: لا يوجد ولي",
    "Urgency": "درجة الاستعجال",
    "Urgent needs": "الاحتياجات العاجلة",
    "Urgent needs: {needs}": "الاحتياجات العاجلة: {needs}",
    NOTICE: ("سري. تتضمن هذه الاستمارة معطيات شخصية لضحية مفترضة للاتجار بالبشر (القانون 27-14، القانون 09-08). "
             "لا تسلم إلا لمقدم الخدمات المذكور أعلاه، وتحفظ في مكان مغلق، وتتلف عند انتهاء الحاجة إليها."),
}
MESSAGES = {
    "ar": {**ARABIC, PAGE_OF: "الصفحة {page} من {pages}", FOOTER: "سري. صدّره {user} في {date}، الجهاز {device}."},
    "fr": {PAGE_OF: "Page {page} sur {pages}", FOOTER: "Confidentiel. Exporté par {user} le {date}, poste {device}.",
           "Telephone": "Téléphone"},
    "en": {},
}
PROVIDER = {"ar": "مركز الإيواء دار الأمان", "fr": "Centre d'hébergement Dar Al Aman",
            "en": "Centre d'hébergement Dar Al Aman"}
SERVICES = {"ar": "إيواء عاجل ومؤقت، الرعاية الصحية", "fr": "Hébergement d'urgence, Soins de santé",
            "en": "Urgent and temporary shelter, Health care"}


def translate(language):
    catalog = gettext_for(language)
    return lambda msgid: MESSAGES[language].get(msgid) or catalog(msgid)


#: Display values the service would have resolved for an Arabic form.
ARABIC_VALUES = dict(urgency="فوري (اليوم)", sex="أنثى", nationality="نيجيريا", languages=("الإنجليزية", "الإيغبو"),
                     interview_language="الإنجليزية", worker_post="ميناء طنجة المتوسط", provider_city="طنجة",
                     urgent_flags=("خطر داهم",))


def form(language: str, **changes) -> ReferralForm:
    values = dict(
        case_number="HMY-2025-ABCD-00012", referral_id="5b0c3c3e-2f0a-4d55-9a51-0c1f2e7a0001",
        referred_at=datetime(2025, 3, 4, 10, 15, tzinfo=timezone.utc), urgency="Immediate", immediate=True,
        categories=tuple(SERVICES[language].split("، " if language == "ar" else ", ")),
        services_detail="Igbo interpreter", from_organisation="Association Al Amal",
        worker_name="Fatima Zahra El Alaoui", worker_post="Port Tanger Med", provider_name=PROVIDER[language],
        provider_city="Tanger", provider_phone="+212 539 000 101", provider_contact="Naima Bennani",
        name_ar="غريس أوكافور", name_latin="Grace Okafor", sex="Female", birth_date=None, birth_year=1992,
        age_band=None, nationality="Nigeria", languages=("English", "Igbo"), interview_language="English",
        interpreter_needed=True, minor=False, guardian_name=None, unaccompanied=False, risk_summary=RISK[language],
        urgent_flags=("Immediate danger",), consent_given=True, consent_by_guardian=None,
        consent_on=date(2025, 3, 4), override_basis=None, override_reason=None,
        exported_by="Fatima Zahra El Alaoui (fz.alaoui)",
        exported_at=datetime(2025, 3, 4, 10, 20, tzinfo=timezone.utc), device="PC-TNG-07",
    )
    if language == "ar":
        values.update(ARABIC_VALUES)
    values.update(changes)
    return ReferralForm(**values)


def render(language: str, **changes) -> bytes:
    return referral_form_pdf(form(language, **changes), language, translate(language), tz="Africa/Casablanca")


@pytest.fixture(scope="module")
def pdfs() -> dict[str, bytes]:
    return {language: render(language) for language in ("ar", "fr", "en")}


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_the_risk_summary_comes_back_in_reading_order(pdfs, language):
    pdf = pdfs[language]
    text = "\n".join(pages(pdf))
    assert contains_in_order(text, RISK[language])
    # it was set on three lines or more: its last word is two lines or more below its first
    positions = boxes(pdf)
    first, last = {"ar": ("أفادت", "أسبوعا"), "fr": ("Mme", "semaines"), "en": ("Ms", "pregnant")}[language]
    assert find(positions, last).y_min - find(positions, first).y_min > 2 * 12


def test_arabic_is_not_reversed_or_broken_into_letters(pdfs):
    text = "\n".join(pages(pdfs["ar"]))
    for phrase in ("أفادت السيدة", "بجواز سفرها منذ 14 شهرا", "دين قدره 45000 درهم", "الرحلة TNG-4471",
                   "غريس أوكافور", "مركز الإيواء دار الأمان", "إيواء عاجل ومؤقت الرعاية الصحية"):
        assert contains_in_order(text, phrase), phrase
    assert "ةديسلا" not in text  # "السيدة" drawn in logical order would read back reversed


@pytest.mark.parametrize("language,label,value", [
    ("ar", "الهاتف", "212"), ("fr", "Téléphone", "212"), ("en", "Telephone", "212"),
])
def test_table_columns_follow_the_reading_direction(pdfs, language, label, value):
    positions = boxes(pdfs[language])
    label_word, value_word = find(positions, label), find(positions, value)
    assert abs(label_word.y_min - value_word.y_min) < 3  # one row
    if language == "ar":
        assert label_word.x_min > value_word.x_max  # the label on the right
    else:
        assert label_word.x_max < value_word.x_min


@pytest.mark.parametrize("language,page_words", [
    ("ar", ["الصفحة", "{page}", "من", "{pages}"]),
    ("fr", ["Page", "{page}", "sur", "{pages}"]),
    ("en", ["Page", "{page}", "of", "{pages}"]),
])
def test_every_page_is_watermarked_and_numbered(language, page_words):
    pdf = render(language, risk_summary=" ".join([RISK[language]] * 14))  # long enough for a third page
    texts = pages(pdf)
    assert len(texts) >= 3
    for number, text in enumerate(texts, start=1):
        expected = " ".join(w.format(page=number, pages=len(texts)) for w in page_words)
        assert contains_in_order(text, expected), (number, expected)
        assert contains_in_order(text, "Fatima Zahra El Alaoui fz alaoui")
        assert "PC-TNG-07" in text
        assert {"ar": "سري", "fr": "Confidentiel", "en": "Confidential"}[language] in words(text)
    if PDFIMAGES:  # the diagonal mark: one picture on every page
        assert images_per_page(pdf) == {number: 1 for number in range(1, len(texts) + 1)}


def test_the_export_date_is_in_the_language_of_the_document(pdfs):
    assert "مارس" in words(pages(pdfs["ar"])[0])
    assert contains_in_order(pages(pdfs["fr"])[0], "4 mars 2025 10:20")
    assert contains_in_order(pages(pdfs["en"])[0], "March 4 2025")


def test_the_provider_answer_and_the_notice_are_on_the_form(pdfs):
    text = "\n".join(pages(pdfs["en"]))
    for phrase in ("Accepted", "Declined", "Signature and stamp", "Kingdom of Morocco", "National Referral Mechanism",
                   "استمارة إحالة", "Fiche d'orientation", "Referral form", "Share it only with the provider"):
        assert contains_in_order(text, phrase), phrase


def test_an_override_and_a_child_show_on_the_form():
    pdf = render("en", consent_given=False, override_basis="A child's best interests",
                 override_reason="The child is alone at the port at night", minor=True, unaccompanied=True)
    text = "\n".join(pages(pdf))
    for phrase in ("Not given: the referral rests on an override", "A child's best interests",
                   "The child is alone at the port at night", "Unaccompanied child"):
        assert contains_in_order(text, phrase), phrase


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_the_sample_page(language):
    pdf = render_sample(language)
    assert pdf.startswith(b"%PDF-")
    (text,) = pages(pdf)
    assert contains_in_order(text, SAMPLE[language])
    assert contains_in_order(text, "غريس أوكافور")
    positions = boxes(pdf)
    number, city = find(positions, "1"), find(positions, "Tanger")
    if language == "ar":  # the first column (#) on the right
        assert number.x_min > city.x_max
    else:
        assert number.x_max < city.x_min
