"""The secretariat's publications, put in effect on this device.

The sync client saves the latest publication of each kind it received and verified against
the realm's key in the sync settings (``publication_checklist``, ``publication_directory``:
version, payload, signature). This service puts it in effect at the end of a sync and at
unlock: a directory replaces the service directory (``ReferralService.apply_published_directory``),
a checklist becomes the newest version new screenings use (``ScreeningService.apply_published_checklist``).

Versions only grow: a publication whose version is not above the one already put in effect
(or refused) is ignored. A payload that does not read right is refused with its reason, kept
in the settings and audited, and changes nothing. Checklists put in effect are kept in the
sync settings, inside the encrypted store (never in a file), and loaded again at each unlock,
so screenings made on them can still be read and finished.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from app.domain.audit import AuditAction, AuditEvent
from app.errors import ChecklistInvalid, ValidationError
from app.ports import SyncStore
from app.screening.checklist import Checklist, load_checklist
from app.services.referrals import ReferralService
from app.services.screening import ScreeningService

KINDS = ("checklist", "directory")
#: Setting holding every published checklist put in effect: [{"version": n, "payload": b64}, …].
CHECKLISTS_IN_USE = "published_checklists"


def received_key(kind: str) -> str:
    return f"publication_{kind}"  # written by the sync client after verifying the signature


def applied_key(kind: str) -> str:
    return f"publication_{kind}_applied"


def refused_key(kind: str) -> str:
    return f"publication_{kind}_refused"


@dataclass(frozen=True)
class Outcome:
    kind: str
    version: int
    applied: bool
    reason: str = ""  # why it was refused

    @property
    def warning(self) -> str | None:
        """One line for the sync's result when refused (technical, like the client's)."""
        return None if self.applied else f"the published {self.kind} (version {self.version}) was refused: " \
                                         f"{self.reason}"


class PublicationService:
    """``state`` is the sync settings (``config``/``set_config``); audit entries go to the
    store of ``referrals``."""

    def __init__(self, state: SyncStore, referrals: ReferralService, screenings: ScreeningService) -> None:
        self.state = state
        self.referrals = referrals
        self.screenings = screenings

    def load(self) -> int:
        """At unlock: the published checklists put in effect before, back in use; returns how many."""
        checklists: list[Checklist] = []
        for entry in _json_list(self.state.config().get(CHECKLISTS_IN_USE)):
            try:
                checklists.append(load_checklist(_decode(entry["payload"]), f"published version {entry['version']}"))
            except (ChecklistInvalid, KeyError, TypeError, ValueError):
                continue  # checked when it was put in effect; an app update that reads it no more leaves it out
        self.screenings.use_checklists(checklists)
        return len(checklists)

    def apply_received(self) -> list[Outcome]:
        """Put in effect what was received and is newer than what is in effect; what happened."""
        return [outcome for outcome in (self._apply(kind) for kind in KINDS) if outcome is not None]

    def version_in_effect(self, kind: str) -> int:
        """The version last put in effect (0: none; the shipped directory and checklists)."""
        return _int(self.state.config().get(applied_key(kind)))

    def refusal(self, kind: str) -> tuple[int, str] | None:
        """The last publication of ``kind`` refused, with why (None: none refused)."""
        refused = _json_dict(self.state.config().get(refused_key(kind)))
        return (_int(refused.get("version")), str(refused.get("reason", ""))) if refused else None

    # --- helpers ------------------------------------------------------------------------
    def _apply(self, kind: str) -> Outcome | None:
        config = self.state.config()
        received = _json_dict(config.get(received_key(kind)))
        version = _int(received.get("version"))
        seen = max(_int(config.get(applied_key(kind))), _int(_json_dict(config.get(refused_key(kind))).get("version")))
        if version <= seen:
            return None  # nothing received, or not newer than what was put in effect or refused
        try:
            payload = _decode(received.get("payload"))
            if kind == "directory":
                self.referrals.apply_published_directory(payload, version)
                self.state.set_config(**{applied_key(kind): str(version)})
            else:
                self.screenings.apply_published_checklist(payload, version)
                in_use = _json_list(config.get(CHECKLISTS_IN_USE)) + [{"version": version,
                                                                       "payload": received["payload"]}]
                self.state.set_config(**{applied_key(kind): str(version), CHECKLISTS_IN_USE: json.dumps(in_use)})
        except (ValidationError, ChecklistInvalid, ValueError, TypeError) as exc:
            return self._refuse(kind, version, _reason(exc))
        return Outcome(kind, version, True)

    def _refuse(self, kind: str, version: int, reason: str) -> Outcome:
        self.state.set_config(**{refused_key(kind): json.dumps({"version": version, "reason": reason})})
        store = self.referrals.store
        with store.transaction() as uow:
            uow.audit(AuditEvent(action=AuditAction.PUBLICATION_REFUSED, at=self.referrals.clock.now(),
                                 actor_id=None, device_id=store.device_id,
                                 details={"kind": kind, "version": version, "reason": reason[:300]}))
        return Outcome(kind, version, False, reason)


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{e.field}: {e.render()}" for e in exc.errors) or str(exc)
    if isinstance(exc, ChecklistInvalid):
        return exc.render()
    return f"the payload cannot be read ({exc})"


def _decode(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("no payload")
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"not base64: {exc}") from None


def _json_dict(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _json_list(text: str | None) -> list[dict[str, Any]]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


__all__ = ["KINDS", "Outcome", "PublicationService"]
