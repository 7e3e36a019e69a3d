"""What this copy of Himaya is (version, build, store schema) and the diagnostics a user
copies into a support request. No Qt here: the command line uses it too, and the desktop
app passes its Qt versions in.

Diagnostics hold versions, the platform, the schema and the last log lines (which are
content-free by the policy of ``ui.logs``); the user's home folder is written ``~`` so the
account name does not travel either. Nothing is read from the store.
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path
from typing import Any, Mapping

import cryptography
import sqlcipher3

from app.version import build_info
from storage.migrations import CURRENT as SCHEMA_VERSION
from ui import logs

__all__ = ["SCHEMA_VERSION", "VersionAction", "version_text", "facts", "diagnostics"]


def version_text(program: str) -> str:
    """``himaya-cli 0.1.0 (store schema 5)``; a bundle adds when and from what it was built."""
    info = build_info()
    text = f"{program} {info.version} (store schema {SCHEMA_VERSION})"
    if info.built_at:
        text += f", built {info.built_at}"
        if info.commit:
            text += f" from {info.commit}"
    return text


class VersionAction(argparse.Action):
    """``--version`` printed as one line (argparse's own action wraps it to the terminal)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, program: str = "himaya",
                 help: str | None = None) -> None:  # noqa: A002 - argparse's keyword
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)
        self.program = program

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        print(version_text(self.program))
        parser.exit(0)


def sqlcipher_versions() -> tuple[str, str]:
    """(SQLCipher, SQLite) versions of the linked library, from a throwaway in-memory database."""
    db = sqlcipher3.connect(":memory:")
    try:
        cipher = db.execute("PRAGMA cipher_version").fetchone()
        return (cipher[0] if cipher else "?"), sqlcipher3.sqlite_version
    finally:
        db.close()


def openssl_version() -> str:
    try:
        from cryptography.hazmat.backends.openssl.backend import backend
        return str(backend.openssl_version_text())
    except Exception:  # noqa: BLE001 - a missing detail must not hide the others
        return "?"


def facts(extra: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """(label, value) pairs for the About box and the diagnostics; ``extra``: e.g. Qt."""
    info = build_info()
    cipher, sqlite = sqlcipher_versions()
    rows = [
        ("Himaya", info.version),
        ("Build date", info.built_at or "— (run from source)"),
        ("Build commit", info.commit or "—"),
        ("Store schema", str(SCHEMA_VERSION)),
        ("Python", platform.python_version()),
        ("SQLCipher", f"{cipher} (SQLite {sqlite})"),
        ("cryptography", f"{cryptography.__version__} ({openssl_version()})"),
    ]
    rows += list((extra or {}).items())
    rows += [
        ("Platform", platform.platform()),
        ("Installed bundle", "yes" if getattr(sys, "frozen", False) else "no"),
    ]
    return rows


def _hide_home(text: str) -> str:
    home = str(Path.home())
    return text.replace(home, "~") if len(home) > 1 else text


def diagnostics(extra: Mapping[str, str] | None = None, log_lines: int = 40) -> str:
    """Plain text for a support request: facts, where the log is, its last lines."""
    log_file = logs.current_log_file()
    lines = ["Himaya diagnostics", ""]
    lines += [f"{label}: {value}" for label, value in facts(extra)]
    lines += [f"Log folder: {log_file.parent if log_file else logs.log_dir()}",
              "", f"Last {log_lines} log lines:"]
    lines += logs.tail(log_file, log_lines) or ["(no log file in this session)"]
    return _hide_home("\n".join(lines)) + "\n"
