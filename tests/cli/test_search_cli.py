"""``himaya-cli search``, ``duplicates``, ``not-duplicate``, ``merge`` and the duplicate
warning of ``case add``."""

from __future__ import annotations

from clikit import SUPERVISOR, WORKER, WORKER_PASS

AMINATA = ("--first-name", "Aminata", "--second-name", "Traore", "--sex", "Female", "--birth-year", "1999",
           "--nationality", "ML", "--border-post", "TNG-MED")
AMINATA_AR = ("--first-name-ar", "أميناتا", "--second-name-ar", "تراوري", "--sex", "Female", "--birth-year", "1999",
              "--nationality", "ML", "--border-post", "TNG-MED")


def _add(cli, store, *args, **kw) -> dict:
    result = cli(store, "case", "add", *args, "--json", **kw)
    assert result.code == 0, result.err
    return result.json()


def test_search_finds_a_latin_name_from_arabic_and_says_why(store, cli):
    first = _add(cli, store, *AMINATA)
    _add(cli, store, "--first-name", "Fatoumata", "--second-name", "Camara", "--border-post", "TNG-MED")
    result = cli(store, "search", "أميناتا تراوري")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert len(lines) == 1 and lines[0].startswith(first["cas_CaseNumber"])
    assert "Aminata Traore" in lines[0] and "name matches across scripts" in lines[0]
    assert "[Detected, TNG-MED, ML, 1999]" in lines[0]
    assert result.err.strip() == "1 matches"
    data = cli(store, "search", "aminata", "--json").json()
    assert [(m["case_id"], m["reasons"][0], m["why"][0]) for m in data] == [
        (first["id"], "same name", "same name")]
    assert data[0]["score"] > 0.9 and data[0]["state"] == "detected" and data[0]["birth_year"] == 1999
    by_number = cli(store, "search", first["cas_CaseNumber"].lower(), "--json").json()
    assert [m["case_id"] for m in by_number] == [first["id"]]


def test_search_refuses_bad_input_in_one_line(store, cli, refused):
    refused(cli(store, "search", "  "), says="Give something to search for")
    refused(cli(store, "search", "amina", "--limit", "0"), says="--limit takes a number from 1 to 500")
    refused(cli(store, "search"), code=2)


def test_case_add_warns_about_a_likely_duplicate_then_the_decisions(store, cli):
    first = _add(cli, store, *AMINATA)
    second = cli(store, "case", "add", *AMINATA_AR)
    assert second.code == 0 and second.out.startswith("Opened case HMY-")  # opened anyway …
    assert "warning: this person may already have a case" in second.err  # … with the warning
    assert first["cas_CaseNumber"] in second.err and "same birth year" in second.err
    number = second.out.split()[2]
    listed = cli(store, "duplicates", number, "--json")
    assert [m["case_id"] for m in listed.json()] == [first["id"]]
    assert cli(store, "not-duplicate", number, first["cas_CaseNumber"]).code == 0
    assert cli(store, "duplicates", number, "--json").json() == []
    assert cli(store, "duplicates", number).err.strip() == "0 likely duplicates"


def test_merge_is_for_the_supervisor_and_can_be_undone(team_store, cli, refused):
    keep = _add(cli, team_store, *AMINATA, user=SUPERVISOR)
    dup = _add(cli, team_store, *AMINATA_AR, user=SUPERVISOR)
    refused(cli(team_store, "merge", keep["cas_CaseNumber"], dup["cas_CaseNumber"], "--reason",
                "registered twice at the port", user=WORKER, passphrase=WORKER_PASS),
            says="merge two cases of the same person")
    refused(cli(team_store, "merge", keep["cas_CaseNumber"], dup["cas_CaseNumber"], user=SUPERVISOR), code=2)
    merged = cli(team_store, "merge", keep["cas_CaseNumber"], dup["cas_CaseNumber"], "--reason",
                 "registered twice at the port", user=SUPERVISOR)
    assert merged.code == 0, merged.err
    assert merged.out.strip() == (f"{dup['cas_CaseNumber']} is merged into {keep['cas_CaseNumber']} and closed; "
                                  "reopen it to undo.")
    shown = cli(team_store, "case", "show", dup["cas_CaseNumber"], "--json", user=SUPERVISOR).json()
    assert shown["case"]["hmy_State"] == "closed" and shown["case"]["cas_ClosureReason"] == "merged"
    assert [n["hmy_Text"] for n in shown["notes"]] == ["registered twice at the port"]
    found = cli(team_store, "search", "Aminata Traore", "--json", user=SUPERVISOR).json()
    assert "merged into another case" in {r for m in found for r in m["reasons"]}
