"""The secretariat's calls to the hub, as the Devices page makes them, and their errors in words.

One small adapter over the sync facade, so the page does not depend on how the facade
spells each call; every method runs on the database worker (it asks the hub).
"""

from __future__ import annotations

from typing import Any, Mapping

from sync.errors import SyncError
from ui.qt.lang import render_error, trf


class AdminApi:
    def __init__(self, services: Any) -> None:
        self.sync = services.sync

    def devices(self) -> list[Mapping[str, Any]]:
        return list(self.sync.devices())

    def invite(self, name: str, scopes: list[str]) -> str:
        answer = self.sync.invite(name, scopes)
        return str(answer.get("code") if isinstance(answer, Mapping) else answer)

    def approve(self, device_id: str, fingerprint: str) -> Any:
        """Approve only if the hub still holds the key whose fingerprint the secretariat compared."""
        return self.sync.approve(device_id, expect_fingerprint=fingerprint or None)

    def revoke(self, device_id: str) -> list[str]:
        """The scopes whose keys were rotated."""
        return list(self.sync.revoke(device_id) or [])


def describe_error(exc: BaseException) -> str:
    """A failed call to the hub in the user's words. The sync errors carry a URL, a device id or
    the hub's English reason: isolated, so they keep their place in an Arabic sentence."""
    if isinstance(exc, SyncError):
        try:
            return trf(exc.template, **exc.params)
        except (KeyError, IndexError, ValueError):
            pass
    return render_error(exc)
