"""``himaya-cli`` sync commands: sync with the hub, enrol, the secretariat's devices, bundles.

``sync`` (Ctrl+C stops between batches; what was done stays done), ``sync status``,
``enrol URL --pin P --code C [--name N]``, ``realm create URL --pin P --admin-code C``,
``device invite --name N --scope S …``, ``device list``, ``device approve ID``,
``device revoke ID``, ``publish checklist|directory FILE``, ``bundle export OUT``,
``bundle import IN``. The sync service decides who may do what; every refusal is one line.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import socket
import sys
from pathlib import Path
from typing import Any, Callable

from app.domain.audit import team_scopes
from sync.protocol import ProtocolError
from ui.cli import session
from ui.cli.export_commands import _ctrl_c_stops
from ui.cli.session import CliError, unlocked


def _out(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Protocol problems (a malformed file, key or answer) are refusals, not internal errors."""
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except ProtocolError as exc:
            raise CliError(str(exc)) from None
    return run


# --- every user --------------------------------------------------------------------------------

def cmd_sync(args: argparse.Namespace) -> int:
    if args.what == "status":
        return _status(args)
    _ = session._
    tty = sys.stderr.isatty()
    with unlocked(args) as svc, _ctrl_c_stops() as asked:
        def progress(stage: str, done: int, total: int) -> None:
            if tty:
                print(f"\r{stage} {done}" + (f"/{total}" if total else "") + "   ", end="", file=sys.stderr,
                      flush=True)

        result = svc.sync.sync(progress=progress, cancel=lambda: asked[0])
    if tty:
        print(file=sys.stderr)
    if result.error and not result.cancelled:
        raise CliError(result.error)
    summary = _("Sent {pushed}, received {pulled}; {conflicts} conflicts to resolve, {held} envelopes waiting "
                "for a key.").format(pushed=result.pushed, pulled=result.pulled, conflicts=result.conflicts,
                                     held=result.held)
    if result.cancelled:
        print(_("Stopped: {summary}").format(summary=summary))
        return 130
    print(summary)
    return 0


def _status(args: argparse.Namespace) -> int:
    _ = session._
    with unlocked(args) as svc:
        status = svc.sync.status()
    if args.json:
        _out(dataclasses.asdict(status))
        return 0
    if not status.configured:
        print(_("Not enrolled with a hub."))
        return 0
    print(_("Hub: {url}").format(url=status.hub_url))
    print(_("Device: {device} ({name}), {role}, {status}").format(
        device=status.device, name=status.device_name, role=status.role, status=status.status or "-"))
    print(_("Last sync: {at} — {result}").format(at=status.last_sync_at or "-", result=status.last_result or "-"))
    print(_("Scopes with keys: {scopes}; conflicts: {conflicts}; waiting envelopes: {held}").format(
        scopes=", ".join(status.scopes) or "-", conflicts=status.conflicts, held=status.held))
    return 0


def cmd_bundle_export(args: argparse.Namespace) -> int:
    _ = session._
    out = Path(args.out)
    if not out.parent.is_dir():
        raise CliError(_("No folder {path} to write into.").format(path=out.parent))
    if out.is_dir():
        raise CliError(_("{path} is a folder; give the name of the bundle file to write.").format(path=out))
    with unlocked(args) as svc:
        done = svc.sync.export_bundle(out)
    print(_("{count} envelopes written to {path}.").format(count=done.envelopes, path=out))
    return 0


def cmd_bundle_import(args: argparse.Namespace) -> int:
    _ = session._
    source = Path(args.bundle)
    if not source.is_file():
        raise CliError(_("No bundle file {path}.").format(path=source))
    with unlocked(args) as svc:
        done = svc.sync.import_bundle(source)
    print(_("Applied {applied} envelopes, {skipped} already here, {held} waiting for a key.").format(
        applied=done.applied, skipped=done.skipped, held=done.held))
    return 0


# --- enrolment --------------------------------------------------------------------------------

def cmd_enrol(args: argparse.Namespace) -> int:
    _ = session._
    with unlocked(args) as svc:
        done = svc.sync.enrol(args.url, args.pin, args.code, args.name or socket.gethostname()[:80] or "device")
    print(_("Enrolled device {device}; it waits for the secretariat's approval. Fingerprint: {fingerprint}").format(
        device=done.device, fingerprint=done.fingerprint))
    return 0


def cmd_realm_create(args: argparse.Namespace) -> int:
    _ = session._
    with unlocked(args) as svc:
        done = svc.sync.create_realm(args.url, args.pin, args.admin_code, args.name)
    print(_("Created the realm {realm}; this device {device} is its secretariat.").format(
        realm=done.realm, device=done.device))
    return 0


# --- the secretariat --------------------------------------------------------------------------

def cmd_device_invite(args: argparse.Namespace) -> int:
    _ = session._
    with unlocked(args) as svc:
        code = svc.sync.invite(args.name, args.scope, ttl_hours=args.ttl_hours)
    print(code)
    print(_("One-time code for {name} (scopes {scopes}); it is shown only now.").format(
        name=args.name, scopes=", ".join(args.scope)), file=sys.stderr)
    return 0


def cmd_device_list(args: argparse.Namespace) -> int:
    with unlocked(args) as svc:
        found = svc.sync.devices()
    if args.json:
        _out([dataclasses.asdict(d) for d in found])
        return 0
    for d in found:
        print(f"{d.device:<38} {d.status:<9} {d.role:<12} {','.join(team_scopes(d.scopes)):<16} {d.fingerprint}  {d.name}")
    return 0


def cmd_device_approve(args: argparse.Namespace) -> int:
    _ = session._
    with unlocked(args) as svc:
        device = svc.sync.approve(args.device, expect_fingerprint=args.fingerprint)
    print(_("Approved {device} ({name}), fingerprint {fingerprint}; it gets its keys at its next sync.").format(
        device=device.device, name=device.name, fingerprint=device.fingerprint))
    return 0


def cmd_device_revoke(args: argparse.Namespace) -> int:
    _ = session._
    with unlocked(args) as svc:
        scopes = svc.sync.revoke(args.device)
    print(_("Revoked {device}; new keys for the scopes {scopes}.").format(
        device=args.device, scopes=", ".join(team_scopes(scopes)) or "-"))
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    _ = session._
    source = Path(args.file)
    if not source.is_file():
        raise CliError(_("No file {path}.").format(path=source))
    payload = source.read_bytes()
    with unlocked(args) as svc:
        version = svc.sync.publish(args.kind, payload, source=source.name)
    print(_("Published the {kind}, version {version}.").format(kind=args.kind, version=version))
    return 0


# --- the parser -------------------------------------------------------------------------------

def register(sub: Any, _: Callable[[str], str]) -> None:
    def common(parser: argparse.ArgumentParser, handler: Callable[[argparse.Namespace], int]) -> None:
        parser.set_defaults(handler=_guarded(handler))
        # as in ui.cli.commands: --store and --user also after the command
        parser.add_argument("--store", type=Path, default=argparse.SUPPRESS, help=_("store folder"))
        parser.add_argument("--user", default=argparse.SUPPRESS, help=_("user name"))

    p = sub.add_parser("sync", help=_("sync with the hub (or show the sync status)"),
                       description=_("sync with the hub: send this device's changes, receive the others'"))
    common(p, cmd_sync)
    p.add_argument("what", nargs="?", choices=["status"], help=_("status: show the sync state, do not sync"))
    p.add_argument("--json", action="store_true", help=_("with status: as JSON"))

    p = sub.add_parser("enrol", help=_("enrol this device with a hub, with a one-time code"))
    common(p, cmd_enrol)
    p.add_argument("url", help=_("the hub's address (https://…)"))
    p.add_argument("--pin", required=True, help=_("the hub's CA pin (sha256:…), from the secretariat"))
    p.add_argument("--code", required=True, help=_("the one-time enrolment code"))
    p.add_argument("--name", help=_("a name for this device (default: the computer's name)"))

    realm = sub.add_parser("realm", help=_("the secretariat: create the realm on a new hub"))
    realm.set_defaults(handler=lambda a: 2)
    realm_sub = realm.add_subparsers(dest="realm_command", required=True, metavar="ACTION")
    p = realm_sub.add_parser("create", help=_("create the realm; this device becomes the secretariat"))
    common(p, cmd_realm_create)
    p.add_argument("url", help=_("the hub's address (https://…)"))
    p.add_argument("--pin", required=True, help=_("the hub's CA pin (sha256:…), printed by himaya-hub init"))
    p.add_argument("--admin-code", required=True, help=_("the one-time admin code printed by himaya-hub init"))
    p.add_argument("--name", default="secretariat", help=_("a name for this device"))

    device = sub.add_parser("device", help=_("the secretariat: invite, list, approve and revoke devices"))
    device.set_defaults(handler=lambda a: 2)
    device_sub = device.add_subparsers(dest="device_command", required=True, metavar="ACTION")
    p = device_sub.add_parser("invite", help=_("a one-time code for a new device"))
    common(p, cmd_device_invite)
    p.add_argument("--name", required=True, help=_("who or where the device is"))
    p.add_argument("--scope", required=True, nargs="+", help=_("the scopes the device works in"))
    p.add_argument("--ttl-hours", type=int, default=72, help=_("hours the code stays valid (default 72)"))
    p = device_sub.add_parser("list", help=_("every device of the realm"))
    common(p, cmd_device_list)
    p.add_argument("--json", action="store_true", help=_("as JSON"))
    p = device_sub.add_parser("approve", help=_("approve a pending device and give it its keys"))
    common(p, cmd_device_approve)
    p.add_argument("device", help=_("the device id (see: device list)"))
    p.add_argument("--fingerprint", help=_("refuse unless the device shows this fingerprint"))
    p = device_sub.add_parser("revoke", help=_("revoke a device at once and rotate its scopes' keys"))
    common(p, cmd_device_revoke)
    p.add_argument("device", help=_("the device id (see: device list)"))

    p = sub.add_parser("publish", help=_("the secretariat: publish a checklist or the service directory"))
    common(p, cmd_publish)
    p.add_argument("kind", choices=["checklist", "directory"])
    p.add_argument("file", metavar="FILE", help=_("the JSON file to publish"))

    bundle = sub.add_parser("bundle", help=_("carry changes without a network (bundle files)"))
    bundle.set_defaults(handler=lambda a: 2)
    bundle_sub = bundle.add_subparsers(dest="bundle_command", required=True, metavar="ACTION")
    p = bundle_sub.add_parser("export", help=_("write this device's changes to a bundle file"))
    common(p, cmd_bundle_export)
    p.add_argument("out", metavar="OUT", help=_("the bundle file to write"))
    p = bundle_sub.add_parser("import", help=_("apply the changes of another device's bundle file"))
    common(p, cmd_bundle_import)
    p.add_argument("bundle", metavar="IN", help=_("the bundle file to read"))
