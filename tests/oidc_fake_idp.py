"""A fake OpenID Connect provider, served to the adapter through httpx.MockTransport: nothing
leaves the process. It checks what a real provider checks (the client's secret, the redirect
URI, the PKCE verifier, one use per code) and lets a test spoil what it sends back."""

from __future__ import annotations

import base64
import hashlib
import secrets
import warnings
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlsplit

import httpx
from joserfc import jwt
from joserfc.jwk import ECKey, Key, OKPKey, RSAKey

from support import FixedClock
from truce.adapters.oidc_client import HttpOidcClient

ISSUER = "https://login.un.example"
CLIENT_ID = "truce-mechanism"
CLIENT_SECRET = "a client secret the provider issued"
REDIRECT_URI = "http://127.0.0.1/login/oidc/un/callback"


def new_key(algorithm: str, kid: str) -> Key:
    parameters = {"kid": kid, "use": "sig"}
    if algorithm.startswith(("RS", "PS")):
        return RSAKey.generate_key(2048, parameters=parameters)
    if algorithm == "ES256":
        return ECKey.generate_key("P-256", parameters=parameters)
    return OKPKey.generate_key("Ed25519", parameters=parameters)


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    nonce: str
    challenge: str
    subject: str


@dataclass
class FakeIdp:
    clock: FixedClock
    issuer: str = ISSUER
    algorithm: str = "RS256"
    subject: str = "un-staff-0001"
    email: str | None = "envoy.office@un.example"
    email_verified: bool = True
    # What the next ID tokens say beyond the usual (a key set to None is dropped).
    claims: dict[str, Any] = field(default_factory=dict)
    # A key to sign with in place of the published one (a forger's).
    forged_key: Key | None = None
    # A key id to name in place of the signing key's.
    kid: str | None = None
    discovery_overrides: dict[str, Any] = field(default_factory=dict)
    jwks_fetches: int = 0
    token_requests: int = 0

    def __post_init__(self) -> None:
        self.keys = [new_key(self.algorithm, "key-1")]
        self._grants: dict[str, _Grant] = {}

    @property
    def signing_key(self) -> Key:
        return self.keys[-1]

    def rotate(self) -> None:
        """Publish a new key and sign with it from now on (the old one stays published)."""
        self.keys.append(new_key(self.algorithm, f"key-{len(self.keys) + 1}"))

    def client(self) -> HttpOidcClient:
        return HttpOidcClient(self.clock, transport=httpx.MockTransport(self.handle))

    # --- the browser's visit ----------------------------------------------------------------

    def authorize(self, url: str) -> dict[str, str]:
        """The person signs in at the provider; the query the browser brings back."""
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{self.issuer}/authorize"
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        assert query["response_type"] == "code"
        assert query["code_challenge_method"] == "S256"
        assert "openid" in query["scope"].split()
        code = secrets.token_urlsafe(16)
        self._grants[code] = _Grant(
            query["client_id"],
            query["redirect_uri"],
            query["nonce"],
            query["code_challenge"],
            self.subject,
        )
        return {"code": code, "state": query["state"]}

    # --- the back channel -------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "GET" and path == "/.well-known/openid-configuration":
            return httpx.Response(200, json=self.discovery())
        if request.method == "GET" and path == "/jwks":
            self.jwks_fetches += 1
            keys = [key.as_dict(private=False) for key in self.keys]
            return httpx.Response(200, json={"keys": keys})
        if request.method == "POST" and path == "/token":
            self.token_requests += 1
            return self._token(request)
        return httpx.Response(404, json={"error": "not_found"})

    def discovery(self) -> dict[str, Any]:
        document = {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [self.algorithm],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }
        document.update(self.discovery_overrides)
        return document

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {key: values[0] for key, values in parse_qs(request.content.decode()).items()}
        if client_credentials(request) != (CLIENT_ID, CLIENT_SECRET):
            return httpx.Response(401, json={"error": "invalid_client"})
        grant = self._grants.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if (
            grant is None
            or form.get("grant_type") != "authorization_code"
            or form.get("redirect_uri") != grant.redirect_uri
            or challenge.rstrip(b"=").decode() != grant.challenge
        ):
            return httpx.Response(400, json={"error": "invalid_grant"})
        access_token = secrets.token_urlsafe(24)
        id_token = self.id_token(grant, access_token)
        body = {"access_token": access_token, "token_type": "Bearer", "id_token": id_token}
        return httpx.Response(200, json=body)

    def id_token(self, grant: _Grant, access_token: str) -> str:
        now = int(self.clock.now().timestamp())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": grant.subject,
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant.nonce,
            "at_hash": at_hash(access_token, self.algorithm),
        }
        if self.email is not None:
            claims.update(email=self.email, email_verified=self.email_verified)
        claims.update(self.claims)
        claims = {key: value for key, value in claims.items() if value is not None}
        return self.sign(claims)

    def sign(self, claims: dict[str, Any]) -> str:
        key = self.forged_key or self.signing_key
        header = {"alg": self.algorithm, "kid": self.kid or self.signing_key.kid, "typ": "JWT"}
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="EdDSA is deprecated")
            return jwt.encode(header, claims, key, algorithms=[self.algorithm])


def client_credentials(request: httpx.Request) -> tuple[str, str] | None:
    """client_secret_basic: both parts form-encoded, then Basic (RFC 6749 section 2.3.1)."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme != "Basic":
        return None
    client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
    return unquote_plus(client_id), unquote_plus(secret)


def at_hash(access_token: str, algorithm: str) -> str:
    name = "sha512" if algorithm in {"EdDSA", "Ed25519"} else "sha256"
    digest = hashlib.new(name, access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()
