"""The case import format (``himaya-cases``, version 1), validated as a whole.

```json
{"format": "himaya-cases", "version": 1,
 "cases": [
   {"person": {"prs_FirstName": "Aminata", "prs_SecondName": "Traoré",
               "prs_FirstNameAr": "أميناتا", "prs_Gender": "Female",
               "prs_BirthYear": 1999, "prs_Nationality": "ML", "prs_Languages": ["fr", "bm"]},
    "case": {"hmy_BorderPost": "TNG-MED", "hmy_DetectingAgency": "DGSN",
             "hmy_DetectedOn": "2026-03-14"},
    "notes": ["Met at the port with an interpreter."]}
 ]}
```
Person fields are those of ``Person.WIRE`` (HTCDS names); ``case`` takes
``hmy_BorderPost``, ``hmy_Office``, ``hmy_DetectingAgency`` and ``hmy_DetectedOn``; cases
start in the state *detected*. Unknown keys are refused (a typo must not silently drop
data). Every entry is checked before anything is written: one bad entry refuses the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from app import strict_json
from app.domain.checks import Checker, new_id
from app.domain.codec import decode, from_fields
from app.domain.person import Person
from app.errors import ImportRejected, ValidationError
from app.resources import agencies, border_posts

FORMAT = "himaya-cases"
VERSION = 1
MAX_BYTES = 64 * 1024 * 1024
MAX_CASES = 200_000
CASE_KEYS = {"hmy_BorderPost", "hmy_Office", "hmy_DetectingAgency", "hmy_DetectedOn"}
ENTRY_KEYS = {"person", "case", "notes"}


@dataclass(frozen=True)
class ImportEntry:
    person: Person
    border_post: str | None
    office: str | None
    detecting_agency: str | None
    detected_on: date | None
    notes: tuple[str, ...]


def parse(raw: bytes) -> list[ImportEntry]:
    """Parse and validate a whole import file; ``ImportRejected`` names the first problems."""
    if len(raw) > MAX_BYTES:
        raise ImportRejected(reason=f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        doc = strict_json.loads(raw)
    except strict_json.JsonRefused as exc:
        raise ImportRejected(reason=str(exc)) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ImportRejected(reason=f"not a '{FORMAT}' file")
    if doc.get("version") != VERSION:
        raise ImportRejected(reason=f"unsupported version {doc.get('version')!r} (this Himaya reads {VERSION})")
    cases = doc.get("cases")
    if not isinstance(cases, list) or not cases:
        raise ImportRejected(reason="'cases' must be a non-empty list")
    if len(cases) > MAX_CASES:
        raise ImportRejected(reason=f"more than {MAX_CASES} cases in one file")
    entries: list[ImportEntry] = []
    problems: list[str] = []
    for index, item in enumerate(cases, start=1):
        try:
            entries.append(_entry(item))
        except ValidationError as exc:
            problems.append(f"case {index}: " + "; ".join(f"{e.field}: {e.render()}" for e in exc.errors))
        except (TypeError, ValueError, KeyError) as exc:
            problems.append(f"case {index}: {exc}")
        if len(problems) >= 5:
            break
    if problems:
        raise ImportRejected(reason=" | ".join(problems))
    return entries


def _entry(item: Any) -> ImportEntry:
    if not isinstance(item, dict):
        raise TypeError("each case must be an object")
    unknown = set(item) - ENTRY_KEYS
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}")
    person_raw = item.get("person")
    if not isinstance(person_raw, dict):
        raise TypeError("'person' must be an object")
    unknown = set(person_raw) - set(Person.WIRE.values())
    if unknown:
        raise ValueError(f"unknown person fields {sorted(unknown)}")
    person = _person(person_raw)
    case_raw = item.get("case", {})
    if not isinstance(case_raw, dict):
        raise TypeError("'case' must be an object")
    unknown = set(case_raw) - CASE_KEYS
    if unknown:
        raise ValueError(f"unknown case fields {sorted(unknown)}")
    post = decode(case_raw.get("hmy_BorderPost"), str | None)
    office = decode(case_raw.get("hmy_Office"), str | None)
    agency = decode(case_raw.get("hmy_DetectingAgency"), str | None)
    detected = decode(case_raw.get("hmy_DetectedOn"), date | None)
    if post is None and office is None:
        raise ValueError("the case needs hmy_BorderPost or hmy_Office")
    if post is not None and post not in border_posts():
        raise ValueError(f"unknown border post {post!r}")
    if agency is not None and agency not in agencies():
        raise ValueError(f"unknown agency {agency!r}")
    if detected is not None and detected > date.today():
        raise ValueError("hmy_DetectedOn is in the future")
    notes = item.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(n, str) and n.strip() for n in notes):
        raise TypeError("'notes' must be a list of non-empty texts")
    # The rules the Case and Note records apply when written, checked here so a bad entry
    # refuses the file with its number (and not half-way through the transaction).
    checker = Checker()
    checker.date_not_future("hmy_DetectedOn", detected)
    checker.text("hmy_Office", office, max_len=120)
    for i, text in enumerate(notes, start=1):
        checker.text(f"notes.{i}", text, max_len=20000, required=True)
    checker.done()
    return ImportEntry(person, post, office, agency, detected, tuple(notes))


def _person(raw: dict[str, Any]) -> Person:
    """The person of an entry; a value of the wrong type is refused with its field named."""
    try:
        return from_fields(Person, new_id(), raw)
    except (TypeError, ValueError) as exc:
        for wire_name, value in raw.items():  # which field: decode each alone
            try:
                from_fields(Person, new_id(), {wire_name: value})
            except (TypeError, ValueError):
                raise type(exc)(f"{wire_name}: {exc}") from None
            except ValidationError:
                continue  # a rule about the whole person, checked with all fields above
        raise
