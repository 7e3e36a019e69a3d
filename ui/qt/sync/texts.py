"""The sentences of the sync status: what the last sync did, when, and what stands in the way.

Kept apart from the widgets so that a language switch re-renders the same facts, and so
the wording can be read (and tested) in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from app.text import N_
from sync import errors
from i18n.bidi import isolate
from i18n.formatting import format_datetime, format_number
from ui.qt.cases.labels import join
from ui.qt.lang import language, ntr, tr, trf

#: What the last attempt ran into (``SyncState.kind``); UNKNOWN until the store was read.
UNKNOWN = "unknown"
NEVER, OK, UNREACHABLE, REVOKED, PENDING, NOT_CONFIGURED, FAILED, STOPPED = (
    "never", "ok", "unreachable", "revoked", "pending", "not_configured", "failed", "stopped")

#: The stages ``SyncClient`` reports through ``progress(stage, done, total)``.
STAGE_LABELS = {
    "status": N_("asking the hub"),
    "held": N_("opening changes kept aside"),
    "pack": N_("preparing changes"),
    "push": N_("sending"),
    "pull": N_("receiving"),
}


#: What stood in the way of a sync (``SyncResult.error_code``), in words; the client's English
#: detail shows on hover. An unreachable hub, a revoked or a pending device have a state of their own.
PROBLEMS = {
    errors.REFUSED: N_("Sync failed: the hub refused the request"),
    errors.PROTOCOL: N_("Sync failed: the hub's answer could not be used"),
    errors.BUSY: N_("Another sync of this device is already running"),
    errors.KEYS_MISSING: N_("Some changes wait on this device: it has no key for their scope yet"),
    errors.PUBLICATION_REFUSED: N_("A published directory or checklist was refused: the one in use stays"),
    errors.FAILED: N_("Sync failed"),
}


def problem_text(code: str) -> str:
    return tr(PROBLEMS.get(code, PROBLEMS[errors.FAILED]))


@dataclass(frozen=True)
class SyncState:
    """What the status bar says about sync, as facts (no text)."""

    kind: str = UNKNOWN
    at: datetime | None = None  # the last successful sync
    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0
    held: int = 0
    detail: str = ""  # a failure's reason in full (the client's English detail), shown on hover
    problem: str = ""  # what stood in the way (a code of ``sync.errors``), worded by ``problem_text``


def parse_time(value: Any) -> datetime | None:
    """A time as the store or the hub keeps it: ISO text (UTC) or Unix seconds."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()):
        return datetime.fromtimestamp(float(value), timezone.utc)
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def ago(moment: datetime, now: datetime | None = None) -> str:
    """ "just now", "3 minutes ago", "2 hours ago", or the date and time."""
    now = now or datetime.now(timezone.utc)
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return tr("just now")
    minutes = int(seconds // 60)
    if minutes < 60:
        return ntr("{count} minute ago", "{count} minutes ago", minutes).format(count=isolate(minutes))
    hours = minutes // 60
    if hours < 24:
        return ntr("{count} hour ago", "{count} hours ago", hours).format(count=isolate(hours))
    return trf("on {date}", date=format_datetime(moment, language.code))


def counts_text(state: SyncState) -> str:
    """ "12 sent, 40 received, 1 conflict" (conflicts and held changes only when there are some)."""
    lang = language.code
    parts = [ntr("{count} sent", "{count} sent", state.pushed).format(count=isolate(format_number(state.pushed, lang))),
             ntr("{count} received", "{count} received", state.pulled).format(
                 count=isolate(format_number(state.pulled, lang)))]
    if state.conflicts:
        parts.append(ntr("{count} conflict", "{count} conflicts", state.conflicts).format(
            count=isolate(format_number(state.conflicts, lang))))
    if state.held:
        parts.append(ntr("{count} change waits for a key", "{count} changes wait for a key", state.held).format(
            count=isolate(format_number(state.held, lang))))
    return join(parts)


def last_synced(state: SyncState, now: datetime | None = None) -> str:
    return trf("last synced {when}", when=ago(state.at, now)) if state.at else ""


def status_text(state: SyncState, now: datetime | None = None, *, may_connect: bool = False) -> str:
    """The one line of the status bar (``may_connect``: this user may connect the laptop to a hub)."""
    if state.kind == UNKNOWN:
        return ""
    if state.kind == NOT_CONFIGURED:
        if may_connect:
            return tr("Sync not configured: connect this laptop to the hub from the Sync menu")
        return tr("Sync not configured: a supervisor can connect this laptop to the hub")
    if state.kind == REVOKED:
        return tr("This device was revoked: it no longer syncs")
    if state.kind == PENDING:
        return tr("Waiting for the secretariat to approve this device")
    if state.kind == UNREACHABLE:
        return trf("Hub unreachable ({last})", last=last_synced(state, now)) if state.at else tr("Hub unreachable")
    if state.kind == FAILED:
        return problem_text(state.problem)
    if state.kind == STOPPED:
        return trf("Sync stopped: {counts}", counts=counts_text(state))
    if state.kind == OK and state.at is not None:
        return trf("Synced {when}: {counts}", when=ago(state.at, now), counts=counts_text(state))
    return tr("Not synced yet")


def progress_text(stage: str, done: int, total: int) -> str:
    msgid = STAGE_LABELS.get(stage)
    what = tr(msgid) if msgid else tr("syncing")
    lang = language.code
    if total > 0:
        return trf("Syncing: {what} ({done} of {total})", what=what, done=format_number(done, lang),
                   total=format_number(total, lang))
    if done > 0:  # how many there are is not known in advance (the feed is read in pages)
        return trf("Syncing: {what} ({done})", what=what, done=format_number(done, lang))
    return trf("Syncing: {what}…", what=what)


def wiped_title() -> str:
    """The title of the notice shown once a revoked device erased its store."""
    return tr("This device was revoked")


def wiped_text() -> str:
    """What the erasing did and did not reach (shown over the first-start page)."""
    return tr("The secretariat revoked this device. Its cases, its keys and the backups kept in its store folder "
              "were erased from this computer, and no passphrase opens them again.\n\n"
              "Files exported or copied elsewhere before (reports, PDFs, backup files) were not erased.")
