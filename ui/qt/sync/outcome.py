"""From what the sync facade says (its status, a result, an error) to the status bar's facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, Mapping

from ui.qt.lang import render_error
from ui.qt.sync.texts import (
    FAILED, NEVER, NOT_CONFIGURED, OK, PENDING, REVOKED, STOPPED, UNREACHABLE, SyncState, parse_time,
)

#: Error classes of ``sync.errors`` by name: the status bar must not need the client to import.
_UNREACHABLE = {"HubUnreachable"}
_REVOKED = {"DeviceRevoked"}
_PENDING = {"DevicePending"}


def _kind_of(exc: BaseException) -> str | None:
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & _UNREACHABLE:
        return UNREACHABLE
    if names & _REVOKED:
        return REVOKED
    if names & _PENDING:
        return PENDING
    return None


def from_status(configured: bool, status: Mapping[str, Any]) -> SyncState:
    """The state to show at unlock, before any sync of this session."""
    if not configured:
        return SyncState(NOT_CONFIGURED)
    device = str(status.get("status") or "")
    at = parse_time(status.get("last_sync_at"))
    if device == "revoked":
        return SyncState(REVOKED, at)
    if device == "pending":
        return SyncState(PENDING, at)
    last = status.get("last_result")
    counts = last if isinstance(last, Mapping) else {}
    return SyncState(OK if at else NEVER, at, pushed=int(counts.get("pushed", 0) or 0),
                     pulled=int(counts.get("pulled", 0) or 0), conflicts=int(status.get("conflicts", 0) or 0),
                     held=int(counts.get("held", 0) or 0))


def from_result(result: Any, previous: SyncState, *, stopped: bool = False,
                now: datetime | None = None) -> SyncState:
    """A finished (or stopped) sync: its figures, or what stood in its way."""
    now = now or datetime.now(timezone.utc)
    counts = dict(pushed=int(getattr(result, "pushed", 0) or 0), pulled=int(getattr(result, "pulled", 0) or 0),
                  conflicts=int(getattr(result, "conflicts", 0) or 0), held=int(getattr(result, "held", 0) or 0))
    status = str(getattr(result, "status", "") or "")
    error = getattr(result, "error", None)
    if status == "revoked":
        return SyncState(REVOKED, previous.at, **counts)
    if status == "pending":
        return SyncState(PENDING, previous.at, **counts)
    if status in ("not_configured", "unconfigured"):
        return SyncState(NOT_CONFIGURED)
    if stopped:
        return SyncState(STOPPED, previous.at, **counts)
    if status == "unreachable":
        return replace(previous, kind=UNREACHABLE, detail=str(error or ""))
    if error:
        return SyncState(FAILED, previous.at, **counts, detail=str(error))
    return SyncState(OK, now, **counts)


def from_error(exc: BaseException, previous: SyncState) -> SyncState:
    kind = _kind_of(exc)
    if kind == UNREACHABLE:
        return replace(previous, kind=UNREACHABLE)
    if kind in (REVOKED, PENDING):
        return SyncState(kind, previous.at)
    detail = getattr(exc, "detail", None)
    return SyncState(FAILED, previous.at, detail=str(detail) if detail else render_error(exc))


def stops_automatic(state: SyncState) -> bool:
    """Nothing to gain by asking again every few minutes: the secretariat must act first
    (revoked), or there is no hub to ask."""
    return state.kind in (REVOKED, NOT_CONFIGURED)

