"""What crosses the HTTP boundary, as msgspec structs. Input fields are loosely typed on
purpose: the domain's parser checks them all and names every bad field at once."""

from __future__ import annotations

from datetime import datetime

import msgspec

from truce.domain.agreements import Agreement
from truce.domain.parties import Actor, Body
from truce.domain.reports import Report


class ReportIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    source_kind: str | None = None
    source_name: str | None = None
    reliability: str | None = None
    credibility: int | None = None
    occurred_from: str | None = None
    occurred_to: str | None = None
    place_text: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    event_type: str | None = None
    perpetrator: str | None = None
    target: str | None = None
    killed: int | None = None
    injured: int | None = None
    narrative: str | None = None
    narrative_lang: str | None = None
    confidentiality: str | None = None
    agreement_id: str | None = None
    # A client-chosen key; the Idempotency-Key header may carry it instead.
    idempotency_key: str | None = None


class SourceOut(msgspec.Struct, kw_only=True):
    kind: str
    name: str
    reliability: str
    credibility: int


class ReportOut(msgspec.Struct, kw_only=True):
    id: str
    agreement_id: str
    filed_at: datetime
    source: SourceOut
    occurred_from: datetime
    occurred_to: datetime | None
    place_text: str | None
    latitude: float | None
    longitude: float | None
    event_type: str
    perpetrator: str | None
    target: str | None
    killed: int | None
    injured: int | None
    narrative: str
    narrative_lang: str
    confidentiality: str

    @classmethod
    def of(cls, report: Report) -> ReportOut:
        c = report.content
        return cls(
            id=report.id,
            agreement_id=report.agreement_id,
            filed_at=report.filed_at,
            source=SourceOut(
                kind=c.source_kind,
                name=c.source_name,
                reliability=c.reliability,
                credibility=c.credibility,
            ),
            occurred_from=c.occurred_from,
            occurred_to=c.occurred_to,
            place_text=c.place_text,
            latitude=c.latitude,
            longitude=c.longitude,
            event_type=c.event_type,
            perpetrator=c.perpetrator,
            target=c.target,
            killed=c.killed,
            injured=c.injured,
            narrative=c.narrative,
            narrative_lang=c.narrative_lang,
            confidentiality=c.confidentiality.value,
        )


class ReportList(msgspec.Struct, kw_only=True):
    items: list[ReportOut]
    # Pass as `after` to read the next page; null on the last page.
    next: str | None
    total: int


class BodyOut(msgspec.Struct, kw_only=True):
    id: str
    kind: str
    name: str
    names: dict[str, str]

    @classmethod
    def of(cls, body: Body) -> BodyOut:
        return cls(id=body.id, kind=body.kind.value, name=body.name, names=dict(body.names))


class AliasOut(msgspec.Struct, kw_only=True):
    text: str
    lang: str


class ActorOut(msgspec.Struct, kw_only=True):
    id: str
    name: str
    kind: str
    party_id: str | None
    excluded: bool
    aliases: list[AliasOut]

    @classmethod
    def of(cls, actor: Actor) -> ActorOut:
        return cls(
            id=actor.id,
            name=actor.name,
            kind=actor.kind.value,
            party_id=actor.party_id,
            excluded=actor.excluded,
            aliases=[AliasOut(text=a.text, lang=a.lang) for a in actor.aliases],
        )


class AgreementOut(msgspec.Struct, kw_only=True):
    id: str
    version: int
    title: str
    entry_into_force: datetime
    party_ids: list[str]
    guarantor_ids: list[str]
    mediator_ids: list[str]
    observer_ids: list[str]
    excluded_actor_ids: list[str]
    summary: str

    @classmethod
    def of(cls, agreement: Agreement) -> AgreementOut:
        return cls(
            id=agreement.id,
            version=agreement.version,
            title=agreement.title,
            entry_into_force=agreement.entry_into_force,
            party_ids=list(agreement.party_ids),
            guarantor_ids=list(agreement.guarantor_ids),
            mediator_ids=list(agreement.mediator_ids),
            observer_ids=list(agreement.observer_ids),
            excluded_actor_ids=list(agreement.excluded_actor_ids),
            summary=agreement.summary,
        )


class FieldErrorOut(msgspec.Struct, kw_only=True):
    field: str
    message: str


class ErrorOut(msgspec.Struct, kw_only=True):
    detail: str
    errors: list[FieldErrorOut] = msgspec.field(default_factory=list)
