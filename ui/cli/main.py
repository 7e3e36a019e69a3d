"""``himaya-cli``: scripted work on a Himaya store, without a display.

Every command exits 0 on success and non-zero with one line on standard error otherwise
(1: refused or failed, 2: bad usage). The passphrase is asked for, or read from
``HIMAYA_PASSPHRASE``; the user from ``--user``/``HIMAYA_USER`` (or the only user).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, NoReturn, Sequence

from app.errors import HimayaError, ValidationError
from ui.about import VersionAction
from ui.cli import commands, sync_commands
from ui.cli.session import CliError, _
from ui.composition import default_store_dir


class _Parser(argparse.ArgumentParser):
    """Bad usage is one line on standard error too (exit 2), not the whole usage text."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, _("{prog}: error: {message} (see --help)").format(prog=self.prog, message=message) + "\n")


def _render(exc: HimayaError) -> str:
    if isinstance(exc, ValidationError) and exc.errors:
        # Say why, not only which fields: "first_name_ar: Write this name in Arabic letters …"
        return "; ".join(f"{e.field}: {e.render(_)}" for e in exc.errors)
    return exc.render(_)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="himaya-cli",
        description=_("Himaya: case management for the National Referral Mechanism (command line)."),
    )
    parser.add_argument("--store", type=Path, default=None,
                        help=_("store folder (default: {path})").format(path=default_store_dir()))
    parser.add_argument("--user", default=None, help=_("user name (default: HIMAYA_USER, or the only user)"))
    parser.add_argument("--version", action=VersionAction, program="himaya-cli",
                        help=_("show the version, the store schema and the build date, then exit"))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.register(sub, _)
    sync_commands.register(sub, _)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int | None] = args.handler
    try:
        return int(handler(args) or 0)
    except HimayaError as exc:
        print(_("error: {message}").format(message=_render(exc)), file=sys.stderr)
        return 1
    except CliError as exc:
        print(_("error: {message}").format(message=exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(_("interrupted; nothing half-written (every change is one transaction)"), file=sys.stderr)
        return 130
    except OSError as exc:
        print(_("error: {message}").format(message=f"{exc.strerror or exc} ({exc.filename or ''})"),
              file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - never a traceback in front of a user
        print(_("internal error ({kind}); nothing was half-written. Please report it.").format(
            kind=type(exc).__name__), file=sys.stderr)
        return 70


if __name__ == "__main__":
    sys.exit(main())
