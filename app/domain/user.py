"""Local users of a device and the session of the one who unlocked it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from app.domain.checks import Checker
from app.domain.values import Role
from app.resources import border_posts
from app.text import N_

USERNAME = re.compile(r"^[a-z][a-z0-9._-]{2,31}$")


@dataclass(frozen=True)
class User:
    """A person who works on this device. The hub knows devices, not people."""

    RECORD_TYPE: ClassVar[str] = "user"
    WIRE: ClassVar[dict[str, str]] = {
        "username": "hmy_Username",
        "display_name": "hmy_DisplayName",
        "role": "hmy_Role",
        "scope_id": "hmy_ScopeId",
        "border_post": "hmy_BorderPost",
        "disabled": "hmy_Disabled",
        "created_at": "hmy_CreatedAt",
    }

    id: str
    username: str
    display_name: str
    role: Role
    scope_id: str
    created_at: datetime
    border_post: str | None = None
    disabled: bool = False

    def __post_init__(self) -> None:
        c = Checker()
        c.uuid("id", self.id)
        if not isinstance(self.username, str) or not USERNAME.match(self.username):
            c.fail("username", N_("3 to 32 lower-case Latin letters, digits, dot, dash or underscore, starting with a letter."))
        c.text("display_name", self.display_name, max_len=80, required=True)
        if not isinstance(self.role, Role):
            c.fail("role", N_("Choose one of the listed values."))
        c.text("scope_id", self.scope_id, max_len=40, required=True)
        if self.role is Role.BORDER_OFFICER and not self.border_post:
            c.fail("border_post", N_("A border officer works at a border post; choose it."))
        if self.border_post is not None and self.border_post not in border_posts():
            c.fail("border_post", N_("Unknown border post or office."))
        c.done()


@dataclass(frozen=True)
class Session:
    """Who is working, on which device. Services check every action against it."""

    user: User
    device_id: str

    @property
    def role(self) -> Role:
        return self.user.role
