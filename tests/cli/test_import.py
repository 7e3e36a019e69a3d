"""``case import``: a himaya-cases file is taken whole or refused whole (app/importing.py)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

VALID = {
    "format": "himaya-cases", "version": 1,
    "cases": [
        {"person": {"prs_FirstName": "Aminata", "prs_SecondName": "Traoré", "prs_FirstNameAr": "أميناتا",
                    "prs_Gender": "Female", "prs_BirthYear": 1999, "prs_Nationality": "ML",
                    "prs_Languages": ["fr", "bm"]},
         "case": {"hmy_BorderPost": "TNG-MED", "hmy_DetectingAgency": "DGSN", "hmy_DetectedOn": "2026-03-14"},
         "notes": ["Met at the port with an interpreter."]},
        {"person": {"prs_FirstName": "Chidi", "prs_SecondName": "Okafor", "prs_Gender": "Male",
                    "prs_Nationality": "NG"},
         "case": {"hmy_Office": "BR-RABAT"},
         "notes": ["Referred by an association.", "Speaks English and Igbo."]},
        {"person": {"prs_FirstNameAr": "فاطمة", "prs_SecondNameAr": "الزهراء", "prs_Gender": "Female",
                    "prs_AgeBand": "9-17", "prs_Nationality": "MA"},
         "case": {"hmy_BorderPost": "TNG-MED"}},
    ],
}


def _write(folder: Path, name: str, doc) -> Path:  # noqa: ANN001 - a document or raw bytes
    path = folder / name
    path.write_bytes(doc if isinstance(doc, bytes) else json.dumps(doc, ensure_ascii=False).encode("utf-8"))
    return path


def _variant(change) -> dict:  # noqa: ANN001
    doc = copy.deepcopy(VALID)
    change(doc)
    return doc


def _person(index: int, **fields):  # noqa: ANN202
    return lambda doc: doc["cases"][index]["person"].update(fields)


def _case(index: int, **fields):  # noqa: ANN202
    return lambda doc: doc["cases"][index]["case"].update(fields)


INVALID = {
    "malformed JSON": (b'{"format": "himaya-cases", "version": 1, "cases": [', "not valid JSON"),
    "not UTF-8": ('{"format": "himaya-cases", "name": "é"}'.encode("latin-1"), "not UTF-8"),
    "wrong format tag": (_variant(lambda d: d.update(format="himaya-backup")), "not a 'himaya-cases' file"),
    "wrong version": (_variant(lambda d: d.update(version=2)), "unsupported version 2"),
    "no cases": (_variant(lambda d: d.update(cases=[])), "'cases' must be a non-empty list"),
    "unknown field": (_variant(_person(1, prs_Nickname="Chi")), "case 2: unknown person fields ['prs_Nickname']"),
    "unknown case field": (_variant(_case(0, hmy_Post="TNG-MED")), "case 1: unknown case fields"),
    "right-to-left override in a name": (_variant(_person(2, prs_FirstNameAr="فاط\u202eمة")),
                                         "case 3: first_name_ar: Contains invisible control characters"),
    "future date": (_variant(_case(1, hmy_DetectedOn="2999-01-01")), "case 2: hmy_DetectedOn is in the future"),
    "date too old": (_variant(_case(1, hmy_DetectedOn="1800-01-01")), "case 2: hmy_DetectedOn: The date is too far"),
    "unknown border post": (_variant(_case(0, hmy_BorderPost="XX-NOWHERE")), "case 1: unknown border post 'XX-NOWHERE'"),
    "unknown agency": (_variant(_case(0, hmy_DetectingAgency="CIA")), "case 1: unknown agency 'CIA'"),
    "Latin in the Arabic field": (_variant(_person(1, prs_SecondNameAr="Okafor")),
                                  "case 2: second_name_ar: Write this name in Arabic letters"),
    "bad note": (_variant(lambda d: d["cases"][2].update(notes=["fine", "bad \u202e note"])),
                 "case 3: notes.2: Contains invisible control characters"),
    "empty note": (_variant(lambda d: d["cases"][0].update(notes=["  "])), "'notes' must be a list of non-empty"),
    "neither post nor office": (_variant(lambda d: d["cases"][1].update(case={})),
                                "case 2: the case needs hmy_BorderPost or hmy_Office"),
    "a number as text": (_variant(_person(0, prs_BirthYear="1999")), "case 1: prs_BirthYear: expected a whole number"),
}


def _count(cli, store) -> int:  # noqa: ANN001
    result = cli(store, "case", "list", "--json", "--limit", "0")
    assert result.code == 0, result.err
    return result.json()["total"]


@pytest.fixture(scope="module")
def import_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("imports")
    files = {name: _write(folder, f"{i:02d}.json", doc) for i, (name, (doc, _says)) in enumerate(INVALID.items())}
    files["valid"] = _write(folder, "valid.json", VALID)
    return files


def test_valid_import_adds_exactly_its_cases_with_notes(store, cli, cli_proc, import_files):
    result = cli_proc(store, "case", "import", str(import_files["valid"]))
    assert result.code == 0, result.err
    assert result.out.strip() == "Imported 3 cases."
    listing = cli_proc(store, "case", "list", "--json").json()
    assert listing["total"] == 3
    by_name = {row["name_latin"] or row["name_ar"]: row for row in listing["cases"]}
    assert set(by_name) == {"Aminata Traoré", "Chidi Okafor", "فاطمة الزهراء"}
    assert {row["state"] for row in listing["cases"]} == {"detected"}
    aminata = by_name["Aminata Traoré"]
    assert aminata["detected_on"] == "2026-03-14" and aminata["border_post"] == "TNG-MED"
    assert aminata["name_ar"] == "أميناتا"
    notes = {}
    for name, row in by_name.items():
        data = cli(store, "case", "show", row["case_number"], "--json").json()
        notes[name] = [n["hmy_Text"] for n in data["notes"]]
        if name == "Chidi Okafor":
            assert data["case"]["hmy_Office"] == "BR-RABAT" and data["case"]["hmy_BorderPost"] is None
        if name == "Aminata Traoré":
            assert data["person"]["prs_Languages"] == ["fr", "bm"]
            assert data["case"]["hmy_DetectingAgency"] == "DGSN"
    assert notes == {"Aminata Traoré": ["Met at the port with an interpreter."],
                     "Chidi Okafor": ["Referred by an association.", "Speaks English and Igbo."],
                     "فاطمة الزهراء": []}


def test_refused_import_in_a_child_process_changes_nothing(store, cli, cli_proc, refused, import_files):
    assert cli(store, "case", "import", str(import_files["valid"])).code == 0
    result = cli_proc(store, "case", "import", str(import_files["unknown border post"]))
    line = refused(result, says="The import file was refused, nothing was imported")
    assert "unknown border post 'XX-NOWHERE'" in line
    assert result.out == ""
    assert cli_proc(store, "case", "list", "--json", "--limit", "0").json()["total"] == 3


def test_invalid_imports_are_refused_whole(shared_store, cli, refused, import_files):
    for name, (_doc, says) in INVALID.items():
        result = cli(shared_store, "case", "import", str(import_files[name]))
        line = refused(result, says="error: The import file was refused, nothing was imported: ")
        assert says in line, (name, line)
    assert _count(cli, shared_store) == 0  # all or nothing: not one case of any of them


def test_import_of_a_missing_file_is_one_line(shared_store, cli, refused, tmp_path):
    refused(cli(shared_store, "case", "import", str(tmp_path / "missing.json")), says="No such file or directory")


def test_border_officer_import_at_another_post_is_rolled_back(team_store, cli, refused, import_files):
    from clikit import OFFICER, OFFICER_PASS

    # cases 1 and 3 are at the officer's post, case 2 is at an office: the whole file is refused
    refused(cli(team_store, "--user", OFFICER, "case", "import", str(import_files["valid"]),
                passphrase=OFFICER_PASS),
            says="register a case at another border post")
    assert cli(team_store, "--user", "salma", "case", "list", "--json").json()["total"] == 0
