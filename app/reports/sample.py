"""A one-page sample PDF: the installer's self-test renders it to prove the PDF layer works.

It holds no case content, only invented text that exercises what real documents need:
joined Arabic letters, a Latin name and numbers inside an Arabic sentence, a multi-line
paragraph, a table, the watermark and the page number.
"""

from __future__ import annotations

from datetime import datetime, timezone

from app.reports.document import ExportStamp, build_pdf, new_story
from i18n import gettext_for

SAMPLE_AR = (
    "هذه صفحة تجريبية من حماية: استقبلت جمعية «الأمل» في طنجة السيدة Grace Okafor "
    "يوم 12 مارس 2025 على الساعة 14:30، ورقم ملفها HMY-2025-ABCD-00012، وعمرها 32 سنة. "
    "تُكتب الحروف العربية متصلة ومن اليمين إلى اليسار، وتبقى الأسماء اللاتينية والأرقام في مكانها."
)
SAMPLE = {
    "ar": SAMPLE_AR,
    "fr": ("Page d'essai de Himaya : l'association « Al Amal » à Tanger a accueilli Mme Grace Okafor "
           "(غريس أوكافور) le 12 mars 2025 à 14 h 30, dossier HMY-2025-ABCD-00012, âgée de 32 ans."),
    "en": ("A Himaya test page: the Al Amal association in Tangier received Ms Grace Okafor "
           "(غريس أوكافور) on 12 March 2025 at 14:30, case HMY-2025-ABCD-00012, aged 32."),
}
TITLE = "استمارة تجريبية / Page d'essai / Test page"


def render_sample(language: str = "ar") -> bytes:
    """A one-page PDF in ``language`` (ar, fr or en) with an Arabic paragraph mixing Latin and digits."""
    translate = gettext_for(language)
    story = new_story(language)
    story.title(TITLE)
    story.paragraph(SAMPLE.get(language, SAMPLE["en"]))
    if language != "ar":
        story.paragraph(SAMPLE_AR, story.styles.body.but(align="end"))
    story.spacer(6)
    story.table(["#", "الاسم / Name", "المدينة / Ville"], [
        ["1", "غريس أوكافور — Grace Okafor", "طنجة — Tanger"],
        ["2", "Samuel Mensah (صامويل)", "وجدة — Oujda"],
    ], [0.08, 0.56, 0.36])
    stamp = ExportStamp(exported_by="Himaya", exported_at=datetime.now(timezone.utc), device="self-test")
    return build_pdf(story, language=language, translate=translate, stamp=stamp, title=TITLE)
