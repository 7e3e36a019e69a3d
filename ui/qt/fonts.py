"""Load the shipped fonts; the interface never depends on system fonts."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from app.resources import resources_dir

UI_FONTS = ("NotoSansArabic-Variable.ttf", "NotoSans-Variable.ttf")


def load_fonts(app: QApplication, point_size: int = 11) -> list[str]:
    """Register the fonts and make them the application font; returns the family names."""
    families: list[str] = []
    for name in UI_FONTS:
        font_id = QFontDatabase.addApplicationFont(str(resources_dir() / "fonts" / name))
        if font_id < 0:
            raise RuntimeError(f"the font {name} could not be loaded")
        families += QFontDatabase.applicationFontFamilies(font_id)
    font = QFont()
    # Arabic first; Latin letters fall back to Noto Sans, also shipped.
    font.setFamilies(families)
    font.setPointSize(point_size)
    app.setFont(font)
    return families
