"""The operator's account administration on the web: accounts, API tokens and the agreements
with their procedures, behind the access policy.

`AuthService` does the work (and writes the audit entry of each change); this service decides
first who may ask, by the policy's rule for Action.ADMINISTER on a member (operators, on any
account but their own), Action.CREATE on a member (opening an account: operators) and
Action.ADMINISTER on an agreement (its procedure's settings: operators). A refusal leaves one
denied audit entry and raises NotFoundError, like a page that does not exist; a look at the
overview leaves one allowed entry.

A changed procedure is a new version of the agreement, concluded through the registry (the
`agreement.concluded` record entry carries the whole terms): cases keep the version they were
opened under, so the change applies to cases opened from then on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from truce.application.access_guard import Decision, audit_decision
from truce.application.auth import AccountStatus, AuthService, Enrolment, IssuedToken
from truce.application.decisions import agreement_resource
from truce.application.registry import RegistryService
from truce.domain.access import Action, Deny, Principal, Resource, ResourceKind, decide
from truce.domain.agreements import Agreement, with_procedure
from truce.domain.auth import ApiToken
from truce.domain.errors import FieldError, InvalidInputError, NotFoundError
from truce.domain.geo.zones import Zone
from truce.domain.parties import Actor, Body, Role
from truce.domain.procedure import (
    DecisionRule,
    LapseOutcome,
    Procedure,
    procedure_terms,
)

# The resource id the overview is decided on: no member has it, so "other accounts" holds.
_DIRECTORY = "accounts"


@dataclass(frozen=True, slots=True)
class Administration:
    """What the operator's page shows: every account, every token, every agreement."""

    accounts: list[AccountStatus]
    tokens: list[ApiToken]
    usernames: dict[str, str]
    agreements: list[Agreement]


@dataclass(frozen=True, slots=True)
class NewAccount:
    """What the operator's form says of an account to open (texts as typed, checked here)."""

    username: str
    title: str
    body_id: str
    roles: tuple[str, ...]
    language: str = ""


@dataclass(frozen=True, slots=True)
class AgreementConfiguration:
    """One agreement as its operator's screen shows it: the version in force, the bodies it
    names, the actors it leaves outside, its zones and its earlier versions' numbers."""

    agreement: Agreement
    bodies: dict[str, Body]
    excluded_actors: list[Actor]
    zones: list[Zone]


# The windows of a procedure as the form names them, in hours; a year bounds a typo.
WINDOW_FIELDS = ("reply_window_hours", "investigation_window_hours", "deliberation_window_hours")
MAX_WINDOW_HOURS = 366 * 24
# A quorum beyond this is a typo whatever the agreement (the check against the guarantors the
# agreement names is the domain's).
MAX_QUORUM = 99


def member_resource(member_id: str) -> Resource:
    return Resource(ResourceKind.MEMBER, member_id)


def procedure_from_form(fields: Mapping[str, str]) -> Procedure:
    """A procedure from the operator's form, or InvalidInputError naming every wrong field.
    An unticked box is absent from a form: `committee_step` is on when present."""
    errors: list[FieldError] = []
    rule = _choice(fields, "decision_rule", DecisionRule, errors)
    lapse = _choice(fields, "on_deliberation_lapse", LapseOutcome, errors)
    quorum = _whole(fields, "quorum", 0, MAX_QUORUM, errors)
    hours = [_whole(fields, name, 1, MAX_WINDOW_HOURS, errors) for name in WINDOW_FIELDS]
    if errors or rule is None or lapse is None:
        raise InvalidInputError(errors)
    reply, investigation, deliberation = (timedelta(hours=h) for h in hours)
    return Procedure(
        decision_rule=rule,
        quorum=quorum,
        reply_window=reply,
        investigation_window=investigation,
        deliberation_window=deliberation,
        on_deliberation_lapse=lapse,
        committee_step=bool(fields.get("committee_step")),
    )


_Choice = TypeVar("_Choice", DecisionRule, LapseOutcome)


def _choice(
    fields: Mapping[str, str], name: str, kind: type[_Choice], errors: list[FieldError]
) -> _Choice | None:
    text = fields.get(name, "").strip()
    try:
        return kind(text)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        errors.append(FieldError(name, f"must be one of: {choices}"))
        return None


def _whole(
    fields: Mapping[str, str], name: str, least: int, most: int, errors: list[FieldError]
) -> int:
    text = fields.get(name, "").strip()
    if not (text.isascii() and text.isdigit()) or not least <= int(text) <= most:
        errors.append(FieldError(name, f"must be a whole number from {least} to {most}"))
        return 0
    return int(text)


def _changes(before: Procedure, after: Procedure) -> str:
    old, new = procedure_terms(before), procedure_terms(after)
    return ", ".join(f"{key} {old[key]} -> {new[key]}" for key in new if old[key] != new[key])


class AdministrationService:
    def __init__(self, auth: AuthService) -> None:
        self.auth = auth

    def overview(self, principal: Principal, address: str | None = None) -> Administration:
        self._require(principal, _DIRECTORY, address, Action.LIST)
        accounts = self.auth.accounts()
        tokens = self.auth.list_tokens()
        with self.auth.uow() as uow:
            agreements = uow.agreements.list_all()
            listed = Decision(
                principal,
                Action.LIST,
                ResourceKind.MEMBER,
                None,
                decide(principal, Action.ADMINISTER, member_resource(_DIRECTORY)),
                f"listed {len(accounts)} accounts and {len(tokens)} tokens",
            )
            audit_decision(uow, self.auth.clock.now(), listed, address)
            uow.commit()
        usernames = {status.member.id: status.member.username for status in accounts}
        return Administration(accounts, tokens, usernames, agreements)

    def open_account(
        self, principal: Principal, account: NewAccount, address: str | None = None
    ) -> Enrolment:
        """Open an account with the registry's checks and record entry, exactly as the console
        does, but without a password: the member chooses one through the one-time enrolment
        link returned here (shown to the operator once)."""
        outcome = decide(principal, Action.CREATE, member_resource(_DIRECTORY))
        if isinstance(outcome, Deny):
            self._refuse(principal, None, outcome.reason, address, Action.CREATE)
            raise NotFoundError("account")
        roles = _roles(account)
        return self.auth.invite(
            account.username,
            account.title,
            account.body_id.strip(),
            roles,
            language=account.language.strip() or None,
            actor_id=principal.member_id,
            address=address,
        )

    def renew_enrolment(
        self, principal: Principal, member_id: str, address: str | None = None
    ) -> Enrolment:
        """A fresh enrolment link for another account still waiting for its password."""
        self._require(principal, member_id, address)
        return self.auth.renew_enrolment(member_id, actor_id=principal.member_id, address=address)

    def agreement(
        self, principal: Principal, agreement_id: str, address: str | None = None
    ) -> AgreementConfiguration:
        """The agreement in force with everything it names, for whoever may set its procedure."""
        agreement = self._agreement(principal, agreement_id, address)
        with self.auth.uow() as uow:
            bodies = {body.id: body for body in uow.bodies.list_all()}
            actors = {actor.id: actor for actor in uow.actors.list_all()}
            zones = [zone for zone in uow.geo.zones(agreement_id) if not zone.withdrawn]
        excluded = [actors[i] for i in agreement.excluded_actor_ids if i in actors]
        return AgreementConfiguration(agreement, bodies, excluded, zones)

    def configure_procedure(
        self,
        principal: Principal,
        agreement_id: str,
        procedure: Procedure,
        address: str | None = None,
    ) -> Agreement:
        """Conclude the next version of the agreement under `procedure`: checked as every
        agreement is (a quorum above the guarantors it names is refused), on the record, and
        audited with what changed. Cases already open keep the version they were opened under."""
        current = self._agreement(principal, agreement_id, address)
        if procedure == current.procedure:
            raise InvalidInputError(
                [FieldError("procedure", "is the one in force already; nothing changed")]
            )
        successor = with_procedure(current, procedure)
        RegistryService(self.auth.uow, self.auth.clock).conclude_agreement(successor)
        changed = Decision(
            principal,
            Action.ADMINISTER,
            ResourceKind.AGREEMENT,
            agreement_id,
            decide(principal, Action.ADMINISTER, agreement_resource(successor)),
            f"procedure changed in version {successor.version}: "
            + _changes(current.procedure, procedure),
        )
        with self.auth.uow() as uow:
            audit_decision(uow, self.auth.clock.now(), changed, address)
            uow.commit()
        return successor

    def set_active(
        self, principal: Principal, member_id: str, *, active: bool, address: str | None = None
    ) -> None:
        """Enable or disable another account (never one's own: the policy says so)."""
        self._require(principal, member_id, address)
        if active:
            self.auth.enable_member(member_id, actor_id=principal.member_id, address=address)
        else:
            self.auth.disable_member(member_id, actor_id=principal.member_id, address=address)

    def issue_token(
        self,
        principal: Principal,
        username: str,
        scopes: list[str],
        days: int,
        label: str = "",
        address: str | None = None,
    ) -> IssuedToken:
        try:
            member = self.auth.find_member(username.strip())
        except NotFoundError:
            self._refuse(principal, None, "no such account", address)
            raise
        self._require(principal, member.id, address)
        return self.auth.issue_token(
            member.id, scopes, days, label, actor_id=principal.member_id, address=address
        )

    def revoke_token(self, principal: Principal, token_id: str, address: str | None = None) -> None:
        holder = next((t.member_id for t in self.auth.list_tokens() if t.id == token_id), None)
        if holder is None:
            self._refuse(principal, None, "no such token", address)
            raise NotFoundError("token")
        self._require(principal, holder, address)
        self.auth.revoke_token(token_id, actor_id=principal.member_id, address=address)

    def _require(
        self,
        principal: Principal,
        member_id: str,
        address: str | None,
        action: Action = Action.ADMINISTER,
    ) -> None:
        outcome = decide(principal, Action.ADMINISTER, member_resource(member_id))
        if isinstance(outcome, Deny):
            self._refuse(principal, member_id, outcome.reason, address, action)
            raise NotFoundError("account")

    def _agreement(self, principal: Principal, agreement_id: str, address: str | None) -> Agreement:
        """The agreement in force, for operators; for anyone else a missing agreement and a
        refused one are alike."""
        with self.auth.uow() as uow:
            agreement = uow.agreements.get(agreement_id)
        resource = (
            Resource(ResourceKind.AGREEMENT, agreement_id)
            if agreement is None
            else agreement_resource(agreement)
        )
        outcome = decide(principal, Action.ADMINISTER, resource)
        if agreement is None or isinstance(outcome, Deny):
            reason = outcome.reason if isinstance(outcome, Deny) else "no such agreement"
            self._refuse(principal, agreement_id, reason, address, kind=ResourceKind.AGREEMENT)
            raise NotFoundError("agreement")
        return agreement

    def _refuse(
        self,
        principal: Principal,
        member_id: str | None,
        reason: str,
        address: str | None,
        action: Action = Action.ADMINISTER,
        kind: ResourceKind = ResourceKind.MEMBER,
    ) -> None:
        refused = Decision(principal, action, kind, member_id, Deny(reason), reason)
        with self.auth.uow() as uow:
            audit_decision(uow, self.auth.clock.now(), refused, address)
            uow.commit()


def _roles(account: NewAccount) -> list[Role]:
    """The roles the form ticked, with the title the form must name (the registry checks the
    rest: the username, the body, and that the roles fit it)."""
    errors: list[FieldError] = []
    if not account.title.strip():
        errors.append(FieldError("title", "must not be empty"))
    if not account.body_id.strip():
        errors.append(FieldError("body_id", "choose the body the member belongs to"))
    known = {role.value: role for role in Role}
    unknown = sorted(value for value in account.roles if value not in known)
    if unknown:
        errors.append(FieldError("roles", f"unknown role {unknown[0]!r}"))
    if not account.roles:
        errors.append(FieldError("roles", "a member holds at least one role"))
    if errors:
        raise InvalidInputError(errors)
    return [known[value] for value in account.roles]
