"""ExportService: who may export case summaries, which cases, the reason, what is written
(a note and the audit entry, nothing else), and batches (one file or a folder, skipped
cases, cancelling, file names)."""

from __future__ import annotations

import re

import pytest
from export_kit import REASON, ExportWorld
from fakes import session_for
from pdftext import PDFTOTEXT, pages

from app.domain.audit import AuditAction
from app.domain.case import Note
from app.domain.checks import new_id
from app.errors import NotFound, PermissionDenied, ValidationError
from app.ports import CaseQuery
from app.services.exports import BATCH_FILE_NAME, SKIP_NOT_FOUND, BatchResult

CASE_FILE = re.compile(r"^HMY-\d{4}-[0-9A-Z]{4,8}-\d{5,}\.pdf$")


@pytest.fixture
def world() -> ExportWorld:
    return ExportWorld("en")


class Snapshot:
    """The store's records and audit trail, to show that a refusal wrote nothing."""

    def __init__(self, world: ExportWorld) -> None:
        self.records, self.entries = dict(world.store.records), list(world.store.entries)
        self.world = world

    def unchanged(self) -> bool:
        return self.world.store.records == self.records and self.world.store.entries == self.entries


@pytest.mark.parametrize("who", ["supervisor", "secretariat"])
def test_the_supervisor_and_the_secretariat_export(world, who):
    pdf = world.summary(getattr(world, who))
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")


@pytest.mark.parametrize("who", ["officer", "worker"])
def test_a_border_officer_or_a_social_worker_is_refused_and_nothing_is_written(world, who):
    before = Snapshot(world)
    with pytest.raises(PermissionDenied):
        world.summary(getattr(world, who))
    with pytest.raises(PermissionDenied):
        world.exports.batch(world.session(getattr(world, who)), [world.case.id], reason=REASON, language="en",
                            one_file=True, write=lambda name, data: pytest.fail("written"))
    with pytest.raises(PermissionDenied):
        world.exports.resolve(world.session(getattr(world, who)), CaseQuery())
    assert before.unchanged()


def test_a_case_of_another_scope_is_not_found_for_a_supervisor(world):
    before = Snapshot(world)
    with pytest.raises(NotFound):
        world.summary(world.south)
    with pytest.raises(NotFound):
        world.exports.case_summary(world.session(), new_id(), reason=REASON, language="en")
    assert before.unchanged()
    assert world.summary(world.secretariat).startswith(b"%PDF-")  # the secretariat sees every scope


@pytest.mark.parametrize("reason", ["", "   ", "too short", " 9 chars  ", "x" * 1001, "hidden\u202econtrol text"])
def test_a_reason_of_ten_characters_or_more_is_required(world, reason):
    before = Snapshot(world)
    with pytest.raises(ValidationError) as refused:
        world.summary(reason=reason)
    assert [e.field for e in refused.value.errors] == ["reason"]
    with pytest.raises(ValidationError):
        world.exports.batch(world.session(), [world.case.id], reason=reason, language="en", one_file=False,
                            write=lambda name, data: pytest.fail("written"))
    assert before.unchanged()


def test_the_language_must_be_one_of_the_three(world):
    with pytest.raises(ValidationError) as refused:
        world.summary(language="es")
    assert [e.field for e in refused.value.errors] == ["language"]


def test_the_export_is_audited_without_content_and_the_reason_kept_as_a_note(world):
    before = Snapshot(world)
    commits = world.store.commits
    world.summary(note_ids=[world.note.id, world.note.id])  # a note chosen twice counts once
    assert world.store.commits == commits + 1  # one transaction
    (entry,) = world.store.entries[len(before.entries):]
    event = entry.event
    assert event.action == AuditAction.EXPORT
    assert (event.actor_id, event.device_id) == (world.supervisor.id, world.store.device_id)
    assert (event.record_type, event.record_id) == ("case", world.case.id)
    assert event.at == world.clock.now()
    assert dict(event.details) == {"kind": "case_summary", "language": "en", "reason_given": True, "notes": 1}
    new = {key: value for key, value in world.store.records.items() if key not in before.records}
    (note,) = new.values()
    assert isinstance(note, Note) and note.case_id == world.case.id and note.author == world.supervisor.id
    assert note.text == f"Case summary exported. Reason: {REASON}"
    assert note.written_at == event.at


def test_a_note_of_another_case_is_not_found(world):
    other = world.bare_case()
    foreign = world.cases.add_note(session_for(world.worker), other.id, "A note of another case")
    before = Snapshot(world)
    for note_id in (foreign.id, new_id()):
        with pytest.raises(NotFound):
            world.summary(note_ids=[world.note.id, note_id])
    assert before.unchanged()


# --- batches -----------------------------------------------------------------------------

class Files:
    """What ``write`` received, in order."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.data: dict[str, bytes] = {}

    def __call__(self, name: str, data: bytes) -> None:
        assert name not in self.data, "a file written twice"
        self.names.append(name)
        self.data[name] = data


def batch(world: ExportWorld, ids, *, one_file: bool, progress=None, user=None) -> tuple[BatchResult, Files]:
    files = Files()
    result = world.exports.batch(world.session(user), ids, reason=REASON, language="en", one_file=one_file,
                                 write=files, progress=progress)
    return result, files


def exports_of(world: ExportWorld, since: int) -> list:
    return [e.event for e in world.store.entries[since:] if e.event.action == AuditAction.EXPORT]


def test_a_folder_batch_writes_one_file_per_case_named_by_its_number(world):
    others = [world.bare_case(first_name="Okafor", first_name_ar="أوكافور") for _ in range(2)]
    cases = [world.case, *others]
    since = len(world.store.entries)
    result, files = batch(world, [c.id for c in cases], one_file=False)
    assert result == BatchResult(done=3, skipped=(), cancelled=False)
    assert files.names == [f"{c.case_number}.pdf" for c in cases]
    assert all(data.startswith(b"%PDF-") for data in files.data.values())
    events = exports_of(world, since)
    assert [(e.record_type, e.record_id) for e in events] == [("case", c.id) for c in cases] + [(None, None)]
    assert all(dict(e.details) == {"kind": "case_summary", "language": "en", "reason_given": True, "notes": 0,
                                   "batch": True} for e in events[:-1])
    assert dict(events[-1].details) == {"kind": "case_summary_batch", "language": "en", "reason_given": True,
                                        "cases": 3, "skipped": 0, "one_file": False, "cancelled": False}
    for case in cases:  # the reason, as a note on each case
        assert [n.text for n in world.store.for_case(Note, case.id) if n.author == world.supervisor.id] == \
            [f"Case summary exported. Reason: {REASON}"]


def test_a_one_file_batch_writes_one_document_holding_every_case(world):
    other = world.bare_case()
    since = len(world.store.entries)
    calls = []
    result, files = batch(world, [world.case.id, other.id, world.case.id], one_file=True,
                          progress=lambda done, total: calls.append((done, total)) or True)
    assert result == BatchResult(done=2, skipped=(), cancelled=False)  # the duplicate once
    assert files.names == [BATCH_FILE_NAME]
    pdf = files.data[BATCH_FILE_NAME]
    assert pdf.startswith(b"%PDF-")
    if PDFTOTEXT:  # both cases in it, in the order given
        text = "\n".join(pages(pdf))
        assert 0 < text.index("Grace Okafor") < text.index(other.case_number)
    assert calls[0] == (0, 2) and calls[-1] == (2, 2) and calls == sorted(calls)
    events = exports_of(world, since)
    assert [e.record_id for e in events] == [world.case.id, other.id, None]
    assert events[-1].details["one_file"] is True and events[-1].details["cases"] == 2


@pytest.mark.parametrize("one_file", [False, True])
def test_cases_out_of_sight_are_skipped_with_the_reason(world, one_file):
    south = world.bare_case("scope-south")
    missing = new_id()
    since = len(world.store.entries)
    result, files = batch(world, [south.id, world.case.id, missing], one_file=one_file)
    assert result == BatchResult(done=1, skipped=((south.id, SKIP_NOT_FOUND), (missing, SKIP_NOT_FOUND)),
                                 cancelled=False)
    assert len(files.names) == 1
    assert [e.record_id for e in exports_of(world, since)] == [world.case.id, None]
    assert exports_of(world, since)[-1].details["skipped"] == 2


def test_cancelling_a_folder_batch_stops_between_cases_and_keeps_what_was_done(world):
    cases = [world.case, *(world.bare_case() for _ in range(3))]
    since = len(world.store.entries)
    result, files = batch(world, [c.id for c in cases], one_file=False, progress=lambda done, total: done < 2)
    assert result == BatchResult(done=2, skipped=(), cancelled=True)
    assert files.names == [f"{c.case_number}.pdf" for c in cases[:2]]
    events = exports_of(world, since)
    assert [e.record_id for e in events] == [cases[0].id, cases[1].id, None]
    assert events[-1].details["cancelled"] is True


@pytest.mark.parametrize("stop_at", [0, 1])
def test_cancelling_a_one_file_batch_writes_and_audits_nothing(world, stop_at):
    cases = [world.case, world.bare_case(), world.bare_case()]
    before = Snapshot(world)
    result, files = batch(world, [c.id for c in cases], one_file=True, progress=lambda done, total: done < stop_at)
    assert result == BatchResult(done=0, skipped=(), cancelled=True)
    assert files.names == []
    assert before.unchanged()


def test_a_progress_without_an_answer_does_not_cancel(world):
    result, files = batch(world, [world.case.id, world.bare_case().id], one_file=False,
                          progress=lambda done, total: None)
    assert result.done == 2 and not result.cancelled


@pytest.mark.parametrize("one_file", [False, True])
def test_file_names_never_come_from_a_persons_name(world, one_file):
    people = [world.bare_case(first_name=name, first_name_ar="أمينة") for name in ("Aminata", "Fatou", "Blessing")]
    result, files = batch(world, [world.case.id, *(c.id for c in people)], one_file=one_file)
    assert result.done == 4
    names = " ".join(files.names)
    for name in ("Grace", "Okafor", "Aminata", "Fatou", "Blessing", "أمينة", "غريس"):
        assert name not in names
    assert all(CASE_FILE.match(n) or n == BATCH_FILE_NAME for n in files.names)


def test_resolve_turns_a_filter_into_the_cases_the_user_may_see(world):
    north = [world.bare_case() for _ in range(3)]
    world.bare_case("scope-south")
    found = world.exports.resolve(world.session(), CaseQuery(limit=1, offset=2))  # paging is the service's
    assert sorted(found) == sorted([world.case.id, *(c.id for c in north)])
    assert len(world.exports.resolve(world.session(world.secretariat), CaseQuery())) == 5
