"""The in-app measurements of ``bench_ui``, in a process of their own (so its memory
figures are the app's, not the store builder's): ``python -m bench._ui_probe STORE USER``.

The passphrase comes in ``HIMAYA_BENCH_PASSPHRASE``. Progress goes to stderr; the figures
to stdout as one line ``BENCH-RESULT {json}``. Every store call the app makes runs on the
worker (``ctx.ops``); the direct store calls used as baselines run on this thread while the
worker is idle.
"""

from __future__ import annotations

import os
import sys

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt

import dataclasses  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

OPENS = 30  # case files opened (and as many direct store calls)
LIST_RUNS = 5  # fresh case lists built
SCROLLS = 10  # scrolls to the bottom of the list


def memory() -> dict[str, float]:
    """This process's resident memory now (VmRSS) and at its peak (ru_maxrss, and VmHWM,
    the peak of this program's own address space), in MB (10⁶ bytes)."""
    found = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                found[line[:5]] = int(line.split()[1]) * 1024 / 1e6  # "kB" there means KiB
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # KiB on Linux
    return {"vm_rss_mb": round(found["VmRSS"], 1), "max_rss_mb": round(peak, 1),
            "vm_hwm_mb": round(found["VmHWM"], 1)}


def log(text: str) -> None:
    print(f"    [ui] {text}", file=sys.stderr, flush=True)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def main() -> None:
    store_folder, username = Path(sys.argv[1]), sys.argv[2]
    passphrase = os.environ["HIMAYA_BENCH_PASSPHRASE"]

    from bench._qt_wait import flush_deletes, wait_until
    from storage.settings_file import SettingsFile
    from ui.qt.app import build_context, create_app
    from ui.qt.cases.list_panel import CaseListPanel
    from ui.qt.lang import language
    from ui.qt.window import MainWindow

    out: dict = {"memory": {}}
    app = create_app(["himaya"])
    settings = SettingsFile()  # HIMAYA_CONFIG: a temporary file, so the defaults
    language.apply(settings.get("language"), app)
    out["language"] = language.code
    out["page_size"] = int(settings.get("case_page_size"))
    ctx = build_context(store_folder, settings)
    window = MainWindow(ctx)
    window.resize(1280, 800)
    window.show()
    wait_until(lambda: window.unlock_page.user.count() > 0 and not ctx.ops.busy)
    out["memory"]["unlock_screen"] = memory()

    log("unlocking")
    opened = ctx.vault.unlock(username, passphrase)  # what the unlock page does on the worker
    out["memory"]["unlocked_no_workspace"] = memory()
    ops = ctx.ops

    # --- 3. the case list of the workspace, as after unlocking ----------------------------------
    t0 = time.perf_counter()
    window.on_unlocked(opened)  # builds the workspace: the case list and the (empty) case file
    workspace = window.workspace
    model = workspace.list.model
    wait_until(lambda: model.rowCount() > 0)
    out["workspace_first_rows_ms"] = ms(time.perf_counter() - t0)
    wait_until(lambda: model.total is not None and not ops.busy)
    out["workspace_counted_ms"] = ms(time.perf_counter() - t0)
    out["total"] = model.total
    out["rows_at_open"] = model.rowCount()
    out["memory"]["list_open"] = memory()
    svc = ctx.require()

    log(f"list open: {model.rowCount()} rows of {model.total}; scrolling {SCROLLS} times")
    table = workspace.list.table
    scroll_ms = []
    for _ in range(SCROLLS):
        before = model.rowCount()
        t0 = time.perf_counter()
        table.scrollToBottom()
        wait_until(lambda: not model.loading and not ops.busy, timeout=60)
        if model.rowCount() > before:
            scroll_ms.append(ms(time.perf_counter() - t0))
    out["rows_after_scroll"] = model.rowCount()
    out["scroll_page_ms"] = scroll_ms
    # the store's own call for the page a further scroll loads: keyset (after the last row,
    # what the list does) against an offset (the baseline), here and at the very end
    deeper = dataclasses.replace(model.query, offset=0, after_id=model.case_row(model.rowCount() - 1).id)
    t0 = time.perf_counter()
    svc.cases.list_cases(svc.session, deeper)
    out["deep_page_direct_ms"] = ms(time.perf_counter() - t0)
    t0 = time.perf_counter()
    svc.cases.list_cases(svc.session, dataclasses.replace(model.query, offset=model.rowCount()))
    out["deep_page_offset_ms"] = ms(time.perf_counter() - t0)
    tail = dataclasses.replace(model.query, offset=max(0, model.total - model.page_size - 1), limit=1)
    last_id = svc.cases.list_cases(svc.session, tail)[0].id
    t0 = time.perf_counter()
    svc.cases.list_cases(svc.session, dataclasses.replace(model.query, offset=0, after_id=last_id))
    out["last_page_direct_ms"] = ms(time.perf_counter() - t0)
    t0 = time.perf_counter()
    svc.cases.list_cases(svc.session, dataclasses.replace(model.query, offset=max(0, model.total - model.page_size)))
    out["last_page_offset_ms"] = ms(time.perf_counter() - t0)
    out["last_page_offset"] = max(0, model.total - model.page_size)
    out["memory"]["after_scroll"] = memory()

    log(f"after scrolling: {model.rowCount()} rows; building {LIST_RUNS} fresh case lists")
    first_rows, direct_page, counted = [], [], []
    for _ in range(LIST_RUNS):
        wait_until(lambda: not ops.busy)
        t0 = time.perf_counter()
        svc.cases.list_cases(svc.session, dataclasses.replace(model.query, offset=0))
        direct_page.append(ms(time.perf_counter() - t0))

        t0 = time.perf_counter()
        panel = CaseListPanel(ctx)
        panel.resize(workspace.list.size())
        panel.show()
        wait_until(lambda p=panel: p.model.rowCount() > 0)
        first_rows.append(ms(time.perf_counter() - t0))
        wait_until(lambda p=panel: p.model.total is not None and not ops.busy)
        counted.append(ms(time.perf_counter() - t0))
        assert panel.model.query == dataclasses.replace(model.query, offset=0), \
            "the fresh list asked another query than the baseline"
        panel.dispose()
        panel.close()
        panel.deleteLater()
        flush_deletes()
    out["list_first_rows_ms"] = first_rows
    out["list_counted_ms"] = counted
    out["list_page_direct_ms"] = direct_page

    # --- 2. opening case files ------------------------------------------------------------------
    ids = [row[0] for row in svc.opened.store.db.execute("SELECT id FROM cases")]
    picked = random.Random(7).sample(ids, min(len(ids), 3 * OPENS + 1))
    del ids
    panel = workspace.file
    log(f"opening {OPENS} case files (and {OPENS} direct store calls, {OPENS} load_case calls)")

    def show(case_id: str) -> float:
        t0 = time.perf_counter()
        panel.show_case(case_id)
        wait_until(lambda: panel.loaded is not None and not ops.busy, timeout=60)
        elapsed = time.perf_counter() - t0
        assert panel.loaded.file.case.id == case_id and panel.stack.currentIndex() == 1
        return ms(elapsed)

    from ui.qt.cases.case_data import load_case

    out["first_open_ms"] = show(picked[0])  # the first in the process: the tabs' first paint
    opens, direct, loads = [], [], []
    def direct_open(case_id: str) -> float:
        t0 = time.perf_counter()
        svc.cases.open_case(svc.session, case_id)  # record_view=True, as show_case does
        return ms(time.perf_counter() - t0)

    def worker_load(case_id: str) -> float:
        t0 = time.perf_counter()
        load_case(ctx, case_id, record_view=True)  # what the worker runs for show_case
        return ms(time.perf_counter() - t0)

    kinds = ((opens, show), (direct, direct_open), (loads, worker_load))
    for i in range(OPENS):
        cases = picked[1 + 3 * i: 4 + 3 * i]
        for k in range(3):  # each kind goes first, second and third in turn
            results, measure = kinds[(i + k) % 3]
            results.append(measure(cases[k]))
    out["open_ms"] = opens
    out["open_direct_ms"] = direct
    out["load_case_ms"] = loads
    out["memory"]["end"] = memory()

    window.lock()
    window.close()
    print("BENCH-RESULT " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
