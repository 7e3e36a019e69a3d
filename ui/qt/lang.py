"""The interface language: gettext for our strings, Qt's own catalogs, direction, locale.

Widgets call ``tr("English text")`` (and ``ntr`` for plurals, which Arabic needs in six
forms) when they build or *retranslate* their text, and connect to
``language.changed`` to retranslate in place: switching language never rebuilds a
screen, so nothing typed is lost.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QLibraryInfo, QLocale, QObject, Qt, QTranslator, Signal
from PySide6.QtWidgets import QApplication

import i18n
from i18n.bidi import isolate

_QT_LOCALES = {"ar": QLocale(QLocale.Language.Arabic, QLocale.Country.Morocco),
               "fr": QLocale(QLocale.Language.French, QLocale.Country.Morocco),
               "en": QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)}


class Language(QObject):
    changed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.code = i18n.DEFAULT_LANGUAGE
        self._translation = i18n.translation(self.code)
        self._qt_translator: QTranslator | None = None
        self.missing: set[str] = set()  # msgids asked for with no translation (tests read it)

    def tr(self, msgid: str) -> str:
        text = self._translation.gettext(msgid)
        if text is msgid and self.code != "en":
            self.missing.add(msgid)
        return text

    def ntr(self, singular: str, plural: str, n: int) -> str:
        return self._translation.ngettext(singular, plural, n)

    def apply(self, code: str, app: QApplication | None = None) -> None:
        """Switch every string, Qt's own dialogs, the layout direction and the locale."""
        if code not in i18n.LANGUAGES:
            raise ValueError(f"unsupported language {code!r}")
        app = app or QApplication.instance()
        self.code = code
        self._translation = i18n.translation(code)
        locale = _QT_LOCALES[code]
        QLocale.setDefault(locale)
        if app is not None:
            if self._qt_translator is not None:
                app.removeTranslator(self._qt_translator)
                self._qt_translator = None
            translator = QTranslator(app)
            folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
            if code != "en" and translator.load(locale, "qtbase", "_", folder):
                app.installTranslator(translator)
                self._qt_translator = translator
            app.setLayoutDirection(Qt.LayoutDirection.RightToLeft if i18n.is_rtl(code)
                                   else Qt.LayoutDirection.LeftToRight)
        self.changed.emit(code)

    @property
    def rtl(self) -> bool:
        return i18n.is_rtl(self.code)


language = Language()


def tr(msgid: str) -> str:
    return language.tr(msgid)


def ntr(singular: str, plural: str, n: int) -> str:
    return language.ntr(singular, plural, n)


def trf(msgid: str, **params: Any) -> str:
    """Translate, then fill in ``params`` isolated for bidi (names, numbers, codes)."""
    return language.tr(msgid).format(**{k: isolate(v) for k, v in params.items()})


def render_error(exc: BaseException) -> str:
    """A typed core error in the user's language; anything else in plain, calm words."""
    from app.errors import HimayaError

    if isinstance(exc, HimayaError):
        return exc.render(language.tr)
    return tr("Something went wrong and nothing was changed. If it happens again, tell your supervisor.")
