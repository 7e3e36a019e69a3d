"""Screenshots of the main screens from a real window (run under Xvfb):

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python docs/screenshots/take.py [--lang ar]

Builds a temporary demo store, then saves: unlock, case list, case file, the "today" view
(with a few follow-up tasks and a referral waiting, added for the picture) and the setup
wizard. ``--only today`` (repeatable) saves only the shots named. Uses the xcb platform,
i.e. a real X window, and grabs the window's pixels.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "xcb")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", default="ar")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--only", action="append", help="save only this shot (setup, unlock, case-list, ...)")
    args = parser.parse_args()
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="himaya-shots-config-")

    from PySide6.QtCore import QEvent, QTimer
    from PySide6.QtWidgets import QApplication

    from storage.settings_file import SettingsFile
    from ui.demo import create_demo_store
    from ui.qt.app import build_context, create_app
    from ui.qt.lang import language
    from ui.qt.window import MainWindow

    app = create_app(["himaya"])
    language.apply(args.lang, app)
    settings = SettingsFile()
    suffix = "" if args.lang == "ar" else f"-{args.lang}"

    def settle(ms: int = 400) -> None:
        end = QTimer()
        end.setSingleShot(True)
        end.start(ms)
        while end.isActive():
            app.processEvents()
        window.ctx.ops.wait()
        app.processEvents()
        # Outside app.exec() deleteLater() never runs: widgets a screen replaced would stay drawn.
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    def shot(name: str) -> None:
        if args.only and name not in args.only:
            return
        settle()
        path = args.out / f"{name}{suffix}.png"
        window.grab().save(str(path))
        print(path)

    # The setup wizard, on an empty folder.
    empty = build_context(Path(tempfile.mkdtemp(prefix="himaya-shots-empty-")) / "store", settings)
    window = MainWindow(empty)
    window.resize(1360, 860)
    window.show()
    shot("setup")
    window.close()

    demo = create_demo_store(600)
    ctx = build_context(demo.folder, settings)
    ctx.demo_passphrase = demo.passphrase
    window = MainWindow(ctx)
    window.resize(1360, 860)
    window.show()
    shot("unlock")

    opened = ctx.vault.unlock("demo.supervisor", demo.passphrase)
    window.on_unlocked(opened)
    settle(800)
    shot("case-list")
    table = window.workspace.findChild(object, "caseTable")
    if table is not None and table.model().rowCount() > 0:
        table.selectRow(0)
        window.workspace.file.show_case(table.model().index(0, 0).data(0x0100))
        settle(800)
        shot("case-file")
    if not args.only or "today" in args.only:
        add_followups(ctx.services, args.lang)
        window.workspace.refresh_list()
        workspace = window.workspace
        workspace.show_today(True)
        settle(800)
        tree = workspace.today.tree
        if tree.topLevelItemCount() and tree.topLevelItem(0).childCount():
            first = tree.topLevelItem(0).child(0)  # the first overdue task, opened beside the view
            tree.setCurrentItem(first)
            workspace.show_case(first.data(0, 0x0100))
            settle(800)
            workspace.file.tabs.setCurrentWidget(workspace.file.followup_tab)
        shot("today")
    window.lock()
    window.close()


_TASKS = {  # (days from today, title) in the language of the picture
    "ar": ((-3, "زيارة الشخص في مركز الإيواء"), (-1, "الاتصال بالمحامي بخصوص موعد الجلسة"),
           (0, "مرافقة الشخص إلى الفحص الطبي"), (0, "التأكد من وثيقة الإقامة المؤقتة"),
           (2, "اجتماع مع المساعدة الاجتماعية"), (5, "متابعة طلب العودة الطوعية")),
    "fr": ((-3, "Visite au centre d'hébergement"), (-1, "Appeler l'avocate au sujet de l'audience"),
           (0, "Accompagner la personne à l'examen médical"), (0, "Vérifier le titre de séjour provisoire"),
           (2, "Réunion avec l'assistante sociale"), (5, "Suivre la demande de retour volontaire")),
    "en": ((-3, "Visit at the shelter"), (-1, "Call the lawyer about the hearing date"),
           (0, "Go with the person to the medical examination"), (0, "Check the temporary residence paper"),
           (2, "Meeting with the social worker"), (5, "Follow the voluntary return request")),
}


def add_followups(services, lang: str) -> None:  # noqa: ANN001 - ui.composition.Services
    """Follow-up tasks of the demo supervisor on cases in care, and a referral sent three days
    ago with no answer yet (made with a clock set back, as if it had been sent then)."""
    from app.domain.referral import ServiceCategory, Urgency
    from app.domain.values import CaseState, ConsentDecision
    from app.ports import CaseQuery, SystemClock
    from app.services.cases import CaseService
    from app.services.referrals import ConsentInput, ReferralDraft, ReferralService

    session = services.session
    in_care = frozenset({CaseState.REFERRED, CaseState.ACCEPTED, CaseState.IN_ASSISTANCE, CaseState.FOLLOW_UP})
    rows = services.cases.list_cases(session, CaseQuery(states=in_care, limit=12))
    today = date.today()
    for row, (days, title) in zip(rows, _TASKS.get(lang, _TASKS["en"])):
        services.referrals.add_task(session, row.id, title, today + timedelta(days=days))

    class ThreeDaysAgo:
        def now(self) -> datetime:
            return SystemClock().now() - timedelta(days=3)

    past = ThreeDaysAgo()
    referrals = ReferralService(services.opened.store, CaseService(services.opened.store, past), past)
    presumed = services.cases.list_cases(session, CaseQuery(states=frozenset({CaseState.PRESUMED_VICTIM}), limit=1))
    shelter = referrals.providers(session, category=ServiceCategory.SHELTER)
    if presumed and shelter:
        referrals.refer(session, presumed[0].id, ReferralDraft(
            provider_id=shelter[0].provider.id, categories=(ServiceCategory.SHELTER,), urgency=Urgency.PRIORITY,
            unaccompanied=True), ConsentInput(decision=ConsentDecision.GIVEN))


if __name__ == "__main__":
    main()
