"""``himaya-cli export stats OUT.csv [--pdf OUT.pdf] --reason TEXT [--from DATE] [--to DATE]
[--region MA-xx] [--lang ar|fr|en]``: the anonymised statistics as CSV (docs/STATISTICS.md is
its codebook) and, with ``--pdf``, the report with charts.

The ``export`` group belongs to ``ui.cli.export_commands``, which calls ``register_export``
here. The service decides who may (supervisors for their scope, the secretariat for all),
checks the reason and audits; this module parses, checks the target folders before
anything is exported, and writes each file atomically (``export_commands.write_atomic``: a
temporary file in the target folder, then ``os.replace``): a failure never leaves half a
file under the chosen name.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Callable

from i18n import gettext_for, language_from_environment
from ui.cli import session
from ui.cli.export_commands import _date, write_atomic  # the export group's own helpers
from ui.cli.session import CliError, unlocked


def cmd_export_stats(args: argparse.Namespace) -> int:
    _ = session._
    language = args.lang or language_from_environment(default="en")
    targets = [Path(args.out)] + ([Path(args.pdf)] if args.pdf else [])
    for target in targets:  # before anything is exported and audited
        if not target.parent.is_dir():
            raise CliError(_("No folder {path} to write into.").format(path=target.parent))
    period_from, period_to = _date(args.date_from, "--from"), _date(args.date_to, "--to")
    with unlocked(args) as svc:
        stats = svc.statistics
        table = stats.compute(svc.session, period_from=period_from, period_to=period_to, region=args.region)
        text = stats.export_csv(svc.session, table, reason=args.reason)
        pdf = stats.export_pdf(svc.session, table, reason=args.reason, language=language,
                               translate=gettext_for(language)) if args.pdf else None
    write_atomic(targets[0], text.encode("utf-8"))
    if pdf is not None:
        write_atomic(targets[1], pdf)
    if table.total is None:
        print(_("Statistics written to {path} ({cells} figures, {suppressed} suppressed; so is the number of "
                "cases).").format(path=targets[0], cells=table.cell_count, suppressed=table.suppressed_count))
    else:
        print(_("Statistics of {total} cases written to {path} ({cells} figures, {suppressed} suppressed).").format(
            total=table.total, path=targets[0], cells=table.cell_count, suppressed=table.suppressed_count))
    if pdf is not None:
        print(_("Report written to {path}.").format(path=targets[1]))
    return 0


def register_export(export: Any, _: Callable[[str], str]) -> argparse.ArgumentParser:
    """Add ``stats`` to the ``export`` group's sub-parsers."""
    help_text = _("anonymised statistics as CSV (and a PDF report): counts by quarter, region, post, agency, "
                  "sex, age band, nationality group, form of exploitation, recommendation, referral and outcome; "
                  "figures under 11 suppressed")
    p = export.add_parser("stats", help=help_text, description=help_text)
    p.set_defaults(handler=cmd_export_stats)
    # as in ui.cli.commands: --store and --user also after the command
    p.add_argument("--store", type=Path, default=argparse.SUPPRESS, help=_("store folder"))
    p.add_argument("--user", default=argparse.SUPPRESS, help=_("user name"))
    p.add_argument("out", metavar="OUT.csv")
    p.add_argument("--pdf", metavar="OUT.pdf", help=_("also write the report with charts"))
    p.add_argument("--reason", required=True, metavar="TEXT", help=_("why the figures are exported (10+ characters)"))
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help=_("cases detected on or after"))
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help=_("cases detected on or before"))
    p.add_argument("--region", metavar="MA-xx", help=_("one region (ISO 3166-2:MA code, e.g. MA-01)"))
    p.add_argument("--lang", choices=["ar", "fr", "en"], help=_("language of the PDF report"))
    return p
