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
* each case is created by one of the given users who may create cases, in that user's
  scope; a border officer only at their own post; case work, notes and consents to a
  referral by social workers or supervisors of the scope.

Only the resource files are read (through ``app.resources``), once per process.
"""

from __future__ import annotations

import random
import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any, Callable, Iterator, Sequence

from app.domain.case import Case, Consent, Note, RiskAssessment
from app.domain.person import Document, Person
from app.domain.user import User
from app.domain.values import (
    AgeBand, CaseState, ClosureReason, ConsentDecision, ConsentKind, DocumentKind, OverrideBasis,
    RiskLevel, RiskStage, Role, Sex,
)
from app.resources import agencies, border_posts, country_codes, load_json

__all__ = ["DemoCase", "generate", "DEVICE_CODE"]

S = CaseState
UTC = timezone.utc
DEVICE_CODE = re.compile(r"^[0-9A-F]{4}$")
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
        raise ValueError("device_code must be 4 hexadecimal characters, e.g. 0DE0")
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
    (365,     (0.5, 0.5, 6.0, 8.0, 3.0, 0.5, 2.0, 3.0, 16.0, 14.0, 4.0, 4.0, 38.5)),
    (10 ** 6, (0.2, 0.2, 2.0, 4.0, 1.0, 0.2, 0.5, 1.0, 8.0, 12.0, 5.0, 3.0, 62.9)),
)

# Referral providers (plausible kinds of services; {city} is the case's city).
_PROVIDERS_FR = (
    "Centre d'accueil — {city}",
    "Centre d'accueil — {city}",
    "Unité intégrée de prise en charge des femmes et des enfants victimes de violence — Hôpital de {city}",
    "Cellule de prise en charge des femmes et des enfants — Tribunal de première instance de {city}",
    "Association partenaire d'accompagnement psychosocial — {city}",
    "Entraide Nationale — Espace multifonctionnel pour femmes, {city}",
    "Établissement de protection sociale — {city}",
    "OIM Maroc — Aide au retour volontaire et à la réintégration",
)
_PROVIDERS_CHILD_FR = (
    "Centre de protection de l'enfance — {city}",
    "Unité de protection de l'enfance — {city}",
)
_PROVIDERS_AR = (
    "مركز الاستقبال — {city}",
    "خلية التكفل بالنساء والأطفال — المحكمة الابتدائية ب{city}",
    "مؤسسة الرعاية الاجتماعية — {city}",
)

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
        self.group_key: dict[str, str] = {}
        for key, group in names.items():
            lists = {part: tuple((e["ar"], e["lat"]) for e in group.get(part, ()))
                     for part in ("male_first", "female_first", "family")}
            lists["any_first"] = lists["male_first"] + lists["female_first"]
            if not (lists["male_first"] and lists["female_first"] and lists["family"]):
                continue
            for nat in group.get("nationalities", ()):
                self.group_of.setdefault(nat, lists)
                self.group_key.setdefault(nat, key)
        pairs = [(c, w) for c, w in _NATIONALITIES if c in known and c in self.group_of]
        if not pairs:
            raise ValueError("names.json has no name group for any nationality the generator uses")
        self.nationalities = tuple(c for c, _ in pairs)
        self.nationality_cum = _cumulative(w for _, w in pairs)

        self.posts = posts
        self.office_posts = tuple(code for code, p in posts.items() if p.get("kind") == "office") \
            or tuple(posts)
        self.agency_choice: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {}
        for kind, weights in _AGENCY_WEIGHTS.items():
            usable = [(c, w) for c, w in weights if c in agency_codes]
            if usable:
                self.agency_choice[kind] = (tuple(c for c, _ in usable), _cumulative(w for _, w in usable))
        self.state_buckets = tuple((limit, _cumulative(w)) for limit, w in _STATE_WEIGHTS)
        self.notes = _note_templates(load_json("demo/notes.json"))
        self.note_text: dict[tuple[int, str, str], str] = {}
        self.note_choices: dict[_NoteCtx, tuple[tuple[int, ...], tuple[float, ...]]] = {}

    def city(self, post_code: str, lang: str) -> str:
        post = self.posts[post_code]
        if lang == "ar":
            return post.get("city_ar") or post.get("ar") or post_code
        return post.get("city_fr") or post.get("fr") or post_code

    def note(self, index: int, lang: str, post_code: str) -> str:
        key = (index, lang, post_code)
        text = self.note_text.get(key)
        if text is None:
            template = self.notes[index].text.get(lang) or next(iter(self.notes[index].text.values()))
            post = self.posts[post_code]
            text = template.replace("{post}", post.get(lang) or post.get("fr") or post_code)
            text = text.replace("{city}", self.city(post_code, lang))
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


@dataclass(frozen=True)
class _NoteCtx:
    """What decides whether a note template fits a case (hashable: choices are cached)."""

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
    (("follow-up call", "psychosocial support session", "family", "lawyer", "training"), "assistance"),
    (("passport",), "passport"),
    (("phone number",), "phone"),
    (("screening carried out", "indicators of"), "screened"),
    (("did not wish to continue",), "declined_interview"),
)

# When a note with that tag can be written: the milestone it follows.
_TAG_ANCHOR = {
    "general": "open", "interview": "open", "minor": "open", "female": "open", "bambara": "open",
    "passport": "open", "phone": "open", "screened": "outcome", "declined_interview": "open",
    "no_indicators": "outcome", "other_vuln": "outcome", "presumed": "outcome", "urgent": "urgent",
    "pregnant": "urgent", "referral": "referral", "accepted": "accepted", "assistance": "assistance",
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
    if tag == "passport":
        return c.passport_issue
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
        return not c.abroad and (c.state is S.TRANSFERRED or c.closure is ClosureReason.TRANSFERRED) \
            and c.level >= 3
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
        all_workers = tuple(u for u in active if u.role in (Role.SOCIAL_WORKER, Role.SUPERVISOR))
        all_supervisors = tuple(u for u in active if u.role is Role.SUPERVISOR)
        self.workers: dict[str, tuple[User, ...]] = {}
        self.supervisors: dict[str, tuple[User, ...]] = {}
        self.posts: dict[str, tuple[str, ...]] = {}
        for scope in dict.fromkeys(u.scope_id for u in self.creators):
            in_scope = [u for u in active if u.scope_id == scope]
            self.workers[scope] = tuple(u for u in in_scope if u in all_workers) or all_workers
            self.supervisors[scope] = tuple(u for u in in_scope if u.role is Role.SUPERVISOR) or all_supervisors
            self.posts[scope] = tuple(dict.fromkeys(u.border_post for u in in_scope if u.border_post))


# --- the generator ------------------------------------------------------------------------

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

    # ids ------------------------------------------------------------------------------
    def uid(self) -> str:
        """``str(uuid.UUID(int=getrandbits(128), version=4))``, formatted directly (faster)."""
        h = "%032x" % ((self.bits(128) & _UUID_CLEAR) | _UUID_SET)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def pick(self, items: Sequence[Any], cum: Sequence[float]) -> Any:
        """One of ``items`` by cumulative weights."""
        return items[bisect_right(cum, self.rand() * cum[-1])]

    def choice(self, items: Sequence[Any]) -> Any:
        return items[int(self.rand() * len(items))]

    def between(self, low: int, high: int | None = None) -> int:
        """An integer in ``[low, high)`` (``[0, low)`` with one argument), like ``randrange``."""
        if high is None:
            low, high = 0, low
        return low + int(self.rand() * (high - low))

    # one case -------------------------------------------------------------------------
    def case(self, number: int) -> DemoCase:
        rng = self.rng
        t = self.t
        creator: User = self.pick(self.staff.creators, self.staff.creator_cum)
        scope = creator.scope_id
        post = self._post(creator)
        days_ago = min(int(self.window * self.rand() ** 1.3), self.window)
        detected_on = self.today - timedelta(days=days_ago)

        person, facts = self._person(detected_on)
        minor = facts["minor"]

        state = self._state(days_ago)
        plan = self._plan(state, minor, facts["foreign"])

        # --- timeline (seconds after opening), compressed to end by now if needed ----
        midnight = datetime.combine(detected_on, time(0), UTC)
        opened_at = midnight + timedelta(seconds=self.between(7 * _HOUR, 21 * _HOUR)
                                         + min(int(rng.expovariate(1 / (4 * _HOUR))), 3 * _DAY))
        if opened_at > self.now:
            opened_at = self.now
        times = self._timeline(plan)
        horizon = int((self.now - opened_at).total_seconds())
        last = max(times.values())
        if last > horizon:
            factor = horizon / last
            times = {k: int(v * factor) for k, v in times.items()}
        if state.is_open:
            # open cases keep being worked on until now (at most ~2 months after the last step)
            times["end"] = min(horizon, max(times.values()) + self.between(0, 60 * _DAY))
        else:
            times["end"] = times["final"]

        def at(key: str) -> datetime:
            return opened_at + timedelta(seconds=times[key])

        case_id = self.uid()
        workers = self.staff.workers[scope] or (creator,)
        worker = creator if creator in workers and self.rand() < 0.6 else self.choice(workers)
        assigned = worker if plan["level"] >= 3 or state in (S.TRANSFERRED, S.FORMALLY_IDENTIFIED) \
            or (state is S.CLOSED and self.rand() < 0.7) else creator

        consents: list[Consent] = []
        risks: list[RiskAssessment] = []
        city = t.city(post, "fr")

        # screening consent (and consent to send data to the secretariat)
        if plan["screen_consent"] is not None:
            decision = plan["screen_consent"]
            guardian = minor and decision is ConsentDecision.GIVEN and self.rand() < 0.5
            consents.append(Consent(
                id=self.uid(), case_id=case_id, kind=ConsentKind.SCREENING, decision=decision,
                recorded_at=at("screen"), recorded_by=creator.id, given_by_guardian=guardian,
                guardian_name=self._guardian(person) if guardian else None,
            ))
            if decision is ConsentDecision.GIVEN and self.rand() < 0.7:
                consents.append(Consent(
                    id=self.uid(), case_id=case_id, kind=ConsentKind.DATA_TO_SECRETARIAT,
                    decision=ConsentDecision.GIVEN if self.rand() < 0.92 else ConsentDecision.REFUSED,
                    recorded_at=at("data_consent"),
                    recorded_by=creator.id,
                ))

        # risk at screening (or at detection)
        urgent_needed = plan["urgent"]
        danger_override = plan["override"] is OverrideBasis.DANGER_TO_LIFE
        if plan["screen_risk"]:
            risks.append(self._risk(case_id, RiskStage.SCREENING, at("screen_risk"), creator, facts,
                                    force_urgent=urgent_needed, force_danger=danger_override))

        # referral consent (with the occasional earlier refusal for another provider)
        if plan["level"] >= 3 or plan["referral_consent"]:
            referrer = creator if plan["urgent"] and creator.role is Role.BORDER_OFFICER \
                and self.rand() < 0.5 else worker
            provider = self._provider(post, minor)
            if self.rand() < 0.05:
                other = self._provider(post, minor)
                if other != provider:
                    consents.append(Consent(
                        id=self.uid(), case_id=case_id, kind=ConsentKind.REFERRAL,
                        decision=ConsentDecision.REFUSED, provider=other,
                        recorded_at=at("earlier_refusal"),
                        recorded_by=referrer.id,
                    ))
            override = plan["override"]
            if override is OverrideBasis.CHILD_BEST_INTERESTS \
                    and not person.may_be_minor(at("referral_consent").date()):
                override = None  # came of age in between: the person decides
            if override is not None:
                consents.append(Consent(
                    id=self.uid(), case_id=case_id, kind=ConsentKind.REFERRAL,
                    decision=ConsentDecision.REFUSED if self.rand() < 0.8 else ConsentDecision.WITHDRAWN,
                    provider=provider, recorded_at=at("referral_consent"), recorded_by=referrer.id,
                    override=override, override_reason=self.choice(_OVERRIDE_REASONS[override]),
                ))
            else:
                guardian = minor and self.rand() < 0.6
                consents.append(Consent(
                    id=self.uid(), case_id=case_id, kind=ConsentKind.REFERRAL,
                    decision=ConsentDecision.GIVEN, provider=provider,
                    recorded_at=at("referral_consent"), recorded_by=referrer.id,
                    given_by_guardian=guardian, guardian_name=self._guardian(person) if guardian else None,
                ))
            if plan["before_referral_risk"]:
                risks.append(self._risk(case_id, RiskStage.BEFORE_REFERRAL, at("referral_risk"), referrer,
                                        facts, force_danger=danger_override))

        if plan["review_risk"]:
            risks.append(self._risk(case_id, RiskStage.REVIEW, at("review"), worker, facts))
        if plan["abroad"]:
            consents.append(Consent(
                id=self.uid(), case_id=case_id, kind=ConsentKind.TRANSFER_ABROAD,
                decision=ConsentDecision.GIVEN, recorded_at=at("return_consent"), recorded_by=worker.id,
                given_by_guardian=False,
            ))
            risks.append(self._risk(case_id, RiskStage.BEFORE_RETURN, at("return_risk"), worker, facts))

        closed_at = None
        approver = None
        if state is S.CLOSED:
            closed_at = at("final")
            sups = self.staff.supervisors[scope]
            approver = self.choice(sups).id if sups else None

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
            closure_reason=plan["closure"],
            screening_outcome=plan["outcome"],
            closure_approved_by=approver,
        )

        ctx = _NoteCtx(
            state=state, outcome=plan["outcome"], level=plan["level"], urgent=plan["urgent"],
            closure=plan["closure"], minor=minor, female=person.sex is Sex.FEMALE,
            foreign=facts["foreign"], phone=person.mobile_phone is not None, bambara="bm" in person.languages,
            passport_issue=facts["passport_issue"], abroad=plan["abroad"],
        )
        notes = self._notes(case_id, ctx, post, times, opened_at, workers, worker)

        consents.sort(key=lambda c: c.recorded_at)
        risks.sort(key=lambda r: r.assessed_at)
        return DemoCase(person, case, tuple(risks), tuple(consents), notes)

    # pieces ---------------------------------------------------------------------------
    def _post(self, creator: User) -> str:
        if creator.role is Role.BORDER_OFFICER and creator.border_post:
            return creator.border_post
        pool = self.staff.posts.get(creator.scope_id) or ()
        if creator.border_post and (not pool or self.rand() < 0.7):
            return creator.border_post
        if pool:
            return self.choice(pool)
        # no post known for the scope: one of the regional offices, fixed per scope
        offices = self.t.office_posts
        return offices[sum(map(ord, creator.scope_id)) % len(offices)]

    def _agency(self, post: str) -> str | None:
        if self.rand() < 0.03:
            return None
        kind = self.t.posts[post].get("kind", "office")
        choice = self.t.agency_choice.get(kind) or self.t.agency_choice.get("office")
        if not choice:
            return None
        return self.pick(choice[0], choice[1])

    def _state(self, days_ago: int) -> CaseState:
        for limit, cum in self.t.state_buckets:
            if days_ago <= limit:
                return self.pick(_STATE_ORDER, cum)
        return S.CLOSED  # pragma: no cover - the last bucket is unbounded

    def _plan(self, state: CaseState, minor: bool, foreign: bool) -> dict[str, Any]:
        """The path the case took to reach ``state``: which records exist, which milestones."""
        rng = self.rng
        p: dict[str, Any] = {
            "screen_consent": None, "screen_risk": False, "outcome": None, "level": 0,
            "urgent": False, "urgent_first": False, "referral_consent": False, "override": None,
            "before_referral_risk": False, "review_risk": False, "closure": None, "abroad": False,
            "final": False,
        }
        given = ConsentDecision.GIVEN
        if state is S.DETECTED:
            r = self.rand()
            p["screen_consent"] = given if r < 0.35 else (ConsentDecision.REFUSED if r < 0.4 else None)
            p["level"] = 1 if p["screen_consent"] is given else 0
            p["screen_risk"] = self.rand() < 0.5
            return p
        if state is S.URGENT_PROTECTION:
            p["urgent"] = True
            r = self.rand()
            if r < 0.4:  # straight from detection
                p["urgent_first"] = True
                p["screen_consent"] = given if self.rand() < 0.3 else None
                p["level"] = 1 if p["screen_consent"] else 0
            elif r < 0.6:  # during the screening
                p["urgent_first"] = True
                p["screen_consent"], p["level"] = given, 1
            else:  # presumed victim, then urgent protection
                p["screen_consent"], p["level"], p["outcome"] = given, 2, S.PRESUMED_VICTIM
            p["screen_risk"] = True
            return p

        p["screen_consent"] = given
        p["screen_risk"] = self.rand() < 0.9
        if state is S.SCREENING:
            p["level"] = 1
            return p
        p["level"] = 2
        if state in (S.NO_INDICATORS, S.OTHER_VULNERABILITY, S.PRESUMED_VICTIM):
            p["outcome"] = state
            return p

        # everything else went through screening; the referral path is a presumed victim
        p["outcome"] = S.PRESUMED_VICTIM
        if state is S.CLOSED:
            r = self.rand()
            if r < 0.30:
                p["outcome"], p["closure"] = S.NO_INDICATORS, ClosureReason.NO_INDICATORS
                p["final"] = True
                return p
            if r < 0.45:
                p["outcome"] = S.OTHER_VULNERABILITY
                p["closure"] = self.pick(
                    (ClosureReason.TRANSFERRED, ClosureReason.LOST_CONTACT, ClosureReason.DECLINED_ASSISTANCE),
                    (0.4, 0.7, 1.0))
                p["final"] = True
                return p
            p["closure"] = self.pick(
                (ClosureReason.REINTEGRATED, ClosureReason.RETURNED, ClosureReason.DECLINED_ASSISTANCE,
                 ClosureReason.LOST_CONTACT, ClosureReason.TRANSFERRED),
                (0.35, 0.60, 0.72, 0.90, 1.0))
            if p["closure"] is ClosureReason.RETURNED and not foreign:
                p["closure"] = ClosureReason.REINTEGRATED
            referred = p["closure"] in (ClosureReason.REINTEGRATED, ClosureReason.RETURNED,
                                        ClosureReason.TRANSFERRED) or self.rand() < 0.6
            if referred:
                p["level"] = self.pick((3, 4, 5, 6), (0.05, 0.15, 0.6, 1.0))
                if p["closure"] in (ClosureReason.REINTEGRATED, ClosureReason.RETURNED):
                    p["level"] = max(p["level"], 5)
            p["abroad"] = p["closure"] is ClosureReason.RETURNED
        elif state is S.TRANSFERRED:
            p["level"] = self.pick((2, 3, 4, 5, 6), (0.2, 0.3, 0.45, 0.8, 1.0))
            p["abroad"] = foreign and self.rand() < 0.4
        elif state is S.FORMALLY_IDENTIFIED:
            p["level"] = self.pick((2, 3, 4, 5, 6), (0.3, 0.45, 0.6, 0.9, 1.0))
        else:
            p["level"] = {S.REFERRED: 3, S.ACCEPTED: 4, S.IN_ASSISTANCE: 5, S.FOLLOW_UP: 6}[state]
        p["final"] = state in (S.CLOSED, S.TRANSFERRED, S.FORMALLY_IDENTIFIED)
        if p["level"] >= 3:
            p["urgent"] = self.rand() < 0.15
            p["referral_consent"] = True
            p["before_referral_risk"] = self.rand() < 0.6
            r = self.rand()
            if minor and r < 0.15:
                p["override"] = OverrideBasis.CHILD_BEST_INTERESTS
            elif r > 0.97:
                p["override"] = OverrideBasis.DANGER_TO_LIFE
                p["urgent"] = True
            if p["override"] is OverrideBasis.DANGER_TO_LIFE:
                p["before_referral_risk"] = True
            if p["level"] >= 5:
                p["review_risk"] = self.rand() < 0.25
        if p["urgent"]:
            p["screen_risk"] = True
        return p

    def _timeline(self, p: dict[str, Any]) -> dict[str, int]:
        """Seconds after opening for each milestone of the plan (before compression)."""
        rng = self.rng
        rr = self.between
        t: dict[str, int] = {"open": 0}
        t["screen"] = rr(5 * _MIN, 60 * _MIN)
        t["data_consent"] = t["screen"] + rr(30, 300)
        t["screen_risk"] = t["screen"] + rr(1 * _MIN, 20 * _MIN)
        cur = max(t["data_consent"], t["screen_risk"])
        if p["urgent_first"]:
            cur = t["urgent"] = cur + rr(5 * _MIN, 60 * _MIN)
        if p["level"] >= 2:
            cur = t["outcome"] = cur + rr(20 * _MIN, 4 * _HOUR)
        else:
            t["outcome"] = cur
        if p["urgent"] and not p["urgent_first"]:
            cur = t["urgent"] = cur + rr(5 * _MIN, 60 * _MIN)
        t.setdefault("urgent", cur)
        if p["level"] >= 3 or p["referral_consent"]:
            gap = rr(30 * _MIN, 6 * _HOUR) if p["urgent"] else rr(1 * _HOUR, 5 * _DAY)
            t["earlier_refusal"] = cur + gap // 2
            cur = t["referral_consent"] = cur + gap
            t["referral_risk"] = cur + rr(5 * _MIN, 30 * _MIN)
            cur = t["referral"] = t["referral_risk"] + rr(10 * _MIN, 1 * _DAY)
        t.setdefault("referral", cur)
        if p["level"] >= 4:
            cur = t["accepted"] = cur + rr(1 * _DAY, 10 * _DAY)
        t.setdefault("accepted", cur)
        if p["level"] >= 5:
            cur = t["assistance"] = cur + rr(1 * _DAY, 14 * _DAY)
        t.setdefault("assistance", cur)
        if p["level"] >= 6:
            cur = t["follow_up"] = cur + rr(30 * _DAY, 180 * _DAY)
        t.setdefault("follow_up", cur)
        if p["review_risk"]:
            t["review"] = t["assistance"] + rr(7 * _DAY, 60 * _DAY)
            cur = max(cur, t["review"])
        if p["final"]:
            if p["level"] >= 3:
                final = cur + rr(7 * _DAY, 120 * _DAY)
            else:
                final = cur + rr(1 * _DAY, 60 * _DAY)
            if p["abroad"]:
                t["return_consent"] = cur + (final - cur) // 3
                t["return_risk"] = t["return_consent"] + max(1, (final - cur) // 6)
            t["final"] = final
            cur = final
        t["lost"] = t["follow_up"]
        return t

    def _person(self, detected_on: date) -> tuple[Person, dict[str, Any]]:
        rng = self.rng
        t = self.t
        nat = self.pick(t.nationalities, t.nationality_cum)
        group = t.group_of[nat]
        foreign = nat != "MA"

        r = self.rand()
        if r < _FEMALE_SHARE:
            sex, firsts = Sex.FEMALE, group["female_first"]
        elif r < 0.99:
            sex, firsts = Sex.MALE, group["male_first"]
        elif r < 0.998:
            sex, firsts = Sex.UNKNOWN, group["any_first"]
        else:
            sex, firsts = Sex.NON_CONFORMING, group["any_first"]
        first: tuple[str, str] | None = self.choice(firsts)
        family = self.choice(group["family"]) if self.rand() < 0.95 else None
        if self.rand() < 0.015:  # identity not yet taken (a minimal border screening)
            first = family = None

        # scripts: both usually; one only in about 15 % of records
        both = self.rand() < 0.85
        if both:
            use_ar = use_lat = True
        else:
            use_ar = self.rand() < (0.7 if nat in _ARAB_WORLD else 0.15)
            use_lat = not use_ar
        other_names: tuple[str, ...] = ()
        if first is not None and self.rand() < 0.06:
            alias = self.choice(firsts)
            if alias != first:
                other_names = (alias[1] if use_lat else alias[0],)

        # age at detection
        minor = self.rand() < _MINOR_SHARE
        if minor:
            age = self.pick(_MINOR_AGES, _MINOR_AGE_CUM)
        else:
            age = int(rng.triangular(18, 58, 24))

        # documents
        documents = self._documents(nat, detected_on, minor)
        id_seen = any(d.kind in (DocumentKind.PASSPORT, DocumentKind.NATIONAL_ID, DocumentKind.RESIDENCE_PERMIT)
                      for d in documents)
        passport_issue = not documents or any(not d.held_by_person for d in documents)

        birth_date = birth_year = None
        age_band = None
        if self.rand() < (0.8 if id_seen else 0.08):
            birth_date = self._birth_date(detected_on, age)
            if self.rand() < 0.5:
                birth_year = birth_date.year
        elif self.rand() < 0.6:
            birth_year = detected_on.year - age
        elif self.rand() < 0.6:
            age_band = AgeBand.for_age(age)
        possibly_minor: bool | None = None
        if minor:
            if birth_date is None and birth_year is None and age_band is None:
                possibly_minor = True
            elif self.rand() < (0.2 if birth_date else 0.7):
                possibly_minor = True
        elif age <= 19 and birth_date is None and self.rand() < 0.25:
            possibly_minor = True
        elif self.rand() < 0.3:
            possibly_minor = False

        langs = [code for code, prob in _LANGUAGES.get(nat, (("fr", 1.0),)) if self.rand() < prob]
        if foreign and "ar" not in langs and self.rand() < 0.1:
            langs.append("ar")
        if self.rand() < 0.05:
            langs = []

        phone = None
        if self.rand() < 0.45:
            home = _PHONES.get(nat) if foreign and self.rand() < 0.35 else None
            cc, patterns = home or _PHONES["MA"]
            phone = "+" + cc + self._fill(self.choice(patterns))

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
        facts = {
            "minor": person.may_be_minor(detected_on),
            "foreign": foreign,
            "passport_issue": passport_issue,
            "female": sex is Sex.FEMALE,
        }
        return person, facts

    def _birth_date(self, detected_on: date, age: int) -> date:
        """A birth date giving exactly ``age`` on ``detected_on``."""
        day = date(detected_on.year - age, 1, 1) + timedelta(days=self.between(365))
        if (day.month, day.day) == (2, 29):
            day = day.replace(day=28)
        if (day.month, day.day) > (detected_on.month, detected_on.day):
            day = day.replace(year=day.year - 1)
        return day

    def _documents(self, nat: str, detected_on: date, minor: bool) -> tuple[Document, ...]:
        rng = self.rng
        docs: list[Document] = []
        if nat == "MA":
            if not minor and self.rand() < 0.5:
                docs.append(self._document(DocumentKind.NATIONAL_ID, "MA", detected_on, 0.05))
            if self.rand() < 0.15:
                docs.append(self._document(DocumentKind.PASSPORT, "MA", detected_on, 0.15))
            if minor and self.rand() < 0.1:
                docs.append(self._document(DocumentKind.BIRTH_CERTIFICATE, "MA", detected_on, 0.0, expires=False))
        else:
            if self.rand() < (0.2 if minor else 0.4):
                docs.append(self._document(DocumentKind.PASSPORT, nat, detected_on, 0.3))
            if self.rand() < 0.05:
                docs.append(self._document(DocumentKind.CONSULAR_CARD, nat, detected_on, 0.1))
            if not minor and self.rand() < 0.03:
                docs.append(self._document(DocumentKind.RESIDENCE_PERMIT, "MA", detected_on, 0.1))
        return tuple(docs)

    def _document(self, kind: DocumentKind, country: str, detected_on: date, confiscated: float,
                  *, expires: bool = True) -> Document:
        rng = self.rng
        expiry = detected_on + timedelta(days=self.between(-3 * 365, 8 * 365)) if expires else None
        return Document(
            kind=kind,
            number=self._fill(self.choice(_DOC_PATTERNS[kind])),
            issuing_country=country,
            expires_on=expiry,
            held_by_person=self.rand() >= confiscated,
        )

    def _fill(self, pattern: str) -> str:
        rng = self.rng
        out = []
        for ch in pattern:
            if ch == "D":
                out.append("0123456789"[self.between(10)])
            elif ch == "L":
                out.append("ABCDEFGHJKLMNPRSTUVWXYZ"[self.between(23)])
            else:
                out.append(ch)
        return "".join(out)

    def _guardian(self, person: Person) -> str:
        group = self.t.group_of.get(person.nationality or "MA") or self.t.group_of[self.t.nationalities[0]]
        first = self.choice(group["any_first"])
        family = self.choice(group["family"])
        return f"{first[1]} {family[1]}"

    def _provider(self, post: str, minor: bool) -> str:
        rng = self.rng
        if self.rand() < 0.15:
            return self.choice(_PROVIDERS_AR).replace("{city}", self.t.city(post, "ar"))
        pool = _PROVIDERS_CHILD_FR if minor and self.rand() < 0.6 else _PROVIDERS_FR
        return self.choice(pool).replace("{city}", self.t.city(post, "fr"))

    def _risk(self, case_id: str, stage: RiskStage, at: datetime, by: User, facts: dict[str, Any],
              *, force_urgent: bool = False, force_danger: bool = False) -> RiskAssessment:
        rng = self.rng

        def flag(p_true: float, p_unknown: float = 0.08) -> bool | None:
            r = self.rand()
            return None if r < p_unknown else r < p_unknown + p_true

        danger = True if force_danger else flag(0.015)
        controller = flag(0.03)
        medical = flag(0.03)
        shelter = flag(0.05)
        if force_urgent and not (danger or controller or medical or shelter):
            which = self.between(3)
            if which == 0:
                danger = True
            elif which == 1:
                medical = True
            else:
                shelter = True
        minor = True if facts["minor"] else flag(0.02, 0.1)
        pregnancy = flag(0.05, 0.2) if facts["female"] and not facts["minor"] else None
        retraff = self.pick((RiskLevel.UNKNOWN, RiskLevel.NONE, RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH),
                            (0.2, 0.3, 0.6, 0.95, 1.0))
        if stage is RiskStage.BEFORE_RETURN:
            ret = self.pick((RiskLevel.NONE, RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH), (0.2, 0.65, 0.9, 1.0))
        elif stage is RiskStage.SCREENING:
            ret = RiskLevel.UNKNOWN
        else:
            ret = self.pick((RiskLevel.UNKNOWN, RiskLevel.LOW, RiskLevel.MEDIUM), (0.6, 0.85, 1.0))
        urgent = bool(danger or controller or medical or shelter or retraff is RiskLevel.HIGH)
        summary = None
        if self.rand() < 0.25:
            summary = self.choice(_RISK_SUMMARIES["urgent" if urgent else "calm"])
        return RiskAssessment(
            id=self.uid(), case_id=case_id, stage=stage, assessed_at=at, assessed_by=by.id,
            immediate_danger=danger, controller_nearby=controller, medical_urgency=medical,
            minor_or_unaccompanied=minor, pregnancy=pregnancy, shelter_tonight=shelter,
            retrafficking_risk=retraff, return_risk=ret, summary=summary,
        )

    def _notes(self, case_id: str, ctx: _NoteCtx, post: str, times: dict[str, int], opened_at: datetime,
               workers: Sequence[User], worker: User) -> tuple[Note, ...]:
        rng = self.rng
        t = self.t
        if not t.notes:
            return ()
        state = ctx.state
        if state in (S.DETECTED, S.SCREENING):
            count = 1 if self.rand() < 0.3 else 0
        elif state in (S.NO_INDICATORS, S.OTHER_VULNERABILITY):
            count = self.between(0, 3)
        elif state in (S.PRESUMED_VICTIM, S.URGENT_PROTECTION):
            count = self.between(0, 4)
        else:
            count = self.between(1, 5)
        if count == 0:
            return ()
        choice = t.note_choices.get(ctx)
        if choice is None:
            fit = [i for i, tpl in enumerate(t.notes) if _tag_fits(tpl.tag, ctx)]
            weights = [1.0 if t.notes[i].tag in ("general", "interview") else 3.0 for i in fit]
            choice = (tuple(fit), _cumulative(weights))
            t.note_choices[ctx] = choice
        indices, cum = choice
        if not indices:
            return ()
        picked: list[int] = []
        finals = [i for i in indices if t.notes[i].tag in _FINAL_TAGS]
        if finals and self.rand() < 0.8:
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
            lo = times.get(_TAG_ANCHOR.get(tag, "open"), 0)
            if tag in _FINAL_TAGS and "final" in times:
                offset = max(lo, times["final"] - self.between(0, 2 * _HOUR))
            else:
                lo = min(lo, end)
                offset = lo + int((end - lo) * self.rand())
            offset = max(0, min(offset, end))
            lang = "ar" if self.rand() < 0.7 else "fr"
            author = worker if self.rand() < 0.7 else self.choice(workers)
            notes.append(Note(
                id=self.uid(), case_id=case_id, written_at=opened_at + timedelta(seconds=offset),
                author=author.id, text=t.note(i, lang, post),
            ))
        notes.sort(key=lambda n: n.written_at)
        return tuple(notes)

