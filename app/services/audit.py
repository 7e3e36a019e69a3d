"""Checking the audit trail."""

from __future__ import annotations

from typing import Iterable, Protocol

from app.domain.audit import AuditEntry, ChainReport, verify_chain


class AuditSource(Protocol):
    def iter_audit(self) -> Iterable[AuditEntry]: ...


def verify(source: AuditSource) -> ChainReport:
    """Walk the whole chain; the report names the first broken link, if any."""
    return verify_chain(source.iter_audit())
