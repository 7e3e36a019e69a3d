"""Words for the codes the case screens show (msgids marked with N_, translated on display).

The core stores stable codes; people read these labels. Reference names (countries, posts,
agencies) come from the shipped reference files, which carry ar/fr/en names.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterable

from babel.lists import format_list

from app.domain.audit import AuditAction, AuditEntry
from app.domain.labels import (  # noqa: F401 - the screens import the shared tables from here
    CLOSURE_REASON_LABELS, CONSENT_DECISION_LABELS, CONSENT_KIND_LABELS, OVERRIDE_LABELS, PERSON_FIELD_LABELS,
    RISK_LEVEL_LABELS, RISK_QUESTIONS, RISK_STAGE_LABELS, SEX_LABELS, SYNC_AUDIT_LABELS, URGENT_FLAG_LABELS,
)
from app.domain.values import (
    STATE_LABELS, AgeBand, CaseState, ClosureReason, ConsentDecision, ConsentKind, OverrideBasis,
)
from app.resources import agencies, border_posts, load_json
from app.text import N_
from i18n import BABEL_LOCALES
from ui.qt.lang import language, tr, trf

#: The closure reasons a supervisor may choose ("merged" is set only by a merge).
CLOSURE_CHOICES = {reason: label for reason, label in CLOSURE_REASON_LABELS.items()
                   if reason is not ClosureReason.MERGED}

RISK_LEVEL_QUESTIONS = {
    "retrafficking_risk": N_("Risk of re-trafficking"),
    "return_risk": N_("Risks on return"),
}

#: Flags that make the banner red rather than amber: a life may be at stake now.
DANGER_FLAGS = frozenset({"immediate_danger", "controller_nearby", "medical_urgency"})

_AUDIT_LABELS = {
    AuditAction.CASE_CREATED: N_("Case registered"),
    AuditAction.CASE_VIEWED: N_("Case file viewed"),
    AuditAction.CASE_UPDATED: N_("Case details changed"),
    AuditAction.CASE_IMPORTED: N_("Case imported from a file"),
    AuditAction.NOTE_ADDED: N_("Note added"),
    AuditAction.SCREENING_STARTED: N_("Screening started"),
    AuditAction.SCREENING_SAVED: N_("Screening answers saved"),
    AuditAction.SCREENING_COMPLETED: N_("Screening completed"),
    AuditAction.EXPORT: N_("Case exported"),
    AuditAction.DEMO_DATA: N_("Demonstration case created"),
    AuditAction.CONFIRMED_DIFFERENT: N_("Confirmed as a different person from a case that looked alike"),
    AuditAction.CASE_MERGED: N_("Another case of the same person was merged into this case"),
    AuditAction.CASE_MERGED_INTO: N_("Merged into another case of the same person"),
}


def age_band_label(band: AgeBand) -> str:
    return trf("{band} years", band=band.value)


def join(items: Iterable[str]) -> str:
    """A list in the language's own way ("a, b and c", "a، b و c")."""
    items = list(items)
    if not items:
        return ""
    return format_list(items, locale=BABEL_LOCALES.get(language.code, "en"))


def state_label(state: CaseState) -> str:
    return tr(STATE_LABELS[state])


@lru_cache(maxsize=1)
def _countries() -> tuple[dict[str, str], ...]:
    return tuple(load_json("reference/countries.json")["countries"])


def countries() -> list[tuple[str, str]]:
    """(code, name in the interface language), sorted by name."""
    lang = language.code
    rows = [(c["code"], c.get(lang) or c["en"]) for c in _countries()]
    return sorted(rows, key=lambda row: row[1].casefold())


def country_name(code: str | None) -> str:
    for entry in _countries():
        if entry["code"] == code:
            return entry.get(language.code) or entry["en"]
    return code or ""


def post_name(code: str | None) -> str:
    post = border_posts().get(code or "")
    return (post.get(language.code) or post["en"]) if post else (code or "")


def agency_name(code: str | None) -> str:
    agency = agencies().get(code or "")
    return (agency.get(language.code) or agency["en"]) if agency else (code or "")




def audit_text(entry: AuditEntry) -> str:
    """One audit entry of a case in words."""
    action, details = entry.event.action, dict(entry.event.details)
    if action == AuditAction.CASE_TRANSITION:
        source, target = _state(details.get("from")), _state(details.get("to"))
        reason = details.get("closure_reason")
        if reason and reason in {r.value for r in ClosureReason}:
            label = CLOSURE_REASON_LABELS[ClosureReason(reason)]
            return trf("Case moved from {source} to {target} (closure reason: {reason})",
                       source=source, target=target, reason=tr(label))
        return trf("Case moved from {source} to {target}", source=source, target=target)
    if action == AuditAction.PERSON_UPDATED:
        fields = [tr(PERSON_FIELD_LABELS[f]) for f in details.get("fields", []) if f in PERSON_FIELD_LABELS]
        if fields:
            return trf("Personal details changed: {fields}", fields=join(fields))
        return tr("Personal details changed")
    if action == AuditAction.RISK_RECORDED:
        return tr("Risk assessment recorded (urgent)") if details.get("urgent") else tr("Risk assessment recorded")
    if action in (AuditAction.CONSENT_RECORDED, AuditAction.CONSENT_OVERRIDE):
        kind = _label(CONSENT_KIND_LABELS, ConsentKind, details.get("kind"))
        decision = _label(CONSENT_DECISION_LABELS, ConsentDecision, details.get("decision"))
        if action == AuditAction.CONSENT_OVERRIDE:
            basis = _label(OVERRIDE_LABELS, OverrideBasis, details.get("override"))
            return trf("Consent recorded: {kind}, {decision}, with an override ({basis})",
                       kind=kind, decision=decision, basis=basis)
        return trf("Consent recorded: {kind}, {decision}", kind=kind, decision=decision)
    if action == AuditAction.CASE_MERGED and details.get("merged_case_number"):
        return trf("Case {number} was merged into this case", number=details["merged_case_number"])
    if action == AuditAction.CASE_MERGED_INTO and details.get("keep_case_number"):
        return trf("Merged into case {number}", number=details["keep_case_number"])
    if action in _AUDIT_LABELS:
        return tr(_AUDIT_LABELS[action])
    if action in SYNC_AUDIT_LABELS:
        return trf(SYNC_AUDIT_LABELS[action], version=details.get("version", "?"))
    return trf("Other recorded action ({code})", code=action)


def _state(code: Any) -> str:
    try:
        return state_label(CaseState(code))
    except ValueError:
        return str(code)


def _label(labels: dict, enum: Any, code: Any) -> str:
    try:
        return tr(labels[enum(code)])
    except (ValueError, KeyError):
        return str(code)
