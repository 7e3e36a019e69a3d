"""Synthetic cases for demonstrations and benchmarks.

``generate`` yields realistic but entirely invented cases: a person, the case, its risk
assessments, consents and notes, each built through its own validating constructor, so
every record is one the store would accept. The output depends only on the arguments: the
same seed, users, device code and reference instant give the same cases, ids included.

What "realistic" means here, roughly (shares are targets, not guarantees):

* nationality: about 35 % Moroccan, 45 % West and Central African, 20 % others (Sudan,
  Syria, Yemen, Algeria, Bangladesh, the Philippines ...); names from
  ``resources/demo/names.json`` for the person's group, usually in both scripts;
* sex about 55 % female; about 12 % minors at detection; age known as a birth date
  (mostly when a document was seen), an estimated birth year, an age band, or a flag;
* cases spread over the last three years, more of them recent; the state depends on the
  case's age (recent cases are still being screened, old ones are mostly closed) and the
  records agree with the state and with the lifecycle in ``app.lifecycle``: a screening
  consent before any outcome, the outcome recorded on the case, a referral consent (or a
  child best-interests / danger-to-life override, with its reason) before any referral,
  a closure reason, date and approving supervisor for closed cases;
* each case is created by one of the given users who may create cases (not the
  secretariat, not disabled), in that user's scope; a border officer only at their own
  post, others at their own post or another post of their scope's users;
* a case whose path went through a referral is referred to providers of the shipped
  sample directory near its post, each referral resting on the consent (or override)
  recorded for THAT provider, with the services received and follow-up tasks for the
  case's worker (``app.demo_referrals``, which draws from a generator seeded with the
  case's id);
* only users of the case's scope act on it (``app.permissions``): social workers and
  supervisors do the case work and write the notes, a supervisor of the scope approves a
  closure (``closure_approved_by`` stays empty when the scope has none). A scope with
  border officers only gets what they may do alone: screenings, urgent protection and
  urgent referrals, no notes.

Only the resource files are read (through ``app.resources``), once per process.
Generating 100,000 cases takes about 15 to 20 s of one CPU; most of it is the records' own
validation (the referral records add about half again to the cases that have them).
"""

from __future__ import annotations

import random
import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any, Iterator, NamedTuple, Sequence

from app.demo_referrals import Assistance
from app.domain.case import Case, Consent, Note, RiskAssessment
from app.domain.person import Document, Person
from app.domain.referral import FollowUpTask, Referral, ServiceReceived
from app.domain.user import User
from app.domain.values import (
    AgeBand, CaseState, ClosureReason, ConsentDecision, ConsentKind, DocumentKind, OverrideBasis,
    RiskLevel, RiskStage, Role, Sex,
)
from app.resources import agencies, border_posts, country_codes, load_json

__all__ = ["DemoCase", "generate", "DEVICE_CODE", "WEST_CENTRAL_AFRICA"]

S = CaseState
UTC = timezone.utc
DEVICE_CODE = re.compile(r"^[0-9A-Z]{4,8}$")  # as in app.domain.case.CASE_NUMBER; stores make 6
YEARS_BACK = 3
_DAY = 86400
_HOUR = 3600
_MIN = 60
# version 4, RFC 4122 variant: what uuid.UUID(int=..., version=4) does to the bits
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


@dataclass(frozen=True)
class DemoCase:
    """One generated case with everything attached to it (each tuple oldest first)."""

    person: Person
    case: Case
    risks: tuple[RiskAssessment, ...]
    consents: tuple[Consent, ...]
    notes: tuple[Note, ...]
    referrals: tuple[Referral, ...] = ()
    services: tuple[ServiceReceived, ...] = ()
    tasks: tuple[FollowUpTask, ...] = ()


# --- public entry point ----------------------------------------------------------------

def generate(
    count: int,
    *,
    seed: int = 2023,
    users: Sequence[User],
    device_code: str = "0DE0",
    start_number: int = 1,
    today: date | None = None,
    now: datetime | None = None,
) -> Iterator[DemoCase]:
    """Yield ``count`` synthetic cases, numbered ``HMY-<year>-<device_code>-<n>`` from ``start_number``.

    ``users`` are the device's users; each case is created by one who may create cases
    (not the secretariat, not disabled) and takes that user's scope. ``today`` and ``now``
    fix the reference instant: nothing is dated after it. By default ``now`` is the end of
    ``today`` but never later than the real clock, and ``today`` is the real date; pass a
    past ``today`` (or an explicit ``now``) for output that does not depend on the clock.

    The arguments are checked at once (``ValueError``); the cases are made lazily.
    """
    if not isinstance(count, int) or count < 0:
        raise ValueError("count must be a non-negative integer")
    if not isinstance(start_number, int) or start_number < 1:
        raise ValueError("start_number must be a positive integer")
    code = device_code.upper() if isinstance(device_code, str) else ""
    if not DEVICE_CODE.match(code):
        raise ValueError("device_code must be 4 to 8 capital letters or digits, e.g. 0DE0")
    real_now = datetime.now(UTC).replace(microsecond=0)
    if now is not None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        now = now.astimezone(UTC).replace(microsecond=0)
        if today is None:
            today = now.date()
        elif now.date() != today:
            raise ValueError("now must fall on today")
    elif today is not None:
        now = min(datetime.combine(today, time(23, 59, 59), UTC), real_now)
    else:
        now = real_now
        today = now.date()
    assert today is not None
    if now > real_now or today > real_now.date():
        raise ValueError("the reference day cannot be in the future: the records would not validate")
    staff = _Staff(users)
    return _cases(count, random.Random(seed), staff, code, start_number, today, now)


def _cases(count: int, rng: random.Random, staff: "_Staff", device_code: str,
           start_number: int, today: date, now: datetime) -> Iterator[DemoCase]:
    tables = _tables()
    maker = _Maker(rng, tables, staff, device_code, today, now)
    for n in range(start_number, start_number + count):
        yield maker.case(n)


# --- reference tables, built once -------------------------------------------------------

# Nationality weights (percent of persons). West and Central Africa together are 45.
_NATIONALITIES: tuple[tuple[str, float], ...] = (
    ("MA", 35.0),
    ("GN", 7.0), ("CI", 7.5), ("SN", 5.0), ("CM", 5.5), ("ML", 4.5), ("NG", 5.5), ("CD", 2.5),
    ("CG", 1.5), ("BF", 1.5), ("NE", 1.0), ("TG", 0.5), ("BJ", 0.5), ("GH", 1.0), ("LR", 0.5),
    ("SL", 0.5), ("GM", 0.5),
    ("SD", 4.0), ("SY", 3.0), ("YE", 2.0), ("DZ", 2.0), ("TN", 1.0), ("EG", 1.5), ("BD", 2.5),
    ("PK", 1.0), ("LK", 1.0), ("PH", 2.0),
)
WEST_CENTRAL_AFRICA = frozenset(
    {"GN", "CI", "SN", "CM", "ML", "NG", "CD", "CG", "BF", "NE", "TG", "BJ", "GH", "LR", "SL", "GM"}
)
_ARAB_WORLD = frozenset({"MA", "SD", "SY", "YE", "DZ", "TN", "EG"})

# Languages a person of that nationality plausibly speaks: (ISO 639 code, probability).
_LANGUAGES: dict[str, tuple[tuple[str, float], ...]] = {
    "MA": (("ar", 1.0), ("zgh", 0.25), ("fr", 0.3), ("es", 0.05)),
    "SN": (("wo", 1.0), ("fr", 0.7), ("ff", 0.15)),
    "ML": (("bm", 1.0), ("fr", 0.6), ("ff", 0.1)),
    "GN": (("ff", 0.6), ("fr", 0.7), ("sus", 0.3), ("man", 0.15)),
    "CI": (("fr", 1.0), ("dyu", 0.4), ("bci", 0.1)),
    "BF": (("fr", 0.8), ("mos", 0.7), ("dyu", 0.2)),
    "NE": (("ha", 0.9), ("fr", 0.6)),
    "CM": (("fr", 0.9), ("en", 0.35)),
    "CD": (("ln", 0.9), ("fr", 0.8), ("sw", 0.2)),
    "CG": (("ln", 0.8), ("fr", 0.9)),
    "TG": (("fr", 0.9), ("ee", 0.6)),
    "BJ": (("fr", 0.9), ("fon", 0.6)),
    "NG": (("en", 1.0), ("pcm", 0.4), ("yo", 0.3), ("ig", 0.25), ("ha", 0.1)),
    "GH": (("en", 1.0), ("ak", 0.7)),
    "LR": (("en", 1.0),),
    "SL": (("en", 0.9), ("kri", 0.8)),
    "GM": (("en", 0.9), ("wo", 0.5), ("mnk", 0.3), ("ff", 0.1)),
    "SD": (("ar", 1.0), ("en", 0.15)),
    "SY": (("ar", 1.0), ("ku", 0.05)),
    "YE": (("ar", 1.0),),
    "DZ": (("ar", 1.0), ("fr", 0.5), ("kab", 0.1)),
    "TN": (("ar", 1.0), ("fr", 0.6)),
    "EG": (("ar", 1.0), ("en", 0.2)),
    "BD": (("bn", 1.0), ("en", 0.2)),
    "PK": (("ur", 1.0), ("pa", 0.3), ("en", 0.3)),
    "LK": (("si", 0.8), ("ta", 0.3), ("en", 0.3)),
    "PH": (("fil", 1.0), ("en", 0.8)),
}

# Mobile numbers (E.164): country code and national number patterns; D is a digit.
_PHONES: dict[str, tuple[str, tuple[str, ...]]] = {
    "MA": ("212", ("6DDDDDDDD", "7DDDDDDDD")),
    "SN": ("221", ("70DDDDDDD", "76DDDDDDD", "77DDDDDDD", "78DDDDDDD")),
    "ML": ("223", ("6DDDDDDD", "7DDDDDDD", "9DDDDDDD")),
    "GN": ("224", ("61DDDDDDD", "62DDDDDDD", "66DDDDDDD")),
    "CI": ("225", ("01DDDDDDDD", "05DDDDDDDD", "07DDDDDDDD")),
    "BF": ("226", ("70DDDDDD", "76DDDDDD", "65DDDDDD")),
    "CM": ("237", ("65DDDDDDD", "67DDDDDDD", "69DDDDDDD")),
    "CD": ("243", ("81DDDDDDD", "82DDDDDDD", "97DDDDDDD", "99DDDDDDD")),
    "NG": ("234", ("803DDDDDDD", "806DDDDDDD", "813DDDDDDD", "703DDDDDDD", "905DDDDDDD")),
    "GH": ("233", ("24DDDDDDD", "54DDDDDDD", "20DDDDDDD")),
    "SD": ("249", ("9DDDDDDDD",)),
    "SY": ("963", ("9DDDDDDDD",)),
    "EG": ("20", ("10DDDDDDDD", "11DDDDDDDD", "12DDDDDDDD")),
    "DZ": ("213", ("5DDDDDDDD", "6DDDDDDDD", "7DDDDDDDD")),
    "BD": ("880", ("17DDDDDDDD", "18DDDDDDDD", "19DDDDDDDD")),
    "PH": ("63", ("9DDDDDDDDD",)),
}

# Document number patterns: L a capital letter, D a digit (invented, not real formats).
_DOC_PATTERNS: dict[DocumentKind, tuple[str, ...]] = {
    DocumentKind.PASSPORT: ("LLDDDDDDD", "LDDDDDDDD", "DDLLDDDDD"),
    DocumentKind.NATIONAL_ID: ("LLDDDDDD", "LDDDDDD"),
    DocumentKind.RESIDENCE_PERMIT: ("LLDDDDDDL",),
    DocumentKind.CONSULAR_CARD: ("DDDDDDDD", "LLDDDDDD"),
    DocumentKind.BIRTH_CERTIFICATE: ("DDDD/DDDD",),
}

# Detecting agencies by kind of post (codes checked against agencies.json).
_AGENCY_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    "land": (("DGSN", 55), ("GR", 15), ("FA", 15), ("ADII", 10), ("NGO", 5)),
    "port": (("DGSN", 65), ("MR", 15), ("ADII", 10), ("GR", 5), ("NGO", 5)),
    "airport": (("DGSN", 82), ("ADII", 10), ("GR", 3), ("IOM-MA", 5)),
    "office": (("ENTRAIDE", 15), ("NGO", 20), ("IOM-MA", 10), ("COURT-CELL", 10), ("PMP", 8),
               ("LABOUR-INSP", 7), ("HEALTH-UNIT", 10), ("DGSN", 12), ("GR", 8)),
}

# Case states by age of the case: (upper bound in days, weights in CaseState order below).
_STATE_ORDER = (S.DETECTED, S.SCREENING, S.NO_INDICATORS, S.OTHER_VULNERABILITY, S.PRESUMED_VICTIM,
                S.URGENT_PROTECTION, S.REFERRED, S.ACCEPTED, S.IN_ASSISTANCE, S.FOLLOW_UP,
                S.TRANSFERRED, S.FORMALLY_IDENTIFIED, S.CLOSED)
_STATE_WEIGHTS: tuple[tuple[int, tuple[float, ...]], ...] = (
    #            DET   SCR   NOI   OTV   PRV   URG   REF   ACC   INA   FUP   TRF   FID   CLO
    (7,       (20.0, 15.0, 15.0, 10.0, 12.0, 8.0, 10.0, 4.0, 3.0, 0.0, 0.5, 0.0, 2.5)),
    (60,      (3.0, 4.0, 16.0, 12.0, 8.0, 2.0, 8.0, 8.0, 18.0, 2.0, 2.0, 2.0, 15.0)),
    (365,     (0.5, 0.5, 5.0, 5.0, 3.0, 0.5, 2.0, 3.0, 18.0, 17.0, 4.0, 4.0, 37.5)),
    (10 ** 6, (0.2, 0.2, 2.0, 3.0, 1.0, 0.2, 0.5, 1.0, 10.0, 16.0, 6.0, 3.0, 56.9)),
)

# Cases in these states may not have the person's identity yet.
_EARLY_STATES = frozenset({S.DETECTED, S.SCREENING, S.NO_INDICATORS, S.URGENT_PROTECTION})

# States border officers reach without case workers: screening, and an urgent referral.
_FIELD_STATES = frozenset({S.DETECTED, S.SCREENING, S.NO_INDICATORS, S.OTHER_VULNERABILITY, S.PRESUMED_VICTIM,
                           S.URGENT_PROTECTION, S.REFERRED})

_OVERRIDE_REASONS = {
    OverrideBasis.CHILD_BEST_INTERESTS: (
        "Enfant non accompagné : orientation dans l'intérêt supérieur de l'enfant, en lien avec le parquet compétent.",
        "طفل غير مصحوب: الإحالة مراعاةً للمصلحة الفضلى للطفل وبتنسيق مع النيابة العامة المختصة.",
        "Mineur en danger, aucun représentant légal joignable : mise à l'abri décidée dans son intérêt supérieur.",
    ),
    OverrideBasis.DANGER_TO_LIFE: (
        "Danger immédiat pour la vie : la personne qui la contrôle se trouve à proximité ; mise à l'abri urgente.",
        "خطر على الحياة: الشخص المتحكم موجود بالقرب منها، وتقرر الإيواء الاستعجالي.",
    ),
}

_RISK_SUMMARIES = {
    "urgent": (
        "Mise à l'abri nécessaire ce soir ; coordination avec le centre d'accueil en cours.",
        "يلزم إيواء استعجالي هذه الليلة؛ جارٍ التنسيق مع مركز الاستقبال.",
        "Besoin de soins médicaux urgents ; accompagnement à l'hôpital organisé.",
    ),
    "calm": (
        "Pas de danger immédiat signalé. Hébergement assuré par un proche.",
        "لا يوجد خطر فوري. الشخص يقيم عند أحد معارفه.",
        "Situation stable ; réévaluation prévue avant toute orientation.",
    ),
}

_FEMALE_SHARE = 0.55
_MINOR_SHARE = 0.12
_MINOR_AGES = tuple(range(6, 18))
_MINOR_AGE_WEIGHTS = (1, 1, 1, 1, 1, 1, 2, 3, 5, 7, 9, 10)
_MINOR_AGE_CUM = tuple(float(sum(_MINOR_AGE_WEIGHTS[:i + 1])) for i in range(len(_MINOR_AGE_WEIGHTS)))


class _Tables:
    """Everything derived from the resource files, computed once."""

    def __init__(self) -> None:
        known = country_codes()
        posts = border_posts()
        agency_codes = agencies()
        names = load_json("demo/names.json")["groups"]
        self.group_of: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {}
        for group in names.values():
            lists = {part: tuple((e["ar"], e["lat"]) for e in group.get(part, ()))
                     for part in ("male_first", "female_first", "family")}
            lists["any_first"] = lists["male_first"] + lists["female_first"]
            if not (lists["male_first"] and lists["female_first"] and lists["family"]):
                continue
            for nat in group.get("nationalities", ()):
                self.group_of.setdefault(nat, lists)
        pairs = [(c, w) for c, w in _NATIONALITIES if c in known and c in self.group_of]
        if not pairs:
            raise ValueError("names.json has no name group for any nationality the generator uses")
        self.nationalities = tuple(c for c, _ in pairs)
        self.nationality_cum = _cumulative(w for _, w in pairs)

        self.posts = posts
        self.office_posts = tuple(code for code, p in posts.items() if p.get("kind") == "office") \
            or tuple(posts)
        # Services (shelters, hospitals, courts) are in the region's main town, not at the
        # crossing itself: the regional office's town ("BR-" codes), else another office of
        # the region, else the region's airport, else the post's own town.
        def rank(code: str) -> int:
            kind = posts[code].get("kind")
            return 0 if kind == "office" and code.startswith("BR-") else 1 if kind == "office" \
                else 2 if kind == "airport" else 3
        regional: dict[str, str] = {}
        for code in sorted(posts, key=rank):
            if rank(code) < 3:
                regional.setdefault(posts[code].get("region_code", ""), code)
        self.service_post = {code: regional.get(p.get("region_code", ""), code) for code, p in posts.items()}
        # where a person moves to when the file is transferred to another regional office
        self.regional_posts = tuple(code for code in regional.values() if rank(code) == 0) \
            or tuple(regional.values())
        self.agency_choice: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {}
        for kind, weights in _AGENCY_WEIGHTS.items():
            usable = [(c, w) for c, w in weights if c in agency_codes]
            if usable:
                self.agency_choice[kind] = (tuple(c for c, _ in usable), _cumulative(w for _, w in usable))
        self.state_buckets = tuple((limit, _cumulative(w)) for limit, w in _STATE_WEIGHTS)
        # a scope with border officers only: what they may do alone (no case work, no closure)
        self.field_state_buckets = tuple(
            (limit, _cumulative(w if s in _FIELD_STATES else 0.0 for s, w in zip(_STATE_ORDER, weights)))
            for limit, weights in _STATE_WEIGHTS)
        self.notes = _note_templates(load_json("demo/notes.json"))
        self.note_text: dict[tuple[int, str, str, str], str] = {}
        self.note_choices: dict[_NoteCtx, tuple[tuple[int, ...], tuple[float, ...], tuple[int, ...]]] = {}

    def city(self, post_code: str, lang: str) -> str:
        post = self.posts[post_code]
        if lang == "ar":
            return post.get("city_ar") or post.get("ar") or post_code
        return post.get("city_fr") or post.get("fr") or post_code

    def note(self, index: int, lang: str, post_code: str, city_post: str) -> str:
        """Template ``index`` in ``lang``, ``{post}`` the post's name, ``{city}`` the town of ``city_post``."""
        key = (index, lang, post_code, city_post)
        text = self.note_text.get(key)
        if text is None:
            template = self.notes[index].text.get(lang) or next(iter(self.notes[index].text.values()))
            post = self.posts[post_code]
            text = template.replace("{post}", post.get(lang) or post.get("fr") or post_code)
            text = text.replace("{city}", self.city(city_post, lang))
            self.note_text[key] = text
        return text


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    return _Tables()


def _cumulative(weights: Any) -> tuple[float, ...]:
    total = 0.0
    out = []
    for w in weights:
        total += float(w)
        out.append(total)
    return tuple(out)


# --- note templates ---------------------------------------------------------------------

@dataclass(frozen=True)
class _Template:
    text: dict[str, str]
    tag: str


class _NoteCtx(NamedTuple):
    """What decides whether a note template fits a case (a tuple: the choices are cached by it)."""

    state: CaseState
    outcome: CaseState | None
    level: int  # 0 detected, 1 screening consent, 2 outcome, 3 referred, 4 accepted, 5 in assistance, 6 follow-up
    urgent: bool
    closure: ClosureReason | None
    minor: bool
    female: bool
    foreign: bool
    phone: bool
    bambara: bool
    passport_issue: bool
    abroad: bool


# Tag rules, tried in order on the English (or only) text of a template; first match wins.
_TAG_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("departure confirmed",), "departed"),
    (("case closed",), "closed_work"),
    (("declined the assistance", "declined assistance"), "declined"),
    (("unable to reach", "lost contact"), "lost"),
    (("file transferred", "transferred to the"), "transferred"),
    (("risk assessment",), "general"),
    (("vulnerable situation", "general migrant protection"), "other_vuln"),
    (("no indicators",), "no_indicators"),
    (("presumed victim",), "presumed"),
    (("minor",), "minor"),
    (("pregnan",), "pregnant"),
    (("female officer", "on their behalf"), "female"),
    (("bambara",), "bambara"),
    (("voluntary return", "consulate", "return arrangements"), "return"),
    (("accepted the referral",), "accepted"),
    (("referral sent", "for referral"), "referral"),
    (("shelter", "hospital"), "urgent"),
    (("country of origin",), "origin"),
    (("follow-up call", "psychosocial support session", "family", "lawyer", "training"), "assistance"),
    (("passport",), "passport"),
    (("phone number",), "phone"),
    (("screening carried out", "indicators of"), "screened"),
    (("did not wish to continue",), "declined_interview"),
)

# When a note with that tag is written: the milestone it follows, and how long after it
# (seconds; None: any time until the case's last activity).
_TAG_SPAN: dict[str, int | None] = {
    "interview": 2 * _DAY, "minor": 1 * _DAY, "female": 2 * _HOUR, "bambara": 2 * _DAY,
    "screened": 4 * _HOUR, "declined_interview": 2 * _HOUR, "no_indicators": 1 * _DAY,
    "other_vuln": 2 * _DAY, "presumed": 2 * _DAY, "urgent": 2 * _DAY, "referral": 1 * _DAY,
    "accepted": 3 * _DAY,
}
_TAG_ANCHOR = {
    "general": "open", "interview": "open", "minor": "open", "female": "open", "bambara": "open",
    "passport": "open", "phone": "open", "screened": "outcome", "declined_interview": "open",
    "no_indicators": "outcome", "other_vuln": "outcome", "presumed": "outcome", "urgent": "urgent",
    "pregnant": "urgent", "referral": "referral", "accepted": "accepted", "assistance": "assistance",
    "origin": "assistance",
    "return": "referral", "departed": "final", "closed_work": "final", "declined": "final",
    "lost": "lost", "transferred": "final",
}
_FINAL_TAGS = frozenset({"departed", "closed_work", "declined", "lost", "transferred"})
_EARLY = (S.DETECTED, S.SCREENING, S.NO_INDICATORS, S.OTHER_VULNERABILITY)


def _tag_fits(tag: str, c: _NoteCtx) -> bool:
    if tag in ("general", "interview"):
        return True
    if tag == "minor":
        return c.minor
    if tag == "female":
        return c.female
    if tag == "bambara":
        return c.bambara
    if tag == "passport":  # papers held by an employer: an indicator, not a "no indicators" case
        return c.passport_issue and c.outcome is not S.NO_INDICATORS
    if tag == "phone":
        return c.phone
    if tag in ("screened", "presumed"):
        return c.outcome is S.PRESUMED_VICTIM
    if tag == "no_indicators":
        return c.outcome is S.NO_INDICATORS
    if tag == "other_vuln":
        return c.outcome is S.OTHER_VULNERABILITY
    if tag == "declined_interview":
        return c.state in _EARLY or c.closure is ClosureReason.DECLINED_ASSISTANCE
    if tag == "urgent":
        return c.urgent or c.level >= 3
    if tag == "pregnant":
        return c.female and not c.minor and (c.urgent or c.level >= 3)
    if tag == "referral":
        return c.level >= 3
    if tag == "accepted":
        return c.level >= 4
    if tag == "assistance":
        return c.level >= 5
    if tag == "origin":
        return c.foreign and c.level >= 5
    if tag == "return":
        return c.foreign and c.level >= 3 and c.closure in (None, ClosureReason.RETURNED)
    if tag == "departed":
        return c.abroad
    if tag == "closed_work":
        return c.closure is ClosureReason.REINTEGRATED
    if tag == "declined":
        return c.closure is ClosureReason.DECLINED_ASSISTANCE
    if tag == "lost":
        return c.closure is ClosureReason.LOST_CONTACT or (c.state is S.FOLLOW_UP and c.level >= 6)
    if tag == "transferred":
        return not c.abroad and (c.state is S.TRANSFERRED or c.closure is ClosureReason.TRANSFERRED)
    return True


def _note_templates(raw: Any) -> tuple[_Template, ...]:
    """Templates from notes.json: ``{"templates": [...]}`` or a bare list; items are
    ``{"ar", "fr", "en"}`` objects or plain strings (then used in every language)."""
    items = raw.get("templates", ()) if isinstance(raw, dict) else raw
    out = []
    for item in items or ():
        if isinstance(item, str):
            text = {"ar": item, "fr": item, "en": item}
        elif isinstance(item, dict):
            text = {k: v for k, v in item.items() if k in ("ar", "fr", "en") and isinstance(v, str) and v.strip()}
            if not text:
                continue
        else:
            continue
        probe = (text.get("en") or text.get("fr") or next(iter(text.values()))).lower()
        tag = "general"
        for words, candidate in _TAG_RULES:
            if any(w in probe for w in words):
                tag = candidate
                break
        else:
            if "interpreter" in probe or "interview" in probe:
                tag = "interview"
        out.append(_Template(text, tag))
    return tuple(out)


# --- the users ----------------------------------------------------------------------------

class _Staff:
    """Who may do what, per scope, among the given users (order kept: deterministic)."""

    _CREATOR_WEIGHT = {Role.BORDER_OFFICER: 3.0, Role.SOCIAL_WORKER: 2.0, Role.SUPERVISOR: 0.5}

    def __init__(self, users: Sequence[User]) -> None:
        active = [u for u in users if isinstance(u, User) and not u.disabled]
        self.creators = tuple(u for u in active if u.role in self._CREATOR_WEIGHT)
        if not self.creators:
            raise ValueError("users must include at least one active border officer, social worker or supervisor")
        self.creator_cum = _cumulative(self._CREATOR_WEIGHT[u.role] for u in self.creators)
        self.workers: dict[str, tuple[User, ...]] = {}
        self.supervisors: dict[str, tuple[User, ...]] = {}
        self.posts: dict[str, tuple[str, ...]] = {}
        for scope in dict.fromkeys(u.scope_id for u in self.creators):
            in_scope = [u for u in active if u.scope_id == scope]
            # only users of the case's own scope see it, so only they work on it
            self.workers[scope] = tuple(u for u in in_scope if u.role in (Role.SOCIAL_WORKER, Role.SUPERVISOR))
            self.supervisors[scope] = tuple(u for u in in_scope if u.role is Role.SUPERVISOR)
            self.posts[scope] = tuple(dict.fromkeys(u.border_post for u in in_scope if u.border_post))


# --- the generator ------------------------------------------------------------------------

_CLOSURES_OTHER_VULNERABILITY = (ClosureReason.TRANSFERRED, ClosureReason.LOST_CONTACT,
                                 ClosureReason.DECLINED_ASSISTANCE)
_CLOSURES_OTHER_VULNERABILITY_CUM = (0.4, 0.7, 1.0)
_CLOSURES_VICTIM = (ClosureReason.REINTEGRATED, ClosureReason.RETURNED, ClosureReason.DECLINED_ASSISTANCE,
                    ClosureReason.LOST_CONTACT, ClosureReason.TRANSFERRED)
_CLOSURES_VICTIM_CUM = (0.35, 0.60, 0.72, 0.90, 1.0)
_LEVEL_OF_STATE = {S.REFERRED: 3, S.ACCEPTED: 4, S.IN_ASSISTANCE: 5, S.FOLLOW_UP: 6}
_RETRAFFICKING = (RiskLevel.UNKNOWN, RiskLevel.NONE, RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH)
_RETRAFFICKING_CUM = (0.2, 0.3, 0.6, 0.985, 1.0)
_RETURN = (RiskLevel.NONE, RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH)
_RETURN_CUM = (0.2, 0.65, 0.9, 1.0)
_LATER = (RiskLevel.UNKNOWN, RiskLevel.LOW, RiskLevel.MEDIUM)
_LATER_CUM = (0.6, 0.85, 1.0)
_ID_DOCUMENTS = (DocumentKind.PASSPORT, DocumentKind.NATIONAL_ID, DocumentKind.RESIDENCE_PERMIT)


class _Plan:
    """The path a case took to reach its state: which records exist, which milestones passed."""

    __slots__ = ("screen_consent", "screen_risk", "outcome", "level", "urgent", "urgent_first",
                 "referral", "override", "referral_risk", "review_risk", "closure", "abroad", "final")

    def __init__(self) -> None:
        self.screen_consent: ConsentDecision | None = None
        self.screen_risk = False
        self.outcome: CaseState | None = None
        # 0 detected, 1 screening consent, 2 outcome, 3 referred, 4 accepted, 5 in assistance, 6 follow-up
        self.level = 0
        self.urgent = False
        self.urgent_first = False
        self.referral = False
        self.override: OverrideBasis | None = None
        self.referral_risk = False
        self.review_risk = False
        self.closure: ClosureReason | None = None
        self.abroad = False
        self.final = False


class _Maker:
    def __init__(self, rng: random.Random, tables: _Tables, staff: _Staff, device_code: str,
                 today: date, now: datetime) -> None:
        self.rng = rng
        self.rand = rng.random
        self.bits = rng.getrandbits
        self.t = tables
        self.staff = staff
        self.device_code = device_code
        self.today = today
        self.now = now
        self.window = YEARS_BACK * 365

    # random helpers (all draw from the one seeded generator) ---------------------------
    def uid(self) -> str:
        """``str(uuid.UUID(int=getrandbits(128), version=4))``, formatted directly (faster)."""
        h = "%032x" % ((self.bits(128) & _UUID_CLEAR) | _UUID_SET)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def pick(self, items: Sequence[Any], cum: Sequence[float]) -> Any:
        """One of ``items`` by cumulative weights."""
        return items[bisect_right(cum, self.rand() * cum[-1])]

    def choice(self, items: Sequence[Any]) -> Any:
        return items[int(self.rand() * len(items))]

    def between(self, low: int, high: int) -> int:
        """An integer in ``[low, high)``."""
        return low + int(self.rand() * (high - low))

    # one case ----------------------------------------------------------------------------
    def case(self, number: int) -> DemoCase:
        rand = self.rand
        t = self.t
        staff = self.staff
        creator: User = self.pick(staff.creators, staff.creator_cum)
        scope = creator.scope_id
        post = self._post(creator)
        days_ago = min(int(self.window * rand() ** 1.3), self.window)
        detected_on = self.today - timedelta(days=days_ago)

        workers = staff.workers[scope]
        state = self._state(days_ago, t.state_buckets if workers else t.field_state_buckets)
        person, minor, foreign, passport_issue = self._person(detected_on, state in _EARLY_STATES)
        female = person.sex is Sex.FEMALE
        plan = self._plan(state, minor, foreign)
        if not workers and plan.referral:
            plan.urgent = plan.screen_risk = True  # a border officer refers only urgently

        # timeline: seconds after opening, compressed when it would run past now
        opened_at = datetime.combine(detected_on, time(0), UTC) + timedelta(
            seconds=self.between(7 * _HOUR, 21 * _HOUR) + min(int(self.rng.expovariate(1 / (4 * _HOUR))), 3 * _DAY))
        if opened_at > self.now:
            opened_at = self.now
        times = self._timeline(plan)
        horizon = int((self.now - opened_at).total_seconds())
        last = max(times.values())
        if last > horizon:
            factor = horizon / last
            times = {k: int(v * factor) for k, v in times.items()}
            last = horizon
        if state.is_open:  # still being worked on: activity goes on for up to two months
            times["end"] = min(horizon, last + self.between(0, 60 * _DAY))
        else:
            times["end"] = last

        def at(key: str) -> datetime:
            return opened_at + timedelta(seconds=times[key])

        case_id = self.uid()
        if not workers:
            worker = creator
        elif creator.role is not Role.BORDER_OFFICER and rand() < 0.6:
            worker = creator
        else:
            worker = self.choice(workers)
        if plan.level >= 3 or state is S.TRANSFERRED or state is S.FORMALLY_IDENTIFIED \
                or (state is S.CLOSED and rand() < 0.7):
            assigned = worker
        else:
            assigned = creator
        service_post = t.service_post[post]

        consents: list[Consent] = []
        risks: list[RiskAssessment] = []
        guardian_name: str | None

        if plan.screen_consent is not None:
            given = plan.screen_consent is ConsentDecision.GIVEN
            guardian_name = self._guardian(person) if (minor and given and rand() < 0.5) else None
            consents.append(Consent(
                id=self.uid(), case_id=case_id, kind=ConsentKind.SCREENING, decision=plan.screen_consent,
                recorded_at=at("screen"), recorded_by=creator.id, given_by_guardian=guardian_name is not None,
                guardian_name=guardian_name,
            ))
            if given and rand() < 0.7:
                consents.append(Consent(
                    id=self.uid(), case_id=case_id, kind=ConsentKind.DATA_TO_SECRETARIAT,
                    decision=ConsentDecision.GIVEN if rand() < 0.92 else ConsentDecision.REFUSED,
                    recorded_at=at("data_consent"), recorded_by=creator.id,
                ))

        danger = plan.override is OverrideBasis.DANGER_TO_LIFE
        if plan.screen_risk:
            risks.append(self._risk(case_id, RiskStage.SCREENING, at("screen_risk"), creator.id, minor, female,
                                    urgent=plan.urgent, danger=danger))

        assist: Assistance | None = None
        referral_consent: Consent | None = None
        referrer = creator
        if plan.referral:
            by_officer = plan.urgent and creator.role is Role.BORDER_OFFICER and (not workers or rand() < 0.5)
            referrer = creator if by_officer else worker
            # a provider of the (sample) directory near the post, who takes such a person
            assist = Assistance(case_id, post, person, minor, foreign, plan.urgent)
            provider = assist.first.id  # consents name the provider by its id, as the referral service does
            if rand() < 0.05:  # refused an earlier proposal
                other = assist.other_provider().id
                if other != provider:
                    consents.append(Consent(
                        id=self.uid(), case_id=case_id, kind=ConsentKind.REFERRAL,
                        decision=ConsentDecision.REFUSED, provider=other,
                        recorded_at=at("earlier_refusal"), recorded_by=referrer.id,
                    ))
            override = plan.override
            if override is OverrideBasis.CHILD_BEST_INTERESTS \
                    and not person.may_be_minor(at("referral_consent").date()):
                override = None  # came of age in between: the person decides
            if override is not None:
                referral_consent = Consent(
                    id=self.uid(), case_id=case_id, kind=ConsentKind.REFERRAL,
                    decision=ConsentDecision.REFUSED if rand() < 0.8 else ConsentDecision.WITHDRAWN,
                    provider=provider, recorded_at=at("referral_consent"), recorded_by=referrer.id,
                    override=override, override_reason=self.choice(_OVERRIDE_REASONS[override]),
                )
            else:
                guardian_name = self._guardian(person) if (minor and rand() < 0.6) else None
                referral_consent = Consent(
                    id=self.uid(), case_id=case_id, kind=ConsentKind.REFERRAL,
                    decision=ConsentDecision.GIVEN, provider=provider,
                    recorded_at=at("referral_consent"), recorded_by=referrer.id,
                    given_by_guardian=guardian_name is not None, guardian_name=guardian_name,
                )
            consents.append(referral_consent)
            if plan.referral_risk:
                risks.append(self._risk(case_id, RiskStage.BEFORE_REFERRAL, at("referral_risk"), referrer.id,
                                        minor, female, danger=danger))

        if plan.review_risk:
            risks.append(self._risk(case_id, RiskStage.REVIEW, at("review"), worker.id, minor, female))
        if plan.abroad:
            consents.append(Consent(
                id=self.uid(), case_id=case_id, kind=ConsentKind.TRANSFER_ABROAD,
                decision=ConsentDecision.GIVEN, recorded_at=at("return_consent"), recorded_by=worker.id,
            ))
            risks.append(self._risk(case_id, RiskStage.BEFORE_RETURN, at("return_risk"), worker.id, minor, female))

        closed_at = approver = None
        if state is S.CLOSED:
            closed_at = at("final")
            supervisors = staff.supervisors[scope]
            approver = self.choice(supervisors).id if supervisors else None

        case = Case(
            id=case_id,
            case_number=f"HMY-{opened_at.year}-{self.device_code}-{number:05d}",
            person_id=person.id,
            scope_id=scope,
            state=state,
            detected_on=detected_on,
            opened_at=opened_at,
            created_by=creator.id,
            border_post=post,
            detecting_agency=self._agency(post),
            assigned_to=assigned.id,
            closed_at=closed_at,
            closure_reason=plan.closure,
            screening_outcome=plan.outcome,
            closure_approved_by=approver,
        )

        ctx = _NoteCtx(state, plan.outcome, plan.level, plan.urgent, plan.closure, minor, female, foreign,
                       person.mobile_phone is not None, "bm" in person.languages, passport_issue, plan.abroad)
        # notes are case work: none without a social worker or supervisor in the scope
        notes = self._notes(case_id, ctx, post, service_post, times, opened_at, workers, worker) if workers else ()

        referrals: tuple[Referral, ...] = ()
        services: tuple[ServiceReceived, ...] = ()
        tasks: tuple[FollowUpTask, ...] = ()
        if assist is not None and referral_consent is not None:
            made = assist.records(case=case, level=plan.level, times=times, first_consent=referral_consent,
                                  referrer=referrer, worker=worker, case_workers=workers, today=self.today,
                                  now=self.now)
            consents.extend(made.consents)
            referrals, services, tasks = made.referrals, made.services, made.tasks

        if len(consents) > 1:
            consents.sort(key=lambda c: c.recorded_at)
        if len(risks) > 1:
            risks.sort(key=lambda r: r.assessed_at)
        return DemoCase(person, case, tuple(risks), tuple(consents), notes, referrals, services, tasks)

    # the case's path -------------------------------------------------------------------
    def _post(self, creator: User) -> str:
        if creator.role is Role.BORDER_OFFICER and creator.border_post:
            return creator.border_post
        pool = self.staff.posts.get(creator.scope_id) or ()
        if creator.border_post and (not pool or self.rand() < 0.7):
            return creator.border_post
        if pool:
            return self.choice(pool)
        # no post known for the scope: one of the offices, fixed per scope
        offices = self.t.office_posts
        return offices[sum(map(ord, creator.scope_id)) % len(offices)]

    def _agency(self, post: str) -> str | None:
        if self.rand() < 0.03:
            return None
        kind = self.t.posts[post].get("kind", "office")
        choice = self.t.agency_choice.get(kind) or self.t.agency_choice.get("office")
        return self.pick(*choice) if choice else None

    def _state(self, days_ago: int, buckets: tuple[tuple[int, tuple[float, ...]], ...]) -> CaseState:
        for limit, cum in buckets:
            if days_ago <= limit:
                return self.pick(_STATE_ORDER, cum)
        return S.CLOSED  # pragma: no cover - the last bucket is unbounded

    def _plan(self, state: CaseState, minor: bool, foreign: bool) -> _Plan:
        rand = self.rand
        p = _Plan()
        given = ConsentDecision.GIVEN
        if state is S.DETECTED:
            r = rand()
            p.screen_consent = given if r < 0.35 else (ConsentDecision.REFUSED if r < 0.4 else None)
            p.level = 1 if p.screen_consent is given else 0
            p.screen_risk = rand() < 0.5
            return p
        if state is S.URGENT_PROTECTION:
            p.urgent = p.screen_risk = True
            r = rand()
            if r < 0.4:  # straight from detection
                p.urgent_first = True
                if rand() < 0.3:
                    p.screen_consent, p.level = given, 1
            elif r < 0.6:  # during the screening
                p.urgent_first = True
                p.screen_consent, p.level = given, 1
            else:  # a presumed victim, then urgent protection
                p.screen_consent, p.level, p.outcome = given, 2, S.PRESUMED_VICTIM
            return p

        p.screen_consent = given
        p.screen_risk = rand() < 0.9
        if state is S.SCREENING:
            p.level = 1
            return p
        p.level = 2
        if state is S.NO_INDICATORS or state is S.OTHER_VULNERABILITY or state is S.PRESUMED_VICTIM:
            p.outcome = state
            return p

        # every other state went through the screening; the referral path is a presumed victim's
        p.outcome = S.PRESUMED_VICTIM
        p.final = state is S.CLOSED or state is S.TRANSFERRED or state is S.FORMALLY_IDENTIFIED
        if state is S.CLOSED:
            r = rand()
            if r < 0.30:
                p.outcome, p.closure = S.NO_INDICATORS, ClosureReason.NO_INDICATORS
                return p
            if r < 0.45:
                p.outcome = S.OTHER_VULNERABILITY
                p.closure = self.pick(_CLOSURES_OTHER_VULNERABILITY, _CLOSURES_OTHER_VULNERABILITY_CUM)
                return p
            p.closure = self.pick(_CLOSURES_VICTIM, _CLOSURES_VICTIM_CUM)
            if p.closure is ClosureReason.RETURNED and not foreign:
                p.closure = ClosureReason.REINTEGRATED
            if p.closure in (ClosureReason.REINTEGRATED, ClosureReason.RETURNED):
                p.level = self.pick((5, 6), (0.6, 1.0))
            elif p.closure is ClosureReason.TRANSFERRED or rand() < 0.6:
                p.level = self.pick((3, 4, 5, 6), (0.05, 0.15, 0.6, 1.0))
            p.abroad = p.closure is ClosureReason.RETURNED
        elif state is S.TRANSFERRED:
            p.level = self.pick((2, 3, 4, 5, 6), (0.2, 0.3, 0.45, 0.8, 1.0))
            p.abroad = foreign and rand() < 0.4
        elif state is S.FORMALLY_IDENTIFIED:
            p.level = self.pick((2, 3, 4, 5, 6), (0.3, 0.45, 0.6, 0.9, 1.0))
        else:
            p.level = _LEVEL_OF_STATE[state]
        if p.level >= 3:
            p.referral = True
            p.urgent = rand() < 0.06
            p.referral_risk = rand() < 0.6
            r = rand()
            if minor and r < 0.15:
                p.override = OverrideBasis.CHILD_BEST_INTERESTS
            elif r > 0.985:
                p.override = OverrideBasis.DANGER_TO_LIFE
                p.urgent = p.referral_risk = True
            if p.level >= 5:
                p.review_risk = rand() < 0.25
        if p.urgent:
            p.screen_risk = True
        return p

    def _timeline(self, p: _Plan) -> dict[str, int]:
        """Seconds after opening for each milestone of the plan (before any compression)."""
        rand = self.rand

        def rr(low: int, high: int) -> int:
            return low + int(rand() * (high - low))

        t = {"open": 0}
        t["screen"] = screen = rr(5 * _MIN, 60 * _MIN)
        t["data_consent"] = screen + rr(30, 300)
        t["screen_risk"] = screen + rr(1 * _MIN, 20 * _MIN)
        cur = max(t["data_consent"], t["screen_risk"])
        if p.urgent_first:
            cur = t["urgent"] = cur + rr(5 * _MIN, 60 * _MIN)
        if p.level >= 2:
            cur += rr(20 * _MIN, 4 * _HOUR)
        t["outcome"] = cur
        if p.urgent and not p.urgent_first:
            cur = t["urgent"] = cur + rr(5 * _MIN, 60 * _MIN)
        else:
            t.setdefault("urgent", cur)
        if p.referral:
            gap = rr(30 * _MIN, 6 * _HOUR) if p.urgent else rr(1 * _HOUR, 5 * _DAY)
            t["earlier_refusal"] = cur + gap // 2
            cur = t["referral_consent"] = cur + gap
            t["referral_risk"] = cur + rr(5 * _MIN, 30 * _MIN)
            cur = t["referral_risk"] + rr(10 * _MIN, 1 * _DAY)
        t["referral"] = cur
        if p.level >= 4:
            cur += rr(1 * _DAY, 10 * _DAY)
        t["accepted"] = cur
        if p.level >= 5:
            cur += rr(1 * _DAY, 14 * _DAY)
        t["assistance"] = cur
        if p.level >= 6:
            cur += rr(30 * _DAY, 180 * _DAY)
        t["follow_up"] = t["lost"] = cur
        if p.review_risk:
            t["review"] = t["assistance"] + rr(7 * _DAY, 60 * _DAY)
            cur = max(cur, t["review"])
        t["before_final"] = cur
        if p.final:
            final = cur + (rr(7 * _DAY, 120 * _DAY) if p.level >= 3 else rr(1 * _DAY, 60 * _DAY))
            if p.abroad:
                t["return_consent"] = cur + (final - cur) // 3
                t["return_risk"] = cur + (final - cur) // 2
            t["final"] = final
        return t

    # the person --------------------------------------------------------------------------
    def _person(self, detected_on: date, early: bool) -> tuple[Person, bool, bool, bool]:
        """The person, and whether they may be a minor at detection, are foreign, have had
        their papers taken (or carry none)."""
        rand = self.rand
        t = self.t
        nat = self.pick(t.nationalities, t.nationality_cum)
        group = t.group_of[nat]
        foreign = nat != "MA"

        r = rand()
        if r < _FEMALE_SHARE:
            sex, firsts = Sex.FEMALE, group["female_first"]
        elif r < 0.99:
            sex, firsts = Sex.MALE, group["male_first"]
        elif r < 0.998:
            sex, firsts = Sex.UNKNOWN, group["any_first"]
        else:
            sex, firsts = Sex.NON_CONFORMING, group["any_first"]
        first: tuple[str, str] | None = self.choice(firsts)
        family: tuple[str, str] | None = self.choice(group["family"]) if rand() < 0.95 else None
        if early and rand() < 0.05:  # identity not taken yet: a minimal border screening
            first = family = None

        # both scripts usually; one only in about 15 % of records
        if rand() < 0.85:
            use_ar = use_lat = True
        else:
            use_ar = rand() < (0.7 if nat in _ARAB_WORLD else 0.15)
            use_lat = not use_ar
        other_names: tuple[str, ...] = ()
        if first is not None and rand() < 0.06:
            alias = self.choice(firsts)
            if alias != first:
                other_names = (alias[1] if use_lat else alias[0],)

        # age at detection
        minor = rand() < _MINOR_SHARE
        age = self.pick(_MINOR_AGES, _MINOR_AGE_CUM) if minor else int(self.rng.triangular(18, 58, 24))

        documents = self._documents(nat, detected_on, minor)
        id_seen = any(d.kind in _ID_DOCUMENTS for d in documents)
        passport_issue = not documents or any(not d.held_by_person for d in documents)

        birth_date: date | None = None
        birth_year: int | None = None
        age_band: AgeBand | None = None
        if rand() < (0.6 if id_seen else 0.05):
            birth_date = self._birth_date(detected_on, age)
            if rand() < 0.5:
                birth_year = birth_date.year
        elif rand() < 0.6:
            birth_year = detected_on.year - age  # an estimate
        elif rand() < 0.6:
            age_band = AgeBand.for_age(age)
        possibly_minor: bool | None = None
        if minor:
            if birth_date is None and birth_year is None and age_band is None:
                possibly_minor = True
            elif rand() < (0.2 if birth_date else 0.7):
                possibly_minor = True
        elif age <= 19 and birth_date is None and rand() < 0.25:
            possibly_minor = True
        elif rand() < 0.3:
            possibly_minor = False

        langs = [code for code, prob in _LANGUAGES.get(nat, (("fr", 1.0),)) if rand() < prob]
        if foreign and "ar" not in langs and rand() < 0.1:
            langs.append("ar")  # Darija picked up in Morocco
        if rand() < 0.05:
            langs = []

        phone = None
        if rand() < 0.45:
            home = _PHONES.get(nat) if foreign and rand() < 0.35 else None
            code, patterns = home or _PHONES["MA"]
            phone = "+" + code + self._fill(self.choice(patterns))

        person = Person(
            id=self.uid(),
            first_name=first[1] if (first and use_lat) else None,
            second_name=family[1] if (family and use_lat) else None,
            first_name_ar=first[0] if (first and use_ar) else None,
            second_name_ar=family[0] if (family and use_ar) else None,
            other_names=other_names,
            sex=sex,
            birth_date=birth_date,
            birth_year=birth_year,
            age_band=age_band,
            possibly_minor=possibly_minor,
            nationality=nat,
            languages=tuple(langs),
            documents=documents,
            mobile_phone=phone,
        )
        return person, person.may_be_minor(detected_on), foreign, passport_issue

    def _birth_date(self, detected_on: date, age: int) -> date:
        """A birth date giving exactly ``age`` on ``detected_on``."""
        day = date(detected_on.year - age, 1, 1) + timedelta(days=self.between(0, 365))
        if day.month == 2 and day.day == 29:
            day = day.replace(day=28)
        if (day.month, day.day) > (detected_on.month, detected_on.day):
            day = day.replace(year=day.year - 1)
        return day

    def _documents(self, nat: str, detected_on: date, minor: bool) -> tuple[Document, ...]:
        rand = self.rand
        docs: list[Document] = []
        if nat == "MA":
            if not minor and rand() < 0.5:
                docs.append(self._document(DocumentKind.NATIONAL_ID, "MA", detected_on, 0.05))
            if rand() < 0.15:
                docs.append(self._document(DocumentKind.PASSPORT, "MA", detected_on, 0.15))
            if minor and rand() < 0.1:
                docs.append(self._document(DocumentKind.BIRTH_CERTIFICATE, "MA", detected_on, 0.0, expires=False))
        else:
            if rand() < (0.2 if minor else 0.4):
                docs.append(self._document(DocumentKind.PASSPORT, nat, detected_on, 0.3))
            if rand() < 0.05:
                docs.append(self._document(DocumentKind.CONSULAR_CARD, nat, detected_on, 0.1))
            if not minor and rand() < 0.03:
                docs.append(self._document(DocumentKind.RESIDENCE_PERMIT, "MA", detected_on, 0.1))
        return tuple(docs)

    def _document(self, kind: DocumentKind, country: str, detected_on: date, taken: float,
                  *, expires: bool = True) -> Document:
        expiry = detected_on + timedelta(days=self.between(-3 * 365, 8 * 365)) if expires else None
        return Document(
            kind=kind,
            number=self._fill(self.choice(_DOC_PATTERNS[kind])),
            issuing_country=country,
            expires_on=expiry,
            held_by_person=self.rand() >= taken,
        )

    def _fill(self, pattern: str) -> str:
        rand = self.rand
        out = []
        for ch in pattern:
            if ch == "D":
                out.append(_DIGITS[int(rand() * 10)])
            elif ch == "L":
                out.append(_LETTERS[int(rand() * len(_LETTERS))])
            else:
                out.append(ch)
        return "".join(out)

    def _guardian(self, person: Person) -> str:
        group = self.t.group_of.get(person.nationality or "") or self.t.group_of[self.t.nationalities[0]]
        return f"{self.choice(group['any_first'])[1]} {self.choice(group['family'])[1]}"

    # records -----------------------------------------------------------------------------
    def _risk(self, case_id: str, stage: RiskStage, at: datetime, by: str, minor: bool, female: bool,
              *, urgent: bool = False, danger: bool = False) -> RiskAssessment:
        rand = self.rand
        # each answer: unknown 8 %, else yes with a small probability (about 1 in 16 urgent)
        r = rand()
        immediate = True if danger else (None if r < 0.08 else r < 0.085)
        r = rand()
        controller = None if r < 0.08 else r < 0.09
        r = rand()
        medical = None if r < 0.08 else r < 0.092
        r = rand()
        shelter = None if r < 0.08 else r < 0.095
        if urgent and not (immediate or controller or medical or shelter):
            which = int(rand() * 3)
            if which == 0:
                immediate = True
            elif which == 1:
                medical = True
            else:
                shelter = True
        if minor:
            minor_flag: bool | None = True
        else:
            r = rand()
            minor_flag = None if r < 0.1 else r < 0.12
        pregnancy: bool | None = None
        if female and not minor:
            r = rand()
            pregnancy = None if r < 0.2 else r < 0.25
        retrafficking = self.pick(_RETRAFFICKING, _RETRAFFICKING_CUM)
        if stage is RiskStage.BEFORE_RETURN:
            on_return = self.pick(_RETURN, _RETURN_CUM)
        elif stage is RiskStage.SCREENING:
            on_return = RiskLevel.UNKNOWN
        else:
            on_return = self.pick(_LATER, _LATER_CUM)
        summary = None
        if rand() < 0.25:
            pressing = immediate or controller or medical or shelter or retrafficking is RiskLevel.HIGH
            summary = self.choice(_RISK_SUMMARIES["urgent" if pressing else "calm"])
        return RiskAssessment(
            id=self.uid(), case_id=case_id, stage=stage, assessed_at=at, assessed_by=by,
            immediate_danger=immediate, controller_nearby=controller, medical_urgency=medical,
            minor_or_unaccompanied=minor_flag, pregnancy=pregnancy, shelter_tonight=shelter,
            retrafficking_risk=retrafficking, return_risk=on_return, summary=summary,
        )

    def _notes(self, case_id: str, ctx: _NoteCtx, post: str, service_post: str, times: dict[str, int],
               opened_at: datetime, workers: Sequence[User], worker: User) -> tuple[Note, ...]:
        rand = self.rand
        t = self.t
        if not t.notes:
            return ()
        state = ctx.state
        if state is S.DETECTED or state is S.SCREENING:
            count = 1 if rand() < 0.3 else 0
        elif state is S.NO_INDICATORS or state is S.OTHER_VULNERABILITY:
            count = int(rand() * 3)
        elif state is S.PRESUMED_VICTIM or state is S.URGENT_PROTECTION:
            count = int(rand() * 4)
        else:
            count = 1 + int(rand() * 4)
        if count == 0:
            return ()
        choice = t.note_choices.get(ctx)
        if choice is None:
            fit = [i for i, tpl in enumerate(t.notes) if _tag_fits(tpl.tag, ctx)]
            weights = [1.0 if t.notes[i].tag in ("general", "interview") else 3.0 for i in fit]
            finals = tuple(i for i in fit if t.notes[i].tag in _FINAL_TAGS)
            choice = t.note_choices[ctx] = (tuple(fit), _cumulative(weights), finals)
        indices, cum, finals = choice
        if not indices:
            return ()
        picked: list[int] = []
        if finals and rand() < 0.8:
            picked.append(self.choice(finals))
        for _ in range(count * 3):
            if len(picked) >= count:
                break
            i = self.pick(indices, cum)
            if i not in picked:
                picked.append(i)
        end = times["end"]
        notes = []
        for i in picked:
            tag = t.notes[i].tag
            if tag in _FINAL_TAGS and "final" in times:
                final = times["final"]
                offset = max(times["before_final"], final - int(rand() * 2 * _HOUR))
            else:
                low = min(times.get(_TAG_ANCHOR.get(tag, "open"), 0), end)
                span = _TAG_SPAN.get(tag)
                high = end if span is None else min(end, low + span)
                offset = low + int((high - low) * rand())
            city_post = service_post
            if tag == "transferred" and len(t.regional_posts) > 1:
                while city_post == service_post:  # moved to another region
                    city_post = self.choice(t.regional_posts)
            lang = "ar" if rand() < 0.7 else "fr"
            author = worker if rand() < 0.7 else self.choice(workers)
            notes.append(Note(
                id=self.uid(), case_id=case_id, written_at=opened_at + timedelta(seconds=offset),
                author=author.id, text=t.note(i, lang, post, city_post),
            ))
        if len(notes) > 1:
            notes.sort(key=lambda n: n.written_at)
        return tuple(notes)


_DIGITS = "0123456789"
_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
