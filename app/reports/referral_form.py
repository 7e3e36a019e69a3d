"""The printable referral form: handed over or sent to the provider when there is no network.

``ReferralForm`` holds every fact the form shows, already in the words of the form's
language (the service resolves codes, names and reference lists); ``referral_form_pdf``
lays it out. The form's own labels are msgids translated with the ``translate`` given.
The header (kingdom, commission, mechanism) and the title are bilingual on every form, as
official Moroccan documents are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

from babel import Locale, UnknownLocaleError

from app.domain.case import Case, Consent, RiskAssessment
from app.domain.labels import OVERRIDE_LABELS, SEX_LABELS, URGENT_FLAG_LABELS
from app.domain.person import Person
from app.domain.referral import CATEGORY_LABELS, URGENCY_LABELS, Provider, Referral, Urgency
from app.domain.user import User
from app.domain.values import ConsentDecision
from app.reports.document import ExportStamp, build_pdf, new_story
from app.reports.flowables import ACCENT, MUTED, URGENT, Story
from app.resources import border_posts, load_json
from app.text import N_
from i18n import BABEL_LOCALES
from i18n.bidi import fill, isolate_ltr
from i18n.formatting import format_date, format_datetime

Translate = Callable[[str], str]

TITLE = "استمارة إحالة / Fiche d'orientation / Referral form"
NOTICE = N_("Confidential. This form holds personal data of a presumed victim of trafficking in persons "
            "(Law 27-14, Law 09-08). Share it only with the provider named above, keep it locked away, and "
            "destroy it when it is no longer needed. Do not copy or photograph it.")
LETTERHEAD_AR = ("المملكة المغربية", "اللجنة الوطنية لتنسيق إجراءات مكافحة الاتجار بالبشر والوقاية منه",
                 "الآلية الوطنية للإحالة")
LETTERHEAD = {
    "fr": ("Royaume du Maroc", "Commission nationale de coordination des mesures de lutte et de prévention "
           "de la traite des êtres humains", "Mécanisme national de référencement"),
    "en": ("Kingdom of Morocco", "National Commission for the coordination of measures to combat and prevent "
           "trafficking in persons", "National Referral Mechanism"),
}


@dataclass(frozen=True)
class ReferralForm:
    """The facts of one referral, as the form prints them (display text, dates, yes/no)."""

    case_number: str
    referral_id: str
    referred_at: datetime
    urgency: str
    immediate: bool
    categories: tuple[str, ...]
    services_detail: str | None
    # who refers
    from_organisation: str | None
    worker_name: str
    worker_post: str | None
    # to whom
    provider_name: str
    provider_city: str
    provider_phone: str | None
    provider_contact: str | None
    # the person
    name_ar: str
    name_latin: str
    sex: str
    birth_date: date | None
    birth_year: int | None
    age_band: str | None
    nationality: str | None
    languages: tuple[str, ...]
    interview_language: str | None
    interpreter_needed: bool
    minor: bool
    guardian_name: str | None
    unaccompanied: bool
    # risk
    risk_summary: str | None
    urgent_flags: tuple[str, ...]
    # consent, or the override the referral rests on
    consent_given: bool
    consent_by_guardian: str | None  # the guardian's name when the guardian consented
    consent_on: date | None
    override_basis: str | None
    override_reason: str | None
    # the export
    exported_by: str
    exported_at: datetime
    device: str
    provider_address: str | None = None


def referral_form_pdf(form: ReferralForm, language: str, translate: Translate, *, tz: str | None = None) -> bytes:
    """The referral form as PDF bytes, in ``language`` (ar, fr or en)."""
    t = translate
    story = new_story(language)
    _letterhead(story, language)
    story.title(TITLE)
    if form.immediate:
        story.paragraph(t(N_("IMMEDIATE REFERRAL — to be handled today")),
                        story.styles.heading.but(color=URGENT, align="center", space_before=0))

    story.heading(t(N_("Referral")))
    story.fields([
        (t(N_("Case number")), isolate_ltr(form.case_number)),
        (t(N_("Referred on")), format_datetime(form.referred_at, language, tz)),
    ], columns=2)
    story.fields([
        (t(N_("Referral number")), isolate_ltr(form.referral_id)),
        (t(N_("Urgency")), form.urgency),
        (t(N_("Services asked")), _join(form.categories, language)),
        (t(N_("Details of the services asked")), form.services_detail or ""),
    ])

    half = story.half_width
    story.side_by_side(
        [story.para(t(N_("From")), story.styles.subheading), story.fields_table([
            (t(N_("Organisation")), form.from_organisation or ""),
            (t(N_("Referring worker")), form.worker_name),
            (t(N_("Border post or office")), form.worker_post or ""),
        ], width=half)],
        [story.para(t(N_("To (service provider)")), story.styles.subheading), story.fields_table([
            (t(N_("Provider")), form.provider_name),
            (t(N_("City")), ", ".join(x for x in (form.provider_city, form.provider_address) if x)),
            (t(N_("Telephone")), isolate_ltr(form.provider_phone) if form.provider_phone else ""),
            (t(N_("Contact person")), form.provider_contact or ""),
        ], width=half)],
    )

    story.heading(t(N_("The person referred")))
    story.fields(_person_rows(form, language, t), columns=2)

    story.heading(t(N_("Risk")))
    if form.urgent_flags:
        story.paragraph(fill(t(N_("Urgent needs: {needs}")), needs=_join(form.urgent_flags, language)),
                        story.styles.body.but(color=URGENT, bold=True, space_after=2.0))
    story.paragraph(form.risk_summary or t(N_("No risk summary was written.")))

    story.heading(t(N_("Consent")))
    story.fields(_consent_rows(form, language, t))

    _answer(story, t)
    story.spacer(8)
    story.paragraph(t(NOTICE), story.styles.small.but(color=MUTED))
    stamp = ExportStamp(form.exported_by, form.exported_at, form.device)
    return build_pdf(story, language=language, translate=t, stamp=stamp, title=TITLE, tz=tz)


def _letterhead(story: Story, language: str) -> None:
    """Arabic on the right, French (English in an English form) on the left, as on official paper."""
    latin = LETTERHEAD.get(language, LETTERHEAD["fr"])
    small = story.styles.small.but(color=ACCENT, leading=story.styles.small.leading * 0.95)
    strong = small.but(bold=True)
    arabic_style = {"ar": "start", "fr": "end", "en": "end"}.get(language, "end")
    latin_style = "end" if language == "ar" else "start"
    right = [story.para(text, (strong if i == 0 else small).but(direction="rtl", align=arabic_style))
             for i, text in enumerate(LETTERHEAD_AR)]
    left = [story.para(text, (strong if i == 0 else small).but(direction="ltr", align=latin_style))
            for i, text in enumerate(latin)]
    story.letterhead(right, left)


def _person_rows(form: ReferralForm, language: str, t: Translate) -> list[tuple[str, str]]:
    rows = [
        (t(N_("Name (Arabic letters)")), form.name_ar),
        (t(N_("Name (Latin letters)")), form.name_latin),
        (t(N_("Sex")), form.sex),
    ]
    if form.birth_date is not None:
        rows.append((t(N_("Birth date")), format_date(form.birth_date, language)))
    elif form.birth_year is not None:
        rows.append((t(N_("Birth year (estimate)")), str(form.birth_year)))
    elif form.age_band:
        rows.append((t(N_("Age band")), fill(t(N_("{band} years")), band=form.age_band)))
    rows += [
        (t(N_("Nationality")), form.nationality or ""),
        (t(N_("Languages spoken")), _join(form.languages, language)),
        (t(N_("Language of the interview")), form.interview_language or ""),
        (t(N_("Interpreter needed")), t(N_("Yes")) if form.interpreter_needed else t(N_("No"))),
        (t(N_("May be under 18")), t(N_("Yes")) if form.minor else t(N_("No"))),
    ]
    if form.minor:
        if form.unaccompanied:
            rows.append((t(N_("Guardian")), t(N_("Unaccompanied child: no guardian present"))))
        else:
            rows.append((t(N_("Guardian's name")), form.guardian_name or ""))
    return rows


def _join(items: tuple[str, ...], language: str) -> str:
    return ("، " if language == "ar" else ", ").join(items)


def _consent_rows(form: ReferralForm, language: str, t: Translate) -> list[tuple[str, str]]:
    on = format_date(form.consent_on, language) if form.consent_on else ""
    if form.consent_given and form.consent_by_guardian:
        statement = fill(t(N_("Given by the guardian, {name}, on {date}")), name=form.consent_by_guardian, date=on)
        return [(t(N_("Consent to this referral")), statement)]
    if form.consent_given:
        return [(t(N_("Consent to this referral")), fill(t(N_("Given by the person on {date}")), date=on))]
    rows = [(t(N_("Consent to this referral")), t(N_("Not given: the referral rests on an override")))]
    rows.append((t(N_("Ground of the override")), form.override_basis or ""))
    rows.append((t(N_("Reason")), form.override_reason or ""))
    if on:
        rows.append((t(N_("Recorded on")), on))
    return rows


def _answer(story: Story, t: Translate) -> None:
    """The part the provider fills in by hand and sends back."""
    story.heading(t(N_("The provider's answer (to fill in and return)")))
    story.checkboxes([t(N_("Accepted")), t(N_("Declined"))])
    lines = story.styles.body.but(space_before=6.0)
    story.blank_line(t(N_("Date")), lines)
    story.blank_line(t(N_("Name and position")), lines)
    story.blank_line(t(N_("If declined, why")), lines)
    story.blank_line("", lines)
    story.blank_line(t(N_("Signature and stamp")), lines.but(space_before=14.0))
    story.keep_together(8)




@dataclass(frozen=True)
class ReferralRecords:
    """The stored records a referral form is made from."""

    referral: Referral
    case: Case
    person: Person
    provider: Provider | None  # None when the directory entry was removed
    consent: Consent | None
    risk: RiskAssessment | None  # the latest assessment
    referrer: User | None
    exporter: User
    device: str
    exported_at: datetime


def form_from_records(records: ReferralRecords, language: str, translate: Translate) -> ReferralForm:
    """The form's facts in ``language``: codes become words, reference codes become names."""
    t = translate
    r, person, provider, consent = records.referral, records.person, records.provider, records.consent
    on_day = r.referred_at.date()
    minor = person.may_be_minor(on_day)
    override = consent.override if consent and consent.override else r.override
    given = consent is not None and consent.decision is ConsentDecision.GIVEN
    referrer = records.referrer
    return ReferralForm(
        case_number=records.case.case_number, referral_id=r.id, referred_at=r.referred_at,
        urgency=t(URGENCY_LABELS[r.urgency]), immediate=r.urgency is Urgency.IMMEDIATE,
        categories=tuple(t(CATEGORY_LABELS[c]) for c in r.categories), services_detail=r.services_detail,
        from_organisation=r.from_organisation,
        worker_name=referrer.display_name if referrer else t(N_("Not known")),
        worker_post=_post_name(referrer.border_post if referrer else None, language),
        provider_name=provider.name(language) if provider else r.provider_name,
        provider_city=provider.city(language) if provider else "",
        provider_phone=provider.phone if provider else None,
        provider_contact=provider.contact_person if provider else None,
        provider_address=provider.address if provider else None,
        name_ar=person.display_name_ar, name_latin=person.display_name_latin, sex=t(SEX_LABELS[person.sex]),
        birth_date=person.birth_date, birth_year=person.birth_year,
        age_band=person.effective_age_band(on_day).value if person.effective_age_band(on_day) else None,
        nationality=_country_name(person.nationality, language),
        languages=tuple(language_name(code, language) for code in person.languages),
        interview_language=language_name(r.language, language) if r.language else None,
        interpreter_needed=r.interpreter_needed, minor=minor,
        guardian_name=r.guardian_name or (consent.guardian_name if consent else None),
        unaccompanied=r.unaccompanied,
        risk_summary=r.risk_summary or (records.risk.summary if records.risk else None),
        urgent_flags=tuple(t(URGENT_FLAG_LABELS[f]) for f in (records.risk.urgent_flags if records.risk else ())
                           if f in URGENT_FLAG_LABELS),
        consent_given=given,
        consent_by_guardian=consent.guardian_name if given and consent and consent.given_by_guardian else None,
        consent_on=consent.recorded_at.date() if consent else None,
        override_basis=t(OVERRIDE_LABELS[override]) if override else None,
        override_reason=consent.override_reason if consent else None,
        exported_by=f"{records.exporter.display_name} ({records.exporter.username})",
        exported_at=records.exported_at, device=records.device,
    )


def language_name(code: str, language: str) -> str:
    """An ISO 639 code's name in ``language`` (CLDR, through Babel); the code when unknown."""
    try:
        name = Locale.parse(BABEL_LOCALES.get(language, "en")).languages.get(code)
    except (ValueError, UnknownLocaleError):
        name = None
    return name or code


def _country_name(code: str | None, language: str) -> str | None:
    if not code:
        return None
    for entry in load_json("reference/countries.json")["countries"]:
        if entry["code"] == code:
            return entry.get(language) or entry["en"]
    return code


def _post_name(code: str | None, language: str) -> str | None:
    post = border_posts().get(code or "")
    return (post.get(language) or post.get("en") or code) if post else None


__all__ = ["ReferralForm", "ReferralRecords", "form_from_records", "language_name", "referral_form_pdf"]
