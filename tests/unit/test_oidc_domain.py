"""The pure side of OpenID Connect sign-in: ID token claims, provider settings, PKCE."""

import base64
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from support import START
from truce.application.oidc import parse_declared_providers, scopes_from
from truce.domain.errors import InvalidInputError
from truce.domain.oidc import (
    CLOCK_LEEWAY,
    Expected,
    OidcProvider,
    OidcRefusedError,
    access_token_hash,
    check_claims,
    check_identity_claim,
    check_provider,
    code_challenge,
    code_verifier_for,
    nonce_for,
    url_problem,
)

ISSUER = "https://login.un.example"
CLIENT = "truce"
NONCE = "n-0S6_WzA2Mj"
NOW = int(START.timestamp())


def expected(**overrides):
    values = {
        "issuer": ISSUER,
        "client_id": CLIENT,
        "nonce": NONCE,
        "now": START,
        "algorithm": "RS256",
    }
    values.update(overrides)
    return Expected(**values)


def claims(**overrides):
    values = {
        "iss": ISSUER,
        "sub": "248289761001",
        "aud": CLIENT,
        "iat": NOW,
        "exp": NOW + 300,
        "nonce": NONCE,
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def reason(given_claims, **overrides):
    with pytest.raises(OidcRefusedError) as caught:
        check_claims(given_claims, expected(**overrides))
    return caught.value.reason


def test_good_claims_give_the_asserted_identity():
    asserted = check_claims(claims(email="Envoy@UN.example", email_verified=True), expected())
    assert asserted.subject == "248289761001"
    assert asserted.email == "envoy@un.example"
    assert asserted.email_verified


@pytest.mark.parametrize("verified", ["true", 1, None, False])
def test_only_a_json_true_verifies_an_email(verified):
    asserted = check_claims(claims(email="a@un.example", email_verified=verified), expected())
    assert not asserted.email_verified


@pytest.mark.parametrize(
    ("overrides", "why"),
    [
        ({"iss": "https://login.un.example/"}, "wrong issuer"),
        ({"aud": "someone-else"}, "wrong audience"),
        ({"aud": ["someone-else"]}, "wrong audience"),
        ({"aud": None}, "wrong audience"),
        ({"aud": [CLIENT, "other"]}, "several audiences and no authorized party (azp)"),
        ({"azp": "other"}, "wrong authorized party (azp)"),
        ({"exp": NOW - int(CLOCK_LEEWAY.total_seconds())}, "ID token expired"),
        ({"exp": "tomorrow"}, "ID token without numeric exp and iat"),
        ({"iat": True}, "ID token without numeric exp and iat"),
        ({"iat": NOW + 3600}, "ID token issued in the future"),
        ({"nbf": NOW + 3600}, "ID token issued in the future"),
        ({"iat": NOW - 3600, "exp": NOW + 3600}, "ID token issued too long ago"),
        ({"nonce": "another"}, "wrong nonce"),
        ({"nonce": None}, "wrong nonce"),
        ({"sub": ""}, "ID token without a usable subject"),
        ({"sub": 42}, "ID token without a usable subject"),
    ],
)
def test_each_check_names_its_reason(overrides, why):
    assert reason(claims(**overrides)) == why


def test_the_leeway_admits_small_clock_differences():
    leeway = int(CLOCK_LEEWAY.total_seconds())
    check_claims(claims(iat=NOW + leeway - 1, exp=NOW - leeway + 1), expected())


def test_at_hash_is_checked_when_present():
    token = "jHkWEdUXMU1BwAsC4vtUsZwnNFhW5y3Q4l3gl"
    good = access_token_hash(token, "RS256")
    check_claims(claims(at_hash=good), expected(access_token=token))
    assert reason(claims(at_hash=good), access_token="another") == (
        "at_hash does not match the access token"
    )
    assert reason(claims(at_hash=good), access_token=token, algorithm="HS256") == "unusable at_hash"


def test_at_hash_follows_openid_connect_core_example():
    # OpenID Connect Core 1.0, the worked example of at_hash (RS256, SHA-256).
    token = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
    assert access_token_hash(token, "RS256") == "77QmUPtjPfzWtF2AnpK9RQ"
    # EdDSA hashes with SHA-512 (OpenID Connect Core errata, issue 1125).
    eddsa = access_token_hash("dNZX1hEZ9wBCzNL40Upu646bdzQA", "EdDSA")
    assert eddsa == "8xltSlOGYrWy8W9yNvRlEth1i_bXW-JROWPLvCv5zog"


def test_pkce_follows_rfc_7636_example():
    # RFC 7636, appendix B.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


@given(st.text(min_size=1, max_size=60))
def test_nonce_and_verifier_are_derived_apart_and_valid(secret):
    verifier = code_verifier_for(secret)
    assert len(verifier) == 43
    assert set(verifier) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert nonce_for(secret) != verifier
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    assert code_challenge(verifier) == digest.decode()


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://login.un.example", True),
        ("https://login.un.example/realms/un", True),
        ("http://127.0.0.1:8080", True),
        ("http://localhost:8080/idp", True),
        ("http://login.un.example", False),
        ("ftp://login.un.example", False),
        ("https://user:pw@login.un.example", False),
        ("login.un.example", False),
        ("https://" + "a" * 600, False),
    ],
)
def test_provider_urls_must_be_https_except_on_the_loopback(url, ok):
    assert (url_problem(url) is None) is ok


def test_a_provider_is_checked_field_by_field():
    bad = OidcProvider(
        "UN!", "https://x.example?q=1", "", "un", client_secret_env="1BAD", scopes=("email",)
    )
    with pytest.raises(InvalidInputError) as caught:
        check_provider(bad)
    assert {e.field for e in caught.value.errors} == {
        "name",
        "issuer",
        "client_id",
        "client_secret_env",
        "scopes",
    }


def test_an_identity_is_given_by_subject_or_email_not_both():
    with pytest.raises(InvalidInputError):
        check_identity_claim(None, None)
    with pytest.raises(InvalidInputError):
        check_identity_claim("sub", "a@un.example")
    with pytest.raises(InvalidInputError):
        check_identity_claim(None, "not-an-address")
    check_identity_claim("sub", None)
    check_identity_claim(None, "a@un.example")


def test_declared_providers_are_read_from_json():
    (provider,) = parse_declared_providers(
        '[{"name": "un", "issuer": "https://login.un.example", "client_id": "truce", '
        '"body": "un", "client_secret_env": "UN_SECRET", "scopes": ["openid", "email", "profile"]}]'
    )
    assert provider.declared
    assert provider.body_id == "un"
    assert provider.scopes == ("openid", "email", "profile")
    assert parse_declared_providers("") == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", "not JSON"),
        ('{"name": "un"}', "JSON list"),
        ("[1]", "must be an object"),
        ('[{"name": "un"}]', "missing keys"),
        ('[{"name": "un", "issuer": "http://x.example", "client_id": "c", "body": "un"}]', "https"),
        (
            (
                '[{"name": "un", "issuer": "https://x.example", "client_id": "c", "body": "un", '
                '"scopes": "openid"}]'
            ),
            "list",
        ),
    ],
)
def test_bad_declared_providers_name_the_problem(text, words):
    with pytest.raises(ValueError, match=words):
        parse_declared_providers(text)


def test_scopes_start_with_openid_once():
    assert scopes_from(["email", "openid", " profile ", ""]) == ("openid", "email", "profile")
