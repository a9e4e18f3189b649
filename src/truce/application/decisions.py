"""Use cases of signed decisions: submit a member's signed payload, sign one with a server-held
key after the member re-authenticates, and list the decisions on an object with a verification
status each (see domain/decisions.py for the rules).

What a decision may be about is pluggable: each kind of object registers a `DecisionObjects`
that finds a version, hashes its canonical bytes, gives its access-policy resource and says
which action each kind of decision needs. Reports (acknowledgement) and agreements
(endorsement, acknowledgement) come first; incidents (votes), document versions
(endorsements) and publications (approvals) register theirs later.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from truce.application.access_guard import principal_of, report_resource
from truce.application.member_keys import KeyPairs, MemberKeyService
from truce.application.ports import Canonical, Clock, JsonValue, UnitOfWork, UnitOfWorkFactory
from truce.domain.access import Action, Deny, Principal, Resource, ResourceKind, decide
from truce.domain.agreements import Agreement
from truce.domain.auth import new_audit_entry
from truce.domain.confidentiality import Confidentiality
from truce.domain.decisions import (
    ED25519_SIGNATURE_BYTES,
    MAX_PAYLOAD_BYTES,
    DecisionKind,
    DecisionStatus,
    DecisionTakenError,
    MemberKey,
    SignedDecision,
    StoredDecision,
    check_signing_key,
    latest_revisions,
    next_revision,
    object_hash,
    parse_decision,
    payload_hash,
    status_of,
)
from truce.domain.errors import (
    AccessDeniedError,
    ConflictError,
    FieldError,
    InvalidInputError,
    NotFoundError,
)
from truce.domain.parties import Member
from truce.domain.procedure import procedure_terms
from truce.domain.reports import report_content

REPORT_VERSION = "1"  # a report is immutable once filed: it has one version


@dataclass(frozen=True, slots=True)
class ObjectVersion:
    """One exact version of something decided on, as the decision names it."""

    kind: str
    id: str
    version: str
    version_hash: str
    # The object as the need-to-know policy sees it.
    resource: Resource


class DecisionObjects(Protocol):
    """One kind of object that decisions may be about."""

    @property
    def kind(self) -> str: ...
    def version(self, uow: UnitOfWork, object_id: str, version: str | None) -> ObjectVersion | None:
        """The named version, or the current one when `version` is None."""
        ...

    def action(self, decision_kind: DecisionKind) -> Action | None:
        """The policy action a decision of this kind needs on the object; None: not allowed."""
        ...


@dataclass(frozen=True, slots=True)
class ReportObjects:
    """Reports are acknowledged: "I received this exact report". Whoever may read it may."""

    canonical: Canonical
    kind: str = "report"

    def version(self, uow: UnitOfWork, object_id: str, version: str | None) -> ObjectVersion | None:
        report = uow.reports.get(object_id)
        if report is None or version not in {None, REPORT_VERSION}:
            return None
        digest = object_hash(self.canonical(report_content(report)))
        return ObjectVersion(self.kind, report.id, REPORT_VERSION, digest, report_resource(report))

    def action(self, decision_kind: DecisionKind) -> Action | None:
        return Action.READ if decision_kind == DecisionKind.ACKNOWLEDGEMENT else None


@dataclass(frozen=True, slots=True)
class AgreementObjects:
    """Agreement versions are endorsed by the bodies they name, and acknowledged by anyone
    who may read them. The hash is over the terms as the `agreement.concluded` entry shows
    them, so anyone can recompute it from the record."""

    canonical: Canonical
    kind: str = "agreement"

    def version(self, uow: UnitOfWork, object_id: str, version: str | None) -> ObjectVersion | None:
        if version is not None and not (version.isdigit() and version.isascii()):
            return None
        agreement = uow.agreements.get(object_id, None if version is None else int(version))
        if agreement is None:
            return None
        digest = object_hash(self.canonical(agreement_terms(agreement)))
        return ObjectVersion(
            self.kind, agreement.id, str(agreement.version), digest, agreement_resource(agreement)
        )

    def action(self, decision_kind: DecisionKind) -> Action | None:
        return {
            DecisionKind.ENDORSEMENT: Action.ENDORSE,
            DecisionKind.ACKNOWLEDGEMENT: Action.READ,
        }.get(decision_kind)


def agreement_resource(agreement: Agreement) -> Resource:
    # Agreements are public terms (the API serves them to anyone); the parties and
    # guarantors they name are the ones who may endorse them.
    return Resource(
        ResourceKind.AGREEMENT,
        agreement.id,
        confidentiality=Confidentiality.PUBLIC,
        named_body_ids=frozenset(agreement.party_ids + agreement.guarantor_ids),
    )


def agreement_terms(agreement: Agreement) -> dict[str, JsonValue]:
    """The terms of one version: what its record entry shows and its version hash covers."""
    return {
        "agreement_id": agreement.id,
        "version": agreement.version,
        "title": agreement.title,
        "entry_into_force": agreement.entry_into_force.isoformat(),
        "party_ids": list(agreement.party_ids),
        "guarantor_ids": list(agreement.guarantor_ids),
        "mediator_ids": list(agreement.mediator_ids),
        "observer_ids": list(agreement.observer_ids),
        "excluded_actor_ids": list(agreement.excluded_actor_ids),
        "summary": agreement.summary,
        "procedure": dict(procedure_terms(agreement.procedure)),
        "clauses": [{"id": clause.id, "text": clause.text} for clause in agreement.clauses],
    }


class Reauthenticator(Protocol):
    def reauthenticate(
        self, member_id: str, password: str, address: str, totp_code: str | None = None
    ) -> None:
        """Raise AuthenticationError unless the password (and code) are right."""
        ...


@dataclass(frozen=True, slots=True)
class DecisionDraft:
    """What a member decides when the server signs for them; the server fills in the rest."""

    kind: DecisionKind
    object_kind: str
    object_id: str
    value: str
    reasons: str = ""
    # The version decided on; None means the current one.
    object_version: str | None = None


@dataclass(frozen=True, slots=True)
class Submitted:
    """The stored decision, and whether this call stored it (False: the same payload was
    accepted before, and this is that first decision)."""

    stored: StoredDecision
    created: bool


@dataclass(frozen=True, slots=True)
class DecisionView:
    stored: StoredDecision
    status: DecisionStatus
    key: MemberKey | None


@dataclass(frozen=True, slots=True)
class DecisionService:
    uow: UnitOfWorkFactory
    clock: Clock
    canonical: Canonical
    keys: KeyPairs
    member_keys: MemberKeyService
    reauth: Reauthenticator
    # The record's origin: payloads name it, so one deployment's signatures mean nothing in
    # another's.
    origin: str
    objects: Mapping[str, DecisionObjects]

    # --- submitting ---------------------------------------------------------------------------

    def submit(
        self,
        principal: Principal,
        payload: bytes,
        signature: bytes,
        address: str | None = None,
    ) -> Submitted:
        """Accept a member's signed decision once (S10): the same payload again returns the
        first decision, never a second one."""
        decision = self._parse(payload, signature)
        if principal.member_id != decision.member_id:
            raise AccessDeniedError("a member submits only their own signed decisions")
        try:
            return self._store(principal, decision, payload, signature, address)
        except DecisionTakenError:
            # A concurrent submission won: the same payload is that decision; another one
            # took this revision and the member may decide again on what is stored now.
            with self.uow() as uow:
                existing = uow.signed_decisions.get(payload_hash(payload))
            if existing is None:
                raise ConflictError("another decision was stored meanwhile; try again") from None
            return Submitted(existing, created=False)

    def sign_for_member(
        self,
        member: Member,
        password: str,
        draft: DecisionDraft,
        *,
        address: str,
        totp_code: str | None = None,
    ) -> Submitted:
        """Sign with the member's server-held key, once they have given their password (and
        code) again, and submit as if their client had signed."""
        self.reauth.reauthenticate(member.id, password, address, totp_code)
        with self.uow() as uow:
            principal = principal_of(uow, member)
            key = uow.member_keys.current(member.id)
            found = self._resolve(uow, draft.object_kind, draft.object_id, draft.object_version)
            found = self._access(uow, principal, found, draft.kind, draft.object_id, address)
        if key is None:
            raise InvalidInputError([FieldError("key", "this member has no signing key")])
        decision = SignedDecision(
            kind=draft.kind,
            object_kind=found.kind,
            object_id=found.id,
            object_version=found.version,
            object_hash=found.version_hash,
            value=draft.value,
            reasons=draft.reasons,
            member_id=member.id,
            key_id=key.key_id,
            nonce=secrets.token_urlsafe(24),
            created_at=self.clock.now(),
            origin=self.origin,
        )
        payload = self.canonical(dict(decision.document()))
        # Parsing our own payload applies the same field rules a client's meets.
        parse_decision(json.loads(payload))
        signature = self.keys.sign(self.member_keys.private_key(key), payload)
        return self.submit(principal, payload, signature, address)

    def _parse(self, payload: bytes, signature: bytes) -> SignedDecision:
        if len(payload) > MAX_PAYLOAD_BYTES:
            raise InvalidInputError([FieldError("payload", f"is over {MAX_PAYLOAD_BYTES} bytes")])
        if len(signature) != ED25519_SIGNATURE_BYTES:
            raise InvalidInputError([FieldError("signature", "must be exactly 64 bytes")])
        document = _strict_json(payload)
        if self.canonical(document) != payload:
            raise InvalidInputError(
                [FieldError("payload", "must be RFC 8785 canonical JSON, byte for byte")]
            )
        decision = parse_decision(document)
        if decision.origin != self.origin:
            raise InvalidInputError([FieldError("origin", f"must be {self.origin!r}")])
        return decision

    def _store(
        self,
        principal: Principal,
        decision: SignedDecision,
        payload: bytes,
        signature: bytes,
        address: str | None,
    ) -> Submitted:
        digest = payload_hash(payload)
        with self.uow() as uow:
            existing = uow.signed_decisions.get(digest)
            if existing is not None:
                self._require_signature(
                    uow.member_keys.get(existing.decision.key_id), existing.payload, signature
                )
                return Submitted(existing, created=False)
            now = self.clock.now()
            key = uow.member_keys.get(decision.key_id)
            check_signing_key(key, decision, now)
            self._require_signature(key, payload, signature)
            found = self._resolve(
                uow, decision.object_kind, decision.object_id, decision.object_version
            )
            found = self._access(uow, principal, found, decision.kind, decision.object_id, address)
            if found.version_hash != decision.object_hash:
                raise InvalidInputError(
                    [FieldError("object_hash", "is not the hash of the version named")]
                )
            slot = uow.signed_decisions.in_slot(*decision.slot)
            stored = StoredDecision(
                decision=decision,
                payload=payload,
                signature=signature,
                payload_hash=digest,
                body_id=principal.body_id or "",
                revision=next_revision(slot, decision),
                received_at=now,
            )
            uow.signed_decisions.add(stored)
            _record_decision(uow, stored)
            uow.commit()
        return Submitted(stored, created=True)

    def _require_signature(self, key: MemberKey | None, payload: bytes, signature: bytes) -> None:
        if key is None or not self.keys.verify(key.public_key, payload, signature):
            raise InvalidInputError([FieldError("signature", "does not verify with the key named")])

    def _resolve(
        self, uow: UnitOfWork, object_kind: str, object_id: str, version: str | None
    ) -> ObjectVersion | None:
        objects = self.objects.get(object_kind)
        return None if objects is None else objects.version(uow, object_id, version)

    def _access(
        self,
        uow: UnitOfWork,
        principal: Principal,
        found: ObjectVersion | None,
        kind: DecisionKind,
        object_id: str,
        address: str | None,
    ) -> ObjectVersion:
        """The object if the principal may decide on it. What they may not read is "not
        found", like what is missing; what they read but may not decide on is refused."""
        if found is None or not decide(principal, Action.READ, found.resource):
            self._refused(uow, principal, "not found or need-to-know", object_id, address)
            raise NotFoundError("object")
        action = self.objects[found.kind].action(kind)
        verdict = (
            Deny(f"no {kind} on a {found.kind}")
            if action is None
            else decide(principal, action, found.resource)
        )
        if isinstance(verdict, Deny):
            self._refused(uow, principal, verdict.reason, object_id, address)
            raise AccessDeniedError(verdict.reason)
        return found

    def _refused(
        self,
        uow: UnitOfWork,
        principal: Principal,
        reason: str,
        object_id: str,
        address: str | None,
    ) -> None:
        """Every refused decision leaves one audit entry (SECURITY S12)."""
        uow.audit.add(
            new_audit_entry(
                self.clock.now(),
                principal.member_id,
                "decide",
                "decision_object",
                object_id,
                allowed=False,
                reason=reason,
                address=address,
            )
        )
        uow.commit()

    # --- reading ------------------------------------------------------------------------------

    def current_version(
        self, principal: Principal, object_kind: str, object_id: str, address: str | None = None
    ) -> ObjectVersion:
        """The version a client should sign, with its hash: what the principal may read."""
        with self.uow() as uow:
            found = self._resolve(uow, object_kind, object_id, None)
            readable = self._readable(uow, principal, found, object_kind, object_id, address)
            uow.commit()
        return readable

    def decisions_on(
        self, principal: Principal, object_kind: str, object_id: str, address: str | None = None
    ) -> list[DecisionView]:
        """Every decision on the object, each with its verification status, for whoever may
        read the object; NotFoundError alike for missing and unreadable objects."""
        with self.uow() as uow:
            found = self._resolve(uow, object_kind, object_id, None)
            found = self._readable(uow, principal, found, object_kind, object_id, address)
            decisions = uow.signed_decisions.about(found.kind, found.id)
            keys = {
                key_id: uow.member_keys.get(key_id)
                for key_id in {stored.decision.key_id for stored in decisions}
            }
            uow.commit()
        latest = latest_revisions(decisions)
        return [
            self._view(stored, keys[stored.decision.key_id], latest, found.version_hash)
            for stored in decisions
        ]

    def _readable(
        self,
        uow: UnitOfWork,
        principal: Principal,
        found: ObjectVersion | None,
        object_kind: str,
        object_id: str,
        address: str | None,
    ) -> ObjectVersion:
        """The read choke point for decision pages: a refusal (missing or forbidden alike) and
        an allowed read of material that is not public each leave one audit entry (S12)."""
        allowed = found is not None and bool(decide(principal, Action.READ, found.resource))
        if found is None or not allowed:
            self._read_audited(uow, principal, object_kind, object_id, address, allowed=False)
            # The refusal is kept although the request fails.
            uow.commit()
            raise NotFoundError("object")
        if not found.resource.published:
            self._read_audited(uow, principal, object_kind, object_id, address, allowed=True)
        return found

    def _read_audited(
        self,
        uow: UnitOfWork,
        principal: Principal,
        object_kind: str,
        object_id: str,
        address: str | None,
        *,
        allowed: bool,
    ) -> None:
        uow.audit.add(
            new_audit_entry(
                self.clock.now(),
                principal.member_id,
                "read",
                object_kind,
                object_id,
                allowed=allowed,
                reason="decisions on it" if allowed else "not found or need-to-know",
                address=address,
            )
        )

    def _view(
        self,
        stored: StoredDecision,
        key: MemberKey | None,
        latest: dict[tuple[str, ...], int],
        current_hash: str,
    ) -> DecisionView:
        return DecisionView(
            stored, verified_status(self.keys, stored, key, latest, current_hash), key
        )


def verified_status(
    keys: KeyPairs,
    stored: StoredDecision,
    key: MemberKey | None,
    latest: Mapping[tuple[str, ...], int],
    current_hash: str | None,
) -> DecisionStatus:
    """A stored decision's status, its signature checked against the member's key (S7, S8):
    what every reader of decisions (the decisions page, the procedure's votes, the talks'
    endorsements and approvals) counts by."""
    holds = key is not None and keys.verify(key.public_key, stored.payload, stored.signature)
    return status_of(
        stored,
        key,
        signature_holds=holds,
        latest_revision=latest[stored.decision.slot],
        current_object_hash=current_hash,
    )


def counted(views: list[DecisionView]) -> list[DecisionView]:
    """The decisions that count: valid ones only, which means one per member, kind and
    version, on the current version (what quorums and tallies read)."""
    return [view for view in views if view.status == DecisionStatus.VALID]


def decision_content(stored: StoredDecision) -> dict[str, Any]:
    """What a `decision.signed` entry commits to: the exact payload and its signature."""
    return {"payload": stored.payload.decode(), "signature": stored.signature.hex()}


def _record_decision(uow: UnitOfWork, stored: StoredDecision) -> None:
    """Everyone sees that a member decided on an object, under which key; the value, the
    reasons and the version hash enter as a commitment the deciding body can open. The
    payload hash names the decision: the random nonce inside keeps it from being guessed."""
    decision = stored.decision
    uow.record.append(
        "decision.signed",
        subject=f"{decision.object_kind}:{decision.object_id}",
        at=stored.received_at,
        public={
            "payload_hash": stored.payload_hash,
            "decision_kind": decision.kind.value,
            "object_kind": decision.object_kind,
            "object_id": decision.object_id,
            "object_version": decision.object_version,
            "member_id": decision.member_id,
            "body_id": stored.body_id,
            "key_id": decision.key_id,
            "revision": stored.revision,
        },
        confidential=decision_content(stored),
        owner_body_id=stored.body_id,
    )


def _strict_json(payload: bytes) -> Any:  # noqa: ANN401 - any JSON value
    """Parse UTF-8 JSON, refusing duplicate keys and non-finite numbers (RFC 8785 has none)."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        if len(set(keys)) != len(keys):
            raise ValueError("duplicate key")
        return dict(pairs)

    def no_constant(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    try:
        return json.loads(
            payload.decode("utf-8"), object_pairs_hook=no_duplicates, parse_constant=no_constant
        )
    except (UnicodeDecodeError, ValueError):
        raise InvalidInputError([FieldError("payload", "is not valid UTF-8 JSON")]) from None


def default_objects(canonical: Canonical) -> dict[str, DecisionObjects]:
    """The kinds of objects decided on so far; later issues add theirs."""
    objects: list[DecisionObjects] = [ReportObjects(canonical), AgreementObjects(canonical)]
    return {objects_.kind: objects_ for objects_ in objects}
