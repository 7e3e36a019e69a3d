"""The NRM case lifecycle as one explicit transition table.

Each row says which move is possible, which permission it needs, and which guards must
hold. ``check`` returns every reason a move is refused, so a worker sees all of them at
once; ``available`` lists what a role may do next from a state (the UI shows only those).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from app.domain.values import STATE_LABELS, CaseState, ClosureReason, Role
from app.errors import TransitionRefused
from app.permissions import Action, allowed
from app.text import N_

S = CaseState
MIN_REASON = 10


@dataclass(frozen=True)
class CaseFacts:
    """What the guards look at; built by the service from the store."""

    role: Role
    screening_consent: bool = False
    screening_outcome: CaseState | None = None
    referral_consent: bool = False
    reason: str | None = None
    closure_reason: ClosureReason | None = None

    @property
    def has_reason(self) -> bool:
        return bool(self.reason and len(self.reason.strip()) >= MIN_REASON)


@dataclass(frozen=True)
class Guard:
    name: str
    holds: Callable[[CaseFacts, CaseState], bool]
    refusal: str  # msgid shown when the guard does not hold


SCREENING_CONSENT = Guard(
    "screening_consent",
    lambda f, _t: f.screening_consent,
    N_("the person's consent to the screening has not been recorded"),
)
OUTCOME_RECORDED = Guard(
    "outcome_recorded",
    lambda f, target: f.screening_outcome is target or f.has_reason,
    N_("no completed screening recommends this outcome; record the screening, or explain (e.g. a paper form) in the reason"),
)
REFERRAL_CONSENT = Guard(
    "referral_consent",
    lambda f, _t: f.referral_consent,
    N_("there is no consent to a referral, nor a recorded child best-interests or danger-to-life override"),
)
REASON = Guard(
    "reason",
    lambda f, _t: f.has_reason,
    N_("give the reason for this move (at least 10 characters)"),
)
CLOSURE_REASON = Guard(
    "closure_reason",
    lambda f, _t: f.closure_reason is not None,
    N_("choose a closure reason"),
)


@dataclass(frozen=True)
class Transition:
    source: CaseState
    target: CaseState
    action: Action
    guards: tuple[Guard, ...] = ()


def _rows(sources: tuple[CaseState, ...], target: CaseState, action: Action, *guards: Guard) -> list[Transition]:
    return [Transition(s, target, action, guards) for s in sources]


_ASSISTED = (S.PRESUMED_VICTIM, S.REFERRED, S.ACCEPTED, S.IN_ASSISTANCE, S.FOLLOW_UP)

TABLE: tuple[Transition, ...] = tuple(
    _rows((S.DETECTED, S.URGENT_PROTECTION), S.SCREENING, Action.RUN_SCREENING, SCREENING_CONSENT)
    + _rows((S.SCREENING,), S.NO_INDICATORS, Action.RUN_SCREENING, OUTCOME_RECORDED)
    + _rows((S.SCREENING,), S.OTHER_VULNERABILITY, Action.RUN_SCREENING, OUTCOME_RECORDED)
    + _rows((S.SCREENING,), S.PRESUMED_VICTIM, Action.RUN_SCREENING, OUTCOME_RECORDED)
    # Emergency protection is never blocked by consent; it needs only a stated reason.
    + _rows((S.DETECTED, S.SCREENING, S.PRESUMED_VICTIM), S.URGENT_PROTECTION, Action.URGENT_REFERRAL, REASON)
    + _rows((S.URGENT_PROTECTION,), S.REFERRED, Action.URGENT_REFERRAL, REFERRAL_CONSENT)
    + _rows((S.PRESUMED_VICTIM, S.OTHER_VULNERABILITY, S.FORMALLY_IDENTIFIED), S.REFERRED,
            Action.CASE_WORK, REFERRAL_CONSENT)
    + _rows((S.REFERRED,), S.ACCEPTED, Action.CASE_WORK)
    + _rows((S.REFERRED,), S.PRESUMED_VICTIM, Action.CASE_WORK, REASON)  # declined: refer elsewhere
    + _rows((S.ACCEPTED, S.FORMALLY_IDENTIFIED), S.IN_ASSISTANCE, Action.CASE_WORK)
    + _rows((S.IN_ASSISTANCE,), S.FOLLOW_UP, Action.CASE_WORK)
    + _rows((S.FOLLOW_UP,), S.IN_ASSISTANCE, Action.CASE_WORK, REASON)
    + _rows(_ASSISTED, S.FORMALLY_IDENTIFIED, Action.CASE_WORK, REASON)
    + _rows(_ASSISTED + (S.URGENT_PROTECTION, S.FORMALLY_IDENTIFIED), S.TRANSFERRED, Action.CASE_WORK, REASON)
    + _rows((S.NO_INDICATORS, S.OTHER_VULNERABILITY) + _ASSISTED + (S.FORMALLY_IDENTIFIED,), S.CLOSED,
            Action.APPROVE_CLOSURE, CLOSURE_REASON)
    + _rows((S.CLOSED, S.TRANSFERRED), S.FOLLOW_UP, Action.APPROVE_CLOSURE, REASON)  # reopen
)

_BY_MOVE: dict[tuple[CaseState, CaseState], Transition] = {(t.source, t.target): t for t in TABLE}
assert len(_BY_MOVE) == len(TABLE), "duplicate rows in the transition table"


def find(source: CaseState, target: CaseState) -> Transition | None:
    return _BY_MOVE.get((source, target))


def refusals(source: CaseState, target: CaseState, facts: CaseFacts) -> list[str]:
    """Every reason (msgid) why ``source → target`` is refused; empty when it is allowed."""
    row = find(source, target)
    if row is None:
        return [N_("this move is not part of the referral mechanism's lifecycle")]
    reasons: list[str] = []
    if not allowed(facts.role, row.action):
        reasons.append(N_("your role may not do this step"))
    reasons.extend(g.refusal for g in row.guards if not g.holds(facts, target))
    return reasons


def check(source: CaseState, target: CaseState, facts: CaseFacts) -> Transition:
    reasons = refusals(source, target, facts)
    if reasons:
        raise TransitionRefused(STATE_LABELS[source], STATE_LABELS[target], reasons)
    row = find(source, target)
    assert row is not None
    return row


def available(source: CaseState, role: Role) -> list[Transition]:
    """The moves from ``source`` that ``role`` may make (guards are checked on the move)."""
    return [t for t in TABLE if t.source is source and allowed(role, t.action)]
