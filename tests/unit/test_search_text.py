"""Search text: spellings of one Arabic word meet; queries carry no syntax."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from truce.domain.search import MAX_QUERY_TERMS, matches, normalise, query_terms


@pytest.mark.parametrize(
    ("variant", "plain"),
    [
        ("عَيْنُ الفِيجَةِ", "عين الفيجه"),  # diacritics, taa marbuta
        ("عيــــن الفيجة", "عين الفيجه"),  # tatweel
        ("إدلب", "ادلب"),  # hamza under alef
        ("أريحا", "اريحا"),  # hamza above alef
        ("آمن", "امن"),  # madda
        ("مستشفى", "مستشفي"),  # alef maqsura
        ("مؤسسة", "موسسه"),  # hamza on waw
        ("سوريّة", "سوريه"),  # shadda
        ("کشته‌شده", "كشته شده"),  # Persian kaf, zero-width non-joiner splits
    ],
)
def test_arabic_spellings_fold_to_one_form(variant, plain):
    assert normalise(variant) == plain


def test_latin_and_cyrillic_are_case_folded_and_punctuation_dropped():
    assert normalise("Wadi BARADA, (Rif Dimashq)!") == "wadi barada rif dimashq"
    assert normalise("Обстрел ДАРАЯ") == "обстрел дарая"


def test_a_query_is_words_only_without_repeats_and_bounded():
    assert query_terms('"barada" OR * NEAR(ادلب) barada') == ["barada", "or", "near", "ادلب"]
    assert len(query_terms(" ".join(f"w{i}" for i in range(20)))) == MAX_QUERY_TERMS
    assert query_terms("  ,;  ") == []


def test_every_term_must_begin_a_word_of_the_document():
    document = normalise("Shelling of عين الفيجة pumping station")
    assert matches(document, query_terms("الفيجة shell"))
    assert matches(document, query_terms("pump"))
    assert not matches(document, query_terms("station madaya"))
    assert not matches(document, [])


@given(st.text(max_size=80))
def test_normal_form_is_stable_and_has_no_query_syntax(text):
    once = normalise(text)
    assert normalise(once) == once
    assert not set(once) & set('"*():^-+')


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_text_splits_into_the_words_a_regex_finds(text):
    # normalise's ASCII path translates bytes instead of running the \w+ regex: the same words.
    assert normalise(text) == " ".join(re.findall(r"\w+", text.lower()))
