"""Page 1 of an Arabic case summary, as a picture: case-summary-ar.png.

    .venv/bin/python docs/screenshots/take_case_summary.py [--lang ar] [--page 1]

Builds the case of the summary tests (``tests/unit/export_kit.py``: Grace Okafor, screened at
Tanger Med, referred, with services, a task and a note, all in memory), exports its summary
as a supervisor, and renders the page with poppler's ``pdftoppm`` at 80 dpi. The summary's
messages that the catalogs do not translate yet are taken from the kit's Arabic list.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "unit")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", default="ar", choices=["ar", "fr", "en"])
    parser.add_argument("--page", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args()

    from export_kit import ExportWorld

    world = ExportWorld(args.lang)
    pdf = world.summary(note_ids=[world.note.id])
    with tempfile.TemporaryDirectory(prefix="himaya-shot-") as work:
        source = Path(work) / "summary.pdf"
        source.write_bytes(pdf)
        stem = Path(work) / "page"
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", str(args.page), "-l", str(args.page),
                        "-singlefile", str(source), str(stem)], check=True)
        target = args.out / f"case-summary-{args.lang}.png"
        target.write_bytes(stem.with_suffix(".png").read_bytes())
    print(f"saved {target}")


if __name__ == "__main__":
    main()
