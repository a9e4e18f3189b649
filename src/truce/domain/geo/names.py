"""Place names as keys: Arabic normalisation and Latin transliteration variants.

Reports spell the same place in Arabic with or without vowel marks, and in a dozen Latin
transliterations (Dar'a, Daraa, Deraa; Deir ez-Zor, Deir Ezzor). Each name is turned into a
few keys of rising looseness; two names match at the tightest key they share.

Arabic: marks that never change a name go (short vowels, shadda, sukun, tatweel, bidi
controls), spelling variants of one letter fold (alef forms, hamza seats, taa marbuta,
alef maqsura, Persian kaf and yeh), and letters that make another name stay apart
(qaf and kaf, sad and sin, dad and za, ta and taa, ha and haa): folding those would merge
places that are distinct.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from enum import IntEnum

# Harakat, tanwin, shadda, sukun, superscript alef, Quranic marks.
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
# Tatweel (a stretch, not a letter) and invisible controls: ZWNJ, ZWJ, LRM, RLM, ALM, bidi.
_INVISIBLE = re.compile("[\u0640\u200b-\u200f\u061c\u202a-\u202e\u2066-\u2069\ufeff]")
_ARABIC_LETTER_FOLDS = str.maketrans(
    {
        "أ": "ا",  # alef with hamza above
        "إ": "ا",  # alef with hamza below
        "آ": "ا",  # alef with madda
        "ٱ": "ا",  # alef wasla
        "ؤ": "و",  # hamza on waw
        "ئ": "ي",  # hamza on yeh
        "ة": "ه",  # taa marbuta
        "ى": "ي",  # alef maqsura
        "ی": "ي",  # Persian yeh, typed on Persian keyboards
        "ک": "ك",  # Persian kaf
        "٠": "0",
        "١": "1",
        "٢": "2",
        "٣": "3",
        "٤": "4",
        "٥": "5",
        "٦": "6",
        "٧": "7",
        "٨": "8",
        "٩": "9",
    }
)
_ARABIC_PUNCTUATION = str.maketrans({"،": " ", "؛": " ", "؟": " ", "ـ": ""})
# Letters, not marks or tatweel (which normalisation removes): a stray mark does not make
# Latin text Arabic. Presentation forms become these letters under NFKC.
_ARABIC_LETTER = re.compile("[\u0620-\u063f\u0641-\u064a\u066e-\u06d3\u06fa-\u06ff\u0750-\u077f]")
_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w\s]")
# Apostrophes and the ayn/hamza signs of transliteration (Dar'a, ‘Ayn, Ma`arrat).
_APOSTROPHES = re.compile("['`´ʹʻʼʽʾʿ‘’′]")
# Articles written apart once hyphens are spaces: al-Bab, el Bab, ad-Dana, Deir ez-Zor.
_ARTICLES = frozenset(
    {"al", "el", "il", "ul", "ad", "ed", "adh", "ar", "er", "as", "es", "ash", "esh", "at", "et"}
    | {"ath", "az", "ez", "an", "en"}
)
# An article grown onto its noun: Ezzor, Assweida, Arraqqa, Addana (a + doubled sun letter).
_FUSED_ARTICLE = re.compile(r"^(?:a|e)([tdrzsnl])\1(?=\w{2})")
# "al" grown onto a noun whose first letter is not a sun letter: Elfijeh, Alhasakeh.
_FUSED_AL = re.compile(r"^(?:al|el)(?=\w{4})")
_LATIN_DIGRAPHS = (
    ("ou", "u"),  # French: Houla, Qousseir
    ("oo", "u"),
    ("ee", "i"),
    ("ei", "ay"),  # Deir / Dayr, Sheikh / Shaykh
    ("ey", "ay"),
    ("ai", "ay"),
    ("dj", "j"),  # French: Djisr
    ("ch", "sh"),  # French: Cheikh
    ("aa", "a"),
)
_DOUBLED = re.compile(r"(\w)\1+")
_ARABIC_PREFIXES = ("مركز ",)  # "centre of": OCHA names a district's seat sub-district so


class Tier(IntEnum):
    """How loose a key is: a match at a tighter tier is worth more."""

    EXACT = 0
    VARIANT = 1
    SKELETON = 2


def is_arabic(text: str) -> bool:
    return _ARABIC_LETTER.search(unicodedata.normalize("NFKC", text)) is not None


def normalise_arabic(text: str) -> str:
    """Arabic text with marks, tatweel and controls removed and one-letter spelling variants
    folded; letters that distinguish names are kept."""
    text = unicodedata.normalize("NFKC", text)  # presentation forms to base letters
    text = _INVISIBLE.sub("", _ARABIC_MARKS.sub("", text))
    text = text.translate(_ARABIC_LETTER_FOLDS).translate(_ARABIC_PUNCTUATION)
    text = _NON_WORD.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def normalise_latin(text: str) -> str:
    """Casefolded, without diacritics (ā, ḩ, ş), apostrophes, or punctuation."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = _APOSTROPHES.sub("", stripped.casefold())
    stripped = _NON_WORD.sub(" ", stripped.replace("_", " "))
    return _SPACES.sub(" ", stripped).strip()


def exact_key(text: str) -> str:
    # Compatibility forms first, so the script test sees letters, not presentation forms.
    text = unicodedata.normalize("NFKC", text)
    # Latin letters inside an Arabic name are casefolded as in a Latin one.
    if _ARABIC_LETTER.search(text) is None:
        return normalise_latin(text)
    return normalise_arabic(text).casefold()


def name_keys(text: str) -> dict[Tier, frozenset[str]]:
    """The keys of one name at each tier (empty sets when the name has nothing to key)."""
    keys = {tier: frozenset[str]() for tier in Tier}
    keys.update(iter_keys(text))
    return keys


def iter_keys(text: str) -> Iterator[tuple[Tier, frozenset[str]]]:
    """The keys tier by tier, tightest first, each computed only when asked for: most
    look-ups stop at the first."""
    exact = exact_key(text)
    if not exact:
        return
    yield Tier.EXACT, frozenset({exact})
    if is_arabic(exact):
        variants = _arabic_variants(exact)
        yield Tier.VARIANT, variants
        yield Tier.SKELETON, variants
        return
    variants = _latin_variants(exact)
    yield Tier.VARIANT, variants
    # A single consonant keys nothing.
    yield Tier.SKELETON, frozenset(s for s in map(_skeleton, variants) if len(s) >= 2)  # noqa: PLR2004


def _arabic_variants(exact: str) -> frozenset[str]:
    """Without the article on each word and without the spaces between words."""
    stem = exact
    for prefix in _ARABIC_PREFIXES:
        stem = stem.removeprefix(prefix)
    words = [w[2:] if w.startswith("ال") and len(w) > 3 else w for w in stem.split()]  # noqa: PLR2004 - keep "ال" + one letter whole
    return frozenset({"".join(stem.split()), "".join(words)})


def _latin_variants(exact: str) -> frozenset[str]:
    words = [w for w in exact.split() if w not in _ARTICLES] or exact.split()
    plain = [_fold_latin(w) for w in words]
    unfused = [_fold_latin(_FUSED_AL.sub("", _FUSED_ARTICLE.sub(r"\1", w))) for w in words]
    return frozenset({"".join(plain), "".join(unfused)})


def _fold_latin(word: str) -> str:
    for old, new in _LATIN_DIGRAPHS:
        word = word.replace(old, new)
    return _DOUBLED.sub(r"\1", word)


def _skeleton(variant: str) -> str:
    """Consonants only, q and k one letter: what survives every vowel spelling."""
    consonants = re.sub("[aeiouyw]", "", variant.replace("q", "k").replace("kh", "h"))
    return _DOUBLED.sub(r"\1", consonants)
