"""Sync for the front ends: one object bound to the session of who unlocked the store.

It decides who may do what (``app.permissions``) and hands the work to the client, the
enrolment and admin functions and the bundle files. Any unlocked user may sync and carry
bundles (they hold sealed envelopes only); enrolling this device with a code is device
management (``Action.MANAGE_USERS``: supervisors and the secretariat); creating the realm,
inviting, approving and revoking devices and publishing need ``Action.PUBLISH_AND_ENROL``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterable

from app.domain.audit import AUDIT_SCOPE_PREFIX
from app.domain.user import Session
from app.permissions import Action, require
from app.screening.checklist import ChecklistLibrary, load_checklist
from app.services.referrals import load_directory_file
from sync import admin, enrolment, errors
from sync.client import Cancel, Progress, SyncClient, SyncResult, Wipe
from sync.device import TransportFactory, device_id_of, transport_for
from sync.device_bundles import Exported, Imported, export_bundle, import_bundle


@dataclass(frozen=True)
class SyncStatus(admin.Fields):
    configured: bool
    hub_url: str
    device: str
    device_name: str
    role: str  # device | secretariat
    status: str  # "" | pending | approved | revoked
    realm: str
    last_sync_at: str
    last_result: str
    held: int
    conflicts: int
    scopes: tuple[str, ...]  # scopes of case work whose keys this device holds (not the audit scopes)
    last_error_code: str = ""  # what stood in the way of the last sync (``SyncResult.error_code``), or ""


#: Run after each sync: puts the publications received in effect; returns warnings (refusals).
AfterSync = Callable[[], Iterable[str]]


class SyncService:
    def __init__(self, state: Any, session: Session, transport_factory: TransportFactory = transport_for,
                 after_sync: AfterSync | None = None,
                 checklists: Callable[[], ChecklistLibrary] | None = None, wipe: Wipe | None = None) -> None:
        self.state = state
        self.session = session
        self._transport = transport_factory
        self._after_sync = after_sync
        self._checklists = checklists  # those in use here: a checklist published must be a new version
        self._wipe = wipe  # erases the whole store when the hub says this device is revoked

    # --- every user -------------------------------------------------------------------
    def status(self) -> SyncStatus:
        config = self.state.config()
        return SyncStatus(
            configured=bool(config.get("hub_url")), hub_url=config.get("hub_url", ""),
            device=device_id_of(self.state), device_name=config.get("device_name", ""),
            role=config.get("role", ""), status=config.get("status", ""), realm=config.get("realm_id", ""),
            last_sync_at=config.get("last_sync_at", ""), last_result=config.get("last_result", ""),
            held=len(self.state.held()), conflicts=len(self.state.conflicts()),
            scopes=tuple(sorted({scope for scope, _epoch in self.state.scope_keys()
                                 if not scope.startswith(AUDIT_SCOPE_PREFIX)})),
            last_error_code=config.get("last_error_code", ""))

    def configured(self) -> bool:
        """True once this device is enrolled with a hub (even if since revoked)."""
        return bool(self.state.config().get("hub_url"))

    def sync(self, progress: Progress | None = None, cancel: Cancel | None = None) -> SyncResult:
        """One sync (``SyncClient.sync``): any unlocked user may; the result says what happened.

        Afterwards a newer publication received (now or by an earlier sync) is put in effect;
        a refused one is named in the result's error (``errors.PUBLICATION_REFUSED`` unless
        something else already stood in the way)."""
        result = SyncClient(self.state, self._transport, wipe=self._wipe).sync(progress, cancel)
        if self._after_sync is None or result.wiped:
            return result
        warnings = [w for w in self._after_sync() if w]
        if warnings:
            result = replace(result, error="; ".join(filter(None, [result.error, *warnings])),
                             error_code=result.error_code or errors.PUBLICATION_REFUSED)
            self.state.set_config(last_result=(result.error or "")[:200],  # as the client keeps them
                                  last_error_code=result.error_code or "")
        return result

    run = sync  # the name the desktop app's runner uses

    def export_bundle(self, path: Path | str) -> Exported:
        return export_bundle(self.state, path)

    def import_bundle(self, path: Path | str) -> Imported:
        return import_bundle(self.state, path)

    def publication(self, kind: str) -> str:
        """The latest verified publication of ``kind`` received (JSON text), or ""."""
        return self.state.config().get(f"publication_{kind}", "")

    # --- device management -------------------------------------------------------------
    def enrol(self, url: str, pin: str, code: str, name: str) -> enrolment.Enrolled:
        require(self.session.role, Action.MANAGE_USERS)
        return enrolment.enrol(self.state, url, pin, code, name)

    # --- the secretariat ---------------------------------------------------------------
    def create_realm(self, url: str, pin: str, admin_code: str, name: str = "secretariat") -> enrolment.Enrolled:
        require(self.session.role, Action.PUBLISH_AND_ENROL)
        return enrolment.create_realm(self.state, url, pin, admin_code, name)

    def invite(self, name: str, scopes: Iterable[str], ttl_hours: int = 72) -> str:
        return admin.invite(self.state, name, scopes, session=self.session, ttl_hours=ttl_hours,
                            transport=self._transport)

    def devices(self) -> list[admin.Device]:
        return admin.devices(self.state, session=self.session, transport=self._transport)

    def approve(self, device: str, expect_fingerprint: str | None = None) -> admin.Device:
        return admin.approve(self.state, device, session=self.session, expect_fingerprint=expect_fingerprint,
                             transport=self._transport)

    def revoke(self, device: str) -> list[str]:
        return admin.revoke(self.state, device, session=self.session, transport=self._transport)

    def publish(self, kind: str, payload: bytes, source: str = "") -> int:
        """Publish a checklist or directory file, checked first as the devices will read it."""
        require(self.session.role, Action.PUBLISH_AND_ENROL)
        if kind == "checklist":
            checklist = load_checklist(payload, source or "checklist")  # ChecklistInvalid names the place
            if self._checklists is not None:
                self._checklists().admit(checklist, source or "checklist")  # the devices refuse an old version
        elif kind == "directory":
            try:
                data = json.loads(payload.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                data = None
            load_directory_file(data)  # ValidationError names the entry and field
        return admin.publish(self.state, kind, payload, session=self.session, transport=self._transport)
