"""One cold start, timed from the parent's launch: ``python -m bench._start_probe MODE [STORE]``.

MODE ``himaya``: what ``ui.qt.app.run`` does up to the first screen — import the app,
create the QApplication, load the shipped fonts, apply the language, build ``MainWindow``
on an existing store — then wait until the unlock page is the visible page, its user list
has arrived from the worker and the posted events (layout, paint) are processed.
MODE ``qt``: Qt's own start-up only (``import PySide6.QtWidgets`` and ``QApplication``).
MODE ``python``: the interpreter alone.

The parent puts its ``time.monotonic_ns()`` taken just before starting this process in
``HIMAYA_BENCH_LAUNCH``; CLOCK_MONOTONIC is system-wide, so the difference is the time from
process start (fork and exec included) to the page. One JSON line is printed on stdout.
"""

from __future__ import annotations

import os
import sys
import time

LAUNCH_NS = int(os.environ.get("HIMAYA_BENCH_LAUNCH", "0")) or time.monotonic_ns()
os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt


def _since_launch() -> float:
    return (time.monotonic_ns() - LAUNCH_NS) / 1e9


def main() -> None:
    import json

    mode = sys.argv[1]
    stages: dict[str, float] = {"interpreter": _since_launch()}
    if mode == "python":
        pass
    elif mode == "qt":
        import PySide6.QtWidgets  # noqa: F401
        from PySide6.QtWidgets import QApplication

        app = QApplication(["himaya"])
        app.processEvents()
        stages["qt_ready"] = _since_launch()
    elif mode == "himaya":
        from pathlib import Path

        from bench._qt_wait import wait_until
        from storage.settings_file import SettingsFile
        from ui.qt.app import build_context, create_app
        from ui.qt.lang import language
        stages["imports"] = _since_launch()

        app = create_app(["himaya"])  # includes loading the shipped fonts
        stages["app_and_fonts"] = _since_launch()
        settings = SettingsFile()  # HIMAYA_CONFIG: an empty temporary file, so the defaults
        language.apply(settings.get("language"), app)
        stages["language"] = _since_launch()
        ctx = build_context(Path(sys.argv[2]), settings)
        from ui.qt.window import MainWindow

        window = MainWindow(ctx)
        window.show()
        stages["window_built"] = _since_launch()
        page = window.unlock_page
        wait_until(lambda: window.stack.currentWidget() is page and page.isVisible()
                   and page.user.count() > 0 and not ctx.ops.busy)
        assert page.user.count() > 0, "the unlock page shows no user"
        stages["unlock_page_shown"] = _since_launch()
        window.close()
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    stages["total"] = stages[max(stages, key=stages.get)]
    print(json.dumps({"mode": mode, "stages": stages}), flush=True)


if __name__ == "__main__":
    main()
