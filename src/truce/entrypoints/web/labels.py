"""Labels of the domain's codes shown by the incident, talks, evidence, quarantine and map pages.

Each table maps a code to a msgid (marked with `N_`, so `pybabel extract` finds it); a
template shows `{{ _(band_labels[code]) }}`, or `{{ _(label(band_labels, code)) }}` when the
code might be one the table does not know yet (it is then shown as it is).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from litestar.plugins.jinja import JinjaTemplateEngine

from truce.application.talks import MEDIATORS_LABEL
from truce.domain.evidence import CopyKind, CustodyAction
from truce.domain.geo.zones import ZoneKind
from truce.domain.incidents import Band, IncidentStatus
from truce.domain.procedure import DecisionRule, LapseOutcome
from truce.domain.talks import RelayMode, Stance, TalkFormat
from truce.domain.talks_text import DocumentKind
from truce.entrypoints.web import phrases
from truce.entrypoints.web.i18n import CONFIDENTIALITY_LABELS, N_, SOURCE_KIND_LABELS

BAND_LABELS: Final[dict[str, str]] = {
    Band.SINGLE_SOURCE: N_("single source"),
    Band.CORROBORATED: N_("corroborated"),
    Band.OBSERVED_BY_MONITORS: N_("observed by monitors"),
}
INCIDENT_STATUS_LABELS: Final[dict[str, str]] = {
    IncidentStatus.OPEN: N_("open"),
    IncidentStatus.MERGED: N_("merged"),
    IncidentStatus.SPLIT: N_("split"),
}
RELAY_MODE_LABELS: Final[dict[str, str]] = {
    RelayMode.VERBATIM: N_("verbatim"),
    RelayMode.PARAPHRASE: N_("paraphrase"),
    RelayMode.NOTE: N_("note"),
}
STANCE_LABELS: Final[dict[str, str]] = {
    Stance.ACCEPT: N_("accept"),
    Stance.ACCEPT_WITH_RESERVATION: N_("accept with reservation"),
    Stance.REJECT: N_("reject"),
    Stance.BLOCK: N_("block"),
    Stance.COUNTER: N_("counter"),
}
TALK_FORMAT_LABELS: Final[dict[str, str]] = {
    TalkFormat.DIRECT: N_("direct"),
    TalkFormat.PROXIMITY: N_("proximity"),
}
DOCUMENT_KIND_LABELS: Final[dict[str, str]] = {
    DocumentKind.SINGLE_TEXT: N_("single text"),
    DocumentKind.COUNTER_PROPOSAL: N_("counter-proposal"),
}
DECISION_RULE_LABELS: Final[dict[str, str]] = {
    DecisionRule.UNANIMITY: N_("unanimity"),
    DecisionRule.MAJORITY: N_("majority"),
}
LAPSE_LABELS: Final[dict[str, str]] = {
    LapseOutcome.NOT_ESTABLISHED: N_("the clock determines: not established"),
    LapseOutcome.MARK_OVERDUE: N_("the case stays open, marked overdue"),
}
# An API token's state (domain/auth.py TokenStatus), shown through _(value).
TOKEN_STATUS_LABELS: Final = (N_("active"), N_("expired"), N_("revoked"))
# A delegation's decision on a version of a text (domain/decisions.py, endorsement values).
ENDORSEMENT_LABELS: Final[dict[str, str]] = {
    "endorse": N_("endorse"),
    "reject": N_("reject"),
    "abstain": N_("abstain"),
    "counter_proposal": N_("counter-proposal"),
}
CUSTODY_LABELS: Final[dict[str, str]] = {
    CustodyAction.UPLOADED: N_("uploaded"),
    CustodyAction.VIEWED: N_("viewed"),
    CustodyAction.DOWNLOADED: N_("downloaded"),
    CustodyAction.DERIVED: N_("derived"),
    CustodyAction.TRANSFERRED: N_("transferred"),
}
COPY_LABELS: Final[dict[str, str]] = {
    CopyKind.ORIGINAL: N_("original copy"),
    CopyKind.STRIPPED: N_("stripped copy"),
    CopyKind.THUMBNAIL: N_("thumbnail copy"),
}
# An agreement's zones, as the map's popups and the agreement's page name their kind.
ZONE_KIND_LABELS: Final[dict[str, str]] = {
    ZoneKind.AREA_OF_APPLICATION: N_("area of application"),
    ZoneKind.LINE_OF_CONTACT: N_("line of contact"),
    ZoneKind.PROTECTED_SITE: N_("protected site"),
    ZoneKind.DE_ESCALATION_AREA: N_("de-escalation area"),
    ZoneKind.BUFFER_ZONE: N_("buffer zone"),
    ZoneKind.OTHER: N_("other"),
}
# Who sent a message, when it was the mediators (application/talks.py): the only label of a
# sender that is not a participant's own name.
# The analyst's merge and split forms, as their error summary names them.
ACTION_FIELD_LABELS: Final[dict[str, str]] = {
    "reason": N_("Reason"),
    "other": N_("The other incident"),
    "report_ids": N_("Reports"),
}
SENDER_LABELS: Final[dict[str, str]] = {MEDIATORS_LABEL: N_("the mediators")}


def label(labels: Mapping[str, str], code: object) -> str:
    """The msgid for a code, or the code itself when the table does not know it."""
    text = str(getattr(code, "value", code))
    return labels.get(text, text)


def install(engine: JinjaTemplateEngine) -> None:
    engine.engine.globals.update(
        label=label,
        band_labels=BAND_LABELS,
        incident_status_labels=INCIDENT_STATUS_LABELS,
        relay_mode_labels=RELAY_MODE_LABELS,
        stance_labels=STANCE_LABELS,
        talk_format_labels=TALK_FORMAT_LABELS,
        document_kind_labels=DOCUMENT_KIND_LABELS,
        endorsement_labels=ENDORSEMENT_LABELS,
        custody_labels=CUSTODY_LABELS,
        copy_labels=COPY_LABELS,
        sender_labels=SENDER_LABELS,
        action_field_labels=ACTION_FIELD_LABELS,
        zone_kind_labels=ZONE_KIND_LABELS,
        source_kind_labels=SOURCE_KIND_LABELS,
        confidentiality_labels=CONFIDENTIALITY_LABELS,
        decision_rule_labels=DECISION_RULE_LABELS,
        lapse_labels=LAPSE_LABELS,
    )
    phrases.install(engine)
