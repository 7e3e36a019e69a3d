"""What every widget of the desktop app shares: the worker, the event hub, settings, the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.domain.user import Session
from storage.settings_file import SettingsFile
from storage.vault import Vault
from ui.composition import Services
from ui.qt.events import EventHub
from ui.qt.ops import Ops


class Locked(Exception):
    """The store was locked while an operation was on its way."""


@dataclass
class AppContext:
    ops: Ops
    hub: EventHub
    settings: SettingsFile
    vault: Vault
    services: Services | None = None
    demo_passphrase: str | None = None  # shown on the unlock screen of a demo store only
    preferred_user: str | None = None  # chosen first on the unlock screen (the demo's supervisor)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def session(self) -> Session:
        return self.require().session

    def require(self) -> Services:
        """The unlocked services, for use inside operations (raises ``Locked`` otherwise)."""
        if self.services is None:
            raise Locked()
        return self.services
