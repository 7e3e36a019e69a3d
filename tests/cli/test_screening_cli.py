"""``screening evaluate`` and ``checklist validate``: no store, JSON out, one-line refusals."""

from __future__ import annotations

import json

from clikit import ROOT

CHECKLISTS = ROOT / "resources" / "checklists"
PRESUMED = {"consent": "yes", "has_worked": "yes", "deceived_job": "yes", "deceived_pay": "yes",
            "long_hours": "yes", "little_or_no_pay": "yes", "locked_in": "yes", "forced_acts": "yes",
            "immediate_danger": "yes", "controller_nearby": "unknown"}


def _answers(tmp_path, answers, name="answers.json"):
    path = tmp_path / name
    path.write_text(answers if isinstance(answers, str) else json.dumps(answers), encoding="utf-8")
    return str(path)


def test_evaluate_prints_the_result_as_json(tmp_path, cli_proc):
    result = cli_proc(None, "screening", "evaluate", "border-short", _answers(tmp_path, PRESUMED))
    assert result.code == 0, result.err
    data = result.json()
    assert data["checklist"] == {"id": "border-short", "version": 1}
    assert data["recommendation"] == "presumed_victim" and data["case_state"] == "presumed_victim"
    assert data["recommendation_label"] == "Presumed victim: refer"
    assert {code for code, d in data["dimensions"].items() if d["positive"]} == {"DR", "EX", "CD"}
    assert data["dimensions"]["DR"]["indicators"] == [{"item": "deceived_job", "grade": "S"},
                                                      {"item": "deceived_pay", "grade": "M"}]
    assert data["urgent_flags"] == ["immediate_danger"] and data["unknown_count"] == 1
    assert "medical_urgency" in data["missing_required"]
    assert data["actions"][0]["item"] == "immediate_danger"
    assert data["next_steps"][0].startswith("Move the person to a safe")


def test_evaluate_with_minor_and_version(tmp_path, cli):
    path = _answers(tmp_path, {"consent": "yes", "long_hours": "yes", "has_worked": "yes"})
    adult = cli(None, "screening", "evaluate", "border-short", path, "--version", "1")
    assert adult.code == 0, adult.err
    assert adult.json()["recommendation"] == "other_vulnerability" and not adult.json()["child_rule"]
    child = cli(None, "screening", "evaluate", "border-short", path, "--minor")
    data = child.json()
    assert data["child_rule"] and data["recommendation"] == "specialist_interview" and data["case_state"] is None
    assert data["urgent_flags"] == ["child"]


def test_evaluate_refusals_are_one_line(tmp_path, cli, refused):
    good = _answers(tmp_path, {"consent": "yes"})
    refused(cli(None, "screening", "evaluate", "no-such-list", good), says="No checklist no-such-list is installed")
    refused(cli(None, "screening", "evaluate", "border-short", good, "--version", "9"), says="border-short v9")
    line = refused(cli(None, "screening", "evaluate", "border-short", _answers(tmp_path, {"consent": "maybe"})))
    assert "consent" in line and "expected yes, no, unknown or declined" in line
    line = refused(cli(None, "screening", "evaluate", "border-short", _answers(tmp_path, {"age": 3})))
    assert "age" in line and "not a question of this checklist" in line
    refused(cli(None, "screening", "evaluate", "border-short", _answers(tmp_path, "{ nope")), says="not valid JSON")
    refused(cli(None, "screening", "evaluate", "border-short", _answers(tmp_path, "[1]")), says="one JSON object")
    refused(cli(None, "screening", "evaluate", "border-short", str(tmp_path / "missing.json")))
    refused(cli(None, "screening", "evaluate", "border-short", good, "--version", "x"), code=2)


def test_validate_accepts_the_shipped_checklists(cli):
    for name, expected in (("border-short.v1.json", "OK: border-short version 1: 5 sections, 29 questions, "
                                                     "16 with an indicator."),
                           ("ilo-full.v1.json", "OK: ilo-full version 1: 8 sections, 77 questions, "
                                                 "67 with an indicator.")):
        result = cli(None, "checklist", "validate", str(CHECKLISTS / name))
        assert (result.code, result.out.strip(), result.err) == (0, expected, "")


def test_validate_names_file_place_and_reason(tmp_path, cli_proc, refused):
    doc = json.loads((CHECKLISTS / "border-short.v1.json").read_text(encoding="utf-8"))
    del doc["sections"][2]["items"][0]["text"]["ar"]
    path = tmp_path / "border-short.v2.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    line = refused(cli_proc(None, "checklist", "validate", str(path)))
    assert line == ("error: The checklist border-short.v2.json was refused at sections[2].items[0].text.ar: "
                    "missing")
    doc["sections"][2]["items"][0]["text"]["ar"] = "هل عملت؟"
    doc["rule"]["transit"] = {"all_of": ["DR", {"item": "ghost", "equals": "yes"}]}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    line = refused(cli_proc(None, "checklist", "validate", str(path)))
    assert line.endswith("border-short.v2.json was refused at rule.transit.all_of[1].item: unknown item 'ghost'")
