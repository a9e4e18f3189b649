"""The OpenID Connect client: discovery, the token endpoint and ID token signatures, over
httpx and joserfc (the application imports neither).

Discovery documents and key sets are cached per process. A token that names a key not in the
cached set makes the set be fetched again once (the provider rotated its keys); a key id
that is still missing afterwards is not fetched for again until a short interval has passed,
so a stream of such tokens cannot make this server hammer the provider.

Tests give a `transport` (httpx.MockTransport) in place of the network.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import quote_plus

import httpx
from joserfc import jwt
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import Key, KeySet

from truce.application.oidc_ports import ProviderMetadata, TokenResponse, VerifiedToken
from truce.application.ports import Clock
from truce.domain.oidc import (
    SUPPORTED_ALGORITHMS,
    OidcRefusedError,
    ProviderUnavailableError,
    url_problem,
)

TIMEOUT_SECONDS: Final = 10.0
# A discovery document, a key set or a token response is a few kilobytes.
MAX_RESPONSE_BYTES: Final = 512 * 1024
METADATA_TTL: Final = timedelta(hours=1)
KEYS_TTL: Final = timedelta(hours=1)
# How soon a key id that was missing after a fresh fetch may be looked for again.
MISSING_KEY_RETRY: Final = timedelta(minutes=1)
MAX_ID_TOKEN_LENGTH: Final = 16 * 1024
_KEY_TYPES: Final = {
    "RS256": "RSA",
    "PS256": "RSA",
    "ES256": "EC",
    "EdDSA": "OKP",
    "Ed25519": "OKP",
}


@dataclass
class _Keys:
    keys: KeySet
    fetched_at: datetime
    missing: set[str] = field(default_factory=set)

    def find(self, kid: str | None, algorithm: str) -> Key | None:
        usable = [
            key
            for key in self.keys
            if key.key_type == _KEY_TYPES.get(algorithm) and key.get("use", "sig") == "sig"
        ]
        if kid is None:
            # Only an unambiguous set may do without a key id.
            return usable[0] if len(usable) == 1 else None
        return next((key for key in usable if key.kid == kid), None)


class HttpOidcClient:
    """Speaks to providers over HTTPS (plain HTTP only on the loopback, as checked by the
    domain). Thread-safe: the web app calls it from worker threads."""

    def __init__(self, clock: Clock, *, transport: httpx.BaseTransport | None = None) -> None:
        self._clock = clock
        self._http = httpx.Client(
            transport=transport,
            timeout=TIMEOUT_SECONDS,
            follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": "truce-oidc"},
        )
        self._lock = threading.Lock()
        self._metadata: dict[str, tuple[datetime, ProviderMetadata]] = {}
        self._keys: dict[str, _Keys] = {}

    def close(self) -> None:
        self._http.close()

    # --- discovery --------------------------------------------------------------------------

    def metadata(self, issuer: str) -> ProviderMetadata:
        now = self._clock.now()
        with self._lock:
            cached = self._metadata.get(issuer)
        if cached is not None and now - cached[0] < METADATA_TTL:
            return cached[1]
        url = f"{issuer.rstrip('/')}/.well-known/openid-configuration"
        metadata = _checked_metadata(issuer, self._get_json(url, "discovery"))
        with self._lock:
            self._metadata[issuer] = (now, metadata)
        return metadata

    # --- the token endpoint -----------------------------------------------------------------

    def exchange_code(
        self,
        metadata: ProviderMetadata,
        *,
        client_id: str,
        client_secret: str | None,
        code: str,
        redirect_uri: str,
        code_verifier: str,
    ) -> TokenResponse:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        headers: dict[str, str] = {}
        methods = metadata.token_auth_methods
        if client_secret is None:
            form["client_id"] = client_id
        elif "client_secret_basic" in methods:
            # RFC 6749 section 2.3.1: both parts form-encoded before Basic encoding.
            pair = f"{quote_plus(client_id)}:{quote_plus(client_secret)}"
            headers["Authorization"] = f"Basic {base64.b64encode(pair.encode()).decode()}"
        elif "client_secret_post" in methods:
            form.update(client_id=client_id, client_secret=client_secret)
        else:
            raise ProviderUnavailableError("no client authentication method in common")
        try:
            response = self._http.post(metadata.token_endpoint, data=form, headers=headers)
        except httpx.HTTPError as error:
            raise ProviderUnavailableError(f"token endpoint: {type(error).__name__}") from None
        body = _json_body(response, "token endpoint")
        if response.status_code in {400, 401}:
            error_code = body.get("error") if isinstance(body, dict) else None
            raise OidcRefusedError(f"token endpoint refused the code ({str(error_code)[:60]})")
        if response.status_code != httpx.codes.OK or not isinstance(body, dict):
            raise ProviderUnavailableError(f"token endpoint answered {response.status_code}")
        id_token, access_token = body.get("id_token"), body.get("access_token")
        if not isinstance(id_token, str) or len(id_token) > MAX_ID_TOKEN_LENGTH:
            raise OidcRefusedError("token endpoint sent no usable ID token")
        return TokenResponse(id_token, access_token if isinstance(access_token, str) else None)

    # --- ID token signatures ----------------------------------------------------------------

    def verify_id_token(self, metadata: ProviderMetadata, id_token: str) -> VerifiedToken:
        header = _unverified_header(id_token)
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in metadata.algorithms:
            raise OidcRefusedError(f"signing algorithm {str(algorithm)[:20]!r} not accepted")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise OidcRefusedError("ID token with a malformed key id")
        key = self._key(metadata.jwks_uri, kid, algorithm)
        try:
            with warnings.catch_warnings():
                # joserfc warns that RFC 9864 deprecates the name "EdDSA"; providers still
                # advertise it, and over Ed25519 keys it is the same algorithm as "Ed25519".
                warnings.filterwarnings("ignore", message="EdDSA is deprecated")
                token = jwt.decode(id_token, key, algorithms=[algorithm])
        except BadSignatureError:
            raise OidcRefusedError("bad signature") from None
        except (JoseError, ValueError) as error:
            raise OidcRefusedError(f"unreadable ID token ({type(error).__name__})") from None
        return VerifiedToken(algorithm, dict(token.claims))

    def _key(self, jwks_uri: str, kid: str | None, algorithm: str) -> Key:
        now = self._clock.now()
        with self._lock:
            cached = self._keys.get(jwks_uri)
        if cached is None or now - cached.fetched_at >= KEYS_TTL:
            cached = self._fetch_keys(jwks_uri, now)
        key = cached.find(kid, algorithm)
        if key is None and _may_look_again(cached, kid, now):
            # An unknown key id: the provider has probably rotated its keys.
            cached = self._fetch_keys(jwks_uri, now)
            key = cached.find(kid, algorithm)
            if key is None and kid is not None:
                cached.missing.add(kid)
        if key is None:
            raise OidcRefusedError(f"no key {str(kid)[:40]!r} for {algorithm} in the key set")
        return key

    def _fetch_keys(self, jwks_uri: str, now: datetime) -> _Keys:
        document = self._get_json(jwks_uri, "key set")
        try:
            keys = KeySet.import_key_set(document)  # type: ignore[arg-type]  # checked below
        except (JoseError, ValueError, KeyError, TypeError) as error:
            raise ProviderUnavailableError(f"key set unreadable ({type(error).__name__})") from None
        fetched = _Keys(keys, now)
        with self._lock:
            self._keys[jwks_uri] = fetched
        return fetched

    # --- HTTP -------------------------------------------------------------------------------

    def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            response = self._http.get(url)
        except httpx.HTTPError as error:
            raise ProviderUnavailableError(f"{what}: {type(error).__name__}") from None
        body = _json_body(response, what)
        if response.status_code != httpx.codes.OK or not isinstance(body, dict):
            raise ProviderUnavailableError(f"{what} answered {response.status_code}")
        return body

    def __repr__(self) -> str:
        return f"HttpOidcClient(issuers={sorted(self._metadata)})"


def _may_look_again(cached: _Keys, kid: str | None, now: datetime) -> bool:
    if kid is None:
        return False
    return kid not in cached.missing or now - cached.fetched_at >= MISSING_KEY_RETRY


def _json_body(response: httpx.Response, what: str) -> object:
    content = response.content
    if len(content) > MAX_RESPONSE_BYTES:
        raise ProviderUnavailableError(f"{what}: answer too large")
    try:
        return json.loads(content)
    except ValueError:
        if response.status_code != httpx.codes.OK:
            return None
        raise ProviderUnavailableError(f"{what}: answer is not JSON") from None


def _checked_metadata(issuer: str, document: dict[str, Any]) -> ProviderMetadata:
    """OpenID Connect Discovery 1.0, section 4.3: the document's issuer must be exactly the
    one asked for, or another provider could speak for this one."""
    if document.get("issuer") != issuer:
        raise ProviderUnavailableError("discovery names another issuer")
    endpoints = {}
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = document.get(name)
        if not isinstance(value, str) or url_problem(value):
            raise ProviderUnavailableError(f"discovery: unusable {name}")
        endpoints[name] = value
    advertised = _strings(document, "id_token_signing_alg_values_supported", ["RS256"])
    algorithms = tuple(alg for alg in SUPPORTED_ALGORITHMS if alg in advertised)
    if not algorithms:
        raise ProviderUnavailableError("discovery: no signing algorithm this server verifies")
    challenges = _strings(document, "code_challenge_methods_supported", ["S256"])
    if "S256" not in challenges:
        raise ProviderUnavailableError("discovery: PKCE S256 not supported")
    auth_methods = _strings(
        document, "token_endpoint_auth_methods_supported", ["client_secret_basic"]
    )
    return ProviderMetadata(
        issuer=issuer,
        authorization_endpoint=endpoints["authorization_endpoint"],
        token_endpoint=endpoints["token_endpoint"],
        jwks_uri=endpoints["jwks_uri"],
        algorithms=algorithms,
        token_auth_methods=tuple(auth_methods),
    )


def _strings(document: dict[str, Any], name: str, default: list[str]) -> list[str]:
    value = document.get(name, default)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ProviderUnavailableError(f"discovery: {name} is not a list of strings")
    return value


def _unverified_header(id_token: str) -> dict[str, object]:
    """The JOSE header, read only to choose the key; the signature is checked after."""
    if len(id_token) > MAX_ID_TOKEN_LENGTH or id_token.count(".") != 2:  # noqa: PLR2004 - three parts
        raise OidcRefusedError("ID token is not a signed JWT")
    encoded = id_token.split(".", 1)[0]
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        header = json.loads(raw)
    except (binascii.Error, ValueError):
        raise OidcRefusedError("ID token header unreadable") from None
    if not isinstance(header, dict):
        raise OidcRefusedError("ID token header unreadable")
    return header
