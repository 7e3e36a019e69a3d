"""Typed errors of the sync client, each with a translatable message (``N_`` msgids).

They derive from ``app.errors.HimayaError`` so the front ends show them like every other
refusal: the command line as one line, the desktop app in its status bar. The hub's own
``detail`` text is English and is kept as a parameter, never translated.
"""

from __future__ import annotations

from app.errors import HimayaError
from app.text import N_

#: What kind of failure a sync met (``SyncResult.error_code``), for front ends to word it in
#: their own language; ``SyncResult.error`` keeps the English detail.
UNREACHABLE = "unreachable"  # nothing reached the hub, or no answer came back
REFUSED = "refused"  # the hub answered with an error
REVOKED = "revoked"  # the secretariat revoked this device
PENDING = "pending"  # the secretariat has not approved this device yet
PROTOCOL = "protocol"  # an answer, a certificate or a saved envelope that breaks the protocol
BUSY = "busy"  # another sync of this device is running
KEYS_MISSING = "keys_missing"  # changes wait: no key for their scope yet
PUBLICATION_REFUSED = "publication_refused"  # a published directory or checklist failed its checks
FAILED = "failed"  # any other sync error


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


class DeviceWiped(DeviceRevoked):
    """Revoked, and the store was erased too (the remote wipe)."""

    template = N_("This device was revoked by the secretariat: its keys and its store were erased from this "
                  "computer.")


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


def code_of(exc: BaseException) -> str:
    """The ``SyncResult.error_code`` of a failure the client caught."""
    if isinstance(exc, HubUnreachable):
        return UNREACHABLE
    if isinstance(exc, DeviceRevoked):
        return REVOKED
    if isinstance(exc, DevicePending):
        return PENDING
    if isinstance(exc, HubRefused):
        return PROTOCOL if exc.code == "malformed_answer" else REFUSED
    if isinstance(exc, ValueError):  # sync.protocol.ProtocolError
        return PROTOCOL
    return FAILED
