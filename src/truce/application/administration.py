"""The operator's account administration on the web: accounts, API tokens and the agreements
with their procedures, behind the access policy.

`AuthService` does the work (and writes the audit entry of each change); this service decides
first who may ask, by the policy's rule for Action.ADMINISTER on a member (operators, on any
account but their own). A refusal leaves one denied audit entry and raises NotFoundError,
like a page that does not exist; a look at the overview leaves one allowed entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from truce.application.access_guard import Decision, audit_decision
from truce.application.auth import AccountStatus, AuthService, IssuedToken
from truce.domain.access import Action, Deny, Principal, Resource, ResourceKind, decide
from truce.domain.agreements import Agreement
from truce.domain.auth import ApiToken
from truce.domain.errors import NotFoundError

# The resource id the overview is decided on: no member has it, so "other accounts" holds.
_DIRECTORY = "accounts"


@dataclass(frozen=True, slots=True)
class Administration:
    """What the operator's page shows: every account, every token, every agreement."""

    accounts: list[AccountStatus]
    tokens: list[ApiToken]
    usernames: dict[str, str]
    agreements: list[Agreement]


def member_resource(member_id: str) -> Resource:
    return Resource(ResourceKind.MEMBER, member_id)


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

    def _refuse(
        self,
        principal: Principal,
        member_id: str | None,
        reason: str,
        address: str | None,
        action: Action = Action.ADMINISTER,
    ) -> None:
        refused = Decision(principal, action, ResourceKind.MEMBER, member_id, Deny(reason), reason)
        with self.auth.uow() as uow:
            audit_decision(uow, self.auth.clock.now(), refused, address)
            uow.commit()
