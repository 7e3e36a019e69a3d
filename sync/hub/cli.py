"""``himaya-hub``: init, migrate, serve, import-bundle (also ``python -m sync.hub``).

The hub is run by the secretariat's operator; its messages are in English, one line each,
and every failure exits non-zero.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Sequence

from sqlalchemy import Engine, delete, insert, select

from sync.hub import db
from sync.hub.app import ENV_DATA, ENV_DATABASE
from sync.hub.errors import HubError
from sync.hub.tls import DEFAULT_HOSTS, TlsFiles, ensure_tls, pin_of


def _engine(args: argparse.Namespace) -> Engine:
    return db.make_engine(args.database or db.sqlite_url(Path(args.data)))


def _admin_code(engine: Engine) -> str | None:
    """A fresh one-time admin code while no realm exists (its hash replaces any earlier one)."""
    from sync.hub.routes_admin import new_code
    from sync.hub.routes_device import ADMIN_CODE_KEY, code_hash

    with db.writing(engine) as conn:
        if conn.execute(select(db.realm.c.id)).first() is not None:
            return None
        code = new_code()
        conn.execute(delete(db.settings).where(db.settings.c.key == ADMIN_CODE_KEY))
        conn.execute(insert(db.settings).values(key=ADMIN_CODE_KEY, value=code_hash(code)))
        return code


def cmd_init(args: argparse.Namespace) -> int:
    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    os.chmod(data, 0o700)
    files, created = ensure_tls(data, args.host or list(DEFAULT_HOSTS))
    engine = _engine(args)
    revision = db.migrate(engine)
    code = _admin_code(engine)
    engine.dispose()
    pin = pin_of(files.ca_cert.read_bytes())
    if args.json:
        print(json.dumps({"data": str(data), "pin": pin, "admin_code": code, "ca": str(files.ca_cert),
                          "schema": revision, "new_ca": created}))
        return 0
    print(f"Hub ready in {data} (schema {revision}).")
    print(f"CA pin (devices check it at enrolment): {pin}" + ("" if created else " (unchanged)"))
    if code:
        print(f"One-time admin code, to create the realm: {code}")
    else:
        print("The realm already exists: no admin code is needed.")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    engine = _engine(args)
    print(f"Database schema at {db.migrate(engine)}.")
    engine.dispose()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    data = Path(args.data)
    files = TlsFiles.in_folder(data)
    if not files.server_cert.exists() or not files.server_key.exists():
        raise SystemExit(f"himaya-hub: no certificates in {data}: run `himaya-hub init --data {data}` first")
    engine = _engine(args)
    current = db.is_current(engine)
    engine.dispose()
    if not current:
        raise SystemExit("himaya-hub: the database schema is not current: run `himaya-hub migrate` first")
    os.environ[ENV_DATA] = str(data.resolve())
    if args.database:
        os.environ[ENV_DATABASE] = args.database
    uvicorn.run("sync.hub.app:app_from_env", factory=True, host=args.host, port=args.port, workers=args.workers,
                ssl_certfile=str(files.server_cert), ssl_keyfile=str(files.server_key), log_level=args.log_level,
                server_header=False, date_header=False, timeout_graceful_shutdown=args.graceful_timeout)
    return 0


def cmd_import_bundle(args: argparse.Namespace) -> int:
    from sync.hub.bundle_import import import_bundle

    engine = _engine(args)
    try:
        result = import_bundle(engine, Path(args.bundle))
    finally:
        engine.dispose()
    print(f"Bundle of device {result.device}: {result.stored} envelopes stored, {result.duplicates} already there.")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="himaya-hub", description="The Himaya sync hub (docs/HUB.md).")
    commands = top.add_subparsers(dest="command", required=True)

    def with_store(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument("--data", required=True, help="the hub's data folder (certificates, SQLite file)")
        sub.add_argument("--database", default=os.environ.get(ENV_DATABASE) or None,
                         help="database URL (default: SQLite hub.db in the data folder; "
                              "postgresql://user@host/db for PostgreSQL)")
        return sub

    init = with_store(commands.add_parser("init", help="create the CA, server certificate and database"))
    init.add_argument("--host", action="append", help="a name or IP address the hub is reached at (repeatable)")
    init.add_argument("--json", action="store_true", help="print the pin and admin code as JSON")
    init.set_defaults(run=cmd_init)
    with_store(commands.add_parser("migrate", help="bring the database schema up to date")).set_defaults(
        run=cmd_migrate)
    serve = with_store(commands.add_parser("serve", help="serve HTTPS"))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8443)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--graceful-timeout", type=int, default=10,
                       help="seconds to let open connections finish when stopping")
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.set_defaults(run=cmd_serve)
    bundle = with_store(commands.add_parser("import-bundle", help="ingest a device's bundle file"))
    bundle.add_argument("bundle", help="the bundle file")
    bundle.set_defaults(run=cmd_import_bundle)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except HubError as exc:
        print(f"himaya-hub: {exc.detail}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        print(f"himaya-hub: {exc}", file=sys.stderr)
        return 1
