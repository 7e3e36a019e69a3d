"""A case worked through the services on the in-memory store, for the case summary tests.

``ExportWorld(language)`` registers Grace Okafor's case at Tanger Med, screens her on the
shipped border checklist (a presumed victim), records two risk assessments, consents, a
referral that is accepted and completed (services received), a follow-up task and a long
note: the texts a person types are in the document's language, with Latin names, numbers
and Arabic names mixed in. Other helpers add bare cases in other scopes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from fakes import FakeCaseStore, FakeClock, make_user, session_for

from app.domain.case import Case
from app.domain.checks import new_id
from app.domain.person import Document, Person
from app.domain.referral import Provider, ReferralStatus, ServiceCategory, Urgency
from app.reports.case_summary import NOTICE
from app.domain.values import (
    CaseState, ConsentDecision, ConsentKind, DocumentKind, RiskLevel, RiskStage, Role, Sex,
)
from app.screening.checklist import default_library
from app.services.cases import CaseService
from app.services.exports import ExportService
from app.services.referrals import ReferralDraft, ReferralService
from app.services.screening import ScreeningService
from i18n import gettext_for

START = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)
EXPORTED_AT = datetime(2025, 3, 20, 10, 20, tzinfo=timezone.utc)
REASON = "Transfert du dossier à l'équipe d'Oujda pour le suivi"
PASSPORT = "A01234567"

#: The latest risk summary (three lines or more in any language).
RISK = {
    "ar": ("أفادت السيدة Grace Okafor بأن الشخص المدعو Johnson Eze يحتفظ بجواز سفرها منذ 14 شهرا، وأنها تعمل "
           "16 ساعة في اليوم في مقهى بحي مرشان دون أجر، وأنه طالبها بدفع دين قدره 45000 درهم. وصلت إلى ميناء "
           "طنجة المتوسط يوم 3 مارس على متن الرحلة TNG-4471، وهي في حاجة إلى إيواء الليلة وإلى فحص طبي عاجل "
           "لأنها حامل في الشهر الخامس (20 أسبوعا)."),
    "fr": ("Mme Grace Okafor (غريس أوكافور) déclare que Johnson Eze garde son passeport depuis 14 mois, qu'elle "
           "travaille 16 heures par jour dans un café du quartier Marshan sans salaire et qu'il lui réclame une "
           "dette de 45 000 dirhams. Arrivée au port Tanger Med (traversée TNG-4471), elle a besoin d'un "
           "hébergement cette nuit et d'un examen médical urgent : enceinte de 20 semaines."),
    "en": ("Ms Grace Okafor (غريس أوكافور) says that Johnson Eze has kept her passport for 14 months, that she "
           "works 16 hours a day in a café in the Marshan quarter without pay, and that he demands a debt of "
           "45,000 dirhams. She arrived at Tanger Med port (crossing TNG-4471) and needs shelter tonight and an "
           "urgent medical examination: 20 weeks pregnant."),
}
#: The earlier risk summary: only in the table of assessments, in a narrow cell (several lines).
EARLIER_RISK = {
    "ar": "كانت ترافقها امرأة تدعى Blessing قالت إنها قريبتها، ثم اختفت عند نقطة التفتيش رقم 2 قبل المقابلة.",
    "fr": "Une femme nommée Blessing, qui se disait sa cousine, l'accompagnait puis a disparu au contrôle n° 2.",
    "en": "A woman called Blessing, who said she was her cousin, came with her and vanished at checkpoint 2.",
}
NOTE = {
    "ar": ("التقت المساعدة الاجتماعية بالسيدة غريس يوم 10 مارس في مركز الإيواء بطنجة. قالت إن Johnson Eze اتصل "
           "بأختها في Lagos وهددها، وإنها تخاف على ابنها البالغ 7 سنوات. طلبت مساعدة قانونية لتقديم شكاية لدى "
           "النيابة العامة، وهي مستعدة للإدلاء بشهادتها إذا ضُمنت حمايتها. موعدها القادم مع الطبيبة يوم 24 مارس "
           "على الساعة 9:30."),
    "fr": ("L'assistante sociale a rencontré Mme Grace le 10 mars au centre d'hébergement de Tanger. Elle dit que "
           "Johnson Eze a appelé sa sœur à Lagos pour la menacer et qu'elle craint pour son fils de 7 ans. Elle "
           "demande une aide juridique pour porter plainte auprès du parquet et accepte de témoigner si sa "
           "protection est assurée. Prochain rendez-vous médical le 24 mars à 9 h 30."),
    "en": ("The social worker met Ms Grace on 10 March at the shelter in Tangier. She says that Johnson Eze called "
           "her sister in Lagos to threaten her and that she fears for her son, aged 7. She asks for legal aid to "
           "file a complaint with the prosecutor and will testify if her protection is ensured. Her next medical "
           "appointment is on 24 March at 9:30."),
}
OTHER_NOTE = {"ar": "ملاحظة أخرى لم تُختر للتصدير", "fr": "Une autre note, non choisie", "en": "Another note, not chosen"}
FEEDBACK = {"ar": "سرير جاهز الليلة في دار الأمان", "fr": "Un lit est prêt ce soir", "en": "A bed is ready tonight"}
TASK = {"ar": "زيارة المتابعة في مركز الإيواء مع Naima Bennani", "fr": "Visite de suivi au centre avec Naima Bennani",
        "en": "Follow-up visit at the shelter with Naima Bennani"}

#: Answers to the shipped border checklist that make an adult presumed victim.
ANSWERS = {
    "immediate_danger": "no", "controller_nearby": "yes", "medical_urgency": "no", "possibly_minor": "no",
    "unaccompanied_child": "no", "interview_language": "English", "interpreter_needed": "yes",
    "interpreter_linked": "no", "consent": "yes", "promised_job_abroad": "yes", "travel_arranged": "yes",
    "deceived_job": "yes", "deceived_pay": "yes", "violence_journey": "no", "threatened": "yes", "debt": "yes",
    "documents_taken": "yes", "family_problems_used": "no", "no_papers_used": "no", "controlled": "yes",
    "has_worked": "yes", "long_hours": "yes", "little_or_no_pay": "yes", "locked_in": "yes", "forced_acts": "yes",
    "dependent": "yes", "unknown_place": "unknown", "afraid_of_police": "yes", "purpose_stated": "no",
}

#: The summary's new messages in Arabic as the catalogs will have them (the others come from the
#: catalogs): a real Arabic summary is mostly Arabic, which pdftotext judges a page's direction by.
ARABIC = {
    "The case": "الحالة",
    "The person": "الشخص",
    "Screening outcome": "نتيجة الفرز",
    "Case worker": "المكلف بالحالة",
    "Scope (team or region)": "النطاق (الفريق أو الجهة)",
    "Reason for this export: {reason}": "سبب هذا التصدير: {reason}",
    "Case summary {number}": "ملخص الحالة {number}",
    "Document": "الوثيقة",
    "Number": "الرقم",
    "Issued by": "الجهة المصدرة",
    "Expires on": "تاريخ الانتهاء",
    "Held by the person": "بحوزة الشخص",
    "No: taken or kept by someone else": "لا: أخذها أو يحتفظ بها شخص آخر",
    "Completed on": "تاريخ الإنهاء",
    "Screened by": "أجرى الفرز",
    "Dimension": "البعد",
    "Indicators answered yes": "المؤشرات التي كان الجواب عنها بنعم",
    "strong": "قوي", "medium": "متوسط", "weak": "ضعيف",
    "{indicator} ({grade})": "{indicator} ({grade})",
    "Latest assessment: {stage}, {date}, by {user}": "آخر تقييم: {stage}، {date}، من طرف {user}",
    "The latest assessment, above.": "آخر تقييم، أعلاه.",
    "Urgent needs": "الاحتياجات العاجلة",
    "{status} on {date}": "{status} بتاريخ {date}",
    "Open": "مفتوحة",
    "Screening completed: {recommendation}": "انتهى الفرز: {recommendation}",
    "Referral sent to {provider}; urgency: {urgency}": "أُرسلت إحالة إلى {provider}؛ الاستعجال: {urgency}",
    "Referral to {provider}: {status}": "الإحالة إلى {provider}: {status}",
    "Service received: {service}": "خدمة متلقاة: {service}",
    "Follow-up task added": "أضيفت مهمة تتبع",
    "Follow-up task done": "أنجزت مهمة تتبع",
    "{date}, {author}": "{date}، {author}",
    "Page {page} of {pages}": "الصفحة {page} من {pages}",
    "Confidential. Exported by {user} on {date}, device {device}.": "سري. صدّره {user} في {date}، الجهاز {device}.",
    NOTICE: ("سري. يتضمن هذا الملخص معطيات شخصية لشخص تكفلت به الآلية الوطنية للإحالة (القانون 27-14، القانون "
             "09-08). صُدّر للسبب المذكور أعلاه: لا يستعمل إلا لذلك، ويحفظ في مكان مغلق، ولا ينسخ، ويتلف عند انتهاء "
             "الحاجة إليه."),
}
MESSAGES = {"ar": ARABIC, "fr": {}, "en": {}}


def translate(language: str):
    catalog = gettext_for(language)
    return lambda msgid: MESSAGES[language].get(msgid) or catalog(msgid)


class ExportWorld:
    def __init__(self, language: str = "en") -> None:
        self.language = language
        self.store = FakeCaseStore()
        self.clock = FakeClock(START)
        self.cases = CaseService(self.store, self.clock)
        self.referrals = ReferralService(self.store, self.cases, self.clock)
        self.referrals.seed_directory()
        self.screenings = ScreeningService(self.store, default_library(), self.clock)
        self.exports = ExportService(self.store, self.cases, self.referrals, self.screenings, self.clock)
        self.officer = make_user("officer.a", Role.BORDER_OFFICER, border_post="TNG-MED")
        self.worker = make_user("worker.north", Role.SOCIAL_WORKER)
        self.supervisor = make_user("super.north", Role.SUPERVISOR)
        self.secretariat = make_user("secretariat", Role.SECRETARIAT, scope_id="national")
        self.south = make_user("super.south", Role.SUPERVISOR, scope_id="scope-south")
        self.store.seed(self.officer, self.worker, self.supervisor, self.secretariat, self.south)
        self.provider = next(p for p in self.store.all_records(Provider)
                             if p.city_fr == "Tanger" and ServiceCategory.SHELTER in p.categories)
        self.case = self._grace()
        self.clock.current = EXPORTED_AT

    def session(self, user=None):
        return session_for(user or self.supervisor, self.store.device_id)

    def _grace(self) -> Case:
        lang, officer, worker = self.language, session_for(self.officer), session_for(self.worker)
        person = Person(
            id=new_id(), first_name="Grace", second_name="Okafor", first_name_ar="غريس", second_name_ar="أوكافور",
            sex=Sex.FEMALE, birth_year=1992, nationality="NG", languages=("en", "ig"), mobile_phone="+212612345678",
            documents=(Document(DocumentKind.PASSPORT, PASSPORT, "NG", date(2029, 5, 1), held_by_person=False),))
        case = self.cases.register(officer, person, detected_on=date(2025, 3, 3), detecting_agency=None)
        self.clock.advance(minutes=10)
        self.cases.record_consent(officer, case.id, ConsentKind.SCREENING, ConsentDecision.GIVEN)
        self.cases.move(officer, case.id, CaseState.SCREENING)
        screening = self.screenings.start(officer, case.id, "border-short")
        self.screenings.complete(officer, screening.id, ANSWERS)
        self.clock.advance(minutes=20)
        self.cases.record_risk(officer, case.id, RiskStage.SCREENING, controller_nearby=True,
                               summary=EARLIER_RISK[lang])
        self.cases.move(officer, case.id, CaseState.PRESUMED_VICTIM)
        self.clock.advance(minutes=30)
        self.cases.record_risk(worker, case.id, RiskStage.BEFORE_REFERRAL, immediate_danger=False,
                               controller_nearby=True, pregnancy=True, shelter_tonight=True,
                               retrafficking_risk=RiskLevel.HIGH, summary=RISK[lang])
        self.cases.record_consent(worker, case.id, ConsentKind.REFERRAL, ConsentDecision.GIVEN,
                                  provider=self.provider.id)
        made = self.referrals.refer(worker, case.id, ReferralDraft(
            self.provider.id, (ServiceCategory.SHELTER, ServiceCategory.HEALTH), Urgency.PRIORITY, language="en",
            interpreter_needed=True, follow_up_on=date(2025, 3, 5)))
        self.referral = made.referral
        self.clock.advance(days=1)
        self.referrals.update_status(worker, made.referral.id, ReferralStatus.ACCEPTED, feedback=FEEDBACK[lang])
        self.cases.move(worker, case.id, CaseState.IN_ASSISTANCE)
        self.clock.advance(days=5)
        self.referrals.update_status(worker, made.referral.id, ReferralStatus.COMPLETED)
        self.referrals.add_task(worker, case.id, TASK[lang], date(2025, 3, 25))
        self.note = self.cases.add_note(worker, case.id, NOTE[lang])
        self.other_note = self.cases.add_note(worker, case.id, OTHER_NOTE[lang])
        self.person = person
        return self.store.get(Case, case.id)

    def bare_case(self, scope: str = "scope-north", *, first_name: str = "Moussa", first_name_ar: str = "موسى",
                  post: str = "TNG-MED") -> Case:
        """A case with only its person (e.g. in another scope), stored directly."""
        person = Person(id=new_id(), first_name=first_name, first_name_ar=first_name_ar, sex=Sex.MALE,
                        birth_year=1990, nationality="GN")
        self.store.case_counter += 1
        case = Case(id=new_id(), case_number=f"HMY-2025-ABCD-{self.store.case_counter:05d}", person_id=person.id,
                    scope_id=scope, state=CaseState.DETECTED, detected_on=date(2025, 3, 4),
                    opened_at=START + timedelta(days=1), created_by=self.officer.id, border_post=post)
        self.store.seed(person, case)
        return case

    def summary(self, user=None, **kwargs) -> bytes:
        kwargs.setdefault("reason", REASON)
        kwargs.setdefault("language", self.language)
        kwargs.setdefault("translate", translate(kwargs["language"]))
        return self.exports.case_summary(self.session(user), self.case.id, **kwargs)
