"""Fixtures for the desktop app tests (pytest-qt, offscreen, real temporary stores)."""

from __future__ import annotations

import pytest

from storage.settings_file import SettingsFile
from ui.qt.app import build_context, create_app
from ui.qt.lang import language

from uikit import PASSPHRASE, make_user  # noqa: F401 - re-exported for the fixtures


@pytest.fixture(scope="session")
def qapp_cls():
    from PySide6.QtWidgets import QApplication
    return QApplication


@pytest.fixture(autouse=True)
def _app_and_language(qapp):
    create_app()
    language.missing.clear()
    language.apply("ar", qapp)
    yield
    language.apply("ar", qapp)


@pytest.fixture
def settings(tmp_path) -> SettingsFile:
    return SettingsFile(tmp_path / "config" / "settings.json")


@pytest.fixture
def ctx(tmp_path, settings):
    context = build_context(tmp_path / "store", settings)
    yield context
    context.ops.wait()
    if context.services is not None:
        context.services.lock()
        context.services = None


@pytest.fixture
def created_store(ctx):
    """A store with one supervisor, locked again: the unlock screen shows at start."""
    opened = ctx.vault.create(make_user(), PASSPHRASE)
    opened.lock()
    return ctx


class _PseudoCatalog:
    """Every msgid marked and kept whole ({fields} included), so a switch is visible."""

    def gettext(self, msgid: str) -> str:
        return f"⟪{msgid}⟫"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"⟪{singular if n == 1 else plural}⟫"


@pytest.fixture
def pseudo_french(monkeypatch):
    """French as a pseudo-translation, so tests see every label switch language before the
    real French catalog is written (compare against ``tr(...)``, never against French words)."""
    import i18n

    real = i18n.translation
    monkeypatch.setattr(i18n, "translation", lambda code: _PseudoCatalog() if code == "fr" else real(code))
