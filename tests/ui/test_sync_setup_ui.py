"""Setting up sync from the desktop against a real hub process over TLS: the secretariat creates
the realm, publishes, invites; a supervisor's laptop connects with the code, waits, is approved
and syncs. A wrong pin or a wrong code is said under its field and changes nothing; a malformed
directory is refused before anything is signed."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QMessageBox, QPushButton

from app.domain.values import Role
from app.errors import PermissionDenied
from i18n.bidi import strip_isolates
from storage.settings_file import SettingsFile
from ui.qt.app import build_context
from ui.qt.lang import tr, trf
from ui.qt.sync.hub_setup import CODE_USED, PIN_WRONG, UNREACHABLE
from ui.qt.sync.texts import OK, PENDING
from ui.qt.window import MainWindow
from uikit import PASSPHRASE, click, make_user, settle, type_text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))  # the hub kit of the sync tests
from hubkit import HubServer, init_hub  # noqa: E402

HUB_WAIT = 60_000  # ms: a hub call on a loaded 2-core machine


@pytest.fixture
def hub(tmp_path):
    """A real hub (SQLite) on a loopback port: url, pin and admin code as ``himaya-hub init`` prints them."""
    data = tmp_path / "hub"
    info = init_hub(data)
    server = HubServer(data).start()
    try:
        yield SimpleNamespace(url=server.url, pin=info["pin"], admin_code=info["admin_code"])
    finally:
        server.stop()


@pytest.fixture
def field_ctx(tmp_path):
    """A second laptop: its own store, settings and worker."""
    context = build_context(tmp_path / "field-store", SettingsFile(tmp_path / "field-config" / "settings.json"))
    yield context
    context.ops.wait()
    if context.services is not None:
        context.services.lock()
        context.services = None


def window(ctx, qtbot, user) -> MainWindow:
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    w.on_unlocked(ctx.vault.create(user, PASSPHRASE))
    settle(ctx, qtbot)
    return w


def action(w: MainWindow, name: str):
    return next(a for a in w.actions() if a.objectName() == name)


def fill(dialog, url: str, pin: str, code: str, name: str) -> None:
    for field, value in (("setupHubUrl", url), ("setupPin", pin), ("setupCode", code)):
        edit = dialog.findChild(QLineEdit, field)
        edit.setText(value)
    name_edit = dialog.findChild(QLineEdit, "setupName")
    name_edit.clear()
    type_text(name_edit, name)  # Arabic, as key events


def field_error(dialog, field: str) -> QLabel:
    return dialog.findChild(QLabel, f"error_{field}")


def status_text(w: MainWindow) -> str:
    return w.findChild(QLabel, "syncStatus").text()


def test_the_secretariat_sets_up_the_realm_and_a_supervisor_joins_from_the_app(ctx, field_ctx, qtbot, hub, tmp_path,
                                                                               monkeypatch):
    # --- the secretariat creates the realm -------------------------------------------------
    sec = window(ctx, qtbot, make_user("nadia.s", Role.SECRETARIAT))
    assert action(sec, "actionCreateRealm").isVisible() and action(sec, "actionConnectHub").isVisible()
    assert not action(sec, "actionPublishDirectory").isVisible()
    action(sec, "actionCreateRealm").trigger()
    realm_dialog = sec.sync.setup_dialog
    assert realm_dialog.objectName() == "syncRealmDialog" and realm_dialog.isVisible()
    assert realm_dialog.layoutDirection() == Qt.LayoutDirection.RightToLeft  # Arabic
    assert realm_dialog.findChild(QLineEdit, "setupPin").layoutDirection() == Qt.LayoutDirection.LeftToRight
    fill(realm_dialog, hub.url, hub.pin, hub.admin_code, "الأمانة الدائمة")
    click(qtbot, realm_dialog.findChild(QPushButton, "setupSubmit"))
    settle(ctx, qtbot, timeout=HUB_WAIT)
    assert realm_dialog.findChild(QLabel, "setupStatus").text() == tr(
        "The realm was created: this laptop is the secretariat's.")
    assert ctx.services.sync.status().role == "secretariat"
    qtbot.waitUntil(lambda: action(sec, "actionPublishDirectory").isVisible(), timeout=HUB_WAIT)
    assert not action(sec, "actionCreateRealm").isVisible() and not action(sec, "actionConnectHub").isVisible()
    assert status_text(sec) == tr("Not synced yet")
    realm_dialog.reject()

    # --- a malformed directory is refused, a good one published --------------------------------
    bad = tmp_path / "directory-bad.json"
    bad.write_text('{"providers": [{"id": "x"}]}', encoding="utf-8")
    action(sec, "actionPublishDirectory").trigger()
    publish = sec.sync.publish_dialog
    publish.findChild(QLineEdit, "publishFile").setText(str(bad))
    click(qtbot, publish.findChild(QPushButton, "publishSubmit"))
    settle(ctx, qtbot, timeout=HUB_WAIT)
    refusal = publish.findChild(QLabel, "publishError")
    assert refusal.isVisible() and refusal.text().startswith(tr("The file was refused, nothing was published:"))
    assert "1.name_ar" in strip_isolates(refusal.text())
    assert not publish.findChild(QLabel, "publishResult").isVisible()
    good = tmp_path / "directory.json"
    sample = json.loads((Path(__file__).resolve().parents[2] / "resources/services/directory.json").read_text("utf-8"))
    good.write_text(json.dumps({"providers": sample["providers"][:2]}, ensure_ascii=False), encoding="utf-8")
    publish.findChild(QLineEdit, "publishFile").setText(str(good))
    click(qtbot, publish.findChild(QPushButton, "publishSubmit"))
    settle(ctx, qtbot, timeout=HUB_WAIT)
    assert not refusal.isVisible()
    assert publish.findChild(QLabel, "publishResult").text() == trf(
        "Version {version} of the service directory was published.", version=1)
    publish.reject()
    not_json = tmp_path / "checklist.json"
    not_json.write_text("{ not json", encoding="utf-8")
    action(sec, "actionPublishChecklist").trigger()
    publish = sec.sync.publish_dialog
    assert publish.windowTitle() == tr("Publish a checklist")
    publish.findChild(QLineEdit, "publishFile").setText(str(not_json))
    click(qtbot, publish.findChild(QPushButton, "publishSubmit"))
    settle(ctx, qtbot, timeout=HUB_WAIT)
    assert "checklist.json" in strip_isolates(publish.findChild(QLabel, "publishError").text())
    assert not publish.findChild(QLabel, "publishResult").isVisible()
    publish.reject()

    # --- an invitation from the Devices page ---------------------------------------------------
    action(sec, "actionDevices").trigger()
    devices = sec.sync.devices_dialog
    settle(ctx, qtbot, timeout=HUB_WAIT)
    click(qtbot, devices.invite)
    invite = devices.invite_dialog
    type_text(invite.findChild(QLineEdit, "inviteName"), "طنجة المتوسط")
    qtbot.keyClicks(invite.findChild(QLineEdit, "inviteScopes"), "north")
    click(qtbot, invite.findChild(QPushButton, "inviteCreate"))
    settle(ctx, qtbot, timeout=HUB_WAIT)
    code = invite.findChild(QLineEdit, "inviteCode").text()
    assert code
    invite.reject()

    # --- the supervisor's laptop: a wrong pin, a wrong code, then the right ones ------------------
    field = window(field_ctx, qtbot, make_user("salma.b", Role.SUPERVISOR))
    assert status_text(field) == tr("Sync not configured: connect this laptop to the hub from the Sync menu")
    assert action(field, "actionConnectHub").isVisible() and not action(field, "actionCreateRealm").isVisible()
    action(field, "actionConnectHub").trigger()
    connect = field.sync.setup_dialog
    assert connect.objectName() == "syncSetupDialog"
    wrong_pin = "sha256:" + "0" * 64
    fill(connect, hub.url, wrong_pin, code, "حاسوب طنجة")
    click(qtbot, connect.findChild(QPushButton, "setupSubmit"))
    settle(field_ctx, qtbot, timeout=HUB_WAIT)
    assert field_error(connect, "pin").isVisible()
    assert field_error(connect, "pin").text() == tr(PIN_WRONG)
    assert not field_ctx.services.sync.configured() and field_ctx.services.sync.state.config()["hub_url"] == ""
    assert connect.findChild(QPushButton, "setupSubmit").isVisible()  # nothing changed: try again

    connect.findChild(QLineEdit, "setupPin").setText(hub.pin)
    connect.findChild(QLineEdit, "setupCode").setText("NOT-THE-CODE")
    click(qtbot, connect.findChild(QPushButton, "setupSubmit"))
    settle(field_ctx, qtbot, timeout=HUB_WAIT)
    assert not field_error(connect, "pin").isVisible()
    assert field_error(connect, "code").text() == tr(CODE_USED)
    assert not field_ctx.services.sync.configured()

    connect.findChild(QLineEdit, "setupCode").setText(code)
    click(qtbot, connect.findChild(QPushButton, "setupSubmit"))
    settle(field_ctx, qtbot, timeout=HUB_WAIT)
    assert not field_error(connect, "code").isVisible()
    fingerprint = connect.findChild(QLineEdit, "setupFingerprint").text()
    assert fingerprint and connect.findChild(QLineEdit, "setupFingerprint").isVisible()
    assert connect.findChild(QLabel, "setupStatus").text() == tr("Connected: waiting for the secretariat's approval.")
    assert connect.findChild(QLineEdit, "setupCode").text() == ""  # used: out of the dialog
    qtbot.waitUntil(lambda: field.sync.state.kind == PENDING, timeout=HUB_WAIT)
    assert status_text(field) == tr("Waiting for the secretariat to approve this device")
    assert not action(field, "actionConnectHub").isVisible()
    device_id = connect.enrolled.device
    connect.reject()

    # --- the secretariat compares the fingerprint and approves -------------------------------------
    click(qtbot, devices.refresh)
    settle(ctx, qtbot, timeout=HUB_WAIT)
    devices.select_device(device_id)
    row = devices.model.device_at(devices.model.row_of(device_id))
    assert row["fingerprint"] == fingerprint and row["status"] == "pending"
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda _parent, _title, text, *a, **k: asked.append(text) or QMessageBox.StandardButton.Yes)
    click(qtbot, devices.approve)
    settle(ctx, qtbot, timeout=HUB_WAIT)
    assert fingerprint in strip_isolates(asked[0])
    assert devices.model.device_at(devices.model.row_of(device_id))["status"] == "approved"

    # --- the supervisor's Sync now: approved, keys received, synced -------------------------------
    action(field, "actionSyncNow").trigger()
    qtbot.waitUntil(lambda: not field.sync.runner.running, timeout=HUB_WAIT)
    settle(field_ctx, qtbot, timeout=HUB_WAIT)
    assert field.sync.state.kind == OK, field.sync.state
    status = field_ctx.services.sync.status()
    assert status.status == "approved" and status.scopes == ("north",) and status.last_error_code == ""
    assert strip_isolates(status_text(field)).startswith(strip_isolates(trf("Synced {when}: {counts}",
                                                                            when=tr("just now"), counts="")))


def test_an_unreachable_hub_and_missing_fields_are_said_under_their_fields(ctx, qtbot):
    w = window(ctx, qtbot, make_user("salma.b", Role.SUPERVISOR))
    action(w, "actionConnectHub").trigger()
    dialog = w.sync.setup_dialog
    click(qtbot, dialog.findChild(QPushButton, "setupSubmit"))
    for field in ("url", "pin", "code", "name"):  # nothing typed: each field says what it needs
        assert field_error(dialog, field).isVisible(), field
    assert not ctx.ops.busy
    with socket.socket() as probe:  # a port that was free a moment ago: connecting is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    fill(dialog, f"https://127.0.0.1:{port}", "sha256:" + "ab" * 32, "K7Q2-9XRT-M4PA", "حاسوب الناظور")
    click(qtbot, dialog.findChild(QPushButton, "setupSubmit"))
    settle(ctx, qtbot, timeout=HUB_WAIT)
    assert field_error(dialog, "url").text() == tr(UNREACHABLE)
    assert not any(field_error(dialog, f).isVisible() for f in ("pin", "code", "name"))
    assert not ctx.services.sync.configured()
    assert dialog.findChild(QPushButton, "setupSubmit").isEnabled()


def test_a_social_worker_is_not_offered_the_setup_and_the_service_refuses_it_anyway(ctx, qtbot):
    w = window(ctx, qtbot, make_user("amina.k", Role.SOCIAL_WORKER))
    assert not action(w, "actionConnectHub").isVisible() and not action(w, "actionConnectHub").isEnabled()
    assert w.sync.open_connect() is None and w.sync.open_realm() is None
    assert status_text(w) == tr("Sync not configured: a supervisor can connect this laptop to the hub")
    with pytest.raises(PermissionDenied):
        ctx.services.sync.enrol("https://127.0.0.1:9", "sha256:" + "ab" * 32, "CODE", "laptop")
    with pytest.raises(PermissionDenied):
        ctx.services.sync.publish("directory", b"{}")
