"""Builders of small synthetic checklists for the screening tests (plain dicts, then loaded)."""

from __future__ import annotations

import copy
import json
from typing import Any

from app.screening.checklist import load_checklist
from app.screening.model import DIMENSIONS, Checklist

GRADES = {"S": "strong", "M": "medium", "W": "weak"}
#: the rule of NRM.md, written out here as the shipped files write it
RULE: dict[str, Any] = {
    "dimension_positive": [{"strong": 2}, {"strong": 1, "medium": 1}, {"strong": 1, "weak": 1}, {"medium": 3},
                           {"medium": 2, "weak": 1}],
    "adult": {"all_of": [{"any_of": ["DR", "CR", "RV"]}, "EX", {"any_of": ["CD", "VD"]}]},
    "child": {"all_of": [{"flag": "act"}, {"any_of": ["EX", "CD", {"flag": "exploitative_purpose"}]}]},
    "transit": {"all_of": [{"any_of": ["DR", "CR", "RV"]}, {"flag": "exploitative_purpose"}]},
    "specialist_interview": {"any_of": ["DR", "CR", "RV", "EX", "CD", "VD", {"flag": "exploitative_purpose"}]},
    "child_any_indicator": "specialist_interview",
}


def text(words: str) -> dict[str, str]:
    return {"ar": "سؤال " + words, "fr": words, "en": words}


def item(item_id: str, *, kind: str = "yes_no", indicator: tuple[str, str, str] | None = None,
         flags: tuple[str, ...] = (), show_if: dict | None = None, required: bool = False,
         options: list[str] | None = None) -> dict[str, Any]:
    raw: dict[str, Any] = {"id": item_id, "kind": kind, "text": text(item_id), "required": required}
    if indicator is not None:
        dimension, adult, child = indicator
        raw["indicator"] = {"dimension": dimension, "adult": adult, "child": child}
    if flags:
        raw["flags"] = list(flags)
    if show_if is not None:
        raw["show_if"] = show_if
    if options is not None:
        raw["options"] = [{"id": o, "text": text(o)} for o in options]
    return raw


def document(sections: list[dict[str, Any]], rule: dict[str, Any] | None = None,
             checklist_id: str = "test-list", version: int = 1) -> dict[str, Any]:
    return {"id": checklist_id, "version": version, "title": text("title"), "source_note": text("note"),
            "sections": sections, "rule": copy.deepcopy(rule or RULE)}


def section(section_id: str, items: list[dict[str, Any]], show_if: dict | None = None) -> dict[str, Any]:
    return {"id": section_id, "title": text(section_id), "show_if": show_if, "items": items}


def load(doc: dict[str, Any], source: str = "test.json") -> Checklist:
    return load_checklist(json.dumps(doc, ensure_ascii=False).encode("utf-8"), source)


def grid_document() -> dict[str, Any]:
    """Three strong, three medium and three weak items in every dimension (same grade for
    adults and children), a child item graded only for children, the triage flags, an act
    and a stated purpose."""
    triage = [item("minor", flags=("possible_minor",)), item("alone", flags=("unaccompanied_child",)),
              item("danger", flags=("immediate_danger",)), item("watcher", flags=("controller_nearby",)),
              item("doctor", flags=("medical_urgency",))]
    sections = [section("triage", triage)]
    for dimension in DIMENSIONS:
        items = [item(grid_id(dimension, grade, n), indicator=(dimension, grade, grade))
                 for grade in GRADES for n in (1, 2, 3)]
        sections.append(section(dimension.lower(), items))
    sections.append(section("extra", [
        item("child_only", indicator=("EX", "-", "S")), item("adult_weak_child_strong", indicator=("DR", "W", "S")),
        item("act", flags=("act",)), item("purpose", flags=("exploitative_purpose",))]))
    return document(sections)


def grid_id(dimension: str, grade: str, n: int) -> str:
    return f"{dimension}_{grade}{n}"


def answers_for_counts(dimension: str, strong: int, medium: int, weak: int) -> dict[str, str]:
    """Yes to that many items of each grade in ``dimension``; the other grid items answered no."""
    wanted = {"S": strong, "M": medium, "W": weak}
    return {grid_id(dimension, grade, n): "yes" if n <= wanted[grade] else "no" for grade in GRADES for n in (1, 2, 3)}


def positive_dimensions_answers(dimensions: set[str] | frozenset[str]) -> dict[str, str]:
    """Two strong indicators (a positive dimension) in each of ``dimensions``."""
    answers: dict[str, str] = {}
    for dimension in dimensions:
        answers.update(answers_for_counts(dimension, 2, 0, 0))
    return answers
