"""Sync conflicts: a field two devices changed without seeing each other's change.

Both values are kept (SYNC.md) and the record shows one of them until a supervisor of the
case's scope settles it: choosing one of the values, or typing a new one, is a new write
that supersedes every value it replaces, so every device ends with that one.
"""

from __future__ import annotations

import builtins
from typing import Any

from app.domain.audit import AuditAction
from app.domain.case import Case, Consent, Note, RiskAssessment
from app.domain.codec import from_fields, to_fields
from app.domain.link import CaseLink
from app.domain.person import Person
from app.domain.referral import FollowUpTask, Referral, ServiceReceived
from app.domain.screening import Screening
from app.domain.user import Session
from app.errors import FieldError, NotFound, ValidationError
from app.permissions import Action, require
from app.ports import Conflict, SyncStore
from app.services.cases import CaseService
from app.text import N_

#: The records that travel between devices, by record type.
RECORDS: dict[str, type] = {cls.RECORD_TYPE: cls for cls in (  # type: ignore[attr-defined]
    Case, Person, RiskAssessment, Consent, Note, Screening, Referral, ServiceReceived, FollowUpTask, CaseLink)}


class ConflictService:
    """Listing and resolving conflicts; ``store`` is the device's sync state, writes go
    through the case store of ``cases`` like every other change."""

    def __init__(self, store: SyncStore, cases: CaseService) -> None:
        self.store = store
        self.cases = cases

    def list(self, session: Session) -> builtins.list[Conflict]:
        """The conflicts of the supervisor's scope, by case number."""
        require(session.role, Action.RESOLVE_CONFLICTS)
        return [c for c in self.store.conflicts({session.user.scope_id}) if self._visible(session, c)]

    def resolve(self, session: Session, record_type: str, record_id: str, field: str, value: Any) -> None:
        """Settle a conflict with ``value`` (one of the values shown, or a new one)."""
        require(session.role, Action.RESOLVE_CONFLICTS)
        conflict = next((c for c in self.list(session)
                         if (c.record_type, c.record_id, c.field) == (record_type, record_id, field)), None)
        cls = RECORDS.get(record_type)
        previous = self.cases.store.get(cls, record_id) if conflict is not None and cls is not None else None
        if conflict is None or previous is None or conflict.case_id is None:
            raise NotFound(kind=N_("conflict"), ident=f"{record_type} {record_id} {field}")
        case = self.cases.visible_case(session, conflict.case_id)
        fields = to_fields(previous)
        fields[field] = value
        try:
            new = from_fields(cls, record_id, fields)
        except (ValueError, TypeError) as exc:  # a value of the wrong type (a rule broken: ValidationError)
            raise ValidationError([FieldError(field, N_("This value does not fit the field."))]) from exc
        superseded = [[device, counter] for device, counter in self.store.register(record_type, record_id, field).dots]
        with self.cases.store.transaction() as uow:
            uow.put(new, previous, force=frozenset({field}))
            uow.audit(self.cases.event(session, AuditAction.CONFLICT_RESOLVED, case, {
                "record_type": record_type, "record_id": record_id, "field": field, "superseded": superseded}))

    def _visible(self, session: Session, conflict: Conflict) -> bool:
        if conflict.case_id is None:
            return False
        case = self.cases.store.get(Case, conflict.case_id)
        return case is not None and self.cases.can_see(session, case)
