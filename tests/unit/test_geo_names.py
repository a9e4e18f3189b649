"""Place names as keys: Arabic normalised without merging distinct names, and the Latin
transliterations reports use matched to one another."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from truce.domain.geo.names import Tier, exact_key, name_keys, normalise_arabic


def shared_tier(a: str, b: str) -> Tier | None:
    ka, kb = name_keys(a), name_keys(b)
    return next((tier for tier in Tier if ka[tier] & kb[tier]), None)


@pytest.mark.parametrize(
    ("written", "plain"),
    [
        ("عَيْنُ الفِيجَة", "عين الفيجه"),  # vowel marks, taa marbuta
        ("درعـــا", "درعا"),  # tatweel
        ("إدلب", "ادلب"),  # alef with hamza below
        ("أتارب", "اتارب"),
        ("آل", "ال"),
        ("مصطفى", "مصطفي"),  # alef maqsura
        ("رؤوف", "رووف"),  # hamza on waw
        ("\u200fحلب\u200e", "حلب"),  # bidi marks
        ("ﺣﻠﺐ", "حلب"),  # presentation forms
        ("کفر", "كفر"),  # Persian kaf
        ("٢٠١٧", "2017"),
    ],
)
def test_arabic_spelling_variants_fold_to_one_form(written, plain):
    assert normalise_arabic(written) == plain


@pytest.mark.parametrize(
    ("a", "b"),
    [("قدسيا", "كدسيا"), ("صوران", "سوران"), ("ضمير", "ظمير"), ("طيبة", "تيبة"), ("حماة", "هماة")],
)
def test_letters_that_change_the_name_are_kept_apart(a, b):
    assert exact_key(a) != exact_key(b)
    assert shared_tier(a, b) is None


@pytest.mark.parametrize(
    ("a", "b", "tier"),
    [
        ("Deir-ez-Zor", "Deir ez Zor", Tier.EXACT),
        ("Dar'a", "Dara", Tier.EXACT),  # apostrophe
        ("Dar'a", "Daraa", Tier.VARIANT),
        ("Deir ez-Zor", "Deir Ezzor", Tier.VARIANT),  # article grown onto the noun
        ("al-Bab", "El Bab", Tier.VARIANT),  # al- / el-
        ("As-Safira", "Safira", Tier.VARIANT),
        ("Ar-Raqqa", "Raqa", Tier.VARIANT),  # doubled letters
        ("Qousseir", "Qusseir", Tier.VARIANT),  # ou / u
        ("Sheikh Maqsoud", "Shaykh Maqsud", Tier.VARIANT),  # ei / ay
        ("Ḩamāh", "Hamah", Tier.EXACT),  # diacritics of transliteration
        ("‘Ayn al Fījah", "Ayn al-Fijah", Tier.EXACT),
        ("Idleb", "Idlib", Tier.SKELETON),
        ("Homs", "Hims", Tier.SKELETON),
    ],
)
def test_transliterations_meet_at_the_expected_tier(a, b, tier):
    assert shared_tier(a, b) == tier


def test_different_places_share_no_key():
    assert shared_tier("Aleppo", "Idleb") is None
    assert shared_tier("Homs", "Hama") is None


def test_an_empty_name_has_no_keys():
    assert all(not keys for keys in name_keys(" - ").values())


@given(st.text(max_size=40))
def test_normalising_twice_changes_nothing(text):
    once = exact_key(text)
    assert exact_key(once) == once


@given(
    st.text(alphabet="ابتثجحخدذرزسشصضطظعغفقكلمنهوي ", min_size=1, max_size=20),
    st.sampled_from(["\u064e", "\u064f", "\u0650", "\u0651", "\u0652", "\u0640"]),
)
def test_marks_and_tatweel_never_change_an_arabic_key(word, mark):
    marked = "".join(ch + mark if ch != " " else ch for ch in word)
    assert exact_key(marked) == exact_key(word)
