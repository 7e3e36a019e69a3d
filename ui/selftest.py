"""``himaya --self-test``: does this installation work, without a display or a network?

Run by an IT team right after installing (and by the bundle's test in CI). Each check
prints one line, ``PASS``/``FAIL``/``SKIP``, its name and what it saw; the exit code is 0
only when no check failed. Qt is forced onto the offscreen platform, and the store check
works in a temporary folder that is deleted afterwards: the user's own store, settings and
logs are never touched.

The checks that need no widgets live here; the Qt ones in ``ui.qt.selftest``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import string
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, TextIO

PASS, FAIL, SKIP = "PASS", "FAIL", "SKIP"


@dataclass(frozen=True)
class Outcome:
    name: str
    status: str
    detail: str
    seconds: float = 0.0

    def line(self) -> str:
        return f"{self.status}  {self.name:<13} {self.detail} ({self.seconds:.2f} s)"


class Skipped(Exception):
    """A check that cannot run in this build (the detail says why)."""


class CheckFailed(Exception):
    """A check that ran and saw something wrong (the detail says what)."""


Check = Callable[[], str]


def run_check(name: str, check: Check) -> Outcome:
    """Run one check: its return value is the PASS detail; exceptions become FAIL/SKIP."""
    started = time.perf_counter()
    try:
        detail, status = check(), PASS
    except Skipped as exc:
        detail, status = f"skipped: {exc}", SKIP
    except CheckFailed as exc:
        detail, status = str(exc), FAIL
    except Exception as exc:  # noqa: BLE001 - any surprise is a failure, reported in one line
        # Only synthetic data goes through the checks, so the message can be shown in full.
        detail, status = f"{type(exc).__name__}: {exc}", FAIL
    return Outcome(name, status, detail, time.perf_counter() - started)


def expect(condition: bool, detail: str) -> None:
    if not condition:
        raise CheckFailed(detail)


# --- checks without Qt ----------------------------------------------------------------------

def check_resources() -> str:
    """The shipped data files: reference lists and the screening checklists."""
    from app.resources import agencies, border_posts, country_codes, resources_dir
    from app.screening.checklist import default_library

    folder = resources_dir()
    expect(folder.is_dir(), f"no resources folder at {folder}")
    library = default_library()
    expect(not library.errors, f"{len(library.errors)} checklist files failed to load")
    checklists = [f"{c.id} v{c.version}" for c in library.all()]
    expect(bool(checklists), "no screening checklists")
    counts = (len(country_codes()), len(border_posts()), len(agencies()))
    expect(all(counts), f"empty reference lists (countries, posts, agencies: {counts})")
    return (f"{counts[0]} countries, {counts[1]} border posts, {counts[2]} agencies; "
            f"checklists {', '.join(checklists)}")


def check_translations() -> str:
    """The Arabic and French catalogs are there and translate (compiled or from .po)."""
    import i18n

    probes = ("Language", "Lock after minutes without use")
    seen = []
    for code in ("ar", "fr"):
        catalog = i18n.translation(code)
        translated = [catalog.gettext(p) for p in probes]
        expect(all(t != p for t, p in zip(translated, probes)), f"the {code} catalog does not translate")
        seen.append(code)
    return f"catalogs {', '.join(seen)} translate ({'compiled' if _compiled() else 'from .po'})"


def _compiled() -> bool:
    import i18n
    return i18n.po_path("ar").with_suffix(".mo").exists()


def check_store() -> str:
    """Create, write, reopen and read an encrypted store; refuse a wrong key and no key."""
    import sqlcipher3

    from app.domain.checks import new_id
    from app.domain.person import Person
    from app.domain.user import User
    from app.domain.values import Role
    from app.errors import WrongPassphrase
    from storage.keyfile import MINIMUM_KDF
    from ui.composition import services_for, vault_at

    folder = Path(tempfile.mkdtemp(prefix="himaya-selftest-"))
    try:
        vault = vault_at(folder / "store")
        passphrase = "-".join(_random_letters(6) for _ in range(4)) + "-7"
        marker = "Selftest" + _random_letters(10)
        now = datetime.now(timezone.utc).replace(microsecond=0)
        user = User(id=new_id(), username="selftest", display_name="Self test", role=Role.SUPERVISOR,
                    scope_id="selftest", created_at=now)
        opened = vault.create(user, passphrase, kdf=MINIMUM_KDF)  # the floor: quick, still Argon2id
        try:
            services = services_for(opened)
            person = Person(new_id(), first_name=marker, first_name_ar="سلمى")
            case = services.cases.register(opened.session, person, border_post="TNG-MED")
            services.cases.add_note(opened.session, case.id, f"note {marker}")
        finally:
            opened.lock()
        on_disk = b"".join(p.read_bytes() for p in vault.folder.glob("himaya.db*"))
        expect(marker.encode() not in on_disk and "سلمى".encode() not in on_disk,
               "the names were found in clear in the database file")

        opened = vault.unlock("selftest", passphrase)
        try:
            read = services_for(opened).cases.open_case(opened.session, case.id)
        finally:
            opened.lock()
        expect(read.person.first_name == marker and read.person.first_name_ar == "سلمى"
               and [n.text for n in read.notes] == [f"note {marker}"], "what was read back differs")

        try:
            vault.unlock("selftest", passphrase + "x")
        except WrongPassphrase:
            pass
        else:
            raise CheckFailed("a wrong passphrase opened the store")
        db = sqlcipher3.connect(str(vault.db_path))
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError:
            pass
        else:
            raise CheckFailed("the database opened without a key")
        finally:
            db.close()
        cipher = _cipher_version()
        return f"created, written, reopened and read; wrong passphrase and no key refused (SQLCipher {cipher})"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _random_letters(n: int) -> str:
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(n))


def _cipher_version() -> str:
    from ui.about import sqlcipher_versions
    return sqlcipher_versions()[0]


PDF_WORDS = ("حماية", "طنجة")  # words of the sample page: "Himaya", "Tangier"
_BIDI_CONTROLS = dict.fromkeys([0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def check_pdf() -> str:
    """The PDF layer renders its Arabic sample page; pdftotext, when installed, reads it back."""
    import importlib
    import importlib.util

    if importlib.util.find_spec("app.reports") is None:
        raise Skipped("PDF renderer not present")
    render = getattr(importlib.import_module("app.reports"), "render_sample", None)
    if render is None:
        raise Skipped("PDF renderer present but without its sample page (app.reports.render_sample)")
    pdf = render("ar")
    expect(pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-1024:], "the renderer did not produce a whole PDF")
    text = _pdf_text(pdf)
    if text is None:
        return f"Arabic sample page rendered ({len(pdf) // 1024} KiB); pdftotext not installed, text not read back"
    missing = [word for word in PDF_WORDS if word not in text]
    expect(not missing, f"the PDF's text lacks {', '.join(missing)} (Arabic not embedded or not extractable)")
    return f"Arabic sample page rendered ({len(pdf) // 1024} KiB) and read back with pdftotext"


def _pdf_text(pdf: bytes) -> str | None:
    """The PDF's text (pdftotext), with Arabic presentation forms folded to letters (NFKC)."""
    import subprocess
    import unicodedata

    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    with tempfile.TemporaryDirectory(prefix="himaya-selftest-") as folder:
        path = Path(folder) / "sample.pdf"
        path.write_bytes(pdf)
        out = subprocess.run([tool, "-enc", "UTF-8", str(path), "-"], capture_output=True, timeout=60, check=True)
    return unicodedata.normalize("NFKC", out.stdout.decode("utf-8", "replace")).translate(_BIDI_CONTROLS)


# --- running them ---------------------------------------------------------------------------

def checks() -> list[tuple[str, Check]]:
    from ui.qt import selftest as qt_checks

    return [("qt", qt_checks.check_qt), ("font", qt_checks.check_font),
            ("translations", check_translations), ("resources", check_resources),
            ("store", check_store), ("pdf", check_pdf)]


def header() -> str:
    from ui.about import version_text
    return version_text("himaya") + " self-test"


def run(out: TextIO) -> int:
    """Every check, one line each, then a summary; returns the exit code."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before Qt starts: no display needed
    print(header(), file=out, flush=True)
    outcomes = []
    for name, check in checks():
        outcome = run_check(name, check)
        outcomes.append(outcome)
        print(outcome.line(), file=out, flush=True)
    failed = [o.name for o in outcomes if o.status == FAIL]
    skipped = [o.name for o in outcomes if o.status == SKIP]
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=out, flush=True)
        return 1
    note = f" ({len(skipped)} skipped: {', '.join(skipped)})" if skipped else ""
    print(f"OK: {len(outcomes) - len(skipped)} checks passed{note}", file=out, flush=True)
    return 0


def main() -> int:
    if sys.stdout is not None:
        return run(sys.stdout)
    # A windowed executable (Windows) has no standard output: write the report to a file.
    from ui.logs import log_dir
    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(folder / "self-test.txt", "w", encoding="utf-8") as report:
        return run(report)
