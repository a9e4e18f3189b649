"""What the domain composes in English, said in the reader's language: a document's
endorsement status, a diff's change words, the procedure's refusals, a report's time window,
casualty figures, the sources' own precision codes and what verifying the record found wrong.

The domain keeps to codes and values (`StatusPart`, `Change`, `ProcedureError.code` with its
`params`, `Casualty`, "acled:2"); each function here takes a `Speaker` (the reader's language,
`i18n.py`) and puts them into words with msgids marked `N_`, numbers and moments in the
language's own writing. Templates call them with `speaker()`, as
`{{ endorsement_text(speaker(), doc.status_parts) }}`; handlers with `speaker(request, services)`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Final

from litestar.plugins.jinja import JinjaTemplateEngine

from truce.application.record import Fault, Problem
from truce.domain.auth import AuthenticationError
from truce.domain.commands import Casualty
from truce.domain.errors import AccessDeniedError, InvalidInputError, ProcedureError, Refusal
from truce.domain.geo.places import Precision
from truce.domain.incidents import ClaimField
from truce.domain.talks_text import Change, StatusKind, StatusPart
from truce.entrypoints.web.i18n import (
    EVENT_LABELS,
    N_,
    Speaker,
    catalogue,
    translate_field_message,
)
from truce.entrypoints.web.procedure_labels import FIELDS, REPLY_STATUSES, STAGES, STEPS

# --- a document's endorsement status -------------------------------------------------------------

_DECIDED: Final[Mapping[str, str]] = {
    StatusKind.ENDORSED: N_("endorsed by %(bodies)s"),
    StatusKind.REJECTED: N_("rejected by %(bodies)s"),
    StatusKind.ABSTAINED: N_("abstention of %(bodies)s"),
}
_NOTES: Final[Mapping[str, str]] = {
    StatusKind.COUNTER_PROPOSAL_ATTACHED: N_("counter-proposal attached"),
    StatusKind.NO_CURRENT_ENDORSEMENT: N_("no endorsement of the current version"),
    StatusKind.NO_ENDORSEMENT_YET: N_("no endorsement yet"),
}


def endorsement_text(say: Speaker, parts: Sequence[StatusPart]) -> str:
    """E.g. "endorsed by Russia, Turkey and Iran; rejected by the opposition; counter-proposal
    attached", in the reader's language (body names stay as the round names them)."""
    current = [_part(say, p) for p in parts if not p.superseded]
    stale = [_part(say, p) for p in parts if p.superseded]
    if stale:
        stale_text = _clauses(say, stale)
        current.append(say.gettext("on a superseded version: %(decisions)s", decisions=stale_text))
    return _clauses(say, current)


def _part(say: Speaker, part: StatusPart) -> str:
    if part.kind in _NOTES:
        return say.gettext(_NOTES[part.kind])
    return say.gettext(_DECIDED[part.kind], bodies=say.names(part.bodies))


def _clauses(say: Speaker, clauses: Iterable[str]) -> str:
    """Clauses one after another, with the language's semicolon."""
    text = ""
    for clause in clauses:
        text = (
            clause if not text else say.gettext("%(first)s; %(second)s", first=text, second=clause)
        )
    return text


# --- a diff between two versions of a text -------------------------------------------------------

CHANGE_LABELS: Final[dict[str, str]] = {
    Change.ADDED: N_("added"),
    Change.REMOVED: N_("removed"),
    Change.CHANGED: N_("changed"),
    Change.RENUMBERED: N_("renumbered"),
    Change.UNCHANGED: N_("unchanged"),
}
# What a run of words did, for readers who do not see the <ins>/<del> styling.
RUN_LABELS: Final[dict[str, str]] = {"insert": N_("inserted"), "delete": N_("deleted")}


def changes_text(say: Speaker, changed: int) -> str:
    return say.ngettext("%(num)s clause changed", "%(num)s clauses changed", changed)


# --- the procedure's refusals --------------------------------------------------------------------

_PLACEHOLDER: Final = re.compile(r"%\((\w+)\)s")
_REFUSALS: Final[Mapping[str, str]] = {
    Refusal.STEP_NOT_FROM_STAGE: N_("“%(step)s” cannot be taken while the case is %(stage)s"),
    Refusal.STEP_BY_A_MEMBER: N_("“%(step)s” is taken by a member, not by the clock"),
    Refusal.STEP_NOT_FOR_ROLES: N_("“%(step)s” is not a step your roles may take"),
    Refusal.NOT_AN_INCIDENT_STEP: N_("“%(step)s” is not taken by an incident's merge or split"),
    Refusal.GATES_SHUT: N_("not yet: %(missing)s"),
    Refusal.VOTE_OUTSIDE_DELIBERATION: N_("votes are cast while the case is under deliberation"),
    Refusal.INVESTIGATION_CLOSED: N_(
        "investigation work is done by monitors and analysts while the case is under investigation"
    ),
    Refusal.REPLY_WINDOW_CLOSED: N_("the reply window closed at %(moment)s"),
    Refusal.REQUEST_NOT_OPEN: N_("this request is %(status)s"),
    Refusal.PROCEDURE_CLOSED: N_("its verification procedure is %(stage)s"),
}


def refusal_text(say: Speaker, error: ProcedureError) -> str:
    """The refusal in the reader's language, its step, stage and moment too; a code this
    table does not know yet is said as the domain said it, in English."""
    msgid = _REFUSALS.get(error.code)
    if msgid is None:
        return str(error)
    params = error.params
    values: dict[str, object] = {}
    if "step" in params:
        values["step"] = say.gettext(STEPS.get(str(params["step"]), str(params["step"])))
    if "stage" in params:
        values["stage"] = say.gettext(STAGES.get(str(params["stage"]), str(params["stage"])))
    if "status" in params:
        values["status"] = say.gettext(
            REPLY_STATUSES.get(str(params["status"]), str(params["status"]))
        )
    if isinstance(params.get("due_at"), datetime):
        values["moment"] = say.moment(params["due_at"])  # type: ignore[arg-type]
    gates = params.get("gates")
    if isinstance(gates, tuple):
        values["missing"] = _clauses(say, (say.gettext(str(gate)) for gate in gates))
    if not set(_PLACEHOLDER.findall(msgid)) <= values.keys():
        return str(error)  # the error lacks a value its words need: say it as it was said
    return say.gettext(msgid, **values)


# --- a report's time, casualties and precision ---------------------------------------------------


def window_text(say: Speaker, start: datetime, end: datetime | None) -> str:
    """When an event happened: a moment, or "between X and Y" (UTC)."""
    if end is None or end == start:
        return say.moment(start)
    return say.gettext(
        "between %(start)s and %(end)s", start=say.moment(start), end=say.moment(end)
    )


CASUALTY_CATEGORIES: Final[dict[str, str]] = {
    "civilians": N_("civilians"),
    "side_a": N_("side A"),
    "side_b": N_("side B"),
    "unknown": N_("unknown"),
    "combatants": N_("combatants"),
    "all": N_("all categories"),
}


def casualty_text(say: Speaker, casualty: Casualty) -> str:
    """E.g. "12 killed (civilians), between 10 and 15"."""
    category = say.gettext(CASUALTY_CATEGORIES.get(casualty.category, casualty.category))
    if casualty.kind == "injured":
        text = say.ngettext(
            "%(num)s injured (%(category)s)",
            "%(num)s injured (%(category)s)",
            casualty.best,
            category=category,
        )
    else:
        text = say.ngettext(
            "%(num)s killed (%(category)s)",
            "%(num)s killed (%(category)s)",
            casualty.best,
            category=category,
        )
    bounds = _bounds(say, casualty.low, casualty.high)
    return say.gettext("%(figure)s, %(range)s", figure=text, range=bounds) if bounds else text


def _bounds(say: Speaker, low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        if low == high:
            return ""
        return say.gettext(
            "between %(low)s and %(high)s", low=say.number(low), high=say.number(high)
        )
    if low is not None:
        return say.gettext("at least %(low)s", low=say.number(low))
    if high is not None:
        return say.gettext("at most %(high)s", high=say.number(high))
    return ""


# The sources' own precision codes as intake stores them (domain/intake.py, intake_sources.py):
# ACLED time_precision and geo_precision, UCDP GED date_prec and where_prec (codebook 19.1).
TIME_PRECISIONS: Final[dict[str, str]] = {
    "acled:1": N_("ACLED: the day is known"),
    "acled:2": N_("ACLED: only the week is known (the date is mid-week)"),
    "acled:3": N_("ACLED: only the month is known (the date is mid-month)"),
    "ucdp:1": N_("UCDP: the exact day is known"),
    "ucdp:2": N_("UCDP: the day lies within a span of 2 to 6 days"),
    "ucdp:3": N_("UCDP: only the week is known"),
    "ucdp:4": N_("UCDP: only the month is known (a span of 8 to 30 days)"),
    "ucdp:5": N_("UCDP: only a span longer than a month is known"),
    "bulletin:day": N_("bulletin: the day is known"),
}
PLACE_PRECISIONS: Final[dict[str, str]] = {
    "acled:1": N_("ACLED: the place itself"),
    "acled:2": N_("ACLED: near the place, or a part of a region"),
    "acled:3": N_("ACLED: only the region (its main town's coordinates)"),
    "ucdp:1": N_("UCDP: the exact location"),
    "ucdp:2": N_("UCDP: within 25 km of a known point"),
    "ucdp:3": N_("UCDP: a second-order administrative unit (district)"),
    "ucdp:4": N_("UCDP: a first-order administrative unit (governorate)"),
    "ucdp:5": N_("UCDP: a linear feature or a larger area"),
    "ucdp:6": N_("UCDP: only the country"),
    "ucdp:7": N_("UCDP: international waters or airspace"),
}
# What a placement's coordinates stand for (domain/geo/places.py), as the map says it.
PRECISION_LABELS: Final[dict[str, str]] = {
    Precision.POINT: N_("exact point"),
    Precision.NEIGHBOURHOOD: N_("neighbourhood"),
    Precision.TOWN: N_("town"),
    Precision.SUBDISTRICT: N_("subdistrict"),
    Precision.DISTRICT: N_("district"),
    Precision.GOVERNORATE: N_("governorate"),
    Precision.COUNTRY: N_("country"),
}


def precision_text(say: Speaker, table: Mapping[str, str], code: str | None) -> str:
    """A source's precision code described, e.g. "ACLED: only the week is known"; a code
    the table does not know is shown as it is."""
    if not code:
        return ""
    msgid = table.get(code.strip().casefold())
    return code if msgid is None else say.gettext(msgid)


def precision_descriptions(say: Speaker) -> dict[str, str]:
    """Every place precision, source code or kind, described: the map's script reads them."""
    tables = {**PLACE_PRECISIONS, **PRECISION_LABELS}
    return {code: say.gettext(msgid) for code, msgid in tables.items()}


# --- claims side by side -------------------------------------------------------------------------


def claim_text(say: Speaker, field: str, value: object) -> str:
    """One report's claim on an incident's page: a time window, a figure, an event type or
    text as the source wrote it; "—" for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, tuple):
        start, end = value
        return window_text(say, start, end)
    if isinstance(value, int):
        return say.number(value)
    text = str(value)
    if field == ClaimField.EVENT_TYPE:
        return say.gettext(EVENT_LABELS.get(text, text))
    return text


def problem_text(say: Speaker, error: object) -> str:
    """What a refused form says on the procedure's pages: a refusal of the procedure, a write
    the policy refuses, a password refused or the fields in error, in the reader's language."""
    if isinstance(error, ProcedureError):
        return refusal_text(say, error)
    if isinstance(error, AccessDeniedError):
        return say.gettext("not allowed")
    if isinstance(error, AuthenticationError):
        return say.gettext("Password refused.")
    if isinstance(error, InvalidInputError):
        gettext = catalogue(say.language).gettext
        return _clauses(
            say,
            (
                f"{field_name(say, e.field)}: {translate_field_message(e.message, gettext)}"
                for e in error.errors
            ),
        )
    return str(error)


# --- what verification of the record found wrong ---------------------------------------------

# The application's Fault codes, with the same placeholders as its English (FAULT_MESSAGES).
_FAULTS: Final[Mapping[str, str]] = {
    Fault.MISPLACED: N_("found where entry %(expected)s belongs"),
    Fault.LEAF_MISMATCH: N_("body does not match its leaf hash"),
    Fault.TREE_MISMATCH: N_("stored tree hashes do not match"),
    Fault.OBJECT_MISSING: N_("the object it describes is missing"),
    Fault.SALT_MISSING: N_("salt is missing"),
    Fault.CONTENT_ALTERED: N_("the %(kind)s content it commits to was altered"),
    Fault.SIGNATURE_INVALID: N_("signature does not verify: %(error)s"),
    Fault.BEYOND_RECORD: N_("is larger than the record"),
    Fault.ROOT_MISMATCH: N_("root does not match the entries"),
    Fault.COSIGNATURE_INVALID: N_("co-signature of %(witness)s does not verify"),
}


def record_problem_text(say: Speaker, problem: Problem) -> str:
    """E.g. "entry 12: body does not match its leaf hash" in the reader's language. The
    numbers are written in the language's way; the other values stay as the record holds
    them: an entry kind, a witness's name, the signature check's own words."""
    number = say.number(problem.at)
    if problem.at_checkpoint:
        where = say.gettext("checkpoint at size %(size)s", size=number)
    else:
        where = say.gettext("entry %(seq)s", seq=number)
    values = {
        name: say.number(value) if isinstance(value, int) else value
        for name, value in problem.values
    }
    what = say.gettext(_FAULTS[problem.fault], **values)
    return say.gettext("%(where)s: %(problem)s", where=where, problem=what)


def field_name(say: Speaker, field: str) -> str:
    """A field of the procedure's forms as its label says it; one not in the table by its name
    (never through the catalogue: a field's name is not a msgid)."""
    label = FIELDS.get(field)
    return field if label is None else say.gettext(label)


def install(engine: JinjaTemplateEngine) -> None:
    engine.engine.globals.update(
        endorsement_text=endorsement_text,
        changes_text=changes_text,
        change_labels=CHANGE_LABELS,
        run_labels=RUN_LABELS,
        window_text=window_text,
        casualty_text=casualty_text,
        precision_text=precision_text,
        time_precisions=TIME_PRECISIONS,
        place_precisions=PLACE_PRECISIONS,
        precision_descriptions=precision_descriptions,
        claim_text=claim_text,
        problem_text=problem_text,
        record_problem_text=record_problem_text,
    )
