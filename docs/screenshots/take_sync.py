"""A sync conflict, from real windows (run under Xvfb): sync-conflicts.png and sync-resolve.png.

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python docs/screenshots/take_sync.py [--lang ar]

Builds a temporary demo store (``--cases``, default 40) and a second store, the laptop of
the demo social worker, which receives this one's changes as a sync would. While the two
are apart, the worker changes the office of a case on the laptop (yesterday evening, in
Arabic) and the supervisor changes it here (this morning, in French); the laptop's change
is then applied here with ``SyncState.apply``, as the sync client applies a received
envelope, and the two values are a real conflict. The store says it last synced a few
minutes ago, as the client records it (no hub is behind the picture: the automatic sync is
stopped before it would try one).

Unlocked as the demo supervisor, the script opens Sync → Conflicts, selects the conflict
and grabs the whole screen (the main window with its status bar behind the conflicts
page, which gets a plain frame and title bar drawn around it: Xvfb runs no window manager),
then opens Resolve… and grabs that dialog.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
os.environ.setdefault("HIMAYA_KDF", "minimum")
os.environ["TZ"] = "Africa/Casablanca"  # times as a Moroccan office reads them
time.tzset()

WORKER_PASSPHRASE = "olive tajine citron soleil 7"
WORKER_DEVICE_NAME = "حاسوب المساعد الاجتماعي — طنجة"
THIS_DEVICE_NAME = "Tanger — supervision"
OFFICE_HERE = "Bureau régional de Tanger"
OFFICE_THERE = "مكتب طنجة المتوسط"


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Writes stamped at ``moment``: the laptop's change was made while it was away."""
    import storage.store as store_module

    real = store_module._now_text
    store_module._now_text = lambda: moment.astimezone(timezone.utc).isoformat(timespec="seconds")
    try:
        yield
    finally:
        store_module._now_text = real


def deliver(sender, receiver) -> None:  # noqa: ANN001 - two open stores
    """The sender's pending writes, packed as the client packs them, applied on the receiver."""
    from storage.sync_state import SyncState

    state = SyncState(sender.store)
    outgoing, upto = state.pending(100_000)
    writes = [item.write for item in outgoing if item.scope is not None]
    seq = state.next_envelope_seq()
    state.save_envelopes([(seq, "north", 1, json.dumps([w.to_json() for w in writes]))], upto)
    SyncState(receiver.store).apply(sender.store.device_id, seq, writes)


def name_the_laptop(here, laptop_id: str) -> None:
    """The laptop's device certificate, as the hub hands them out, so its name shows."""
    from sync.protocol import issue_certificate, new_exchange_key, new_signing_key, public_bytes
    from storage.sync_state import SyncState

    realm_key = new_signing_key()
    cert = issue_certificate(
        realm_key, realm="realm-demo", device=laptop_id, name=WORKER_DEVICE_NAME,
        sign_public=public_bytes(new_signing_key()), exchange_public=public_bytes(new_exchange_key()),
        role="device", scopes=("north",),
        issued_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    SyncState(here.store).put_certificates({laptop_id: json.dumps(cert.to_json())})


def make_conflict(here, folder: Path) -> str:
    """The office of one open case, changed on both devices while apart; returns its number."""
    from app.domain.case import Case
    from app.domain.checks import new_id
    from app.domain.user import User
    from app.domain.values import CaseState, Role
    from app.services.cases import CaseService
    from storage.keyfile import MINIMUM_KDF
    from storage.sync_state import SyncState
    from storage.vault import Vault

    now = datetime.now(timezone.utc).replace(microsecond=0)
    worker = User(new_id(), "demo.worker", "Youssef El Idrissi", Role.SOCIAL_WORKER, "north", now)
    there = Vault(folder).create(worker, WORKER_PASSPHRASE, kdf=MINIMUM_KDF)
    try:
        deliver(here, there)  # the laptop synced: it holds every case of the scope
        cases = [c for c in here.store.all_records(Case) if c.state is not CaseState.CLOSED]
        case = sorted(cases, key=lambda c: c.case_number)[len(cases) // 2]
        local_now = datetime.now().astimezone()
        yesterday = (local_now - timedelta(days=1)).replace(hour=18, minute=5, second=0)
        this_morning = local_now.replace(hour=9, minute=42, second=0)
        with clock_at(yesterday):
            CaseService(there.store).update_case(there.session, case.id, office=OFFICE_THERE)
        with clock_at(min(this_morning, local_now)):
            CaseService(here.store).update_case(here.session, case.id, office=OFFICE_HERE)
        deliver(there, here)
        found = SyncState(here.store).conflicts()
        if len(found) != 1:
            raise SystemExit(f"expected one conflict, found {len(found)}")
        name_the_laptop(here, there.store.device_id)
        return case.case_number
    finally:
        there.lock()


def record_last_sync(here) -> None:
    """What the sync client keeps after a sync that brought the laptop's change."""
    from storage.sync_state import SyncState

    at = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=4)
    SyncState(here.store).set_config(hub_url="https://hub.himaya.example:8443", role="device", status="approved",
                                     device_name=THIS_DEVICE_NAME, last_sync_at=at.isoformat(),
                                     last_result="sent 1, received 1, conflicts 1", last_error_code="")


def framed_screen(window, dialog):  # noqa: ANN001, ANN201 - Qt widgets, a QPixmap
    """The screen with the dialog over the main window. Xvfb runs no window manager, so the
    dialog gets the plain frame and title bar one would draw, to tell it from the window."""
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QColor, QFont, QPainter, QPen

    shot = window.screen().grabWindow(0)
    area = dialog.frameGeometry()
    title = QRect(area.left(), area.top() - 28, area.width(), 28)
    frame = area.united(title).adjusted(-1, -1, 1, 1)
    painter = QPainter(shot)
    for step in range(1, 7):  # a soft shadow
        painter.fillRect(frame.translated(step, step), QColor(0, 0, 0, 14))
    painter.fillRect(title, QColor("#d9dde3"))
    font = QFont(dialog.font())
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("#1f2329"))
    align = Qt.AlignmentFlag.AlignVCenter | (Qt.AlignmentFlag.AlignRight if dialog.isRightToLeft()
                                             else Qt.AlignmentFlag.AlignLeft)
    painter.drawText(title.adjusted(12, 0, -12, 0), align, dialog.windowTitle())
    painter.drawPixmap(area.topLeft(), dialog.grab())
    painter.setPen(QPen(QColor("#7a808a"), 1))
    painter.drawRect(frame.adjusted(0, 0, -1, -1))
    painter.end()
    return shot


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", default="ar", choices=["ar", "fr", "en"])
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args()
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="himaya-shots-config-")

    from PySide6.QtCore import QEvent, QTimer
    from PySide6.QtWidgets import QApplication, QTableView

    from storage.settings_file import SettingsFile
    from ui.demo import create_demo_store
    from ui.qt.app import build_context, create_app
    from ui.qt.lang import language
    from ui.qt.window import MainWindow

    app = create_app(["himaya"])
    language.apply(args.lang, app)

    def settle(ms: int = 400) -> None:
        end = QTimer()
        end.setSingleShot(True)
        end.start(ms)
        while end.isActive():
            app.processEvents()
        ctx.ops.wait()
        app.processEvents()
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    demo = create_demo_store(args.cases)
    ctx = build_context(demo.folder, SettingsFile())
    here = ctx.vault.unlock("demo.supervisor", demo.passphrase)
    number = make_conflict(here, Path(tempfile.mkdtemp(prefix="himaya-shots-laptop-")) / "store")
    record_last_sync(here)
    print(f"conflict on the office of case {number}")

    window = MainWindow(ctx)
    window.resize(1360, 860)
    window.move(20, 10)
    window.show()
    window.on_unlocked(here)
    settle(800)
    window.sync.runner.stop_automatic()  # no hub behind the picture

    suffix = "" if args.lang == "ar" else f"-{args.lang}"
    conflicts = window.sync.open_conflicts()
    if conflicts is None:
        raise SystemExit("the conflicts page did not open (not a supervisor?)")
    conflicts.move(250, 150)  # over the case list, the status bar still in sight
    settle(600)
    conflicts.select_conflict(0)
    conflicts.findChild(QTableView, "conflictsTable").setFocus()
    settle(400)
    path = args.out / f"sync-conflicts{suffix}.png"
    framed_screen(window, conflicts).save(str(path))
    print(path)

    conflicts.open_resolve()
    resolve = conflicts.resolve_dialog
    settle(600)
    path = args.out / f"sync-resolve{suffix}.png"
    resolve.grab().save(str(path))
    print(path)

    resolve.reject()
    window.lock()
    window.close()
    QApplication.processEvents()


if __name__ == "__main__":
    main()
