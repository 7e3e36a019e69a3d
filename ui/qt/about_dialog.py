"""Help → About Himaya: version, build date, store schema, and "Copy diagnostics".

Reachable locked or unlocked (an IT team checks an installation at the unlock screen). It
shows nothing from the store; the diagnostics it copies are described in ``ui.about``.
"""

from __future__ import annotations

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import (
    QApplication, QDialog, QDialogButtonBox, QFormLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout,
    QWidget,
)

from app.version import build_info
from i18n.bidi import isolate
from ui import about
from ui.qt.lang import language, tr


def qt_facts() -> dict[str, str]:
    app = QApplication.instance()
    return {"Qt": f"{qVersion()} (PySide6 {pyside_version})",
            "Qt platform": app.platformName() if isinstance(app, QApplication) else "?",
            "Interface language": language.code}


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setMinimumWidth(520)
        info = build_info()
        self.title = QLabel(objectName="aboutTitle")
        self.title.setStyleSheet("font-size: 18pt; font-weight: bold;")
        self.version_label, self.built_label, self.schema_label = QLabel(), QLabel(), QLabel()
        self.version = QLabel(isolate(info.version), objectName="aboutVersion")
        self.built = QLabel(objectName="aboutBuilt")
        self.schema = QLabel(isolate(str(about.SCHEMA_VERSION)), objectName="aboutSchema")
        form = QFormLayout()
        form.addRow(self.version_label, self.version)
        form.addRow(self.built_label, self.built)
        form.addRow(self.schema_label, self.schema)

        self.details = QPlainTextEdit(objectName="aboutDetails", readOnly=True)
        self.details.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # technical text, in English
        self.details.setPlainText("\n".join(f"{label}: {value}" for label, value in about.facts(qt_facts())))
        self.details.setMinimumHeight(160)
        self.copied = QLabel(objectName="aboutCopied", wordWrap=True)

        self.copy_button = QPushButton(objectName="copyDiagnosticsButton")
        self.copy_button.clicked.connect(self.copy_diagnostics)
        self.close_button = QPushButton(objectName="aboutClose", default=True)
        self.close_button.clicked.connect(self.accept)
        buttons = QDialogButtonBox()
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.AcceptRole)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.details)
        layout.addWidget(self.copied)
        layout.addWidget(buttons)
        language.changed.connect(self.retranslate)
        self.retranslate()

    def copy_diagnostics(self) -> str:
        """Versions, platform and the last log lines (no case data, no names) to the clipboard."""
        text = about.diagnostics(qt_facts())
        QApplication.clipboard().setText(text)
        self.copied.setText(tr("Diagnostics copied. They hold versions and the last log lines, no case data: "
                               "paste them into your message to the support team."))
        return text

    def retranslate(self) -> None:
        info = build_info()
        self.setWindowTitle(tr("About Himaya"))
        self.title.setText(tr("Himaya — National Referral Mechanism"))
        self.version_label.setText(tr("Version"))
        self.built_label.setText(tr("Built"))
        self.schema_label.setText(tr("Store schema"))
        self.built.setText(isolate(info.built_at) if info.built_at else tr("not an installed build (run from source)"))
        self.copy_button.setText(tr("Copy diagnostics"))
        self.close_button.setText(tr("Close"))
        if self.copied.text():
            self.copied.clear()
