"""Which table holds each record type, and the columns the lists filter and sort on.

The record itself is stored whole as its field dictionary (``data``, HTCDS field names)
beside ``dots``: for every field, the dots of the writes that made its current value.
A few columns are copied out of ``data`` for indexes; they are always written together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from app.domain.case import Case, Consent, Note, RiskAssessment
from app.domain.link import CaseLink
from app.domain.person import Person
from app.domain.referral import FollowUpTask, Provider, Referral, ServiceReceived
from app.domain.screening import Screening
from app.domain.user import User
from storage.migrations import search_text


@dataclass(frozen=True)
class Table:
    name: str
    cls: type
    columns: dict[str, Callable[[Any, dict[str, Any]], Any]]  # column → (record, fields) → value


def _case_child(name: str, cls: type, at_field: str) -> Table:
    return Table(name, cls, {
        "case_id": lambda r, f: r.case_id,
        "at": lambda r, f: f[at_field],
    })


TABLES: dict[type, Table] = {
    Person: Table("persons", Person, {
        "name_ar": lambda r, f: r.display_name_ar,
        "name_latin": lambda r, f: r.display_name_latin,
        "sex": lambda r, f: r.sex.value,
        "nationality": lambda r, f: r.nationality,
        "search_text": lambda r, f: search_text(f),
    }),
    Case: Table("cases", Case, {
        "case_number": lambda r, f: r.case_number,
        "person_id": lambda r, f: r.person_id,
        "scope_id": lambda r, f: r.scope_id,
        "state": lambda r, f: r.state.value,
        "border_post": lambda r, f: r.border_post,
        "detected_on": lambda r, f: f["hmy_DetectedOn"],
        "opened_at": lambda r, f: f["cas_OpenedDate"],
        "assigned_to": lambda r, f: r.assigned_to,
    }),
    RiskAssessment: _case_child("risks", RiskAssessment, "hmy_AssessedAt"),
    Consent: _case_child("consents", Consent, "hmy_RecordedAt"),
    Note: _case_child("notes", Note, "hmy_WrittenAt"),
    Screening: Table("screenings", Screening, {
        "case_id": lambda r, f: r.case_id,
        "at": lambda r, f: f["hmy_StartedAt"],
        "status": lambda r, f: r.status.value,
    }),
    Provider: Table("providers", Provider, {
        "name": lambda r, f: r.name_fr,
        "region": lambda r, f: r.region_code,
        "active": lambda r, f: int(r.active),
    }),
    Referral: Table("referrals", Referral, {
        "case_id": lambda r, f: r.case_id,
        "at": lambda r, f: f["cas_ReferralDate"],
        "status": lambda r, f: r.status.value,
        "provider_id": lambda r, f: r.provider_id,
    }),
    ServiceReceived: _case_child("services", ServiceReceived, "hmy_RecordedAt"),
    FollowUpTask: Table("tasks", FollowUpTask, {
        "case_id": lambda r, f: r.case_id,
        "at": lambda r, f: f["hmy_CreatedAt"],
        "due_on": lambda r, f: f["hmy_DueOn"],
        "assigned_to": lambda r, f: r.assigned_to,
        "done": lambda r, f: int(r.done),
    }),
    CaseLink: Table("case_links", CaseLink, {
        "case_id": lambda r, f: r.case_id,
        "other_case_id": lambda r, f: r.other_case_id,
        "kind": lambda r, f: r.kind.value,
        "at": lambda r, f: f["hmy_LinkedAt"],
    }),
    User: Table("users", User, {
        "username": lambda r, f: r.username,
        "role": lambda r, f: r.role.value,
        "disabled": lambda r, f: int(r.disabled),
    }),
}

BY_RECORD_TYPE: dict[str, Table] = {t.cls.RECORD_TYPE: t for t in TABLES.values()}  # type: ignore[attr-defined]
