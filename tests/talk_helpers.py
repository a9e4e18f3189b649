"""Helpers for tests of the talks: the service over a store with the cast's server-held keys,
and the Astana round opened by the UN mediator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from decision_helpers import ORIGIN, SECRET
from support import SequentialIds
from truce.adapters.canonical import canonical_json
from truce.adapters.member_signing import Ed25519KeyPairs
from truce.application.auth import SecretBox
from truce.application.decisions import DecisionService, default_objects
from truce.application.member_keys import SEAL_PURPOSE, MemberKeyService
from truce.application.ports import UnitOfWorkFactory
from truce.application.talks import RoundDraft, TalksService, talk_objects
from truce.domain.access import ChannelAudience
from truce.domain.errors import InvalidInputError
from truce.domain.parties import Member
from truce.domain.talks import Channel, Round, TalkFormat

PASSWORD = "the right password"

LABELS = {
    "gov": "the government",
    "opp": "the opposition",
    "ru": "Russia",
    "tr": "Turkey",
    "ir": "Iran",
    "un": "the UN envoy",
    "kz": "Kazakhstan",
}

ASTANA = RoundDraft(
    title="International meeting on Syria",
    place="Astana, Kazakhstan (hotel venue)",
    starts_on=date(2017, 1, 23),
    ends_on=date(2017, 1, 24),
    format=TalkFormat.PROXIMITY,
    party_ids=("gov", "opp"),
    guarantor_ids=("ru", "tr", "ir"),
    observer_ids=("us", "ae"),
    approver_ids=("ru", "tr", "ir"),
    other_mediator_ids=("kz",),
    labels=LABELS,
)


class Reauth:
    """Stands in for AuthService.reauthenticate: only PASSWORD passes."""

    def reauthenticate(
        self, member_id: str, password: str, address: str, totp_code: str | None = None
    ) -> None:
        del member_id, address, totp_code
        if password != PASSWORD:
            raise InvalidInputError([])


def talks_service(uow_factory: UnitOfWorkFactory, clock, cast: dict[str, Member]) -> TalksService:
    keys = MemberKeyService(uow_factory, clock, Ed25519KeyPairs(), SecretBox(SECRET, SEAL_PURPOSE))
    for member in cast.values():
        keys.generate(member.id)
    decisions = DecisionService(
        uow_factory,
        clock,
        canonical_json,
        Ed25519KeyPairs(),
        keys,
        Reauth(),
        ORIGIN,
        {**default_objects(canonical_json), **talk_objects(canonical_json)},
    )
    return TalksService(uow_factory, clock, SequentialIds("talk"), decisions)


@dataclass(frozen=True)
class Opened:
    round: Round
    channels: dict[str, Channel]

    def of(self, body_id: str) -> Channel:
        return self.channels[body_id]


def open_astana(talks: TalksService, cast: dict[str, Member]) -> Opened:
    round_ = talks.open_round(cast["un_mediator"], ASTANA)
    with talks.uow() as uow:
        channels = uow.talks.channels(round_.id)
    by_body = {
        (c.body_id if c.audience == ChannelAudience.DELEGATION else str(c.audience)): c
        for c in channels
    }
    return Opened(round_, by_body)
