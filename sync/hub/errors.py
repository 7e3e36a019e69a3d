"""The one error type of the hub: every refusal is ``{"error": code, "detail": text}``."""

from __future__ import annotations

from typing import Any


class HubError(Exception):
    """A refusal with its HTTP status, a stable code and a readable detail (plus extra fields)."""

    def __init__(self, status: int, code: str, detail: str, **extra: Any) -> None:
        super().__init__(f"{code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "detail": self.detail, **self.extra}


def malformed(detail: str) -> HubError:
    return HubError(400, "malformed", detail)
