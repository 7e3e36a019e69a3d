"""Checklist files: the shipped ones load and say what they should; malformed ones are refused
with the file, the place in it and the reason."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from screening_kit import RULE, document, item, load, section, text

from app.domain.checks import has_arabic_letters
from app.errors import ChecklistInvalid, ChecklistNotFound
from app.resources import resources_dir
from app.screening import ChecklistLibrary, default_library, load_checklist
from app.screening.model import DIMENSIONS, Kind

CHECKLISTS = resources_dir() / "checklists"

# ilo_indicators.yaml (docs/shared domain notes), copied by hand: id -> (adult, child);
# '-' not in that list; the two 'M?' adult grades are read as M.
ILO_GRADES = {
    "DR": "S/S M/M M/M M/M M/M M/M M/M M/M M/M W/S",
    "CR": "S/S M/S M/S M/S M/M M/M M/M M/M M/M M/M",
    "RV": "M/M M/M M/M M/M M/M M/M M/M M/- M/M M/M M/M M/M M/M M/M W/M W/M",
    "EX": "S/S M/M M/M M/M M/M M/M M/M M/- W/M",
    "CD": "S/S S/S S/S S/S M/S M/S M/S M/S M/M M/M M/M M/M M/M M/M W/M",
    "VD": "M/M M/M M/M M/M M/M W/M W/M",
}


# --- the shipped checklists ----------------------------------------------------------------------

def test_every_shipped_checklist_loads():
    library = default_library()
    assert library.errors == []
    assert [(c.id, c.version) for c in library.all()] == [("border-short", 1), ("ilo-full", 1)]
    for file in sorted(CHECKLISTS.glob("*.v*.json")):
        checklist = load_checklist(file.read_bytes(), file.name)
        assert file.name == f"{checklist.id}.v{checklist.version}.json"


def _texts(checklist):
    yield checklist.title
    yield checklist.source_note
    for sec in checklist.sections:
        yield sec.title
        for it in sec.items:
            yield from (t for t in (it.text, it.help, it.actions) if t is not None)
            yield from (o.text for o in it.options)


@pytest.mark.parametrize("checklist_id", ["border-short", "ilo-full"])
def test_every_text_is_in_arabic_french_and_english(checklist_id):
    checklist = default_library().latest(checklist_id)
    for t in _texts(checklist):
        assert has_arabic_letters(t.ar) and t.fr.strip() and t.en.strip()
        assert t.get("fr") == t.fr and t.get("en") == t.en and t.get("xx") == t.ar
    note = checklist.source_note.en
    assert "secondary summaries" in note and "ILO" in note and "2009" in note and "check" in note


def test_ilo_full_has_every_indicator_with_its_adult_and_child_grades():
    checklist = default_library().latest("ilo-full")
    for dimension in DIMENSIONS:
        expected = ILO_GRADES[dimension].split()
        for n, grades in enumerate(expected, start=1):
            found = checklist.item(f"{dimension}{n}")
            adult, child = grades.split("/")
            assert found.indicator.dimension == dimension
            assert (found.indicator.adult.value if found.indicator.adult else "-") == adult, found.id
            assert (found.indicator.child.value if found.indicator.child else "-") == child, found.id
        in_dimension = [i for i in checklist.items() if i.indicator and i.indicator.dimension == dimension]
        assert len(in_dimension) == len(expected)
    for uncertain in ("RV13", "RV14"):
        assert "M?" in checklist.item(uncertain).help.en
    assert "RV13" in checklist.source_note.en


def test_ilo_full_records_the_act_and_the_forms_of_exploitation_of_law_27_14():
    checklist = default_library().latest("ilo-full")
    act = checklist.item("act_kind")
    assert act.kind is Kind.CHOICE
    assert act.option_ids() == ("recruit", "transport", "transfer", "harbour", "receive", "intermediary")
    form = checklist.item("exploitation_form")
    assert set(form.option_ids()) == {
        "sexual_exploitation", "forced_labour", "servitude", "begging", "slavery_like", "organ_removal",
        "medical_experiments", "criminal_purposes", "armed_conflict", "none_known"}
    assert "act" in checklist.item("act_any").flags


def test_border_short_puts_safety_and_triage_first():
    checklist = default_library().latest("border-short")
    triage = checklist.sections[0]
    flags = {flag for it in triage.items for flag in it.flags}
    assert flags == {"immediate_danger", "controller_nearby", "medical_urgency", "possible_minor",
                     "unaccompanied_child", "interpreter_needed", "no_consent"}
    assert triage.items[-1].id == "consent" and triage.show_if is None
    assert all(sec.show_if is not None for sec in checklist.sections[1:])  # everything else needs consent
    indicators = [it for it in checklist.items() if it.indicator]
    assert len(indicators) == 16
    assert {it.indicator.dimension for it in indicators} == set(DIMENSIONS)
    assert any("act" in it.flags for it in checklist.items())
    assert any("exploitative_purpose" in it.flags for it in checklist.items())
    assert checklist.item("documents_taken").text.ar == "هل أخذ أحدٌ جواز سفرك أو أوراقك ولم يُرجعها لك؟"


# --- malformed checklists ------------------------------------------------------------------------

def _valid() -> dict:
    return document([
        section("first", [item("a", flags=("act",)), item("b", indicator=("DR", "S", "S")),
                          item("c", kind="choice", options=["x", "y"]), item("p", flags=("exploitative_purpose",))]),
        section("second", [item("d", show_if={"item": "a", "equals": "yes"})]),
    ])


def _refused(doc_or_raw, source: str = "broken.json") -> ChecklistInvalid:
    raw = doc_or_raw if isinstance(doc_or_raw, bytes) else json.dumps(doc_or_raw, ensure_ascii=False).encode()
    with pytest.raises(ChecklistInvalid) as caught:
        load_checklist(raw, source)
    error = caught.value
    assert error.source == source and source in str(error) and error.reason in str(error)
    return error


def test_the_valid_base_loads():
    checklist = load(_valid())
    assert [i.id for i in checklist.items()] == ["a", "b", "c", "p", "d"]
    assert checklist.section_of("d").id == "second"


def _mutated(change) -> dict:
    doc = _valid()
    change(doc)
    return doc


@pytest.mark.parametrize("change, place, reason", [
    (lambda d: d["sections"][0]["items"][1]["text"].pop("ar"), "sections[0].items[1].text.ar", "missing"),
    (lambda d: d["sections"][0]["items"][1]["text"].update(ar="Were you lied to?"),
     "sections[0].items[1].text.ar", "not written in Arabic letters"),
    (lambda d: d["sections"][1]["title"].update(fr="  "), "sections[1].title.fr", "blank"),
    (lambda d: d["sections"][0]["items"][2]["options"][1]["text"].pop("en"),
     "sections[0].items[2].options[1].text.en", "missing"),
    (lambda d: d.pop("source_note"), "source_note", "missing"),
    (lambda d: d.update(version="1"), "version", "expected a whole number"),
    (lambda d: d.update(version=0), "version", "must be at least 1"),
    (lambda d: d["sections"][0]["items"][0].update(kind="maybe"), "sections[0].items[0].kind", "is not one of"),
    (lambda d: d["sections"][0]["items"][0].update(colour="red"), "sections[0].items[0].colour", "unknown key"),
    (lambda d: d["sections"][0]["items"][1]["indicator"].update(adult="X"),
     "sections[0].items[1].indicator.adult", "is not one of S, M, W, -"),
    (lambda d: d["sections"][0]["items"][1]["indicator"].update(dimension="XX"),
     "sections[0].items[1].indicator.dimension", "is not one of DR"),
    (lambda d: d["sections"][0]["items"][1].update(flags=["urgent"]), "sections[0].items[1].flags[0]", "is not one of"),
    (lambda d: d["sections"][1].update(items=[]), "sections[1].items", "needs at least one entry"),
    (lambda d: d["rule"].update(adult="XX"), "rule.adult", "is not one of DR"),
    (lambda d: d["rule"].update(adult=7), "rule.adult", "expected text or an object"),
    (lambda d: d["rule"].pop("transit"), "rule.transit", "missing"),
    (lambda d: d["rule"].update(child_any_indicator="maybe"), "rule.child_any_indicator", "is not one of"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_schema_errors_name_the_place(change, place, reason):
    error = _refused(_mutated(change))
    assert error.place == place
    assert reason in error.reason


@pytest.mark.parametrize("change, place, reason", [
    # unknown items in conditions and rules
    (lambda d: d["sections"][1]["items"][0].update(show_if={"item": "zz", "equals": "yes"}),
     "sections[1].items[0].show_if.item", "unknown item 'zz'"),
    (lambda d: d["sections"][1].update(show_if={"any": [{"item": "a", "equals": "yes"}, {"item": "q", "in": ["yes"]}]}),
     "sections[1].show_if.any[1].item", "unknown item 'q'"),
    (lambda d: d["rule"].update(transit={"all_of": ["DR", {"item": "nowhere", "equals": "yes"}]}),
     "rule.transit.all_of[1].item", "unknown item 'nowhere'"),
    (lambda d: d["rule"].update(child={"flag": "medical_urgency"}), "rule.child.flag", "no item carries the flag"),
    # answers no item could ever give
    (lambda d: d["sections"][1]["items"][0].update(show_if={"item": "a", "equals": "Yes"}),
     "sections[1].items[0].show_if.equals", "can never be the answer to a"),
    (lambda d: d["sections"][1]["items"][0].update(show_if={"item": "c", "in": ["x", "z"]}),
     "sections[1].items[0].show_if.in[1]", "can never be the answer to c"),
    # malformed conditions and terms
    (lambda d: d["sections"][1]["items"][0].update(show_if={"item": "a"}),
     "sections[1].items[0].show_if", "a condition is"),
    (lambda d: d["rule"].update(adult={"any_of": ["DR"], "all_of": ["EX"]}), "rule.adult", "a rule term is"),
    # duplicate ids
    (lambda d: d["sections"][1]["items"][0].update(id="b"), "sections[1].items[0].id",
     "duplicate item id 'b' (first at sections[0].items[1])"),
    (lambda d: d["sections"][1].update(id="first"), "sections[1].id", "duplicate section id 'first'"),
    (lambda d: d["sections"][0]["items"][2]["options"][1].update(id="x"), "sections[0].items[2].options[1].id",
     "duplicate option id 'x'"),
    # kinds and what they may carry
    (lambda d: d["sections"][0]["items"][2].pop("options"), "sections[0].items[2].options", "needs at least one"),
    (lambda d: d["sections"][0]["items"][0].update(options=[{"id": "o", "text": text("o")}]),
     "sections[0].items[0].options", "only a choice item has options"),
    (lambda d: d["sections"][0]["items"][2].update(indicator={"dimension": "DR", "adult": "S", "child": "S"}),
     "sections[0].items[2].indicator", "only a yes_no item"),
    (lambda d: d["sections"][0]["items"][1]["indicator"].update(adult="-", child="-"),
     "sections[0].items[1].indicator", "would never count"),
    (lambda d: d["rule"]["dimension_positive"].append({"strong": 0}), "rule.dimension_positive[5]",
     "every dimension positive"),
])
def test_semantic_errors_name_the_place(change, place, reason):
    error = _refused(_mutated(change))
    assert (error.place, reason in error.reason) == (place, True), error.reason


def test_an_item_depending_on_itself_is_a_cycle():
    doc = _mutated(lambda d: d["sections"][1]["items"][0].update(show_if={"item": "d", "equals": "yes"}))
    error = _refused(doc)
    assert error.place == "sections[1].items[0].show_if"
    assert error.reason == "circular skip logic: d depends on d"


def test_a_transitive_cycle_through_a_later_item_is_refused():
    def change(d):
        d["sections"][0]["items"][0]["show_if"] = {"not": {"item": "d", "equals": "no"}}  # a needs d; d needs a
    error = _refused(_mutated(change))
    assert error.reason in ("circular skip logic: a depends on d depends on a",
                            "circular skip logic: d depends on a depends on d")
    assert error.place.endswith("show_if")


def test_a_section_condition_on_its_own_item_is_a_cycle():
    error = _refused(_mutated(lambda d: d["sections"][1].update(show_if={"item": "d", "equals": "yes"})))
    assert error.place == "sections[1].show_if" and "circular" in error.reason


def test_a_condition_on_a_later_item_without_a_cycle_is_allowed():
    doc = _mutated(lambda d: d["sections"][0]["items"][1].update(show_if={"item": "d", "equals": "no"}))
    assert load(doc).item("b").show_if.item == "d"


def test_not_json_not_utf8_and_duplicate_keys_are_refused():
    assert "not valid JSON" in _refused(b'{"id": ').reason
    assert _refused(b"\xff\xfe{}").reason == "not UTF-8 text"
    assert "appears twice" in _refused(b'{"id": "a", "id": "b"}').reason
    assert _refused(b"[]").reason == "expected an object"


def test_checklist_invalid_message_names_file_place_and_reason():
    error = ChecklistInvalid("border-short.v2.json", "sections[2].items[5].text.ar", "missing")
    assert str(error) == "The checklist border-short.v2.json was refused at sections[2].items[5].text.ar: missing"
    assert str(ChecklistInvalid("x.json", "", "not UTF-8 text")) == "The checklist x.json was refused: not UTF-8 text"


# --- the library ---------------------------------------------------------------------------------

def _write(folder: Path, name: str, doc) -> None:
    (folder / name).write_text(json.dumps(doc, ensure_ascii=False) if isinstance(doc, dict) else doc, encoding="utf-8")


def test_library_keeps_working_with_the_valid_files(tmp_path):
    _write(tmp_path, "a.v1.json", document([section("s", [item("q", flags=("act", "exploitative_purpose"))])],
                                           checklist_id="alpha"))
    _write(tmp_path, "a.v2.json", document([section("s", [item("q", flags=("act", "exploitative_purpose"))])],
                                           checklist_id="alpha", version=2))
    broken = document([section("s", [item("q")])], checklist_id="beta")
    _write(tmp_path, "b.v1.json", broken)  # its rule names flags no item carries
    _write(tmp_path, "c.json", "{ nope")
    _write(tmp_path, "same.json", document([section("s", [item("q", flags=("act", "exploitative_purpose"))])],
                                           checklist_id="alpha", version=2))
    _write(tmp_path, "checklist.schema.json", "{}")  # the schema itself is not a checklist
    (tmp_path / "notes.txt").write_text("ignored")
    library = ChecklistLibrary.load_dir(tmp_path)
    assert [(c.id, c.version) for c in library.all()] == [("alpha", 1), ("alpha", 2)]
    assert library.latest("alpha").version == 2 and library.get("alpha", 1).version == 1
    refused = {e.source: e for e in library.errors}
    assert set(refused) == {"b.v1.json", "c.json", "same.json"}
    assert refused["b.v1.json"].place == "rule.child.all_of[0].flag"
    assert "also in a.v2.json" in refused["same.json"].reason
    with pytest.raises(ChecklistNotFound, match="alpha v3"):
        library.get("alpha", 3)
    with pytest.raises(ChecklistNotFound, match="beta"):
        library.latest("beta")


def test_the_rule_written_out_in_the_tests_is_the_shipped_rule():
    shipped = json.loads((CHECKLISTS / "border-short.v1.json").read_text(encoding="utf-8"))["rule"]
    assert shipped == RULE
    assert copy.deepcopy(shipped["dimension_positive"]) == json.loads(
        (CHECKLISTS / "ilo-full.v1.json").read_text(encoding="utf-8"))["rule"]["dimension_positive"]
