"""``services``, ``referral``, ``service``, ``tasks`` and ``task``: the referral workflow driven
from the command line, and its refusals (exit 1, one line, no traceback)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from clikit import OFFICER, OFFICER_PASS, SUPERVISOR, WORKER, WORKER_PASS

SHELTER = "5b0c3c3e-2f0a-4d55-9a51-0c1f2e7a0006"  # Tanger, women and children
CHILDREN = "5b0c3c3e-2f0a-4d55-9a51-0c1f2e7a0011"  # Fnideq, children only
CHILDREN_TETOUAN = "5b0c3c3e-2f0a-4d55-9a51-0c1f2e7a0014"
POLICE = "5b0c3c3e-2f0a-4d55-9a51-0c1f2e7a0004"  # Tanger
NO_CONSENT = "there is no consent to a referral to this provider"
AMINATA = ("--first-name", "Aminata", "--first-name-ar", "أميناتا", "--sex", "Female", "--birth-year", "1996",
           "--nationality", "ML", "--border-post", "TNG-MED")
MOUSSA = ("--first-name", "Moussa", "--first-name-ar", "موسى", "--sex", "Male",
          "--birth-year", str(date.today().year - 15), "--nationality", "GN", "--border-post", "TNG-MED")


def _ok(result):
    assert result.code == 0, (result.code, result.out, result.err)
    return result


def _as_worker(cli, store, *args):
    return cli(store, *args, passphrase=WORKER_PASS, user=WORKER)


def _as_supervisor(cli, store, *args):
    return cli(store, *args, user=SUPERVISOR)


def _as_officer(cli, store, *args):
    return cli(store, *args, passphrase=OFFICER_PASS, user=OFFICER)


def _presumed_victim(cli, store, *person) -> str:
    """A case opened and screened by the border officer; returns its number."""
    number = _ok(_as_officer(cli, store, "case", "add", *person, "--json")).json()["cas_CaseNumber"]
    _ok(_as_officer(cli, store, "case", "consent", number, "screening", "given"))
    _ok(_as_officer(cli, store, "case", "move", number, "screening"))
    _ok(_as_officer(cli, store, "case", "move", number, "presumed_victim", "--reason", "Paper form at the port"))
    return number


def test_the_referral_workflow_from_consent_to_services_and_tasks(team_store, cli, refused):
    store = team_store
    number = _presumed_victim(cli, store, *AMINATA)

    # without consent: refused, with the reason, nothing written
    line = refused(_as_worker(cli, store, "referral", "create", number, "--provider", SHELTER,
                              "--service", "shelter", "--urgency", "priority"), says=NO_CONSENT)
    assert line.startswith("error: The referral cannot be made")
    assert _ok(_as_worker(cli, store, "referral", "list", number, "--json")).json() == []

    # nearest first from the case's post, marking who does not take her
    hits = _ok(_as_worker(cli, store, "services", "list", "--case", number, "--category", "shelter",
                          "--json")).json()
    assert all("shelter" in h["hmy_Categories"] for h in hits)
    assert {h["id"] for h in hits if not h["suits_person"]} == {CHILDREN, CHILDREN_TETOUAN}
    suited = [h["distance_km"] for h in hits if h["suits_person"]]
    assert suited == sorted(suited) and hits[0]["id"] == SHELTER

    made = _ok(_as_worker(cli, store, "referral", "create", number, "--provider", "0006", "--service", "shelter",
                          "--service", "psychosocial", "--urgency", "priority", "--consent", "given",
                          "--language", "bm", "--interpreter", "--follow-up-days", "0", "--json")).json()
    referral = made["referral"]["id"]
    assert made["case"]["state"] == "referred"
    assert made["referral"]["hmy_ProviderId"] == SHELTER and made["referral"]["hmy_Status"] == "sent"
    assert made["consent"]["hmy_Provider"] == SHELTER and made["consent"]["hmy_Decision"] == "given"
    task = made["task"]["id"]
    due = _ok(_as_worker(cli, store, "tasks", "due", "--json")).json()
    assert [i["task"]["id"] for i in due["due_today"]] == [task]
    assert due["overdue"] == due["upcoming"] == due["waiting"] == []
    assert due["today"] == date.today().isoformat()

    listed = _ok(_as_worker(cli, store, "referral", "list", number))
    assert referral in listed.out and "Sent" in listed.out

    accepted = _ok(_as_worker(cli, store, "referral", "update", referral, "--status", "accepted",
                              "--feedback", "A bed is ready tonight"))
    assert accepted.out.splitlines() == [f"Referral {referral} is now: Accepted", f"{number} is now: Accepted"]
    _ok(_as_worker(cli, store, "case", "move", number, "in_assistance"))
    _ok(_as_worker(cli, store, "referral", "update", referral, "--status", "completed"))
    refused(_as_worker(cli, store, "referral", "update", referral, "--status", "accepted"),
            says="a referral cannot move from this status to that one")

    form = store.parent / "referral.pdf"
    written = _ok(_as_worker(cli, store, "referral", "form", referral, str(form), "--lang", "ar"))
    assert written.out.strip() == f"Referral form written to {form}." and form.read_bytes().startswith(b"%PDF")
    refused(_as_worker(cli, store, "referral", "form", referral, str(store.parent / "no" / "form.pdf")),
            says="No folder")
    refused(_as_officer(cli, store, "referral", "form", referral, str(store.parent / "officer.pdf")),
            says="does not allow this")
    assert not (store.parent / "officer.pdf").exists()

    services = _ok(_as_worker(cli, store, "service", "list", number, "--json")).json()
    assert sorted(s["hmy_Category"] for s in services) == ["psychosocial", "shelter"]
    _ok(_as_worker(cli, store, "service", "add", number, "--category", "health", "--provider-name",
                   "Unité intégrée, Hôpital Mohammed V", "--on", date.today().isoformat(), "--detail", "Bilan"))
    text = _ok(_as_worker(cli, store, "service", "list", number)).out
    assert "Health care: Unité intégrée, Hôpital Mohammed V — Bilan" in text

    # completing the referral closed its follow-up task
    assert _ok(_as_worker(cli, store, "tasks", "due", "--json")).json()["due_today"] == []
    history = _ok(_as_supervisor(cli, store, "case", "show", number, "--json")).json()
    assert history["case"]["hmy_State"] == "in_assistance"


def test_an_urgent_referral_of_a_child_by_the_border_officer_with_an_override(team_store, cli, refused):
    store = team_store
    number = _ok(_as_officer(cli, store, "case", "add", *MOUSSA, "--json")).json()["cas_CaseNumber"]
    base = ("referral", "create", number, "--provider", CHILDREN, "--service", "child_protection",
            "--service", "shelter")
    refused(_as_officer(cli, store, *base, "--urgency", "routine", "--consent", "given", "--unaccompanied"),
            says="Your role (Border officer) does not allow this")
    line = refused(_as_officer(cli, store, *base, "--urgency", "immediate"))
    for reason in (NO_CONSENT, "name the guardian or record that the child is unaccompanied",
                   "say in the risk summary why the referral is immediate"):
        assert reason in line
    refused(_as_officer(cli, store, *base, "--urgency", "immediate", "--consent", "override:child_best_interests",
                        "--unaccompanied", "--risk-summary", "Alone at the port at night"),
            says="override_reason: Explain the override")
    made = _ok(_as_officer(cli, store, *base, "--urgency", "immediate", "--consent", "override:child_best_interests",
                           "--override-reason", "Unaccompanied, no guardian reachable tonight", "--unaccompanied",
                           "--risk-summary", "Alone at the port at night", "--json")).json()
    assert made["case"]["state"] == "referred"
    assert made["referral"]["hmy_Override"] == "child_best_interests" and made["referral"]["hmy_Unaccompanied"]
    assert made["consent"]["hmy_Decision"] == "not_obtained"


def test_danger_to_life_override_for_an_adult_and_child_override_refused(team_store, cli, refused):
    store = team_store
    number = _presumed_victim(cli, store, *AMINATA)
    base = ("referral", "create", number, "--provider", POLICE, "--service", "emergency_protection",
            "--urgency", "priority")
    refused(_as_worker(cli, store, *base, "--consent", "override:child_best_interests", "--override-reason",
                       "She looks very young to us"), says="needs a person who may be under 18")
    made = _ok(_as_worker(cli, store, *base, "--consent", "override:danger_to_life", "--override-reason",
                          "The controller waits outside", "--json")).json()
    assert made["referral"]["hmy_Override"] == "danger_to_life"


@pytest.mark.parametrize("args,says", [
    (("--urgency", "soon"), "--urgency takes one of: immediate, priority, routine"),
    (("--urgency", "routine", "--service", "karaoke"), "--service takes one of"),
    (("--urgency", "routine", "--consent", "maybe"), "--consent takes given, guardian:NAME"),
    (("--urgency", "routine", "--consent", "guardian:"), "--consent takes given, guardian:NAME"),
    (("--urgency", "routine", "--consent", "given", "--override-reason", "Because of the danger"),
     "--override-reason goes with --consent override:BASIS"),
    (("--urgency", "routine", "--follow-up-days", "-3"), "--follow-up-days takes a number from 0"),
])
def test_bad_referral_values_are_one_line_before_the_store_is_opened(tmp_path, cli, refused, args, says):
    result = cli(tmp_path / "nowhere", "referral", "create", "HMY-2026-ABCD-00001", "--provider", SHELTER,
                 "--service", "shelter", *args)
    refused(result, says=says)


def test_refusals_of_the_other_commands(team_store, cli, refused):
    store = team_store
    number = _presumed_victim(cli, store, *AMINATA)
    unknown = "0f0f0f0f-0000-4000-8000-000000000000"
    refused(_as_worker(cli, store, "referral", "create", number, "--provider", "nowhere", "--service", "shelter",
                       "--urgency", "routine"), says="No entry nowhere in the service directory")
    refused(_as_worker(cli, store, "referral", "create", number, "--provider", "0c1f2e7a00", "--service",
                       "shelter", "--urgency", "routine"), says="names 56 directory entries")
    refused(_as_worker(cli, store, "referral", "update", unknown, "--status", "accepted"), says="No referral")
    refused(_as_worker(cli, store, "referral", "update", unknown, "--status", "sent"),
            says="--status takes accepted, declined, completed or withdrawn")
    refused(_as_worker(cli, store, "referral", "update", unknown, "--status", "accepted", "--on", "yesterday"),
            says="--on takes a date as YYYY-MM-DD")
    refused(_as_worker(cli, store, "referral", "list", "HMY-2026-ZZZZ-99999"), says="No case")
    refused(_as_worker(cli, store, "service", "add", number, "--category", "health", "--provider-name", "X",
                       "--on", (date.today() + timedelta(days=3)).isoformat()), says="received_on")
    refused(_as_worker(cli, store, "task", "add", number, "Visit", "--due", "2026-13-01"),
            says="--due takes a date")
    refused(_as_worker(cli, store, "task", "add", number, "Visit", "--due", "2026-01-01", "--assign", "nobody"),
            says="No active user nobody")
    refused(_as_worker(cli, store, "task", "done", unknown), says="No task")
    refused(_as_worker(cli, store, "tasks", "due", "--days", "-1"), says="--days takes a number from 0")
    refused(_as_officer(cli, store, "task", "add", number, "Visit", "--due", "2026-01-01"),
            says="does not allow this")
    refused(_as_worker(cli, store, "services", "list", "--near", "NOWHERE"), says="--near takes a border post")
    refused(_as_worker(cli, store, "services", "list", "--category", "spa"), says="--category takes one of")


def test_tasks_for_another_user_and_the_today_sections(team_store, cli):
    store = team_store
    number = _presumed_victim(cli, store, *AMINATA)
    today = date.today()
    for title, offset in (("Call the shelter", -2), ("Visit", 0), ("Court hearing", 5), ("Review", 20)):
        _ok(_as_supervisor(cli, store, "task", "add", number, title, "--due", (today + timedelta(days=offset)).isoformat(),
                "--assign", WORKER))
    mine = _ok(_as_supervisor(cli, store, "tasks", "due", "--json")).json()  # the supervisor has none
    assert mine["overdue"] == mine["due_today"] == mine["upcoming"] == []
    text = _ok(_as_worker(cli, store, "tasks", "due")).out.splitlines()
    assert text[0] == "Overdue (1)" and "Call the shelter" in text[1] and number in text[1]
    assert text[2] == "Due today (1)" and "Visit" in text[3]
    assert text[4] == "Upcoming (1)" and "Court hearing" in text[5]
    assert text[6] == "Referrals waiting for an answer (0)"
    wide = _ok(_as_worker(cli, store, "tasks", "due", "--days", "30", "--json")).json()
    assert [i["task"]["hmy_Title"] for i in wide["upcoming"]] == ["Court hearing", "Review"]
    task = wide["overdue"][0]["task"]["id"]
    assert _ok(_as_worker(cli, store, "task", "done", task)).out.strip() == f"Task {task} done."
    assert _ok(_as_worker(cli, store, "tasks", "due", "--json")).json()["overdue"] == []


def test_case_move_to_another_scope(team_store, cli, refused):
    store = team_store
    number = _presumed_victim(cli, store, *AMINATA)
    refused(_as_worker(cli, store, "case", "move", number, "formally_identified", "--reason", "Prosecutor decision",
                       "--to-scope", "south"), says="only be handed to another scope when it is transferred")
    moved = _as_worker(cli, store, "case", "move", number, "transferred", "--reason", "Family found in Agadir",
                       "--to-scope", "south")
    assert _ok(moved).out.strip() == f"{number} is now: Transferred"
    refused(_as_worker(cli, store, "case", "show", number), says="No case")


def test_directory_list_text_and_import_by_the_secretariat(tmp_path, cli, refused, team_store):
    line = _ok(_as_supervisor(cli, team_store, "services", "list", "--near", "GUERGUERAT", "--category", "emergency_protection"))
    first = line.out.splitlines()[0]
    assert "Bir Gandouz" in first and first.strip().startswith("57 km")
    assert "Sample directory" in line.err
    refused(_as_supervisor(cli, team_store, "services", "import", str(tmp_path / "none.json")))  # no such file: one line

    store = tmp_path / "national"
    _ok(cli(store, "init", "--username", "sec.national", "--role", "secretariat", "--scope", "national"))
    good = tmp_path / "good.json"
    entry = {"id": "7e57a11d-0000-4000-8000-000000000001", "name_ar": "جمعية الاختبار", "name_fr": "Association test",
             "categories": ["health"], "region": "MA-01", "city_ar": "طنجة", "city_fr": "Tanger",
             "takes": ["women"], "lat": 35.7, "lon": -5.8}
    good.write_text(json.dumps({"providers": [entry]}), encoding="utf-8")
    refused(_as_supervisor(cli, team_store, "services", "import", str(good)), says="does not allow this")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"providers": [entry, dict(entry, id="x", categories=[])]}), encoding="utf-8")
    line = refused(cli(store, "services", "import", str(bad)))
    assert "2.id" in line and "2.categories" in line
    broken = tmp_path / "broken.json"
    broken.write_text('{"providers": [', encoding="utf-8")
    refused(cli(store, "services", "import", str(broken)), says="is not valid JSON")
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes('{"providers": ["Fès"]}'.encode("latin-1"))
    refused(cli(store, "services", "import", str(latin1)), says="is not UTF-8 text")
    before = cli(store, "services", "list", "--json").json()
    assert not any(h["id"] == entry["id"] for h in before)
    assert _ok(cli(store, "services", "import", str(good))).out.startswith("Imported 1 directory entries")
    after = cli(store, "services", "list", "--text", "association test", "--json").json()
    assert [h["id"] for h in after] == [entry["id"]] and not after[0].get("hmy_Sample")
    assert len(cli(store, "services", "list", "--json").json()) == len(before) + 1
