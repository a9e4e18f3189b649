"""Signing in with an organisation's OpenID Connect provider, on both stores, against a fake
provider reached through httpx.MockTransport (nothing leaves the process).

The UN's provider serves the body `un`; the cast's UN mediator belongs to it."""

import pytest

from oidc_fake_idp import CLIENT_ID, CLIENT_SECRET, ISSUER, REDIRECT_URI, FakeIdp, new_key
from support import SequentialIds
from truce.adapters.passwords import Argon2Hasher
from truce.application.auth import AuthService
from truce.application.oidc import Callback, OidcService
from truce.domain.auth import ADDRESS_THROTTLE, AuthAction, TooManyAttemptsError
from truce.domain.errors import ConflictError, InvalidInputError, NotFoundError
from truce.domain.oidc import (
    PENDING_LIFETIME,
    ExternalIdentity,
    OidcProvider,
    OidcRefusedError,
    ProviderUnavailableError,
    digest,
)

FAST = Argon2Hasher(time_cost=1, memory_cost_kib=8, parallelism=1)
SERVER_SECRET = "a server secret of more than thirty-two characters"
HERE = "192.0.2.10"
ELSEWHERE = "198.51.100.20"
UN_PROVIDER = OidcProvider(
    name="un",
    issuer=ISSUER,
    client_id=CLIENT_ID,
    body_id="un",
    label="United Nations",
    client_secret_env="UN_OIDC_SECRET",
)


@pytest.fixture
def auth(uow_factory, clock, cast):
    return AuthService(
        uow_factory, clock, SequentialIds("member"), FAST, server_secret=SERVER_SECRET
    )


@pytest.fixture
def idp(clock):
    return FakeIdp(clock)


def an_oidc(uow_factory, clock, auth, idp):
    return OidcService(
        uow_factory,
        clock,
        idp.client(),
        auth,
        server_secret=SERVER_SECRET,
        environ={"UN_OIDC_SECRET": CLIENT_SECRET},
    )


@pytest.fixture
def oidc(uow_factory, clock, auth, idp):
    service = an_oidc(uow_factory, clock, auth, idp)
    service.add_provider(UN_PROVIDER)
    return service


@pytest.fixture
def mediator(cast):
    return cast["un_mediator"]


@pytest.fixture
def linked(oidc, mediator, idp):
    """The UN mediator provisioned with the subject the provider will assert."""
    return oidc.link(mediator.id, "un", subject=idp.subject)


def sign_in(oidc, idp, *, address=HERE, provider="un", cookie=None, spoil=None):
    started = oidc.begin(provider, REDIRECT_URI, address)
    back = idp.authorize(started.url)
    callback = Callback(
        state=back["state"],
        code=back["code"],
        error=None,
        browser_secret=started.browser_secret if cookie is None else cookie,
        redirect_uri=REDIRECT_URI,
        address=address,
    )
    if spoil is not None:
        callback = spoil(callback)
    return oidc.complete(provider, callback)


def refused(oidc, idp, **kwargs):
    with pytest.raises(OidcRefusedError) as caught:
        sign_in(oidc, idp, **kwargs)
    # What the browser is told never says which check failed.
    assert str(caught.value) == "authentication failed"
    return caught.value.reason


def last_sign_in(auth):
    return next(e for e in auth.audit_entries() if e.action == AuthAction.SIGN_IN)


# --- the happy path ---------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_a_linked_member_signs_in_and_gets_the_same_session_as_a_password(
    uow_factory, clock, auth, cast, algorithm
):
    idp = FakeIdp(clock, algorithm=algorithm)
    oidc = an_oidc(uow_factory, clock, auth, idp)
    oidc.add_provider(UN_PROVIDER)
    oidc.link(cast["un_mediator"].id, "un", subject=idp.subject)
    signed_in = sign_in(oidc, idp)
    assert signed_in.member == cast["un_mediator"]
    assert auth.session_member(signed_in.session_id) == cast["un_mediator"]
    entry = last_sign_in(auth)
    assert entry.allowed
    assert entry.actor_member_id == cast["un_mediator"].id
    assert entry.address == HERE
    assert "OpenID Connect provider un" in entry.reason


def test_the_authorization_request_carries_pkce_state_and_nonce(oidc, linked):
    started = oidc.begin("un", REDIRECT_URI, HERE)
    assert started.url.startswith(f"{ISSUER}/authorize?")
    for part in (
        "code_challenge_method=S256",
        "code_challenge=",
        "state=",
        "nonce=",
        "scope=openid",
    ):
        assert part in started.url
    # The browser's secret never travels to the provider.
    assert started.browser_secret not in started.url


def test_only_digests_of_a_sign_in_in_flight_are_stored(oidc, uow_factory, idp):
    started = oidc.begin("un", REDIRECT_URI, HERE)
    state = idp.authorize(started.url)["state"]
    with uow_factory() as uow:
        assert uow.oidc.logins.get(state) is None
        stored = uow.oidc.logins.get(digest(state))
    assert stored is not None
    assert stored.binding_hash == digest(started.browser_secret)
    assert stored.address == HERE
    assert stored.expires_at == stored.created_at + PENDING_LIFETIME


def test_a_verified_email_links_a_provisioned_member_at_the_first_sign_in(
    oidc, idp, mediator, uow_factory
):
    oidc.link(mediator.id, "un", email="Envoy.Office@UN.example")
    assert sign_in(oidc, idp).member == mediator
    with uow_factory() as uow:
        identity = uow.oidc.identities.by_subject(ISSUER, idp.subject)
    assert identity is not None
    assert identity.member_id == mediator.id
    assert identity.linked_at is not None
    # From then on the subject counts, whatever email the provider asserts.
    idp.email = "someone.else@un.example"
    assert sign_in(oidc, idp).member == mediator


def test_keys_rotated_by_the_provider_are_fetched_again(oidc, idp, linked):
    sign_in(oidc, idp)
    assert idp.jwks_fetches == 1
    idp.rotate()
    assert sign_in(oidc, idp).member.id == linked.member_id
    assert idp.jwks_fetches == 2
    # Known keys are not fetched again.
    sign_in(oidc, idp)
    assert idp.jwks_fetches == 2


# --- what is refused --------------------------------------------------------------------------


def test_a_wrong_nonce_is_refused(oidc, idp, linked):
    idp.claims["nonce"] = "a nonce of another sign-in"
    assert refused(oidc, idp) == "wrong nonce"


def test_a_wrong_audience_is_refused(oidc, idp, linked):
    idp.claims["aud"] = "another-client"
    assert refused(oidc, idp) == "wrong audience"


def test_a_token_for_several_audiences_needs_us_as_authorized_party(oidc, idp, linked):
    idp.claims["aud"] = [CLIENT_ID, "another-client"]
    assert refused(oidc, idp).startswith("several audiences")
    idp.claims["azp"] = "another-client"
    assert refused(oidc, idp) == "wrong authorized party (azp)"
    idp.claims["azp"] = CLIENT_ID
    assert sign_in(oidc, idp).member.id == linked.member_id


def test_a_wrong_issuer_is_refused(oidc, idp, linked):
    idp.claims["iss"] = "https://login.elsewhere.example"
    assert refused(oidc, idp) == "wrong issuer"


def test_an_expired_token_is_refused(oidc, idp, linked, clock):
    now = int(clock.now().timestamp())
    idp.claims.update(iat=now - 600, exp=now - 120)
    assert refused(oidc, idp) == "ID token expired"


def test_a_token_within_the_clock_leeway_is_accepted(oidc, idp, linked, clock):
    now = int(clock.now().timestamp())
    idp.claims.update(iat=now + 30, exp=now - 30)
    assert sign_in(oidc, idp).member.id == linked.member_id


def test_a_bad_signature_is_refused(oidc, idp, linked):
    # Signed by a forger's key under the published key's id.
    idp.forged_key = new_key("RS256", idp.signing_key.kid)
    assert refused(oidc, idp) == "bad signature"


def test_a_key_missing_after_a_fresh_fetch_is_refused_and_not_fetched_for_again(oidc, idp, linked):
    sign_in(oidc, idp)
    idp.forged_key = new_key("RS256", "never-published")
    idp.kid = "never-published"
    assert refused(oidc, idp).startswith("no key 'never-published'")
    assert idp.jwks_fetches == 2
    refused(oidc, idp)
    assert idp.jwks_fetches == 2


def test_an_algorithm_the_provider_does_not_advertise_is_refused(oidc, idp, linked):
    idp.discovery_overrides["id_token_signing_alg_values_supported"] = ["ES256"]
    assert refused(oidc, idp) == "signing algorithm 'RS256' not accepted"


def test_a_wrong_at_hash_is_refused(oidc, idp, linked):
    idp.claims["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA"
    assert refused(oidc, idp) == "at_hash does not match the access token"


def test_a_replayed_state_is_refused(oidc, idp, linked):
    started = oidc.begin("un", REDIRECT_URI, HERE)
    back = idp.authorize(started.url)
    callback = Callback(
        back["state"], back["code"], None, started.browser_secret, REDIRECT_URI, HERE
    )
    oidc.complete("un", callback)
    with pytest.raises(OidcRefusedError) as caught:
        oidc.complete("un", callback)
    assert caught.value.reason == "unknown or already used state"


def test_a_state_from_another_browser_is_refused_and_stays_usable(oidc, idp, linked):
    started = oidc.begin("un", REDIRECT_URI, HERE)
    back = idp.authorize(started.url)
    stolen = Callback(back["state"], back["code"], None, "another browser", REDIRECT_URI, ELSEWHERE)
    with pytest.raises(OidcRefusedError) as caught:
        oidc.complete("un", stolen)
    assert caught.value.reason == "state bound to another browser"
    # The thief did not spend the real browser's state.
    back_again = idp.authorize(started.url)
    mine = Callback(
        back["state"], back_again["code"], None, started.browser_secret, REDIRECT_URI, HERE
    )
    assert oidc.complete("un", mine).member.id == linked.member_id


def test_an_expired_state_is_refused(oidc, idp, linked, clock):
    started = oidc.begin("un", REDIRECT_URI, HERE)
    back = idp.authorize(started.url)
    clock.advance(seconds=PENDING_LIFETIME.total_seconds() + 1)
    callback = Callback(
        back["state"], back["code"], None, started.browser_secret, REDIRECT_URI, HERE
    )
    with pytest.raises(OidcRefusedError) as caught:
        oidc.complete("un", callback)
    assert caught.value.reason == "state expired"


def test_a_callback_without_the_cookie_is_refused(oidc, idp, linked):
    assert refused(oidc, idp, cookie="") == "callback without state, code or the browser's cookie"


def test_an_error_from_the_provider_is_refused(oidc, idp, linked):
    def denied(callback):
        return Callback(
            callback.state, None, "access_denied", callback.browser_secret, REDIRECT_URI, HERE
        )

    assert refused(oidc, idp, spoil=denied) == "provider answered error 'access_denied'"


def test_a_code_for_another_redirect_uri_is_refused_by_the_provider(oidc, idp, linked):
    def elsewhere(callback):
        return Callback(
            callback.state,
            callback.code,
            None,
            callback.browser_secret,
            "https://evil.example/cb",
            HERE,
        )

    assert refused(oidc, idp, spoil=elsewhere).startswith("token endpoint refused the code")


def test_an_unlinked_subject_is_refused_and_no_member_is_created(oidc, idp, cast, auth):
    before = {a.member.id for a in auth.accounts()}
    assert refused(oidc, idp) == "subject not linked to any member"
    assert {a.member.id for a in auth.accounts()} == before
    entry = last_sign_in(auth)
    assert not entry.allowed
    assert entry.address == HERE
    assert entry.reason == "OpenID Connect provider un: subject not linked to any member"


def test_an_unverified_email_does_not_link(oidc, idp, mediator):
    oidc.link(mediator.id, "un", email=idp.email)
    idp.email_verified = False
    assert refused(oidc, idp) == "email matches a provisioned member but is not verified"


def test_the_operator_cannot_link_across_bodies(oidc, cast):
    with pytest.raises(InvalidInputError):
        oidc.link(cast["gov_liaison"].id, "un", subject="someone")
    with pytest.raises(InvalidInputError):
        oidc.link(cast["guarantor_ru"].id, "un", email="delegate@mid.example")


def test_an_identity_linked_across_bodies_is_refused_at_sign_in(
    oidc, idp, cast, uow_factory, clock
):
    # As if written by hand into the store, past the operator's check.
    with uow_factory() as uow:
        uow.oidc.identities.add(
            ExternalIdentity(ISSUER, cast["gov_liaison"].id, "un", clock.now(), subject=idp.subject)
        )
        uow.commit()
    assert refused(oidc, idp) == "member of body gov, provider serves un"


def test_a_disabled_member_is_refused(oidc, idp, linked, auth, mediator):
    auth.disable_member(mediator.id)
    assert refused(oidc, idp) == "account disabled"
    assert last_sign_in(auth).actor_member_id == mediator.id


def test_failures_are_throttled_per_address(oidc, idp, linked):
    idp.claims["nonce"] = "wrong"
    for _ in range(ADDRESS_THROTTLE.limit):
        refused(oidc, idp)
    with pytest.raises(TooManyAttemptsError):
        oidc.begin("un", REDIRECT_URI, HERE)
    # Another address is not held up.
    del idp.claims["nonce"]
    assert sign_in(oidc, idp, address=ELSEWHERE).member.id == linked.member_id


def test_a_discovery_document_naming_another_issuer_is_refused(oidc, idp):
    idp.discovery_overrides["issuer"] = "https://login.elsewhere.example"
    with pytest.raises(ProviderUnavailableError) as caught:
        oidc.begin("un", REDIRECT_URI, HERE)
    assert caught.value.reason == "discovery names another issuer"


def test_a_missing_client_secret_variable_fails_without_a_crash(
    uow_factory, clock, auth, idp, linked
):
    oidc = OidcService(uow_factory, clock, idp.client(), auth, environ={})
    reason = refused(oidc, idp)
    assert reason == "UN_OIDC_SECRET is not set"


def test_an_unknown_provider_is_not_found(oidc):
    with pytest.raises(NotFoundError):
        oidc.begin("nobody", REDIRECT_URI, HERE)


# --- the operator's side ----------------------------------------------------------------------


def test_a_sealed_client_secret_is_stored_encrypted(uow_factory, clock, auth, idp, cast):
    oidc = an_oidc(uow_factory, clock, auth, idp)
    public = OidcProvider("un", ISSUER, CLIENT_ID, "un")
    stored = oidc.add_provider(public, client_secret=CLIENT_SECRET)
    assert stored.sealed_client_secret is not None
    assert CLIENT_SECRET.encode() not in stored.sealed_client_secret
    assert stored.secret_source == "sealed"
    oidc.link(cast["un_mediator"].id, "un", subject=idp.subject)
    assert sign_in(oidc, idp).member == cast["un_mediator"]


def test_providers_are_named_once_and_refused_when_unsafe(oidc):
    with pytest.raises(ConflictError):
        oidc.add_provider(UN_PROVIDER)
    plain = OidcProvider("plain", "http://login.example", CLIENT_ID, "un")
    with pytest.raises(InvalidInputError):
        oidc.add_provider(plain)
    with pytest.raises(NotFoundError):
        oidc.add_provider(OidcProvider("ghost", ISSUER + "/x", CLIENT_ID, "no-such-body"))


def test_an_identity_is_linked_to_one_member_only(oidc, cast, idp, linked):
    with pytest.raises(ConflictError):
        oidc.link(cast["un_mediator"].id, "un", email="second@un.example")
    oidc.unlink(cast["un_mediator"].id, "un")
    oidc.link(cast["un_mediator"].id, "un", email="second@un.example")
    with pytest.raises(NotFoundError):
        oidc.unlink(cast["gov_liaison"].id, "un")


def test_provider_changes_and_links_are_on_the_record_and_audited(oidc, linked, uow_factory, auth):
    oidc.remove_provider("un")
    with uow_factory() as uow:
        kinds = [entry.kind for entry in uow.record.entries(0, uow.record.size())]
    assert "oidc.provider.added" in kinds
    assert "member.identity_linked" in kinds
    assert "oidc.provider.removed" in kinds
    reasons = [entry.reason for entry in auth.audit_entries()]
    assert "provider removed" in reasons
    assert oidc.providers() == []
