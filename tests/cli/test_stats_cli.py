"""``himaya-cli export stats``: the anonymised statistics as CSV and a PDF report, through the
``export`` group; who may, the reason, filters, atomic files, the audit entries."""

from __future__ import annotations

import csv
import io
import json

import pytest
from clikit import SUPERVISOR, WORKER, WORKER_PASS

from app.stats import CSV_COLUMNS

REASON = "Quarterly figures for the national commission"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory, _store_templates):
    """The team store with 300 demo cases (the module's tests only add audit entries)."""
    import shutil

    from clikit import SUPERVISOR_PASS, run_cli_process

    store = shutil.copytree(_store_templates["team"], tmp_path_factory.mktemp("stats") / "store")
    result = run_cli_process(store, "demo-data", "--cases", "300", "--seed", "5", passphrase=SUPERVISOR_PASS,
                             user=SUPERVISOR)
    assert result.code == 0, result.err
    return store


def _ok(result):
    assert result.code == 0, (result.code, result.out, result.err)
    return result


def _exports(cli, store) -> list[dict]:
    """The statistics export entries of the audit trail (read from the store directly)."""
    from clikit import SUPERVISOR_PASS

    from storage.vault import Vault

    opened = Vault(store).unlock(SUPERVISOR, SUPERVISOR_PASS)
    try:
        entries = opened.store.audit_entries()
    finally:
        opened.lock()
    return [{"action": e.event.action, "details": dict(e.event.details)} for e in entries
            if e.event.action == "export" and e.event.details.get("kind") == "statistics"]


def test_a_supervisor_writes_the_csv_and_the_arabic_report(demo_store, cli, tmp_path):
    before = len(_exports(cli, demo_store))
    out, pdf = tmp_path / "figures.csv", tmp_path / "figures.pdf"
    result = _ok(cli(demo_store, "export", "stats", str(out), "--pdf", str(pdf), "--reason", REASON,
                     "--from", "2023-01-01", "--lang", "ar", user=SUPERVISOR))
    assert "figures.csv" in result.out and "figures.pdf" in result.out
    lines = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert tuple(lines[0]) == CSV_COLUMNS
    total = lines[1]
    assert total[0] == "total" and int(total[7]) > 0 and total[CSV_COLUMNS.index("periodFrom")] == "2023-01-01"
    assert all(line[7] == "" or int(line[7]) >= 11 for line in lines[1:])
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures.csv", "figures.pdf"]  # no temporary file left
    exports = _exports(cli, demo_store)
    assert len(exports) == before + 2
    assert {e["details"]["format"] for e in exports[-2:]} == {"csv", "pdf"}
    assert REASON not in json.dumps(exports)


def test_the_total_is_that_of_the_case_list(demo_store, cli, tmp_path):
    out = tmp_path / "f.csv"
    _ok(cli(demo_store, "export", "stats", str(out), "--reason", REASON, user=SUPERVISOR))
    total = int(next(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))["count"])
    listed = _ok(cli(demo_store, "case", "list", "--json", "--limit", "1", user=SUPERVISOR)).json()["total"]
    assert total == listed == 300


@pytest.mark.parametrize("args, says", [
    (("--reason", "short"), "at least 10 characters"),
    (("--reason", REASON, "--region", "MA-99"), "region"),
    (("--reason", REASON, "--from", "01/02/2024"), "--from takes a date"),
    (("--reason", REASON, "--from", "2025-01-01", "--to", "2024-01-01"), "period"),
])
def test_refusals_are_one_line_and_write_nothing(demo_store, cli, refused, tmp_path, args, says):
    before = len(_exports(cli, demo_store))
    out = tmp_path / "f.csv"
    refused(cli(demo_store, "export", "stats", str(out), *args, user=SUPERVISOR), says=says)
    assert list(tmp_path.iterdir()) == []
    assert len(_exports(cli, demo_store)) == before


def test_a_social_worker_is_refused(demo_store, cli, refused, tmp_path):
    refused(cli(demo_store, "export", "stats", str(tmp_path / "f.csv"), "--reason", REASON,
                passphrase=WORKER_PASS, user=WORKER), says="export anonymised statistics")
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_or_reason_is_refused_before_any_export(demo_store, cli, refused, tmp_path):
    before = len(_exports(cli, demo_store))
    refused(cli(demo_store, "export", "stats", str(tmp_path / "no" / "f.csv"), "--reason", REASON, user=SUPERVISOR),
            says="No folder")
    refused(cli(demo_store, "export", "stats", str(tmp_path / "f.csv"), "--pdf", str(tmp_path / "no" / "f.pdf"),
                "--reason", REASON, user=SUPERVISOR), says="No folder")
    refused(cli(demo_store, "export", "stats", str(tmp_path / "f.csv"), user=SUPERVISOR), code=2, says="--reason")
    assert len(_exports(cli, demo_store)) == before and list(tmp_path.iterdir()) == []


def test_himaya_cli_export_stats_in_a_process(demo_store, cli_proc, tmp_path):
    out = tmp_path / "national.csv"
    result = cli_proc(demo_store, "export", "stats", str(out), "--reason", REASON, "--region", "MA-01",
                      user=SUPERVISOR)
    assert result.code == 0, result.err
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert {row["regionFilter"] for row in rows} == {"MA-01"}
    assert {row["value1"] for row in rows if row["table"] == "hmy_region"} <= {"MA-01"}
