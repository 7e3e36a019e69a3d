"""What the index holds for a case (``record_keys``) and how typed text becomes lookups (``plan``)."""

from __future__ import annotations

from app.domain.checks import new_id
from app.domain.codec import to_fields
from app.domain.person import Document, Person
from app.domain.values import DocumentKind
from app.search_keys import fuzzy_lookups, plan, record_keys
from app.names import name_tokens

CASE = {"cas_CaseNumber": "HMY-2026-0DE0AB-00042", "hmy_BorderPost": "TNG-MED"}


def lookups(text: str, **kw) -> list[tuple[str, list[str]]]:
    return [(t.kind, [lk.key + ("*" if lk.prefix else "") for lk in t.lookups]) for t in plan(text, **kw).terms]


def test_record_keys_cover_names_numbers_and_attributes() -> None:
    person = Person(new_id(), first_name="Fatima Zahra", second_name="El Alaoui", first_name_ar="فاطمة الزهراء",
                    other_names=("Zahra Ben Ali",), nationality="MA", mobile_phone="+212612345678",
                    documents=(Document(DocumentKind.PASSPORT, "AB-123 456"),))
    keys = record_keys(CASE, to_fields(person))
    assert {"t:fatima", "t:zahra", "t:elalaoui", "t:alaoui", "t:فاطمه", "t:الزهرا", "t:زهرا", "t:benali", "t:ali",
            "k:FTM", "k:ZHR", "k:FTMZHR", "g:fatima", "f:fatima zahra elalaoui", "f:فاطمه الزهرا",
            "c:HMY20260DE0AB00042", "s:42", "d:AB123456", "p:212612345678", "p:612345678", "n:MA",
            "b:TNG-MED"} <= keys
    assert all(k[1] == ":" and k[0] in "tkgfcsdpnb" for k in keys)
    assert record_keys({}, {}) == frozenset()  # nothing known, nothing indexed (and no error)


def test_identifiers_are_read_whole() -> None:
    assert lookups("HMY-2026-0DE0AB-00042 ") == [("case_number", ["c:HMY20260DE0AB00042"])]
    assert lookups("hmy-2026-0de") == [("case_number", ["c:HMY20260DE*"])]
    assert lookups("+212 612 34 56 78") == [("phone", ["p:212612345678*"])]
    assert lookups("06 12 34 56 78") == [("phone", ["p:612345678*"])]
    assert lookups("AB123456") == [("document", ["d:AB123456*"])]
    assert lookups("42") == [("number", ["s:42"])]
    assert lookups("0000") == [("number", ["s:0", "d:0000*"])]  # never the prefix "p:" of every phone
    assert lookups("TNG-MED") == [("post", ["b:TNG-MED"])]


def test_name_words_look_up_spellings_keys_groups_and_the_word_being_typed() -> None:
    (term,) = plan("Youssef", typing=False).terms
    keys = [lk.key for lk in term.lookups]
    assert {"t:youssef", "k:YSF", "g:yusuf", "f:youssef"} <= set(keys) and not any(lk.prefix for lk in term.lookups)
    (typed,) = plan("yous").terms
    assert {lk.key for lk in typed.lookups if lk.prefix} == {"t:yous", "k:YS"}
    assert plan("yous ").terms[0].lookups == plan("yous", typing=False).terms[0].lookups  # a space ends it


def test_mixed_queries_and_what_is_left_out() -> None:
    kinds = lookups("TNG-MED Diallo SN", typing=False)
    assert [k for k, _ in kinds] == ["post", "name", "name"]
    assert "n:SN" in kinds[2][1]  # two letters that are a country code: also the nationality
    assert "k:DLSN" in kinds[1][1]  # two words written as one
    assert lookups("Mo7amed", typing=False)[0][0] == "name"  # Arabizi, not a document
    assert not plan("") and not plan("  — / ") and not plan(None)  # type: ignore[arg-type]
    assert [t.text for t in plan("a ali", typing=False).terms] == ["ali"]  # one letter, not typed: ignored


def test_typo_neighbours_are_one_consonant_away() -> None:
    (token,) = name_tokens("Mohamed")
    keys = {lk.key for lk in fuzzy_lookups(token)}
    assert {"k:MHND", "k:MMD", "k:MHMMD", "k:HMMD", "k:MHDM"} <= keys  # wrong, missing, extra, swapped
    assert "k:MHMD" not in keys
    (short,) = name_tokens("Ali")
    assert fuzzy_lookups(short) == ()  # two consonants or less: too many neighbours to mean anything
