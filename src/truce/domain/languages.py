"""The languages the application speaks to its users, and which of them run right to left.

Pure: the codes are BCP 47 primary language subtags, the same tags reports use for the
language of an account (`narrative_lang`).
"""

from __future__ import annotations

from typing import Final

from truce.domain.errors import FieldError, InvalidInputError

DEFAULT_LANGUAGE: Final = "en"
# The order of the language switcher: English first, then by the case's parties and guarantors.
LANGUAGES: Final = ("en", "ar", "ru", "tr", "fa")
# Each language named in itself, as the switcher shows it.
NATIVE_NAMES: Final = {
    "en": "English",
    "ar": "العربية",
    "ru": "Русский",
    "tr": "Türkçe",
    "fa": "فارسی",
}
RIGHT_TO_LEFT: Final = frozenset({"ar", "fa"})


def direction(language: str) -> str:
    """The `dir` of a page in this language: rtl or ltr."""
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"


def supported(tag: str | None) -> str | None:
    """The supported language a tag such as `ar-SY` or `FA` asks for, or None."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else None


def check_language(tag: str) -> str:
    """A language a member may choose, or InvalidInputError naming the field."""
    language = supported(tag)
    if language is None or language != tag.strip().lower():
        choices = ", ".join(LANGUAGES)
        raise InvalidInputError([FieldError("language", f"must be one of: {choices}")])
    return language
