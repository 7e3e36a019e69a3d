"""Screenshot of the referral dialog (urgent, from a screening outcome) in a real X window:

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python docs/screenshots/take_referral.py [--lang ar]

Builds a temporary store with a border officer and a case of Tanger Med whose screening
found immediate danger, opens the referral dialog preset for an urgent referral (nearest
provider chosen, risk summary prefilled, no consent chosen), and saves referral-dialog.png.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
os.environ.setdefault("HIMAYA_KDF", "minimum")

PASSPHRASE = "olive tajine citron soleil 7"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", default="ar")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args()
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="himaya-shots-config-")

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.domain.checks import new_id
    from app.domain.person import Person
    from app.domain.user import User
    from app.domain.values import CaseState, ConsentDecision, ConsentKind, RiskStage, Role, Sex
    from storage.settings_file import SettingsFile
    from ui.composition import services_for
    from ui.qt.app import build_context, create_app
    from ui.qt.lang import language
    from ui.qt.referrals.referral_dialog import ReferralDialog

    app = create_app(["himaya"])
    language.apply(args.lang, app)
    ctx = build_context(Path(tempfile.mkdtemp(prefix="himaya-shots-")) / "store", SettingsFile())
    officer = User(new_id(), "karim.t", "Karim Tazi", Role.BORDER_OFFICER, "north",
                   datetime.now(timezone.utc).replace(microsecond=0), border_post="TNG-MED")
    ctx.services = services_for(ctx.vault.create(officer, PASSPHRASE))
    s = ctx.services
    person = Person(new_id(), first_name="Grace", first_name_ar="غريس", second_name="Okafor",
                    second_name_ar="أوكافور", sex=Sex.FEMALE, birth_year=date.today().year - 24, languages=("en",))
    case = s.cases.register(s.session, person, border_post="TNG-MED")
    s.cases.record_consent(s.session, case.id, ConsentKind.SCREENING, ConsentDecision.GIVEN)
    s.cases.move(s.session, case.id, CaseState.SCREENING)
    s.cases.record_risk(s.session, case.id, RiskStage.SCREENING, immediate_danger=True, controller_nearby=True)

    def settle(ms: int = 500) -> None:
        end = QTimer()
        end.setSingleShot(True)
        end.start(ms)
        while end.isActive():
            app.processEvents()
        ctx.ops.wait()
        app.processEvents()

    dialog = ReferralDialog(ctx, case.id, urgent=True)
    dialog.resize(1300, 860)
    dialog.show()
    settle(1200)
    path = args.out / f"referral-dialog{'' if args.lang == 'ar' else '-' + args.lang}.png"
    dialog.grab().save(str(path))
    print(path)
    dialog.reject()
    ctx.ops.wait()
    s.lock()
    QApplication.processEvents()


if __name__ == "__main__":
    main()
