"""The referral side of the synthetic demo cases (``app.demo``): referrals to the shipped
sample directory, the services received, and follow-up tasks.

A case whose path went through a referral (``app.demo``'s plan) is referred to providers of
``resources/services/directory.json`` near its post that offer the service and take the
person (a child, a woman, a man), each referral resting on the referral consent (or
override) the generator recorded for THAT provider, exactly as ``ReferralService.refer``
would require. Statuses follow the case's state (a referred case waits for an answer, an
accepted one was accepted, a case in follow-up had its services completed ...), completed
referrals leave one service received per category asked, and open cases carry follow-up
tasks for the case's worker: some overdue, some due today, some upcoming.

Every choice is drawn from a generator seeded with the case's id, so the records depend
only on the case (reproducible), and the main generator of ``app.demo`` is not disturbed.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any, Callable, Sequence

from app.domain.case import Case, Consent
from app.domain.person import Person
from app.domain.referral import (
    FollowUpTask, Provider, Referral, ReferralStatus, ServiceCategory, ServiceReceived, Urgency,
)
from app.domain.user import User
from app.domain.values import CaseState, ConsentDecision, ConsentKind
from app.resources import border_posts, load_json
from app.services.referrals import distance_km, load_directory_file
from app.text import N_

__all__ = ["Assistance", "AssistanceRecords", "directory"]

S = CaseState
C = ServiceCategory
UTC = timezone.utc
_DAY = 86400
#: The title the referral service gives a follow-up task when none is typed (a msgid).
CHECK_ANSWER = N_("Check the provider's answer to the referral")
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)

# What a first referral asks for: (category, weight), by kind of person and urgency.
_FIRST: dict[tuple[bool, bool, str], tuple[tuple[ServiceCategory, float], ...]] = {}
for _urgent in (False, True):
    for _sex in ("Female", "Male", "other"):
        _FIRST[(True, _urgent, _sex)] = ((C.CHILD_PROTECTION, 0.55), (C.EMERGENCY_PROTECTION, 0.45)) if _urgent \
            else ((C.CHILD_PROTECTION, 0.6), (C.SHELTER, 0.2), (C.PSYCHOSOCIAL, 0.2))
_FIRST[(False, True, "Female")] = ((C.EMERGENCY_PROTECTION, 0.4), (C.SHELTER, 0.35), (C.HEALTH, 0.25))
_FIRST[(False, True, "Male")] = ((C.EMERGENCY_PROTECTION, 0.6), (C.HEALTH, 0.25), (C.SHELTER, 0.15))
_FIRST[(False, True, "other")] = _FIRST[(False, True, "Male")]
_FIRST[(False, False, "Female")] = ((C.SHELTER, 0.35), (C.PSYCHOSOCIAL, 0.25), (C.HEALTH, 0.2), (C.LEGAL_AID, 0.2))
_FIRST[(False, False, "Male")] = ((C.PSYCHOSOCIAL, 0.35), (C.HEALTH, 0.25), (C.LEGAL_AID, 0.25), (C.SHELTER, 0.15))
_FIRST[(False, False, "other")] = _FIRST[(False, False, "Male")]
# A later referral, during assistance.
_LATER_ADULT = (C.PSYCHOSOCIAL, C.HEALTH, C.LEGAL_AID, C.SOCIOECONOMIC, C.SOCIOECONOMIC)
_LATER_CHILD = (C.PSYCHOSOCIAL, C.HEALTH, C.LEGAL_AID, C.CHILD_PROTECTION)

_RISK_SUMMARIES = (
    "Mise à l'abri nécessaire ce soir ; la personne qui la contrôle a été vue près du port.",
    "يلزم إيواء استعجالي هذه الليلة؛ شوهد الشخص المتحكم بالقرب من الميناء.",
    "Blessures à faire examiner aujourd'hui ; accompagnement à l'unité intégrée organisé.",
    "طفل غير مصحوب دون مأوى هذه الليلة؛ تم إشعار النيابة العامة.",
)
_DETAILS = {
    C.EMERGENCY_PROTECTION: ("Mise à l'abri et audition par la cellule.", "الحماية الفورية والاستماع من طرف الخلية."),
    C.LEGAL_AID: ("Information sur les droits et dépôt de plainte.", "الإخبار بالحقوق وتقديم الشكاية."),
    C.HEALTH: ("Examen médical et certificat.", "فحص طبي وشهادة طبية."),
    C.SHELTER: ("Hébergement temporaire.", "إيواء مؤقت."),
    C.PSYCHOSOCIAL: ("Entretiens d'écoute et soutien psychologique.", "جلسات إنصات ودعم نفسي."),
    C.CHILD_PROTECTION: ("Mesure de protection par le juge des mineurs.", "تدبير حماية من طرف قاضي الأحداث."),
    C.RETURN_REINTEGRATION: ("Retour volontaire et projet de réintégration.", "العودة الطوعية ومشروع إعادة الإدماج."),
    C.SOCIOECONOMIC: ("Formation qualifiante et recherche d'emploi.", "تكوين تأهيلي والبحث عن عمل."),
}
_FEEDBACK = {
    ReferralStatus.ACCEPTED: ("Place disponible ; accueil confirmé.", "تم تأكيد الاستقبال، المكان متوفر."),
    ReferralStatus.DECLINED: ("Plus de place avant le mois prochain ; orienter vers une autre structure.",
                              "لا توجد أماكن شاغرة قبل الشهر المقبل؛ يرجى التوجيه نحو مؤسسة أخرى."),
    ReferralStatus.COMPLETED: ("Prise en charge terminée ; suivi assuré par l'équipe.",
                               "انتهى التكفل، ويتولى الفريق المتابعة."),
    ReferralStatus.WITHDRAWN: ("La personne a quitté la ville ; orientation annulée.",
                               "غادر الشخص المدينة، وتم إلغاء الإحالة."),
}
_TASKS = (
    ("Appel de suivi avec la personne", "مكالمة متابعة مع الشخص"),
    ("Visite au centre d'hébergement", "زيارة إلى مركز الإيواء"),
    ("Accompagner la personne à l'audience", "مرافقة الشخص إلى جلسة المحكمة"),
    ("Rendez-vous médical de contrôle", "موعد طبي للمراقبة"),
    ("Point avec le référent du service", "اجتماع مع المسؤول عن الخدمة"),
    ("Vérifier l'inscription à la formation", "التحقق من التسجيل في التكوين"),
    ("Réévaluer les risques", "إعادة تقييم المخاطر"),
)
_OPEN_WORK = frozenset({S.REFERRED, S.ACCEPTED, S.IN_ASSISTANCE, S.FOLLOW_UP, S.FORMALLY_IDENTIFIED})


class _Directory:
    """The sample directory with, per post and category, its providers nearest first."""

    def __init__(self) -> None:
        self.providers = tuple(p for p in load_directory_file(load_json("services/directory.json")) if p.active)
        self.posts = border_posts()
        self._near: dict[tuple[str, ServiceCategory], tuple[Provider, ...]] = {}
        self._suited: dict[tuple[str, ServiceCategory, bool, str], tuple[Provider, ...]] = {}

    def near(self, post: str, category: ServiceCategory) -> tuple[Provider, ...]:
        key = (post, category)
        found = self._near.get(key)
        if found is None:
            origin = self.posts.get(post) or {}
            lat, lon = origin.get("lat"), origin.get("lon")
            offer = [p for p in self.providers if category in p.categories]
            if lat is not None and lon is not None:
                offer.sort(key=lambda p: distance_km(float(lat), float(lon), p.latitude, p.longitude)
                           if p.latitude is not None and p.longitude is not None else 1e9)
            found = self._near[key] = tuple(offer)
        return found

    def suited(self, post: str, category: ServiceCategory, minor: bool, sex: str) -> tuple[Provider, ...]:
        """The three nearest that take such a person (the nearest of all when none does)."""
        key = (post, category, minor, sex)
        found = self._suited.get(key)
        if found is None:
            offer = self.near(post, category)
            taking = [p for p in offer if p.takes(minor=minor, sex=sex)]
            found = self._suited[key] = tuple(taking[:3] or offer[:1])
        return found


@lru_cache(maxsize=1)
def directory() -> _Directory:
    return _Directory()


@dataclass(frozen=True)
class AssistanceRecords:
    consents: tuple[Consent, ...]  # referral consents of later referrals (the first one is the generator's)
    referrals: tuple[Referral, ...]
    services: tuple[ServiceReceived, ...]
    tasks: tuple[FollowUpTask, ...]


class Assistance:
    """The referral records of one case, from a generator seeded with the case's id."""

    def __init__(self, case_id: str, post: str, person: Person, minor: bool, foreign: bool, urgent: bool) -> None:
        self.rng = random.Random(case_id)
        self.rand = self.rng.random
        self.case_id = case_id
        self.post = post
        self.person = person
        self.minor = minor
        self.sex = person.sex.value if person.sex.value in ("Female", "Male") else "other"
        self.foreign = foreign
        self.urgent = urgent
        self.dir = directory()
        weights = _FIRST[(minor, urgent, self.sex)]
        self.first_category = self._weighted(weights)
        self.first = self._provider(self.first_category)

    # random helpers ------------------------------------------------------------------------
    def uid(self) -> str:
        h = "%032x" % ((self.rng.getrandbits(128) & _UUID_CLEAR) | _UUID_SET)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def _weighted(self, pairs: Sequence[tuple[Any, float]]) -> Any:
        cum, total = [], 0.0
        for _item, weight in pairs:
            total += weight
            cum.append(total)
        return pairs[bisect_right(cum, self.rand() * total)][0]

    def _pick(self, items: Sequence[Any]) -> Any:
        return items[int(self.rand() * len(items))]

    def _text(self, pair: tuple[str, str]) -> str:
        return pair[1] if self.rand() < 0.7 else pair[0]  # Arabic mostly, as the notes

    def _provider(self, category: ServiceCategory) -> Provider:
        offer = self.dir.suited(self.post, category, self.minor, self.sex)
        r = self.rand()
        return offer[0 if r < 0.6 or len(offer) == 1 else 1 if r < 0.85 or len(offer) == 2 else 2]

    def other_provider(self) -> Provider:
        """Another provider (a proposal the person refused)."""
        category = self._weighted(_FIRST[(self.minor, False, self.sex)])
        return self._provider(category)

    # the records ---------------------------------------------------------------------------
    def records(
        self,
        *,
        case: Case,
        level: int,
        times: dict[str, int],
        first_consent: Consent,
        referrer: User,
        worker: User,
        case_workers: Sequence[User],
        today: date,
        now: datetime,
    ) -> AssistanceRecords:
        """Referrals, services and tasks agreeing with the case's state and milestones.

        ``times`` are ``app.demo``'s milestones (seconds after opening, already fitted before
        ``now``); ``first_consent`` is the referral consent or override recorded for
        ``self.first``; ``worker`` does the case work (``case_workers`` empty: a scope of
        border officers only, who refer urgently and do no case work).
        """
        opened = case.opened_at
        limit = min(case.closed_at or now, now)

        def at(seconds: float) -> datetime:
            return min(opened + timedelta(seconds=int(seconds)), limit)

        state = case.state
        end = times["before_final"] if case.closed_at is not None else times["end"]
        updater = worker if case_workers else referrer
        made: list[tuple[Referral, datetime | None]] = []  # each referral with the time of its last change
        consents: list[Consent] = []

        # the first referral: its status follows how far the case went
        sent_s = times["referral"]
        status = self._first_status(state, level)
        answered = at(times["accepted"]) if level >= 4 else at(sent_s + max(0, min(3 * _DAY, (end - sent_s) / 2)))
        completed = None
        if status is ReferralStatus.COMPLETED:
            span = times["follow_up"] if level >= 6 else times["assistance"] + self.rand() * max(
                0, end - times["assistance"]) * 0.8
            completed = max(at(span), answered)
        changed: datetime | None = completed or answered
        if status is ReferralStatus.SENT:
            answered = changed = None
        elif status is ReferralStatus.WITHDRAWN and level < 4:  # never answered: withdrawn at the transfer
            answered, changed = None, at(end)
        urgency = Urgency.IMMEDIATE if self.urgent else (Urgency.PRIORITY if self.rand() < 0.6 else Urgency.ROUTINE)
        made.append((self._referral(self.first, self.first_category, first_consent, referrer, updater,
                                    at(sent_s), urgency, status, answered, completed), changed))

        # a later referral during the assistance (always the return programme for a return)
        returned = case.closure_reason is not None and case.closure_reason.value == "returned"
        if level >= 5 and case_workers and (returned or self.rand() < 0.5):
            later = self._later(case, returned, times["assistance"], max(times["assistance"], end), at, worker,
                                first_consent)
            if later is not None:
                consents.append(later[0])
                made.append(later[1:])

        services: list[ServiceReceived] = []
        tasks: list[FollowUpTask] = []
        for referral, when in made:
            if referral.status is ReferralStatus.COMPLETED:
                assert when is not None and referral.completed_on is not None
                for category in referral.categories:
                    services.append(ServiceReceived(
                        id=self.uid(), case_id=case.id, category=category, provider_name=referral.provider_name,
                        received_on=referral.completed_on, recorded_by=updater.id, recorded_at=when,
                        provider_id=referral.provider_id, referral_id=referral.id))
            if self.rand() < 0.7:  # "check the provider's answer", two days after sending
                tasks.append(FollowUpTask(
                    id=self.uid(), case_id=case.id, title=CHECK_ANSWER,
                    due_on=referral.referred_at.date() + timedelta(days=2), assigned_to=referral.referred_by,
                    created_by=referral.referred_by, created_at=referral.referred_at, referral_id=referral.id,
                    done_at=when, done_by=None if when is None else updater.id))
        if case_workers:
            tasks += self._work_tasks(case, level, times["assistance"], times["referral"], end, at, worker, today)
        services.sort(key=lambda s: s.recorded_at)
        tasks.sort(key=lambda t: t.created_at)
        return AssistanceRecords(tuple(consents), tuple(r for r, _w in made), tuple(services), tuple(tasks))

    def _first_status(self, state: CaseState, level: int) -> ReferralStatus:
        if level >= 6 or (level == 5 and state is not S.IN_ASSISTANCE):
            return ReferralStatus.COMPLETED
        if level == 5:  # in assistance: about half of the first services already completed
            return ReferralStatus.COMPLETED if self.rand() < 0.5 else ReferralStatus.ACCEPTED
        if level == 4:
            return ReferralStatus.WITHDRAWN if state is S.CLOSED else ReferralStatus.ACCEPTED
        # level 3: sent, no answer yet, unless the case went no further
        if state is S.CLOSED:
            return ReferralStatus.DECLINED
        if state is S.TRANSFERRED:
            return ReferralStatus.WITHDRAWN
        return ReferralStatus.SENT

    def _referral(self, provider: Provider, category: ServiceCategory, consent: Consent, referrer: User,
                  updater: User, sent: datetime, urgency: Urgency, status: ReferralStatus,
                  answered: datetime | None, completed: datetime | None) -> Referral:
        categories = [category]
        # a second service of the same provider, when it fits the person (the return programme
        # is only ever asked for itself, child protection only for a child)
        extra = [c for c in provider.categories if c is not category and c is not C.RETURN_REINTEGRATION
                 and (self.minor or c is not C.CHILD_PROTECTION)]
        if extra and self.rand() < 0.4:
            categories.append(self._pick(extra))
        minor_now = self.person.may_be_minor(sent.date())
        guardian = consent.guardian_name if (minor_now and consent.given_by_guardian) else None
        language = self.person.languages[0] if self.person.languages else None
        feedback = None
        if status is not ReferralStatus.SENT and (status is ReferralStatus.DECLINED or self.rand() < 0.5):
            feedback = self._text(_FEEDBACK[status])
        return Referral(
            id=self.uid(), case_id=self.case_id, provider_id=provider.id, provider_name=provider.name_fr,
            categories=tuple(categories), urgency=urgency, referred_by=referrer.id, referred_at=sent,
            status=status, services_detail=self._text(_DETAILS[category]) if self.rand() < 0.6 else None,
            risk_summary=self._pick(_RISK_SUMMARIES) if urgency is Urgency.IMMEDIATE else None,
            consent_id=consent.id, override=consent.override, language=language,
            interpreter_needed=language is not None and language not in provider.languages,
            guardian_name=guardian, unaccompanied=minor_now and guardian is None,
            responded_on=answered.date() if answered is not None else None,
            completed_on=completed.date() if completed is not None else None,
            feedback=feedback, updated_by=None if status is ReferralStatus.SENT else updater.id,
        )

    def _later(self, case: Case, returned: bool, start: int, end: int, at: Callable[[float], datetime],
               worker: User, first_consent: Consent) -> tuple[Consent, Referral, datetime | None] | None:
        """A second referral during the assistance, with the person's consent to THAT provider."""
        if self.minor and not first_consent.given_by_guardian:
            return None  # a child alone: a further referral would need an override; kept simple
        if returned:
            category = C.RETURN_REINTEGRATION
        else:
            category = self._pick([c for c in (_LATER_CHILD if self.minor else _LATER_ADULT)
                                   if c is not self.first_category])
        provider = self._provider(category)
        if provider.id == self.first.id:
            return None
        consent_s = start + self.rand() * (end - start) * 0.4
        sent_s = consent_s + 3600
        consent = Consent(
            id=self.uid(), case_id=case.id, kind=ConsentKind.REFERRAL, decision=ConsentDecision.GIVEN,
            provider=provider.id, recorded_at=at(consent_s), recorded_by=worker.id,
            given_by_guardian=first_consent.given_by_guardian, guardian_name=first_consent.guardian_name)
        answered = at(sent_s + max(0, min(4 * _DAY, (end - sent_s) / 3)))
        if case.state in (S.IN_ASSISTANCE, S.FORMALLY_IDENTIFIED) and not returned:
            r = self.rand()
            status = ReferralStatus.SENT if r < 0.25 else ReferralStatus.ACCEPTED if r < 0.6 \
                else ReferralStatus.DECLINED if r < 0.75 else ReferralStatus.COMPLETED
        else:
            status = ReferralStatus.COMPLETED if returned or self.rand() < 0.8 else ReferralStatus.DECLINED
        completed = None
        if status is ReferralStatus.COMPLETED:
            completed = max(at(sent_s + max(0, end - sent_s) * (0.5 + 0.5 * self.rand())), answered)
        urgency = Urgency.PRIORITY if self.rand() < 0.4 else Urgency.ROUTINE
        answer = None if status is ReferralStatus.SENT else answered
        referral = self._referral(provider, category, consent, worker, worker, at(sent_s), urgency, status,
                                  answer, completed)
        return consent, referral, completed or answer

    def _work_tasks(self, case: Case, level: int, assistance: int, referral: int, end: int,
                    at: Callable[[float], datetime], worker: User, today: date) -> list[FollowUpTask]:
        """Case work for the worker: a task done during the assistance, one open while the case is."""
        tasks: list[FollowUpTask] = []
        if level >= 5 and self.rand() < 0.5:
            done_s = assistance + self.rand() * max(0, end - assistance)
            done = at(done_s)
            tasks.append(FollowUpTask(
                id=self.uid(), case_id=case.id, title=self._text(self._pick(_TASKS)), due_on=done.date(),
                assigned_to=worker.id, created_by=worker.id, created_at=at(max(assistance, done_s - 5 * _DAY)),
                done_at=done, done_by=worker.id))
        if case.state in _OPEN_WORK and self.rand() < 0.5:
            r = self.rand()
            if r < 0.25:
                due = today - timedelta(days=1 + int(self.rand() * 21))
            elif r < 0.4:
                due = today
            else:
                due = today + timedelta(days=1 + int(self.rand() * 14))
            created = min(at(max(referral, end - 7 * _DAY)),
                          max(case.opened_at, datetime.combine(due, time(8, 0), UTC) - timedelta(days=7)))
            tasks.append(FollowUpTask(
                id=self.uid(), case_id=case.id, title=self._text(self._pick(_TASKS)), due_on=due,
                assigned_to=worker.id, created_by=worker.id, created_at=max(created, case.opened_at)))
        return tasks
