"""The role × action matrix, walked cell by cell against SECURITY.md.

The table below is transcribed by hand from SECURITY.md ("Roles"), independently of
``app.permissions``: a change to either the design or the code makes a cell disagree.
"""

from __future__ import annotations

import pytest

from app.domain.values import ROLE_LABELS, Role
from app.errors import PermissionDenied
from app.permissions import ACTION_LABELS, MATRIX, VISIBILITY, Action, Visibility, allowed, require

SECURITY_MD_ROLES = """
| action | border officer | social worker | supervisor | secretariat |
|---|---|---|---|---|
| create case, run screening, record risk and consent | yes | yes | yes | no |
| urgent referral | yes | yes | yes | no |
| full case work: services, follow-up, notes | no | yes | yes | no |
| see cases of own scope | own post | own scope | own scope | all scopes |
| resolve sync conflicts, approve closure | no | no | yes | no |
| export case summary PDF | no | no | yes | yes |
| anonymised statistics | no | no | yes | yes |
| manage local users | no | no | yes | yes |
| publish checklists and service directory, enrol and revoke devices | no | no | no | yes |
| merge two cases of the same person | no | no | yes | no |
"""

ROW_ACTIONS = {
    "create case, run screening, record risk and consent":
        (Action.CREATE_CASE, Action.RUN_SCREENING, Action.RECORD_RISK_CONSENT),
    "urgent referral": (Action.URGENT_REFERRAL,),
    "full case work: services, follow-up, notes": (Action.CASE_WORK,),
    "see cases of own scope": (Action.VIEW_CASES,),
    "resolve sync conflicts, approve closure": (Action.RESOLVE_CONFLICTS, Action.APPROVE_CLOSURE),
    "export case summary PDF": (Action.EXPORT_CASE_PDF,),
    "anonymised statistics": (Action.EXPORT_STATISTICS,),
    "manage local users": (Action.MANAGE_USERS,),
    "publish checklists and service directory, enrol and revoke devices": (Action.PUBLISH_AND_ENROL,),
    # Not in SECURITY.md yet: issue 6 gives merging duplicate cases to supervisors only.
    "merge two cases of the same person": (Action.MERGE_CASES,),
}

COLUMN_ROLES = {
    "border officer": Role.BORDER_OFFICER,
    "social worker": Role.SOCIAL_WORKER,
    "supervisor": Role.SUPERVISOR,
    "secretariat": Role.SECRETARIAT,
}

CELL_VISIBILITY = {
    "own post": Visibility.OWN_POST,
    "own scope": Visibility.OWN_SCOPE,
    "all scopes": Visibility.ALL_SCOPES,
}


def _parse() -> tuple[dict[tuple[Role, Action], bool], dict[Role, Visibility]]:
    lines = [line.strip() for line in SECURITY_MD_ROLES.strip().splitlines()]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    roles = [COLUMN_ROLES[name] for name in header[1:]]
    expected: dict[tuple[Role, Action], bool] = {}
    visibility: dict[Role, Visibility] = {}
    for line in lines[2:]:
        label, *cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert len(cells) == len(roles), line
        for role, cell in zip(roles, cells):
            if cell in CELL_VISIBILITY:
                visibility[role] = CELL_VISIBILITY[cell]
                grant = True
            else:
                assert cell in ("yes", "no"), cell
                grant = cell == "yes"
            for action in ROW_ACTIONS[label]:
                assert (role, action) not in expected, "an action on two rows"
                expected[(role, action)] = grant
    return expected, visibility


EXPECTED, EXPECTED_VISIBILITY = _parse()
CELLS = [(role, action) for action in Action for role in Role]


def test_the_transcription_covers_every_action_and_role():
    assert {action for _, action in EXPECTED} == set(Action)
    assert {role for role, _ in EXPECTED} == set(Role)
    assert len(EXPECTED) == len(Role) * len(Action)


def test_matrix_has_a_row_for_every_action_and_nothing_else():
    assert set(MATRIX) == set(Action)
    for roles in MATRIX.values():
        assert roles <= set(Role)


@pytest.mark.parametrize("role,action", CELLS, ids=[f"{r.value}-{a.value}" for r, a in CELLS])
def test_each_cell_matches_security_md(role, action):
    assert allowed(role, action) is EXPECTED[(role, action)]


def test_whole_matrix_matches_security_md():
    derived = {action: frozenset(r for r in Role if EXPECTED[(r, action)]) for action in Action}
    assert MATRIX == derived


@pytest.mark.parametrize("role,action", CELLS, ids=[f"{r.value}-{a.value}" for r, a in CELLS])
def test_require_agrees_with_allowed(role, action):
    if EXPECTED[(role, action)]:
        assert require(role, action) is None
    else:
        with pytest.raises(PermissionDenied) as excinfo:
            require(role, action)
        assert excinfo.value.params == {"role": ROLE_LABELS[role], "action": ACTION_LABELS[action]}
        assert ROLE_LABELS[role] in str(excinfo.value)
        assert ACTION_LABELS[action] in str(excinfo.value)


def test_visibility_per_role_matches_security_md():
    assert VISIBILITY == EXPECTED_VISIBILITY
    assert VISIBILITY[Role.BORDER_OFFICER] is Visibility.OWN_POST
    assert VISIBILITY[Role.SECRETARIAT] is Visibility.ALL_SCOPES


def test_secretariat_does_no_field_work():
    field_work = {Action.CREATE_CASE, Action.RUN_SCREENING, Action.RECORD_RISK_CONSENT,
                  Action.URGENT_REFERRAL, Action.CASE_WORK, Action.APPROVE_CLOSURE}
    assert not any(allowed(Role.SECRETARIAT, a) for a in field_work)


def test_only_the_secretariat_publishes_and_enrols():
    assert MATRIX[Action.PUBLISH_AND_ENROL] == frozenset({Role.SECRETARIAT})


def test_every_action_and_role_has_a_label():
    assert set(ACTION_LABELS) == set(Action)
    assert set(ROLE_LABELS) == set(Role)
    assert all(label.strip() for label in ACTION_LABELS.values())
