"""The interface's languages: every string a template or handler shows is in the catalogue,
every language translates every one of them, and a request gets the language it should."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from truce.domain.errors import InvalidInputError
from truce.domain.geo.zones import ZoneKind
from truce.domain.languages import LANGUAGES, check_language, direction, supported
from truce.entrypoints.web.i18n import (
    LOCALE_DIR,
    catalogue,
    choose_language,
    format_moment,
    format_number,
    from_accept_language,
    translate_field_message,
)
from truce.entrypoints.web.labels import ZONE_KIND_LABELS

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [language for language in LANGUAGES if language != "en"]
PLACEHOLDER = re.compile(r"%\(\w+\)s")
PLACEHOLDER_NAME = re.compile(r"%\((\w+)\)s")


def _found() -> list[str | tuple[str, ...]]:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = extract_from_dir(str(ROOT / "src" / "truce"), method_map, options_map)
    return [message for _, _, message, _, _ in found]


def _extracted() -> set[str]:
    return {message if isinstance(message, str) else message[0] for message in _found()}


def _catalogue(language: str):
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


@pytest.fixture(scope="module")
def extracted() -> set[str]:
    return _extracted()


@pytest.fixture(scope="module")
def extracted_plurals() -> set[tuple[str, ...]]:
    """The (singular, plural) msgids of ngettext calls, in code and templates."""
    return {message[:2] for message in _found() if isinstance(message, tuple)}


def test_the_template_lists_every_string_the_code_marks(extracted):
    with (LOCALE_DIR / "messages.pot").open("rb") as pot:
        template = {_singular(m.id) for m in read_po(pot) if m.id}
    assert extracted - template == set(), "run pybabel extract (docs/i18n.md)"
    assert template - extracted == set(), "the template names strings no longer used"


def _singular(msgid: str | tuple[str, ...]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_language_translates_every_string(language, extracted):
    catalogue_ = _catalogue(language)
    translated = {_singular(m.id): m.string for m in catalogue_ if m.id}
    missing = sorted(extracted - translated.keys())
    assert missing == [], f"{language}: run pybabel update, then translate {missing[:5]}"
    empty = sorted(
        msgid
        for msgid, text in translated.items()
        if not text or (isinstance(text, tuple) and not all(text))
    )
    assert empty == [], f"{language}: untranslated {empty[:5]}"
    fuzzy = [m.id for m in catalogue_ if m.id and m.fuzzy]
    assert fuzzy == [], f"{language}: fuzzy entries need a translator's look: {fuzzy[:5]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_plural_entries_fill_every_form_of_the_language(language, extracted_plurals):
    """An ngettext msgid has as many forms as the language's plural rule (Arabic six,
    Russian three, Turkish and Persian one), every one translated."""
    catalogue_ = _catalogue(language)
    plurals = {m.id: m.string for m in catalogue_ if m.id and isinstance(m.id, tuple)}
    assert extracted_plurals - plurals.keys() == set(), f"{language}: run pybabel update"
    for msgid, forms in plurals.items():
        assert isinstance(forms, tuple), (language, msgid)
        assert len(forms) == catalogue_.num_plurals, (language, msgid, len(forms))
        assert all(form.strip() for form in forms), (language, msgid, forms)


def test_the_catalogues_know_the_plural_rule_of_each_language():
    assert {language: _catalogue(language).num_plurals for language in TRANSLATED} == {
        "ar": 6, "ru": 3, "tr": 1, "fa": 1,
    }  # fmt: skip


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_every_placeholder(language):
    for message in _catalogue(language):
        if not message.id:
            continue
        if isinstance(message.id, str):
            assert sorted(PLACEHOLDER.findall(message.string)) == sorted(
                PLACEHOLDER.findall(message.id)
            ), (language, message.id)
            continue
        # A plural form may leave the count out where the word says it ("قتيلان", two
        # killed), never add one; the language's last, most general form keeps them all.
        known = set().union(*(_placeholders(text) for text in message.id))
        forms = message.string
        for form in forms:
            assert _placeholders(form) <= known, (language, message.id, form)
        assert _placeholders(forms[-1]) == known, (language, message.id)


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("count", [0, 1, 2, 3, 11, 100, 1234])
def test_every_plural_form_formats_with_its_values(language, count):
    translations = catalogue(language)
    for message in _catalogue(language):
        if message.id and isinstance(message.id, tuple):
            text = translations.ngettext(message.id[0], message.id[1], count)
            values = dict.fromkeys(PLACEHOLDER_NAME.findall(message.id[1]), "X")
            assert "%(" not in text % values, (language, message.id, count)


def test_catalogues_compile_at_start_and_translate():
    assert catalogue("ar").gettext("Sign in") == "تسجيل الدخول"
    assert catalogue("ru").gettext("Sign in") == "Войти"
    assert catalogue("tr").gettext("Sign in") == "Giriş yap"
    assert catalogue("fa").gettext("Sign in") == "ورود"
    assert catalogue("en").gettext("Sign in") == "Sign in"


def test_arabic_and_persian_run_right_to_left():
    assert [direction(language) for language in LANGUAGES] == ["ltr", "rtl", "ltr", "ltr", "rtl"]


def test_the_override_beats_the_members_choice_which_beats_the_cookie_and_the_browser():
    choose = choose_language
    assert choose(override="ar", member_choice="ru", cookie="tr", accept_language="fa") == "ar"
    assert choose(override=None, member_choice="ru", cookie="tr", accept_language="fa") == "ru"
    assert choose(override=None, member_choice=None, cookie="tr", accept_language="fa") == "tr"
    assert choose(override=None, member_choice=None, cookie=None, accept_language="fa") == "fa"
    assert choose(override="xx", member_choice=None, cookie="<b>", accept_language=None) == "en"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ar-SY,ar;q=0.9,en;q=0.8", "ar"),
        ("de-DE,de;q=0.9,ru;q=0.5,en;q=0.4", "ru"),
        ("en;q=0.2, tr", "tr"),
        ("fa-IR", "fa"),
        ("de, fr", None),
        ("ar;q=0", None),
        ("*", None),
        ("", None),
        (";;;,q=abc,ar;q=x", None),
    ],
)
def test_the_browsers_preference_is_read_by_weight(header, expected):
    assert from_accept_language(header) == expected


def test_a_member_chooses_only_a_language_the_interface_speaks():
    assert check_language("fa") == "fa"
    assert supported("AR-sy") == "ar"
    with pytest.raises(InvalidInputError):
        check_language("de")
    with pytest.raises(InvalidInputError):
        check_language("ar-SY")


def test_dates_and_numbers_follow_the_language():
    moment = datetime(2017, 1, 2, 5, 0, tzinfo=UTC)
    assert format_moment(moment, "en") == "Jan 2, 2017 05:00"
    assert "янв" in format_moment(moment, "ru")
    assert "Oca" in format_moment(moment, "tr")
    assert format_number(1234, "en") == "1,234"
    assert format_number(1234, "ru") == "1\u00a0234"
    assert format_number(1234, "fa") == "1٬234"  # Persian separator


def test_field_errors_of_the_domain_are_translated_with_their_figures():
    arabic = catalogue("ar").gettext
    assert translate_field_message("is required", arabic) == "مطلوب"
    assert translate_field_message("must be between -90 and 90", arabic) == (
        "يجب أن يكون بين -90 و90"
    )
    assert translate_field_message("something new", arabic) == "something new"


def test_a_merge_the_procedure_refuses_is_said_with_its_stage_in_the_language():
    arabic = catalogue("ar").gettext
    said = translate_field_message("cannot be merged: merge cannot be taken from published", arabic)
    assert said == "لا يمكن دمجها: إجراء التحقق الخاص بها: " + arabic("published")
    into = "cannot merge into this: its verification procedure is under deliberation"
    assert translate_field_message(into, arabic).endswith(arabic("under deliberation"))
    assert translate_field_message(into, lambda text: text) == into


def test_every_zone_kind_has_a_label_said_in_every_language():
    """The map's popups and the agreement's page name a zone's kind with these."""
    assert set(ZONE_KIND_LABELS) == {kind.value for kind in ZoneKind}
    for language in ("ar", "ru", "tr", "fa"):
        gettext = catalogue(language).gettext
        assert all(gettext(msgid) != msgid for msgid in ZONE_KIND_LABELS.values()), language
