"""Run the benchmarks: ``./dev bench [--cases N] [--only store|ui|search|reports|stats|sync]``."""

from __future__ import annotations

import argparse
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--cases", type=int, default=100_000, help="store size (default 100000)")
    parser.add_argument("--edits", type=int, default=300, help="single edits to time (store part)")
    parser.add_argument("--only", choices=("store", "ui", "search", "reports", "stats", "sync"), default=None,
                        help="run one part only: the encrypted store, the desktop app, or search "
                             "(default: store and app)")
    parser.add_argument("--store-dir", type=Path, default=None,
                        help="search part: build the N-case store there, or reuse the one found there")
    parser.add_argument("--report-cases", type=int, default=300,
                        help="reports part: demo cases in its store (default 300; exports read one case at a time)")
    parser.add_argument("--sync-cases", type=int, default=112,
                        help="sync part: demo cases pushed by one device (default 112: 10,000 field writes)")
    parser.add_argument("--sync-devices", type=int, default=20,
                        help="sync part: devices pushing at once to the hub (default 20)")
    args = parser.parse_args()
    if args.only == "sync":  # push, pull, bytes per field, hub ingest (bench/bench_sync.py)
        from bench import bench_sync

        bench_sync.run(args.sync_cases, args.sync_devices)
        return
    if args.only == "reports":  # case summaries: one, and batches of 100 (bench/bench_reports.py)
        from bench import bench_reports

        bench_reports.run(args.report_cases)
        return
    if args.only == "stats":
        from bench import bench_stats

        bench_stats.run(args.cases)
        return
    if args.only == "search":
        from bench import bench_search

        bench_search.run(args.cases, args.store_dir)
        return
    store = None
    if args.only in (None, "store"):
        from bench import bench_store

        store = bench_store.run(args.cases, args.edits)
    if args.only in (None, "ui"):
        from bench import bench_ui

        if store is None:
            bench_ui.run(args.cases)
        else:  # the N-case store the first part built: the app is measured on it
            bench_ui.run(args.cases, store, bench_store.USERNAME, bench_store.PASSPHRASE)


if __name__ == "__main__":
    main()
