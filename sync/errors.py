"""Typed errors of the sync client, each with a translatable message (``N_`` msgids).

They derive from ``app.errors.HimayaError`` so the front ends show them like every other
refusal: the command line as one line, the desktop app in its status bar. The hub's own
``detail`` text is English and is kept as a parameter, never translated.
"""

from __future__ import annotations

from app.errors import HimayaError
from app.text import N_


class SyncError(HimayaError):
    template = N_("Sync failed: {detail}")


class HubUnreachable(SyncError):
    """Network, TLS or timeout: nothing reached the hub or no answer came back."""

    template = N_("The hub at {url} cannot be reached: {detail}")


class HubRefused(SyncError):
    """The hub answered with an error (``status``, its ``code`` and ``detail``)."""

    template = N_("The hub refused the request ({code}): {detail}")

    def __init__(self, status: int, code: str, detail: str, body: dict | None = None) -> None:
        self.status, self.code, self.detail, self.body = status, code, detail, body or {}
        super().__init__(code=code, detail=detail)


class DeviceRevoked(SyncError):
    template = N_("This device was revoked by the secretariat; its sync keys were erased.")


class DevicePending(SyncError):
    template = N_("This device waits for the secretariat's approval; try again later.")


class NotEnrolled(SyncError):
    template = N_("This device is not enrolled with a hub yet (himaya-cli enrol URL --pin … --code …).")


class AlreadyEnrolled(SyncError):
    template = N_("This device is already enrolled with the hub at {url}; nothing was changed.")


class PinMismatch(SyncError):
    template = N_("The hub's certificate authority does not match the pin given ({pin}); nothing was trusted.")


class BundleRefused(SyncError):
    template = N_("The bundle was refused, nothing was imported: {reason}")


class UnknownDevice(SyncError):
    template = N_("The hub knows no device {device}.")
