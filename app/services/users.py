"""Local users: add, list, disable, reset a passphrase, change a role."""

from __future__ import annotations

import dataclasses

from app.domain.audit import AuditAction, AuditEvent
from app.domain.checks import new_id
from app.domain.user import Session, User
from app.domain.values import Role
from app.errors import FieldError, NotFound, PermissionDenied, ValidationError
from app.passphrase import require_strong
from app.permissions import Action, require
from app.ports import CaseStore, Clock, KeyStore, SystemClock
from app.domain.values import ROLE_LABELS
from app.text import N_


class UserService:
    def __init__(self, store: CaseStore, keys: KeyStore, clock: Clock | None = None) -> None:
        self.store = store
        self.keys = keys
        self.clock = clock or SystemClock()

    def list_users(self, session: Session) -> list[User]:
        require(session.role, Action.MANAGE_USERS)
        return self.store.users()

    def add_user(
        self,
        session: Session,
        *,
        username: str,
        display_name: str,
        role: Role,
        passphrase: str,
        scope_id: str | None = None,
        border_post: str | None = None,
    ) -> User:
        require(session.role, Action.MANAGE_USERS)
        self._may_grant(session, role)
        if scope_id and scope_id != session.user.scope_id and session.role is not Role.SECRETARIAT:
            raise PermissionDenied(role=ROLE_LABELS[session.role], action=N_("add users to another scope"))
        if self.store.user_by_name(username) is not None:
            raise ValidationError([FieldError("username", N_("This user name is taken."))])
        user = User(
            id=new_id(), username=username, display_name=display_name, role=role,
            scope_id=scope_id or session.user.scope_id, created_at=self.clock.now(),
            border_post=border_post,
        )
        require_strong(passphrase, username)
        with self.store.transaction() as uow:
            uow.put(user)
            uow.audit(self._event(session, AuditAction.USER_ADDED, user, {"role": role.value}))
            # The key file is written last, inside the transaction: if it fails, the user
            # row is rolled back; if the commit then failed, a wrap without a user is inert.
            self.keys.add_user(user.id, user.username, passphrase)
        return user

    def disable(self, session: Session, username: str) -> User:
        require(session.role, Action.MANAGE_USERS)
        user = self._user(username)
        if user.id == session.user.id:
            raise ValidationError([FieldError("username", N_("You cannot disable yourself."))])
        self._may_grant(session, user.role)
        new = dataclasses.replace(user, disabled=True)
        with self.store.transaction() as uow:
            uow.put(new, previous=user)
            uow.audit(self._event(session, AuditAction.USER_DISABLED, user))
            self.keys.remove_user(user.id)
        return new

    def set_passphrase(self, session: Session, username: str, passphrase: str) -> None:
        """A user changes their own passphrase, or a user manager resets someone's."""
        user = self._user(username)
        if user.id != session.user.id:
            require(session.role, Action.MANAGE_USERS)
            self._may_grant(session, user.role)
        if user.disabled:
            raise ValidationError([FieldError("username", N_("This user is disabled."))])
        require_strong(passphrase, username)
        with self.store.transaction() as uow:
            uow.audit(self._event(session, AuditAction.USER_PASSPHRASE_CHANGED, user))
            self.keys.set_passphrase(user.id, user.username, passphrase)

    def set_role(self, session: Session, username: str, role: Role, border_post: str | None = None) -> User:
        require(session.role, Action.MANAGE_USERS)
        user = self._user(username)
        self._may_grant(session, role)
        self._may_grant(session, user.role)
        if user.id == session.user.id:
            raise ValidationError([FieldError("role", N_("You cannot change your own role."))])
        new = dataclasses.replace(user, role=role, border_post=border_post or user.border_post)
        with self.store.transaction() as uow:
            uow.put(new, previous=user)
            uow.audit(self._event(session, AuditAction.USER_ROLE_CHANGED, user,
                                  {"from": user.role.value, "to": role.value}))
        return new

    def _may_grant(self, session: Session, role: Role) -> None:
        # A supervisor manages field users; only the secretariat creates secretariat users.
        if role is Role.SECRETARIAT and session.role is not Role.SECRETARIAT:
            raise PermissionDenied(role=ROLE_LABELS[session.role], action=N_("manage secretariat users"))

    def _user(self, username: str) -> User:
        user = self.store.user_by_name(username)
        if user is None:
            raise NotFound(kind=N_("user"), ident=username)
        return user

    def _event(self, session: Session, action: str, user: User, details: dict | None = None) -> AuditEvent:
        return AuditEvent(action=action, at=self.clock.now(), actor_id=session.user.id,
                          device_id=session.device_id, record_type="user", record_id=user.id,
                          details=details or {})
