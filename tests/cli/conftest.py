"""Fixtures for the end-to-end tests of ``himaya-cli``.

Two ways to run the command line:

* ``cli_proc``: a real child process (``python -m ui.cli.main``) started from the project
  root, with only the environment a user would set (``HIMAYA_PASSPHRASE`` …). It costs an
  interpreter start plus an unlock, so it is kept for the journeys that matter.
* ``cli``: ``ui.cli.main.main([...])`` in this process, with the environment set through
  ``monkeypatch`` and the output read with ``capsys``; for the many small refusals.

Both return a ``clikit.Result``; ``refused`` checks the promise of the command line for
every refusal: a non-zero exit, exactly one line on standard error, never a traceback.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from clikit import (
    DEMO_CASES, OFFICER, OFFICER_PASS, OFFICER_POST, SUPERVISOR, SUPERVISOR_PASS, WORKER, WORKER_PASS,
    Result, check_refused, run_cli_process,
)


@pytest.fixture
def cli_proc() -> Callable[..., Result]:
    """``cli_proc(store, *args, passphrase=…, user=…, new_passphrase=…)`` in a child process."""
    return run_cli_process


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """``cli(store, *args, passphrase=…, user=…, new_passphrase=…)`` in this process."""
    from i18n import gettext_for
    from ui.cli import commands, main as cli_main, session

    english = gettext_for("en")  # the messages asserted below are the English msgids
    for module in (session, commands, cli_main):
        monkeypatch.setattr(module, "_", english)
    monkeypatch.setenv("HIMAYA_KDF", "minimum")

    def run(store: Path | None, *args: str, passphrase: str | None = SUPERVISOR_PASS,
            user: str | None = None, new_passphrase: str | None = None) -> Result:
        for name, value in (("HIMAYA_PASSPHRASE", passphrase), ("HIMAYA_USER", user),
                            ("HIMAYA_NEW_PASSPHRASE", new_passphrase)):
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        argv = (["--store", str(store)] if store is not None else []) + list(args)
        capsys.readouterr()
        try:
            code = cli_main.main(argv)
        except SystemExit as exc:  # argparse: --help, --version, bad usage
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def refused() -> Callable[..., str]:
    return check_refused


def _make_store(folder: Path, *, team: bool) -> Path:
    """A store with a supervisor (scope north), and with ``team`` a social worker and a
    border officer at TNG-MED, made through the storage and user service APIs."""
    import uuid
    from datetime import datetime, timezone

    from app.domain.user import User
    from app.domain.values import Role
    from storage.vault import Vault
    from ui.composition import services_for

    user = User(str(uuid.uuid4()), SUPERVISOR, "Salma Benali", Role.SUPERVISOR, "north",
                datetime.now(timezone.utc).replace(microsecond=0))
    svc = services_for(Vault(folder).create(user, SUPERVISOR_PASS))
    try:
        if team:
            svc.users.add_user(svc.session, username=WORKER, display_name="Youssef El Idrissi",
                               role=Role.SOCIAL_WORKER, passphrase=WORKER_PASS)
            svc.users.add_user(svc.session, username=OFFICER, display_name="Karim Tazi",
                               role=Role.BORDER_OFFICER, passphrase=OFFICER_PASS, border_post=OFFICER_POST)
    finally:
        svc.lock()
    return folder


@pytest.fixture(scope="session")
def _store_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Made once; each test gets a copy (three key derivations saved per test)."""
    base = tmp_path_factory.mktemp("templates")
    return {"solo": _make_store(base / "solo", team=False), "team": _make_store(base / "team", team=True)}


@pytest.fixture
def store(tmp_path: Path, _store_templates: dict[str, Path]) -> Path:
    """A fresh store of its own with one supervisor (scope north)."""
    return Path(shutil.copytree(_store_templates["solo"], tmp_path / "store"))


@pytest.fixture
def team_store(tmp_path: Path, _store_templates: dict[str, Path]) -> Path:
    """A fresh store of its own: the supervisor, a social worker and a border officer at TNG-MED."""
    return Path(shutil.copytree(_store_templates["team"], tmp_path / "store"))


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory, _store_templates: dict[str, Path]) -> Path:
    """A store with one supervisor, shared by a module's tests that must leave it unchanged."""
    return Path(shutil.copytree(_store_templates["solo"], tmp_path_factory.mktemp("shared") / "store"))


@dataclass(frozen=True)
class Journey:
    """The issue's new-user journey, run once: init, demo-data, case list (child processes)."""

    store: Path
    init: Result
    demo: Result
    listing: Result
    everything: Result  # case list --json of every case

    @property
    def rows(self) -> list[dict]:
        return self.everything.json()["cases"]


@pytest.fixture(scope="session")
def journey(tmp_path_factory: pytest.TempPathFactory) -> Journey:
    folder = tmp_path_factory.mktemp("journey") / "himaya-store"
    init = run_cli_process(folder, "init", "--username", SUPERVISOR, "--display-name", "Salma Benali",
                           "--scope", "north", passphrase=SUPERVISOR_PASS)
    demo = run_cli_process(folder, "demo-data", "--cases", str(DEMO_CASES))
    listing = run_cli_process(folder, "case", "list", "--limit", "20")
    everything = run_cli_process(folder, "case", "list", "--json", "--limit", str(DEMO_CASES * 2))
    return Journey(folder, init, demo, listing, everything)
