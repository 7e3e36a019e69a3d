"""Run the benchmarks: ``./dev bench [--cases N]``."""

from __future__ import annotations

import argparse

from bench import bench_store


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--cases", type=int, default=100_000, help="store size (default 100000)")
    parser.add_argument("--edits", type=int, default=300, help="single edits to time")
    args = parser.parse_args()
    bench_store.run(args.cases, args.edits)


if __name__ == "__main__":
    main()
