"""A demo store: a temporary encrypted store with demo users and synthetic cases."""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from app.demo import generate
from app.domain.user import User
from app.domain.values import Role
from storage.keyfile import MINIMUM_KDF
from ui.composition import Services, services_for, vault_at

DEMO_PASSPHRASE = "demo passphrase for synthetic data"
DEMO_SCOPE = "north"
DEMO_USERS = (
    ("demo.supervisor", "Salma Benali", Role.SUPERVISOR, None),
    ("demo.worker", "Youssef El Idrissi", Role.SOCIAL_WORKER, None),
    ("demo.border", "Karim Tazi", Role.BORDER_OFFICER, "TNG-MED"),
)


@dataclass(frozen=True)
class DemoStore:
    folder: Path
    passphrase: str
    usernames: tuple[str, ...]


def create_demo_store(cases: int = 500, folder: Path | None = None, seed: int = 2023,
                      progress: Callable[[int], bool] | None = None) -> DemoStore:
    """Create and fill a demo store; returns where it is and how to open it."""
    target = folder or Path(tempfile.mkdtemp(prefix="himaya-demo-")) / "store"
    vault = vault_at(target)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    name, display, role, post = DEMO_USERS[0]
    first = User(str(uuid.uuid4()), name, display, role, DEMO_SCOPE, now, border_post=post)
    # Synthetic data behind a published passphrase: the KDF floor keeps the demo quick.
    svc: Services = services_for(vault.create(first, DEMO_PASSPHRASE, kdf=MINIMUM_KDF))
    try:
        for name, display, role, post in DEMO_USERS[1:]:
            svc.users.add_user(svc.session, username=name, display_name=display, role=role,
                               passphrase=DEMO_PASSPHRASE, border_post=post)
        users = [u for u in svc.opened.store.users() if u.role is not Role.SECRETARIAT]
        svc.cases.add_prepared(
            svc.session,
            generate(cases, seed=seed, users=users, device_code=svc.opened.store.device_code),
            progress=progress,
        )
    finally:
        svc.lock()
    return DemoStore(target, DEMO_PASSPHRASE, tuple(u[0] for u in DEMO_USERS))
