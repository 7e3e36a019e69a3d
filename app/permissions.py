"""The role × action matrix of SECURITY.md, checked by every service.

The UI may hide what a role cannot do, but the decision is made here.
"""

from __future__ import annotations

from enum import Enum

from app.domain.values import ROLE_LABELS, Role
from app.errors import PermissionDenied
from app.text import N_


class Action(str, Enum):
    CREATE_CASE = "create_case"
    RUN_SCREENING = "run_screening"
    RECORD_RISK_CONSENT = "record_risk_consent"
    URGENT_REFERRAL = "urgent_referral"
    CASE_WORK = "case_work"
    VIEW_CASES = "view_cases"
    RESOLVE_CONFLICTS = "resolve_conflicts"
    APPROVE_CLOSURE = "approve_closure"
    EXPORT_CASE_PDF = "export_case_pdf"
    EXPORT_STATISTICS = "export_statistics"
    MANAGE_USERS = "manage_users"
    PUBLISH_AND_ENROL = "publish_and_enrol"
    MERGE_CASES = "merge_cases"


ACTION_LABELS = {
    Action.CREATE_CASE: N_("create a case"),
    Action.RUN_SCREENING: N_("run a screening"),
    Action.RECORD_RISK_CONSENT: N_("record risk and consent"),
    Action.URGENT_REFERRAL: N_("make an urgent referral"),
    Action.CASE_WORK: N_("case work (services, follow-up, notes)"),
    Action.VIEW_CASES: N_("see cases"),
    Action.RESOLVE_CONFLICTS: N_("resolve sync conflicts"),
    Action.APPROVE_CLOSURE: N_("approve a closure"),
    Action.EXPORT_CASE_PDF: N_("export a case summary"),
    Action.EXPORT_STATISTICS: N_("export anonymised statistics"),
    Action.MANAGE_USERS: N_("manage the users of this device"),
    Action.PUBLISH_AND_ENROL: N_("publish checklists and enrol devices"),
    Action.MERGE_CASES: N_("merge two cases of the same person"),
}

_B, _W, _S, _X = Role.BORDER_OFFICER, Role.SOCIAL_WORKER, Role.SUPERVISOR, Role.SECRETARIAT

MATRIX: dict[Action, frozenset[Role]] = {
    Action.CREATE_CASE: frozenset({_B, _W, _S}),
    Action.RUN_SCREENING: frozenset({_B, _W, _S}),
    Action.RECORD_RISK_CONSENT: frozenset({_B, _W, _S}),
    Action.URGENT_REFERRAL: frozenset({_B, _W, _S}),
    Action.CASE_WORK: frozenset({_W, _S}),
    Action.VIEW_CASES: frozenset({_B, _W, _S, _X}),
    Action.RESOLVE_CONFLICTS: frozenset({_S}),
    Action.APPROVE_CLOSURE: frozenset({_S}),
    Action.EXPORT_CASE_PDF: frozenset({_S, _X}),
    Action.EXPORT_STATISTICS: frozenset({_S, _X}),
    Action.MANAGE_USERS: frozenset({_S, _X}),
    Action.PUBLISH_AND_ENROL: frozenset({_X}),
    Action.MERGE_CASES: frozenset({_S}),
}


class Visibility(str, Enum):
    """Which cases a role sees (the 'see cases of own scope' row)."""

    OWN_POST = "own_post"
    OWN_SCOPE = "own_scope"
    ALL_SCOPES = "all_scopes"


VISIBILITY: dict[Role, Visibility] = {
    _B: Visibility.OWN_POST,
    _W: Visibility.OWN_SCOPE,
    _S: Visibility.OWN_SCOPE,
    _X: Visibility.ALL_SCOPES,
}


def allowed(role: Role, action: Action) -> bool:
    return role in MATRIX[action]


def require(role: Role, action: Action) -> None:
    if not allowed(role, action):
        raise PermissionDenied(role=ROLE_LABELS[role], action=ACTION_LABELS[action])
