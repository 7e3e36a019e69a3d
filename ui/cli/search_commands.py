"""``himaya-cli search``, ``duplicates``, ``not-duplicate`` and ``merge``: finding people
across scripts and deciding about possible duplicates (docs/SEARCH.md).

``search QUERY`` prints the ranked matches the session may see (case number, names, score,
why); ``duplicates CASE`` the likely earlier cases of a case's person; ``not-duplicate CASE
OTHER`` records that two cases are two people; ``merge KEEP MERGED --reason T`` closes a
duplicate into the case kept (supervisor). The services decide; this module parses and
prints.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

from app.domain.codec import encode
from app.domain.values import STATE_LABELS
from app.services.search import Match
from ui.cli import session
from ui.cli.session import CliError, unlocked
from ui.composition import Services

MAX_LIMIT = 500


def _case_id(svc: Services, ref: str) -> str:
    from ui.cli.commands import _find_case_id  # one lookup rule (number or id) for every command
    return _find_case_id(svc, ref)


def _limit(raw: int) -> int:
    if not 1 <= raw <= MAX_LIMIT:
        raise CliError(session._("--limit takes a number from 1 to {top}.").format(top=MAX_LIMIT))
    return raw


def as_json(match: Match) -> dict[str, Any]:
    """A match as JSON: the reasons as msgids and, in ``why``, in the user's language."""
    data = encode(match)
    data["why"] = [session._(reason) for reason in match.reasons]
    return data


def print_matches(matches: Sequence[Match], *, file: Any = None) -> None:
    """One line per match: number, score, names, state, post, nationality, birth year, why."""
    out = file or sys.stdout
    for m in matches:
        names = " / ".join(n for n in (m.name_latin, m.name_ar) if n) or "—"
        facts = ", ".join(str(x) for x in (session._(STATE_LABELS[m.state]), m.border_post or "-",
                                             m.nationality or "--", m.birth_year or "----"))
        why = "; ".join(session._(reason) for reason in m.reasons)
        print(f"{m.case_number:<24} {m.score:.2f}  {names}  [{facts}]  {why}", file=out)


def cmd_search(args: argparse.Namespace) -> int:
    limit = _limit(args.limit)
    if not args.query.strip():
        raise CliError(session._("Give something to search for: a name, a case number, a document or a phone."))
    with unlocked(args) as svc:
        matches = svc.search.search(svc.session, args.query, limit=limit)
    if args.json:
        print(json.dumps([as_json(m) for m in matches], ensure_ascii=False, indent=2))
        return 0
    print_matches(matches)
    print(session._("{count} matches").format(count=len(matches)), file=sys.stderr)
    return 0


def cmd_duplicates(args: argparse.Namespace) -> int:
    limit = _limit(args.limit)
    with unlocked(args) as svc:
        case_id = _case_id(svc, args.case)
        person = svc.cases.open_case(svc.session, case_id, record_view=False).person
        matches = svc.search.duplicates(svc.session, person, exclude_case_id=case_id, limit=limit)
    if args.json:
        print(json.dumps([as_json(m) for m in matches], ensure_ascii=False, indent=2))
        return 0
    print_matches(matches)
    print(session._("{count} likely duplicates").format(count=len(matches)), file=sys.stderr)
    return 0


def cmd_not_duplicate(args: argparse.Namespace) -> int:
    with unlocked(args) as svc:
        case_id, other_id = _case_id(svc, args.case), _case_id(svc, args.other)
        svc.search.confirm_different(svc.session, case_id, other_id)
    print(session._("Recorded: two different people; this pair is not shown as a duplicate again."))
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    with unlocked(args) as svc:
        keep_id, merged_id = _case_id(svc, args.keep), _case_id(svc, args.merged)
        merged = svc.search.merge(svc.session, keep_id, merged_id, args.reason or "")
        keep = svc.cases.open_case(svc.session, keep_id, record_view=False).case
    print(session._("{merged} is merged into {keep} and closed; reopen it to undo.").format(
        merged=merged.case_number, keep=keep.case_number))
    return 0


def warn_duplicates(svc: Services, case_id: str) -> None:
    """After ``case add``: likely earlier cases of the same person, on standard error."""
    person = svc.cases.open_case(svc.session, case_id, record_view=False).person
    matches = svc.search.duplicates(svc.session, person, exclude_case_id=case_id)
    if matches:
        print(session._("warning: this person may already have a case (himaya-cli duplicates CASE):"),
              file=sys.stderr)
        print_matches(matches, file=sys.stderr)


def register(sub: Any, _: Callable[[str], str]) -> None:
    def add(name: str, handler: Callable, help_text: str) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, help=help_text, description=help_text)
        parser.set_defaults(handler=handler)
        # as in ui.cli.commands: --store and --user also after the command
        parser.add_argument("--store", type=Path, default=argparse.SUPPRESS, help=_("store folder"))
        parser.add_argument("--user", default=argparse.SUPPRESS, help=_("user name"))
        return parser

    p = add("search", cmd_search, _("find cases by name in either script, case number, document or phone"))
    p.add_argument("query", metavar="QUERY")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")
    p = add("duplicates", cmd_duplicates, _("list the likely earlier cases of a case's person"))
    p.add_argument("case", help=_("case number or id"))
    p.add_argument("--limit", type=int, default=5)
    p.add_argument("--json", action="store_true")
    p = add("not-duplicate", cmd_not_duplicate, _("record that two cases are about two different people"))
    p.add_argument("case", help=_("case number or id"))
    p.add_argument("other", help=_("the other case"))
    p = add("merge", cmd_merge, _("merge a duplicate case into the case kept (supervisor)"))
    p.add_argument("keep", help=_("the case that is kept"))
    p.add_argument("merged", help=_("the duplicate, closed as merged"))
    p.add_argument("--reason", required=True, help=_("why both cases are the same person"))
