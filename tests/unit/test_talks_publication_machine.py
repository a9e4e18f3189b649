"""S11: confidentiality only goes down through an approved publication. A state machine over
the talks service (memory store) posts, relays, edits, endorses, requests publications,
approves, refuses and tries to publish in any order; after every step, what observers and the
public can read is exactly what was published with every approval the round names."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from cast import CAST
from support import FixedClock, seed_cast
from talk_helpers import PASSWORD, open_astana, talks_service
from truce.adapters.memory.store import MemoryUnitOfWorkFactory
from truce.application.registry import RegistryService
from truce.domain.errors import InvalidInputError, NotFoundError
from truce.domain.talks import RelayMode, SubjectKind

APPROVERS = ("guarantor_ru", "guarantor_tr", "guarantor_ir")


class PublicationMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        uow = MemoryUnitOfWorkFactory()
        clock = FixedClock()
        self.cast = seed_cast(RegistryService(uow, clock))
        self.talks = talks_service(uow, clock, self.cast)
        self.astana = open_astana(self.talks, self.cast)
        self.document = self.talks.create_document(
            self.cast["un_mediator"], self.astana.round.id, "Statement", ["Clause one."]
        )
        self.version = 1
        self.requests: dict[str, set[str]] = {}
        self.refused: set[str] = set()
        self.published: set[str] = set()

    @rule(text=st.sampled_from(["one", "two"]))
    def post_and_relay(self, text: str) -> None:
        message = self.talks.post_message(
            self.cast["gov_liaison"], self.astana.of("gov").id, f"Message {text}."
        )
        self.talks.relay(
            self.cast["un_mediator"], message.id, self.astana.of("opp").id, RelayMode.VERBATIM
        )

    @rule()
    def edit(self) -> None:
        clause = self.talks.document_view(CAST["un_mediator"], self.document.id).version.clauses[0]
        self.version = self.talks.edit_document(
            self.cast["un_mediator"],
            self.document.id,
            self.version,
            [(clause.id, f"Clause {self.version + 1}.")],
        ).number

    @rule()
    def endorse(self) -> None:
        self.talks.endorse(
            self.cast["guarantor_ru"], PASSWORD, self.document.id, self.version, "endorse"
        )

    @rule()
    def request(self) -> None:
        publication = self.talks.request_publication(
            self.cast["un_mediator"],
            SubjectKind.DOCUMENT_VERSION,
            f"{self.document.id}/{self.version}",
        )
        self.requests[publication.id] = set()

    @rule(data=st.data(), who=st.sampled_from(APPROVERS), refuse=st.booleans())
    def decide(self, data: st.DataObject, who: str, refuse: bool) -> None:
        if not self.requests:
            return
        publication = data.draw(st.sampled_from(sorted(self.requests)))
        if who in self.requests[publication] or publication in self.published:
            return
        self.talks.approve(self.cast[who], PASSWORD, publication, "refuse" if refuse else "approve")
        self.requests[publication].add(who)
        if refuse:
            self.refused.add(publication)

    @rule(data=st.data())
    def publish(self, data: st.DataObject) -> None:
        if not self.requests:
            return
        publication = data.draw(st.sampled_from(sorted(self.requests)))
        allowed = (
            self.requests[publication] == set(APPROVERS)
            and publication not in self.refused
            and publication not in self.published
        )
        try:
            self.talks.publish(self.cast["un_mediator"], publication)
        except InvalidInputError:
            assert not allowed
            return
        assert allowed
        self.published.add(publication)

    @invariant()
    def observers_see_what_was_published_and_nothing_else(self) -> None:
        for viewer in (CAST["observer_us"], CAST["monitor"]):
            feed = self.talks.publications(viewer)
            assert {v.publication.id for v in feed} == self.published
            for number in range(1, self.version + 1):
                subject = any(
                    v.publication.subject_id == f"{self.document.id}/{number}" for v in feed
                )
                try:
                    self.talks.document_view(viewer, self.document.id, number)
                except NotFoundError:
                    assert not subject
                else:
                    assert subject
            channel = self.astana.of("opp").id
            try:
                self.talks.channel_view(viewer, channel)
            except NotFoundError:
                pass
            else:
                raise AssertionError("a channel became visible without a publication")


def test_confidentiality_goes_down_only_through_an_approved_publication():
    run_state_machine_as_test(
        PublicationMachine, settings=settings(max_examples=15, stateful_step_count=12)
    )
