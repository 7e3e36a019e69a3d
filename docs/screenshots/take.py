"""Screenshots of the main screens from a real window (run under Xvfb):

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python docs/screenshots/take.py [--lang ar]

Builds a temporary demo store, then saves: unlock, case list, case file (and the setup
wizard). Uses the xcb platform, i.e. a real X window, and grabs the window's pixels.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "xcb")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", default="ar")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args()
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="himaya-shots-config-")

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from storage.settings_file import SettingsFile
    from ui.demo import create_demo_store
    from ui.qt.app import build_context, create_app
    from ui.qt.lang import language
    from ui.qt.window import MainWindow

    app = create_app(["himaya"])
    language.apply(args.lang, app)
    settings = SettingsFile()
    suffix = "" if args.lang == "ar" else f"-{args.lang}"

    def settle(ms: int = 400) -> None:
        end = QTimer()
        end.setSingleShot(True)
        end.start(ms)
        while end.isActive():
            app.processEvents()
        window.ctx.ops.wait()
        app.processEvents()

    def shot(name: str) -> None:
        settle()
        path = args.out / f"{name}{suffix}.png"
        window.grab().save(str(path))
        print(path)

    # The setup wizard, on an empty folder.
    empty = build_context(Path(tempfile.mkdtemp(prefix="himaya-shots-empty-")) / "store", settings)
    window = MainWindow(empty)
    window.resize(1360, 860)
    window.show()
    shot("setup")
    window.close()

    demo = create_demo_store(600)
    ctx = build_context(demo.folder, settings)
    ctx.demo_passphrase = demo.passphrase
    window = MainWindow(ctx)
    window.resize(1360, 860)
    window.show()
    shot("unlock")

    opened = ctx.vault.unlock("demo.supervisor", demo.passphrase)
    window.on_unlocked(opened)
    settle(800)
    shot("case-list")
    table = window.workspace.findChild(object, "caseTable")
    if table is not None and table.model().rowCount() > 0:
        table.selectRow(0)
        window.workspace.file.show_case(table.model().index(0, 0).data(0x0100))
        settle(800)
        shot("case-file")
    window.lock()
    window.close()


if __name__ == "__main__":
    main()
