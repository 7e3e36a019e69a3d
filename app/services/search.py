"""Finding people whichever way their name was typed, and warning before a second case.

``search`` ranks the cases a session may see against typed text (names in either script,
case number, document, phone, nationality, border post); ``duplicates`` lists the likely
earlier cases of a person about to be registered or saved; ``confirm_different`` records
that a warned pair is two people; ``merge`` (supervisor) closes a duplicate case into the
case that is kept. docs/SEARCH.md explains the keys, the ranking and the thresholds.

Candidates come from the search index (``app.search_keys``: every lookup is one indexed
read, visibility applied in the read); only they are ranked, with ``app.names``.
"""

from __future__ import annotations

import dataclasses
import heapq
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Mapping, Protocol, Sequence

from app.domain.audit import AuditAction, AuditEvent
from app.domain.case import Case, Note
from app.domain.checks import new_id
from app.domain.codec import decode, to_fields
from app.domain.link import CaseLink, LinkKind
from app.domain.person import Person
from app.domain.user import Session
from app.domain.values import AgeBand, CaseState, ClosureReason, Sex
from app.errors import FieldError, ValidationError
from app.names import (
    CROSS_SCRIPT, EXACT, FUZZY, PART, PREFIX, SPELLING, VARIANT, FormMatch, NameTable, Token, form_match, name_tokens,
    pair_skeletons, skeletons,
)
from app.permissions import Action, require
from app.ports import CaseQuery, Clock, SystemClock
from app.search_keys import (
    ATTRIBUTE_TIER, DOCUMENT, EXACT_TIER, FUZZY_TIER, GROUP, NATIONALITY, NUMBER, PHONE, POST, PREFIX_TIER, SERIAL,
    Candidate,
    SKELETON, TOKEN, VARIANT_TIER, WHOLE, Lookup, QueryPlan, SearchRow, compact, default_table, fuzzy_lookups,
    names_of, phone_digits, plan,
)
from app.services.cases import CaseService
from app.text import N_

# --- reasons (msgids: the front ends translate them) -----------------------------------------

SAME_NAME = N_("same name")
NAME_VARIANT = N_("known variant of the name")
ACROSS_SCRIPTS = N_("name matches across scripts")
OTHER_SPELLING = N_("another spelling of the name")
NAME_START = N_("name starts with the text typed")
SIMILAR_NAME = N_("similar name (possible typo)")
NAME_PART = N_("part of a compound name")
SAME_CASE_NUMBER = N_("same case number")
SAME_DOCUMENT = N_("same document number")
SAME_PHONE = N_("same phone number")
SAME_NATIONALITY = N_("same nationality")
SAME_POST = N_("same border post")
SAME_BIRTH_DATE = N_("same birth date")
SAME_BIRTH_YEAR = N_("same birth year")
NEAR_BIRTH_YEAR = N_("birth year one apart")
SAME_AGE_BAND = N_("same age band")
SAME_SEX = N_("same sex")
MERGED = N_("merged into another case")

_KIND_REASONS = {
    EXACT: SAME_NAME, VARIANT: NAME_VARIANT, CROSS_SCRIPT: ACROSS_SCRIPTS, SPELLING: OTHER_SPELLING,
    PREFIX: NAME_START, FUZZY: SIMILAR_NAME, PART: NAME_PART,
}
_KEY_REASONS = {NUMBER: SAME_CASE_NUMBER, SERIAL: SAME_CASE_NUMBER, DOCUMENT: SAME_DOCUMENT, PHONE: SAME_PHONE,
                NATIONALITY: SAME_NATIONALITY, POST: SAME_POST}
_KEY_SCORES = {NUMBER: 1.0, SERIAL: 0.9, DOCUMENT: 0.95, PHONE: 0.9, POST: 0.6, NATIONALITY: 0.5}

# --- limits and thresholds (docs/SEARCH.md) -------------------------------------------------------

LOOKUP_CAP = 5000  # cases read per prefix lookup at most (the start of a common name)
#: Candidates ranked with the names (at least this many, and 2 × the limit): those whose
#: index hits promise the most come first (a whole name spelled exactly, then words spelled
#: exactly, variants, starts of words, attributes, possible typos).
MIN_RANKED = 40
_PROMISE = {EXACT_TIER: 0.95, VARIANT_TIER: 0.85, PREFIX_TIER: 0.7, ATTRIBUTE_TIER: 0.5, FUZZY_TIER: 0.4}
DUPLICATE_CANDIDATES = 40  # the strongest candidates read and scored (most words of a name, documents)
#: A likely duplicate scores at least this (0..1) …
DUPLICATE_THRESHOLD = 0.6
#: … and either shares a document or phone number, or its name matches at least this well.
DUPLICATE_NAME_MIN = 0.8


@dataclass(frozen=True)
class Match:
    """One case found, with why (reasons are msgids, strongest first)."""

    case_id: str
    case_number: str
    person_id: str
    name_ar: str
    name_latin: str
    state: CaseState
    sex: Sex
    birth_year: int | None
    nationality: str | None
    border_post: str | None
    detected_on: date
    score: float  # 0..1, higher is better; exact before fuzzy
    reasons: tuple[str, ...]


class SearchStore(Protocol):
    """What the search needs from the store (``storage.store.SqlCipherStore`` has it)."""

    def transaction(self) -> Any: ...

    def search_lookup(self, lookups: Sequence[Lookup], query: CaseQuery | None, cap: int) -> list[set[str]]: ...

    def search_rows(self, case_ids: Iterable[str], query: CaseQuery, *, full: bool = False) -> list[SearchRow]: ...

    def case_links(self, case_id: str) -> list[CaseLink]: ...


class SearchService:
    def __init__(self, store: Any, cases: CaseService, clock: Clock | None = None,
                 table: NameTable | None = None) -> None:
        self.store: SearchStore = store
        self.cases = cases
        self.clock = clock or cases.clock or SystemClock()
        self.table = table or default_table()

    # --- search -------------------------------------------------------------------------------
    def search(self, session: Session, text: str, *, limit: int = 20) -> list[Match]:
        """The cases the session may see that match ``text``, best first (at most ``limit``).

        The last word may be incomplete (search as you type) unless the text ends with a
        space. Empty text finds nothing. Exact spellings come before variants, variants
        before prefixes, prefixes before possible typos (tried only when no case matches
        every word otherwise).
        """
        require(session.role, Action.VIEW_CASES)
        if not isinstance(text, str) or not text.strip() or limit <= 0:
            return []
        query_plan = plan(text, typing=True, table=self.table)
        if not query_plan:
            return []
        visible = self.cases.visible_query(session, CaseQuery())
        enough = max(MIN_RANKED, 2 * limit)
        found = self._candidates(query_plan, None, enough, limit)
        rows = self.store.search_rows([c.case_id for c in found], visible)
        if len(rows) < min(limit, len(found)) or (len(rows) < len(found) and len(found) >= enough):
            # Some of the best candidates are cases this session may not see: read again,
            # with the visibility joined to every hit (slower, but complete).
            found = self._candidates(query_plan, visible, enough, limit)
            rows = self.store.search_rows([c.case_id for c in found], visible)
        by_id = {c.case_id: c for c in found}
        matches = [self._rank(query_plan, row, by_id[row.case_id].kinds) for row in rows]
        matches = [m for m in matches if m.score > 0]
        matches.sort(key=lambda m: (-m.score, m.case_number))
        return matches[:limit]

    def _candidates(self, query_plan: QueryPlan, visible: CaseQuery | None, enough: int,
                    limit: int) -> list[Candidate]:
        """The most promising cases, reading the index tier by tier.

        Exact spellings and identifiers first, then variants, starts of words, attributes:
        once ``limit`` cases match every term, weaker tiers could not rank above them (a
        whole match of a stronger tier scores more than one of a weaker tier) and are not
        read: a common first name has thousands of exact matches. When no case matches every
        term after all tiers, typos (keys one consonant away) too. Of the cases found, the
        ``enough`` most promising are returned.
        """
        terms = query_plan.terms
        weighted = sorted(((item, index, 1.0 if item.key.startswith(WHOLE) else _PROMISE[item.tier])
                           for index, term in enumerate(terms) for item in term.lookups), key=lambda w: -w[2])
        best: list[dict[str, float]] = [{} for _ in terms]  # term → case → what its best hit promises
        hits: list[tuple[int, str, set[str]]] = []  # (term, key kind, cases) of every lookup read

        def read(batch: list[tuple[Lookup, int, float]]) -> int:
            for (item, index, promise), cases in zip(batch, self.store.search_lookup(
                    [w[0] for w in batch], visible, LOOKUP_CAP)):
                hits.append((index, item.key[:2], cases))
                best[index].update(dict.fromkeys(cases - best[index].keys(), promise))
            return len(set.intersection(*(set(b) for b in best))) if best else 0

        complete = 0
        for tier in sorted({w[0].tier for w in weighted}):
            complete = read([w for w in weighted if w[0].tier == tier])
            if complete >= limit:
                break
        if complete == 0:  # nobody matches what was typed: perhaps a typo
            complete = read([(item, index, _PROMISE[FUZZY_TIER]) for index, term in enumerate(terms)
                             if term.token is not None for item in fuzzy_lookups(term.token)])
        count: Counter[str] = Counter()
        for term_best in best:
            count.update(term_best.keys())
        pool = set.intersection(*(set(b) for b in best)) if complete >= enough else count.keys()
        total = {c: sum(term_best.get(c, 0.0) for term_best in best) for c in pool}
        chosen = heapq.nlargest(enough, total, key=lambda c: (count[c], total[c], c))
        return [Candidate(c, count[c], total[c], {index: frozenset(kind for i, kind, cases in hits
                                                                  if i == index and c in cases)
                                                  for index in range(len(terms))}) for c in chosen]

    def _rank(self, query_plan: QueryPlan, row: SearchRow, hit: Mapping[int, frozenset[str]]) -> Match:
        name_terms = [t for t in query_plan.terms if t.token is not None]
        tokens = [t.token for t in name_terms if t.token is not None]
        typing = query_plan.typing and bool(name_terms) and name_terms[-1] is query_plan.terms[-1]
        best = _best_form(tokens, [name_tokens(n) for n in row.names()], self.table, typing)
        scores: list[float] = []
        reasons: list[tuple[float, str]] = []
        name_index = 0
        for index, term in enumerate(query_plan.terms):
            kinds = hit.get(index, frozenset())
            score = 0.0
            if term.token is not None:
                score = best.per_query[name_index] if best.per_query else 0.0
                name_index += 1
            for kind, value in _KEY_SCORES.items():
                if kind in kinds and value > score:
                    score = value
                    reasons.append((value, _KEY_REASONS[kind]))
            scores.append(score)
        for kind in best.kinds:
            reasons.append((1.0, _KIND_REASONS[kind]))
        total = sum(scores) / len(scores) if scores else 0.0
        if tokens and best.matched:
            total *= 0.85 + 0.15 * best.coverage
        if row.closure_reason == ClosureReason.MERGED.value:
            reasons.append((0.0, MERGED))
        return _match(row, round(total, 4), _ordered(reasons))

    # --- duplicates ---------------------------------------------------------------------------
    def duplicates(self, session: Session, person: Person, *, exclude_case_id: str | None = None,
                   limit: int = 5) -> list[Match]:
        """Cases the session may see that are likely about the same ``person``, best first.

        Evidence: the name across scripts (every name of both persons), documents, phone,
        birth date or year or age band, sex, nationality (scores in docs/SEARCH.md). Only
        matches scoring at least ``DUPLICATE_THRESHOLD`` are returned, and only when a
        document or phone number is shared or the names match at least
        ``DUPLICATE_NAME_MIN``. Leaves out ``exclude_case_id`` (the case being edited),
        cases already confirmed as a different person from it, and merged cases.
        """
        require(session.role, Action.VIEW_CASES)
        fields = to_fields(person)
        forms = [name_tokens(n) for n in names_of(fields)]
        forms = [f for f in forms if f]
        visible = self.cases.visible_query(session, CaseQuery())
        keyed = _duplicate_keys(forms, fields, self.table)
        if not keyed:
            return []
        skip = self._not_duplicates(exclude_case_id)
        found = self._duplicate_candidates(keyed, None, skip)
        rows = self.store.search_rows(found, visible, full=True)
        if len(rows) < len(found) == DUPLICATE_CANDIDATES:
            # Many strong candidates this session may not see: read again, visibility joined.
            rows = self.store.search_rows(self._duplicate_candidates(keyed, visible, skip), visible, full=True)
        today = self.clock.now().date()
        cache: dict[tuple[str, str], float] = {}
        matches = []
        for row in rows:
            if row.closure_reason == ClosureReason.MERGED.value:
                continue
            found_match = self._as_duplicate(person, fields, forms, row, today, cache)
            if found_match is not None:
                matches.append(found_match)
        matches.sort(key=lambda m: (-m.score, m.case_number))
        return matches[:limit]

    def _duplicate_candidates(self, keyed: Sequence[tuple[str, int, int, int, float]], visible: CaseQuery | None,
                              skip: set[str]) -> list[str]:
        """The strongest candidates: for one of the person's names, the cases hitting at least
        the words needed of it (the more words, the stronger), or a document or phone."""
        keys = sorted({k[0] for k in keyed})
        found = dict(zip(keys, self.store.search_lookup([Lookup(k) for k in keys], visible, LOOKUP_CAP)))
        words: dict[tuple[int, int], set[str]] = {}
        rule: dict[int, tuple[int, float]] = {}
        for key, group, word, need, weight in keyed:
            words.setdefault((group, word), set()).update(found[key])
            rule[group] = (need, weight)
        strength: dict[str, float] = {}
        for group, (need, weight) in rule.items():
            count: Counter[str] = Counter()
            for (g, _word), cases in words.items():
                if g == group:
                    count.update(cases - skip)
            for case_id, n in count.items():
                if n >= need:
                    strength[case_id] = max(strength.get(case_id, 0.0), n * weight)
        return heapq.nlargest(DUPLICATE_CANDIDATES, strength, key=lambda c: (strength[c], c))

    def _not_duplicates(self, case_id: str | None) -> set[str]:
        if case_id is None:
            return set()
        skip = {case_id}
        for link in self.store.case_links(case_id):
            if link.kind is LinkKind.DIFFERENT_PERSON:
                skip.add(link.other_case_id if link.case_id == case_id else link.case_id)
        return skip

    def _as_duplicate(self, person: Person, fields: Mapping[str, Any], forms: list[tuple[Token, ...]],
                      row: SearchRow, today: date, cache: dict[tuple[str, str], float]) -> Match | None:
        other = row.person or {}
        other_forms = [name_tokens(n) for n in row.names()]
        name_score, kinds = _mutual_name_score(forms, other_forms, self.table, cache)
        score = 0.65 * name_score
        reasons: list[tuple[float, str]] = [(name_score, _KIND_REASONS[k]) for k in kinds[:1]]
        strong = False
        mine = {compact(d.number) for d in person.documents} - {""}
        theirs = {compact(d.get("number", "")) for d in other.get("prs_Documents") or () if isinstance(d, dict)}
        if mine & theirs:
            score += 0.45
            strong = True
            reasons.append((1.0, SAME_DOCUMENT))
        if person.mobile_phone and _same_phone(person.mobile_phone, other.get("prs_MobilePhone")):
            score += 0.25
            strong = True
            reasons.append((0.9, SAME_PHONE))
        birth, birth_reason = _birth_evidence(person, other, today)
        score += birth
        if birth_reason:
            reasons.append((0.5, birth_reason))
        known = (Sex.MALE.value, Sex.FEMALE.value)
        if person.sex.value in known and row.sex in known:
            if person.sex.value == row.sex:
                score += 0.05
                reasons.append((0.2, SAME_SEX))
            else:
                score -= 0.35
        if person.nationality and row.nationality:
            if person.nationality == row.nationality:
                score += 0.1
                reasons.append((0.3, SAME_NATIONALITY))
            else:
                score -= 0.15
        score = max(0.0, min(1.0, score))
        if score < DUPLICATE_THRESHOLD or not (strong or name_score >= DUPLICATE_NAME_MIN):
            return None
        return _match(row, round(score, 4), _ordered(reasons))

    # --- decisions ----------------------------------------------------------------------------
    def confirm_different(self, session: Session, case_id: str, other_case_id: str) -> None:
        """Record that two cases are about two different people: the pair is not warned
        about again. Recording it twice changes nothing."""
        require(session.role, Action.CREATE_CASE)
        case = self.cases.visible_case(session, case_id)
        other = self.cases.visible_case(session, other_case_id)
        if case.id == other.id:
            raise ValidationError([FieldError("other_case_id", N_("A case cannot be linked to itself."))])
        for link in self.store.case_links(case.id):
            if link.kind is LinkKind.DIFFERENT_PERSON and other.id in (link.case_id, link.other_case_id):
                return
        link = CaseLink(new_id(), case.id, other.id, LinkKind.DIFFERENT_PERSON, self.clock.now(), session.user.id)
        with self.store.transaction() as uow:
            uow.put(link)
            uow.audit(self._event(session, AuditAction.CONFIRMED_DIFFERENT, case,
                                  {"other_case_id": other.id, "link_id": link.id}))

    def merge(self, session: Session, keep_case_id: str, merged_case_id: str, reason: str) -> Case:
        """Merge a duplicate case into the case that is kept (supervisor only).

        Nothing is moved or deleted: the merged case keeps its person and every record,
        is closed with the closure reason ``merged`` and gets a ``merged_into`` link to the
        kept case; the reason is written as a note on both cases, and each case's history
        has an audit entry naming the other. Returns the merged case as it now is. Undo by
        reopening the merged case (lifecycle: closed → follow-up, with a reason).
        """
        require(session.role, Action.MERGE_CASES)
        keep = self.cases.visible_case(session, keep_case_id)
        merged = self.cases.visible_case(session, merged_case_id)
        text = (reason or "").strip()
        problems = []
        if keep.id == merged.id:
            problems.append(FieldError("merged_case_id", N_("A case cannot be merged into itself.")))
        if merged.closure_reason is ClosureReason.MERGED:
            problems.append(FieldError("merged_case_id", N_("This case was already merged into another case.")))
        if keep.closure_reason is ClosureReason.MERGED:
            problems.append(FieldError("keep_case_id", N_("This case was merged into another case; keep that one.")))
        if len(text) < 10:
            problems.append(FieldError("reason", N_("Say in a sentence why these cases are the same person "
                                                    "(at least 10 characters).")))
        if problems:
            raise ValidationError(problems)
        now = self.clock.now()
        closed = dataclasses.replace(merged, state=CaseState.CLOSED, closed_at=now,
                                     closure_reason=ClosureReason.MERGED, closure_approved_by=session.user.id)
        link = CaseLink(new_id(), merged.id, keep.id, LinkKind.MERGED_INTO, now, session.user.id)
        with self.store.transaction() as uow:
            uow.put(closed, previous=merged)
            uow.put(link)
            uow.put(Note(new_id(), merged.id, now, session.user.id, text))
            uow.put(Note(new_id(), keep.id, now, session.user.id, text))
            uow.audit(self._event(session, AuditAction.CASE_MERGED_INTO, merged, {
                "keep_case_id": keep.id, "keep_case_number": keep.case_number, "from": merged.state.value,
                "link_id": link.id}))
            uow.audit(self._event(session, AuditAction.CASE_MERGED, keep, {
                "merged_case_id": merged.id, "merged_case_number": merged.case_number, "link_id": link.id}))
        return closed

    def links(self, session: Session, case_id: str) -> list[CaseLink]:
        """The decisions recorded about a case: different persons, merges from and into it."""
        case = self.cases.visible_case(session, case_id)
        return self.store.case_links(case.id)

    def _event(self, session: Session, action: str, case: Case, details: dict[str, Any]) -> AuditEvent:
        return AuditEvent(action=action, at=self.clock.now(), actor_id=session.user.id,
                          device_id=session.device_id, record_type="case", record_id=case.id, details=details)


# --- helpers ----------------------------------------------------------------------------------

def _best_form(tokens: Sequence[Token], forms: Sequence[Sequence[Token]], table: NameTable,
               typing: bool) -> FormMatch:
    best = FormMatch(0.0, 0.0, 0.0, (), 0, (0.0,) * len(tokens))
    for form in forms:
        found = form_match(tokens, form, table, typing=typing)
        if found.score > best.score:
            best = found
    return best


def _ordered(reasons: list[tuple[float, str]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(reason for _weight, reason in sorted(reasons, key=lambda r: -r[0])))


def _match(row: SearchRow, score: float, reasons: tuple[str, ...]) -> Match:
    return Match(
        case_id=row.case_id, case_number=row.case_number, person_id=row.person_id, name_ar=row.name_ar,
        name_latin=row.name_latin, state=CaseState(row.state), sex=Sex(row.sex) if row.sex else Sex.UNKNOWN,
        birth_year=row.birth_year, nationality=row.nationality, border_post=row.border_post,
        detected_on=decode(row.detected_on, date), score=score, reasons=reasons,
    )


def _duplicate_keys(forms: Sequence[Sequence[Token]], fields: Mapping[str, Any],
                    table: NameTable) -> list[tuple[str, int, int, int, float]]:
    """The exact keys a likely duplicate shares, as (key, group, word, words needed, weight).

    A group is one of the person's names (a candidate needs two of its words, or its only
    word); its words weigh 1 / the name's length. Documents and the phone form group -1:
    one is enough, and it weighs 2. Parts of compound names are left out: "Ben Ali" is not
    "Ali".
    """
    keyed: list[tuple[str, int, int, int, float]] = []
    for f, form in enumerate(forms):
        need, weight = min(2, len(form)), 1.0 / len(form)
        for w, token in enumerate(form):
            groups = table.groups_of(token)
            keys = {TOKEN + s for s in token.spellings()} | {GROUP + g for g in groups}
            # as in the search: a known name's one-consonant keys (AL) read thousands of cases
            keys |= {SKELETON + k for k in skeletons(token) if not groups or len(k.lstrip("A")) >= 2}
            keyed += [(key, f, w, need, weight) for key in sorted(keys)]
        for w, (first, second) in enumerate(zip(form, form[1:])):
            for key in sorted(pair_skeletons(first, second)):
                keyed += [(SKELETON + key, f, w, need, weight), (SKELETON + key, f, w + 1, need, weight)]
    identifiers = []
    for document in fields.get("prs_Documents") or ():
        code = compact(document.get("number", "")) if isinstance(document, dict) else ""
        if code:
            identifiers.append(DOCUMENT + code)
    phone = phone_digits(fields.get("prs_MobilePhone") or "")
    if len(phone) >= 6:
        identifiers.append(PHONE + phone)
    keyed += [(key, -1, i, 1, 2.0) for i, key in enumerate(identifiers)]
    return keyed


def _mutual_name_score(forms: Sequence[Sequence[Token]], others: Sequence[Sequence[Token]], table: NameTable,
                       cache: dict[tuple[str, str], float]) -> tuple[float, tuple[str, ...]]:
    """How well two persons' names match both ways (the weaker direction counts), best pair
    of names (Latin, Arabic, aliases) on each side."""
    best, kinds = 0.0, ()
    for mine in forms:
        for theirs in others:
            if not theirs:
                continue
            there = form_match(mine, theirs, table)
            back = form_match(theirs, mine, table)
            score = min(there.score, back.score)
            if score > best:
                best, kinds = score, there.kinds
    return best, kinds


def _same_phone(mine: str, theirs: Any) -> bool:
    a, b = phone_digits(mine), phone_digits(theirs if isinstance(theirs, str) else "")
    return len(a) >= 8 and len(b) >= 8 and a[-9:] == b[-9:]


def _birth_evidence(person: Person, other: Mapping[str, Any], today: date) -> tuple[float, str | None]:
    """Score and reason from what both records say about age (contradictions cost)."""
    their_date = _date(other.get("prs_Birthdate"))
    their_year = other.get("prs_BirthYear") if isinstance(other.get("prs_BirthYear"), int) else None
    if their_year is None and their_date is not None:
        their_year = their_date.year
    my_year = person.birth_year or (person.birth_date.year if person.birth_date else None)
    if person.birth_date and their_date:
        if person.birth_date == their_date:
            return 0.2, SAME_BIRTH_DATE
        if person.birth_date.year == their_date.year:
            return 0.0, None  # two different dates of the same year: neither for nor against
    if my_year is not None and their_year is not None:
        gap = abs(my_year - their_year)
        if gap == 0:
            return 0.15, SAME_BIRTH_YEAR
        if gap == 1:
            return 0.07, NEAR_BIRTH_YEAR
        return (0.0, None) if gap == 2 else (-0.25, None)
    their_band = _band(other.get("prs_AgeBand"))
    if their_band is None and their_year is not None:
        their_band = AgeBand.for_age(max(0, today.year - their_year))
    mine = person.effective_age_band(today)
    if mine is not None and their_band is not None and mine is their_band:
        return 0.05, SAME_AGE_BAND
    return 0.0, None


def _date(raw: Any) -> date | None:
    try:
        return date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def _band(raw: Any) -> AgeBand | None:
    try:
        return AgeBand(raw) if raw else None
    except ValueError:
        return None
