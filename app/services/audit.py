"""Checking the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Protocol

from app.domain.audit import AuditEntry, ChainReport, ReceivedChain, verify_chain, verify_received
from app.domain.user import Session
from app.permissions import Action, require


class AuditSource(Protocol):
    def iter_audit(self) -> Iterable[AuditEntry]: ...


def verify(source: AuditSource) -> ChainReport:
    """Walk the whole chain; the report names the first broken link, if any."""
    return verify_chain(source.iter_audit())


@dataclass(frozen=True)
class DeviceAudit:
    """What the secretariat received of one device's audit trail, and whether it holds."""

    device: str
    entries: int
    first_at: str | None
    last_at: str | None
    chain: ReceivedChain


class RemoteAuditSource(Protocol):
    def remote_audit(self) -> Iterable[tuple[str, AuditEntry]]: ...


def devices(source: RemoteAuditSource, session: Session) -> list[DeviceAudit]:
    """One line per device whose entries were received, by device id (the secretariat's)."""
    require(session.role, Action.PUBLISH_AND_ENROL)
    by_device: dict[str, list[AuditEntry]] = {}
    for device, entry in source.remote_audit():
        by_device.setdefault(device, []).append(entry)
    found = []
    for device, entries in sorted(by_device.items()):
        entries.sort(key=lambda e: e.seq)
        found.append(DeviceAudit(device, len(entries), entries[0].event.at.isoformat(),
                                 entries[-1].event.at.isoformat(), verify_received(entries)))
    return found
