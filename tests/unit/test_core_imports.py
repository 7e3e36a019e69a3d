"""The core and the unit tests' fakes stand alone: no Qt, storage, sync or ui."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import fakes

from app.ports import CaseStore, KeyStore, UnitOfWork

ROOT = Path(__file__).resolve().parents[2]


def test_core_imports_no_front_end_storage_or_sync():
    code = (
        "import sys, app.errors, app.text, app.resources, app.permissions, app.lifecycle, app.passphrase, "
        "app.ports, app.domain.codec, app.domain.audit, app.domain.case, app.domain.person, app.domain.user, "
        "app.services.cases, app.services.users, app.screening, app.screening.engine\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'PySide6', 'shiboken6', 'storage', 'sync', 'ui'})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def _members(protocol: type) -> set[str]:
    return {name for name in vars(protocol) if not name.startswith("_")} | set(
        getattr(protocol, "__annotations__", {}))


def test_fakes_implement_every_member_of_the_ports():
    store = fakes.FakeCaseStore()
    for protocol, fake in ((CaseStore, store), (KeyStore, fakes.FakeKeyStore()),
                           (UnitOfWork, fakes.FakeUnitOfWork(store))):
        missing = {name for name in _members(protocol) if not hasattr(fake, name)}
        assert missing == set(), protocol.__name__
        for name in _members(protocol):
            member = getattr(protocol, name, None)
            if inspect.isfunction(member):
                expected = list(inspect.signature(member).parameters)[1:]
                assert list(inspect.signature(getattr(fake, name)).parameters) == expected, name
