"""The talks on both stores (memory and SQL): rounds and channels, relays (S9), positions,
the single text and its diff, endorsements bound to one version (S8), publication (S11)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from datetime import timedelta

import pytest

from cast import CAST
from talk_helpers import PASSWORD, open_astana, talks_service
from truce.application.talks import (
    CredentialKind,
    StreamCredential,
    StreamReader,
    counter_proposals,
)
from truce.domain.access import ChannelAudience
from truce.domain.auth import ApiToken, Scope, new_session
from truce.domain.decisions import DecisionStatus
from truce.domain.errors import AccessDeniedError, InvalidInputError, NotFoundError
from truce.domain.talks import PublicationStatus, RelayMode, SubjectKind
from truce.domain.talks_text import Change


@pytest.fixture
def talks(uow_factory, clock, cast):
    return talks_service(uow_factory, clock, cast)


@pytest.fixture
def astana(talks, cast):
    return open_astana(talks, cast)


def test_a_proximity_round_joins_no_two_delegations(astana):
    audiences = [c.audience for c in astana.channels.values()]
    assert ChannelAudience.ALL_DELEGATIONS not in audiences
    assert {c.body_id for c in astana.channels.values() if c.body_id} == {
        "gov",
        "opp",
        "ru",
        "tr",
        "ir",
    }
    assert ChannelAudience.GUARANTORS in audiences


def test_only_a_mediator_opens_a_round(talks, cast):
    from talk_helpers import ASTANA  # noqa: PLC0415

    with pytest.raises(AccessDeniedError):
        talks.open_round(cast["gov_liaison"], ASTANA)


def test_the_opposition_never_reads_the_government_channel(talks, cast, astana):
    talks.post_message(cast["gov_liaison"], astana.of("gov").id, "We stay in Wadi Barada.")
    with pytest.raises(NotFoundError):
        talks.channel_view(CAST["opposition_liaison"], astana.of("gov").id)
    with pytest.raises(NotFoundError):
        talks.post_message(cast["opposition_liaison"], astana.of("gov").id, "hello")


def test_a_verbatim_relay_hashes_to_the_original(talks, cast, astana):
    original = talks.post_message(
        cast["opposition_liaison"], astana.of("opp").id, "وقف إطلاق النار أولا"
    )
    relayed = talks.relay(cast["un_mediator"], original.id, astana.of("gov").id, RelayMode.VERBATIM)
    assert relayed.relay is not None
    assert relayed.relay.hash == hashlib.sha256(original.text.encode()).hexdigest()
    assert relayed.hash == original.hash
    seen = talks.channel_view(CAST["gov_liaison"], astana.of("gov").id).messages
    assert [v.message.text for v in seen] == [original.text]
    assert seen[0].source is None
    assert seen[0].from_label == "the mediators"
    assert original.id not in repr(seen)
    assert "member-opposition_liaison" not in repr(seen)


def test_a_paraphrase_keeps_the_original_with_mediators_and_its_author(talks, cast, astana):
    original = talks.post_message(
        cast["opposition_liaison"], astana.of("opp").id, "Iranian militias must withdraw."
    )
    talks.relay(
        cast["un_mediator"],
        original.id,
        astana.of("gov").id,
        RelayMode.PARAPHRASE,
        "The opposition raises the presence of foreign fighters.",
    )
    gov = talks.channel_view(CAST["gov_liaison"], astana.of("gov").id).messages
    assert [v.message.relay.mode for v in gov] == [RelayMode.PARAPHRASE]
    assert "militias" not in repr(gov)
    assert original.id not in repr(gov)
    mediator = talks.channel_view(CAST["un_mediator"], astana.of("gov").id).messages
    assert mediator[0].source is not None
    assert mediator[0].source.source_message_id == original.id
    # The delivery receipt was kept when the government was shown it.
    assert mediator[0].receipt is not None


def test_verbatim_means_unchanged(talks, cast, astana):
    original = talks.post_message(cast["gov_liaison"], astana.of("gov").id, "Reconciliation.")
    with pytest.raises(InvalidInputError):
        talks.relay(
            cast["un_mediator"], original.id, astana.of("opp").id, RelayMode.VERBATIM, "Other."
        )


def test_a_delegation_cannot_relay(talks, cast, astana):
    original = talks.post_message(cast["gov_liaison"], astana.of("gov").id, "Reconciliation.")
    with pytest.raises(AccessDeniedError):
        talks.relay(cast["gov_liaison"], original.id, astana.of("opp").id, RelayMode.VERBATIM)


def test_read_receipts(talks, cast, astana):
    original = talks.post_message(cast["gov_liaison"], astana.of("gov").id, "Reconciliation.")
    relayed = talks.relay(cast["un_mediator"], original.id, astana.of("opp").id, RelayMode.VERBATIM)
    receipt = talks.mark_read(cast["opposition_liaison"], relayed.id)
    assert receipt.read_at is not None
    with pytest.raises(NotFoundError):
        talks.mark_read(cast["opposition_liaison"], original.id)


def test_positions_need_reasons_keep_history_and_stay_private(talks, cast, astana):
    item = talks.round_view(CAST["un_mediator"], astana.round.id).agenda[0]
    with pytest.raises(InvalidInputError):
        talks.state_position(cast["opposition_liaison"], astana.round.id, item.id, "reject")
    talks.state_position(cast["opposition_liaison"], astana.round.id, item.id, "accept")
    talks.state_position(
        cast["opposition_liaison"], astana.round.id, item.id, "block", "Iran is no guarantor."
    )
    talks.state_position(cast["gov_liaison"], astana.round.id, item.id, "accept")
    board = talks.board(CAST["un_mediator"], astana.round.id)
    opp = next(row for row in board if row.body_id == "opp")
    assert opp.current.stance == "block"
    assert [p.stance for p in opp.history] == ["accept"]
    own = talks.board(CAST["gov_liaison"], astana.round.id)
    assert {row.body_id for row in own} == {"gov"}


def test_a_shared_position_may_be_relayed_an_unshared_one_not(talks, cast, astana):
    item = talks.round_view(CAST["un_mediator"], astana.round.id).agenda[0]
    kept = talks.state_position(cast["gov_liaison"], astana.round.id, item.id, "accept")
    shared = talks.state_position(
        cast["opposition_liaison"], astana.round.id, item.id, "counter", shareable=True
    )
    with pytest.raises(InvalidInputError):
        talks.relay_position(cast["un_mediator"], kept.id, astana.of("opp").id)
    message = talks.relay_position(cast["un_mediator"], shared.id, astana.of("gov").id)
    assert "the opposition" in message.text


def test_the_single_text_keeps_clause_ids_through_renumbering(talks, cast, astana):
    document = talks.create_document(
        cast["un_mediator"],
        astana.round.id,
        "Joint statement",
        ["The guarantors [[support || welcome]] the ceasefire.", "A trilateral mechanism."],
    )
    first = talks.document_view(CAST["un_mediator"], document.id).version
    assert not first.clean
    edits = [
        (None, "The parties met in Astana."),
        (first.clauses[0].id, "The guarantors support the ceasefire."),
        (first.clauses[1].id, first.clauses[1].text),
    ]
    second = talks.edit_document(cast["un_mediator"], document.id, 1, edits)
    assert second.clean
    assert [c.id for c in second.clauses[1:]] == [c.id for c in first.clauses]
    diff = talks.diff(CAST["gov_liaison"], document.id, 1, 2)
    changes = {d.clause_id: d.change for d in diff}
    assert changes[first.clauses[0].id] == Change.CHANGED
    assert changes[first.clauses[1].id] == Change.RENUMBERED
    with pytest.raises(AccessDeniedError):
        talks.edit_document(cast["gov_liaison"], document.id, 2, edits)
    with pytest.raises(InvalidInputError):
        talks.edit_document(cast["un_mediator"], document.id, 1, edits)


def test_clause_comments_are_for_mediators_only(talks, cast, astana):
    document = talks.create_document(cast["un_mediator"], astana.round.id, "Text", ["One."])
    clause = talks.document_view(CAST["un_mediator"], document.id).version.clauses[0]
    talks.comment(cast["un_mediator"], document.id, clause.id, "Turkey will resist this.")
    assert talks.document_view(CAST["host_mediator"], document.id).comments
    assert talks.document_view(CAST["gov_liaison"], document.id).comments == []
    with pytest.raises(NotFoundError):
        talks.comment(cast["gov_liaison"], document.id, clause.id, "Noted.")


def test_a_translation_names_its_source_and_is_never_authoritative(talks, cast, astana):
    document = talks.create_document(cast["un_mediator"], astana.round.id, "Text", ["One."])
    version = talks.document_view(CAST["un_mediator"], document.id).version
    with pytest.raises(InvalidInputError):
        talks.translate(cast["un_mediator"], document.id, 1, "en", {}, "self")
    translation = talks.translate(
        cast["un_mediator"],
        document.id,
        1,
        "ru",
        {version.clauses[0].id: "Один."},
        "UN language services",
    )
    assert translation.source_hash == version.hash


def test_an_endorsement_counts_for_its_version_only(talks, cast, astana):
    """S8: endorse version 1, change a character: the endorsement shows as on a superseded
    version and no longer counts."""
    document = talks.create_document(
        cast["un_mediator"], astana.round.id, "Joint statement", ["The guarantors agree."]
    )
    talks.endorse(cast["guarantor_ru"], PASSWORD, document.id, 1, "endorse")
    assert talks.document_status(CAST["gov_liaison"], document.id) == "endorsed by Russia"
    clause = talks.document_view(CAST["un_mediator"], document.id).version.clauses[0]
    talks.edit_document(cast["un_mediator"], document.id, 1, [(clause.id, "The guarantors agree!")])
    status = talks.document_status(CAST["gov_liaison"], document.id)
    assert status == (
        "no endorsement of the current version; on a superseded version: endorsed by Russia"
    )


def test_the_astana_communique_status(talks, cast, astana):
    document = talks.create_document(
        cast["un_mediator"], astana.round.id, "Joint statement", ["A trilateral mechanism."]
    )
    proposal = talks.create_document(
        cast["opposition_liaison"], astana.round.id, "Opposition proposal", ["Ceasefire first."]
    )
    for guarantor in ("guarantor_ru", "guarantor_tr", "guarantor_ir"):
        talks.endorse(cast[guarantor], PASSWORD, document.id, 1, "endorse")
    talks.endorse(
        cast["opposition_liaison"],
        PASSWORD,
        document.id,
        1,
        "counter_proposal",
        "Not without the withdrawal of foreign militias.",
        counter_document_id=proposal.id,
    )
    status = talks.document_status(CAST["un_mediator"], document.id)
    assert status == (
        "endorsed by Russia, Turkey and Iran; rejected by the opposition; counter-proposal attached"
    )
    # The government may not read the opposition's proposal, nor learn its id from the
    # signed counter-proposal it may read; the mediators, who hold the draft, open it.
    with pytest.raises(NotFoundError):
        talks.document_view(CAST["gov_liaison"], proposal.id)
    read_by_gov = talks.decisions.decisions_on(CAST["gov_liaison"], "document", document.id)
    counter = next(v for v in read_by_gov if v.stored.decision.value == "counter_proposal")
    assert proposal.id not in counter.stored.decision.reasons
    assert counter.status == DecisionStatus.VALID
    with talks.uow() as uow:
        drafts = [(proposal.id, v.hash) for v in uow.talks.versions(proposal.id)]
    signed = [(v.stored, v.status) for v in read_by_gov]
    assert counter_proposals(signed, drafts) == [proposal.id]
    assert counter_proposals(signed, [(document.id, drafts[0][1])]) == []


def test_publication_needs_every_named_approval(talks, cast, astana):
    """S11: observers see the text only after the publication act, which needs each
    approval the round names."""
    document = talks.create_document(
        cast["un_mediator"], astana.round.id, "Joint statement", ["A trilateral mechanism."]
    )
    subject = f"{document.id}/1"
    with pytest.raises(NotFoundError):
        talks.document_view(CAST["observer_us"], document.id)
    publication = talks.request_publication(
        cast["un_mediator"], SubjectKind.DOCUMENT_VERSION, subject
    )
    talks.approve(cast["guarantor_ru"], PASSWORD, publication.id)
    talks.approve(cast["guarantor_tr"], PASSWORD, publication.id)
    with pytest.raises(InvalidInputError):
        talks.publish(cast["un_mediator"], publication.id)
    with pytest.raises(NotFoundError):
        talks.approve(cast["gov_liaison"], PASSWORD, publication.id)
    talks.approve(cast["guarantor_ir"], PASSWORD, publication.id)
    published = talks.publish(cast["un_mediator"], publication.id)
    assert published.published_at is not None
    feed = talks.publications(CAST["observer_us"])
    assert [v.status for v in feed] == [PublicationStatus.PUBLISHED]
    assert feed[0].content == ["1. A trilateral mechanism."]
    assert talks.document_view(CAST["observer_us"], document.id, 1).version.number == 1


def test_a_refusal_stops_publication_for_good(talks, cast, astana):
    document = talks.create_document(cast["un_mediator"], astana.round.id, "T", ["One."])
    publication = talks.request_publication(
        cast["un_mediator"], SubjectKind.DOCUMENT_VERSION, f"{document.id}/1"
    )
    talks.approve(cast["guarantor_ru"], PASSWORD, publication.id, "refuse")
    for guarantor in ("guarantor_tr", "guarantor_ir"):
        talks.approve(cast[guarantor], PASSWORD, publication.id)
    with pytest.raises(InvalidInputError):
        talks.publish(cast["un_mediator"], publication.id)
    assert talks.publications(CAST["observer_us"]) == []


def test_every_state_change_is_on_the_record(talks, cast, astana, uow_factory):
    talks.post_message(cast["gov_liaison"], astana.of("gov").id, "Secret words here.")
    with uow_factory() as uow:
        entries = list(uow.record.entries(0, uow.record.size()))
    kinds = [e.kind for e in entries]
    assert "talks.round_opened" in kinds
    assert "talks.message_posted" in kinds
    assert not any("Secret words" in e.body for e in entries)


def test_the_demo_replays_the_astana_round(talks, cast):
    from truce.application.demo_case import seed_talks  # noqa: PLC0415

    round_id = seed_talks(talks, PASSWORD)
    view = talks.round_view(CAST["un_mediator"], round_id)
    communique = next(d for d in view.documents if d.document.title == "Joint statement")
    assert talks.document_status(CAST["un_mediator"], communique.document.id) == (
        "endorsed by Russia, Turkey and Iran; rejected by the opposition; counter-proposal attached"
    )
    relayed = [
        m
        for body in ("gov", "opp")
        for m in talks.channel_view(
            CAST["un_mediator"], next(c.id for c in view.channels if c.body_id == body)
        ).messages
        if m.message.relay
    ]
    assert {m.message.relay.mode for m in relayed} == {RelayMode.VERBATIM, RelayMode.PARAPHRASE}
    feed = talks.publications(CAST["observer_us"])
    assert [v.status for v in feed] == [PublicationStatus.PUBLISHED]
    assert "trilateral mechanism" in " ".join(feed[0].content)


def test_the_stream_numbers_messages_in_the_order_stored(talks, cast, astana):
    """Where a fresh stream starts, and what a resuming one reads: every channel's messages
    after a position, in order, none twice."""
    assert talks.last_seq() == 0
    sent = [
        talks.post_message(cast["gov_liaison"], astana.of("gov").id, "first"),
        talks.post_message(cast["opposition_liaison"], astana.of("opp").id, "second"),
        talks.post_message(cast["un_mediator"], astana.of("gov").id, "third"),
    ]
    assert [m.seq for m in sent] == sorted({m.seq for m in sent})
    assert talks.last_seq() == sent[-1].seq
    with talks.uow() as uow:
        after = uow.talks.messages_after(sent[0].seq, 10)
    assert [m.id for m in after] == [sent[1].id, sent[2].id]


def test_one_delivery_round_reads_for_many_streams_each_its_own(talks, cast, astana):
    """What a server process does when a message wakes its streams: one read, each stream
    what its viewer may see past its own position."""
    gov = talks.post_message(cast["gov_liaison"], astana.of("gov").id, "gov only")
    opp = talks.post_message(cast["opposition_liaison"], astana.of("opp").id, "opp only")
    readers = [
        StreamReader(CAST["gov_liaison"], 0),
        StreamReader(CAST["opposition_liaison"], 0),
        StreamReader(CAST["un_mediator"], gov.seq),
        StreamReader(CAST["observer_us"], 0),
    ]
    batches = talks.follow_many(readers)
    assert [[v.message.id for v in b.views] for b in batches] == [[gov.id], [opp.id], [opp.id], []]
    assert {b.after for b in batches} == {opp.seq}


def test_a_round_audits_each_stream_that_was_shown_something_with_its_address(
    talks, cast, astana, uow_factory
):
    """S12 stays literal: one entry per stream (who, what, when, from where), however many
    streams share a viewer class; a stream shown nothing leaves none."""
    relayed = _relay_to_gov(talks, cast, astana)
    readers = [
        StreamReader(CAST["gov_liaison"], relayed.seq - 1, "192.0.2.10"),
        StreamReader(CAST["gov_liaison"], relayed.seq - 1, "192.0.2.11"),
        StreamReader(CAST["opposition_liaison"], relayed.seq - 1, "192.0.2.12"),
        StreamReader(CAST["un_mediator"], relayed.seq - 1, "192.0.2.13"),
    ]
    with uow_factory() as uow:
        before = len(uow.audit.recent(10_000))
    batches = talks.follow_many(readers)
    assert [len(b.views) for b in batches] == [1, 1, 0, 1]
    with uow_factory() as uow:
        written = uow.audit.recent(10_000)[: len(uow.audit.recent(10_000)) - before]
    assert sorted((e.actor_member_id, e.address) for e in written) == sorted(
        [
            (CAST["gov_liaison"].member_id, "192.0.2.10"),
            (CAST["gov_liaison"].member_id, "192.0.2.11"),
            (CAST["un_mediator"].member_id, "192.0.2.13"),
        ]
    )
    assert {(e.action, e.resource_kind, e.resource_id, e.allowed) for e in written} == {
        ("list", "message", "stream", True)
    }
    assert len({e.seq for e in written}) == len(written)


def test_one_round_shows_the_source_to_the_mediators_only(talks, cast, astana):
    """Views are shared within a viewer class only: the government, in the same round as the
    mediators, never gets the relay's source id or author (S1)."""
    relayed = _relay_to_gov(talks, cast, astana)
    gov, med = talks.follow_many(
        [
            StreamReader(CAST["gov_liaison"], relayed.seq - 1),
            StreamReader(CAST["un_mediator"], relayed.seq - 1),
        ]
    )
    assert [v.source for v in gov.views] == [None]
    assert [v.from_label for v in gov.views] == ["the mediators"]
    assert med.views[0].source is not None
    assert med.views[0].source.relayed_message_id == relayed.id


def test_a_member_disabled_while_streaming_receives_nothing_from_the_next_round(
    talks, cast, astana, uow_factory
):
    """A stream keeps the principal it opened with; each round reads it afresh, so a member
    disabled (or moved out of the delegation's roles) stops receiving at once, while a
    colleague of the same class in the same round still receives."""
    first = _relay_to_gov(talks, cast, astana)
    opened_with = CAST["gov_liaison"]
    assert talks.follow(opened_with, first.seq - 1).views
    with uow_factory() as uow:
        uow.accounts.set_active(opened_with.member_id, active=False)
        uow.commit()
    second = _relay_to_gov(talks, cast, astana, "A second point.")
    colleague = replace(opened_with, member_id="member-gov-colleague")
    _add_colleague(uow_factory, cast["gov_liaison"], colleague.member_id)
    stale, other = talks.follow_many(
        [StreamReader(opened_with, second.seq - 1), StreamReader(colleague, second.seq - 1)]
    )
    assert stale.views == []
    assert stale.after == second.seq
    assert [v.message.id for v in other.views] == [second.id]


def test_a_member_whose_roles_no_longer_count_stops_receiving(talks, cast, astana, uow_factory):
    """Moved to a body of another kind, the member's delegate role counts for nothing."""
    relayed = _relay_to_gov(talks, cast, astana)
    gone = replace(CAST["gov_liaison"], member_id="member-gov-gone")
    _add_colleague(uow_factory, cast["gov_liaison"], gone.member_id, body_id="un")
    (batch,) = talks.follow_many([StreamReader(gone, relayed.seq - 1)])
    assert batch.views == []


def test_a_member_gone_from_the_store_reads_as_the_public(talks, cast, astana):
    relayed = _relay_to_gov(talks, cast, astana)
    ghost = replace(CAST["gov_liaison"], member_id="member-nobody")
    (batch,) = talks.follow_many([StreamReader(ghost, relayed.seq - 1)])
    assert batch.views == []


def test_a_stream_ends_with_the_session_or_token_that_opened_it(
    talks, cast, astana, uow_factory, clock
):
    """Each round reads every stream's session and token again: revoked, expired, or not
    the member's own, the stream gets nothing more, an `ended` batch and a denied entry."""
    gov = CAST["gov_liaison"]
    kept, revoked, idle, forged = ("1" * 64, "2" * 64, "3" * 64, "4" * 64)
    token = ApiToken(
        id="feedfacefeedface",
        member_id=gov.member_id,
        label="",
        secret_hash="e" * 64,
        scopes=frozenset({Scope.TALKS_READ}),
        created_at=clock.now(),
        expires_at=clock.now() + timedelta(days=30),
    )
    with uow_factory() as uow:
        for key in (kept, revoked, idle):
            uow.sessions.add(new_session(key, gov.member_id, clock.now(), "192.0.2.1"))
        uow.sessions.add(new_session(forged, CAST["un_mediator"].member_id, clock.now(), None))
        uow.api_tokens.add(token)
        uow.commit()

    def credential(kind, key):
        return StreamCredential(kind, key, gov.member_id)

    credentials = [
        credential(CredentialKind.SESSION, kept),
        credential(CredentialKind.SESSION, revoked),
        credential(CredentialKind.SESSION, idle),
        credential(CredentialKind.SESSION, forged),
        credential(CredentialKind.SESSION, "5" * 64),
        credential(CredentialKind.TOKEN, token.id),
    ]
    first = _relay_to_gov(talks, cast, astana)
    opened = talks.follow_many(
        [StreamReader(gov, first.seq - 1, "192.0.2.20", c) for c in credentials[:3]]
    )
    assert [(len(b.views), b.ended) for b in opened] == [(1, False)] * 3

    clock.advance(minutes=59)
    with uow_factory() as uow:
        uow.sessions.touch(kept, clock.now())
        uow.sessions.touch(revoked, clock.now())
        uow.sessions.revoke(revoked, clock.now())
        uow.api_tokens.revoke(token.id, clock.now())
        uow.commit()
    clock.advance(minutes=2)  # the third session has been idle an hour
    second = _relay_to_gov(talks, cast, astana, "A second point.")
    with uow_factory() as uow:
        before = len(uow.audit.recent(10_000))
    batches = talks.follow_many(
        [StreamReader(gov, first.seq, f"192.0.2.{30 + n}", c) for n, c in enumerate(credentials)]
    )
    assert [(len(b.views), b.ended) for b in batches] == [(1, False)] + [(0, True)] * 5
    assert batches[0].views[0].message.id == second.id
    with uow_factory() as uow:
        written = uow.audit.recent(10_000)[: len(uow.audit.recent(10_000)) - before]
    denied = sorted((e.address, e.reason) for e in written if not e.allowed)
    session_ended = "stream closed: session expired or ended"
    assert denied == [
        ("192.0.2.31", session_ended),
        ("192.0.2.32", session_ended),
        ("192.0.2.33", session_ended),
        ("192.0.2.34", session_ended),
        ("192.0.2.35", "stream closed: token revoked or expired"),
    ]
    assert [e.address for e in written if e.allowed] == ["192.0.2.30"]


def _relay_to_gov(talks, cast, astana, text="A point of the opposition."):
    said = talks.post_message(cast["opposition_liaison"], astana.of("opp").id, text)
    return talks.relay(cast["un_mediator"], said.id, astana.of("gov").id, RelayMode.VERBATIM)


def _add_colleague(uow_factory, like, member_id, body_id=None):
    with uow_factory() as uow:
        uow.members.add(
            replace(like, id=member_id, username=member_id, body_id=body_id or like.body_id)
        )
        uow.commit()


def test_a_round_logs_one_audit_line_naming_its_viewers(talks, cast, astana, caplog):
    relayed = _relay_to_gov(talks, cast, astana)
    readers = [StreamReader(CAST["gov_liaison"], relayed.seq - 1, "192.0.2.10")] * 3
    with caplog.at_level(logging.INFO, logger="truce.audit"):
        talks.follow_many([*readers, StreamReader(CAST["un_mediator"], 0, "192.0.2.13")])
    (line,) = [r.getMessage() for r in caplog.records if r.name == "truce.audit"]
    assert 'resource="message:stream" entries=4 ' in line
    assert f'[actor="{CAST["gov_liaison"].member_id}" address="192.0.2.10" ' in line
    assert "count=3]" in line
    assert f'[actor="{CAST["un_mediator"].member_id}" address="192.0.2.13" ' in line
