"""``himaya-cli export``: case summaries as PDF, one case or a batch; the group also holds
``export stats`` (``ui.cli.stats_commands.register_export`` adds it to this group).

``export pdf CASE OUT.pdf --reason TEXT [--lang ar|fr|en] [--note NOTE_ID ...]`` and
``export batch OUT (--case CASE ... | --state S --post P --from DATE --to DATE) --reason TEXT
[--one-file] [--lang ar|fr|en]``: a folder with one file per case (named by case number),
or with ``--one-file`` one PDF holding every case. The service decides who may (supervisors
and the secretariat), which cases, checks the reason and audits; this module parses,
checks the target before anything is exported, shows progress on standard error (Ctrl+C
stops between cases) and writes each file atomically: a temporary file in the target
folder, then ``os.replace``, so a failure never leaves half a file under a chosen name.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterator

from app.domain.values import CaseState
from app.errors import NotFound
from app.ports import CaseQuery
from app.services.exports import BatchResult
from i18n import gettext_for, language_from_environment
from ui.cli import session
from ui.cli.session import CliError, unlocked
from ui.composition import Services


def write_atomic(path: Path, data: bytes) -> None:
    """``data`` to ``path`` whole or not at all (a temporary file beside it, then a rename)."""
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".part", delete=False)
    try:
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def _language(args: argparse.Namespace) -> str:
    return args.lang or language_from_environment(default="en")


def _date(raw: str | None, flag: str) -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CliError(session._("{flag} takes a date as YYYY-MM-DD, not {value!r}.").format(
            flag=flag, value=raw)) from None


def _case_id(svc: Services, ref: str) -> str:
    from ui.cli.commands import _find_case_id  # one lookup rule (number or id) for every command
    return _find_case_id(svc, ref)


# --- one case -------------------------------------------------------------------------------

def cmd_export_pdf(args: argparse.Namespace) -> int:
    _ = session._
    language = _language(args)
    out = Path(args.out)
    if not out.parent.is_dir():  # before the export is made and audited
        raise CliError(_("No folder {path} to write into.").format(path=out.parent))
    if out.is_dir():
        raise CliError(_("{path} is a folder; give the name of the PDF file to write.").format(path=out))
    with unlocked(args) as svc:
        pdf = svc.exports.case_summary(svc.session, _case_id(svc, args.case), reason=args.reason, language=language,
                                       note_ids=tuple(args.note or ()), translate=gettext_for(language))
    write_atomic(out, pdf)
    print(_("Case summary written to {path}.").format(path=out))
    return 0


# --- a batch ------------------------------------------------------------------------------------

def _filter(args: argparse.Namespace) -> CaseQuery | None:
    """The filter of ``--state/--post/--from/--to``, or None when none was given."""
    if not (args.state or args.post or args.date_from or args.date_to):
        return None
    states = []
    for raw in args.state or ():
        try:
            states.append(CaseState.parse(raw))
        except ValueError:
            raise CliError(session._("{flag} takes one of: {values}").format(
                flag="--state", values=", ".join(s.value for s in CaseState))) from None
    return CaseQuery(states=frozenset(states), border_posts=frozenset(args.post or ()),
                     detected_from=_date(args.date_from, "--from"), detected_to=_date(args.date_to, "--to"),
                     sort="case_number", descending=False)


def _targets(args: argparse.Namespace) -> Path:
    """The file (``--one-file``) or folder to write, checked before anything is exported."""
    _ = session._
    out = Path(args.out)
    if not out.parent.is_dir():
        raise CliError(_("No folder {path} to write into.").format(path=out.parent))
    if args.one_file and out.is_dir():
        raise CliError(_("{path} is a folder; give the name of the PDF file to write.").format(path=out))
    if not args.one_file and out.exists() and not out.is_dir():
        raise CliError(_("{path} is a file; give a folder (one PDF per case is written into it).").format(path=out))
    return out


def _writer(out: Path, one_file: bool) -> Callable[[str, bytes], None]:
    def write(name: str, data: bytes) -> None:
        if one_file:
            write_atomic(out, data)
            return
        if Path(name).name != name or name.startswith("."):  # a plain file name, in the folder only
            raise ValueError(f"not a file name: {name!r}")
        out.mkdir(exist_ok=True)  # made when the first case is written, not before a refusal
        write_atomic(out / name, data)
    return write


@contextmanager
def _ctrl_c_stops() -> Iterator[list[bool]]:
    """While the batch runs, Ctrl+C asks it to stop between cases (what is done stays done)."""
    asked = [False]

    def stop(_signum: int, _frame: Any) -> None:
        asked[0] = True

    try:
        previous = signal.signal(signal.SIGINT, stop)
    except ValueError:  # not the main thread: Ctrl+C keeps its usual meaning
        yield asked
        return
    try:
        yield asked
    finally:
        signal.signal(signal.SIGINT, previous)


def cmd_export_batch(args: argparse.Namespace) -> int:
    _ = session._
    language = _language(args)
    query = _filter(args)
    if bool(args.case) == (query is not None):
        raise CliError(_("Choose the cases with --case (repeat it), or with a filter "
                         "(--state, --post, --from, --to), not both."))
    out = _targets(args)
    tty = sys.stderr.isatty()
    with unlocked(args) as svc, _ctrl_c_stops() as asked:
        refs: dict[str, str] = {}  # case id → what the user typed (to name skipped cases)
        if query is not None:
            ids = svc.exports.resolve(svc.session, query)
        else:
            for ref in args.case:
                try:
                    refs.setdefault(_case_id(svc, ref), ref)
                except NotFound:
                    refs.setdefault(ref, ref)  # the service reports it as skipped
            ids = list(refs)
        if not ids:
            raise CliError(_("No case you may see matches this filter."))

        def progress(done: int, total: int) -> bool:
            if tty:
                print(f"\r{done}/{total}", end="", file=sys.stderr, flush=True)
            return not asked[0]

        result = svc.exports.batch(svc.session, ids, reason=args.reason, language=language,
                                   one_file=args.one_file, write=_writer(out, args.one_file), progress=progress,
                                   translate=gettext_for(language))
    if tty:
        print(file=sys.stderr)
    return _report(result, len(ids), out, refs)


def _report(result: BatchResult, total: int, out: Path, refs: dict[str, str]) -> int:
    _ = session._
    skipped = [_("{case}: {why}").format(case=refs.get(case_id, case_id), why=_(why))
               for case_id, why in result.skipped]
    if result.done == 0 and not result.cancelled:
        raise CliError(_("No case summary was exported: {skipped}").format(skipped="; ".join(skipped)))
    for line in skipped:
        print(_("skipped {line}").format(line=line), file=sys.stderr)
    if result.cancelled:
        print(_("Stopped: {done} of {total} case summaries exported to {path}.").format(
            done=result.done, total=total, path=out))
        return 130
    print(_("{done} of {total} case summaries exported to {path}.").format(done=result.done, total=total, path=out))
    return 0


# --- the parser -------------------------------------------------------------------------------

def register(sub: Any, _: Callable[[str], str]) -> None:
    group = sub.add_parser("export", help=_("exports: case summaries (PDF), anonymised statistics"),
                           description=_("exports: case summaries (PDF), anonymised statistics"))
    group.set_defaults(handler=lambda a: 2)
    export = group.add_subparsers(dest="export_command", required=True, metavar="KIND")

    def add(name: str, handler: Callable, help_text: str) -> argparse.ArgumentParser:
        parser = export.add_parser(name, help=help_text, description=help_text)
        parser.set_defaults(handler=handler)
        # as in ui.cli.commands: --store and --user also after the command
        parser.add_argument("--store", type=Path, default=argparse.SUPPRESS, help=_("store folder"))
        parser.add_argument("--user", default=argparse.SUPPRESS, help=_("user name"))
        parser.add_argument("--reason", required=True, metavar="TEXT",
                            help=_("why the export is needed (10 characters or more; kept as a note on the case)"))
        parser.add_argument("--lang", choices=["ar", "fr", "en"], help=_("language of the document"))
        return parser

    p = add("pdf", cmd_export_pdf, _("write a case summary (PDF; supervisors and the secretariat)"))
    p.add_argument("case", help=_("case number or id"))
    p.add_argument("out", metavar="OUT.pdf")
    p.add_argument("--note", action="append", metavar="NOTE_ID",
                   help=_("a note to include (its id, see: case show --json); repeat for several"))

    p = add("batch", cmd_export_batch, _("write the summaries of several cases: a folder with one PDF per case, "
                                         "or one PDF with --one-file"))
    p.add_argument("out", metavar="OUT", help=_("a folder (made if needed), or the PDF file with --one-file"))
    p.add_argument("--case", action="append", metavar="CASE", help=_("case number or id; repeat for several"))
    p.add_argument("--state", action="append", help=" | ".join(s.value for s in CaseState))
    p.add_argument("--post", action="append", metavar="POST", help=_("border post or office code; repeat"))
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help=_("cases detected on or after"))
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help=_("cases detected on or before"))
    p.add_argument("--one-file", action="store_true", help=_("one PDF, each case starting on a new page"))

    try:  # the statistics export, in its own module, joins this group
        from ui.cli import stats_commands
    except ImportError:
        return
    stats_commands.register_export(export, _)
