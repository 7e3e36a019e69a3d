"""What the search index holds for a case, and how typed text becomes index lookups.

The index (kept by ``storage``) is a set of ``(key, case id)`` rows. A key is a kind prefix
and a value, so one B-tree serves every kind and a prefix search is a range scan:

====  ====================================================================================
t:    a word of a name, normalised (every spelling: joined, without the article, after a
      family particle): ``t:mohamed``, ``t:العلوي``, ``t:علوي``
k:    a cross-script skeleton of a word, or of two adjacent words written as one:
      ``k:MHMD``, ``k:FTMZHR``
g:    a curated group of equivalent names: ``g:yusuf``
f:    a whole name exactly (each of the person's names): ``f:mohamed elalaoui``
c:    the case number, upper case without separators: ``c:HMY20260DE0AB00042``
s:    the case number's serial without leading zeros: ``s:42``
d:    a document number, upper case, letters and digits only: ``d:AB1234567``
p:    the mobile phone's digits (without +), and its last 9 digits: ``p:212612345678``,
      ``p:612345678``
n:    the nationality: ``n:SN``
b:    the border post: ``b:TNG-MED``
====  ====================================================================================

Every name of the person is indexed: the Latin and the Arabic name and each other name.
``record_keys`` says what a case stores (from the stored field dictionaries of the case and
its person, so a migration can index old rows without decoding them); ``plan`` turns a
query into ``Term`` s, each with the ``Lookup`` s that may satisfy it (a case matches the
query when every term has a hit). Both are pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Mapping, Sequence

from app.names import (
    NameTable, Token, name_tokens, pair_skeletons, skeletons, typed_skeletons,
)
from app.domain.case import Case
from app.domain.person import Person
from app.resources import border_posts, country_codes, name_equivalents

TOKEN, SKELETON, GROUP, WHOLE = "t:", "k:", "g:", "f:"
NUMBER, SERIAL, DOCUMENT, PHONE, NATIONALITY, POST = "c:", "s:", "d:", "p:", "n:", "b:"

#: Tiers of a lookup, strongest first: the search scores the strongest candidates first.
EXACT_TIER, VARIANT_TIER, PREFIX_TIER, ATTRIBUTE_TIER, FUZZY_TIER = 0, 1, 2, 3, 4

_MAX_WORDS = 6  # words of one name that are indexed (a longer "name" is free text)
_CASE_NUMBER = re.compile(r"^HMY\d{4}[0-9A-Z]{4,8}\d{5,}$")
_CASE_NUMBER_START = re.compile(r"^HMY[-\s]?\d", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[\d\s().-]{6,}$")
_ALNUM = re.compile(r"[^0-9A-Z]")


@lru_cache(maxsize=1)
def default_table() -> NameTable:
    """The shipped table of equivalent names (``resources/names/equivalents.json``)."""
    return NameTable(name_equivalents())


# --- identifiers ----------------------------------------------------------------------------

def compact(text: str) -> str:
    """Upper case, letters and digits only: how numbers are compared (AB-123 456 → AB123456)."""
    return _ALNUM.sub("", text.upper()) if isinstance(text, str) else ""


def phone_digits(phone: str) -> str:
    """The digits of an international number, without the +."""
    return "".join(c for c in phone if c.isdigit()) if isinstance(phone, str) else ""


def phone_keys(phone: str | None) -> set[str]:
    digits = phone_digits(phone or "")
    if len(digits) < 6:
        return set()
    return {PHONE + digits, PHONE + digits[-9:]}


def case_number_keys(number: str) -> set[str]:
    code = compact(number)
    keys = {NUMBER + code}
    serial = number.rsplit("-", 1)[-1]
    if serial.isdigit():
        keys.add(SERIAL + str(int(serial)))
    return keys


# --- what a case stores ---------------------------------------------------------------------

def word_keys(token: Token, table: NameTable) -> set[str]:
    """The keys of one word of a name (all its spellings, skeletons, groups, parts)."""
    keys = {TOKEN + form for form in token.spellings()}
    keys |= {TOKEN + part for part in token.parts}
    keys |= {SKELETON + key for key in skeletons(token)}
    for part in token.parts:
        keys |= {SKELETON + key for key in skeletons(part)}
    keys |= {GROUP + group for group in table.groups_of(token)}
    if token.script == "ar" and token.text.startswith("ال") and len(token.text) >= 4:
        keys.add(TOKEN + token.text[2:])
    return keys


def name_keys(names: Iterable[str], table: NameTable | None = None) -> set[str]:
    """Keys of every word of each name, and of each pair of adjacent words written as one."""
    table = table or default_table()
    keys: set[str] = set()
    for name in names:
        tokens = name_tokens(name)[:_MAX_WORDS]
        for token in tokens:
            keys |= word_keys(token, table)
        for first, second in zip(tokens, tokens[1:]):
            keys |= {SKELETON + key for key in pair_skeletons(first, second)}
        if tokens:
            keys.add(WHOLE + whole_name(tokens))
    return keys


def whole_name(tokens: Sequence[Token]) -> str:
    """A whole name as one key value: its words, normalised and joined, in order."""
    return " ".join(token.text for token in tokens)



_P = Person.WIRE
_C = Case.WIRE


def names_of(person: Mapping[str, Any]) -> list[str]:
    """The names in a person's field dictionary: Latin, Arabic, and each other name."""
    def joined(*wire: str) -> str:
        return " ".join(str(person[w]) for w in wire if person.get(w))

    names = [joined(_P["first_name"], _P["second_name"]), joined(_P["first_name_ar"], _P["second_name_ar"])]
    names += [str(n) for n in person.get(_P["other_names"]) or () if n]
    return [n for n in names if n]


def person_keys(person: Mapping[str, Any], table: NameTable | None = None) -> set[str]:
    """Keys of a person (field dictionary, as stored): names, documents, phone, nationality."""
    keys = name_keys(names_of(person), table)
    for document in person.get(_P["documents"]) or ():
        code = compact(document.get("number", "")) if isinstance(document, Mapping) else ""
        if code:
            keys.add(DOCUMENT + code)
    phone = person.get(_P["mobile_phone"])
    keys |= phone_keys(phone if isinstance(phone, str) else None)
    nationality = person.get(_P["nationality"])
    if isinstance(nationality, str) and nationality:
        keys.add(NATIONALITY + nationality)
    return keys


def record_keys(case: Mapping[str, Any], person: Mapping[str, Any], table: NameTable | None = None) -> frozenset[str]:
    """Everything the index holds for one case and its person (their field dictionaries)."""
    keys = person_keys(person, table)
    number = case.get(_C["case_number"])
    if isinstance(number, str):
        keys |= case_number_keys(number)
    post = case.get(_C["border_post"])
    if isinstance(post, str) and post:
        keys.add(POST + post)
    return frozenset(keys)


#: The person fields the index reads: a change to any other field leaves the keys alone.
PERSON_FIELDS = tuple(_P[a] for a in ("first_name", "second_name", "first_name_ar", "second_name_ar",
                                       "other_names", "documents", "mobile_phone", "nationality"))
CASE_FIELDS = (_C["case_number"], _C["border_post"], _C["person_id"])


@dataclass(frozen=True)
class Candidate:
    """A case the index reads found for a query, before its names are compared."""

    case_id: str
    terms: int  # how many of the query's terms it hit
    promise: float  # the sum, over those terms, of what their best hit promises
    kinds: Mapping[int, frozenset[str]]  # term index → the kinds of key that hit it ("t:", "c:" …)


@dataclass(frozen=True)
class SearchRow:
    """What the store hands back for ranking one candidate case (visibility already applied).

    ``person`` is the person's whole field dictionary when it was asked for (duplicates).
    """

    case_id: str
    case_number: str
    state: str
    border_post: str | None
    detected_on: str
    scope_id: str
    person_id: str
    name_ar: str
    name_latin: str
    other_names: tuple[str, ...]
    sex: str | None
    nationality: str | None
    birth_year: int | None
    closure_reason: str | None
    person: Mapping[str, Any] | None = None

    def names(self) -> list[str]:
        return [n for n in (self.name_latin, self.name_ar, *self.other_names) if n]


# --- what a query looks up ------------------------------------------------------------------

@dataclass(frozen=True)
class Lookup:
    """One index read: the rows whose key equals ``key``, or starts with it (``prefix``)."""

    key: str
    prefix: bool = False
    tier: int = EXACT_TIER


@dataclass(frozen=True)
class Term:
    """One word (or number) of a query: a case matches it when any of its lookups hits.

    ``token`` is set for a word of a name (``token_index`` is its place among the query's
    name words); ``kind`` says what else it may be: ``case_number``, ``phone``, ``number``,
    ``document``, ``post``.
    """

    text: str
    lookups: tuple[Lookup, ...]
    token: Token | None = None
    token_index: int | None = None
    kind: str = "name"
    value: str = ""  # the normalised identifier (digits, code) for the non-name kinds


@dataclass(frozen=True)
class QueryPlan:
    terms: tuple[Term, ...]
    tokens: tuple[Token, ...] = field(default=())  # the name words, in order, for ranking
    typing: bool = False

    def __bool__(self) -> bool:
        return bool(self.terms)


def plan(text: str, *, typing: bool = True, table: NameTable | None = None) -> QueryPlan:
    """The lookups of a query. ``typing``: the last word may be incomplete (as-you-type).

    Case numbers (HMY-…, or its start), phone numbers, border post codes and words with
    digits (document numbers, serials) are taken whole; the rest is read as a name. A
    one-letter name word (other than the last, being typed) is ignored.
    """
    table = table or default_table()
    if not isinstance(text, str):
        return QueryPlan(())
    chunks = text.split()
    typing = typing and bool(text) and not text[-1].isspace()
    terms: list[Term] = []
    name_parts: list[str] = []
    if _looks_like_phone(text.strip()):
        return QueryPlan((_phone_term(text.strip()),), typing=typing)
    for index, chunk in enumerate(chunks):
        identifier = _identifier_term(chunk, last=index == len(chunks) - 1, typing=typing)
        if identifier is not None:
            terms.append(identifier)
        else:
            name_parts.append(chunk)
    tokens = name_tokens(" ".join(name_parts))
    name_terms = _name_terms(tokens, table, typing)
    return QueryPlan(tuple(terms) + tuple(name_terms), tokens=tuple(t for t in tokens), typing=typing)


def _looks_like_phone(text: str) -> bool:
    """+212 6…, 00212…, 06 12 34 56 78: a phone number, even with spaces in it."""
    if not _PHONE.match(text):
        return False
    digits = phone_digits(text)
    return len(digits) >= 8 and (text.startswith(("+", "0")) or not text.isdigit())


def _phone_term(text: str) -> Term:
    digits = phone_digits(text)
    if digits.startswith("00"):
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = digits[1:]
    return Term(text, (Lookup(PHONE + digits, prefix=True),), kind="phone", value=digits)


def _identifier_term(chunk: str, *, last: bool, typing: bool) -> Term | None:
    code = compact(chunk)
    if not code:
        return None
    if _CASE_NUMBER_START.match(chunk):
        exact = bool(_CASE_NUMBER.match(code)) and not (last and typing)
        return Term(chunk, (Lookup(NUMBER + code, prefix=not exact),), kind="case_number", value=code)
    if chunk.upper() in border_posts():
        return Term(chunk, (Lookup(POST + chunk.upper()),), kind="post", value=chunk.upper())
    if not any(c.isdigit() for c in code) or _arabizi(chunk):
        return None
    lookups = []
    if code.isdigit():
        if len(code) <= 7:
            lookups.append(Lookup(SERIAL + str(int(code))))
        if len(code.lstrip("0")) >= 4:
            lookups.append(Lookup(PHONE + code.lstrip("0"), prefix=True, tier=PREFIX_TIER))
    if len(code) >= 3:
        lookups.append(Lookup(DOCUMENT + code, prefix=True))
    if not lookups:
        return None
    return Term(chunk, tuple(lookups), kind="number" if code.isdigit() else "document", value=code)


def _arabizi(chunk: str) -> bool:
    """A name written with Arabizi digits (Mo7amed, 3aicha), not a document number."""
    digits = [c for c in chunk if c.isdigit()]
    letters = [c for c in chunk if c.isalpha()]
    return len(letters) >= 2 and len(digits) <= 2 and all(d in "2356789" for d in digits) and not chunk.isupper()


def _name_terms(tokens: Sequence[Token], table: NameTable, typing: bool) -> list[Term]:
    terms: list[Term] = []
    whole = Lookup(WHOLE + whole_name(tokens)) if tokens else None  # the whole name, exactly
    pairs = [pair_skeletons(a, b) for a, b in zip(tokens, tokens[1:])]
    for i, token in enumerate(tokens):
        last = i == len(tokens) - 1
        prefix = typing and last
        if len(token.text) < 2 and not prefix:
            continue
        lookups = [Lookup(TOKEN + form, prefix=prefix and len(form) >= 2) for form in token.spellings()]
        if whole is not None:
            lookups.append(whole)
        if token.script == "ar" and token.text.startswith("ال") and len(token.text) >= 4:
            lookups.append(Lookup(TOKEN + token.text[2:], prefix=prefix))
        groups = table.groups_of(token)
        # A one-consonant key (Ali, Alaoui: AL) reads thousands of cases; a known name finds
        # its spellings through its group instead.
        lookups += [Lookup(SKELETON + key, tier=VARIANT_TIER) for key in skeletons(token)
                    if not groups or len(key.lstrip("A")) >= 2]
        if prefix:
            lookups += [Lookup(SKELETON + key, prefix=True, tier=PREFIX_TIER)
                        for key in typed_skeletons(token) if len(key.lstrip("A")) >= 2]
        lookups += [Lookup(GROUP + group, tier=VARIANT_TIER) for group in groups]
        for j in (i - 1, i):  # two query words written as one in the name
            if 0 <= j < len(pairs):
                lookups += [Lookup(SKELETON + key, tier=VARIANT_TIER) for key in pairs[j]]
        if len(token.text) == 2 and token.text.upper() in country_codes():
            lookups.append(Lookup(NATIONALITY + token.text.upper(), tier=ATTRIBUTE_TIER))
        # A prefix of one or two letters would read a large part of the index; the exact
        # word and its skeleton are enough until a third letter is typed.
        lookups = [lk for lk in lookups if not (lk.prefix and len(lk.key) < 4)]
        terms.append(Term(token.text, tuple(dict.fromkeys(lookups)), token=token, token_index=i))
    return terms


_ALPHABET = "BTJGHXDZRSCFKLMNWY"


def fuzzy_lookups(token: Token) -> tuple[Lookup, ...]:
    """Skeletons one consonant away (one missing, extra, wrong or swapped): typing errors."""
    found: set[str] = set()
    for key in skeletons(token):
        lead, body = ("A", key[1:]) if key.startswith("A") else ("", key)
        if len(body) < 3:
            continue
        for i in range(len(body)):
            found.add(lead + body[:i] + body[i + 1:])
            for c in _ALPHABET:
                found.add(lead + body[:i] + c + body[i + 1:])
                found.add(lead + body[:i] + c + body[i:])
            if i + 1 < len(body):
                found.add(lead + body[:i] + body[i + 1] + body[i] + body[i + 2:])
        for c in _ALPHABET:
            found.add(lead + body + c)
        found.discard(key)
    return tuple(Lookup(SKELETON + key, tier=FUZZY_TIER) for key in sorted(found))
