"""Screenshot of the duplicate warning of the new-case dialog in a real X window:

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python docs/screenshots/take_duplicate.py [--lang ar]

Builds a temporary store with a border officer of Tanger Med and two earlier cases that
look like the same man (one written in Latin letters, one in Arabic, a year apart), fills
the new-case dialog with محمد العلمي / Mohammed Alami, asks to create the case and saves
the warning that comes up as duplicate-warning.png.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import datetime, timezone
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
    from app.domain.values import Role, Sex
    from storage.settings_file import SettingsFile
    from ui.composition import services_for
    from ui.qt.app import build_context, create_app
    from ui.qt.cases.new_case import NewCaseDialog
    from ui.qt.lang import language

    app = create_app(["himaya"])
    language.apply(args.lang, app)
    ctx = build_context(Path(tempfile.mkdtemp(prefix="himaya-shots-")) / "store", SettingsFile())
    officer = User(new_id(), "karim.t", "Karim Tazi", Role.BORDER_OFFICER, "north",
                   datetime.now(timezone.utc).replace(microsecond=0), border_post="TNG-MED")
    ctx.services = services_for(ctx.vault.create(officer, PASSPHRASE))
    s = ctx.services
    for fields in ({"first_name": "Mohamed", "second_name": "Alami", "birth_year": 1990},
                   {"first_name_ar": "محمد", "second_name_ar": "العلمي", "birth_year": 1991}):
        s.cases.register(s.session, Person(new_id(), sex=Sex.MALE, nationality="MA", **fields),
                         border_post="TNG-MED")

    def settle(ms: int = 500) -> None:
        end = QTimer()
        end.setSingleShot(True)
        end.start(ms)
        while end.isActive():
            app.processEvents()
        ctx.ops.wait()
        app.processEvents()

    dialog = NewCaseDialog(ctx)
    dialog.show()
    form = dialog.form
    form.first_name.setText("Mohammed")
    form.second_name.setText("Alami")
    form.first_name_ar.setText("محمد")
    form.second_name_ar.setText("العلمي")
    form.sex.set_value(Sex.MALE)
    form.birth_year.setValue(1990)
    form.nationality.set_value("MA")
    dialog.create()
    settle(1200)
    warning = dialog.duplicates
    if warning is None:
        raise SystemExit("no duplicate warning came up")
    warning.resize(760, warning.sizeHint().height())
    settle(600)
    path = args.out / f"duplicate-warning{'' if args.lang == 'ar' else '-' + args.lang}.png"
    warning.grab().save(str(path))
    print(path)
    warning.reject()
    dialog.reject()
    ctx.ops.wait()
    s.lock()
    QApplication.processEvents()


if __name__ == "__main__":
    main()
