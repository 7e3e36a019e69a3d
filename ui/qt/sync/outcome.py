"""From what the sync facade says (its status, a result, an error) to the status bar's facts.

The client reports a failure inside its result as text rendered from one of the typed
errors of ``sync.errors`` (in English, so the command line and the log can show it). The
status bar reads that text back against those errors' templates: it knows an unreachable
hub from a refusal, and shows the message in the interface language (the hub's own
``detail`` stays as the hub wrote it).
"""

from __future__ import annotations

import re
import string
from dataclasses import replace
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Mapping

from sync import errors
from ui.qt.lang import trf
from ui.qt.sync.admin import describe_error
from ui.qt.sync.texts import (
    FAILED, NEVER, NOT_CONFIGURED, OK, PENDING, REVOKED, STOPPED, UNREACHABLE, SyncState, parse_time,
)

#: The client's summary of a sync that went through (``SyncClient._finish``).
_DONE = re.compile(r"^sent (\d+), received (\d+), conflicts (\d+)$")
_CANCELLED = re.compile(r"^cancelled: sent (\d+), received (\d+)$")


@lru_cache(maxsize=1)
def _templates() -> tuple[tuple[type, re.Pattern[str]], ...]:
    """Each error class of ``sync.errors`` with a pattern matching its English message;
    the most specific classes first (``SyncError``'s own template matches almost anything)."""
    found = []
    for value in vars(errors).values():
        if isinstance(value, type) and issubclass(value, errors.SyncError):
            pattern = ""
            for literal, name, _spec, _conversion in string.Formatter().parse(value.template):
                pattern += re.escape(literal)
                if name:
                    pattern += f"(?P<{name}>.*)"
            found.append((value, re.compile(f"^{pattern}$", re.DOTALL)))
    found.sort(key=lambda item: item[0] is errors.SyncError)
    return tuple(found)


def read_error(text: str) -> tuple[type | None, str]:
    """(the error class it came from, the message in the interface language)."""
    for cls, pattern in _templates():
        match = pattern.match(text)
        if match:
            return cls, trf(cls.template, **match.groupdict())
    return None, text


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
    if at is None:
        return SyncState(NEVER, conflicts=conflicts, held=held)
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
    cls, message = read_error(last)
    kind = UNREACHABLE if cls is errors.HubUnreachable else FAILED
    return SyncState(kind, None, conflicts=conflicts, held=held, detail=message)


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
    if stopped or getattr(result, "cancelled", False):
        return SyncState(STOPPED, previous.at, **counts)
    if error:
        cls, message = read_error(str(error))
        if cls is errors.HubUnreachable:
            return replace(previous, kind=UNREACHABLE, detail=message)
        return SyncState(FAILED, previous.at, **counts, detail=message)
    return SyncState(OK, now, **counts)


def from_error(exc: BaseException, previous: SyncState) -> SyncState:
    """A sync that raised (the client reports most failures in its result instead)."""
    if isinstance(exc, errors.HubUnreachable):
        return replace(previous, kind=UNREACHABLE, detail=describe_error(exc))
    if isinstance(exc, errors.DeviceRevoked):
        return SyncState(REVOKED, previous.at)
    if isinstance(exc, errors.DevicePending):
        return SyncState(PENDING, previous.at)
    if isinstance(exc, errors.NotEnrolled):
        return SyncState(NOT_CONFIGURED)
    return SyncState(FAILED, previous.at, detail=describe_error(exc))


def stops_automatic(state: SyncState) -> bool:
    """Nothing to gain by asking again every few minutes: the secretariat must act first
    (revoked), or there is no hub to ask."""
    return state.kind in (REVOKED, NOT_CONFIGURED)
