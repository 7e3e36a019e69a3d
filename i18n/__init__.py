"""Translations (gettext catalogs), Babel formatting and bidi helpers."""
