"""Screening checklists: loading, checking and the library of installed versions.

A checklist is data (``resources/checklists/*.json``), versioned, so the secretariat can
revise questions, grades and the rule without a new release; a screening records the id and
version it used. A file is checked in full when it is loaded: against
``checklist.schema.json`` first (structure), then for what a schema cannot say — duplicate
ids, conditions and rules naming unknown items or impossible answers, cycles in the skip
logic, Arabic text without Arabic letters, a flag no item carries. The first problem
refuses the file with ``ChecklistInvalid(source, place, reason)``.

The records themselves (``Text``, ``Item``, ``Checklist`` …) are in ``app.screening.model``
and importable from here.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

from app import strict_json
from app.domain.checks import has_arabic_letters
from app.errors import ChecklistInvalid, ChecklistNotFound
from app.resources import resources_dir
from app.screening.model import (
    DIMENSIONS, LANGUAGES, YES_NO_VALUES, Checklist, Condition, Grade, Indicator, Item,
    Kind, Option, Rule, RuleTerm, Section, Text, Threshold,
)
from app.screening.schema import SchemaViolation, child_place, validate

__all__ = [
    "DIMENSIONS", "LANGUAGES", "YES_NO_VALUES", "Checklist", "ChecklistLibrary",
    "Condition", "Grade", "Indicator", "Item", "Kind", "Option", "Rule", "RuleTerm", "Section", "Text",
    "Threshold", "answer_problem", "checklist_schema", "default_library", "load_checklist",
]

CHECKLIST_DIR = "checklists"
SCHEMA_FILE = "checklist.schema.json"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def load_checklist(raw: bytes, source: str) -> Checklist:
    """Parse and check a checklist file; ``ChecklistInvalid`` names the place of the first problem."""
    try:
        document = strict_json.loads(raw)
    except strict_json.JsonRefused as exc:
        raise ChecklistInvalid(source, "", str(exc)) from None
    try:
        schema = checklist_schema()
    except (OSError, ValueError) as exc:
        raise ChecklistInvalid(source, "", f"the checklist schema cannot be read ({exc})") from None
    try:
        validate(document, schema)
        return _Parser(document).checklist()
    except SchemaViolation as exc:
        raise ChecklistInvalid(source, exc.place, exc.reason) from None


def checklist_schema() -> Mapping[str, Any]:
    return _schema_at(resources_dir() / CHECKLIST_DIR / SCHEMA_FILE)


@lru_cache(maxsize=4)
def _schema_at(path: Path) -> Mapping[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def answer_problem(kind: Kind, option_ids: tuple[str, ...], value: Any) -> str | None:
    """What an answer of ``kind`` should be (a short English phrase) when ``value`` is not one; else None."""
    if kind is Kind.YES_NO:
        return None if isinstance(value, str) and value in YES_NO_VALUES else "yes, no, unknown or declined"
    if kind is Kind.CHOICE:
        return None if isinstance(value, str) and value in option_ids else "one of the options"
    if kind is Kind.NUMBER:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        return None if ok else "a number"
    if kind is Kind.DATE:
        return None if isinstance(value, str) and _is_iso_date(value) else "a date (YYYY-MM-DD)"
    return None if isinstance(value, str) else "text"


def _is_iso_date(value: str) -> bool:
    if not _ISO_DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


class _Parser:
    """The second pass, on a document the schema accepted: builds the records, checks the rest."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.doc = document
        self.raw_items: dict[str, tuple[Mapping[str, Any], str]] = {}

    def checklist(self) -> Checklist:
        self.collect_ids()
        sections = tuple(self.section(raw, f"sections[{i}]") for i, raw in enumerate(self.doc["sections"]))
        checklist = Checklist(
            id=self.doc["id"], version=self.doc["version"], title=self.text(self.doc["title"], "title"),
            source_note=self.text(self.doc["source_note"], "source_note"), sections=sections,
            rule=self.rule(self.doc["rule"], "rule"))
        self.check_cycles(sections)
        return checklist

    def collect_ids(self) -> None:
        """Every id first, so that a condition may name an item further down."""
        sections: dict[str, str] = {}
        for s_index, section in enumerate(self.doc["sections"]):
            place = f"sections[{s_index}]"
            _unique(sections, section["id"], child_place(place, "id"), "section")
            for i_index, item in enumerate(section["items"]):
                item_place = f"{place}.items[{i_index}]"
                if item["id"] in self.raw_items:
                    first = self.raw_items[item["id"]][1]
                    raise SchemaViolation(child_place(item_place, "id"),
                                          f"duplicate item id {item['id']!r} (first at {first})")
                self.raw_items[item["id"]] = (item, item_place)

    def text(self, raw: Mapping[str, str], place: str) -> Text:
        if not has_arabic_letters(raw["ar"]):
            raise SchemaViolation(child_place(place, "ar"), "not written in Arabic letters")
        return Text(**{lang: raw[lang].strip() for lang in LANGUAGES})

    def optional_text(self, raw: Mapping[str, str] | None, place: str) -> Text | None:
        return None if raw is None else self.text(raw, place)

    def section(self, raw: Mapping[str, Any], place: str) -> Section:
        show_if = raw.get("show_if")
        return Section(
            id=raw["id"], title=self.text(raw["title"], child_place(place, "title")),
            items=tuple(self.item(entry, f"{place}.items[{i}]") for i, entry in enumerate(raw["items"])),
            show_if=None if show_if is None else self.condition(show_if, child_place(place, "show_if")))

    def item(self, raw: Mapping[str, Any], place: str) -> Item:
        kind = Kind(raw["kind"])
        options = self.options(kind, raw.get("options") or [], child_place(place, "options"))
        if kind is not Kind.YES_NO:
            for key, what in (("indicator", "an indicator"), ("flags", "flags"), ("actions", "actions")):
                if raw.get(key):
                    raise SchemaViolation(child_place(place, key), f"only a yes_no item has {what} "
                                          "(they apply when the answer is yes)")
        flags = tuple(raw.get("flags") or ())
        if len(set(flags)) != len(flags):
            raise SchemaViolation(child_place(place, "flags"), "a flag is listed twice")
        show_if = raw.get("show_if")
        return Item(
            id=raw["id"], kind=kind, text=self.text(raw["text"], child_place(place, "text")),
            required=raw["required"], help=self.optional_text(raw.get("help"), child_place(place, "help")),
            options=options,
            show_if=None if show_if is None else self.condition(show_if, child_place(place, "show_if")),
            indicator=self.indicator(raw.get("indicator"), child_place(place, "indicator")),
            flags=flags, actions=self.optional_text(raw.get("actions"), child_place(place, "actions")))

    def options(self, kind: Kind, raw: list[Mapping[str, Any]], place: str) -> tuple[Option, ...]:
        if kind is not Kind.CHOICE:
            if raw:
                raise SchemaViolation(place, "only a choice item has options")
            return ()
        if not raw:
            raise SchemaViolation(place, "a choice item needs at least one option")
        seen: dict[str, str] = {}
        built = []
        for index, option in enumerate(raw):
            option_place = child_place(place, index)
            _unique(seen, option["id"], child_place(option_place, "id"), "option")
            built.append(Option(option["id"], self.text(option["text"], child_place(option_place, "text"))))
        return tuple(built)

    def indicator(self, raw: Mapping[str, str] | None, place: str) -> Indicator | None:
        if raw is None:
            return None
        if raw["adult"] == "-" and raw["child"] == "-":
            raise SchemaViolation(place, "graded '-' for adults and for children: it would never count")
        grade = {"-": None, **{g.value: g for g in Grade}}
        return Indicator(raw["dimension"], grade[raw["adult"]], grade[raw["child"]])

    def condition(self, raw: Mapping[str, Any], place: str) -> Condition:
        keys = set(raw)
        if keys in ({"item", "equals"}, {"item", "in"}):
            return self.answer_condition(raw, place)
        if keys in ({"all"}, {"any"}):
            op = keys.pop()
            return Condition(op, children=tuple(self.condition(c, child_place(child_place(place, op), i))
                                                for i, c in enumerate(raw[op])))
        if keys == {"not"}:
            return Condition("not", children=(self.condition(raw["not"], child_place(place, "not")),))
        raise SchemaViolation(place, "a condition is {item, equals}, {item, in}, {all: [...]}, {any: [...]} "
                                     "or {not: condition}")

    def answer_condition(self, raw: Mapping[str, Any], place: str) -> Condition:
        item_id = raw["item"]
        if item_id not in self.raw_items:
            raise SchemaViolation(child_place(place, "item"), f"unknown item {item_id!r}")
        target = self.raw_items[item_id][0]
        kind, option_ids = Kind(target["kind"]), tuple(o["id"] for o in target.get("options") or ())
        op = "equals" if "equals" in raw else "in"
        values = (raw["equals"],) if op == "equals" else tuple(raw["in"])
        for index, value in enumerate(values):
            expected = answer_problem(kind, option_ids, value)
            if expected is not None:
                value_place = child_place(place, op) if op == "equals" else child_place(child_place(place, op), index)
                raise SchemaViolation(value_place, f"{value!r} can never be the answer to {item_id} "
                                                   f"(expected {expected})")
        return Condition(op, item=item_id, values=values)

    def rule(self, raw: Mapping[str, Any], place: str) -> Rule:
        thresholds = []
        for index, entry in enumerate(raw["dimension_positive"]):
            threshold = Threshold(**entry)
            if not (threshold.strong or threshold.medium or threshold.weak):
                raise SchemaViolation(child_place(child_place(place, "dimension_positive"), index),
                                      "a threshold of no indicators would make every dimension positive")
            thresholds.append(threshold)
        terms = {name: self.term(raw[name], child_place(place, name))
                 for name in ("adult", "child", "transit", "specialist_interview")}
        return Rule(dimension_positive=tuple(thresholds), child_any_indicator=raw["child_any_indicator"], **terms)

    def term(self, raw: Any, place: str) -> RuleTerm:
        if isinstance(raw, str):
            return RuleTerm("dimension", name=raw)
        keys = set(raw)
        if keys in ({"all_of"}, {"any_of"}):
            op = keys.pop()
            return RuleTerm(op, children=tuple(self.term(t, child_place(child_place(place, op), i))
                                               for i, t in enumerate(raw[op])))
        if keys == {"flag"}:
            if not any(raw["flag"] in (item.get("flags") or ()) for item, _place in self.raw_items.values()):
                raise SchemaViolation(child_place(place, "flag"), f"no item carries the flag {raw['flag']!r}")
            return RuleTerm("flag", name=raw["flag"])
        if keys in ({"item", "equals"}, {"item", "in"}):
            return RuleTerm("answer", condition=self.answer_condition(raw, place))
        raise SchemaViolation(place, "a rule term is a dimension code, {all_of: [...]}, {any_of: [...]}, "
                                     "{flag: F}, {item, equals} or {item, in}")

    def check_cycles(self, sections: tuple[Section, ...]) -> None:
        """An item may be shown only on answers that never depend, even through others, on itself."""
        depends: dict[str, list[tuple[str, str]]] = {}
        for s_index, section in enumerate(sections):
            inherited = _references(section.show_if, f"sections[{s_index}].show_if")
            for i_index, item in enumerate(section.items):
                own = _references(item.show_if, f"sections[{s_index}].items[{i_index}].show_if")
                depends[item.id] = inherited + own
        done: set[str] = set()

        def visit(item_id: str, path: list[str]) -> None:
            for target, place in depends[item_id]:
                if target in path:
                    loop = path[path.index(target):] + [target]
                    raise SchemaViolation(place, "circular skip logic: " + " depends on ".join(loop))
                if target not in done:
                    visit(target, path + [target])
            done.add(item_id)

        for item_id in depends:
            if item_id not in done:
                visit(item_id, [item_id])


def _references(condition: Condition | None, place: str) -> list[tuple[str, str]]:
    return [] if condition is None else [(item_id, place) for item_id in condition.referenced_items()]


def _unique(seen: dict[str, str], ident: str, place: str, what: str) -> None:
    if ident in seen:
        raise SchemaViolation(place, f"duplicate {what} id {ident!r} (first at {seen[ident]})")
    seen[ident] = place


class ChecklistLibrary:
    """The checklists of a folder, by id and version. A file that fails to load is kept in
    ``errors`` (a ``ChecklistInvalid``) and left out; the library works with the others."""

    def __init__(self, checklists: Iterable[Checklist] = (), errors: Iterable[ChecklistInvalid] = ()) -> None:
        self._by_key = {(c.id, c.version): c for c in checklists}
        self.errors: list[ChecklistInvalid] = list(errors)

    @classmethod
    def load_dir(cls, path: str | Path) -> "ChecklistLibrary":
        library = cls()
        sources: dict[tuple[str, int], str] = {}
        for file in sorted(Path(path).glob("*.json")):
            if file.name.endswith(".schema.json"):
                continue
            try:
                checklist = load_checklist(file.read_bytes(), file.name)
            except ChecklistInvalid as exc:
                library.errors.append(exc)
                continue
            except OSError as exc:
                library.errors.append(ChecklistInvalid(file.name, "", exc.strerror or str(exc)))
                continue
            key = (checklist.id, checklist.version)
            if key in sources:
                library.errors.append(ChecklistInvalid(
                    file.name, "version", f"{checklist.id} version {checklist.version} is also in {sources[key]}"))
                continue
            sources[key] = file.name
            library._by_key[key] = checklist
        return library

    def get(self, checklist_id: str, version: int) -> Checklist:
        """That exact version (a stored screening names the one it used)."""
        try:
            return self._by_key[(checklist_id, version)]
        except KeyError:
            raise ChecklistNotFound(ident=f"{checklist_id} v{version}") from None

    def latest(self, checklist_id: str) -> Checklist:
        versions = [c for (cid, _version), c in self._by_key.items() if cid == checklist_id]
        if not versions:
            raise ChecklistNotFound(ident=checklist_id)
        return max(versions, key=lambda c: c.version)

    def all(self) -> list[Checklist]:
        """Every checklist, by id then version."""
        return [self._by_key[key] for key in sorted(self._by_key)]

    def with_checklists(self, checklists: Iterable[Checklist]) -> "ChecklistLibrary":
        """A new library holding these too; an id and version already here keeps the one here."""
        added = [c for c in checklists if (c.id, c.version) not in self._by_key]
        return ChecklistLibrary([*self._by_key.values(), *added], self.errors)

    def admit(self, checklist: Checklist, source: str) -> "ChecklistLibrary":
        """A new library in which ``checklist`` is the newest version of its id (a revision
        published by the secretariat). A version already installed with other content, or
        older than one installed, is refused: a screening names the version it used, and
        that must keep meaning the same questions and rule."""
        present = self._by_key.get((checklist.id, checklist.version))
        if present == checklist:
            return self
        if present is not None:
            raise ChecklistInvalid(source, "version", f"{checklist.id} version {checklist.version} is already "
                                                      "installed with other content; a revision needs a higher version")
        newest = max((version for cid, version in self._by_key if cid == checklist.id), default=0)
        if checklist.version < newest:
            raise ChecklistInvalid(source, "version", f"{checklist.id} version {newest} is already installed; "
                                                      "a revision needs a higher version")
        return self.with_checklists([checklist])


@lru_cache(maxsize=1)
def default_library() -> ChecklistLibrary:
    """The checklists shipped in ``resources/checklists`` (loaded once per process)."""
    return ChecklistLibrary.load_dir(resources_dir() / CHECKLIST_DIR)
