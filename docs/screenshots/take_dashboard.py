"""The statistics dashboard, from a real window (run under Xvfb): dashboard.png.

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python docs/screenshots/take_dashboard.py [--lang ar]

Builds a temporary demo store (``--cases``, default 1200 synthetic cases, so that most
figures pass the k = 11 threshold and a few are suppressed), unlocks it as the demo
supervisor, opens the dashboard from the workspace's toolbar and grabs its window.
``--window PATH`` also saves the main window (to check the toolbar).

Strings the catalogs do not translate yet (new in issue 8) are shown with the Arabic of
``PREVIEW`` below, only in the picture and only where the catalog has no translation: take
the picture again once the catalogs are translated, and it shows theirs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "xcb")

PREVIEW = {
    "Statistics dashboard": "لوحة الإحصاءات",
    "Anonymised statistics": "إحصاءات مجهولة الهوية",
    "&Period of detection": "&فترة الرصد",
    "Period of detection": "فترة الرصد",
    "&Region": "ال&جهة",
    "Computing the figures…": "جارٍ حساب الأرقام…",
    "Export…": "تصدير…",
    "Export the statistics": "تصدير الإحصاءات",
    "Save these figures as CSV or as a PDF report, with a reason": "حفظ هذه الأرقام بصيغة CSV أو تقريرًا بصيغة PDF، مع ذكر السبب",
    "Hatched, marked “suppressed”: a figure that is not shown. Every figure under {k} cases is suppressed, as the "
    "Counter-Trafficking Data Collaborative does, and so is any figure from which a suppressed one could be worked "
    "out. A hatched block says nothing about how many cases there are.":
        "المربع المخطط مع كلمة «محجوب»: رقم لا يُعرض. يُحجب كل رقم يقل عن {k} حالة، كما يفعل التعاون من أجل بيانات "
        "مكافحة الاتجار بالبشر (CTDC)، وكذلك كل رقم يمكن أن يُستنتج منه رقم محجوب. المربع المخطط لا يدل على عدد الحالات.",
    "Suppressed figure": "رقم محجوب",
    "All dates": "كل التواريخ",
    "This year": "هذه السنة",
    "Last year": "السنة الماضية",
    "Chosen dates": "تواريخ مختارة",
    "All regions": "كل الجهات",
    "Fewer than {k} cases: every figure is suppressed.": "أقل من {k} حالة: كل الأرقام محجوبة.",
    "Cases counted: {count}": "عدد الحالات: {count}",
    "{published} figures published, {suppressed} suppressed": "الأرقام المنشورة: {published}، المحجوبة: {suppressed}",
    "Scope: {scope}": "النطاق: {scope}",
    "All scopes": "كل النطاقات",
    "No cases.": "لا توجد حالات.",
    "A case referred for several categories counts once in each: these figures do not add up to the total.":
        "تُحتسب الحالة المحالة إلى عدة فئات مرة في كل فئة: مجموع هذه الأرقام لا يساوي عدد الحالات.",
    "suppressed": "محجوب",
    "Dashboard": "لوحة الإحصاءات",
    "Anonymised statistics as charts": "الإحصاءات مجهولة الهوية في رسوم بيانية",
    "Export summaries…": "تصدير الملخصات…",
    "Case summaries (PDF) of the selected cases, or of every case the list finds":
        "ملخصات الحالات (PDF) للحالات المحددة أو لكل الحالات التي تعرضها القائمة",
    "Export summary…": "تصدير الملخص…",
    # app/stats.py
    "Quarter of detection": "ربع سنة الرصد",
    "Nationality group": "مجموعة الجنسية",
    "Form of exploitation": "شكل الاستغلال",
    "Screening recommendation": "توصية الفرز",
    "Referral category": "فئة الإحالة",
    "Outcome": "المآل",
    "Morocco": "المغرب",
    "West Africa": "غرب أفريقيا",
    "Central Africa": "وسط أفريقيا",
    "East Africa and the Horn": "شرق أفريقيا والقرن الأفريقي",
    "North Africa (other than Morocco)": "شمال أفريقيا (باستثناء المغرب)",
    "Middle East": "الشرق الأوسط",
    "South and South-East Asia": "جنوب آسيا وجنوبها الشرقي",
    "Europe": "أوروبا",
    "Other or not known": "أخرى أو غير معروفة",
    "Open: being screened": "مفتوحة: قيد الفرز",
    "Open: screened or identified, not referred": "مفتوحة: تم الفرز أو التعرف، دون إحالة",
    "Open: protection or referral under way": "مفتوحة: الحماية أو الإحالة جارية",
    "Open: in assistance or follow-up": "مفتوحة: قيد المساعدة أو المتابعة",
    "Closed: {reason}": "مغلقة: {reason}",
    "Not screened": "لم يُجرَ الفرز",
    "{year} Q{quarter}": "الربع {quarter} من {year}",
    "An office (no border post)": "مكتب (دون مركز حدودي)",
    "No referral": "دون إحالة",
}


class _Preview:
    """The catalog first; the preview's Arabic only for what the catalog does not translate."""

    def __init__(self, real) -> None:  # noqa: ANN001 - gettext.NullTranslations
        self.real = real

    def gettext(self, msgid: str) -> str:
        text = self.real.gettext(msgid)
        return PREVIEW.get(msgid, text) if text == msgid else text

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.real.ngettext(singular, plural, n)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", default="ar", choices=["ar", "fr", "en"])
    parser.add_argument("--cases", type=int, default=1200)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--window", type=Path, help="also save the main window here")
    args = parser.parse_args()
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="himaya-shots-config-")

    import i18n
    from PySide6.QtCore import QEvent, QTimer
    from PySide6.QtWidgets import QApplication

    from storage.settings_file import SettingsFile
    from ui.demo import create_demo_store
    from ui.qt.app import build_context, create_app
    from ui.qt.lang import language
    from ui.qt.window import MainWindow

    if args.lang == "ar":
        real = i18n.translation
        i18n.translation = lambda code: _Preview(real(code)) if code == "ar" else real(code)
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
    window = MainWindow(ctx)
    window.resize(1360, 860)
    window.show()
    window.on_unlocked(ctx.vault.unlock("demo.supervisor", demo.passphrase))
    settle(800)
    if args.window:
        window.grab().save(str(args.window))
        print(args.window)
    window.workspace.dashboard_action.trigger()
    dashboard = window.workspace.dashboard
    dashboard.resize(1280, 860)
    settle(300)
    while dashboard.table is None and dashboard.error is None:
        settle(200)
    settle(600)
    suffix = "" if args.lang == "ar" else f"-{args.lang}"
    path = args.out / f"dashboard{suffix}.png"
    dashboard.grab().save(str(path))
    print(path)
    window.lock()
    window.close()


if __name__ == "__main__":
    main()
