"""The gettext catalogs: complete, safe to format, current, and with Arabic's six plurals.

Reads the catalogs and the sources of the repository (no Qt). Extraction runs in memory
with Babel's API, with the mapping file and the keywords of ``./dev i18n``, so a developer
who adds a string and forgets ``./dev i18n`` (and its translation) gets a failing test.
"""

from __future__ import annotations

import gettext
import io
import re
import shlex
import string
from collections import Counter
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po

import i18n

ROOT = Path(__file__).resolve().parents[2]
POT = ROOT / "i18n" / "himaya.pot"
TRANSLATED = ("ar", "fr")  # English is the source language: its msgstr stay empty
#: CLDR's Arabic categories, in the order of the gettext forms msgstr[0] .. msgstr[5]
ARABIC_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
_FORMATTER = string.Formatter()
#: a mnemonic: one "&" before a character ("&&" is a literal ampersand)
_MNEMONIC = re.compile(r"(?<!&)&(?!&)(?=\S)")


def read_catalog(path: Path):
    with open(path, "rb") as handle:
        return read_po(handle)


def po(language: str):
    return read_catalog(i18n.po_path(language))


def messages(catalog) -> list[Message]:
    return [m for m in catalog if m.id]


def forms(message: Message) -> list[str]:
    return list(message.string) if message.pluralizable else [message.string]


def fields(text: str) -> Counter:
    """The replacement fields of a ``str.format`` template: name, conversion and format spec."""
    return Counter((name, conversion, spec) for _literal, name, spec, conversion in _FORMATTER.parse(text)
                   if name is not None)


def show(message: Message) -> str:
    return repr(message.id[0] if message.pluralizable else message.id)


def single_number_forms(catalog) -> set[int]:
    """Plural forms the catalog's rule picks for exactly one number (Arabic: zero, one, two)."""
    rule = gettext.c2py(catalog.plural_expr)
    hits = Counter(rule(n) for n in range(10_000))
    return {index for index, count in hits.items() if count == 1}


# --- (a) complete ------------------------------------------------------------------------------
@pytest.mark.parametrize("language", TRANSLATED)
def test_every_msgid_has_a_translation(language):
    template_ids = {m.id for m in messages(read_catalog(POT))}
    catalog = po(language)
    missing = []
    for msgid in sorted(template_ids, key=str):
        message = catalog.get(msgid)
        if message is None or message.fuzzy or not all(forms(message)):
            missing.append(repr(msgid))
    assert not missing, (f"{len(missing)} msgid(s) with no {language} translation (or fuzzy); run "
                         f"./dev i18n and translate them in {i18n.po_path(language)}:\n" + "\n".join(missing))


# --- (b) same {fields}, so formatting never fails nor drops information ----------------------
@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_fields_of_the_msgid(language):
    """Electrum's rule: a translation whose fields differ from the msgid's is rejected.

    For singular messages and every plural form. One allowance, as translation platforms make
    it: a plural form that the catalog's rule uses for one number only (Arabic's zero, one and
    two) may leave the number out ("حالة واحدة", "حالتان") — but never add a field.
    """
    catalog = po(language)
    single = single_number_forms(catalog)
    bad = []
    for message in messages(catalog):
        try:
            if message.pluralizable:
                singular, plural = (fields(text) for text in message.id)
                if singular != plural:
                    bad.append(f"{show(message)}: its singular and plural msgids have different fields")
                    continue
                expected = plural
            else:
                expected = fields(message.id)
            for index, text in enumerate(forms(message)):
                if not text:
                    continue  # reported by the completeness test
                got = fields(text)
                if got == expected or (message.pluralizable and index in single and not got - expected):
                    continue
                label = f"msgstr[{index}]" if message.pluralizable else "msgstr"
                bad.append(f"{show(message)} {label} {text!r}: fields {sorted(got)} instead of {sorted(expected)}")
        except ValueError as exc:  # unbalanced braces
            bad.append(f"{show(message)}: not a valid format template ({exc})")
    assert not bad, f"{language}: translations whose fields differ from the msgid:\n" + "\n".join(bad)


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_mnemonic_of_the_msgid(language):
    """An "&" mnemonic (Alt+letter) in the English stays, once, in the translation; none is added."""
    bad = []
    for message in messages(po(language)):
        ids = message.id if message.pluralizable else (message.id,)
        want = len(_MNEMONIC.findall(ids[0]))
        for text in forms(message):
            if text and len(_MNEMONIC.findall(text)) != want:
                bad.append(f"{show(message)} -> {text!r}")
    assert not bad, f"{language}: mnemonics (&) differ from the English:\n" + "\n".join(bad)


# --- (c) the template is current ---------------------------------------------------------------
def _dev_i18n_keywords() -> list[str]:
    """The ``-k`` options of ``pybabel extract`` in ``./dev i18n`` (one source of truth)."""
    script = (ROOT / "dev").read_text(encoding="utf-8")
    command = script[script.index("pybabel\" extract") + len("pybabel\""):]
    command = command[:command.index("\n", command.index("-o "))]
    words = shlex.split(command.replace("\\\n", " "))
    return [words[i + 1] for i, word in enumerate(words) if word == "-k"]


def test_dev_i18n_keywords_are_the_ones_the_code_uses():
    assert sorted(_dev_i18n_keywords()) == sorted(["N_", "tr", "trf", "ntr:1,2", "_"])


def test_template_is_current():
    keywords = dict(DEFAULT_KEYWORDS)  # pybabel keeps its default keywords too
    keywords.update(parse_keywords(_dev_i18n_keywords()))
    with open(ROOT / "i18n" / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    extracted = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords, strip_comment_tags=True):
        extracted.add(message if isinstance(message, str) else tuple(message))
    template = {m.id for m in messages(read_catalog(POT))}
    new, gone = sorted(extracted - template, key=str), sorted(template - extracted, key=str)
    assert not new and not gone, (
        "i18n/himaya.pot is out of date: run ./dev i18n, then translate the new strings.\n"
        f"In the code but not in the template: {new}\nIn the template but no longer in the code: {gone}")


@pytest.mark.parametrize("language", ("ar", "fr", "en"))
def test_catalogs_hold_exactly_the_template(language):
    """Merged with ``./dev i18n``: nothing missing, nothing left over (obsolete ``#~`` aside)."""
    template = {m.id for m in messages(read_catalog(POT))}
    catalog = {m.id for m in messages(po(language))}
    assert catalog == template, (f"{language}: run ./dev i18n. Missing: {sorted(template - catalog, key=str)}; "
                                 f"extra: {sorted(catalog - template, key=str)}")


def test_english_catalog_stays_empty():
    """English is the source: the msgids are shown as they are."""
    filled = [show(m) for m in messages(po("en")) if any(forms(m))]
    assert not filled, "the English catalog must keep empty msgstr: " + ", ".join(filled)


# --- (d) Arabic plurals -----------------------------------------------------------------------
def test_arabic_has_six_plural_forms_in_cldr_order():
    catalog = po("ar")
    assert catalog.num_plurals == 6
    assert "nplurals=6;" in catalog.plural_forms.replace(" ", "")
    rule = gettext.c2py(catalog.plural_expr)
    cldr = Locale("ar").plural_form
    # Babel's own table swaps "many" and "other" for Arabic (python-babel/babel#816): the
    # header must follow CLDR, which is what translators read msgstr[4] and [5] as.
    wrong = {n: (rule(n), cldr(n)) for n in range(0, 1200) if ARABIC_CATEGORIES[rule(n)] != cldr(n)}
    assert not wrong, f"the Plural-Forms rule disagrees with CLDR (n: form, category): {dict(list(wrong.items())[:10])}"


def test_arabic_ngettext_picks_a_different_form_for_each_category():
    translation = i18n.translation("ar")
    numbers = (0, 1, 2, 3, 11, 100)
    assert [translation.plural(n) for n in numbers] == [0, 1, 2, 3, 4, 5]
    plural_messages = [m for m in messages(po("ar")) if m.pluralizable]
    assert plural_messages
    for message in plural_messages:
        singular, plural = message.id
        for n in numbers:
            assert translation.ngettext(singular, plural, n) == message.string[translation.plural(n)]
        # the forms do differ where Arabic grammar differs: one, two, few (3-10), many (11-99)
        got = {translation.ngettext(singular, plural, n) for n in (1, 2, 3, 11)}
        assert len(got) == 4, f"{show(message)}: the one, two, few and many forms should differ: {got}"
    # and the compiled catalog gives each of the six forms its own text when they differ
    probe = _compiled_with_forms("ar", [f"form {i}" for i in range(6)])
    assert [probe.ngettext("{n} thing", "{n} things", n) for n in numbers] == [f"form {i}" for i in range(6)]


def _compiled_with_forms(language: str, texts: list[str]) -> gettext.GNUTranslations:
    """A one-message catalog with ``language``'s real header, compiled like the app does."""
    from babel.messages.mofile import write_mo

    catalog = po(language)
    for message in list(catalog):
        if message.id:
            catalog.delete(message.id)
    catalog.add(("{n} thing", "{n} things"), tuple(texts))
    out = io.BytesIO()
    write_mo(out, catalog)
    return gettext.GNUTranslations(io.BytesIO(out.getvalue()))


def test_french_plural_rule():
    translation = i18n.translation("fr")
    assert [translation.plural(n) for n in (0, 1, 2, 100)] == [0, 0, 1, 1]


# --- (e) they compile -------------------------------------------------------------------------
@pytest.mark.parametrize("language", ("ar", "fr", "en"))
def test_catalog_compiles(language):
    data = i18n.compile_po(i18n.po_path(language))
    translation = gettext.GNUTranslations(io.BytesIO(data))
    if language in TRANSLATED:
        sample = next(m for m in messages(po(language)) if not m.pluralizable)
        assert translation.gettext(sample.id) == sample.string
