"""``himaya-cli``: scripted work on a Himaya store, without a display.

Every command exits 0 on success and non-zero with one line on standard error otherwise
(1: refused or failed, 2: bad usage). The passphrase is asked for, or read from
``HIMAYA_PASSPHRASE``; the user from ``--user``/``HIMAYA_USER`` (or the only user).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

from app.errors import HimayaError
from ui.cli import commands
from ui.cli.session import CliError, _
from ui.composition import default_store_dir

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="himaya-cli",
        description=_("Himaya: case management for the National Referral Mechanism (command line)."),
    )
    parser.add_argument("--store", type=Path, default=None,
                        help=_("store folder (default: {path})").format(path=default_store_dir()))
    parser.add_argument("--user", default=None, help=_("user name (default: HIMAYA_USER, or the only user)"))
    parser.add_argument("--version", action="version", version=commands.version_text())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.register(sub, _)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int | None] = args.handler
    try:
        return int(handler(args) or 0)
    except HimayaError as exc:
        print(_("error: {message}").format(message=exc.render(_)), file=sys.stderr)
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


if __name__ == "__main__":
    sys.exit(main())
