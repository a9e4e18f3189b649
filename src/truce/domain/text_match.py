"""Text similarity across Arabic and English, for correlating reports.

Place names are what an Arabic headline and an English report share, and their spellings
differ ("Ain al-Fijah", "Ein el Fijeh", "عين الفيجة"). Both scripts are reduced to a consonant
skeleton in Latin letters: Arabic letters map to the consonant an English transliteration
writes for them; vowels, long-vowel letters (ا و ي ى), hamza, ayn and diacritics are dropped,
digraphs (kh, sh, th, dh, gh) become one letter, doubled letters collapse. Similarity is the
overlap of character trigrams of the skeleton tokens.

Pure: standard library only.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Arabic letter -> the Latin consonant of its usual transliteration ("" drops it).
_ARABIC = {
    "ب": "b", "ت": "t", "ث": "t", "ج": "j", "ح": "h", "خ": "k", "د": "d", "ذ": "d",
    "ر": "r", "ز": "z", "س": "s", "ش": "s", "ص": "s", "ض": "d", "ط": "t", "ظ": "z",
    "ع": "", "غ": "g", "ف": "f", "ق": "k", "ك": "k", "ل": "l", "م": "m", "ن": "n",
    "ه": "h", "ة": "", "و": "", "ي": "", "ى": "", "ا": "", "أ": "", "إ": "", "آ": "",
    "ٱ": "", "ء": "", "ؤ": "", "ئ": "", "پ": "b", "چ": "j", "ڤ": "f", "گ": "k",
}  # fmt: skip
_DIGRAPHS = (("kh", "k"), ("sh", "s"), ("th", "t"), ("dh", "d"), ("gh", "g"), ("ch", "j"))
_LATIN = str.maketrans({"q": "k", "c": "k", "x": "k", "p": "b", "v": "f", "g": "g"})
_DROP = re.compile(r"[aeiouyw'`’‘ʿʾ\-]")
_TOKEN = re.compile(r"[^\W\d_]+")
_REPEAT = re.compile(r"(.)\1+")
# Words too common in reports to say anything about which event is meant.
_STOP = frozenset({
    "the", "of", "in", "on", "at", "and", "to", "by", "from", "near", "with", "a", "an",
    "was", "were", "who", "all", "one", "are", "has", "had", "his", "her", "its", "say",
    "she", "two", "ago", "any", "off", "out", "own", "see", "saw", "use", "via", "way",
    "how", "why", "now", "new", "few", "per", "our", "yet", "too", "day", "due",
    "في", "من", "على", "الى", "إلى", "عن", "مع",
})  # fmt: skip
MIN_SKELETON = 2
SHORT_WORD = 3


def skeleton(word: str) -> str:
    """The consonant skeleton of one word, in either script."""
    if any("\u0600" <= ch <= "\u06ff" for ch in word):
        if word.startswith("ال") and len(word) > 3:  # noqa: PLR2004 - the article and a letter
            word = word[2:]
        latin = "".join(_ARABIC.get(ch, "") for ch in word)
    else:
        folded = unicodedata.normalize("NFKD", word.casefold())
        latin = "".join(ch for ch in folded if not unicodedata.combining(ch))
        latin = latin.removeprefix("al").removeprefix("el") if len(latin) > 4 else latin  # noqa: PLR2004
        # A final "ah"/"eh" writes the ta marbuta, which the Arabic skeleton drops.
        if len(latin) > 3 and latin[-1] == "h" and latin[-2] in "aeiou":  # noqa: PLR2004
            latin = latin[:-1]
        for pair, single in _DIGRAPHS:
            latin = latin.replace(pair, single)
        latin = _DROP.sub("", latin.translate(_LATIN))
    return _REPEAT.sub(r"\1", latin)


@lru_cache(maxsize=65_536)
def _word_grams(word: str) -> frozenset[str]:
    skel = skeleton(word)
    if len(skel) < MIN_SKELETON:
        # A short name ("Bab", "Ein", "Issa") keeps its one consonant, or places like al-Bab
        # would leave nothing to find; two-letter words ("al", "is") say nothing.
        return frozenset({f"#{skel}#"}) if skel and len(word) >= SHORT_WORD else frozenset()
    padded = f"#{skel}#"
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def grams(text: str | None) -> frozenset[str]:
    """The trigrams of a text's consonant skeletons, stop words left out."""
    if not text:
        return frozenset()
    found: set[str] = set()
    for word in _TOKEN.findall(text):
        lowered = word.casefold()
        if lowered not in _STOP:
            found |= _word_grams(lowered)
    return frozenset(found)


def overlap(small: frozenset[str], large: frozenset[str]) -> float:
    """How much of the smaller set the larger contains (0..1); 0 when either is empty."""
    if not small or not large:
        return 0.0
    if len(small) > len(large):
        small, large = large, small
    return len(small & large) / len(small)
