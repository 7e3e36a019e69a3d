"""Words for what a conflict is about: the record, the field and each value, in the UI language.

A conflict names a field by its stored (wire) name, ``prs_FirstName``; people read the
label the case screens use for it. A field with no label here is shown by its wire name,
isolated left to right, rather than not at all.
"""

from __future__ import annotations

import json
import types
import typing
from datetime import date, datetime
from enum import Enum
from functools import lru_cache
from typing import Any, Mapping

from app.domain.case import Case, Consent, Note, RiskAssessment
from app.domain.labels import (
    CLOSURE_REASON_LABELS, CONSENT_DECISION_LABELS, CONSENT_KIND_LABELS, OVERRIDE_LABELS, PERSON_FIELD_LABELS,
    RISK_LEVEL_LABELS, RISK_QUESTIONS, RISK_STAGE_LABELS, SEX_LABELS,
)
from app.domain.link import CaseLink
from app.domain.person import Person
from app.domain.referral import FollowUpTask, Referral, ServiceReceived
from app.domain.screening import Screening
from app.domain.values import STATE_LABELS
from app.text import N_
from i18n.bidi import isolate, isolate_ltr
from i18n.formatting import format_date, format_datetime
from ui.qt.cases.labels import RISK_LEVEL_QUESTIONS, agency_name, country_name, join, post_name
from ui.qt.lang import language, tr, trf

RECORD_CLASSES: dict[str, type] = {cls.RECORD_TYPE: cls for cls in (  # type: ignore[attr-defined]
    Case, Person, Screening, RiskAssessment, Consent, Note, Referral, ServiceReceived, FollowUpTask, CaseLink)}

RECORD_LABELS = {
    "case": N_("Case"),
    "person": N_("Person"),
    "screening": N_("Screening"),
    "risk": N_("Risk assessment"),
    "consent": N_("Consent"),
    "note": N_("Note"),
    "referral": N_("Referral"),
    "service": N_("Service received"),
    "task": N_("Follow-up task"),
    "case_link": N_("Linked cases"),
}

#: (record type, attribute) → label; the attributes any record may have are under "*".
_FIELD_LABELS: dict[tuple[str, str], str] = {
    **{("person", name): msgid for name, msgid in PERSON_FIELD_LABELS.items()},
    **{("risk", name): msgid for name, msgid in {**RISK_QUESTIONS, **RISK_LEVEL_QUESTIONS}.items()},
    ("risk", "stage"): N_("Stage"),
    ("risk", "summary"): N_("Summary"),
    ("case", "case_number"): N_("Case number"),
    ("case", "state"): N_("State"),
    ("case", "scope_id"): N_("Scope"),
    ("case", "border_post"): N_("Border post"),
    ("case", "office"): N_("Office"),
    ("case", "detecting_agency"): N_("Detecting agency"),
    ("case", "detected_on"): N_("Detected on"),
    ("case", "closed_at"): N_("Closed on"),
    ("case", "closure_reason"): N_("Closure reason"),
    ("case", "assigned_to"): N_("Assigned to"),
    ("consent", "decision"): N_("Decision"),
    ("referral", "provider_id"): N_("Provider"),
    ("referral", "provider_name"): N_("Provider"),
    ("referral", "urgency"): N_("Urgency"),
    ("referral", "status"): N_("Status"),
    ("referral", "categories"): N_("Category"),
    ("service", "category"): N_("Category"),
    ("service", "description"): N_("Description"),
    ("service", "received_on"): N_("Received on"),
    ("task", "title"): N_("Title"),
    ("task", "due_on"): N_("Due on"),
    ("task", "assigned_to"): N_("Assigned to"),
    ("*", "status"): N_("Status"),
    ("*", "languages"): N_("Languages"),
}

_ENUM_LABELS: dict[type, dict] = {}
for _table in (SEX_LABELS, STATE_LABELS, CLOSURE_REASON_LABELS, CONSENT_KIND_LABELS, CONSENT_DECISION_LABELS,
               OVERRIDE_LABELS, RISK_STAGE_LABELS, RISK_LEVEL_LABELS):
    _ENUM_LABELS[type(next(iter(_table)))] = _table

#: Attributes holding a code of the reference files, shown by its name.
_REFERENCE_NAMES = {"border_post": post_name, "detecting_agency": agency_name, "nationality": country_name}


def record_label(record_type: str) -> str:
    msgid = RECORD_LABELS.get(record_type)
    return tr(msgid) if msgid else isolate_ltr(record_type)


@lru_cache(maxsize=None)
def _attribute(record_type: str, wire_name: str) -> str | None:
    cls = RECORD_CLASSES.get(record_type)
    if cls is None:
        return None
    for name, wire in cls.WIRE.items():  # type: ignore[attr-defined]
        if wire == wire_name:
            return name
    return None


def field_label(record_type: str, wire_name: str) -> str:
    """The field as the case screens name it, else its stored name (left to right)."""
    name = _attribute(record_type, wire_name)
    msgid = _FIELD_LABELS.get((record_type, name or ""), _FIELD_LABELS.get(("*", name or "")))
    return tr(msgid) if msgid else isolate_ltr(wire_name)


@lru_cache(maxsize=None)
def field_type(record_type: str, wire_name: str) -> Any:
    """The attribute's type without ``None`` (``str``, an ``Enum``, ``bool``, ``date`` …), or None."""
    name = _attribute(record_type, wire_name)
    if name is None:
        return None
    hint = typing.get_type_hints(RECORD_CLASSES[record_type]).get(name)
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return args[0] if len(args) == 1 else None
    return hint


def enum_labels(kind: Any) -> dict | None:
    """The {member: msgid} table of an enum type the screens label, else None."""
    return _ENUM_LABELS.get(kind) if isinstance(kind, type) and issubclass(kind, Enum) else None


def value_text(record_type: str, wire_name: str, value: Any) -> str:
    """A stored value as a reader should see it (a label, a date, Yes/No), isolated for bidi."""
    if value is None or value == "" or value == []:
        return tr("(empty)")
    kind = field_type(record_type, wire_name)
    name = _attribute(record_type, wire_name) or ""
    if isinstance(value, bool):
        return tr("Yes") if value else tr("No")
    labels = enum_labels(kind)
    if labels is not None:
        try:
            return tr(labels[kind(value)])
        except (ValueError, KeyError):
            return isolate(value)
    if name in _REFERENCE_NAMES and isinstance(value, str):
        return isolate(_REFERENCE_NAMES[name](value))
    if isinstance(value, str) and kind is date:
        try:
            return format_date(date.fromisoformat(value), language.code)
        except ValueError:
            return isolate(value)
    if isinstance(value, str) and kind is datetime:
        return when_text(value)
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return join(isolate(v) for v in value)
    if isinstance(value, (dict, list)):
        return isolate_ltr(_compact(value))
    return isolate(value)


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def when_text(written_at: str | datetime | None) -> str:
    """A UTC ISO time (as writes carry it) as a local date and time in Moroccan format."""
    if not written_at:
        return tr("Time not known")
    if isinstance(written_at, datetime):
        moment = written_at
    else:
        try:
            moment = datetime.fromisoformat(written_at.replace("Z", "+00:00"))
        except ValueError:
            return isolate(written_at)
    return format_datetime(moment, language.code)


SHORT_ID = 8


def device_text(device: str, names: Mapping[str, str], this_device: str | None) -> str:
    """A device by its name when known, always with the start of its id (left to right)."""
    short = isolate_ltr(device[:SHORT_ID])
    if device == this_device:
        return trf("This device ({id})", id=short)
    name = names.get(device)
    return trf("{name} ({id})", name=name, id=short) if name else short


def author_text(actor: str) -> str:
    """Who wrote a value: a user name of the writing device (Latin, left to right)."""
    return isolate_ltr(actor) if actor else tr("Not known")


def editable_kind(record_type: str, wire_name: str) -> str:
    """How a supervisor may give a new value: "text" (typed), "choice" (a list), or "" (only pick one)."""
    kind = field_type(record_type, wire_name)
    if kind is str:
        return "text"
    if kind is bool or enum_labels(kind) is not None:
        return "choice"
    return ""


def choices(record_type: str, wire_name: str) -> list[tuple[Any, str]]:
    """(stored value, label) for a field whose values come from a list."""
    kind = field_type(record_type, wire_name)
    if kind is bool:
        return [(True, tr("Yes")), (False, tr("No"))]
    labels = enum_labels(kind) or {}
    return [(member.value, tr(msgid)) for member, msgid in labels.items()]
