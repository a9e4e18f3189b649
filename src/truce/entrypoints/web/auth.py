"""Who is asking: an API token (Authorization: Bearer), a session cookie, or nobody.

Translation only: the AuthService decides whether a token or session is good, the access
policy decides what the principal may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request

from truce.bootstrap import Services
from truce.domain.access import ANONYMOUS, Principal
from truce.domain.auth import AuthenticationError, InsufficientScopeError, Scope
from truce.domain.parties import Member

SESSION_COOKIE = "truce_session"


@dataclass(frozen=True, slots=True)
class Viewer:
    member: Member | None
    principal: Principal
    address: str
    # The token's scopes; None for a browser session, which may do what the member may.
    scopes: frozenset[Scope] | None = None

    def require(self, scope: Scope) -> None:
        """Refuse a token that was not given this scope (403)."""
        if self.member is None:
            raise AuthenticationError
        if self.scopes is not None and scope not in self.scopes:
            raise InsufficientScopeError


def client_address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def resolve_viewer(request: Request[Any, Any, Any], services: Services) -> Viewer:
    address = client_address(request)
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError
        holder = services.auth.authenticate_token(token.strip(), address=address)
        principal = services.registry.principal_for(holder.member)
        return Viewer(holder.member, principal, address, frozenset(holder.scopes))
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        try:
            member = services.auth.session_member(session_id)
        except AuthenticationError:
            # An expired or revoked cookie reads as signed out, not as an error page.
            return Viewer(None, ANONYMOUS, address)
        return Viewer(member, services.registry.principal_for(member), address)
    return Viewer(None, ANONYMOUS, address)
