"""From what the sync facade says (its status, a result, an error) to the status bar's facts.

The client says what stood in the way of a sync as a code (``SyncResult.error_code``, one of
those of ``sync.errors``), kept in the store for the next unlock too. The status bar words
the code in the interface language; the client's English detail (the hub's reason, a URL)
is kept for whoever hovers over the status.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, Mapping

from sync import errors
from ui.qt.sync.admin import describe_error
from ui.qt.sync.texts import (
    FAILED, NEVER, NOT_CONFIGURED, OK, PENDING, REVOKED, STOPPED, UNREACHABLE, SyncState, parse_time,
)

#: The client's summary of a sync that went through (``SyncClient._finish``): figures, no error.
_DONE = re.compile(r"^sent (\d+), received (\d+), conflicts (\d+)$")
_CANCELLED = re.compile(r"^cancelled: sent (\d+), received (\d+)$")


def _failure(code: str, detail: str, previous_at: datetime | None, counts: dict[str, int]) -> SyncState:
    """What a sync that met ``code`` shows: an unreachable hub keeps the time of the last success."""
    if code == errors.UNREACHABLE:
        return SyncState(UNREACHABLE, previous_at, **counts, problem=code, detail=detail)
    if code == errors.REVOKED:
        return SyncState(REVOKED, previous_at, **counts)
    if code == errors.PENDING:
        return SyncState(PENDING, previous_at, **counts)
    return SyncState(FAILED, previous_at, **counts, problem=code or errors.FAILED, detail=detail)


def from_status(configured: bool, status: Mapping[str, Any]) -> SyncState:
    """The state to show at unlock, before any sync of this session."""
    if not configured:
        return SyncState(NOT_CONFIGURED)
    device = str(status.get("status") or "")
    at = parse_time(status.get("last_sync_at"))
    conflicts = int(status.get("conflicts", 0) or 0)
    held = int(status.get("held", 0) or 0)
    if device == "revoked":
        return SyncState(REVOKED)
    if device == "pending":
        return SyncState(PENDING)
    last = str(status.get("last_result") or "")
    code = str(status.get("last_error_code") or "")
    if at is None:
        return SyncState(NEVER, conflicts=conflicts, held=held)
    if not code:
        done = _DONE.match(last)
        if done:
            pushed, pulled, _conflicts = (int(n) for n in done.groups())
            return SyncState(OK, at, pushed, pulled, conflicts, held)
        stopped = _CANCELLED.match(last)
        if stopped:
            return SyncState(STOPPED, at, int(stopped.group(1)), int(stopped.group(2)), conflicts, held)
        if not last:
            return SyncState(OK, at, conflicts=conflicts, held=held)
    # The last attempt failed: its time is not that of a success, so none is claimed.
    # (A store synced before codes were kept has its English text only: "failed".)
    return _failure(code or errors.FAILED, last, None, dict(conflicts=conflicts, held=held))


def from_result(result: Any, previous: SyncState, *, stopped: bool = False,
                now: datetime | None = None) -> SyncState:
    """A finished (or stopped) sync: its figures, or what stood in its way."""
    now = now or datetime.now(timezone.utc)
    counts = dict(pushed=int(getattr(result, "pushed", 0) or 0), pulled=int(getattr(result, "pulled", 0) or 0),
                  conflicts=int(getattr(result, "conflicts", 0) or 0), held=int(getattr(result, "held", 0) or 0))
    status = str(getattr(result, "status", "") or "")
    error = str(getattr(result, "error", None) or "")
    code = str(getattr(result, "error_code", None) or "")
    if status == "revoked":
        return SyncState(REVOKED, previous.at, **counts)
    if status == "pending":
        return SyncState(PENDING, previous.at, **counts)
    if stopped or getattr(result, "cancelled", False):
        return SyncState(STOPPED, previous.at, **counts)
    if code == errors.UNREACHABLE:
        return replace(previous, kind=UNREACHABLE, problem=code, detail=error)
    if code or error:
        return _failure(code or errors.FAILED, error, previous.at, counts)
    return SyncState(OK, now, **counts)


def from_error(exc: BaseException, previous: SyncState) -> SyncState:
    """A sync that raised (the client reports most failures in its result instead)."""
    if isinstance(exc, errors.HubUnreachable):
        return replace(previous, kind=UNREACHABLE, problem=errors.UNREACHABLE, detail=describe_error(exc))
    if isinstance(exc, errors.DeviceRevoked):
        return SyncState(REVOKED, previous.at)
    if isinstance(exc, errors.DevicePending):
        return SyncState(PENDING, previous.at)
    if isinstance(exc, errors.NotEnrolled):
        return SyncState(NOT_CONFIGURED)
    return SyncState(FAILED, previous.at, problem=errors.code_of(exc), detail=describe_error(exc))


def stops_automatic(state: SyncState) -> bool:
    """Nothing to gain by asking again every few minutes: the secretariat must act first
    (revoked), or there is no hub to ask."""
    return state.kind in (REVOKED, NOT_CONFIGURED)
