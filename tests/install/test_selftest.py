"""``himaya --self-test`` run from source: every check passes here, a broken installation
fails with exit code 1, and the user's own folders are never touched."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from ui.selftest import FAIL, SKIP, check_pdf, run_check

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ("qt", "font", "translations", "resources", "store", "pdf")


def run_self_test(home: Path, **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HIMAYA_", "XDG_", "QT_"))}
    # A display platform that cannot start here: the self-test must switch to offscreen itself.
    env.update(HOME=str(home), QT_QPA_PLATFORM="xcb", DISPLAY="", WAYLAND_DISPLAY="", PYTHONIOENCODING="utf-8",
               **extra)
    return subprocess.run([sys.executable, "-m", "ui.main", "--self-test"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def report(result: subprocess.CompletedProcess) -> dict[str, str]:
    """Check name -> status, from lines like ``PASS  store  created, … (0.50 s)``."""
    found = {}
    for line in result.stdout.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 2 and parts[0] in ("PASS", "FAIL", "SKIP"):
            found[parts[1]] = parts[0]
    return found


def test_self_test_from_source_passes_offscreen_and_touches_no_user_folder(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    result = run_self_test(home)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("himaya ") and lines[0].endswith(" self-test") and "store schema" in lines[0]
    statuses = report(result)
    assert list(statuses) == list(CHECKS)
    assert {name for name, status in statuses.items() if status != "PASS"} <= {"pdf"}
    # Once the PDF layer is in the tree, its check must pass, not be skipped.
    assert statuses["pdf"] == ("PASS" if importlib.util.find_spec("app.reports") else "SKIP")
    assert "offscreen platform" in result.stdout and "Noto Sans Arabic" in result.stdout
    assert "wrong passphrase and no key refused" in result.stdout
    assert lines[-1].startswith("OK: ")
    assert list(home.rglob("*")) == []  # no store, settings or log written for the user


def test_a_broken_installation_fails_with_exit_code_1(tmp_path):
    empty = tmp_path / "no-resources"
    empty.mkdir()
    result = run_self_test(tmp_path, HIMAYA_RESOURCES=str(empty))
    assert result.returncode == 1, result.stdout + result.stderr
    statuses = report(result)
    assert statuses["font"] == "FAIL" and statuses["resources"] == "FAIL"
    assert statuses["qt"] == "PASS" and statuses["translations"] == "PASS"
    assert result.stdout.splitlines()[-1].startswith("FAILED: font, resources")
    assert "Traceback" not in result.stdout + result.stderr


@pytest.fixture
def fake_reports(monkeypatch):
    """Stand in for ``app.reports`` with a module whose ``render_sample`` the test chooses."""
    module = types.ModuleType("app.reports")
    module.__spec__ = importlib.machinery.ModuleSpec("app.reports", None)
    monkeypatch.setitem(sys.modules, "app.reports", module)
    return module


def test_the_pdf_check_fails_on_a_broken_pdf_and_skips_without_a_sample(fake_reports):
    outcome = run_check("pdf", check_pdf)
    assert (outcome.status, outcome.detail) == (SKIP, "skipped: PDF renderer present but without its sample page "
                                                      "(app.reports.render_sample)")
    fake_reports.render_sample = lambda language: b"<html>not a pdf</html>"
    outcome = run_check("pdf", check_pdf)
    assert outcome.status == FAIL and "did not produce a whole PDF" in outcome.detail
    fake_reports.render_sample = lambda language: 1 / 0
    assert run_check("pdf", check_pdf).detail == "ZeroDivisionError: division by zero"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_the_pdf_check_fails_when_the_arabic_text_is_not_in_the_pdf(fake_reports):
    canvas = pytest.importorskip("reportlab.pdfgen.canvas")

    def latin_only(language: str) -> bytes:
        import io
        out = io.BytesIO()
        page = canvas.Canvas(out)
        page.drawString(72, 720, "Himaya Tanger")  # the Arabic words are missing
        page.save()
        return out.getvalue()

    fake_reports.render_sample = latin_only
    outcome = run_check("pdf", check_pdf)
    assert outcome.status == FAIL and "lacks حماية, طنجة" in outcome.detail, outcome
