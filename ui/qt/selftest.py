"""The self-test's Qt checks (see ``ui.selftest``): Qt starts offscreen and draws, and the
shipped Arabic font loads and draws Arabic letters."""

from __future__ import annotations

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QPoint, Qt, qVersion
from PySide6.QtGui import QColor, QFont, QFontDatabase, QImage, QPainter, QRawFont
from PySide6.QtWidgets import QApplication, QLabel

from ui.qt.fonts import load_fonts
from ui.selftest import expect

ARABIC_SAMPLE = "حماية الضحايا"
ARABIC_FAMILY = "Noto Sans Arabic"


def _app() -> QApplication:
    app = QApplication.instance()
    return app if isinstance(app, QApplication) else QApplication(["himaya", "-platform", "offscreen"])


def check_qt() -> str:
    """A QApplication starts on the offscreen platform and a widget paints."""
    app = _app()
    label = QLabel("Himaya")
    label.resize(120, 40)
    label.show()
    app.processEvents()
    image = label.grab().toImage()
    label.close()
    label.deleteLater()
    expect(not image.isNull() and image.width() > 0, "a widget could not be drawn")
    return f"Qt {qVersion()} (PySide6 {pyside_version}) on the {app.platformName()} platform"


def _ink(image: QImage) -> int:
    """How many pixels are not white: zero means nothing was drawn."""
    white = QColor(Qt.GlobalColor.white).rgb()
    return sum(1 for y in range(image.height()) for x in range(image.width()) if image.pixel(x, y) != white)


def check_font() -> str:
    """The shipped fonts register, the Arabic one covers Arabic letters and draws them."""
    app = _app()
    families = load_fonts(app)
    expect(ARABIC_FAMILY in families, f"the Arabic font did not register (got {', '.join(families) or 'none'})")
    font = QFont(ARABIC_FAMILY, 20)
    raw = QRawFont.fromFont(font)
    expect(raw.isValid() and raw.familyName() == ARABIC_FAMILY,
           f"Arabic text would be drawn with {raw.familyName() or 'no font'}, not the shipped font")
    missing = [c for c in ARABIC_SAMPLE if not c.isspace() and not raw.supportsCharacter(ord(c))]
    expect(not missing, f"the Arabic font lacks {len(missing)} letters of the sample")
    expect(ARABIC_FAMILY in QFontDatabase.families(QFontDatabase.WritingSystem.Arabic),
           "Qt does not list the font for the Arabic script")
    image = QImage(240, 48, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    painter.setFont(font)
    painter.setPen(Qt.GlobalColor.black)
    painter.drawText(QPoint(8, 34), ARABIC_SAMPLE)
    painter.end()
    ink = _ink(image)
    expect(ink > 100, "Arabic text drew nothing")
    return f"{', '.join(families)} loaded; Arabic sample drawn ({ink} px of ink)"
