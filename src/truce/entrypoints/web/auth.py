"""Who is asking: an API token (Authorization: Bearer), a session cookie, or nobody.

Translation only: the AuthService decides whether a token or session is good, the access
policy decides what the principal may see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from litestar import Request
from litestar.exceptions import PermissionDeniedException

from truce.application.talks import CredentialKind, StreamCredential
from truce.bootstrap import Services
from truce.domain.access import ANONYMOUS, Principal
from truce.domain.auth import AuthenticationError, InsufficientScopeError, Scope, secret_digest
from truce.domain.parties import Member

SESSION_COOKIE = "truce_session"
API_PREFIX = "/api/"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
COOKIE_ON_UNSAFE_API = "session cookie on an unsafe API request"
COOKIE_ON_UNSAFE_API_DETAIL = (
    "The API changes data only for an API token (Authorization: Bearer), not a browser session"
)


@dataclass(frozen=True, slots=True)
class Viewer:
    member: Member | None
    principal: Principal
    address: str
    # The token's scopes; None for a browser session, which may do what the member may.
    scopes: frozenset[Scope] | None = None
    # The token's id, and where a refusal for a missing scope is written (the audit trail).
    token_id: str | None = None
    on_refused_scope: Callable[[str, str, Scope, str], None] | None = field(
        default=None, repr=False, compare=False
    )
    # What signed this request in (the session by its digest, or the token by its id): a
    # talks stream checks it again on every delivery round and ends when it does.
    credential: StreamCredential | None = field(default=None, repr=False, compare=False)

    def require(self, scope: Scope) -> None:
        """Refuse a token that was not given this scope (403), as a denied attempt in the
        audit trail; the response says no more than 403."""
        if self.member is None:
            raise AuthenticationError
        if self.scopes is not None and scope not in self.scopes:
            if self.on_refused_scope is not None and self.token_id is not None:
                self.on_refused_scope(self.member.id, self.token_id, scope, self.address)
            raise InsufficientScopeError


def client_address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def resolve_viewer(request: Request[Any, Any, Any], services: Services) -> Viewer:
    address = client_address(request)
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        # Another scheme, or none, is refused like a bad token, and audited alike.
        presented = token.strip() if scheme.lower() == "bearer" else ""
        holder = services.auth.authenticate_token(presented, address=address)
        principal = services.registry.principal_for(holder.member)
        return Viewer(
            holder.member,
            principal,
            address,
            frozenset(holder.scopes),
            token_id=holder.token_id,
            on_refused_scope=services.auth.refuse_scope,
            credential=StreamCredential(CredentialKind.TOKEN, holder.token_id, holder.member.id),
        )
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        try:
            member = services.auth.session_member(session_id, address=address)
        except AuthenticationError:
            # An expired or revoked cookie reads as signed out, not as an error page.
            return Viewer(None, ANONYMOUS, address)
        if _unsafe_api_call(request):
            # The API is outside the forms' CSRF check, so the cookie a browser sends on
            # its own must not carry a change there: only a token may (SECURITY, CSRF).
            services.auth.refuse_session(member.id, COOKIE_ON_UNSAFE_API, address)
            raise PermissionDeniedException(detail=COOKIE_ON_UNSAFE_API_DETAIL)
        credential = StreamCredential(CredentialKind.SESSION, secret_digest(session_id), member.id)
        return Viewer(
            member, services.registry.principal_for(member), address, credential=credential
        )
    return Viewer(None, ANONYMOUS, address)


def _unsafe_api_call(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith(API_PREFIX) and request.method not in SAFE_METHODS
