"""The interface in five languages: catalogues, the language of each request, and the
template functions that translate and format.

Catalogues are gettext `.po` files under `src/truce/locale/<lang>/LC_MESSAGES/messages.po`
(docs/i18n.md says how to add a string). They are compiled in memory the first time a
language is asked for, so a fresh clone needs no build step and no generated `.mo` file is
ever committed.

The language of a request, first match wins: `?lang=` on the URL (a one-page override), the
language the signed-in member chose (stored on the account), the `truce_lang` cookie the
switcher sets for visitors who are not signed in, the browser's Accept-Language, English.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_time
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from jinja2 import pass_context
from jinja2.runtime import Context
from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine

from truce.bootstrap import Services
from truce.domain.access import ANONYMOUS
from truce.domain.auth import AuthenticationError
from truce.domain.confidentiality import Confidentiality
from truce.domain.languages import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    NATIVE_NAMES,
    direction,
    supported,
)
from truce.domain.parties import Role
from truce.domain.reports import EventType, SourceKind
from truce.entrypoints.web.auth import Viewer, client_address, resolve_viewer

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"
DOMAIN = "messages"
LANG_COOKIE = "truce_lang"
# The cookie outlives a session: a visitor's language is no secret and needs no renewal.
LANG_COOKIE_SECONDS = 365 * 24 * 3600
_STATE_LANGUAGE = "truce_language"
_STATE_VIEWER = "truce_viewer"

AnyRequest = Request[Any, Any, Any]


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark a string in Python for extraction; templates translate it where it is shown."""
    return message


@cache
def catalogue(language: str) -> NullTranslations:
    """The compiled catalogue of a language; English (the source language) needs none."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == DEFAULT_LANGUAGE or not po.is_file():
        return NullTranslations()
    with po.open("rb") as source:
        messages = read_po(source, locale=language)
    compiled = BytesIO()
    write_mo(compiled, messages)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


# --- which language ---------------------------------------------------------------------------

_ACCEPT_ITEM = re.compile(
    r"^\s*([A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([^,;\s]*))?\s*$"
)


def from_accept_language(header: str | None) -> str | None:
    """The supported language the browser prefers most, or None."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")[:20]):
        match = _ACCEPT_ITEM.match(item)
        if match is None:
            continue
        try:
            weight = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        language = supported(match.group(1))
        if language is not None and weight > 0:
            ranked.append((-weight, position, language))
    return min(ranked)[2] if ranked else None


def choose_language(
    *,
    override: str | None,
    member_choice: str | None,
    cookie: str | None,
    accept_language: str | None,
) -> str:
    """The order of precedence of the module docstring, as one pure function."""
    for candidate in (override, member_choice, cookie):
        language = supported(candidate)
        if language is not None:
            return language
    return from_accept_language(accept_language) or DEFAULT_LANGUAGE


def viewer_of(request: AnyRequest, services: Services) -> Viewer:
    """Who is looking at the page (cached per request): the chrome of every page needs it,
    whether or not the handler asked for a viewer. A broken token reads as nobody here; the
    handler itself refuses it."""
    cached = request.state.get(_STATE_VIEWER)
    if isinstance(cached, Viewer):
        return cached
    try:
        viewer = resolve_viewer(request, services)
    except AuthenticationError:
        viewer = Viewer(None, ANONYMOUS, client_address(request))
    request.state[_STATE_VIEWER] = viewer
    return viewer


def remember_viewer(request: AnyRequest, viewer: Viewer) -> None:
    """The viewer the handler's dependency resolved: the page chrome reuses it."""
    request.state[_STATE_VIEWER] = viewer


def language_of(request: AnyRequest, services: Services) -> str:
    cached = request.state.get(_STATE_LANGUAGE)
    if isinstance(cached, str):
        return cached
    member = viewer_of(request, services).member
    language = choose_language(
        override=request.query_params.get("lang"),
        member_choice=member.language if member else None,
        cookie=request.cookies.get(LANG_COOKIE),
        accept_language=request.headers.get("accept-language"),
    )
    request.state[_STATE_LANGUAGE] = language
    return language


def translator(request: AnyRequest, services: Services) -> NullTranslations:
    return catalogue(language_of(request, services))


# --- formatting ---------------------------------------------------------------------------------


def format_moment(moment: datetime, language: str) -> str:
    """A date and time in UTC, the way the language writes dates; hours always 00-23."""
    at = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    day = format_date(at, "medium", locale=language)
    return f"{day} {format_time(at, 'HH:mm', tzinfo=UTC, locale=language)}"


def format_day(moment: datetime, language: str) -> str:
    return format_date(moment, "long", locale=language)


def format_number(value: float, language: str) -> str:
    """Digits and separators of the language (Persian uses its own digits)."""
    return format_decimal(value, locale=language, numbering_system="default")


@dataclass(frozen=True, slots=True)
class Speaker:
    """One reader's language: its catalogue and its ways of writing numbers, moments and lists.
    The phrase functions (`phrases.py`) say what the domain composes in English with it."""

    language: str

    def gettext(self, msgid: str, **values: object) -> str:
        text = catalogue(self.language).gettext(msgid)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, count: int, **values: object) -> str:
        """The plural form for `count`; `%(num)s` is the count in the language's digits."""
        text = catalogue(self.language).ngettext(singular, plural, count)
        return text % {"num": self.number(count), **values}

    def number(self, value: float) -> str:
        return format_number(value, self.language)

    def moment(self, value: datetime) -> str:
        return format_moment(value, self.language)

    def names(self, names: Iterable[str]) -> str:
        """ "A, B and C" as the language writes a list."""
        items = list(names)
        return format_list(items, locale=self.language) if items else ""


def speaker(request: AnyRequest, services: Services) -> Speaker:
    return Speaker(language_of(request, services))


# --- validation messages ------------------------------------------------------------------------

# The domain writes field errors in English (domain/reports.py); these are the ones a form can
# show, marked for translation. Placeholders become named variables.
_FIELD_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), message)
    for pattern, message in (
        (r"^is required$", N_("is required")),
        (r"^must be text$", N_("must be text")),
        (r"^must be a number$", N_("must be a number")),
        (r"^must not be negative$", N_("must not be negative")),
        (
            r"^must be at most (?P<limit>\d+) characters$",
            N_("must be at most %(limit)s characters"),
        ),
        (r"^must be one of: (?P<choices>.+)$", N_("must be one of: %(choices)s")),
        (
            r"^must be between (?P<low>-?[\d.]+) and (?P<high>-?[\d.]+)$",
            N_("must be between %(low)s and %(high)s"),
        ),
        (
            r"^must be between 1 \(confirmed\) and 6 \(cannot be judged\)$",
            N_("must be between 1 (confirmed) and 6 (cannot be judged)"),
        ),
        (r"^must be an ISO 8601 date and time", N_("must be a date and time")),
        (
            r"^must include a time zone offset",
            N_("must include a time zone offset, e.g. Z or +03:00"),
        ),
        (r"^lies in the future$", N_("lies in the future")),
        (r"^is one of (?P<choices>.+)$", N_("is one of %(choices)s")),
        (r"^names no account$", N_("names no account")),
        (r"^is not a date and time$", N_("is not a date and time")),
        (r"^must not be before occurred_from$", N_("must not be before the start time")),
        (r"^latitude and longitude go together$", N_("latitude and longitude go together")),
        (r"^give a place name or coordinates$", N_("give a place name or coordinates")),
        (r"^must be a language tag", N_("must be a language tag such as ar, en or fa-IR")),
        # The incident, talks and evidence pages' own checks.
        (r"^is required: say why$", N_("is required: say why")),
        (r"^must be one of (?P<choices>.+)$", N_("must be one of %(choices)s")),
        (r"^must be a date as YYYY-MM-DD$", N_("must be a date as YYYY-MM-DD")),
        (r"^must be yes or no$", N_("must be yes or no")),
        (r"^must be another incident$", N_("must be another incident")),
        (
            r"^name some, not all, of the incident's reports$",
            N_("name some, not all, of the incident's reports"),
        ),
        (r"^must be a version number$", N_("must be a version number")),
        (r"^is empty$", N_("is empty")),
        (
            r"^is larger than the limit of (?P<limit>\d+) bytes$",
            N_("is larger than the limit of %(limit)s bytes"),
        ),
        (
            r"^is of a type not accepted \(by its content\)$",
            N_("is of a type not accepted (by its content)"),
        ),
        (r"^is an image of a type not accepted$", N_("is an image of a type not accepted")),
        (r"^is an image that cannot be read$", N_("is an image that cannot be read")),
        (
            r"^is markup \(HTML or SVG\) with scripts or active content$",
            N_("is markup (HTML or SVG) with scripts or active content"),
        ),
        (r"^is an Office file with macros$", N_("is an Office file with macros")),
        # The verification procedure's panel: its forms and the checks of what they send.
        (r"^is not one of the choices$", N_("is not one of the choices")),
        (r"^must be a party to the agreement$", N_("must be a party to the agreement")),
        (r"^is not a known actor$", N_("is not a known actor")),
        (r"^is not an active monitor$", N_("is not an active monitor")),
        (r"^must be reports of this incident$", N_("must be reports of this incident")),
        (
            r"^not clauses of the agreement: (?P<clauses>.+)$",
            N_("not clauses of the agreement: %(clauses)s"),
        ),
        (r"^say what the monitors found$", N_("say what the monitors found")),
        (
            r"^name what could not be observed, and why$",
            N_("name what could not be observed, and why"),
        ),
        (
            r"^a report with coverage gaps is partly observed$",
            N_("a report with coverage gaps is partly observed"),
        ),
        (
            r"^what was not observed yields nothing conclusive$",
            N_("what was not observed yields nothing conclusive"),
        ),
        (
            r"^each gap names the area or time it concerns$",
            N_("each gap names the area or time it concerns"),
        ),
        (r"^this member has no signing key$", N_("this member has no signing key")),
        # The operator's account and procedure forms, and the enrolment page.
        (r"^must not be empty$", N_("must not be empty")),
        (r"^is taken$", N_("is taken")),
        (r"^use at most (?P<limit>\d+) characters$", N_("use at most %(limit)s characters")),
        (r"^use at least (?P<limit>\d+) characters$", N_("use at least %(limit)s characters")),
        (r"^no spaces or control characters$", N_("no spaces or control characters")),
        (r"^names no known body$", N_("names no known body")),
        (r"^choose the body the member belongs to$", N_("choose the body the member belongs to")),
        (r"^a member holds at least one role$", N_("a member holds at least one role")),
        (r"^unknown role (?P<role>.+)$", N_("unknown role %(role)s")),
        (
            r"^(?P<roles>.+) cannot be held in a (?P<kind>\w+) body$",
            N_("%(roles)s cannot be held in a body of kind %(kind)s"),
        ),
        (r"^must differ from the username$", N_("must differ from the username")),
        (
            r"^the demo password is public; choose another$",
            N_("the demo password is public; choose another"),
        ),
        (r"^the two passwords differ$", N_("the two passwords differ")),
        (
            r"^must be a whole number from (?P<low>\d+) to (?P<high>\d+)$",
            N_("must be a whole number from %(low)s to %(high)s"),
        ),
        (
            r"^cannot exceed the (?P<count>\d+) guarantors the agreement names$",
            N_("cannot exceed the %(count)s guarantors the agreement names"),
        ),
        (
            r"^is the one in force already; nothing changed$",
            N_("is the one in force already; nothing changed"),
        ),
        # An analyst's merge or split that the verification procedure refuses
        # (application/incidents.py): the stage is said in the reader's language too.
        (
            r"^cannot merge into this: its verification procedure is (?P<stage>[a-z_ ]+)$",
            N_("cannot merge into this: its verification procedure is %(stage)s"),
        ),
        (
            r"^cannot be merged: merge cannot be taken from (?P<stage>[a-z_ ]+)$",
            N_("cannot be merged: its verification procedure is %(stage)s"),
        ),
        (
            r"^cannot split: split cannot be taken from (?P<stage>[a-z_ ]+)$",
            N_("cannot split: its verification procedure is %(stage)s"),
        ),
    )
)
# Values of a field error that are codes with a label: a procedure's stage.
_TRANSLATED_VALUES = frozenset({"stage"})


def translate_field_message(message: str, gettext: Callable[[str], str]) -> str:
    """A field error in the reader's language; one the catalogue does not know stays English."""
    for pattern, msgid in _FIELD_MESSAGES:
        match = pattern.match(message)
        if match is not None:
            values = {
                name: gettext(value.replace("_", " ")) if name in _TRANSLATED_VALUES else value
                for name, value in match.groupdict().items()
            }
            return gettext(msgid) % values
    return message


# --- labels of the domain's codes ----------------------------------------------------------------

EVENT_LABELS: dict[str, str] = {
    EventType.BATTLE: N_("battle"),
    EventType.EXPLOSION_REMOTE_VIOLENCE: N_("explosion or remote violence"),
    EventType.VIOLENCE_AGAINST_CIVILIANS: N_("violence against civilians"),
    EventType.STRATEGIC_DEVELOPMENT: N_("strategic development"),
    EventType.SHELLING: N_("shelling"),
    EventType.AIR_STRIKE: N_("air strike"),
    EventType.HEAVY_WEAPONS_MOVEMENT: N_("heavy weapons movement"),
    EventType.HUMANITARIAN_OBSTRUCTION: N_("humanitarian obstruction"),
    EventType.ATTACK_ON_PROTECTED_INFRASTRUCTURE: N_("attack on protected infrastructure"),
    EventType.INCURSION: N_("incursion"),
    EventType.PROTESTS: N_("protests"),
    EventType.RIOTS: N_("riots"),
    EventType.OTHER: N_("other"),
}
SOURCE_KIND_LABELS: dict[str, str] = {
    SourceKind.PARTY_LIAISON: N_("party liaison"),
    SourceKind.FIELD_MONITOR: N_("field monitor"),
    SourceKind.GUARANTOR_CENTRE: N_("guarantor centre"),
    SourceKind.NEWS: N_("news"),
    SourceKind.DATASET: N_("dataset"),
    SourceKind.SENSOR: N_("sensor"),
}
CONFIDENTIALITY_LABELS: dict[str, str] = {
    Confidentiality.SUBMITTER: N_("my side only"),
    Confidentiality.MECHANISM: N_("the mechanism"),
    Confidentiality.GUARANTORS: N_("the guarantors"),
    Confidentiality.PUBLIC: N_("everyone (public)"),
}
ROLE_LABELS: dict[str, str] = {
    Role.PARTY_LIAISON: N_("party liaison"),
    Role.GUARANTOR_DELEGATE: N_("guarantor delegate"),
    Role.MEDIATOR: N_("mediator"),
    Role.MONITOR: N_("monitor"),
    Role.ANALYST: N_("analyst"),
    Role.OBSERVER: N_("observer"),
    Role.OPERATOR: N_("operator"),
}
# The report form's fields, as the error summary names them.
FIELD_LABELS: dict[str, str] = {
    "source_kind": N_("Kind of source"),
    "source_name": N_("Source name"),
    "reliability": N_("Reliability (A–F)"),
    "credibility": N_("Credibility (1–6)"),
    "occurred_from": N_("From (UTC)"),
    "occurred_to": N_("To (UTC)"),
    "place_text": N_("Place"),
    "latitude": N_("Latitude"),
    "longitude": N_("Longitude"),
    "event_type": N_("Type of event"),
    "perpetrator": N_("Alleged perpetrator"),
    "target": N_("Target"),
    "killed": N_("Killed"),
    "injured": N_("Injured"),
    "narrative": N_("Account"),
    "narrative_lang": N_("Language of the account"),
    "confidentiality": N_("Who may read it"),
    "observer_latitude": N_("Observer latitude"),
    "observer_longitude": N_("Observer longitude"),
    "observer_bearing": N_("Bearing to the event (degrees from true north)"),
    "observer_distance_m": N_("Distance to the event (metres)"),
    "observer_weapon": N_("Weapon seen or heard"),
    "observer_sensor": N_("Sensor"),
}


# Codes templates show through _(value): the audit screen's outcomes.
OUTCOME_LABELS = (N_("denied"), N_("allowed"), N_("all"))


def labelled(labels: dict[str, str]) -> list[tuple[str, str]]:
    """(value, msgid) pairs for a select; the template translates the msgid."""
    return list(labels.items())


# --- templates -----------------------------------------------------------------------------------


class _TemplateLanguage:
    """The template functions of one app: each reads the request from the template context."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def language(self, context: Context) -> str:
        request = context.get("request")
        if not isinstance(request, Request):
            return DEFAULT_LANGUAGE
        viewer = context.get("viewer")
        if isinstance(viewer, Viewer) and _STATE_VIEWER not in request.state:
            remember_viewer(request, viewer)
        return language_of(request, self._services)

    @pass_context
    def gettext(self, context: Context, message: str) -> str:
        return catalogue(self.language(context)).gettext(message)

    @pass_context
    def ngettext(self, context: Context, singular: str, plural: str, count: int) -> str:
        return catalogue(self.language(context)).ngettext(singular, plural, count)

    @pass_context
    def speaker(self, context: Context) -> Speaker:
        return Speaker(self.language(context))

    @pass_context
    def page_lang(self, context: Context) -> str:
        return self.language(context)

    @pass_context
    def page_dir(self, context: Context) -> str:
        return direction(self.language(context))

    @pass_context
    def field_message(self, context: Context, message: str) -> str:
        return translate_field_message(message, catalogue(self.language(context)).gettext)

    @pass_context
    def moment(self, context: Context, value: datetime | None) -> str:
        return "" if value is None else format_moment(value, self.language(context))

    @pass_context
    def day(self, context: Context, value: datetime | None) -> str:
        return "" if value is None else format_day(value, self.language(context))

    @pass_context
    def number(self, context: Context, value: float | None) -> str:
        return "" if value is None else format_number(value, self.language(context))


def install(engine: JinjaTemplateEngine, services: Services) -> None:
    """Jinja's i18n extension with gettext callables that translate into the request's
    language, `page_lang()` / `page_dir()` for <html>, the language switcher's data, labels
    of the domain's codes, and the locale-aware filters `moment`, `day` and `number`."""
    env = engine.engine
    env.add_extension("jinja2.ext.i18n")
    functions = _TemplateLanguage(services)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        functions.gettext, functions.ngettext, newstyle=True
    )
    env.globals.update(
        page_lang=functions.page_lang,
        page_dir=functions.page_dir,
        speaker=functions.speaker,
        field_message=functions.field_message,
        languages=[(code, NATIVE_NAMES[code], direction(code)) for code in LANGUAGES],
        event_labels=EVENT_LABELS,
        role_labels=ROLE_LABELS,
        field_labels=FIELD_LABELS,
    )
    env.filters.update(moment=functions.moment, day=functions.day, number=functions.number)
