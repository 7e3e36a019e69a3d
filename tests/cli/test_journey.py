"""The new user's journey of the issue, as a user runs it: child processes on a real store.

``init`` → ``demo-data --cases 1000`` → ``case list`` (run once for the session, see
``journey`` in conftest), then the filters, ``case show`` and ``--version``.
"""

from __future__ import annotations

import re
from collections import Counter

from clikit import DEMO_CASES

CASE_LINE = re.compile(r"^HMY-\d{4}-[0-9A-Z]{4,8}-\d{5,}\s")


def test_init_then_demo_data_then_case_list_works(journey):
    assert journey.init.code == 0, journey.init.err
    assert "Created an encrypted store" in journey.init.out
    assert (journey.store / "himaya.db").is_file() and (journey.store / "keys.json").is_file()
    assert journey.demo.code == 0, journey.demo.err
    assert f"Added {DEMO_CASES} synthetic demo cases" in journey.demo.out
    assert journey.listing.code == 0, journey.listing.err
    lines = journey.listing.out.splitlines()
    assert len(lines) == 20
    assert all(CASE_LINE.match(line) for line in lines), lines[:3]
    assert journey.listing.err.strip() == f"20 of {DEMO_CASES} cases"
    for result in (journey.init, journey.demo, journey.listing, journey.everything):
        assert "Traceback" not in result.out + result.err


def test_case_list_json_has_every_case(journey):
    assert journey.everything.code == 0, journey.everything.err
    data = journey.everything.json()
    assert data["total"] == DEMO_CASES
    assert len(data["cases"]) == DEMO_CASES
    numbers = [row["case_number"] for row in data["cases"]]
    assert len(set(numbers)) == DEMO_CASES
    assert len({row["id"] for row in data["cases"]}) == DEMO_CASES
    opened = [row["opened_at"] for row in data["cases"]]
    assert opened == sorted(opened, reverse=True)  # the default order: newest first
    assert {row["scope_id"] for row in data["cases"]} == {"north"}
    # a realistic spread, not one state for everything
    assert len(Counter(row["state"] for row in data["cases"])) >= 5


def test_state_filters_match_the_json_rows(journey, cli_proc):
    counts = Counter(row["state"] for row in journey.rows)
    common = [state for state, _n in counts.most_common(2)]
    one = cli_proc(journey.store, "case", "list", "--json", "--limit", "5000", "--state", common[0]).json()
    assert one["total"] == counts[common[0]] == len(one["cases"])
    assert {row["state"] for row in one["cases"]} == {common[0]}
    both = cli_proc(journey.store, "case", "list", "--json", "--limit", "5000",
                    "--state", common[0], "--state", common[1]).json()
    assert both["total"] == counts[common[0]] + counts[common[1]] == len(both["cases"])
    assert {row["id"] for row in one["cases"]} <= {row["id"] for row in both["cases"]}


def test_post_filter_matches_the_json_rows(journey, cli_proc):
    counts = Counter(row["border_post"] for row in journey.rows if row["border_post"])
    post, expected = counts.most_common(1)[0]
    page = cli_proc(journey.store, "case", "list", "--json", "--limit", "5000", "--post", post).json()
    assert page["total"] == expected == len(page["cases"])
    assert {row["border_post"] for row in page["cases"]} == {post}
    empty = cli_proc(journey.store, "case", "list", "--json", "--post", "NO-SUCH-POST").json()
    assert empty == {"total": 0, "cases": []}


def test_text_filter_narrows_consistently(journey, cli_proc):
    named = [row for row in journey.rows if row["name_latin"] and " " in row["name_latin"]]
    family = Counter(row["name_latin"].split()[-1] for row in named).most_common(1)[0][0]
    page = cli_proc(journey.store, "case", "list", "--json", "--limit", "5000", "--text", family.lower()).json()
    ids = {row["id"] for row in page["cases"]}
    assert page["total"] == len(ids)
    shown = {row["id"] for row in journey.rows if family.casefold() in row["name_latin"].casefold()}
    assert shown and shown <= ids  # every case showing the name is found, case-insensitively
    assert page["total"] < DEMO_CASES
    # a case number finds exactly its case (and is searched too, upper or lower case)
    target = journey.rows[len(journey.rows) // 2]
    exact = cli_proc(journey.store, "case", "list", "--json", "--text", target["case_number"].lower()).json()
    assert [row["id"] for row in exact["cases"]] == [target["id"]] and exact["total"] == 1


def test_case_show_json_has_htcds_fields(journey, cli_proc):
    target = next(row for row in journey.rows if row["name_latin"] and row["name_ar"])
    result = cli_proc(journey.store, "case", "show", target["case_number"], "--json")
    assert result.code == 0, result.err
    data = result.json()
    case, person = data["case"], data["person"]
    assert case["id"] == target["id"]
    assert case["cas_CaseNumber"] == target["case_number"]
    assert case["hmy_State"] == target["state"]
    assert case["cas_Status"] in {"Active", "FollowUp", "Closed", "ClosedReferred"}
    assert case["cas_PersonId"] == person["id"]
    assert {"cas_OpenedDate", "hmy_DetectedOn", "hmy_BorderPost", "cas_PrimaryCaseWorker"} <= set(case)
    assert person["prs_FirstName"] and person["prs_FirstName"] in target["name_latin"]
    assert person["prs_FirstNameAr"] and person["prs_FirstNameAr"] in target["name_ar"]
    assert person["prs_Gender"] == target["sex"]
    assert person["prs_Nationality"] == target["nationality"]
    assert {"prs_SecondName", "prs_SecondNameAr", "prs_BirthYear", "prs_Languages"} <= set(person)
    assert isinstance(data["notes"], list) and isinstance(data["consents"], list)
    assert isinstance(data["next_steps"], list)
    # the same case by its id, in the text view
    text = cli_proc(journey.store, "case", "show", target["id"])
    assert text.code == 0, text.err
    assert text.out.startswith(target["case_number"])
    assert person["prs_FirstNameAr"] in text.out and person["prs_FirstName"] in text.out


def test_version_prints_the_schema_version(cli_proc):
    from storage.migrations import CURRENT

    result = cli_proc(None, "--version")
    assert result.code == 0
    assert result.out.strip() == f"himaya-cli 0.1.0 (store schema {CURRENT})"
    assert result.err == ""


def test_demo_store_of_the_run_path_lists_cases(tmp_path, cli_proc):
    """What ``./dev run --demo`` builds (``ui.demo``), opened by the command line as its users."""
    from ui.demo import DEMO_PASSPHRASE, create_demo_store

    demo = create_demo_store(50, folder=tmp_path / "demo")
    assert demo.usernames == ("demo.supervisor", "demo.worker", "demo.border")
    result = cli_proc(demo.folder, "--user", "demo.supervisor", "case", "list", "--limit", "15",
                      passphrase=DEMO_PASSPHRASE)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert len(lines) == 15 and all(CASE_LINE.match(line) for line in lines)
    assert result.err.strip() == "15 of 50 cases"
    # the border officer sees only the cases of their own post
    border = cli_proc(demo.folder, "--user", "demo.border", "case", "list", "--json", "--limit", "100",
                      passphrase=DEMO_PASSPHRASE).json()
    assert border["total"] == len(border["cases"]) <= 50
    assert {row["border_post"] for row in border["cases"]} <= {"TNG-MED"}


def test_demo_data_can_be_added_again(store, cli, refused):
    for _run in range(2):  # the same (default) seed twice: new cases, not the same ids again
        result = cli(store, "demo-data", "--cases", "5")
        assert result.code == 0, result.err
        assert result.out.strip() == "Added 5 synthetic demo cases (seed 2023)."
    rows = cli(store, "case", "list", "--json").json()["cases"]
    assert len(rows) == 10
    assert len({row["id"] for row in rows}) == len({row["case_number"] for row in rows}) == 10
    refused(cli(store, "demo-data", "--cases", "0"), says="--cases takes a number from 1 to 1000000.")
