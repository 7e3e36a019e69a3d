"""``himaya-cli screening …`` and ``himaya-cli checklist …``: screening without a store.

``screening evaluate`` applies an installed checklist to a JSON object of answers (item id →
answer) and prints the result as JSON; ``checklist validate`` checks a checklist file the way
the app does when it loads it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Callable

from app.screening.checklist import default_library, load_checklist
from app.screening.engine import RECOMMENDATION_LABELS, due_actions, evaluate
from i18n import language_from_environment
from ui.cli import session
from ui.cli.session import CliError


def _read_answers(path: Path) -> dict[str, Any]:
    try:
        answers = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise CliError(session._("{file} is not UTF-8 text.").format(file=path)) from None
    except json.JSONDecodeError as exc:
        raise CliError(session._("{file} is not valid JSON: {detail}").format(
            file=path, detail=f"{exc.msg} (line {exc.lineno})")) from None
    if not isinstance(answers, dict):
        raise CliError(session._("{file}: the answers must be one JSON object, item id → answer.").format(file=path))
    return answers


def cmd_screening_evaluate(args: argparse.Namespace) -> int:
    _ = session._
    library = default_library()
    checklist = (library.get(args.checklist, args.version) if args.version is not None
                 else library.latest(args.checklist))
    answers = _read_answers(Path(args.answers))
    result = evaluate(checklist, answers, possibly_minor=True if args.minor else None)
    data = result.to_dict()
    data["recommendation_label"] = _(RECOMMENDATION_LABELS[result.recommendation])
    for code, dimension in result.dimensions.items():
        data["dimensions"][code]["reason"] = dimension.describe(_)
    data["next_steps"] = [_(step) for step in result.next_steps]
    data["reasons"] = [_(reason) for reason in result.reasons]
    language = language_from_environment(default="en")
    data["actions"] = [{"item": item.id, "text": item.actions.get(language)}
                       for item in due_actions(checklist, answers) if item.actions is not None]
    print(json.dumps(data, ensure_ascii=False, indent=2))
    return 0


def cmd_checklist_validate(args: argparse.Namespace) -> int:
    path = Path(args.file)
    checklist = load_checklist(path.read_bytes(), path.name)
    items = checklist.items()
    print(session._("OK: {id} version {version}: {sections} sections, {items} questions, "
                    "{indicators} with an indicator.").format(
        id=checklist.id, version=checklist.version, sections=len(checklist.sections), items=len(items),
        indicators=sum(1 for item in items if item.indicator is not None)))
    return 0


def register(sub: Any, _: Callable[[str], str]) -> None:
    def group(name: str, help_text: str, dest: str) -> Any:
        parser = sub.add_parser(name, help=help_text, description=help_text)
        parser.set_defaults(handler=lambda a: 2)
        return parser.add_subparsers(dest=dest, required=True, metavar="ACTION")

    def add(parent: Any, name: str, handler: Callable, help_text: str) -> argparse.ArgumentParser:
        parser = parent.add_parser(name, help=help_text, description=help_text)
        parser.set_defaults(handler=handler)
        return parser

    screening = group("screening", _("screen with an installed checklist (no store needed)"), "screening_command")
    p = add(screening, "evaluate", cmd_screening_evaluate,
            _("apply a checklist to a JSON file of answers and print the result as JSON"))
    p.add_argument("checklist", metavar="CHECKLIST_ID", help=_("e.g. border-short or ilo-full"))
    p.add_argument("answers", metavar="ANSWERS.json", help=_("a JSON object: item id → answer"))
    p.add_argument("--version", type=int, default=None, help=_("checklist version (default: the latest)"))
    p.add_argument("--minor", action="store_true", help=_("the person may be under 18: apply the child rule"))

    checklists = group("checklist", _("screening checklist files"), "checklist_command")
    p = add(checklists, "validate", cmd_checklist_validate, _("check a checklist file as the app loads it"))
    p.add_argument("file", metavar="FILE")
