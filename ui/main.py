"""``himaya``: the application entry point.

The desktop window arrives with the desktop issue; until then ``himaya`` works through
the command line: ``himaya --demo`` builds a demo store of synthetic cases and shows it,
and every other argument is handed to ``himaya-cli``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from i18n import gettext_for, language_from_environment


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--demo" not in args:
        from ui.cli.main import main as cli_main
        return cli_main(args)
    _ = gettext_for(language_from_environment(default="en"))
    parser = argparse.ArgumentParser(prog="himaya")
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("--cases", type=int, default=500)
    options = parser.parse_args(args)
    from ui.cli.main import main as cli_main
    from ui.demo import create_demo_store

    print(_("Creating a demo store with {count} synthetic cases …").format(count=options.cases), file=sys.stderr)
    demo = create_demo_store(options.cases)
    import os
    os.environ["HIMAYA_PASSPHRASE"] = demo.passphrase
    code = cli_main(["--store", str(demo.folder), "--user", "demo.supervisor", "case", "list", "--limit", "15"])
    print()
    print(_("Demo store: {path}").format(path=demo.folder))
    print(_("Users: {users}; passphrase: \"{passphrase}\" (synthetic data only).").format(
        users=", ".join(demo.usernames), passphrase=demo.passphrase))
    print(_("Try: ./dev cli --store {path} --user demo.supervisor case show <CASE NUMBER>").format(path=demo.folder))
    return code


if __name__ == "__main__":
    sys.exit(main())
