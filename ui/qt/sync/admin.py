"""The secretariat's calls to the hub, as the Devices page makes them, and their errors in words.

One small adapter over the sync facade, so the page does not depend on how the facade
spells each call; every method runs on the database worker (it asks the hub).
"""

from __future__ import annotations

from typing import Any, Mapping

from ui.qt.lang import render_error, tr, trf


class AdminApi:
    def __init__(self, services: Any) -> None:
        self.sync = services.sync

    def devices(self) -> list[Mapping[str, Any]]:
        return list(self.sync.devices())

    def invite(self, name: str, scopes: list[str]) -> str:
        answer = self.sync.invite(name, scopes)
        return str(answer.get("code") if isinstance(answer, Mapping) else answer)

    def approve(self, device_id: str) -> Any:
        return self.sync.approve(device_id)

    def revoke(self, device_id: str) -> Any:
        return self.sync.revoke(device_id)


def describe_error(exc: BaseException) -> str:
    """A failed call to the hub in the user's words (the hub's own reason when it gave one)."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    if "HubUnreachable" in names:
        return tr("The hub cannot be reached. Check the network connection and try again.")
    if "DeviceRevoked" in names:
        return tr("This device was revoked: it can no longer reach the hub.")
    if "HubRefused" in names:
        detail = getattr(exc, "detail", "") or getattr(exc, "code", "")
        return trf("The hub refused: {reason}", reason=detail) if detail else tr("The hub refused the request.")
    return render_error(exc)
