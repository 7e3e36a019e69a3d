"""Hostile input against every parser of outside input: a clear error, and the store unchanged.

The corpus (``hostile_corpus.py``): truncated, empty, invalid UTF-8, NUL bytes, wrong
types, 100,000 nested lists, a 5,000-digit number, NaN and 1e999, a key given twice, files
just over a documented size limit (sparse or generated, never committed), bidi controls
(U+202E …) and NUL in names, SQL and HTML fragments in free text.

Each parser must refuse with its own typed error whose message names the problem (never a
``RecursionError``, ``KeyError`` or bare ``ValueError`` escaping, never a traceback on the
command line) and leave every table of the store as it was. Free text that is legitimately
accepted (SQL or HTML in a note) must come back byte for byte, with nothing else changed.

Covered: checklist files and published checklists, case import files (service and
``case import``), the service directory (service, ``services import`` and the published
directory), bundles (file and import into a device), backup files (restore), the hub's
answers as the client reads them (transport, ``fetch_ca`` and a whole sync), and the
settings file.
"""

from __future__ import annotations

import base64
import json
import zipfile
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from hostile_corpus import BIDI_CONTROLS, HTML, NUL_TEXT, RLO_NAME, SQL, dump, file_variants

from app import importing
from app.errors import BackupInvalid, ChecklistInvalid, HimayaError, ImportRejected, ValidationError
from app.resources import load_json, resources_dir
from app.screening.checklist import load_checklist
from i18n.bidi import FSI, PDI, isolate
from storage.backup import create_backup, restore_backup
from storage.settings_file import SettingsFile
from storage.sync_state import SyncState
from storage.vault import OpenStore, Vault
from sync.bundle import MAX_BUNDLE, read_bundle
from sync.client import SyncClient
from sync.device_bundles import import_bundle
from sync.errors import BundleRefused, HubRefused, SyncError
from sync.protocol import ProtocolError, b64
from sync.transport import HubTransport, fetch_ca
from ui.composition import services_for

LEAKS = (RecursionError, MemoryError, KeyError, AttributeError, OverflowError, IndexError)

CHECKLIST = (resources_dir() / "checklists" / "border-short.v1.json").read_bytes()
IMPORT_DOC = {"format": "himaya-cases", "version": 1, "cases": [
    {"person": {"prs_FirstName": "Aminata", "prs_FirstNameAr": "أميناتا", "prs_Gender": "Female"},
     "case": {"hmy_BorderPost": "TNG-MED"}, "notes": ["Met at the port."]}]}
PROVIDER = {"id": "7e57a11d-0000-4000-8000-000000000001", "name_ar": "جمعية الاختبار",
            "name_fr": "Association test", "categories": ["health"], "region": "MA-01", "city_ar": "طنجة",
            "city_fr": "Tanger", "takes": ["women"], "lat": 35.7, "lon": -5.8}
DIRECTORY = {"providers": [PROVIDER]}


def _ids(variants: list[tuple[str, Any]]) -> list[str]:
    return [label for label, _ in variants]


def tables(opened: OpenStore, *, skip: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """Every row of every table of the open store (sorted), to compare before and after."""
    db = opened.store.db
    with opened.store._lock:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {name: sorted(db.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
                for name in names if name not in skip and not name.startswith("sqlite_")}


def assert_clear(exc: BaseException, *words: str) -> str:
    """A typed error whose message says something specific (not "failed", not a Python internal)."""
    assert not isinstance(exc, LEAKS), repr(exc)
    message = str(exc)
    assert message and "Traceback" not in message and "Something went wrong" not in message, message
    assert message.strip().lower() not in ("failed", "error"), message
    assert "\n" not in message, message
    for word in words:
        assert word in message, (word, message)
    return message


@pytest.fixture
def opened(new_store: tuple[Vault, OpenStore]) -> OpenStore:
    return new_store[1]


# --- checklists -----------------------------------------------------------------------------

CHECKLIST_VARIANTS = file_variants(json.loads(CHECKLIST)) + [
    ("a question text of NUL bytes", CHECKLIST.replace(b'"title": {', b'"title": {"x": "\\u0000", ', 1)),
]
CHECKLIST_WORDS = {"empty": "not valid JSON", "invalid UTF-8": "not UTF-8", "latin-1 text": "not UTF-8",
                   "100,000 nested lists": "nested", "100,000 nested lists in a field": "nested",
                   "a number of 5,000 digits": "digits", "NaN": "NaN", "1e999": "too large",
                   "a key given twice": "appears twice"}


@pytest.mark.parametrize("label, raw", CHECKLIST_VARIANTS, ids=_ids(CHECKLIST_VARIANTS))
def test_checklist_file_is_refused_by_name(label: str, raw: bytes) -> None:
    with pytest.raises(ChecklistInvalid) as caught:
        load_checklist(raw, "hostile.json")
    message = assert_clear(caught.value, "hostile.json")
    assert CHECKLIST_WORDS.get(label, "") in message


def test_published_checklist_refused_changes_nothing(opened: OpenStore) -> None:
    svc = services_for(opened)
    before = tables(opened)
    for label, raw in CHECKLIST_VARIANTS:
        with pytest.raises(ChecklistInvalid) as caught:
            svc.screenings.apply_published_checklist(raw, 7)
        assert_clear(caught.value, "published version 7")
    assert tables(opened) == before


def test_checklist_with_bidi_control_in_arabic_text_is_accepted_inert_or_refused() -> None:
    """Checklist text is shown isolated (i18n.bidi); a U+202E inside cannot leak past its item."""
    document = json.loads(CHECKLIST)
    document["title"]["ar"] = "قائمة" + "\u202e" + " " + SQL
    try:
        checklist = load_checklist(dump(document), "rlo.json")
    except ChecklistInvalid as exc:
        assert_clear(exc, "rlo.json")
        return
    assert checklist.title.ar == ("قائمة" + "\u202e" + " " + SQL).strip()
    shown = isolate(checklist.title.ar)
    assert shown.startswith(FSI) and shown.endswith(PDI)


# --- case import -------------------------------------------------------------------------------

IMPORT_VARIANTS = file_variants(IMPORT_DOC) + [
    ("just over 64 MB", b" " * (importing.MAX_BYTES + 1)),
]


@pytest.mark.parametrize("label, raw", IMPORT_VARIANTS, ids=_ids(IMPORT_VARIANTS))
def test_case_import_file_is_refused_by_name(label: str, raw: bytes) -> None:
    with pytest.raises(ImportRejected) as caught:
        importing.parse(raw)
    message = assert_clear(caught.value)
    if label == "just over 64 MB":
        assert "larger than 64 MB" in message
    if label == "a key given twice":
        assert "appears twice" in message


def _import_with(**person: Any) -> dict[str, Any]:
    doc = json.loads(dump(IMPORT_DOC))
    doc["cases"][0]["person"].update(person)
    return doc


NAME_VARIANTS = [(f"U+{ord(c):04X} in an Arabic name", {"prs_FirstNameAr": "فاط" + c + "مة"}) for c in BIDI_CONTROLS] + [
    ("U+202E in a Latin name", {"prs_FirstName": "Ami\u202enata"}),
    ("NUL in a name", {"prs_FirstName": NUL_TEXT}),
    ("a name as a list", {"prs_FirstName": ["Aminata"]}),
    ("a name as a number", {"prs_FirstName": 10 ** 30}),
    ("a name of 81 letters", {"prs_FirstName": "A" * 81}),
    ("a birth year of 30 digits", {"prs_BirthYear": 10 ** 30}),
    ("a gender as an object", {"prs_Gender": {"$ne": None}}),
]


def test_import_names_are_checked_and_nothing_is_written(opened: OpenStore) -> None:
    cases = services_for(opened).cases
    before = tables(opened)
    for label, person in NAME_VARIANTS:
        with pytest.raises(ImportRejected) as caught:
            cases.import_entries(opened.session, importing.parse(dump(_import_with(**person))))
        message = assert_clear(caught.value, "case 1")
        field = next(iter(person))
        assert any(word in message for word in (field, "first_name", "birth_year", "gender", "sex")), (label, message)
    assert tables(opened) == before


def test_sql_and_html_in_latin_names_are_stored_verbatim(opened: OpenStore) -> None:
    """Latin names may hold punctuation (O'Brien, Jean-Luc): SQL and HTML are plain text to the store."""
    svc = services_for(opened)
    before = tables(opened)
    [case] = svc.cases.import_entries(opened.session, importing.parse(dump(
        _import_with(prs_FirstName=SQL, prs_SecondName=HTML))))
    person = svc.cases.open_case(opened.session, case.id).person
    assert (person.first_name, person.second_name) == (SQL, HTML)
    after = tables(opened)
    assert len(after["cases"]) == len(before["cases"]) + 1 and isolate(person.first_name) == FSI + SQL + PDI


def test_rlo_name_is_refused_with_the_field_named() -> None:
    with pytest.raises(ImportRejected) as caught:
        importing.parse(dump(_import_with(prs_FirstNameAr=RLO_NAME)))
    assert "invisible control characters" in str(caught.value)


def test_sql_and_html_in_notes_come_back_verbatim_and_touch_nothing_else(opened: OpenStore) -> None:
    svc = services_for(opened)
    doc = json.loads(dump(IMPORT_DOC))
    doc["cases"][0]["notes"] = [SQL, HTML, "ملاحظة " + SQL]
    before = tables(opened)
    [case] = svc.cases.import_entries(opened.session, importing.parse(dump(doc)))
    after = tables(opened)
    texts = sorted(n.text for n in svc.cases.open_case(opened.session, case.id).notes)
    assert texts == sorted([SQL, HTML, "ملاحظة " + SQL])
    assert after["cases"] and len(after["cases"]) == len(before["cases"]) + 1  # the table is still there
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed <= {"cases", "persons", "notes", "outbox", "audit", "meta", "search_keys", "search_index"}, changed
    shown = isolate(SQL)
    assert shown == FSI + SQL + PDI


# --- the service directory -----------------------------------------------------------------------

def _directory_with(**fields: Any) -> dict[str, Any]:
    return {"providers": [dict(PROVIDER, **fields)]}


DIRECTORY_DATA_VARIANTS = [
    ("a list", []), ("a string", "providers"), ("null", None), ("providers not a list", {"providers": {}}),
    ("an entry that is a list", {"providers": [[1, 2]]}),
    ("an entry without an id", {"providers": [{k: v for k, v in PROVIDER.items() if k != "id"}]}),
    ("a category that does not exist", _directory_with(categories=["'); DROP TABLE cases;--"])),
    ("categories as a string", _directory_with(categories="health")),
    ("takes as an object", _directory_with(takes={"women": True})),
    ("a name as a number", _directory_with(name_fr=10 ** 40)),
    ("a latitude of 400", _directory_with(lat=400)),
    ("a latitude as text", _directory_with(lat="35.7")),
    ("languages as a number", _directory_with(languages=5)),
    ("the same id twice", {"providers": [PROVIDER, dict(PROVIDER)]}),
] + [(f"U+{ord(c):04X} in the Arabic name", _directory_with(name_ar="جمعية" + c + "الاختبار"))
     for c in BIDI_CONTROLS] + [("NUL in the name", _directory_with(name_fr="Asso\x00ciation"))]


def test_directory_import_refused_changes_nothing(secretariat: OpenStore) -> None:
    svc = services_for(secretariat)
    before = tables(secretariat)
    for label, data in DIRECTORY_DATA_VARIANTS:
        with pytest.raises(ValidationError) as caught:
            svc.referrals.import_directory(secretariat.session, data)
        assert_clear(caught.value)
        assert caught.value.errors and all(e.field for e in caught.value.errors), label
    assert tables(secretariat) == before


DIRECTORY_FILE_VARIANTS = file_variants(DIRECTORY)


def test_published_directory_refused_changes_nothing(opened: OpenStore) -> None:
    svc = services_for(opened)
    before = tables(opened)
    for label, raw in DIRECTORY_FILE_VARIANTS:
        try:
            svc.referrals.apply_published_directory(raw, 3)
        except ValidationError as exc:
            assert_clear(exc)
        else:
            pytest.fail(f"{label}: accepted")
    assert tables(opened) == before


def test_sql_and_html_in_a_directory_entry_come_back_verbatim(secretariat: OpenStore) -> None:
    svc = services_for(secretariat)
    data = _directory_with(capacity_notes=SQL + " " + HTML, address=HTML)
    assert svc.referrals.import_directory(secretariat.session, data) == 1
    provider = svc.referrals.provider(secretariat.session, PROVIDER["id"])
    assert provider.capacity_notes == SQL + " " + HTML and provider.address == HTML
    assert len(tables(secretariat)["cases"]) == 0


@pytest.fixture
def secretariat(tmp_path: Path, store_tools: Any) -> Any:
    from app.domain.values import Role

    opened = Vault(tmp_path / "national").create(
        store_tools.make_user("sec.national", role=Role.SECRETARIAT, scope="national"), store_tools.passphrase)
    yield opened
    opened.lock()


# --- the command line: one line, non-zero, never a traceback -------------------------------------

def _cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], store: Path, user: str,
         *args: str) -> tuple[int, str]:
    from ui.cli import main as cli_main

    monkeypatch.setenv("HIMAYA_PASSPHRASE", "cedar harbour lantern 7 violet")
    monkeypatch.setenv("HIMAYA_USER", user)
    capsys.readouterr()
    code = cli_main.main(["--store", str(store), *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.err


def _unlocked_tables(folder: Path, username: str, passphrase: str) -> dict[str, list[tuple]]:
    """The tables of a locked store, without the audit trail (each unlock adds to it)."""
    opened = Vault(folder).unlock(username, passphrase)
    try:
        return tables(opened, skip=("audit",))
    finally:
        opened.lock()


@pytest.mark.parametrize("command, variants", [
    ("case import", IMPORT_VARIANTS[:-1]),  # the 64 MB file is the service test's
    ("services import", DIRECTORY_FILE_VARIANTS),
], ids=["case import", "services import"])
def test_cli_imports_refuse_in_one_line(command: str, variants: list[tuple[str, bytes]], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                       store_tools: Any) -> None:
    from app.domain.values import Role

    role = Role.SECRETARIAT if command == "services import" else Role.SUPERVISOR
    user = store_tools.make_user("sec.national" if role is Role.SECRETARIAT else "sara.sup", role=role)
    folder = tmp_path / "store"
    Vault(folder).create(user, store_tools.passphrase).lock()
    assert _cli(monkeypatch, capsys, folder, user.username, "case", "list")[0] == 0  # the first unlock seeds the directory
    before = _unlocked_tables(folder, user.username, store_tools.passphrase)
    for label, raw in variants:
        path = tmp_path / "hostile.json"
        path.write_bytes(raw)
        code, err = _cli(monkeypatch, capsys, folder, user.username, *command.split(), str(path))
        lines = err.strip().splitlines()
        assert code == 1, (label, code, err)
        assert len(lines) == 1 and "internal error" not in lines[0], (label, err)
    assert _unlocked_tables(folder, user.username, store_tools.passphrase) == before


# --- bundles -----------------------------------------------------------------------------------

def _raw_private(key: Ed25519PrivateKey | X25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


@pytest.fixture
def enrolled(opened: OpenStore) -> tuple[OpenStore, SyncState, Ed25519PrivateKey]:
    """The store made a device of a realm, without a hub (config and keys set as enrolment leaves them)."""
    state = SyncState(opened.store)
    realm = Ed25519PrivateKey.generate()
    state.set_secret("sign", _raw_private(Ed25519PrivateKey.generate()))
    state.set_secret("exchange", _raw_private(X25519PrivateKey.generate()))
    state.set_config(hub_url="https://hub.invalid", ca_pem="-", realm_id="realm-hostile", status="approved",
                     realm_public=b64(realm.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)))
    return opened, state, realm


BUNDLE_DOC = {"format": "himaya-bundle", "v": 1, "manifest": {"realm": "realm-hostile", "envelopes": []},
              "signature": "", "certificate": {}, "envelopes": []}
BUNDLE_VARIANTS = file_variants(BUNDLE_DOC) + [
    ("an envelope list of 100,000 nested lists", dump(BUNDLE_DOC).replace(b'"envelopes": []}',
                                                                          b'"envelopes": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")),
    ("a certificate of another type", dump(dict(BUNDLE_DOC, certificate="x" * 1000))),
    ("manifest entries of wrong types", dump(dict(BUNDLE_DOC, manifest={"envelopes": [["1", 2], None]}))),
    ("a signature of NUL bytes", dump(dict(BUNDLE_DOC, signature=b64(b"\x00" * 64)))),
]


def test_bundle_file_refused_by_name(enrolled: tuple[OpenStore, SyncState, Ed25519PrivateKey],
                                     tmp_path: Path) -> None:
    opened, state, realm = enrolled
    before = tables(opened)
    path = tmp_path / "hostile.himaya-bundle"
    for label, raw in BUNDLE_VARIANTS:
        path.write_bytes(raw)
        with pytest.raises(ProtocolError) as caught:
            read_bundle(path, realm.public_key(), "realm-hostile")
        assert_clear(caught.value)
        with pytest.raises(BundleRefused) as refused:
            import_bundle(state, path)
        assert_clear(refused.value)
    assert tables(opened) == before


def test_bundle_just_over_the_limit_is_refused_unread(enrolled: tuple[OpenStore, SyncState, Ed25519PrivateKey],
                                                       tmp_path: Path) -> None:
    opened, state, _realm = enrolled
    path = tmp_path / "huge.himaya-bundle"
    with open(path, "wb") as handle:  # sparse: no disk, no memory
        handle.truncate(MAX_BUNDLE + 1)
    before = tables(opened)
    with pytest.raises(BundleRefused) as caught:
        import_bundle(state, path)
    assert_clear(caught.value, "larger than 512 MiB")
    assert tables(opened) == before


# --- backups -------------------------------------------------------------------------------------

def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_backup_files_refused_and_the_store_untouched(new_store: tuple[Vault, OpenStore], tmp_path: Path,
                                                      store_tools: Any) -> None:
    vault, opened = new_store
    good = create_backup(opened, tmp_path / "good.himaya-backup")
    opened.lock()
    with zipfile.ZipFile(good) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members["manifest.json"])
    raw = good.read_bytes()
    variants: list[tuple[str, Path]] = []
    for label, data in file_variants(manifest):
        variants.append((f"a file of {label}", tmp_path / f"raw-{len(variants)}"))
        variants[-1][1].write_bytes(data)
        variants.append((f"a manifest of {label}", _zip(tmp_path / f"m-{len(variants)}", {**members, "manifest.json": data})))
    for label, change in [
        ("a truncated backup", raw[: len(raw) // 2]),
        ("a backup cut before its directory", raw[:-22]),
    ]:
        variants.append((label, tmp_path / f"cut-{len(variants)}"))
        variants[-1][1].write_bytes(change)
    variants += [
        ("a member with a path outside", _zip(tmp_path / "traversal", {**members, "../../evil": b"x"})),
        ("a manifest naming a newer schema", _zip(tmp_path / "newer", {**members, "manifest.json": dump(
            dict(manifest, schema=10 ** 40))})),
        ("files as a list", _zip(tmp_path / "files-list", {**members, "manifest.json": dump(dict(manifest, files=[1]))})),
        ("a SQL fragment as the schema", _zip(tmp_path / "sql", {**members, "manifest.json": dump(
            dict(manifest, schema=SQL))})),
        ("a key file of 100,000 nested lists", _zip(tmp_path / "deep-keys", {**members, "keys.json": b"[" * 100_000}))
    ]
    before = store_tools.snapshot(vault.folder)
    for label, path in variants:
        try:
            restore_backup(path, vault, store_tools.username, store_tools.passphrase)
        except BackupInvalid as exc:
            assert_clear(exc, "cannot be restored")
        except Exception as exc:  # noqa: BLE001 - the test reports what leaked
            pytest.fail(f"{label}: {type(exc).__name__}: {exc}")
        else:
            pytest.fail(f"{label}: restored")
        assert store_tools.snapshot(vault.folder) == before, label


# --- the hub's answers, as the client reads them ------------------------------------------------

HOSTILE_BODIES = [(label, raw) for label, raw in file_variants({"status": "approved", "keys": []})] + [
    ("HTML", HTML.encode()), ("a SQL fragment", SQL.encode()),
]


def _transport(handler: Callable[[httpx.Request], httpx.Response]) -> HubTransport:
    return HubTransport("https://hub.invalid", "-", "device-1", Ed25519PrivateKey.generate(),
                        http=httpx.MockTransport(handler))


@pytest.mark.parametrize("status", [200, 400, 500])
def test_transport_names_a_malformed_answer(status: int) -> None:
    for label, raw in HOSTILE_BODIES:
        with _transport(lambda _r, raw=raw: httpx.Response(status, content=raw)) as transport:
            with pytest.raises(HubRefused) as caught:
                transport.get("/v1/me")
        message = assert_clear(caught.value)
        expected = "malformed_answer" if status == 200 else f"http_{status}"
        assert caught.value.code == expected, (label, caught.value.code, message)


def test_transport_clock_skew_with_a_hostile_time() -> None:
    for time_value in ["1" + "0" * 400, "1e308", '"soon"', "true", "-1" + "0" * 30]:
        body = b'{"error": "clock_skew", "time": ' + time_value.encode() + b"}"
        with _transport(lambda _r, body=body: httpx.Response(401, content=body)) as transport:
            with pytest.raises(HubRefused) as caught:
                transport.get("/v1/me")
        assert caught.value.code == "clock_skew", time_value


def test_fetch_ca_refuses_hostile_answers() -> None:
    pin = "sha256:" + "0" * 64
    for label, raw in HOSTILE_BODIES + [("a CA that is a number", b'{"ca_pem": 5}')]:
        http = httpx.MockTransport(lambda _r, raw=raw: httpx.Response(200, content=raw))
        with pytest.raises(SyncError) as caught:
            fetch_ca("https://hub.invalid", pin, http=http)
        assert_clear(caught.value)


def _me(**fields: Any) -> bytes:
    return dump({"status": "approved", "realm": {"id": "realm-hostile"}, **fields})


#: answers the client passes over by design: entries it cannot read are skipped or held
INERT_ANSWERS = {"status answer: status as an object", "status answer: keys with hostile values",
                 "certificates: hostile entries", "feed: an envelope that is a list",
                 "status answer: a certificate of NUL"}
SYNC_ANSWERS = [
    ("status answer: HTML", {"/v1/me": HTML.encode()}),
    ("status answer: 100,000 nested lists", {"/v1/me": b"[" * 100_000 + b"]" * 100_000}),
    ("status answer: keys as a number", {"/v1/me": _me(keys=5)}),
    ("status answer: keys as text", {"/v1/me": _me(keys=SQL)}),
    ("status answer: keys with hostile values", {"/v1/me": _me(keys=[{"scope": SQL, "epoch": "1" * 5000,
                                                                         "wrapped": HTML}, None, [1], 7])}),
    ("status answer: a certificate of NUL", {"/v1/me": _me(certificate="\x00" * 10)}),
    ("status answer: status as an object", {"/v1/me": _me(status={"approved": True})}),
    ("certificates: a number", {"/v1/certificates": dump({"certificates": 5})}),
    ("certificates: hostile entries", {"/v1/certificates": dump({"certificates": [SQL, [HTML], None, 10 ** 30]})}),
    ("feed: envelopes as text", {"/v1/feed": dump({"envelopes": SQL})}),
    ("feed: hub_seq of 400 digits", {"/v1/feed": b'{"envelopes": [{"hub_seq": 1' + b"0" * 400 + b', "envelope": {}}]}'}),
    ("feed: an envelope that is a list", {"/v1/feed": dump({"envelopes": [{"hub_seq": 1, "envelope": [HTML]}],
                                                            "more": False})}),
    ("feed: hub_seq as text", {"/v1/feed": dump({"envelopes": [{"hub_seq": "1", "envelope": {}}]})}),
    ("feed: a duplicated key", {"/v1/feed": b'{"envelopes": [], "envelopes": [1]}'}),
    ("publication: version of 5,000 digits", {"/v1/publications/directory": b'{"version": ' + b"9" * 5000 + b"}"}),
    ("publication: payload not base64", {"/v1/publications/checklist": dump({"version": 3, "payload": SQL,
                                                                            "signature": HTML})}),
    ("publication: version as an object", {"/v1/publications/checklist": dump({"version": {}, "payload": "",
                                                                              "signature": ""})}),
]


def test_sync_against_a_hostile_hub_names_the_problem(
        enrolled: tuple[OpenStore, SyncState, Ed25519PrivateKey]) -> None:
    opened, state, _realm = enrolled
    skip = ("sync_config", "sync_cursors")  # the sync's own bookkeeping (last result, packing cursor)
    SyncClient(state, _hub({})).sync()  # packs what the store holds: the variants start from here
    before = tables(opened, skip=skip)
    for label, answers in SYNC_ANSWERS:
        state.set_config(status="approved")
        result = SyncClient(state, _hub(answers)).sync()  # never raises: a result says what went wrong
        if label in INERT_ANSWERS:
            assert result.error_code in (None, "pending", "protocol"), (label, result)
        elif label.startswith("publication"):
            assert result.error_code in ("publication_refused", "protocol"), (label, result)
            assert "int()" not in result.error, (label, result)
        else:
            assert result.error and result.error_code not in (None, "failed"), (label, result)
        assert tables(opened, skip=skip) == before, label


def _hub(answers: dict[str, bytes]) -> Callable[[Any], HubTransport]:
    """A transport factory for a hub that gives ``answers`` (by path) and well-formed empty ones else."""
    normal = {"/v1/me": _me(keys=[]), "/v1/feed": dump({"envelopes": [], "more": False}),
              "/v1/certificates": dump({"certificates": []})}

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path in answers:
            return httpx.Response(200, content=answers[path])
        if path in normal:
            return httpx.Response(200, content=normal[path])
        return httpx.Response(404, content=dump({"error": "not_found"}))

    def factory(state: Any) -> HubTransport:
        return HubTransport("https://hub.invalid", "-", state.device_id, Ed25519PrivateKey.generate(),
                            http=httpx.MockTransport(handler))

    return factory


# --- published publications held in the store --------------------------------------------------

def test_received_publications_with_hostile_payloads_are_refused_by_name(opened: OpenStore) -> None:
    svc = services_for(opened)
    state = SyncState(opened.store)
    before = tables(opened, skip=("sync_config", "audit"))
    version = 10
    for label, raw in CHECKLIST_VARIANTS[:8] + DIRECTORY_FILE_VARIANTS[8:]:
        version += 1
        payload = base64.b64encode(raw).decode()
        state.set_config(publication_directory=json.dumps({"version": version, "payload": payload}),
                         publication_checklist=json.dumps({"version": version, "payload": payload}))
        outcomes = svc.publications.apply_received()
        assert outcomes and all(not o.applied for o in outcomes), (label, outcomes)
        for outcome in outcomes:
            assert outcome.reason and "failed" != outcome.reason.strip(), (label, outcome)
    assert tables(opened, skip=("sync_config", "audit")) == before


# --- the settings file ---------------------------------------------------------------------------

@pytest.mark.parametrize("label, raw", file_variants({"language": "fr", "idle_lock_minutes": 5}),
                         ids=_ids(file_variants({"language": "fr", "idle_lock_minutes": 5})))
def test_settings_file_falls_back_to_defaults(label: str, raw: bytes, tmp_path: Path) -> None:
    """The settings file holds no case data: a damaged one gives the defaults, never a crash."""
    path = tmp_path / "settings.json"
    path.write_bytes(raw)
    settings = SettingsFile(path)
    assert settings.get("idle_lock_minutes") in range(1, 16)
    assert settings.get("language") in ("ar", "fr", "en")


def test_settings_file_hostile_values_give_defaults(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(dump({"language": SQL, "idle_lock_minutes": 10 ** 30, "case_page_size": "200",
                           "last_user": {"$ne": None}}))
    settings = SettingsFile(path)
    assert settings.get("language") == "ar" and settings.get("idle_lock_minutes") == 5
    assert settings.get("case_page_size") == 200 and settings.get("last_user") == ""


def test_every_error_here_is_a_himaya_error() -> None:
    for error in (ChecklistInvalid, ImportRejected, BackupInvalid, ValidationError, BundleRefused, HubRefused):
        assert issubclass(error, HimayaError)
    assert load_json("services/directory.json")["providers"]  # the shipped directory still loads
