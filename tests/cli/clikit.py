"""Helpers of the command-line tests: constants, ``Result``, running ``himaya-cli``.

Imported by ``conftest.py`` and the test modules (a plainly named module, so it never
collides with the other ``conftest`` modules of the suite).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SUPERVISOR = "salma"
SUPERVISOR_PASS = "cedar lantern orbit quietly 1984"
WORKER = "youssef"
WORKER_PASS = "mint tea on the terrace at noon 7"
OFFICER = "karim"
OFFICER_PASS = "ferry lights over tangier med 24"
OFFICER_POST = "TNG-MED"
DEMO_CASES = 1000


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def json(self):  # noqa: ANN201 - whatever the command printed
        return json.loads(self.out)

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


def _env(passphrase: str | None, user: str | None, new_passphrase: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIMAYA_")}
    env.update(HIMAYA_KDF="minimum", HIMAYA_LANG="en", PYTHONIOENCODING="utf-8")
    env.pop("PYTHONPATH", None)
    for name, value in (("HIMAYA_PASSPHRASE", passphrase), ("HIMAYA_USER", user),
                        ("HIMAYA_NEW_PASSPHRASE", new_passphrase)):
        if value is not None:
            env[name] = value
    return env


def run_cli_process(store: Path | None, *args: str, passphrase: str | None = SUPERVISOR_PASS,
                    user: str | None = None, new_passphrase: str | None = None,
                    module: str = "ui.cli.main", timeout: float = 120) -> Result:
    argv = [sys.executable, "-m", module]
    if store is not None:
        argv += ["--store", str(store)]
    argv += list(args)
    proc = subprocess.run(argv, cwd=ROOT, env=_env(passphrase, user, new_passphrase),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, encoding="utf-8",
                          timeout=timeout)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def check_refused(result: Result, *, code: int = 1, says: str | None = None) -> str:
    """A refusal: exit ``code``, one line on stderr (containing ``says``), no traceback."""
    assert result.code == code, (result.code, result.out, result.err)
    assert "Traceback" not in result.out + result.err
    assert len(result.err_lines) == 1, result.err
    line = result.err_lines[0]
    if says is not None:
        assert says in line, line
    return line
