"""Names across scripts: normalisation, tokens, cross-script keys and similarity.

The same person is written محمد, مُحَمَّد, Mohamed, Mohammed, Muhammad; أحمد, Ahmed, Ahmad;
فاطمة الزهراء, Fatima Zahra, Fatimazahra. This module turns any such text into things that
meet when the names are the same and stay apart when they are not. It is pure (no I/O)
and total: every function accepts any text and never raises.

Four layers, each documented at its function (docs/SEARCH.md has the whole picture):

1. ``normalise(text)``: the text folded for comparison. Bidi and zero-width controls are
   removed; Arabic loses its diacritics (harakat, shadda, sukun, superscript alef, Quranic
   marks) and tatweel, the alef forms become ا, ى → ي, ة → ه, ؤ → و, ئ → ي, ء is dropped,
   Persian and Urdu look-alikes (ک ی ۀ ھ …) become the Arabic letters; Latin is
   case-folded and loses its accents (West African letters ɛ ɔ ɓ ɗ ƙ ƴ map to their plain
   forms); Arabic-Indic digits become ASCII; apostrophes join (N'Diaye → ndiaye) and
   every other non-letter separates, and so does a ة followed by a letter (it only ends
   words: فاطمةالزهراء is فاطمة الزهراء typed without the space).
2. ``name_tokens(text)``: the words of a name with compound names joined, so that
   عبد الله = عبدالله, Abd Allah = Abdallah, Ben Ali = Benali, El Alaoui = Elalaoui.
   Particles (عبد أبو بو بن ابن بنت ولد آيت and the article ال; abd/abdel/abdul…, abu/abou/
   bou, ben/bin/ibn/bent/bint, ould, ait, el/al/ul and the assimilated ed/es/er/ez/ech/ej)
   join the word after them. A token remembers the word without its article (``bare``)
   and, after a family particle (ben, ould, ait …), the word it joined (``parts``), so a
   search for "Ali" still reaches "Ben Ali".
3. ``skeletons(token)``: the cross-script key. Both scripts are read into one small sound
   alphabet (B T J G H X D Z R S C F K L M N W Y): consonants keep their class, vowels are
   dropped except that a word starting with a vowel (or ع, or an alef) starts with the
   marker ``A`` (so Ahmed ``AHMD`` and Hamid ``HMD`` stay apart); و and ي count as
   consonants only at the start of a word (Youssef, Walid) and as vowels elsewhere, a
   final H is dropped (Fatimah = Fatima = فاطمة), and letters doubled in writing collapse
   (Mohammed = Mohamed). Arabic letters that Latin spellings render two ways give two
   keys: ث → T|S (Othmane, Ousmane), ج → J|G (Djamel, Gamal), ق → K|G (Kacem, Belgacem),
   ذ ظ → D|Z. The article gives variants too: الحسن → ALHSN (Elhassan), LHSN (Lahcen),
   HSN (Hassan); before a sun letter also the assimilated form (الرحماني → ARHMN,
   Errahmani); عبد ال… before a sun letter gives the form with and without the article's L
   (Abdelrahim, Abderrahim). Latin digraphs are read as one sound: ch sh tch → C, kh → X, gh → G,
   th → T, dh → D, dj → J, ph → F; c is S before e/i/y and K elsewhere, g is J before
   e/i; v → F, p → B, q → K, x → KS. Two spellings match when their skeleton sets meet.
4. ``phonetic_similarity(a, b)``: ranks what the skeleton joins. Each token becomes a
   sequence of sounds where Arabic writes its long vowels (ا و ي in the middle of a word)
   and omits its short ones, and Latin writes both (French "ou", "oo", "ee", "aa" are
   long). A weighted edit distance charges little for a Latin vowel that Arabic does not
   write (0.2), more for an Arabic long vowel missing from the Latin (0.5), and a full
   point for a different consonant, so محمد is nearer Mohamed than Mahmoud and حسين is
   nearer Hussein than Hassan, although their skeletons are equal.

Names the rules cannot join (Joseph = Yusuf, Brahim = Ibrahim, Driss = Idriss, Kadidja =
Khadija, Boubacar = Abu Bakr …) come from a curated table of equivalent given names
(``resources/names/equivalents.json``, loaded by ``app.resources`` and handed to
``NameTable``). The table also says which names are *different*: two words in two
different groups (Mohamed and Mahmoud, Hassan and Hussein) are never taken for spellings
of one name however alike their skeletons are. ``token_match`` combines all of it into one
score per pair of tokens, and ``form_match`` matches a whole query against a whole name.

Choices made on purpose (and their limits):

* Vowels carry little weight because the two scripts disagree on them; the price is that
  skeletons of different names can be equal (Samir/Samira, Hamid/Hamed, Saad/Said). The
  phonetic ranking, exact spelling and, for duplicates, sex and age keep them apart.
* Medial w/y and و/ي are vowels: Diallo = ديالو, Meryem = مريم, Sayed = سيد.
* A man's name and the woman's name made of it (Samir, Samira; سمير, سميرة; Amine,
  Amina) have one skeleton; their endings (Latin -a, Arabic ة against a consonant) tell
  them apart, unless the table says they are one name (Ibrahim, Ibrahima; Mariam, Mariama).
* Latin g before e/i is read as J (French Gilali = جيلالي); an English hard g before e/i
  (Gideon) misses, and a Moroccan g for ق is only found through the Arabic variants.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product
from typing import Iterable, Mapping, Sequence

__all__ = [
    "Token", "NameTable", "TokenMatch", "FormMatch", "normalise", "name_tokens", "skeletons",
    "phonetic", "phonetic_similarity", "pair_skeletons", "typed_skeletons", "token_match", "form_match",
    "script_of",
]

# --- 1. normalisation ---------------------------------------------------------------------

#: Bidi embeddings, overrides, isolates and marks, zero-width characters, soft hyphen.
_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c\u2060\ufeff\u00ad"
_APOSTROPHES = "'\u2019\u2018\u02bc\u02bb\u02be\u02bf`\u00b4"

_BEFORE_DECOMPOSITION = {ord("ç"): "s", ord("Ç"): "s"}  # ç is s, whatever its accent says
_BEFORE_DECOMPOSITION.update({ord(c): None for c in _INVISIBLE + _APOSTROPHES})

_FOLD: dict[int, str | None] = {
    # Arabic letter forms (hamza carriers that NFKD does not split, wasla, Persian/Urdu look-alikes)
    **{ord(c): "ا" for c in "ٱٲٳٵ"},
    **{ord(c): "ي" for c in "ىیېۍێےۓ"},
    **{ord(c): "ه" for c in "ةۀەھہۃ"},
    **{ord(c): "و" for c in "ۇۆۈۋۉۏ"},
    **{ord(c): "ك" for c in "کڪ"},
    **{ord(c): "ڭ" for c in "گڴګڨ"},  # the g of Moroccan, Persian and Algerian spelling
    ord("پ"): "ب", ord("ژ"): "ز", ord("ڤ"): "ف", ord("ڥ"): "ف", ord("چ"): "تش",
    ord("ء"): None, ord("\u0674"): None, ord("\u0640"): None,  # hamza on the line, high hamza, tatweel
    ord("\u06e5"): None, ord("\u06e6"): None,  # small waw and yeh of Quranic spelling
    # Latin letters that do not decompose
    ord("æ"): "ae", ord("œ"): "oe", ord("ø"): "o", ord("đ"): "d", ord("ð"): "d", ord("þ"): "th",
    ord("ł"): "l", ord("ı"): "i", ord("ŋ"): "ng", ord("ɛ"): "e", ord("ɔ"): "o", ord("ƴ"): "y",
    ord("ɓ"): "b", ord("ɗ"): "d", ord("ƙ"): "k", ord("ʃ"): "sh", ord("ə"): "e",
    ord("Æ"): "ae", ord("Œ"): "oe", ord("Ø"): "o", ord("Đ"): "d", ord("Ð"): "d", ord("Þ"): "th",
    ord("Ł"): "l", ord("Ŋ"): "ng", ord("Ɛ"): "e", ord("Ɔ"): "o", ord("Ƴ"): "y", ord("Ɓ"): "b",
    ord("Ɗ"): "d", ord("Ƙ"): "k", ord("Ə"): "e",
    # Arabic-Indic and Eastern Arabic-Indic digits
    **{0x0660 + i: str(i) for i in range(10)},
    **{0x06F0 + i: str(i) for i in range(10)},
}

_ARABIC = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
_ARABIC_CHAR = re.compile(f"[{_ARABIC}]")
_SCRIPT_RUNS = re.compile(f"[{_ARABIC}]+|[^{_ARABIC}]+")
_SEPARATOR = re.compile(r"[^\w]+|_+")
_MEDIAL_TA_MARBUTA = re.compile("ة(?=[\u0621-\u064a])")


def script_of(word: str) -> str:
    """``"ar"`` for Arabic script, ``"lat"`` for a-z, ``"num"`` for digits, else ``"other"``."""
    if _ARABIC_CHAR.search(word):
        return "ar"
    if word and all("a" <= c <= "z" for c in word):
        return "lat"
    if word and word.isdigit():
        return "num"
    return "other"


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """``text`` folded for comparison: one space between words, nothing else to tell apart.

    ``normalise("مُحَمَّد")`` is ``"محمد"``; ``normalise("Mohamed EL-ALAOUI")`` is
    ``"mohamed el alaoui"``; ``normalise("N'Diaye")`` is ``"ndiaye"``. Total: any string,
    including lone surrogates and control characters, gives a string.
    """
    if not isinstance(text, str):
        return ""
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates
    text = text.translate(_BEFORE_DECOMPOSITION)
    text = _MEDIAL_TA_MARBUTA.sub("ة ", text)  # ة ends a word: فاطمةالزهراء is two words
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.category(c).startswith("M"))
    text = text.translate(_FOLD).casefold()
    words: list[str] = []
    for word in _SEPARATOR.split(text):
        words.extend(_split_scripts(word))
    return " ".join(w for w in words if w)


def _split_scripts(word: str) -> list[str]:
    """"محمدMohamed" → two words: a change of script is a word boundary."""
    return _SCRIPT_RUNS.findall(word)


# --- 2. tokens ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Token:
    """One word of a name, normalised, compounds joined.

    ``bare`` is the word without its article (العلوي → علوي, elalaoui → alaoui) when it had
    one; ``parts`` are the words a family particle joined (benali → ali).
    """

    text: str
    script: str
    bare: str | None = None
    parts: tuple[str, ...] = field(default=())

    def spellings(self) -> tuple[str, ...]:
        """The normalised forms a search may type for this word (joined, bare)."""
        forms = [self.text]
        if self.bare:
            forms.append(self.bare)
        return tuple(dict.fromkeys(forms))


_AR_ARTICLE = "ال"
_AR_JOIN = {"عبد", "ابو", "بو"}  # join the next word; the result is one given name
_AR_FAMILY = {"بن", "ابن", "بنت", "ولد", "ايت"}  # join, and the joined word stays searchable
_LAT_ARTICLES = {"el", "al", "ul", "ed", "es", "er", "ez", "ech", "ej"}
_LAT_JOIN = {"abd", "abdel", "abdal", "abdul", "abdoul", "abdu", "abu", "abou", "bou"}
_LAT_FAMILY = {"ben", "bin", "ibn", "bent", "bint", "ould", "ait", "ath"}
_ARABIZI = str.maketrans({"2": "", "3": "", "7": "h", "5": "kh", "9": "q", "8": "gh", "6": "t"})
_AR_SUN = set("تثدذرزسشصضطظلن")


@lru_cache(maxsize=65536)
def name_tokens(text: str) -> tuple[Token, ...]:
    """The words of a name, normalised, with compound names and particles joined.

    ``name_tokens("عبد الله بن علي")`` → (عبدالله, بنعلي [parts: علي]);
    ``name_tokens("Fatima-Zahra El Alaoui")`` → (fatima, zahra, elalaoui [bare: alaoui]).
    Digits inside a Latin word are read as Arabizi (Mo7amed → mohamed, 3aicha → aicha).
    """
    words = []
    for word in normalise(text).split():
        if any(c.isdigit() for c in word) and any("a" <= c <= "z" for c in word):
            word = word.translate(_ARABIZI)
        if word:
            words.append(word)
    reversed_tokens: list[Token] = []  # right to left: a particle joins the token after it
    for word in reversed(words):
        script = script_of(word)
        after = reversed_tokens[-1] if reversed_tokens else None
        if after is not None and after.script == script and _joins(word, script):
            reversed_tokens[-1] = Token(word + after.text, script, bare=_bare_after(word, after),
                                        parts=_parts_after(word, after))
        else:
            reversed_tokens.append(_single(word, script))
    return tuple(reversed(reversed_tokens))


def _joins(word: str, script: str) -> bool:
    if script == "ar":
        return word == _AR_ARTICLE or word in _AR_JOIN or word in _AR_FAMILY
    return word in _LAT_ARTICLES or word in _LAT_JOIN or word in _LAT_FAMILY


def _bare_after(particle: str, nxt: Token) -> str | None:
    if particle == _AR_ARTICLE or particle in _LAT_ARTICLES:
        return nxt.text
    return None


def _parts_after(particle: str, nxt: Token) -> tuple[str, ...]:
    if particle in _AR_FAMILY or particle in _LAT_FAMILY:
        return tuple(dict.fromkeys((nxt.text, *nxt.spellings(), *nxt.parts)))
    return ()


def _single(word: str, script: str) -> Token:
    if script == "ar" and word.startswith(_AR_ARTICLE) and len(word) >= 4:
        return Token(word, script, bare=word[2:])
    return Token(word, script)


# --- 3. the sound alphabet, skeletons and phonetic strings ------------------------------------

# A sound is a short string: consonant classes in capitals ("T", or "TS" for a letter that
# Latin renders two ways), short vowels a e i u, long vowels A I U, "'" for ع (a glottal
# stop that Latin writes as a vowel or not at all), "?" for a final h / ة.
_LONG = set("AIU")
_WEAK = set("e'")  # a vowel of no fixed quality: schwa, onset, ع

_AR_SOUNDS: dict[str, str] = {
    "ب": "B", "ت": "T", "ط": "T", "ث": "TS", "ج": "JG", "ح": "H", "ه": "H", "خ": "X", "د": "D",
    "ض": "D", "ذ": "DZ", "ظ": "DZ", "ر": "R", "ز": "Z", "س": "S", "ص": "S", "ش": "C", "غ": "G",
    "ف": "F", "ق": "KG", "ك": "K", "ڭ": "GK", "ل": "L", "م": "M", "ن": "N",
}
_LAT_DIGRAPHS: tuple[tuple[str, str], ...] = (
    ("tch", "C"), ("tsh", "C"), ("sch", "C"), ("dzh", "J"),
    ("ch", "C"), ("sh", "C"), ("kh", "X"), ("gh", "G"), ("th", "T"), ("dh", "D"), ("dj", "J"),
    ("zh", "J"), ("ph", "F"), ("ck", "K"),
)
_LAT_SINGLE = {
    "b": "B", "p": "B", "t": "T", "d": "D", "k": "K", "q": "K", "j": "J", "f": "F", "v": "F",
    "s": "S", "z": "Z", "l": "L", "m": "M", "n": "N", "r": "R", "h": "H",
}
_LAT_VOWELS = set("aeiouy")


def _is_consonant(sound: str) -> bool:
    return sound[0].isupper() and sound not in _LONG


def _collapse(sounds: list[tuple[str, bool]]) -> tuple[str, ...]:
    """Drop a consonant written twice in a row (ll, ss, لل); ``bool`` says "written adjacent"."""
    out: list[str] = []
    for sound, adjacent in sounds:
        if out and adjacent and sound == out[-1] and _is_consonant(sound):
            continue
        out.append(sound)
    return tuple(out)


@lru_cache(maxsize=65536)
def phonetic(word: str) -> tuple[str, ...]:
    """The sounds of one normalised word (either script), for skeletons and similarity."""
    script = script_of(word)
    if script == "ar":
        return _arabic_sounds(word)
    if script == "lat":
        return _latin_sounds(word)
    return ()


def _arabic_sounds(word: str) -> tuple[str, ...]:
    sounds: list[tuple[str, bool]] = []
    i, n = 0, len(word)
    while i < n:
        char = word[i]
        first = i == 0
        if word.startswith("تش", i):
            sounds.append(("C", True))
            i += 2
            continue
        if char in _AR_SOUNDS:
            sound = _AR_SOUNDS[char]
            if sound == "H" and i == n - 1 and i > 0:
                sound = "?"  # final ه / ة: "a" or nothing in Latin
            sounds.append((sound, True))
        elif char == "ا":
            sounds.append(("e" if first else "A", True))
        elif char == "ع":
            sounds.append(("'", True))
        elif char == "و":
            sounds.append(("W" if first else "U", True))
        elif char == "ي":
            sounds.append(("Y" if first and n > 1 else "I", True))
        i += 1
    return _collapse(sounds)


def _latin_sounds(word: str) -> tuple[str, ...]:
    sounds: list[tuple[str, bool]] = []
    i, n = 0, len(word)
    last_was_vowel = False
    while i < n:
        first = i == 0
        rest = word[i:]
        digraph = next(((g, s) for g, s in _LAT_DIGRAPHS if rest.startswith(g)), None)
        if digraph is not None:
            sounds.append((digraph[1], not last_was_vowel))
            i += len(digraph[0])
            last_was_vowel = False
            continue
        char = word[i]
        nxt = word[i + 1] if i + 1 < n else ""
        if char in _LAT_VOWELS or char == "w":
            sound, width = _latin_vowel(word, i, first)
            if _is_consonant(sound):
                sounds.append((sound, True))
                last_was_vowel = False
            else:
                sounds.append((sound, True))
                last_was_vowel = True
            i += width
            continue
        if char == "c":
            sound = "S" if nxt in ("e", "i", "y") else "K"
        elif char == "g":
            if nxt == "u" and i + 2 < n and word[i + 2] in "eiy":
                sounds.append(("G", not last_was_vowel))
                i += 2  # gu before e/i: the u is silent (Gueye)
                last_was_vowel = False
                continue
            sound = "J" if nxt in ("e", "i") else "G"
        elif char == "x":
            sounds.append(("K", not last_was_vowel))
            sounds.append(("S", True))
            i += 1
            last_was_vowel = False
            continue
        elif char == "h" and i == n - 1 and i > 0:
            sound = "?"  # final h after a vowel or consonant: Fatimah, Abdellah
        else:
            sound = _LAT_SINGLE.get(char, "")
        if sound:
            sounds.append((sound, not last_was_vowel))
        i += 1
        last_was_vowel = False
    return _collapse(sounds)


def _latin_vowel(word: str, i: int, first: bool) -> tuple[str, int]:
    """The sound of the vowel letter (or w, y) at ``i`` and how many letters it takes."""
    char = word[i]
    pair = word[i:i + 2]
    after = word[i + 2] if i + 2 < len(word) else ""
    nxt = word[i + 1] if i + 1 < len(word) else ""
    if first and char == "w":
        return "W", 1
    if first and char == "y" and nxt in _LAT_VOWELS:
        return "Y", 1
    if first and pair == "ou" and after in "aeiy" and after:
        return "W", 2  # Ouafae = وفاء, Ouahid = واحد
    if char == "w":
        return "u", 1
    if pair in ("ou", "oo", "uu"):
        return "U", 2
    if pair in ("ee", "ii"):
        return "I", 2
    if pair == "aa":
        return "A", 2
    if char == "y":
        return "i", 1
    if char == "o":
        return "u", 1
    if char == "e":
        return "e", 1
    return char, 1  # a, i, u


_MAX_VARIANTS = 12


def _skeleton_variants(sounds: Sequence[str], *, typed: bool = False) -> frozenset[str]:
    """Consonant-class strings of a sound sequence: leading vowel marker, vowels dropped.

    Consonants written apart (with a vowel between, even an unwritten one) stay apart in the
    key: Abdelilah ``ABDLL`` is not Abdellah ``ABDL``. ``typed``: the word is still being
    typed, so a final h is kept ("Moh" is the start of ``MHMD``, not ``M``).
    """
    if not sounds:
        return frozenset()
    lead = "" if _is_consonant(sounds[0]) else "A"
    consonants = [s for s in sounds if _is_consonant(s) or s == "?"]
    # A final H (or the final h/ة) is dropped after another consonant: Fatimah = Fatima = فاطمة.
    if not typed and consonants and consonants[-1] in ("H", "?") and len(consonants) > 1:
        consonants = consonants[:-1]
    options = [list("H" if s == "?" else s) for s in consonants]
    results: list[str] = []
    for combo in product(*options):
        key = lead + "".join(combo)
        if key not in results:
            results.append(key)
        if len(results) >= _MAX_VARIANTS:
            break
    return frozenset(results)


def _consonants(word: str) -> int:
    return sum(1 for s in phonetic(word) if _is_consonant(s))


def _spelling_forms(token: Token) -> tuple[str, ...]:
    """The spellings whose skeletons stand for ``token`` (article and compound variants)."""
    word = token.text
    forms = [word]
    if token.bare:
        forms.append(token.bare)
    if token.script == "ar":
        if word.startswith(_AR_ARTICLE) and len(word) >= 4:
            rest = word[2:]
            forms += [word[1:], rest]
            if rest[0] in _AR_SUN:
                forms.append("ا" + rest)  # the article assimilated: Errahmani, Essaidi
        if word.startswith("عبدال") and len(word) > 6 and word[5] in _AR_SUN:
            forms.append("عبد" + word[5:])  # Abderrahim as well as Abdelrahim (not Abdelilah)
        if word.endswith("اه") and len(word) >= 4:
            forms.append(word[:-1] + "ت")  # -اة said -at: حياة Hayat, نجاة Najat
    elif token.script == "lat":
        match = re.match(r"^abd(?:el|al|ul|oul|il)([^aeiouy].+)$", word)
        if match:
            forms.append("abd" + match.group(1))
        match = re.match(r"^(?:el|al)(.{3,})$", word)
        if match and _consonants(match.group(1)) >= 2:
            forms.append(match.group(1))  # Elidrissi = El Idrissi; not Alaoui (= علوي, no article)
    return tuple(dict.fromkeys(forms))


@lru_cache(maxsize=65536)
def _token_skeletons(token: Token) -> frozenset[str]:
    found: set[str] = set()
    for form in _spelling_forms(token):
        found |= _skeleton_variants(phonetic(form))
    return frozenset(found)


@lru_cache(maxsize=65536)
def typed_skeletons(token: Token) -> frozenset[str]:
    """Skeletons of a word still being typed: their keys start the keys of the whole word."""
    found: set[str] = set()
    for form in _spelling_forms(token):
        found |= _skeleton_variants(phonetic(form), typed=True)
    return frozenset(found)


def skeletons(token: Token | str) -> frozenset[str]:
    """The cross-script keys of one token (a ``Token`` or a single normalised word).

    ``skeletons("محمد") == skeletons("mohamed") == {"MHMD"}``. Empty for words in other
    scripts and for numbers.
    """
    if isinstance(token, str):
        words = name_tokens(token)
        if not words:
            return frozenset()
        token = words[0]
    return _token_skeletons(token)


def _strip_lead(key: str) -> str:
    return key[1:] if key.startswith("A") else key


def _core(token: Token) -> Token:
    """The word without its article (العلوي → علوي, ezzahra → zahra)."""
    if token.bare:
        return Token(token.bare, token.script)
    if token.script == "ar" and token.text.startswith(_AR_ARTICLE) and len(token.text) >= 4:
        return Token(token.text[2:], token.script)
    return token


@lru_cache(maxsize=65536)
def pair_skeletons(first: Token, second: Token) -> frozenset[str]:
    """Keys of two adjacent words written as one: Fatima Zahra, Fatima Ezzahra and فاطمة
    الزهراء all give ``FTMZHR``, as Fatimazahra does; نور الدين gives ``NRLDN`` as
    نورالدين does, and صلاح الدين ``SLHDN`` as Salaheddine (the first word's final h is
    inside the joined word)."""
    if first.script != second.script:
        return frozenset()
    found: set[str] = set()
    core = _core(first)
    for a in sorted(_token_skeletons(core) | typed_skeletons(core)):
        for b in sorted(_token_skeletons(second)):
            tail = _strip_lead(b)
            if a and tail and a[-1] == tail[0]:
                tail = tail[1:]
            found.add(a + tail)
            if len(found) >= _MAX_VARIANTS:
                return frozenset(found)
    return frozenset(found)


# --- 4. phonetic similarity -------------------------------------------------------------------

def _quality(sound: str) -> str | None:
    return None if sound in _WEAK else sound.lower()


def _substitution(a: str, b: str) -> float:
    if a == b:
        return 0.0
    ca, cb = _is_consonant(a), _is_consonant(b)
    if ca and cb:
        return 0.0 if set(a) & set(b) else 1.0
    if a == "?" or b == "?":
        other = b if a == "?" else a
        if other == "?" or (_is_consonant(other) and "H" in other):
            return 0.0
        return 0.1 if other in ("a", "A", "e") else 1.0
    if ca or cb:
        return 1.0
    # two vowels
    qa, qb = _quality(a), _quality(b)
    long_involved = a in _LONG or b in _LONG
    if qa is None or qb is None:
        return 0.4 if long_involved else 0.1
    if qa == qb:
        return 0.0
    return 0.5 if long_involved else 0.3


def _indel(sound: str) -> float:
    if sound == "?":
        return 0.1
    if _is_consonant(sound):
        return 1.0
    if sound in _LONG:
        return 0.5
    if sound in _WEAK:
        return 0.1
    return 0.2


@lru_cache(maxsize=131072)
def phonetic_similarity(a: str, b: str) -> float:
    """How alike two normalised words sound, 0..1 (1: the same sounds).

    A weighted edit distance over ``phonetic`` sounds (see the module docstring for the
    costs), divided by one more than the number of consonants of the longer word.
    """
    sa, sb = phonetic(a), phonetic(b)
    if not sa or not sb:
        return 1.0 if a == b else 0.0
    previous = [0.0]
    for y in sb:
        previous.append(previous[-1] + _indel(y))
    for x in sa:
        current = [previous[0] + _indel(x)]
        for j, y in enumerate(sb, start=1):
            current.append(min(previous[j] + _indel(x), current[j - 1] + _indel(y),
                               previous[j - 1] + _substitution(x, y)))
        previous = current
    consonants = max(sum(1 for s in sa if _is_consonant(s)), sum(1 for s in sb if _is_consonant(s)))
    return max(0.0, 1.0 - previous[-1] / (1 + consonants))


# --- equivalent names -------------------------------------------------------------------------

class NameTable:
    """Curated groups of given names that are the same name although spelled apart.

    Built from ``{group id: [spellings …]}``; each spelling is normalised like any name and
    must be one token. ``groups_of("Youssef")`` → ``{"yusuf"}``.
    """

    def __init__(self, groups: Mapping[str, Iterable[str]] | None = None) -> None:
        self._by_token: dict[str, frozenset[str]] = {}
        building: dict[str, set[str]] = {}
        for group_id, spellings in (groups or {}).items():
            for spelling in spellings:
                for token in name_tokens(spelling)[:1]:
                    for form in token.spellings():
                        building.setdefault(form, set()).add(group_id)
        self._by_token = {k: frozenset(v) for k, v in building.items()}

    def groups_of(self, word: str | Token) -> frozenset[str]:
        token = word if isinstance(word, Token) else next(iter(name_tokens(word)), None)
        if token is None:
            return frozenset()
        found: set[str] = set()
        for form in (*token.spellings(), *_article_free(token)):
            found |= self._by_token.get(form, frozenset())
        return frozenset(found)

    def __len__(self) -> int:
        return len(self._by_token)


def _article_free(token: Token) -> tuple[str, ...]:
    if token.script == "ar" and token.text.startswith(_AR_ARTICLE) and len(token.text) >= 4:
        return (token.text[2:],)
    return ()


EMPTY_TABLE = NameTable()


# --- matching ---------------------------------------------------------------------------------

#: Kinds of token match, strongest first (the search service turns them into reasons).
EXACT, VARIANT, CROSS_SCRIPT, SPELLING, PREFIX, FUZZY, PART = (
    "exact", "variant", "cross_script", "spelling", "prefix", "fuzzy", "part")


@dataclass(frozen=True)
class TokenMatch:
    score: float  # 0..1
    kind: str | None


_NO_MATCH = TokenMatch(0.0, None)


def token_match(query: Token, name: Token, table: NameTable = EMPTY_TABLE, *, prefix: bool = False) -> TokenMatch:
    """How well one query word matches one word of a name, and why.

    Exact spelling 1.0 (0.97 when only the article differs); equal skeletons 0.6–0.9 by
    phonetic similarity (cross-script or another spelling), at least 0.88 for a curated
    equivalent, which alone gives 0.88;
    with ``prefix`` (the word being typed) a start of the word 0.55–0.9; one consonant
    off 0.3–0.6 (a typo), and so are equal skeletons of two names the table knows as
    different names (Mohamed, Mahmoud); matching only the word after a family particle:
    0.9 × that.
    """
    best = _match_words(query, name, table, prefix)
    if best.score < 0.9 and name.parts:
        for part in name.parts:
            inner = _match_words(query, _single(part, name.script), table, prefix)
            if inner.score * 0.9 > best.score:
                best = TokenMatch(round(inner.score * 0.9, 4), PART)
    return best


def _match_words(query: Token, name: Token, table: NameTable, prefix: bool) -> TokenMatch:
    return _cached_match(query, name, table, prefix)


@lru_cache(maxsize=262144)
def _cached_match(query: Token, name: Token, table: NameTable, prefix: bool) -> TokenMatch:
    if query.text == name.text:
        return TokenMatch(1.0, EXACT)
    q_forms, n_forms = set(query.spellings()) | set(_article_free(query)), set(name.spellings()) | set(_article_free(name))
    if q_forms & n_forms:
        return TokenMatch(0.97, EXACT)
    q_groups, n_groups = table.groups_of(query), table.groups_of(name)
    equivalent = bool(q_groups & n_groups)
    # Both names are known, as different names (Mohamed / Mahmoud, Hassan / Hussein): equal
    # skeletons only make them look alike.
    distinct = not equivalent and ((bool(q_groups) and bool(n_groups)) or _gendered_pair(query, name))
    q_keys, n_keys = _token_skeletons(query), _token_skeletons(name)
    sim = max((phonetic_similarity(a, b) for a in q_forms for b in n_forms), default=0.0)
    if q_keys & n_keys and not distinct:
        kind = CROSS_SCRIPT if query.script != name.script else SPELLING
        return TokenMatch(round(max(0.6 + 0.3 * sim, 0.88 if equivalent else 0.0), 4), kind)
    if equivalent:
        return TokenMatch(0.88, VARIANT)
    if prefix:
        found = _prefix_match(query, name, q_forms, n_forms, frozenset() if distinct else n_keys)
        if found is not None:
            return found
    if distinct and q_keys & n_keys or _one_edit_apart(q_keys, n_keys):
        return TokenMatch(round(0.3 + 0.3 * sim, 4), FUZZY)
    return _NO_MATCH


_LAT_CONSONANT_END = set("bcdfgjklmnpqrsvxz")  # not h (Abdellah), t (Hayat = حياة), w, y
_AR_CONSONANT_END = set("بتثجحخدذرزسشصضطظعغفقكلمنڭ")


def _ending(token: Token) -> str:
    """How a word ends, for telling a man's name from the woman's name made of it.

    ``fem``: Latin -a after a consonant (Samira); ``masc``: a consonant (Samir, and the
    French silent e: Amine); ``h``: Arabic ه, which may be a ة (سميرة) or not (عبد الله);
    ``""``: anything else (a vowel).
    """
    word = token.text
    if len(word) < 3:
        return ""
    if token.script == "lat":
        if word[-1] == "a" and word[-2] not in _LAT_VOWELS:
            return "fem"
        if word[-1] in _LAT_CONSONANT_END or (word[-1] == "e" and word[-2] in _LAT_CONSONANT_END):
            return "masc"
    elif token.script == "ar":
        if word[-1] == "ه":
            return "h"
        if word[-1] in _AR_CONSONANT_END:
            return "masc"
    return ""


def _gendered_pair(a: Token, b: Token) -> bool:
    """Samir / Samira, سمير / Samira, Samir / سميرة, سمير / سميرة: the same letters, but a
    man's name and a woman's (the skeleton drops the final vowel that tells them apart)."""
    ends = {_ending(a), _ending(b)}
    if ends == {"fem", "masc"}:
        return a.script == "lat" or b.script == "lat"
    if ends == {"h", "masc"}:
        return True
    return False


def _prefix_match(query: Token, name: Token, q_forms: set[str], n_forms: set[str],
                  n_keys: frozenset[str]) -> TokenMatch | None:
    for qf in q_forms:
        for nf in n_forms:
            if len(qf) >= 1 and nf.startswith(qf):
                return TokenMatch(round(0.55 + 0.35 * len(qf) / len(nf), 4), PREFIX)
    for qk in typed_skeletons(query):
        if len(_strip_lead(qk)) < 2:
            continue
        for nk in n_keys:
            if nk.startswith(qk) and nk != qk:
                return TokenMatch(round(0.45 + 0.3 * len(qk) / len(nk), 4), PREFIX)
    return None


def _one_edit_apart(a_keys: frozenset[str], b_keys: frozenset[str]) -> bool:
    for a in a_keys:
        if len(a) < 3:
            continue
        for b in b_keys:
            if len(b) >= 3 and abs(len(a) - len(b)) <= 1 and _edit_distance_at_most_one(a, b):
                return True
    return False


def _edit_distance_at_most_one(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                                   and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]])
    if len(a) > len(b):
        a, b = b, a
    for i in range(len(b)):
        if b[:i] + b[i + 1:] == a:
            return True
    return False


@dataclass(frozen=True)
class FormMatch:
    """A query matched against one name (a person's Latin name, Arabic name or an alias)."""

    score: float  # 0..1
    quality: float  # mean of the query words' best matches
    coverage: float  # share of the name's words that a query word matched
    kinds: tuple[str, ...]  # the kinds of the word matches, strongest first
    matched: int  # query words matched
    per_query: tuple[float, ...] = ()  # each query word's match score, in query order


def form_match(query: Sequence[Token], name: Sequence[Token], table: NameTable = EMPTY_TABLE, *,
               typing: bool = False) -> FormMatch:
    """Match every query word to at most one word of ``name`` (greedy, best first).

    Two adjacent words on one side may match one word on the other (Fatima Zahra ↔
    Fatimazahra). ``typing``: the last query word may be incomplete. The score is the
    quality, slightly raised by how much of the name was matched:
    ``quality × (0.85 + 0.15 × coverage)``; so a person called only "Mohamed" comes before
    "Mohamed El Alaoui" for the query "Mohamed", and exact spellings before variants.
    """
    return _form_match(tuple(query), tuple(name), table, typing)


@lru_cache(maxsize=65536)
def _form_match(query: tuple[Token, ...], name: tuple[Token, ...], table: NameTable, typing: bool) -> FormMatch:
    n, m = len(query), len(name)
    if n == 0 or m == 0:
        return FormMatch(0.0, 0.0, 0.0, (), 0, (0.0,) * n)
    candidates: list[tuple[float, int, frozenset[int], frozenset[int], str | None]] = []
    for i, q in enumerate(query):
        is_prefix = typing and i == n - 1
        for j, w in enumerate(name):
            match = token_match(q, w, table, prefix=is_prefix)
            if match.score > 0:
                candidates.append((match.score, 1, frozenset({i}), frozenset({j}), match.kind))
    for i in range(n - 1):  # two query words written as one in the name
        keys = pair_skeletons(query[i], query[i + 1])
        for j, w in enumerate(name):
            if keys & _token_skeletons(w):
                sim = phonetic_similarity(query[i].text + query[i + 1].text, w.text) if w.script == query[i].script \
                    else 0.8
                kind = SPELLING if w.script == query[i].script else CROSS_SCRIPT
                candidates.append((round(0.6 + 0.3 * sim, 4), 2, frozenset({i, i + 1}), frozenset({j}), kind))
    for j in range(m - 1):  # one query word written as two in the name
        keys = pair_skeletons(name[j], name[j + 1])
        for i, q in enumerate(query):
            if keys & _token_skeletons(q):
                sim = phonetic_similarity(q.text, name[j].text + name[j + 1].text) if q.script == name[j].script \
                    else 0.8
                kind = SPELLING if q.script == name[j].script else CROSS_SCRIPT
                candidates.append((round(0.6 + 0.3 * sim, 4), 1, frozenset({i}), frozenset({j, j + 1}), kind))
    candidates.sort(key=lambda c: (-c[0], -c[1], -len(c[3])))
    used_q: set[int] = set()
    used_n: set[int] = set()
    per_query = [0.0] * n
    kinds: list[tuple[float, str]] = []
    for score, _width, qs, ns, kind in candidates:
        if qs & used_q or ns & used_n:
            continue
        used_q |= qs
        used_n |= ns
        for i in qs:
            per_query[i] = score
        if kind:
            kinds.append((score, kind))
    quality = sum(per_query) / n
    coverage = len(used_n) / m
    ordered = tuple(dict.fromkeys(k for _s, k in sorted(kinds, key=lambda x: -x[0])))
    score = quality * (0.85 + 0.15 * coverage)
    return FormMatch(round(score, 4), round(quality, 4), round(coverage, 4), ordered, len(used_q),
                     tuple(per_query))
