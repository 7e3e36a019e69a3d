"""Exports and figures on the desktop: a case summary from the case file (reason kept as a
note, notes chosen, who sees the action), batches with Stop and a report of skipped cases,
and the statistics dashboard (the service's figures, suppressed cells marked, filters
recomputed off the GUI thread with late results dropped, roles)."""

from __future__ import annotations

import shutil
import stat
import subprocess
import threading
from datetime import date

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication

from app.demo import generate
from app.domain.audit import AuditAction
from app.domain.checks import new_id
from app.domain.person import Person
from app.domain.values import CaseState, Role, Sex
from app.errors import PermissionDenied
from app.ports import CaseQuery
from app.services.exports import SKIP_NOT_FOUND
from app.stats import DIMENSIONS, to_csv
from i18n.bidi import strip_isolates
from i18n.formatting import format_number
from storage.vault import Vault
import uikit
from uikit import PASSPHRASE, click, make_user, type_text
from ui.composition import services_for
from ui.qt.cases.case_file import CaseFilePanel
from ui.qt.lang import language, tr
from ui.qt.reports import batch_dialog
from ui.qt.reports.batch_dialog import BatchExportDialog
from ui.qt.reports.common import REASON_TOO_SHORT
from ui.qt.reports.dashboard import LAST_YEAR, SUPPRESSED, Dashboard
from ui.qt.workspace import Workspace

REASON = "Demande du procureur du Roi, dossier 2025/114"
ARABIC_REASON = "طلب من النيابة العامة بخصوص الملف"
PASSPHRASES = {
    Role.BORDER_OFFICER: ("karim.t", "cactus lantern mosaic harbour 9"),
    Role.SOCIAL_WORKER: ("nadia.s", "pomegranate river lantern 42"),
    Role.SUPERVISOR: ("salma.b", "saffron comet orchard bridge 3"),
    Role.SECRETARIAT: ("leila.m", PASSPHRASE),
}
N_DEMO = 220


def settle(ctx, qtbot) -> None:
    uikit.settle(ctx, qtbot, timeout=20000)  # many demo cases: slower operations


def pdf_text(path) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout


# --- a small team: one case, every role ----------------------------------------------------------------
@pytest.fixture
def team(ctx):
    """A store with a user of every role (scope north, Tanger Med) and a case at Tanger Med with
    two notes; ``login(role)`` opens it as that role."""
    # Only the secretariat may add a secretariat user: it sets the device up, the others join it.
    secretariat = services_for(ctx.vault.create(make_user("leila.m", Role.SECRETARIAT), PASSPHRASE))
    for role, (username, passphrase) in PASSPHRASES.items():
        if role is not Role.SECRETARIAT:
            secretariat.users.add_user(secretariat.session, username=username, display_name=username.title(),
                                       role=role, passphrase=passphrase, scope_id="north",
                                       border_post="TNG-MED" if role is not Role.SOCIAL_WORKER else None)
    secretariat.lock()
    s = services_for(ctx.vault.unlock(*PASSPHRASES[Role.SUPERVISOR]))
    person = Person(new_id(), first_name="Grace", first_name_ar="غريس", sex=Sex.FEMALE,
                    birth_year=date.today().year - 29, languages=("en",))
    case = s.cases.register(s.session, person, border_post="TNG-MED")
    kept = s.cases.add_note(s.session, case.id, "Note to include: the shelter in Tangier agreed.")
    left = s.cases.add_note(s.session, case.id, "Note to leave out: phone of the cousin.")
    s.lock()

    def login(role: Role):
        if ctx.services is not None:
            ctx.ops.wait()
            ctx.services.lock()
        username, passphrase = PASSPHRASES[role]
        ctx.services = services_for(ctx.vault.unlock(username, passphrase))
        return ctx.services

    return login, case.id, kept, left


def open_file(ctx, qtbot, case_id) -> CaseFilePanel:
    panel = CaseFilePanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(1300, 800)
    panel.show()
    panel.show_case(case_id)
    settle(ctx, qtbot)
    assert panel.loaded is not None
    return panel


def test_case_summary_export_writes_the_pdf_chosen_and_keeps_the_reason_on_the_case(ctx, qtbot, team, tmp_path):
    login, case_id, kept, left = team
    services = login(Role.SUPERVISOR)
    panel = open_file(ctx, qtbot, case_id)
    click(qtbot, panel.export_button)
    dialog = panel.export_dialog
    assert dialog is not None and dialog.isVisible()
    # None of the notes is chosen unless ticked; the document's language is the interface's.
    assert dialog.chosen_notes() == []
    assert dialog.fields.language_code() == language.code == "ar"

    asked: list[str] = []
    target = tmp_path / "out" / "summary"  # no ".pdf": it is added
    target.parent.mkdir()
    dialog.ask_path = lambda parent, suggested: asked.append(suggested) or str(target)
    type_text(dialog.fields.reason, "قصير")  # too short: refused before any file dialog
    click(qtbot, dialog.confirm)
    assert asked == []
    assert dialog.errors.labels["reason"].isVisible()
    assert dialog.errors.labels["reason"].text() == tr(REASON_TOO_SHORT)

    dialog.fields.reason.clear()
    type_text(dialog.fields.reason, ARABIC_REASON)
    dialog.fields.language.setCurrentIndex(dialog.fields.language.findData("en"))
    for row in range(dialog.notes.count()):
        item = dialog.notes.item(row)
        if item.data(Qt.ItemDataRole.UserRole) == kept.id:
            item.setCheckState(Qt.CheckState.Checked)
    assert dialog.chosen_notes() == [kept.id]
    click(qtbot, dialog.confirm)
    settle(ctx, qtbot)

    written = target.with_name("summary.pdf")
    assert asked and asked[0].endswith(".pdf")
    assert written.read_bytes().startswith(b"%PDF")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert [p.name for p in written.parent.iterdir()] == ["summary.pdf"]  # no temporary file left behind
    assert not dialog.isVisible()
    assert panel.export_result.isVisible() and str(written) in strip_isolates(panel.export_result.text())
    # The reason is a note on the case (the panel shows it after reloading); the audit entry holds no text.
    qtbot.waitUntil(lambda: any(ARABIC_REASON in n.text for n in panel.loaded.file.notes))
    stored = services.cases.open_case(services.session, case_id, record_view=False)
    assert sum(ARABIC_REASON in n.text for n in stored.notes) == 1
    [export] = [e for e in services.cases.history(services.session, case_id) if e.event.action == AuditAction.EXPORT]
    assert export.event.details["kind"] == "case_summary" and export.event.details["language"] == "en"
    assert export.event.details["notes"] == 1 and ARABIC_REASON not in repr(export.event.details)
    text = pdf_text(written)
    if text is not None:
        assert "shelter in Tangier" in text and "cousin" not in text


@pytest.mark.parametrize("role, sees", [
    (Role.BORDER_OFFICER, False), (Role.SOCIAL_WORKER, False), (Role.SUPERVISOR, True), (Role.SECRETARIAT, True),
])
def test_only_supervisors_and_the_secretariat_see_the_summary_export(ctx, qtbot, team, role, sees):
    login, case_id, _kept, _left = team
    services = login(role)
    panel = open_file(ctx, qtbot, case_id)
    assert panel.export_button.isVisible() is sees
    panel.ask_export()
    assert (panel.export_dialog is not None) is sees
    if not sees:  # hidden, and the service refuses anyway
        with pytest.raises(PermissionDenied):
            services.exports.case_summary(services.session, case_id, reason=REASON, language="fr")


@pytest.mark.parametrize("role", [Role.BORDER_OFFICER, Role.SOCIAL_WORKER])
def test_border_officers_and_social_workers_have_no_dashboard_nor_batch_export(ctx, qtbot, team, role):
    login, _case_id, _kept, _left = team
    services = login(role)
    ws = Workspace(ctx)
    qtbot.addWidget(ws)
    ws.show()
    settle(ctx, qtbot)
    assert not ws.dashboard_action.isVisible() and not ws.dashboard_action.isEnabled()
    assert not ws.batch_action.isVisible()
    ws.open_dashboard()
    ws.open_batch_export()
    assert ws.dashboard is None and ws.batch_dialog is None
    with pytest.raises(PermissionDenied):
        services.statistics.compute(services.session)
    # Even built by hand, the dashboard shows the core's refusal and no figure.
    dash = Dashboard(ctx)
    qtbot.addWidget(dash)
    dash.show()
    settle(ctx, qtbot)
    assert dash.table is None and dash.error_label.isVisible()
    assert isinstance(dash.error, PermissionDenied)


# --- many cases: batches and the dashboard ------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    user = make_user()
    opened = Vault(tmp_path_factory.mktemp("reports") / "store").create(user, PASSPHRASE)
    svc = services_for(opened)
    worker = make_user("youssef.e", Role.SOCIAL_WORKER)
    assert svc.cases.add_prepared(svc.session, generate(
        N_DEMO, seed=8, users=[user, worker], device_code=opened.store.device_code)) == N_DEMO
    yield opened
    opened.lock()


@pytest.fixture
def demo(ctx, demo_store):
    ctx.services = services_for(demo_store)
    yield ctx.services
    ctx.ops.wait()
    QApplication.processEvents()
    ctx.services = None


def workspace(ctx, qtbot) -> Workspace:
    ws = Workspace(ctx)
    qtbot.addWidget(ws)
    ws.resize(1300, 800)
    ws.show()
    qtbot.waitUntil(lambda: ws.list.model.total is not None and ws.list.model.rowCount() > 0, timeout=10000)
    settle(ctx, qtbot)
    return ws


def test_batch_export_of_selected_rows_stops_early_and_reports_what_was_done(ctx, qtbot, demo, tmp_path,
                                                                              monkeypatch):
    ws = workspace(ctx, qtbot)
    table = ws.list.table
    selection = table.selectionModel()
    for row in range(6):
        selection.select(ws.list.model.index(row, 0), QItemSelectionModel.SelectionFlag.Select
                         | QItemSelectionModel.SelectionFlag.Rows)
    selected = ws.list.selected_cases()
    assert len(selected) == 6
    assert ws.batch_action.isVisible()
    ws.batch_action.trigger()
    dialog = ws.batch_dialog
    assert isinstance(dialog, BatchExportDialog) and dialog.use_selected.isChecked()
    # A case gone from the user's sight since it was selected (e.g. handed over) comes first.
    dialog.selected.insert(0, ("no-longer-visible", "HMY-GONE"))

    folder = tmp_path / "summaries"
    folder.mkdir()
    dialog.ask_target = lambda parent, suggested, one_file: str(folder)
    dialog.folder.setChecked(True)
    type_text(dialog.fields.reason, REASON)

    # The second file written holds the worker until Stop was pressed: the window stays usable meanwhile.
    real_write, written, second = batch_dialog.write_file, [], threading.Event()

    def write(path, data):
        real_write(path, data)
        written.append(path)
        if len(written) == 2:
            second.set()
            assert dialog._stop.wait(20)
    monkeypatch.setattr(batch_dialog, "write_file", write)

    click(qtbot, dialog.confirm)
    qtbot.waitUntil(second.is_set, timeout=20000)
    assert dialog.busy and ctx.ops.busy and dialog.progress.isVisible()
    click(qtbot, dialog.stop_button)
    settle(ctx, qtbot)

    outcome = dialog.outcome
    assert outcome is not None and outcome.result.cancelled and outcome.result.done == 2
    assert outcome.total == 7 and outcome.skipped == ((None, SKIP_NOT_FOUND),)
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{number}.pdf" for _id, number in selected[:2])
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.iterdir())
    report = strip_isolates(dialog.report.text())
    assert dialog.report.isVisible()
    assert tr("Stopped: {done} of {total} case summaries were exported to {path}.").format(
        done=format_number(2, language.code), total=format_number(7, language.code), path=folder) in report
    assert tr("{case}: {why}").format(case=tr("a case you may no longer see"), why=tr(SKIP_NOT_FOUND)) in report
    assert dialog.progress.maximum() == 7 and not dialog.stop_button.isVisible()
    # Each exported case has its reason note; the third one, never reached, has none.
    for case_id, _number in selected[:3]:
        notes = demo.cases.open_case(demo.session, case_id, record_view=False).notes
        assert any(REASON in n.text for n in notes) is (case_id != selected[2][0])


def test_batch_export_of_the_list_filter_into_one_pdf(ctx, qtbot, demo, tmp_path):
    ws = workspace(ctx, qtbot)
    counts = {s: demo.cases.count_cases(demo.session, CaseQuery(states=frozenset({s}))) for s in CaseState}
    state = min((s for s, n in counts.items() if 2 <= n <= 6), key=counts.get)
    combo = ws.list.state_filter
    combo.setCurrentIndex(combo.findData(state.value))
    qtbot.waitUntil(lambda: ws.list.model.total == counts[state], timeout=10000)
    settle(ctx, qtbot)
    ws.open_batch_export()
    dialog = ws.batch_dialog
    assert dialog is not None and not dialog.use_selected.isEnabled() and dialog.use_filter.isChecked()
    target = tmp_path / "all.pdf"
    dialog.ask_target = lambda parent, suggested, one_file: one_file and str(target)
    type_text(dialog.fields.reason, REASON)
    click(qtbot, dialog.confirm)
    settle(ctx, qtbot)
    outcome = dialog.outcome
    assert outcome is not None and not outcome.result.cancelled
    assert outcome.result.done == outcome.total == counts[state] and outcome.skipped == ()
    assert target.read_bytes().startswith(b"%PDF") and [p.name for p in tmp_path.iterdir()] == ["all.pdf"]
    assert ntr_count_in(dialog.report.text(), counts[state], target)


def ntr_count_in(text: str, count: int, path) -> bool:
    from ui.qt.lang import ntr
    expected = ntr("{count} case summary was exported to {path}.", "{count} case summaries were exported to {path}.",
                   count).format(count=format_number(count, language.code), path=path)
    return expected in strip_isolates(text)


def open_dashboard(ctx, qtbot) -> Dashboard:
    ws = workspace(ctx, qtbot)
    assert ws.dashboard_action.isVisible()
    ws.dashboard_action.trigger()
    dash = ws.dashboard
    assert isinstance(dash, Dashboard) and dash.isVisible() and not dash.isModal()
    qtbot.waitUntil(lambda: dash.table is not None, timeout=20000)
    settle(ctx, qtbot)
    return dash


def test_the_dashboard_shows_the_service_figures_and_marks_suppressed_ones(ctx, qtbot, demo):
    dash = open_dashboard(ctx, qtbot)
    expected = demo.statistics.compute(demo.session)
    assert dash.table == expected
    assert expected.total == N_DEMO
    assert strip_isolates(dash.total.text()) == tr("Cases counted: {count}").format(
        count=format_number(N_DEMO, language.code))
    marked = published = 0
    for dimension in DIMENSIONS:
        chart, cells = dash.charts[dimension], expected.table(dimension).cells
        assert [bar.count for bar in chart.bars] == [cell.count for cell in cells]
        for bar, rects in zip(chart.bars, chart.bar_rects()):
            name, drawn, _figure = rects
            assert name.left() > drawn.right()  # Arabic: names on the right, bars growing to the left
            if bar.suppressed:
                marked += 1
                assert bar.value_text == tr(SUPPRESSED)
            else:
                published += 1
                assert bar.value_text == format_number(bar.count, language.code)
    assert marked and published  # the demo data has both, so both looks are checked
    assert dash.legend.text() and dash.swatch.isVisible()

    generation = dash.generation
    language.apply("fr")  # French: the chart mirrors back; the figures stay, nothing is recomputed
    QApplication.processEvents()
    chart = dash.charts[DIMENSIONS[0]]
    assert chart.bar_rects()[0][0].right() < chart.bar_rects()[0][1].left()
    assert dash.generation == generation and dash.table == expected


def test_changing_a_filter_recomputes_off_the_gui_thread_and_drops_the_older_result(ctx, qtbot, demo,
                                                                                      monkeypatch):
    dash = open_dashboard(ctx, qtbot)
    statistics = demo.statistics
    real_compute, calls, gate = statistics.compute, [], threading.Event()

    def compute(session, **filters):
        calls.append(filters)
        if len(calls) == 1:
            assert gate.wait(20)  # the first computation is slow: the user changes the filter meanwhile
        return real_compute(session, **filters)
    monkeypatch.setattr(statistics, "compute", compute)
    shown: list = []
    real_render = dash._render
    monkeypatch.setattr(dash, "_render", lambda: (shown.append(dash.table and dash.table.filters), real_render()))

    dash.period.setCurrentIndex(dash.period.findData(LAST_YEAR))
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=5000)
    # The worker is busy; the window is not: it says so, and takes the next change.
    assert ctx.ops.busy and dash.busy.isVisible() and dash.computing and not dash.export_button.isEnabled()
    dash.region.setCurrentIndex(dash.region.findData("MA-01"))
    qtbot.waitUntil(lambda: dash.generation == 3, timeout=5000)  # the region's computation is asked for
    shown.clear()
    gate.set()
    settle(ctx, qtbot)
    year = date.today().year - 1
    last_year = dict(period_from=date(year, 1, 1), period_to=date(year, 12, 31))
    assert calls[0] == dict(last_year, region=None)
    assert calls[-1] == dict(last_year, region="MA-01")
    assert dash.table == real_compute(demo.session, **last_year, region="MA-01")
    # The earlier (last year, every region) figures arrived late and were never shown.
    assert all(f is None or f.region == "MA-01" for f in shown)
    assert not dash.busy.isVisible() and dash.export_button.isEnabled()


def test_the_dashboard_exports_its_figures_as_csv_and_pdf_with_a_reason(ctx, qtbot, demo, tmp_path):
    dash = open_dashboard(ctx, qtbot)
    click(qtbot, dash.export_button)
    dialog = dash.export_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.ask_csv = lambda parent, suggested: str(tmp_path / "figures")
    dialog.ask_pdf = lambda parent, suggested: str(tmp_path / "report.pdf")
    dialog.csv.setChecked(True)
    assert not dialog.fields.language.isVisible()  # a CSV holds codes only
    click(qtbot, dialog.confirm)
    assert dialog.errors.labels["reason"].isVisible() and not list(tmp_path.iterdir())
    type_text(dialog.fields.reason, REASON)
    before = len(demo.opened.store.audit_entries())
    click(qtbot, dialog.confirm)
    settle(ctx, qtbot)
    csv_file = tmp_path / "figures.csv"
    text = csv_file.read_bytes().decode("utf-8")  # CRLF line ends kept as the codebook says
    assert text == to_csv(dash.table)
    assert stat.S_IMODE(csv_file.stat().st_mode) == 0o600
    assert str(csv_file) in strip_isolates(dash.saved.text()) and dash.saved.isVisible()

    click(qtbot, dash.export_button)
    dialog = dash.export_dialog
    dialog.ask_pdf = lambda parent, suggested: str(tmp_path / "report.pdf")
    assert dialog.pdf.isChecked() and dialog.fields.language.isVisible()
    type_text(dialog.fields.reason, REASON)
    click(qtbot, dialog.confirm)
    settle(ctx, qtbot)
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    entries = demo.opened.store.audit_entries()
    exports = [e.event.details for e in entries[before:] if e.event.action == AuditAction.EXPORT]
    assert [(d["kind"], d["format"]) for d in exports] == [("statistics", "csv"), ("statistics", "pdf")]
    assert all(REASON not in repr(d) for d in exports)
