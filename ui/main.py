"""``himaya``: the desktop application.

    himaya                 the store in the user's data folder (first start: a setup wizard)
    himaya --store DIR     another store folder
    himaya --demo          a temporary store filled with realistic synthetic cases
    himaya --self-test     check this installation without a display; exit 0 when all pass
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from ui.about import VersionAction


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="himaya", description="Himaya — National Referral Mechanism")
    parser.add_argument("--store", type=Path, default=None, help="store folder")
    parser.add_argument("--demo", action="store_true", help="open a temporary store of synthetic cases")
    parser.add_argument("--cases", type=int, default=500, help="number of demo cases (with --demo)")
    parser.add_argument("--lang", choices=("ar", "fr", "en"), default=None, help="interface language")
    parser.add_argument("--self-test", action="store_true",
                        help="check Qt, the fonts, the encrypted store and the PDF renderer offscreen, then exit")
    parser.add_argument("--version", action=VersionAction, program="himaya",
                        help="show the version, the store schema and the build date, then exit")
    args = parser.parse_args(argv)
    if args.self_test:
        from ui.selftest import main as self_test

        return self_test()
    from ui.qt.app import run

    return run(args.store, demo=args.demo, demo_cases=args.cases, lang=args.lang)


if __name__ == "__main__":
    sys.exit(main())
