"""Search text: one normal form for what is indexed and what is asked, so that spellings of
the same Arabic or Persian word meet, whatever the writer's habits.

Arabic writers vary in ways that do not change the word: short vowels and other diacritics
(usually left out), tatweel (a stretching stroke), hamza on or under alef, taa marbuta written
as haa, alef maqsura written as yaa, and Persian keyboards' kaf and yaa. All of them are
folded before a text is indexed and before a query is matched. Latin, Cyrillic and Turkish
text is case-folded. Pure: standard library only.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from truce.domain.reports import Report

# Fathatan .. sukun, superscript alef, and the Quranic marks: never part of the letters.
_DIACRITICS: Final = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL: Final = "\u0640"
_FOLD: Final = str.maketrans(
    {
        "أ": "ا",  # alef with hamza above
        "إ": "ا",  # alef with hamza below
        "آ": "ا",  # alef with madda
        "ٱ": "ا",  # alef wasla
        "ؤ": "و",  # hamza on waw
        "ئ": "ي",  # hamza on yaa
        "ة": "ه",  # taa marbuta
        "ى": "ي",  # alef maqsura
        "ی": "ي",  # Persian yaa
        "ک": "ك",  # Persian kaf
    }
)
_ARABIC_BLOCK: Final = re.compile("[\u0600-\u06ff]")
# Words: letters and digits of any script (no punctuation, so a query cannot inject syntax).
_WORD: Final = re.compile(r"\w+")
_ASCII_WORDS: Final = bytes(
    byte if not chr(byte).isascii() or chr(byte).isalnum() or chr(byte) == "_" else ord(" ")
    for byte in range(256)
)
# Queries longer than this many words are cut: nobody types more, and each word costs a join.
MAX_QUERY_TERMS: Final = 8
MAX_QUERY_LENGTH: Final = 200


def normalise(text: str) -> str:
    """The searchable form of a text: folded, one space between words."""
    if text.isascii():
        # The same result, cheaper (every imported row passes here): NFKC leaves ASCII as it
        # is, no Arabic mark or letter is ASCII, and ASCII case-folds as it lowers. In ASCII
        # a word character is a letter, a digit or "_": every other byte becomes a space.
        return " ".join(text.lower().encode().translate(_ASCII_WORDS).decode().split())
    folded = unicodedata.normalize("NFKC", text).casefold()
    # Every mark, tatweel and letter folded below lies in the Arabic block: a text without
    # any (most imported rows, whose quotes and dashes are not ASCII) skips the three passes.
    if _ARABIC_BLOCK.search(folded):
        folded = _DIACRITICS.sub("", folded).replace(_TATWEEL, "").translate(_FOLD)
    return " ".join(_WORD.findall(folded))


def query_terms(query: str) -> list[str]:
    """The words of a query in normal form, without repeats, at most MAX_QUERY_TERMS."""
    terms: list[str] = []
    for word in normalise(query[:MAX_QUERY_LENGTH]).split():
        if word not in terms:
            terms.append(word)
    return terms[:MAX_QUERY_TERMS]


def matches(document: str, terms: list[str]) -> bool:
    """Every term begins some word of the (normalised) document: the rule both stores
    follow (FTS5 prefix queries, PostgreSQL `:*`)."""
    words = document.split()
    return bool(terms) and all(any(w.startswith(t) for w in words) for t in terms)


def report_document(report: Report) -> str:
    """What a report is found by, in normal form: who told it, where, who is accused of what,
    the account and its translations."""
    content = report.content
    parts = [
        content.source_name,
        content.place_text or "",
        content.event_type.replace("_", " "),
        content.perpetrator or "",
        content.target or "",
        content.narrative,
        *(translation.text for translation in content.translations),
    ]
    return normalise(" ".join(parts))
