"""Screening: versioned checklists (data) and the engine that applies their rule.

``checklist`` loads and checks checklist files and keeps the installed versions
(``ChecklistLibrary``, ``default_library``); ``model`` holds their records; ``engine`` applies
the skip logic and the ILO/EC rule to answers and recommends the next step. Pure Python:
no Qt, no storage.
"""

from app.screening.checklist import ChecklistLibrary, default_library, load_checklist
from app.screening.engine import (
    DimensionResult, Grade, Recommendation, ScreeningResult, evaluate, validate_answers, visible_items,
)
from app.screening.model import Checklist, Condition, Indicator, Item, Option, Rule, Section, Text

__all__ = [
    "Checklist", "ChecklistLibrary", "Condition", "DimensionResult", "Grade", "Indicator", "Item", "Option",
    "Recommendation", "Rule", "ScreeningResult", "Section", "Text", "default_library", "evaluate",
    "load_checklist", "validate_answers", "visible_items",
]
