"""A seized laptop: after a working session, no file but the exported PDF holds case content.

HOME, the XDG folders and TMPDIR point into the test's folder. A supervisor's laptop
(store in the default place, ``$XDG_DATA_HOME/himaya/store``) registers cases whose names,
phone, document number, note and risk summary are canary strings; screens one, refers it,
exports its case summary into an export folder, syncs with a real hub (over TLS, SQLite)
that relays the case to the secretariat's store, writes settings and logs (a crash report
whose exception message quotes a canary among them), reads the case and writes a backup
with ``himaya-cli`` as child processes, and locks. Then every file under the test's folder
(the laptop's home with its export folder, the secretariat's store, the hub's data) is
read as raw bytes, ZIP members and zlib/gzip streams expanded, and searched for each
canary in UTF-8, UTF-16 (both byte orders), JSON escapes and case-folded forms. Only the exported PDF may hold them; its
text streams are compressed, so ``pdftotext`` proves they really are in it.

``test_no_plaintext.py`` covers the store folder's own files (WAL, migration copies, key
and throttle files, backup and restore); this test covers the whole session of a user.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import os
import re
import sys
import tempfile
import uuid
import zipfile
import zlib
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))  # the hub kit of the sync tests
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))  # pdftext, the screening answers
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))  # running himaya-cli as a child

from clikit import run_cli_process  # noqa: E402
from export_kit import ANSWERS  # noqa: E402
from hubkit import HubServer, init_hub  # noqa: E402
from pdftext import needs_pdftotext, pages, plain  # noqa: E402

from app.domain.person import Document, Person  # noqa: E402
from app.domain.referral import ServiceCategory, Urgency  # noqa: E402
from app.domain.user import User  # noqa: E402
from app.domain.values import CaseState, ConsentDecision, ConsentKind, DocumentKind, RiskStage, Role, Sex  # noqa: E402
from app.services.referrals import ReferralDraft  # noqa: E402
from storage.settings_file import SettingsFile  # noqa: E402
from storage.vault import Vault  # noqa: E402
from ui.cli.export_commands import write_atomic  # noqa: E402
from ui.composition import Services, default_store_dir, services_for  # noqa: E402
from ui.logs import log_crash, setup_logging, stop_logging  # noqa: E402

PASSPHRASE = "cedar harbour lantern 7 violet"

FIRST, SECOND = "Zephyrinota", "Quillbrookane"
FIRST_AR, SECOND_AR = "زمردينة", "قنبلوكة"
OTHER_AR = "ظفائركناري"
PHONE = "+212661934728"
PASSPORT = "QZ4471982"
NOTE = "NoteCanary controller keeps her passport in Oujda-17"
RISK = "RiskCanary waiting outside the Tanger Med post"
REFERRAL_RISK = "ReferralCanary shelter needed tonight"
#: What the exported case summary shows (and so what pdftotext must find in it).
IN_PDF = [FIRST, SECOND, FIRST_AR, SECOND_AR, PHONE, PASSPORT, NOTE, RISK]
CANARIES = IN_PDF + [OTHER_AR, REFERRAL_RISK]


def forms(canary: str) -> dict[str, bytes]:
    """The byte forms a canary could take in a file."""
    found: dict[str, bytes] = {}
    for text in {canary, canary.casefold(), canary.upper()}:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            found[f"{encoding} {text!r}"] = text.encode(encoding)
    if not canary.isascii():
        found["json \\u escapes"] = json.dumps(canary)[1:-1].encode("ascii")
    return found


FORMS = [(canary, name, raw) for canary in CANARIES for name, raw in forms(canary).items()]
_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)


def expanded(data: bytes) -> list[bytes]:
    """The bytes, and what compressed parts of them hold: ZIP members, gzip, zlib streams."""
    parts = [data]
    if data[:2] == b"\x1f\x8b":
        try:
            parts.append(gzip.decompress(data))
        except (OSError, EOFError):
            pass
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                parts += [archive.read(name) for name in archive.namelist()]
        except (zipfile.BadZipFile, OSError):
            pass
    for stream in _STREAM.findall(data):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            pass
    return parts


def leaks(root: Path) -> dict[str, list[str]]:
    """Every file under ``root`` holding a canary, with the canaries and forms found."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        hits = {f"{canary!r} as {name}" for part in expanded(path.read_bytes())
                for canary, name, raw in FORMS if raw in part}
        if hits:
            found[str(path.relative_to(root))] = sorted(hits)
    return found


def _point_home_at(root: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    home = root / "home"
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / ".local" / "share"),
           "XDG_CONFIG_HOME": str(home / ".config"), "XDG_CACHE_HOME": str(home / ".cache"),
           "XDG_STATE_HOME": str(home / ".local" / "state"), "TMPDIR": str(home / "tmp")}
    for value in env.values():
        Path(value).mkdir(parents=True, exist_ok=True)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("HIMAYA_STORE", "HIMAYA_CONFIG", "HIMAYA_LOG_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(tempfile, "tempdir", None)  # found again from TMPDIR
    return env


def _create(folder: Path, username: str, role: Role, scope: str) -> Services:
    user = User(str(uuid.uuid4()), username, username.title(), role, scope,
                datetime.now(timezone.utc).replace(microsecond=0))
    return services_for(Vault(folder).create(user, PASSPHRASE))


def _work(svc: Services) -> tuple[str, str, str]:
    """The scripted session on the laptop; returns the case's id and number, and the note's id."""
    session = svc.session
    person = Person(str(uuid.uuid4()), first_name=FIRST, second_name=SECOND, first_name_ar=FIRST_AR,
                    second_name_ar=SECOND_AR, sex=Sex.FEMALE, birth_year=1994, nationality="NG",
                    mobile_phone=PHONE, documents=(Document(DocumentKind.PASSPORT, PASSPORT, "NG",
                                                            held_by_person=False),))
    case = svc.cases.register(session, person, border_post="TNG-MED")
    svc.cases.record_consent(session, case.id, ConsentKind.SCREENING, ConsentDecision.GIVEN)
    svc.cases.move(session, case.id, CaseState.SCREENING)
    screening = svc.screenings.start(session, case.id, "border-short")
    svc.screenings.complete(session, screening.id, ANSWERS)
    svc.cases.record_risk(session, case.id, RiskStage.SCREENING, controller_nearby=True, summary=RISK)
    svc.cases.move(session, case.id, CaseState.PRESUMED_VICTIM)
    provider = next(hit.provider for hit in svc.referrals.providers(session, category=ServiceCategory.SHELTER))
    svc.cases.record_consent(session, case.id, ConsentKind.REFERRAL, ConsentDecision.GIVEN, provider=provider.id)
    svc.referrals.refer(session, case.id, ReferralDraft(provider.id, (ServiceCategory.SHELTER,), Urgency.PRIORITY,
                                                       risk_summary=REFERRAL_RISK, follow_up_on=date(2030, 1, 5)))
    note = svc.cases.add_note(session, case.id, NOTE)
    svc.cases.register(session, Person(str(uuid.uuid4()), first_name_ar=OTHER_AR), border_post="TNG-MED")
    return case.id, case.case_number, note.id


@needs_pdftotext
def test_after_a_session_only_the_exported_pdf_holds_case_content(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    env = _point_home_at(tmp_path, monkeypatch)
    home = Path(env["HOME"])
    log_file = setup_logging()
    hub_data = tmp_path / "hub"
    info = init_hub(hub_data)
    hub = HubServer(hub_data).start()
    sec = laptop = None
    try:
        sec = _create(tmp_path / "secretariat" / "store", "nadia.sec", Role.SECRETARIAT, "national")
        laptop = _create(default_store_dir(), "sara.sup", Role.SUPERVISOR, "north")
        sec.sync.create_realm(hub.url, info["pin"], info["admin_code"])
        enrolled = laptop.sync.enrol(hub.url, info["pin"], sec.sync.invite("Tangier laptop", ["north"]),
                                     "Tangier laptop")
        sec.sync.approve(enrolled.device, expect_fingerprint=enrolled.fingerprint)

        SettingsFile().set("last_user", "sara.sup")
        SettingsFile().set("language", "fr")
        case_id, case_number, note_id = _work(laptop)

        pdf = laptop.exports.case_summary(laptop.session, case_id, reason="Transfer to the Oujda team",
                                          language="en", note_ids=[note_id])
        exported = home / "Documents" / "exports" / f"{case_number}.pdf"
        exported.parent.mkdir(parents=True)
        write_atomic(exported, pdf)

        for svc in (laptop, sec):
            assert svc.sync.sync().error is None
        assert sec.cases.open_case(sec.session, case_id).person.first_name == FIRST  # relayed by the hub

        # What reaches a log: a library's warning quoting a name, and a crash whose message quotes a note.
        logging.getLogger("storage.vault").warning("could not open %s", FIRST_AR)
        try:
            raise ValueError(f"bad note {NOTE}")
        except ValueError as exc:
            log_crash(type(exc), exc, exc.__traceback__)
        # Still unlocked: the WAL and shared-memory files of the stores are there too.
        assert _outside(leaks(tmp_path), exported, tmp_path) == {}
    finally:
        for svc in (laptop, sec):
            if svc is not None:
                svc.lock()
        hub.stop()
        stop_logging()
    assert "could not open" in log_file.read_text() and "ValueError" in log_file.read_text()

    # The command line as a user runs it (its own process, the same home): read, then back up.
    assert os.environ["HOME"] == env["HOME"]  # run_cli_process passes the environment on
    shown = run_cli_process(default_store_dir(), "--user", "sara.sup", "case", "show", case_number,
                            passphrase=PASSPHRASE)
    assert shown.code == 0 and FIRST_AR in shown.out, shown.err
    backed = run_cli_process(default_store_dir(), "--user", "sara.sup", "backup",
                             str(home / "Documents" / "laptop.himaya"), passphrase=PASSPHRASE)
    assert backed.code == 0, backed.err

    text = plain("\n".join(pages(exported.read_bytes())))
    for canary in IN_PDF:
        assert plain(canary) in text, f"{canary!r} is not in the exported PDF"

    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    for expected in ("home/.local/share/himaya/store/himaya.db", "home/.local/share/himaya/store/keys.json",
                     "home/.config/himaya/settings.json", "home/.local/state/himaya/logs/himaya.log",
                     "secretariat/store/himaya.db", "home/Documents/laptop.himaya", "hub/ca.pem"):
        assert expected in written, (expected, written)
    assert _outside(leaks(tmp_path), exported, tmp_path) == {}


def _outside(found: dict[str, list[str]], exported: Path, root: Path) -> dict[str, list[str]]:
    """The leaks, but the exported PDF: the one deliberate copy."""
    return {path: hits for path, hits in found.items() if path != str(exported.relative_to(root))}


def test_the_scan_finds_a_canary_wherever_it_is_written(tmp_path: Path) -> None:
    """The scan is able to fail: a canary in a log line, compressed in a ZIP, gzip or PDF stream."""
    log = tmp_path / "home" / ".local" / "state" / "himaya" / "logs" / "himaya.log"
    log.parent.mkdir(parents=True)
    handler = logging.FileHandler(log, encoding="utf-8")  # a plain handler, without the content-free formatter
    logger = logging.getLogger("seized.test")
    logger.addHandler(handler)
    try:
        logger.warning("could not open %s", FIRST_AR)
    finally:
        logger.removeHandler(handler)
        handler.close()
    with zipfile.ZipFile(tmp_path / "a.zip", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("x.txt", NOTE)
    (tmp_path / "b.gz").write_bytes(gzip.compress(RISK.encode("utf-16-le")))
    (tmp_path / "c.pdf").write_bytes(b"<<>>stream\n" + zlib.compress(PASSPORT.encode()) + b"endstream")
    (tmp_path / "d.json").write_text(json.dumps({"name": OTHER_AR}))  # ASCII JSON: \u escapes
    (tmp_path / "e.txt").write_text(SECOND.upper())
    found = leaks(tmp_path)
    assert set(found) == {"home/.local/state/himaya/logs/himaya.log", "a.zip", "b.gz", "c.pdf", "d.json", "e.txt"}
    assert found["home/.local/state/himaya/logs/himaya.log"] == [f"{FIRST_AR!r} as utf-8 {FIRST_AR!r}"]
