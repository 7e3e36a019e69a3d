"""``case add``, ``case show``, ``case note`` and the lifecycle (``case consent``, ``case move``)."""

from __future__ import annotations

from clikit import OFFICER, OFFICER_PASS, OFFICER_POST, SUPERVISOR, WORKER, WORKER_PASS

AMINATA = ("--first-name", "Aminata", "--second-name", "Traore", "--first-name-ar", "أميناتا",
           "--second-name-ar", "تراوري", "--sex", "Female", "--birth-year", "1999", "--nationality", "ML",
           "--border-post", "TNG-MED")


def _add(cli, store, *args, **kw) -> dict:
    result = cli(store, "case", "add", *args, "--json", **kw)
    assert result.code == 0, result.err
    return result.json()


def _count(cli, store, **kw) -> int:
    result = cli(store, "case", "list", "--json", "--limit", "0", **kw)
    assert result.code == 0, result.err
    return result.json()["total"]


def test_case_add_with_arabic_and_latin_names_then_show(store, cli_proc):
    added = cli_proc(store, "case", "add", *AMINATA)
    assert added.code == 0, added.err
    assert added.out.startswith("Opened case HMY-")
    number = added.out.split()[2]
    shown = cli_proc(store, "case", "show", number)
    assert shown.code == 0, shown.err
    assert shown.out.splitlines()[0].startswith(f"{number}  [Detected]  TNG-MED")
    assert "Aminata Traore / أميناتا تراوري" in shown.out
    assert "Nationality: ML" in shown.out and "Birth: 1999" in shown.out
    assert "Next steps: Screening" in shown.out


def test_latin_name_in_the_arabic_field_is_refused(store, cli_proc, refused):
    result = cli_proc(store, "case", "add", "--first-name", "Aminata", "--first-name-ar", "Aminata",
                      "--border-post", "TNG-MED")
    line = refused(result, says="first_name_ar")
    assert "Arabic letters" in line  # the reason, not only the field's name
    assert result.out == ""
    assert cli_proc(store, "case", "list", "--json").json()["total"] == 0


def test_bad_sex_value_is_refused_before_the_store_is_opened(tmp_path, cli_proc, refused):
    # no store at all: the value is checked first
    result = cli_proc(tmp_path / "nowhere", "case", "add", "--first-name", "Ali", "--sex", "female")
    line = refused(result, says="'female' is not one of")
    assert "Female" in line


def test_case_add_json_and_show_json(store, cli):
    case = _add(cli, store, *AMINATA, "--language", "fr", "--language", "bm", "--agency", "DGSN",
                "--detected-on", "2025-03-14")
    assert case["hmy_State"] == "detected" and case["hmy_DetectedOn"] == "2025-03-14"
    shown = cli(store, "case", "show", case["cas_CaseNumber"].lower(), "--json")
    assert shown.code == 0, shown.err
    data = shown.json()
    assert data["case"]["id"] == case["id"]
    assert data["case"]["hmy_DetectingAgency"] == "DGSN"
    assert data["person"]["prs_FirstName"] == "Aminata"
    assert data["person"]["prs_SecondNameAr"] == "تراوري"
    assert data["person"]["prs_Languages"] == ["fr", "bm"]
    assert data["next_steps"] == ["screening", "urgent_protection"]


CASE_ADD_REFUSALS = [
    (("--first-name", "عائشة", "--border-post", "TNG-MED"), "first_name: Write this name in Latin letters"),
    (("--first-name", "Ali", "--border-post", "NO-SUCH-POST"), "border_post: Unknown border post"),
    (("--first-name", "Ali"), "border_post: Give the border post or the office"),
    (("--first-name", "Ali", "--border-post", "TNG-MED", "--birth-year", "1850"), "birth_year"),
    (("--first-name", "Ali", "--border-post", "TNG-MED", "--nationality", "XX"), "nationality"),
    (("--first-name", "Ali", "--border-post", "TNG-MED", "--language", "French"), "languages.0"),
    (("--first-name", "Ali", "--border-post", "TNG-MED", "--agency", "NOPE"), "detecting_agency"),
    (("--first-name", "Ali", "--border-post", "TNG-MED", "--detected-on", "2099-01-01"),
     "detected_on: The date cannot be in the future"),
    (("--first-name", "Ali", "--border-post", "TNG-MED", "--detected-on", "2024-13-01"),
     "--detected-on takes a date as YYYY-MM-DD"),
    (("--first-name", "Ali\u202e", "--border-post", "TNG-MED"), "invisible control characters"),
]


def test_case_add_refusals(shared_store, cli, refused):
    for args, says in CASE_ADD_REFUSALS:
        refused(cli(shared_store, "case", "add", *args), says=says)
    assert _count(cli, shared_store) == 0  # none of them wrote anything


def test_bad_usage_is_one_line_with_exit_2(shared_store, cli, refused):
    store = shared_store
    refused(cli(store, "case", "add", "--birth-year", "nineteen"), code=2, says="invalid int value")
    refused(cli(store, "case", "list", "--sort", "age"), code=2, says="invalid choice")
    refused(cli(store, "case"), code=2, says="required")
    refused(cli(store, "no-such-command"), code=2, says="invalid choice")


def test_unknown_case_number_is_refused(store, cli, cli_proc, refused):
    _add(cli, store, *AMINATA)
    refused(cli_proc(store, "case", "show", "HMY-2026-ZZZZZZ-00001"),
            says="No case with the id HMY-2026-ZZZZZZ-00001 in this store.")
    for args in (("case", "show", "00000000-0000-4000-8000-000000000000"), ("case", "show", "nothing"),
                 ("case", "move", "nothing", "screening"), ("case", "note", "nothing", "a note"),
                 ("case", "consent", "nothing", "screening", "given")):
        refused(cli(store, *args), says="No case with the id")


def test_list_filters_refuse_unknown_states(shared_store, cli, refused):
    refused(cli(shared_store, "case", "list", "--state", "open"), says="'open' is not one of detected, screening")


def test_lifecycle_through_the_command_line(team_store, cli, cli_proc, refused):
    store = team_store
    case = _add(cli, store, *AMINATA, user=SUPERVISOR)
    number = case["cas_CaseNumber"]
    as_sup = {"user": SUPERVISOR}
    as_worker = {"user": WORKER, "passphrase": WORKER_PASS}

    refused(cli(store, "case", "move", number, "screening", **as_sup),
            says="the person's consent to the screening has not been recorded")
    consent = cli_proc(store, "--user", WORKER, "case", "consent", number, "screening", "given",
                       passphrase=WORKER_PASS)
    assert consent.code == 0 and consent.out.strip() == "Consent recorded.", consent.err
    moved = cli_proc(store, "--user", WORKER, "case", "move", number, "screening", passphrase=WORKER_PASS)
    assert moved.code == 0, moved.err
    assert moved.out.strip() == f"{number} is now: Screening"

    refused(cli(store, "case", "move", number, "presumed_victim", **as_worker),
            says="no completed screening recommends this outcome")
    refused(cli(store, "case", "move", number, "presumed_victim", "--reason", "short", **as_worker),
            says="no completed screening recommends this outcome")
    moved = cli_proc(store, "--user", WORKER, "case", "move", number, "presumed_victim",
                     "--reason", "paper screening form 12 signed", passphrase=WORKER_PASS)
    assert moved.code == 0, moved.err
    assert moved.out.strip() == f"{number} is now: Presumed victim"
    refused(cli(store, "case", "move", number, "accepted", **as_worker),
            says="this move is not part of the referral mechanism's lifecycle")

    # a referral needs the person's consent (an override for a child needs a possible minor)
    refused(cli(store, "case", "move", number, "referred", **as_worker), says="there is no consent to a referral")
    refused(cli(store, "case", "consent", number, "referral", "given", "--provider", "Shelter Tanger",
                "--override", "child_best_interests", "--override-reason", "a child alone", **as_worker),
            says="needs a person who may be under 18")
    refused(cli(store, "case", "consent", number, "referral", "maybe", **as_worker), says="'maybe' is not one of")
    assert cli(store, "case", "consent", number, "referral", "given", "--provider", "Shelter Tanger",
               **as_worker).code == 0
    moved = cli(store, "case", "move", number, "referred", **as_worker)
    assert moved.code == 0 and moved.out.strip() == f"{number} is now: Referred", moved.err

    # closing: a closure reason is required, and only a supervisor may close
    line = refused(cli(store, "case", "move", number, "closed", **as_sup))
    assert line == "error: The case cannot move from Referred to Closed: choose a closure reason"
    refused(cli(store, "case", "move", number, "closed", "--closure-reason", "reintegrated", **as_worker),
            says="your role may not do this step")
    refused(cli(store, "case", "move", number, "closed", "--closure-reason", "finished", **as_sup),
            says="'finished' is not one of reintegrated")
    assert cli(store, "case", "note", number, "Called the family in Bamako.", **as_worker).code == 0
    refused(cli(store, "case", "note", number, "   ", **as_worker), says="text: This field is required.")
    closed = cli(store, "case", "move", number, "closed", "--closure-reason", "reintegrated", **as_sup)
    assert closed.code == 0, closed.err

    data = cli(store, "case", "show", number, "--json", **as_sup).json()
    assert data["case"]["hmy_State"] == "closed"
    assert data["case"]["cas_Status"] == "Closed"
    assert data["case"]["cas_ClosureReason"] == "reintegrated"
    assert data["case"]["hmy_ScreeningOutcome"] == "presumed_victim"
    assert data["case"]["cas_ClosedDate"]
    assert [n["hmy_Text"] for n in data["notes"]] == ["paper screening form 12 signed",
                                                       "Called the family in Bamako."]
    assert [(c["hmy_Kind"], c["hmy_Decision"], c["hmy_Provider"]) for c in data["consents"]] == [
        ("screening", "given", None), ("referral", "given", "Shelter Tanger")]
    assert data["next_steps"] == ["follow_up"]  # reopening, for the supervisor


def test_border_officer_sees_and_adds_only_at_their_post(team_store, cli, refused):
    store = team_store
    as_officer = {"user": OFFICER, "passphrase": OFFICER_PASS}
    mine = _add(cli, store, "--first-name", "Chidi", "--nationality", "NG", **as_officer)
    assert mine["hmy_BorderPost"] == OFFICER_POST  # the officer's post by default
    other = _add(cli, store, "--first-name", "Mamadou", "--border-post", "BR-RABAT", user=SUPERVISOR)
    refused(cli(store, "case", "add", "--first-name", "Ali", "--border-post", "BR-RABAT", **as_officer),
            says="Your role (Border officer) does not allow this: register a case at another border post.")
    listing = cli(store, "case", "list", "--json", **as_officer).json()
    assert [row["id"] for row in listing["cases"]] == [mine["id"]]
    # a case the officer may not see is reported as absent, like a case that does not exist
    refused(cli(store, "case", "show", other["cas_CaseNumber"], **as_officer), says="No case with the id")
    refused(cli(store, "case", "note", mine["cas_CaseNumber"], "a note", **as_officer),
            says="Your role (Border officer) does not allow this")
    assert _count(cli, store, user=SUPERVISOR) == 2


def test_records_of_the_same_second_keep_their_order(store, cli, refused, monkeypatch):
    """A consent withdrawn in the same second it was given is withdrawn (and notes keep their order)."""
    from datetime import datetime, timezone

    from app.ports import SystemClock

    number = _add(cli, store, *AMINATA)["cas_CaseNumber"]
    assert cli(store, "case", "consent", number, "screening", "given").code == 0
    assert cli(store, "case", "move", number, "screening").code == 0
    assert cli(store, "case", "move", number, "presumed_victim", "--reason", "paper screening form 7").code == 0
    frozen = datetime.now(timezone.utc).replace(microsecond=0)
    monkeypatch.setattr(SystemClock, "now", lambda self: frozen)
    for decision in ("given", "refused", "withdrawn"):
        assert cli(store, "case", "consent", number, "referral", decision, "--provider", "Shelter Tanger").code == 0
    for text in ("first note", "second note", "third note"):
        assert cli(store, "case", "note", number, text).code == 0
    data = cli(store, "case", "show", number, "--json").json()
    referral = [c["hmy_Decision"] for c in data["consents"] if c["hmy_Kind"] == "referral"]
    assert referral == ["given", "refused", "withdrawn"]
    assert [n["hmy_Text"] for n in data["notes"]][-3:] == ["first note", "second note", "third note"]
    refused(cli(store, "case", "move", number, "referred"), says="there is no consent to a referral")
