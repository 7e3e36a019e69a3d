"""The screening checklist as the core sees it: frozen records built by ``load_checklist``.

``Condition`` (skip logic) and ``RuleTerm`` (the identification rule) are evaluated against
the answers of the *visible* items only; the engine (``app.screening.engine``) takes care of
that.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from typing import Any, Iterator, Mapping

#: the six ILO/EC dimensions, in the order of the brochure
DIMENSIONS = ("DR", "CR", "RV", "EX", "CD", "VD")
YES_NO_VALUES = ("yes", "no", "unknown", "declined")
LANGUAGES = ("ar", "fr", "en")


class Grade(str, Enum):
    """How strongly an indicator points to trafficking (ILO/EC 2009)."""

    STRONG = "S"
    MEDIUM = "M"
    WEAK = "W"


class Kind(str, Enum):
    YES_NO = "yes_no"
    CHOICE = "choice"
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"


@dataclass(frozen=True)
class Text:
    ar: str
    fr: str
    en: str

    def get(self, lang: str) -> str:
        """The text in ``lang`` (ar, fr or en); Arabic, the default language, otherwise."""
        return getattr(self, lang) if lang in LANGUAGES else self.ar


@dataclass(frozen=True)
class Option:
    id: str
    text: Text


@dataclass(frozen=True)
class Condition:
    """Skip logic. ``op`` is ``equals``/``in`` (on ``item``) or ``all``/``any``/``not`` (on ``children``).

    An item with no answer (absent or None) equals nothing, so ``not`` of it is true.
    """

    op: str
    item: str | None = None
    values: tuple[Any, ...] = ()
    children: tuple["Condition", ...] = ()

    def evaluate(self, answers: Mapping[str, Any]) -> bool:
        if self.op == "equals":
            return answers.get(self.item) == self.values[0]
        if self.op == "in":
            return answers.get(self.item) in self.values
        if self.op == "all":
            return all(c.evaluate(answers) for c in self.children)
        if self.op == "any":
            return any(c.evaluate(answers) for c in self.children)
        return not self.children[0].evaluate(answers)

    def referenced_items(self) -> Iterator[str]:
        if self.item is not None:
            yield self.item
        for child in self.children:
            yield from child.referenced_items()


@dataclass(frozen=True)
class Indicator:
    """An item's ILO/EC indicator: dimension and grades (None: not in that age's list)."""

    dimension: str
    adult: Grade | None
    child: Grade | None

    def grade(self, child: bool) -> Grade | None:
        return self.child if child else self.adult


@dataclass(frozen=True)
class Item:
    id: str
    kind: Kind
    text: Text
    required: bool
    help: Text | None = None
    options: tuple[Option, ...] = ()
    show_if: Condition | None = None
    indicator: Indicator | None = None
    flags: tuple[str, ...] = ()
    actions: Text | None = None

    def option_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options)


@dataclass(frozen=True)
class Section:
    id: str
    title: Text
    items: tuple[Item, ...]
    show_if: Condition | None = None


@dataclass(frozen=True)
class Threshold:
    """At least ``strong`` strong, ``medium`` medium and ``weak`` weak indicators."""

    strong: int = 0
    medium: int = 0
    weak: int = 0

    def met(self, strong: int, medium: int, weak: int) -> bool:
        return strong >= self.strong and medium >= self.medium and weak >= self.weak


@dataclass(frozen=True)
class RuleTerm:
    """A term of the rule: ``dimension`` (positive), ``all_of``/``any_of`` (children),
    ``flag`` (an item with that flag answered yes) or ``answer`` (a condition on answers).

    There is no negation: every term can only become true as answers add evidence.
    """

    op: str
    name: str | None = None
    children: tuple["RuleTerm", ...] = ()
    condition: Condition | None = None

    def holds(self, positive: frozenset[str], flags: frozenset[str], answers: Mapping[str, Any]) -> bool:
        if self.op == "dimension":
            return self.name in positive
        if self.op == "flag":
            return self.name in flags
        if self.op == "answer":
            return self.condition is not None and self.condition.evaluate(answers)
        results = (c.holds(positive, flags, answers) for c in self.children)
        return all(results) if self.op == "all_of" else any(results)


@dataclass(frozen=True)
class Rule:
    dimension_positive: tuple[Threshold, ...]
    adult: RuleTerm
    child: RuleTerm
    transit: RuleTerm
    specialist_interview: RuleTerm
    child_any_indicator: str

    def dimension_is_positive(self, strong: int, medium: int, weak: int) -> bool:
        return any(t.met(strong, medium, weak) for t in self.dimension_positive)


@dataclass(frozen=True)
class Checklist:
    id: str
    version: int
    title: Text
    source_note: Text
    sections: tuple[Section, ...]
    rule: Rule

    def items(self) -> tuple[Item, ...]:
        """Every item, in interview order."""
        return tuple(item for item, _section in self._index.values())

    def item(self, item_id: str) -> Item:
        """The item ``item_id``; ``KeyError`` when the checklist has none."""
        return self._index[item_id][0]

    def section_of(self, item_id: str) -> Section:
        return self._index[item_id][1]

    @cached_property
    def _index(self) -> dict[str, tuple[Item, Section]]:
        return {item.id: (item, section) for section in self.sections for item in section.items}
