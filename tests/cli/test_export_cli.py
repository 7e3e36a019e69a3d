"""``export pdf`` and ``export batch``: case summaries from the command line on a real store,
the files they write (and do not write), and their refusals (exit 1, one line, no traceback)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from clikit import OFFICER, OFFICER_PASS, SUPERVISOR, WORKER, WORKER_PASS

REASON = "Transfer of the file to the Oujda team"
NOTE = "Grace asked for legal aid to file a complaint; she will testify if protected."
GRACE = ("--first-name", "Grace", "--second-name", "Okafor", "--first-name-ar", "غريس", "--sex", "Female",
         "--birth-year", "1992", "--nationality", "NG", "--border-post", "TNG-MED")
AMINATA = ("--first-name", "Aminata", "--first-name-ar", "أميناتا", "--sex", "Female", "--birth-year", "1996",
           "--nationality", "ML", "--border-post", "TNG-MED")
needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")


def _ok(result):
    assert result.code == 0, (result.code, result.out, result.err)
    return result


def _text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode("utf-8")


def _case(cli, store, *person: str, state: str = "presumed_victim") -> tuple[str, str]:
    """A case opened by the border officer (screened to ``state`` on a paper form); (number, id)."""
    made = _ok(cli(store, "case", "add", *person, "--json", passphrase=OFFICER_PASS, user=OFFICER)).json()
    number = made["cas_CaseNumber"]
    if state != "detected":
        _ok(cli(store, "case", "consent", number, "screening", "given", passphrase=OFFICER_PASS, user=OFFICER))
        _ok(cli(store, "case", "move", number, "screening", passphrase=OFFICER_PASS, user=OFFICER))
        _ok(cli(store, "case", "move", number, state, "--reason", "Paper form at the port",
                passphrase=OFFICER_PASS, user=OFFICER))
    return number, made["id"]


def _leftovers(folder) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".part"]


def test_a_supervisor_exports_a_case_summary_with_a_chosen_note(team_store, cli, refused, tmp_path):
    store = team_store
    number, _id = _case(cli, store, *GRACE)
    _ok(cli(store, "case", "note", number, NOTE, passphrase=WORKER_PASS, user=WORKER))
    _ok(cli(store, "case", "note", number, "A note that stays in the store", passphrase=WORKER_PASS, user=WORKER))
    notes = _ok(cli(store, "case", "show", number, "--json", user=SUPERVISOR)).json()["notes"]
    chosen = next(n["id"] for n in notes if n["hmy_Text"] == NOTE)
    out = tmp_path / "summary.pdf"
    done = _ok(cli(store, "export", "pdf", number, str(out), "--reason", REASON, "--lang", "en", "--note", chosen,
                   user=SUPERVISOR))
    assert done.out.strip() == f"Case summary written to {out}."
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert _leftovers(tmp_path) == []
    if shutil.which("pdftotext"):
        text = _text(pdf)
        for phrase in (number, "Grace Okafor", "Presumed victim", REASON):
            assert phrase in text, phrase
        assert " ".join(NOTE.split()[:6]) in " ".join(text.split())
        assert "A note that stays in the store" not in text
        assert "Paper form at the port" not in text  # the reason of a move is a note too: not chosen
    # the reason is kept as a note on the case
    texts = [n["hmy_Text"] for n in _ok(cli(store, "case", "show", number, "--json", user=SUPERVISOR)).json()["notes"]]
    assert f"Case summary exported. Reason: {REASON}" in texts


def test_export_refusals_say_why_in_one_line_and_write_nothing(team_store, cli, refused, tmp_path):
    store = team_store
    number, _id = _case(cli, store, *GRACE)
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "summary.pdf"
    refused(cli(store, "export", "pdf", number, str(out), "--reason", REASON, passphrase=WORKER_PASS, user=WORKER),
            says="does not allow")
    refused(cli(store, "export", "pdf", number, str(out), "--reason", REASON, passphrase=OFFICER_PASS,
                user=OFFICER), says="does not allow")
    refused(cli(store, "export", "pdf", number, str(out), "--reason", "short", user=SUPERVISOR), says="reason:")
    refused(cli(store, "export", "pdf", "HMY-2020-XXXX-00999", str(out), "--reason", REASON, user=SUPERVISOR),
            says="No case")
    refused(cli(store, "export", "pdf", number, str(folder / "nowhere" / "s.pdf"), "--reason", REASON,
                user=SUPERVISOR), says="No folder")
    refused(cli(store, "export", "pdf", number, str(out), "--reason", REASON, "--note",
                "5b0c3c3e-2f0a-4d55-9a51-0c1f2e7a0006", user=SUPERVISOR), says="note")
    refused(cli(store, "export", "pdf", number, str(out), user=SUPERVISOR), code=2, says="--reason")
    assert list(folder.iterdir()) == []
    notes = _ok(cli(store, "case", "show", number, "--json", user=SUPERVISOR)).json()["notes"]
    assert [n for n in notes if n["hmy_Text"].startswith("Case summary exported")] == []


def test_a_batch_into_a_folder_names_files_by_case_number_and_reports_skipped_cases(team_store, cli, refused,
                                                                                   tmp_path):
    store = team_store
    grace, _ = _case(cli, store, *GRACE)
    aminata, aminata_id = _case(cli, store, *AMINATA, state="detected")
    folder = tmp_path / "summaries"
    result = _ok(cli(store, "export", "batch", str(folder), "--case", grace, "--case", aminata_id,
                     "--case", "HMY-2020-XXXX-00999", "--reason", REASON, "--lang", "ar", user=SUPERVISOR))
    assert sorted(p.name for p in folder.iterdir()) == sorted([f"{grace}.pdf", f"{aminata}.pdf"])
    assert all((folder / name).read_bytes().startswith(b"%PDF-") for name in (f"{grace}.pdf", f"{aminata}.pdf"))
    assert result.err_lines == ["skipped HMY-2020-XXXX-00999: not found, or not a case you may see"]
    assert result.out.strip() == f"2 of 3 case summaries exported to {folder}."
    # a refused batch writes no folder at all
    refused(cli(store, "export", "batch", str(tmp_path / "worker"), "--case", grace, "--reason", REASON,
                passphrase=WORKER_PASS, user=WORKER), says="does not allow")
    assert not (tmp_path / "worker").exists()


def test_a_filtered_batch_in_one_file_reads_every_page_of_the_filter(team_store, cli, refused, tmp_path, monkeypatch):
    from app.services import exports

    monkeypatch.setattr(exports, "RESOLVE_PAGE", 2)  # several pages of the case list (keyset paging)
    store = team_store
    numbers = [_case(cli, store, *GRACE)[0] for _ in range(2)] + [_case(cli, store, *AMINATA)[0]]
    _case(cli, store, *AMINATA, state="detected")  # not in the filter
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "all.pdf"
    result = _ok(cli(store, "export", "batch", str(out), "--state", "presumed_victim", "--post", "TNG-MED",
                     "--reason", REASON, "--one-file", "--lang", "fr", user=SUPERVISOR))
    assert result.out.strip() == f"3 of 3 case summaries exported to {out}."
    assert [p.name for p in folder.iterdir()] == ["all.pdf"]
    if shutil.which("pdftotext"):
        text = _text(out.read_bytes())
        assert all(number in text for number in numbers)
    refused(cli(store, "export", "batch", str(out), "--state", "closed", "--reason", REASON, "--one-file",
                user=SUPERVISOR), says="No case you may see matches")
    refused(cli(store, "export", "batch", str(out), "--state", "closed", "--case", numbers[0], "--reason", REASON,
                user=SUPERVISOR), says="not both")
    refused(cli(store, "export", "batch", str(out), "--reason", REASON, user=SUPERVISOR), says="--case")
    refused(cli(store, "export", "batch", str(out), "--from", "March", "--reason", REASON, user=SUPERVISOR),
            says="--from")
    refused(cli(store, "export", "batch", str(folder), "--case", numbers[0], "--reason", REASON, "--one-file",
                user=SUPERVISOR), says="is a folder")
