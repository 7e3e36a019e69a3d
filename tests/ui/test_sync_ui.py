"""Sync on the desktop: the status bar (result, time, progress and Cancel, automatic sync
that never overlaps, a revoked device), the Sync menu by role, the conflicts page of a
supervisor and the Devices page of the secretariat."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QLabel, QLineEdit, QMessageBox, QPushButton, QRadioButton, QTableView, QToolButton

from app.domain.case import Case
from app.domain.checks import new_id
from app.domain.person import Person
from app.domain.values import Role
from app.services.cases import CaseService
from i18n.formatting import format_date
from storage.sync_state import SyncState as StoreSyncState
from storage.vault import Vault
from sync.errors import DeviceRevoked, HubRefused, HubUnreachable
from sync.hub.tls import TlsFiles, create_ca
from i18n.bidi import strip_isolates
from uikit import PASSPHRASE, click, make_user, settle, type_text
from ui import composition
from ui.qt import window as window_module
from ui.qt.lang import language, tr, trf
from ui.qt.sync.devices import DevicesModel
from ui.qt.sync.runner import SyncRunner
from ui.qt.sync.texts import (
    FAILED, OK, UNREACHABLE, SyncState, ago, counts_text, status_text, wiped_text, wiped_title,
)
from ui.qt.window import MainWindow

def not_configured_text() -> str:
    return tr("Sync not configured: connect this laptop to the hub from the Sync menu")


HUB_STATUS = {"hub_url": "https://hub.example:8443", "status": "approved", "device_name": "Tanger Med"}


@dataclass(frozen=True)
class Result:
    """The shape of ``sync.client.SyncResult``."""

    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0
    held: int = 0
    status: str = "approved"
    error: str | None = None
    error_code: str | None = None
    wiped: bool = False


class FakeSync:
    """``services.sync`` without a hub: answers as told; ``hold()`` makes ``run`` wait until
    released or cancelled (then it returns what it had done, as the client does)."""

    def __init__(self, configured: bool = True, status: dict | None = None,
                 result: Result | None = None) -> None:
        self._configured = configured
        self._status = dict(status if status is not None else HUB_STATUS)
        self.result = result or Result(12, 40, 1)
        self.error: BaseException | None = None
        self.runs = 0
        self.active = 0
        self.max_active = 0
        self.release = threading.Event()
        self.release.set()
        self.entered = threading.Event()
        self.threads: set[str] = set()
        self.device_list: list[dict] = []
        self.invited: list[tuple[str, list[str]]] = []
        self.approved: list[str] = []
        self.revoked: list[str] = []

    def hold(self) -> None:
        self.release.clear()

    def configured(self) -> bool:
        return self._configured

    def status(self) -> dict:
        return dict(self._status)

    def run(self, progress, cancel) -> Result:
        self.runs += 1
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        self.threads.add(threading.current_thread().name)
        try:
            progress("push", 1, 3)
            self.entered.set()
            deadline = time.monotonic() + 10  # a failing test must not hang the worker for ever
            while not self.release.wait(0.01) and time.monotonic() < deadline:
                if cancel():
                    return Result(pushed=1, status="approved")
            if self.error is not None:
                raise self.error
            return self.result
        finally:
            self.active -= 1

    # the secretariat's calls
    def devices(self) -> list[dict]:
        return [dict(d) for d in self.device_list]

    def invite(self, name: str, scopes: list[str]) -> str:
        self.invited.append((name, scopes))
        return "K7Q2-9XRT-M4PA"

    def approve(self, device: str, expect_fingerprint: str | None = None) -> None:
        self.approved.append((device, expect_fingerprint))

    def revoke(self, device: str) -> list[str]:
        self.revoked.append(device)
        return ["east"]


def with_sync(monkeypatch, fake: FakeSync) -> None:
    """Every unlock builds the real services, with the fake sync in place of the hub's."""
    real = composition.services_for

    def services_for(opened):
        services = real(opened)
        services.sync = fake
        return services

    monkeypatch.setattr(window_module, "services_for", services_for)


def unlocked_window(ctx, qtbot, user=None) -> MainWindow:
    opened = ctx.vault.create(user or make_user(), PASSPHRASE)
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    w.on_unlocked(opened)
    settle(ctx, qtbot)
    return w


def status_label(w: MainWindow) -> QLabel:
    label = w.findChild(QLabel, "syncStatus")
    assert label is not None
    return label


def action(w: MainWindow, name: str) -> QAction:
    found = w.findChild(QAction, name)
    assert found is not None, name
    return found


def plain(text: str) -> str:
    return strip_isolates(text)


# --- the status bar ------------------------------------------------------------------------------
def test_not_configured_says_so_and_never_syncs_by_itself(ctx, qtbot, monkeypatch):
    fake = FakeSync(configured=False)
    with_sync(monkeypatch, fake)
    w = unlocked_window(ctx, qtbot)
    assert status_label(w).text() == not_configured_text()  # a supervisor: where to connect the laptop
    assert not w.sync.runner.automatic
    action(w, "actionSyncNow").trigger()  # asks again (a hub may have been set up since)
    settle(ctx, qtbot)
    assert fake.runs == 0 and status_label(w).text() == not_configured_text()


def test_sync_now_shows_progress_then_the_result_and_its_time(ctx, qtbot, monkeypatch):
    fake = FakeSync()
    with_sync(monkeypatch, fake)
    w = unlocked_window(ctx, qtbot)
    assert w.sync.runner.automatic  # a hub is configured: every few minutes
    fake.hold()
    sync_now = action(w, "actionSyncNow")
    assert sync_now.shortcut().toString() == "Ctrl+Shift+S"
    sync_now.trigger()
    assert fake.entered.wait(5)
    cancel = w.findChild(QPushButton, "syncCancel")
    qtbot.waitUntil(lambda: tr("sending") in status_label(w).text())
    assert cancel.isVisible() and w.findChild(QLabel, "syncStatus").isVisible()
    assert w.findChild(type(w.sync.status.bar), "syncProgress").maximum() == 3
    assert not sync_now.isEnabled()  # one sync at a time
    assert "MainThread" not in fake.threads
    fake.release.set()
    settle(ctx, qtbot)
    text = status_label(w).text()
    assert not cancel.isVisible() and sync_now.isEnabled()
    assert w.sync.state.kind == OK
    expected = trf("Synced {when}: {counts}", when=tr("just now"),
                   counts=counts_text(SyncState(OK, None, 12, 40, 1)))
    assert text == expected
    assert "12" in plain(text) and "40" in plain(text)


def test_cancel_stops_the_sync_and_keeps_what_was_done(ctx, qtbot, monkeypatch):
    fake = FakeSync()
    with_sync(monkeypatch, fake)
    w = unlocked_window(ctx, qtbot)
    fake.hold()
    action(w, "actionSyncNow").trigger()
    assert fake.entered.wait(5)
    qtbot.waitUntil(lambda: w.findChild(QPushButton, "syncCancel").isVisible())
    click(qtbot, w.findChild(QPushButton, "syncCancel"))
    settle(ctx, qtbot)
    assert fake.runs == 1 and fake.active == 0
    assert status_label(w).text() == trf("Sync stopped: {counts}", counts=counts_text(SyncState(pushed=1)))
    assert not w.findChild(QPushButton, "syncCancel").isVisible()


def test_the_time_of_the_last_sync_reads_as_minutes_ago():
    now = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
    three = SyncState(OK, now - timedelta(minutes=3), 12, 40, 1)
    assert ago(three.at, now) != ago(now - timedelta(hours=3), now)
    assert "3" in plain(status_text(three, now))
    assert plain(ago(now - timedelta(seconds=20), now)) == tr("just now")


@pytest.mark.parametrize("outcome, expected", [
    (Result(status="revoked", error=DeviceRevoked().render(), error_code="revoked"),
     "This device was revoked: it no longer syncs"),
    (DeviceRevoked(), "This device was revoked: it no longer syncs"),
])
def test_a_revoked_device_is_shown_and_stops_syncing_by_itself(ctx, qtbot, monkeypatch, outcome, expected):
    fake = FakeSync()
    if isinstance(outcome, Exception):
        fake.error = outcome
    else:
        fake.result = outcome
    with_sync(monkeypatch, fake)
    w = unlocked_window(ctx, qtbot)
    action(w, "actionSyncNow").trigger()
    settle(ctx, qtbot)
    assert status_label(w).text() == tr(expected)
    assert not w.sync.runner.automatic and not w.sync.runner.timer.isActive()


def test_a_device_whose_store_was_erased_says_so_and_returns_to_the_first_start(ctx, qtbot, monkeypatch):
    fake = FakeSync(result=Result(status="revoked", error="revoked; erased", error_code="revoked", wiped=True))
    with_sync(monkeypatch, fake)
    w = unlocked_window(ctx, qtbot)
    erase = ctx.services.opened.wipe
    real_run = fake.run
    fake.run = lambda progress, cancel: (erase("test"), real_run(progress, cancel))[1]  # as the client does
    action(w, "actionSyncNow").trigger()
    settle(ctx, qtbot)
    qtbot.waitUntil(lambda: w.wiped_notice is not None and w.wiped_notice.isVisible())
    notice = w.wiped_notice
    assert (notice.windowTitle(), notice.text()) == (wiped_title(), wiped_text())
    erased, not_reached = notice.text().split("\n\n")  # what it erased, then what it could not reach
    assert erased.strip() and not_reached.strip()
    assert w.is_locked and w.sync is None and w.workspace is None
    assert w.stack.currentWidget() is w.setup_page and w.setup_page.isVisible()  # the first start again
    assert not ctx.vault.exists()


def test_an_unreachable_hub_keeps_the_last_success_and_tries_again(ctx, qtbot, monkeypatch):
    last = (datetime.now(timezone.utc) - timedelta(minutes=30)).isoformat()
    fake = FakeSync(status={**HUB_STATUS, "last_sync_at": last,
                            "last_result": "sent 2, received 5, conflicts 0"})
    # As the client reports it: inside the result, a code and the English detail.
    fake.result = Result(status="approved", error=HubUnreachable(url="https://hub.example:8443",
                                                                 detail="timed out").render(),
                         error_code="unreachable")
    with_sync(monkeypatch, fake)
    w = unlocked_window(ctx, qtbot)
    assert plain(status_label(w).text()) == plain(trf("Synced {when}: {counts}", when=ago(datetime.fromisoformat(
        last)), counts=counts_text(SyncState(pushed=2, pulled=5))))
    action(w, "actionSyncNow").trigger()
    settle(ctx, qtbot)
    text = status_label(w).text()
    assert text == trf("Hub unreachable ({last})", last=trf("last synced {when}", when=ago(datetime.fromisoformat(
        last))))
    assert "30" in plain(text)
    assert w.sync.runner.automatic and w.sync.runner.timer.isActive()  # it tries again in a few minutes


def test_a_refusal_is_worded_from_its_code_and_its_detail_shows_on_hover(ctx, qtbot, monkeypatch):
    fake = FakeSync()
    detail = HubRefused(409, "sequence_gap", "expected 7").render()
    fake.result = Result(status="approved", error=detail, error_code="refused")
    with_sync(monkeypatch, fake)
    w = unlocked_window(ctx, qtbot)
    action(w, "actionSyncNow").trigger()
    settle(ctx, qtbot)
    assert status_label(w).text() == tr("Sync failed: the hub refused the request")
    assert status_label(w).toolTip() == detail and w.sync.state.kind == FAILED


@pytest.mark.parametrize("code, expected", [
    ("keys_missing", "Some changes wait on this device: it has no key for their scope yet"),
    ("publication_refused", "A published directory or checklist was refused: the one in use stays"),
    ("protocol", "Sync failed: the hub's answer could not be used"),
    ("busy", "Another sync of this device is already running"),
    ("something_new", "Sync failed"),
])
def test_each_code_has_its_words_whatever_the_english_detail_says(ctx, qtbot, monkeypatch, code, expected):
    fake = FakeSync()
    fake.result = Result(12, 40, 0, status="approved", error="no words the desktop could parse", error_code=code)
    with_sync(monkeypatch, fake)
    w = unlocked_window(ctx, qtbot)
    action(w, "actionSyncNow").trigger()
    settle(ctx, qtbot)
    assert status_label(w).text() == tr(expected)


@pytest.mark.parametrize("code, text", [
    ("unreachable", "Hub unreachable"),
    ("refused", "Sync failed: the hub refused the request"),
    ("", "Sync failed"),  # a store synced before codes were kept: its English text only
])
def test_at_unlock_the_last_failure_is_worded_from_the_kept_code(ctx, qtbot, monkeypatch, code, text):
    at = (datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat()
    with_sync(monkeypatch, FakeSync(status={**HUB_STATUS, "last_sync_at": at, "last_error_code": code,
                                            "last_result": "The hub refused the request (x): y"}))
    w = unlocked_window(ctx, qtbot)
    assert status_label(w).text() == tr(text)
    assert status_label(w).toolTip() == "The hub refused the request (x): y"


def test_a_device_waiting_for_approval_says_so(ctx, qtbot, monkeypatch):
    with_sync(monkeypatch, FakeSync(status={**HUB_STATUS, "status": "pending"}))
    w = unlocked_window(ctx, qtbot)
    assert status_label(w).text() == tr("Waiting for the secretariat to approve this device")


# --- the automatic sync ------------------------------------------------------------------------------
def test_automatic_sync_runs_again_and_never_overlaps(ctx, qtbot, monkeypatch):
    fake = FakeSync()
    with_sync(monkeypatch, fake)
    ctx.services = window_module.services_for(ctx.vault.create(make_user(), PASSPHRASE))
    runner = SyncRunner(ctx, interval_ms=30, first_ms=5, retry_ms=10)
    started: list[float] = []
    runner.started.connect(lambda: started.append(time.monotonic()))
    fake.hold()
    runner.start_automatic()
    qtbot.waitUntil(fake.entered.is_set, timeout=5000)  # the timer needs the event loop
    qtbot.wait(300)  # ten intervals while the first sync is still running
    assert fake.runs == 1 and len(started) == 1 and runner.running
    assert not runner.run_now()  # "Sync now" while one runs: refused, not queued
    fake.release.set()
    qtbot.waitUntil(lambda: fake.runs >= 3, timeout=5000)
    runner.stop_automatic()
    settle(ctx, qtbot)
    assert fake.max_active == 1


def test_automatic_sync_waits_while_the_worker_is_busy_with_the_user(ctx, qtbot, monkeypatch):
    fake = FakeSync()
    with_sync(monkeypatch, fake)
    ctx.services = window_module.services_for(ctx.vault.create(make_user(), PASSPHRASE))
    runner = SyncRunner(ctx, interval_ms=10_000, first_ms=5, retry_ms=20)
    gate = threading.Event()
    ctx.ops.run(lambda: gate.wait(5))  # the user's long store call
    runner.start_automatic()
    qtbot.wait(150)
    assert fake.runs == 0 and runner.run_count == 0
    gate.set()
    qtbot.waitUntil(lambda: fake.runs == 1, timeout=5000)
    runner.stop_automatic()
    settle(ctx, qtbot)


def test_locking_stops_a_running_sync_and_takes_the_sync_menu_away(ctx, qtbot, monkeypatch):
    fake = FakeSync()
    with_sync(monkeypatch, fake)
    w = unlocked_window(ctx, qtbot)
    fake.hold()
    action(w, "actionSyncNow").trigger()
    assert fake.entered.wait(5)
    w.lock()  # waits for the worker: the sync must see its cancel flag and stop
    assert fake.active == 0 and w.sync is None
    assert w.findChild(QLabel, "syncStatus") is None or not w.findChild(QLabel, "syncStatus").isVisible()
    assert all(a.objectName() != "actionSyncNow" for a in w.actions())


# --- roles -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role, conflicts, devices", [
    (Role.BORDER_OFFICER, False, False),
    (Role.SOCIAL_WORKER, False, False),
    (Role.SUPERVISOR, True, False),
    (Role.SECRETARIAT, False, True),
])
def test_the_sync_menu_offers_what_the_role_may_do(ctx, qtbot, monkeypatch, role, conflicts, devices):
    with_sync(monkeypatch, FakeSync(configured=False))
    users = {Role.BORDER_OFFICER: lambda: make_user("omar.b", Role.BORDER_OFFICER, post="TNG-MED"),
             Role.SOCIAL_WORKER: lambda: make_user("amina.k", Role.SOCIAL_WORKER), Role.SUPERVISOR: make_user,
             Role.SECRETARIAT: lambda: make_user("nadia.s", Role.SECRETARIAT)}
    w = unlocked_window(ctx, qtbot, users[role]())
    assert action(w, "actionSyncNow").isVisible()
    assert action(w, "actionConflicts").isVisible() is conflicts
    assert action(w, "actionConflicts").isEnabled() is conflicts
    assert action(w, "actionDevices").isVisible() is devices
    # No hub yet: supervisors and the secretariat may connect the laptop, the secretariat create the realm.
    may_connect = role in (Role.SUPERVISOR, Role.SECRETARIAT)
    assert action(w, "actionConnectHub").isVisible() is may_connect
    assert action(w, "actionConnectHub").isEnabled() is may_connect
    assert action(w, "actionCreateRealm").isVisible() is devices
    assert not action(w, "actionPublishDirectory").isVisible() and not action(w, "actionPublishChecklist").isVisible()
    assert status_label(w).text() == (not_configured_text() if may_connect else
                                      tr("Sync not configured: a supervisor can connect this laptop to the hub"))
    action(w, "actionConflicts").trigger()
    action(w, "actionDevices").trigger()
    assert (w.sync.conflicts_dialog is not None) is conflicts
    assert (w.sync.devices_dialog is not None) is devices
    assert not w.findChild(type(w.sync.status.badge), "syncConflictsBadge").isVisible()
    settle(ctx, qtbot)


# --- devices (the secretariat) ------------------------------------------------------------------------
DEVICES = [
    {"device": "6f1c2d3e-aaaa-bbbb-cccc-000000000001", "name": "Tanger Med — social workers", "status": "pending",
     "role": "device", "scopes": ["north"], "fingerprint": "A1B2-C3D4-E5F6-0718-293A",
     "enrolled_at": "2026-03-01T09:00:00Z", "approved_at": None, "revoked_at": None, "last_seen": None},
    {"device": "6f1c2d3e-aaaa-bbbb-cccc-000000000002", "name": "Oujda", "status": "approved",
     "role": "device", "scopes": ["east"], "fingerprint": "FFEE-DDCC-BBAA-9988-7766",
     "enrolled_at": "2026-02-01T09:00:00Z", "approved_at": "2026-02-01T10:00:00Z", "revoked_at": None,
     "last_seen": "2026-03-01T11:00:00Z"},
]


@pytest.fixture
def devices_page(ctx, qtbot, monkeypatch):
    fake = FakeSync()
    fake.device_list = [dict(d) for d in DEVICES]
    with_sync(monkeypatch, fake)
    w = unlocked_window(ctx, qtbot, make_user("nadia.s", Role.SECRETARIAT))
    action(w, "actionDevices").trigger()
    dialog = w.sync.devices_dialog
    settle(ctx, qtbot)
    return fake, dialog


def test_the_secretariat_sees_every_device_with_its_status_and_fingerprint(devices_page):
    _fake, dialog = devices_page
    model = dialog.model
    assert model.rowCount() == 2
    first = [plain(model.index(0, c).data()) for c in range(model.columnCount())]
    assert first[0] == "Tanger Med — social workers" and first[1] == tr("Waiting for approval")
    assert first[3] == "A1B2-C3D4-E5F6-0718-293A" and first[2] == "north"
    assert plain(model.index(1, 1).data()) == tr("Approved")


def test_approving_shows_the_fingerprint_to_compare(devices_page, qtbot, monkeypatch):
    fake, dialog = devices_page
    asked: list[str] = []
    answer = QMessageBox.StandardButton.No
    monkeypatch.setattr(QMessageBox, "question", lambda _parent, _title, text, *a, **k: asked.append(text) or answer)
    dialog.select_device(DEVICES[1]["device"])
    assert not dialog.approve.isEnabled()  # already approved
    dialog.select_device(DEVICES[0]["device"])
    click(qtbot, dialog.approve)
    assert "A1B2-C3D4-E5F6-0718-293A" in plain(asked[0]) and fake.approved == []
    answer = QMessageBox.StandardButton.Yes
    click(qtbot, dialog.approve)
    settle(dialog.ctx, qtbot)
    # Approved only if the hub still holds the key whose fingerprint was compared.
    assert fake.approved == [(DEVICES[0]["device"], "A1B2-C3D4-E5F6-0718-293A")]
    assert dialog.notice_label.isVisible()


def test_revoking_asks_first_and_says_what_follows(devices_page, qtbot, monkeypatch):
    fake, dialog = devices_page
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda _parent, _title, text, *a, **k: asked.append(text) or QMessageBox.StandardButton.No)
    dialog.select_device(DEVICES[1]["device"])
    click(qtbot, dialog.revoke)
    assert len(asked) == 1 and fake.revoked == []
    assert "Oujda" in plain(asked[0]) and "east" in plain(asked[0])
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    click(qtbot, dialog.revoke)
    settle(dialog.ctx, qtbot)
    assert fake.revoked == [DEVICES[1]["device"]]
    assert "east" in plain(dialog.notice_label.text())


def test_an_invitation_code_is_shown_once_to_copy(devices_page, qtbot):
    fake, dialog = devices_page
    click(qtbot, dialog.invite)
    invite = dialog.invite_dialog
    create = invite.findChild(QPushButton, "inviteCreate")
    click(qtbot, create)
    assert invite.findChild(QLabel, "inviteError").isVisible() and fake.invited == []
    type_text(invite.findChild(QLineEdit, "inviteName"), "طنجة المتوسط")
    qtbot.keyClicks(invite.findChild(QLineEdit, "inviteScopes"), "north, tanger-med")
    click(qtbot, create)
    settle(dialog.ctx, qtbot)
    assert fake.invited == [("طنجة المتوسط", ["north", "tanger-med"])]
    code = invite.findChild(QLineEdit, "inviteCode")
    assert code.isVisible() and code.isReadOnly() and code.text() == "K7Q2-9XRT-M4PA"
    assert not create.isVisible()
    click(qtbot, invite.findChild(QPushButton, "inviteCopy"))
    assert QGuiApplication.clipboard().text() == "K7Q2-9XRT-M4PA"
    invite.reject()
    assert code.text() == ""  # the code leaves the dialog with it


def test_a_hub_that_cannot_be_reached_is_said_in_words(ctx, qtbot, monkeypatch):
    fake = FakeSync()

    def unreachable():
        raise HubUnreachable(url="https://hub.example:8443", detail="timed out")

    fake.devices = unreachable
    with_sync(monkeypatch, fake)
    w = unlocked_window(ctx, qtbot, make_user("nadia.s", Role.SECRETARIAT))
    action(w, "actionDevices").trigger()
    settle(ctx, qtbot)
    error = w.sync.devices_dialog.error_label
    assert error.isVisible() and error.text() == trf("The hub at {url} cannot be reached: {detail}",
                                                     url="https://hub.example:8443", detail="timed out")


# --- conflicts on real stores (a supervisor) --------------------------------------------------------
def pack(state) -> list:
    """This store's pending writes, packed as the client packs them (the outbox cursor moves)."""
    outgoing, upto = state.pending(10_000)
    writes = [item.write for item in outgoing if item.scope is not None]
    seq = state.next_envelope_seq()
    state.save_envelopes([(seq, "north", 1, json.dumps([w.to_json() for w in writes]))], upto)
    return [(seq, writes)]


def deliver(sender, receiver) -> None:
    for seq, writes in pack(StoreSyncState(sender.store)):
        StoreSyncState(receiver.store).apply(sender.store.device_id, seq, writes)


@pytest.fixture
def office_conflict(ctx, tmp_path):
    """This device (supervisor salma.b) and another (badr.k) changed the office of one case
    while apart; the other's change has just been received here."""
    here = ctx.vault.create(make_user(), PASSPHRASE)
    there = Vault(tmp_path / "other-device").create(make_user("badr.k", Role.SOCIAL_WORKER), PASSPHRASE)
    mine, theirs = CaseService(here.store), CaseService(there.store)
    case = mine.register(here.session, Person(new_id(), first_name="Grace"), border_post="TNG-MED")
    deliver(here, there)
    mine.update_case(here.session, case.id, office="Bureau de Tanger")
    theirs.update_case(there.session, case.id, office="مكتب طنجة المتوسط")
    deliver(there, here)
    assert len(StoreSyncState(here.store).conflicts()) == 1
    yield here, there, case
    there.lock()


def conflicts_page(ctx, qtbot, opened):
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    w.on_unlocked(opened)
    settle(ctx, qtbot)
    return w


def test_a_supervisor_sees_both_values_with_who_when_and_where_and_resolves(ctx, qtbot, office_conflict):
    here, there, case = office_conflict
    w = conflicts_page(ctx, qtbot, here)
    badge = w.findChild(QToolButton, "syncConflictsBadge")
    assert badge.isVisible() and plain(badge.text()) == "1"
    assert status_label(w).text() == not_configured_text()  # conflicts come from bundles too
    action(w, "actionConflicts").trigger()
    dialog = w.sync.conflicts_dialog
    settle(ctx, qtbot)
    table = dialog.findChild(QTableView, "conflictsTable")
    model = table.model()
    assert model.rowCount() == 1
    row = [plain(model.index(0, c).data()) for c in range(model.columnCount())]
    assert row[0] == case.case_number and row[1] == tr("Case") and row[2] == tr("Office")
    writes = dialog.findChild(QTableView, "conflictWrites").model()
    assert writes.rowCount() == 2
    shown = {plain(writes.index(r, 0).data()): [plain(writes.index(r, c).data()) for c in range(1, 4)]
             for r in range(2)}
    assert set(shown) == {"Bureau de Tanger", "مكتب طنجة المتوسط"}
    assert shown["Bureau de Tanger"][0] == "salma.b" and shown["مكتب طنجة المتوسط"][0] == "badr.k"
    today = format_date(datetime.now().date(), "ar")
    assert all(today in when for when, _device in (v[1:] for v in shown.values()))  # Moroccan Arabic dates
    assert shown["Bureau de Tanger"][2] == plain(trf("This device ({id})", id=here.store.device_id[:8]))
    assert shown["مكتب طنجة المتوسط"][2] == there.store.device_id[:8]

    click(qtbot, dialog.findChild(QPushButton, "conflictsResolve"))
    resolve = dialog.resolve_dialog
    options = [resolve.findChild(QRadioButton, f"resolveValue_{i}") for i in range(2)]
    assert all(o.isVisible() for o in options)
    index = next(i for i, o in enumerate(options) if plain(o.text()) == "مكتب طنجة المتوسط")
    chosen = options[index]
    note = plain(resolve.findChild(QLabel, f"resolveValueInfo_{index}").text())
    assert "badr.k" in note and there.store.device_id[:8] in note
    click(qtbot, resolve.findChild(QPushButton, "resolveConfirm"))  # nothing chosen yet: asked to choose
    assert resolve.findChild(QLabel, "resolveError").text() == tr("Choose one of the values, or give a new one.")
    chosen.setChecked(True)
    click(qtbot, resolve.findChild(QPushButton, "resolveConfirm"))
    settle(ctx, qtbot)
    assert StoreSyncState(here.store).conflicts() == []
    assert ctx.services.cases.store.get(Case, case.id).office == "مكتب طنجة المتوسط"
    assert model.rowCount() == 0 and dialog.findChild(QLabel, "conflictsEmpty").isVisible()
    assert not badge.isVisible()


def test_a_supervisor_may_type_the_right_value_in_arabic(ctx, qtbot, office_conflict):
    here, _there, case = office_conflict
    w = conflicts_page(ctx, qtbot, here)
    dialog = w.sync.open_conflicts()
    settle(ctx, qtbot)
    click(qtbot, dialog.findChild(QPushButton, "conflictsResolve"))
    resolve = dialog.resolve_dialog
    new_value = resolve.findChild(QLineEdit, "resolveNewValue")
    assert new_value.isVisible()
    new_value.setFocus()
    type_text(new_value, "مكتب الناظور")
    assert resolve.findChild(QRadioButton, "resolveNew").isChecked()  # typing chose "another value"
    click(qtbot, resolve.findChild(QPushButton, "resolveConfirm"))
    settle(ctx, qtbot)
    assert StoreSyncState(here.store).conflicts() == []
    assert ctx.services.cases.store.get(Case, case.id).office == "مكتب الناظور"


def test_the_lists_pass_the_model_checker(ctx, qtbot, qtmodeltester, office_conflict, monkeypatch):
    here, _there, _case = office_conflict
    w = conflicts_page(ctx, qtbot, here)
    dialog = w.sync.open_conflicts()
    settle(ctx, qtbot)
    qtmodeltester.check(dialog.model)
    qtmodeltester.check(dialog.writes)
    assert action(w, "actionConflicts").text() == trf("&Conflicts ({count})…", count="1")
    devices = DevicesModel()
    devices.set_rows([dict(d) for d in DEVICES])
    qtmodeltester.check(devices)


def test_the_status_follows_a_language_switch(ctx, qtbot, monkeypatch, pseudo_french):
    with_sync(monkeypatch, FakeSync(configured=False))
    w = unlocked_window(ctx, qtbot)
    language.apply("fr")
    text = "Sync not configured: connect this laptop to the hub from the Sync menu"
    assert status_label(w).text() == tr(text) == f"⟪{text}⟫"
    assert action(w, "actionSyncNow").text() == tr("Sync &now")
    assert w.sync.menu.title() == tr("&Sync")


# --- the real sync service, without a hub ---------------------------------------------------------------
def enrolled_store(ctx, tmp_path, **config: str):
    """A store enrolled (keys, pinned CA) with a hub on a loopback port where nothing listens."""
    files = TlsFiles.in_folder(tmp_path / "ca")
    files.ca_cert.parent.mkdir(parents=True, exist_ok=True)
    create_ca(files)
    with socket.socket() as probe:  # a port that was free a moment ago: connecting is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    opened = ctx.vault.create(make_user(), PASSPHRASE)
    state = StoreSyncState(opened.store)
    state.set_config(**{"hub_url": f"https://127.0.0.1:{port}", "ca_pem": files.ca_cert.read_text(),
                        "role": "device", "status": "approved", "device_name": "Tanger Med", **config})
    state.set_secret("sign", os.urandom(32))
    state.set_secret("exchange", os.urandom(32))
    return opened


def test_the_real_client_finding_no_hub_says_unreachable(ctx, qtbot, tmp_path):
    w = conflicts_page(ctx, qtbot, enrolled_store(ctx, tmp_path))
    assert status_label(w).text() == tr("Not synced yet") and w.sync.runner.automatic
    action(w, "actionSyncNow").trigger()
    settle(ctx, qtbot, timeout=30000)
    assert status_label(w).text() == tr("Hub unreachable") and w.sync.state.kind == UNREACHABLE
    # Why, for whoever hovers (the client's message read back, in the interface language):
    assert status_label(w).toolTip() == w.sync.state.detail and "127.0.0.1" in plain(w.sync.state.detail)
    w.lock()  # the automatic sync is stopped with the window's sync corner
    assert w.sync is None


def test_the_real_client_of_a_revoked_device_says_so_at_unlock_and_its_next_sync_erases_the_store(
        ctx, qtbot, tmp_path):
    w = conflicts_page(ctx, qtbot, enrolled_store(ctx, tmp_path, status="revoked"))
    assert status_label(w).text() == tr("This device was revoked: it no longer syncs")
    assert not w.sync.runner.automatic
    action(w, "actionSyncNow").trigger()  # a wipe the hub asked for earlier, finished now
    settle(ctx, qtbot)
    qtbot.waitUntil(lambda: w.wiped_notice is not None and w.wiped_notice.isVisible())
    assert w.is_locked and w.stack.currentWidget() is w.setup_page and not ctx.vault.exists()
