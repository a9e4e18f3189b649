"""Authentication and the audit trail, on both stores: every test runs against the in-memory
fakes and the SQL store (SQLite, or PostgreSQL when TRUCE_TEST_DATABASE_URL is set)."""

import hashlib
import logging
from dataclasses import replace
from datetime import timedelta

import pytest
from pyotp import TOTP

from cast import GOV_LIAISON
from support import START, SequentialIds
from truce.adapters.passwords import Argon2Hasher
from truce.application.auth import (
    AuthService,
    SecretBox,
    SecretKeyMismatchError,
    SecretKeyMissingError,
)
from truce.domain.access import Action, Resource, ResourceKind, decide
from truce.domain.auth import (
    ACCOUNT_THROTTLE,
    ADDRESS_THROTTLE,
    DEMO_PASSWORD,
    SESSION_IDLE_TIMEOUT,
    SESSION_LIFETIME,
    TOTP_PERIOD_SECONDS,
    ApiToken,
    AuditEntry,
    AuthenticationError,
    Credential,
    DemoModeRequiredError,
    InsufficientScopeError,
    LoginFailure,
    Scope,
    SecondFactorRequiredError,
    TokenStatus,
    TooManyAttemptsError,
    new_session,
)
from truce.domain.confidentiality import Confidentiality
from truce.domain.errors import ConflictError, InvalidInputError, NotFoundError
from truce.domain.parties import Role

# Cheap parameters: the tests check the logic, not argon2's cost.
FAST = Argon2Hasher(time_cost=1, memory_cost_kib=8, parallelism=1)
SERVER_SECRET = "a server secret of more than thirty-two characters"
PASSWORD = "correct horse battery staple"
HERE = "192.0.2.10"
ELSEWHERE = "198.51.100.20"


def an_auth(uow_factory, clock, *, secret=SERVER_SECRET, demo=False, hasher=FAST):
    return AuthService(
        uow_factory, clock, SequentialIds("member"), hasher, server_secret=secret, demo=demo
    )


@pytest.fixture
def auth(uow_factory, clock, cast):
    service = an_auth(uow_factory, clock)
    for username in ("monitor", "gov_liaison", "opposition_liaison", "admin"):
        service.set_password(cast[username].id, PASSWORD)
    return service


def audit_reasons(auth):
    return [entry.reason for entry in auth.audit_entries()]


def another_code(code):
    """A well-formed code that is not `code`."""
    return f"{(int(code) + 1) % 1_000_000:06d}"


def fail_times(auth, username, times, address=HERE):
    for _ in range(times):
        with pytest.raises(AuthenticationError):
            auth.login(username, "not the password at all", address)


# --- passwords and sessions -------------------------------------------------------------------


def test_a_member_signs_in_and_the_session_leads_back_to_them(auth, cast, uow_factory):
    signed_in = auth.login("monitor", PASSWORD, HERE)
    assert signed_in.member == cast["monitor"]
    assert signed_in.expires_at == START + SESSION_LIFETIME
    assert auth.session_member(signed_in.session_id) == cast["monitor"]
    with uow_factory() as uow:
        assert uow.sessions.get(signed_in.session_id) is None
        stored = uow.sessions.get(hashlib.sha256(signed_in.session_id.encode()).hexdigest())
    assert stored is not None
    assert stored.member_id == cast["monitor"].id
    assert stored.address == HERE


def test_the_password_is_stored_only_as_an_argon2id_hash(auth, cast, uow_factory):
    with uow_factory() as uow:
        credential = uow.accounts.credential(cast["monitor"].id)
    assert credential is not None
    assert credential.password_hash is not None
    assert credential.password_hash.startswith("$argon2id$")
    assert PASSWORD not in credential.password_hash
    assert credential.password_changed_at == START
    assert PASSWORD not in repr(credential)


def test_each_session_id_is_new_and_random(auth):
    first = auth.login("monitor", PASSWORD, HERE).session_id
    second = auth.login("monitor", PASSWORD, HERE).session_id
    assert first != second
    assert len(first) >= 43  # 32 random bytes, base64url


def test_a_wrong_password_and_an_unknown_username_fail_alike(auth, cast):
    with pytest.raises(AuthenticationError) as wrong:
        auth.login("monitor", "not the password at all", HERE)
    with pytest.raises(AuthenticationError) as unknown:
        auth.login("nobody_at_all", PASSWORD, HERE)
    assert str(wrong.value) == str(unknown.value) == "authentication failed"
    assert type(wrong.value) is type(unknown.value)
    denied = auth.denied_attempts()
    assert [e.reason for e in denied] == ["unknown username", "wrong password"]
    assert [e.actor_member_id for e in denied] == [None, cast["monitor"].id]
    assert {e.address for e in denied} == {HERE}


class CountingHasher:
    """The fast hasher, counting how often a password is checked."""

    def __init__(self):
        self.verified = 0

    def hash(self, password):
        return FAST.hash(password)

    def verify(self, password_hash, password):
        self.verified += 1
        return FAST.verify(password_hash, password)

    def needs_rehash(self, password_hash):
        return FAST.needs_rehash(password_hash)


def test_an_unknown_username_costs_a_hash_like_a_known_one(uow_factory, clock, cast):
    counting = CountingHasher()
    auth = an_auth(uow_factory, clock, hasher=counting)
    auth.set_password(cast["monitor"].id, PASSWORD)
    for username in ("monitor", "nobody_at_all", "un_mediator"):
        before = counting.verified
        with pytest.raises(AuthenticationError):
            auth.login(username, "not the password at all", HERE)
        assert counting.verified == before + 1


def test_a_member_without_a_password_cannot_sign_in(auth):
    with pytest.raises(AuthenticationError):
        auth.login("un_mediator", "", HERE)
    assert audit_reasons(auth)[0] == "no password set"


def test_garbage_session_ids_are_refused(auth):
    for session_id in ("", "x", "y" * 5000, "'; DROP TABLE sessions; --"):
        with pytest.raises(AuthenticationError):
            auth.session_member(session_id)


def test_a_session_ends_after_an_idle_hour_and_at_its_lifetime(auth, clock):
    idle = auth.login("monitor", PASSWORD, HERE).session_id
    busy = auth.login("monitor", PASSWORD, HERE).session_id
    for _ in range(int(SESSION_LIFETIME / timedelta(minutes=30)) - 1):
        clock.advance(minutes=30)
        auth.session_member(busy)
    with pytest.raises(AuthenticationError):
        auth.session_member(idle)
    clock.advance(minutes=29)
    auth.session_member(busy)
    clock.advance(minutes=1)
    with pytest.raises(AuthenticationError):
        auth.session_member(busy)


def test_activity_keeps_a_session_from_idling_out(auth, clock):
    session_id = auth.login("monitor", PASSWORD, HERE).session_id
    clock.advance(seconds=SESSION_IDLE_TIMEOUT.total_seconds() - 60)
    auth.session_member(session_id)
    clock.advance(seconds=SESSION_IDLE_TIMEOUT.total_seconds() - 60)
    auth.session_member(session_id)


def test_logging_out_ends_the_session(auth):
    session_id = auth.login("monitor", PASSWORD, HERE).session_id
    auth.logout(session_id)
    with pytest.raises(AuthenticationError):
        auth.session_member(session_id)
    auth.logout(session_id)  # twice is harmless
    auth.logout("")


def test_a_new_password_ends_every_session_and_the_old_password(auth, cast):
    session_id = auth.login("monitor", PASSWORD, HERE).session_id
    auth.set_password(cast["monitor"].id, "a brand new passphrase", actor_id=cast["admin"].id)
    with pytest.raises(AuthenticationError):
        auth.session_member(session_id)
    with pytest.raises(AuthenticationError):
        auth.login("monitor", PASSWORD, HERE)
    auth.login("monitor", "a brand new passphrase", HERE)
    reset = next(e for e in auth.audit_entries() if e.action == Action.ADMINISTER)
    assert reset.actor_member_id == cast["admin"].id
    assert reset.reason == "password set; 1 sessions ended"


def test_a_weak_password_is_refused_before_anything_is_stored(auth, cast):
    with pytest.raises(InvalidInputError):
        auth.set_password(cast["monitor"].id, "short")
    auth.login("monitor", PASSWORD, HERE)
    with pytest.raises(NotFoundError):
        auth.set_password("member-nobody", PASSWORD)


def test_an_account_is_opened_with_its_password(auth, uow_factory):
    member = auth.open_account(
        "monitor_idlib", "Monitor, Idlib", "mechanism", [Role.MONITOR], PASSWORD
    )
    assert member.id == "member-000001"
    assert auth.login("monitor_idlib", PASSWORD, HERE).member == member
    with pytest.raises(InvalidInputError):
        auth.open_account("monitor_hama", "Monitor, Hama", "mechanism", [Role.MONITOR], "short")
    with uow_factory() as uow:
        assert uow.members.get_by_username("monitor_hama") is None
        assert any(e.kind == "member.added" for e in uow.record.about(f"member:{member.id}"))


def test_the_account_list_says_who_has_a_password_and_a_second_factor(auth, cast):
    statuses = {s.member.username: s for s in auth.accounts()}
    assert statuses["monitor"].has_password
    assert not statuses["un_mediator"].has_password
    assert not statuses["monitor"].has_second_factor
    assert len(statuses) == len(cast)


def test_a_hash_made_with_old_parameters_is_replaced_at_sign_in(uow_factory, clock, cast):
    old = an_auth(uow_factory, clock)
    old.set_password(cast["monitor"].id, PASSWORD)
    stronger = Argon2Hasher(time_cost=2, memory_cost_kib=16, parallelism=1)
    new = an_auth(uow_factory, clock, hasher=stronger)
    with uow_factory() as uow:
        before = uow.accounts.credential(cast["monitor"].id)
    assert before is not None
    assert stronger.needs_rehash(str(before.password_hash))
    new.login("monitor", PASSWORD, HERE)
    with uow_factory() as uow:
        after = uow.accounts.credential(cast["monitor"].id)
    assert after is not None
    assert after.password_hash != before.password_hash
    assert not stronger.needs_rehash(str(after.password_hash))
    new.login("monitor", PASSWORD, HERE)


def test_reauthentication_checks_the_password_again_and_counts_failures(auth, cast):
    auth.reauthenticate(cast["monitor"].id, PASSWORD, HERE)
    for _ in range(ACCOUNT_THROTTLE.limit):
        with pytest.raises(AuthenticationError):
            auth.reauthenticate(cast["monitor"].id, "not the password at all", HERE)
    with pytest.raises(TooManyAttemptsError):
        auth.login("monitor", PASSWORD, ELSEWHERE)


# --- throttling -------------------------------------------------------------------------------


def test_after_a_few_failures_an_account_is_refused_even_the_right_password(auth, clock):
    fail_times(auth, "monitor", ACCOUNT_THROTTLE.limit)
    clock.advance(minutes=1)
    with pytest.raises(TooManyAttemptsError) as throttled:
        auth.login("monitor", PASSWORD, ELSEWHERE)
    assert throttled.value.retry_after == ACCOUNT_THROTTLE.window - timedelta(minutes=1)
    assert audit_reasons(auth)[0] == "throttled"
    clock.advance(seconds=throttled.value.retry_after_seconds)
    auth.login("monitor", PASSWORD, ELSEWHERE)


def test_unknown_usernames_are_throttled_like_real_ones(auth):
    fail_times(auth, "nobody_at_all", ACCOUNT_THROTTLE.limit)
    with pytest.raises(TooManyAttemptsError):
        auth.login("nobody_at_all", PASSWORD, ELSEWHERE)
    with pytest.raises(TooManyAttemptsError):
        auth.login("NOBODY_AT_ALL ", PASSWORD, ELSEWHERE)


def test_one_address_trying_many_accounts_is_throttled(auth, cast):
    names = [f"guess_{n}" for n in range(ADDRESS_THROTTLE.limit)]
    for name in names:
        fail_times(auth, name, 1)
    with pytest.raises(TooManyAttemptsError):
        auth.login("monitor", PASSWORD, HERE)
    assert auth.login("monitor", PASSWORD, ELSEWHERE).member == cast["monitor"]


def test_refused_attempts_do_not_keep_the_throttle_shut(auth, clock):
    fail_times(auth, "monitor", ACCOUNT_THROTTLE.limit)
    for _ in range(10):
        clock.advance(minutes=1)
        with pytest.raises(TooManyAttemptsError):
            auth.login("monitor", "still guessing here", HERE)
    clock.advance(minutes=5)
    auth.login("monitor", PASSWORD, HERE)


def test_a_successful_sign_in_forgets_the_account_failures(auth):
    fail_times(auth, "monitor", ACCOUNT_THROTTLE.limit - 1)
    auth.login("monitor", PASSWORD, HERE)
    fail_times(auth, "monitor", ACCOUNT_THROTTLE.limit - 1, address=ELSEWHERE)
    auth.login("monitor", PASSWORD, ELSEWHERE)


def test_each_account_has_its_own_count(auth):
    fail_times(auth, "monitor", ACCOUNT_THROTTLE.limit, address=ELSEWHERE)
    auth.login("gov_liaison", PASSWORD, ELSEWHERE)


# --- disabling and enabling -------------------------------------------------------------------


def test_a_disabled_member_is_stopped_everywhere_at_once(auth, cast, uow_factory):
    monitor = cast["monitor"].id
    session_id = auth.login("monitor", PASSWORD, HERE).session_id
    token = auth.issue_token(monitor, ["reports:read"], 30).token
    auth.disable_member(monitor, actor_id=cast["admin"].id, address=HERE)
    with pytest.raises(AuthenticationError):
        auth.session_member(session_id)
    with pytest.raises(AuthenticationError):
        auth.authenticate_token(token)
    with pytest.raises(AuthenticationError):
        auth.login("monitor", PASSWORD, HERE)
    assert "account disabled" in audit_reasons(auth)
    with uow_factory() as uow:
        member = uow.members.get(monitor)
        kinds = [entry.kind for entry in uow.record.about(f"member:{monitor}")]
    assert member is not None
    assert not member.active
    assert kinds[-1] == "member.disabled"
    with pytest.raises(ConflictError):
        auth.issue_token(monitor, ["reports:read"], 30)


def test_an_enabled_member_signs_in_again_but_old_sessions_stay_ended(auth, cast, uow_factory):
    monitor = cast["monitor"].id
    session_id = auth.login("monitor", PASSWORD, HERE).session_id
    auth.disable_member(monitor)
    auth.enable_member(monitor)
    with pytest.raises(AuthenticationError):
        auth.session_member(session_id)
    auth.login("monitor", PASSWORD, HERE)
    with uow_factory() as uow:
        kinds = [entry.kind for entry in uow.record.about(f"member:{monitor}")]
    assert kinds[-2:] == ["member.disabled", "member.enabled"]


def test_disabling_nobody_is_not_found(auth):
    with pytest.raises(NotFoundError):
        auth.disable_member("member-nobody")


# --- demo credentials -------------------------------------------------------------------------


def test_demo_credentials_are_refused_outside_demo_mode(auth, uow_factory, clock, cast):
    with pytest.raises(DemoModeRequiredError):
        auth.set_demo_credentials(demo=False)
    with pytest.raises(DemoModeRequiredError):
        auth.set_demo_credentials(demo=True)  # the service itself is not in demo mode
    with pytest.raises(InvalidInputError):
        auth.set_password(cast["monitor"].id, DEMO_PASSWORD)


def test_the_demo_cast_signs_in_with_the_demo_password_in_demo_mode_only(uow_factory, clock, cast):
    demo = an_auth(uow_factory, clock, demo=True)
    assert demo.set_demo_credentials(demo=True) == len(cast)
    for username in cast:
        assert demo.login(username, DEMO_PASSWORD, HERE).member == cast[username]
    # The same store served outside demo mode: the public password no longer opens anything.
    serious = an_auth(uow_factory, clock, demo=False)
    with pytest.raises(AuthenticationError):
        serious.login("monitor", DEMO_PASSWORD, ELSEWHERE)
    assert audit_reasons(serious)[0] == "demo password outside demo mode"


# --- API tokens -------------------------------------------------------------------------------


def test_a_token_speaks_for_its_member_with_its_scopes(auth, cast, clock, uow_factory):
    issued = auth.issue_token(cast["monitor"].id, ["reports:read", "record:read"], 30, "import")
    assert issued.token.startswith(f"truce_{issued.token_id}_")
    assert issued.expires_at == START + timedelta(days=30)
    clock.advance(minutes=5)
    holder = auth.authenticate_token(issued.token, scope=Scope.REPORTS_READ, address=HERE)
    assert holder.member == cast["monitor"]
    assert holder.scopes == {Scope.REPORTS_READ, Scope.RECORD_READ}
    assert holder.token_id == issued.token_id
    with uow_factory() as uow:
        stored = uow.api_tokens.get(issued.token_id)
    assert stored is not None
    assert stored.last_used_at == START + timedelta(minutes=5)
    secret = issued.token.split("_", 2)[2]
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(stored)
    assert issued.token not in repr(issued)


def test_a_token_without_the_scope_asked_for_is_forbidden(auth, cast):
    token = auth.issue_token(cast["monitor"].id, ["reports:read"], 30).token
    with pytest.raises(InsufficientScopeError):
        auth.authenticate_token(token, scope=Scope.REPORTS_WRITE, address=HERE)
    with pytest.raises(InsufficientScopeError):
        auth.authenticate_token(token, scope=Scope.ADMIN, address=HERE)
    assert audit_reasons(auth)[:2] == ["scope admin not granted", "scope reports:write not granted"]


def test_a_wrong_secret_a_revoked_or_an_expired_token_fails_alike(auth, cast, clock):
    issued = auth.issue_token(cast["monitor"].id, ["reports:read"], 1)
    with pytest.raises(AuthenticationError):
        auth.authenticate_token(f"truce_{issued.token_id}_{'A' * 43}", address=HERE)
    clock.advance(days=1)
    with pytest.raises(AuthenticationError):
        auth.authenticate_token(issued.token, address=HERE)
    other = auth.issue_token(cast["monitor"].id, ["reports:read"], 30)
    auth.revoke_token(other.token_id, actor_id=cast["admin"].id)
    with pytest.raises(AuthenticationError):
        auth.authenticate_token(other.token, address=HERE)
    for garbage in ("", "truce", f"truce_{'0' * 16}_{'A' * 43}", "Bearer x"):
        with pytest.raises(AuthenticationError):
            auth.authenticate_token(garbage, address=HERE)
    assert [e.reason for e in auth.denied_attempts()] == [
        "not a token issued here",
        "unknown token",
        "not a token issued here",
        "not a token issued here",
        "token revoked",
        "token expired",
        "wrong secret",
    ]


def test_tokens_are_listed_with_their_status_but_never_their_secret(auth, cast, clock):
    first = auth.issue_token(cast["monitor"].id, ["reports:read"], 1, "first")
    clock.advance(minutes=1)
    second = auth.issue_token(cast["gov_liaison"].id, ["reports:write"], 30, "second")
    auth.revoke_token(second.token_id)
    clock.advance(days=2)
    tokens = auth.list_tokens()
    assert [t.id for t in tokens] == [first.token_id, second.token_id]
    assert [t.status(clock.now()) for t in tokens] == [TokenStatus.EXPIRED, TokenStatus.REVOKED]
    assert [t.id for t in auth.list_tokens(cast["gov_liaison"].id)] == [second.token_id]


def test_a_token_is_issued_only_with_valid_scopes_and_lifetime(auth, cast):
    monitor = cast["monitor"].id
    for scopes, days, label in [([], 30, ""), (["everything"], 30, ""), (["admin"], 0, "")]:
        with pytest.raises(InvalidInputError):
            auth.issue_token(monitor, scopes, days, label)
    with pytest.raises(InvalidInputError):
        auth.issue_token(monitor, ["admin"], 30, "x" * 101)
    with pytest.raises(NotFoundError):
        auth.issue_token("member-nobody", ["admin"], 30)
    with pytest.raises(NotFoundError):
        auth.revoke_token("0" * 16)
    assert auth.list_tokens() == []


# --- the second factor ------------------------------------------------------------------------


def enrol(auth, member_id, clock):
    enrolment = auth.enrol_totp(member_id)
    totp = TOTP(enrolment.secret)
    auth.confirm_totp(member_id, totp.at(clock.now()))
    return totp


def test_enrolment_gives_an_authenticator_uri_and_stores_the_seed_encrypted(
    auth, cast, uow_factory
):
    enrolment = auth.enrol_totp(cast["monitor"].id)
    assert enrolment.provisioning_uri.startswith("otpauth://totp/Truce:monitor?secret=")
    assert "issuer=Truce" in enrolment.provisioning_uri
    assert len(enrolment.secret) == 32
    assert enrolment.secret not in repr(enrolment)
    with uow_factory() as uow:
        credential = uow.accounts.credential(cast["monitor"].id)
    assert credential is not None
    assert credential.totp_secret is not None
    assert enrolment.secret.encode() not in credential.totp_secret
    assert not credential.totp_confirmed
    # Not yet confirmed: the password alone still signs in.
    auth.login("monitor", PASSWORD, HERE)


def test_after_enrolment_a_sign_in_needs_the_current_code(auth, cast, clock):
    totp = enrol(auth, cast["monitor"].id, clock)
    clock.advance(seconds=TOTP_PERIOD_SECONDS)
    with pytest.raises(SecondFactorRequiredError):
        auth.login("monitor", PASSWORD, HERE)
    with pytest.raises(AuthenticationError):
        auth.login("monitor", PASSWORD, HERE, totp_code=another_code(totp.at(clock.now())))
    signed_in = auth.login("monitor", PASSWORD, HERE, totp_code=totp.at(clock.now()))
    assert signed_in.member == cast["monitor"]
    assert {"second factor required", "wrong or reused one-time code"} <= set(audit_reasons(auth))


def test_a_code_is_accepted_once_only(auth, cast, clock):
    totp = enrol(auth, cast["monitor"].id, clock)
    clock.advance(seconds=TOTP_PERIOD_SECONDS)
    code = totp.at(clock.now())
    auth.login("monitor", PASSWORD, HERE, totp_code=code)
    with pytest.raises(AuthenticationError):
        auth.login("monitor", PASSWORD, HERE, totp_code=code)
    # The previous step's code is older than the one used: refused too.
    with pytest.raises(AuthenticationError):
        auth.login("monitor", PASSWORD, HERE, totp_code=totp.at(clock.now(), -1))


def test_a_code_one_step_late_is_accepted_two_steps_late_is_not(auth, cast, clock):
    totp = enrol(auth, cast["monitor"].id, clock)
    clock.advance(seconds=10 * TOTP_PERIOD_SECONDS)
    with pytest.raises(AuthenticationError):
        auth.login("monitor", PASSWORD, HERE, totp_code=totp.at(clock.now(), -2))
    auth.login("monitor", PASSWORD, HERE, totp_code=totp.at(clock.now(), -1))
    auth.login("monitor", PASSWORD, HERE, totp_code=totp.at(clock.now(), 1))


def test_wrong_codes_count_towards_the_throttle(auth, cast, clock):
    totp = enrol(auth, cast["monitor"].id, clock)
    clock.advance(seconds=TOTP_PERIOD_SECONDS)
    right = totp.at(clock.now())
    wrong = another_code(right)
    for _ in range(ACCOUNT_THROTTLE.limit):
        with pytest.raises(AuthenticationError):
            auth.login("monitor", PASSWORD, HERE, totp_code=wrong)
    with pytest.raises(TooManyAttemptsError):
        auth.login("monitor", PASSWORD, HERE, totp_code=right)


def test_a_wrong_first_code_does_not_confirm_enrolment(auth, cast, clock):
    enrolment = auth.enrol_totp(cast["monitor"].id)
    right = TOTP(enrolment.secret).at(clock.now())
    with pytest.raises(AuthenticationError):
        auth.confirm_totp(cast["monitor"].id, another_code(right))
    auth.login("monitor", PASSWORD, HERE)
    auth.confirm_totp(cast["monitor"].id, right)
    with pytest.raises(ConflictError):
        auth.confirm_totp(cast["monitor"].id, right)
    with pytest.raises(ConflictError):
        auth.enrol_totp(cast["monitor"].id)


def test_a_removed_authenticator_is_no_longer_asked_for(auth, cast, clock):
    enrol(auth, cast["monitor"].id, clock)
    auth.remove_totp(cast["monitor"].id, actor_id=cast["admin"].id)
    auth.login("monitor", PASSWORD, HERE)
    assert not {s.member.username: s for s in auth.accounts()}["monitor"].has_second_factor


def test_no_second_factor_is_stored_without_a_server_secret(uow_factory, clock, cast):
    keyless = an_auth(uow_factory, clock, secret="")
    keyless.set_password(cast["monitor"].id, PASSWORD)
    with pytest.raises(SecretKeyMissingError, match="TRUCE_SECRET_KEY"):
        keyless.enrol_totp(cast["monitor"].id)
    with pytest.raises(SecretKeyMissingError):
        an_auth(uow_factory, clock, secret="too short").enrol_totp(cast["monitor"].id)
    # Everything else works without one.
    keyless.login("monitor", PASSWORD, HERE)


def test_a_changed_server_secret_is_named_not_taken_for_a_wrong_code(
    auth, uow_factory, clock, cast
):
    totp = enrol(auth, cast["monitor"].id, clock)
    rekeyed = an_auth(uow_factory, clock, secret="another secret, also long enough to use")
    clock.advance(seconds=TOTP_PERIOD_SECONDS)
    with pytest.raises(SecretKeyMismatchError):
        rekeyed.login("monitor", PASSWORD, HERE, totp_code=totp.at(clock.now()))


def test_a_sealed_seed_opens_only_for_its_member_and_its_key():
    box = SecretBox(SERVER_SECRET, b"test")
    sealed = box.seal(b"seed", b"member-monitor")
    assert box.seal(b"seed", b"member-monitor") != sealed  # a fresh nonce each time
    assert box.open(sealed, b"member-monitor") == b"seed"
    with pytest.raises(SecretKeyMismatchError):
        box.open(sealed, b"member-gov_liaison")
    with pytest.raises(SecretKeyMismatchError):
        SecretBox(SERVER_SECRET + "!", b"test").open(sealed, b"member-monitor")
    with pytest.raises(SecretKeyMismatchError):
        SecretBox(SERVER_SECRET, b"other").open(sealed, b"member-monitor")
    assert SERVER_SECRET not in repr(box)


# --- the audit trail --------------------------------------------------------------------------


def test_each_decision_lands_once_with_who_what_when_where(auth, cast, clock):
    report = Resource(ResourceKind.REPORT, "r-opp-1", owner_body_id="opp")
    decision = decide(GOV_LIAISON, Action.READ, report)
    assert not decision
    clock.advance(minutes=3)
    entry = auth.record_decision(
        GOV_LIAISON.member_id, Action.READ, ResourceKind.REPORT, "r-opp-1", decision, HERE
    )
    allowed = decide(
        GOV_LIAISON, Action.READ, replace(report, confidentiality=Confidentiality.PUBLIC)
    )
    auth.record_decision(
        GOV_LIAISON.member_id, Action.READ, ResourceKind.REPORT, "r-opp-1", allowed, HERE
    )
    denied = auth.denied_attempts()
    assert len(denied) == 1
    assert denied[0] == replace(entry, seq=denied[0].seq)
    assert denied[0].actor_member_id == cast["gov_liaison"].id
    assert (denied[0].action, denied[0].resource_kind, denied[0].resource_id) == (
        "read",
        "report",
        "r-opp-1",
    )
    assert denied[0].at == START + timedelta(minutes=3)
    assert denied[0].address == HERE
    assert denied[0].reason == decision.reason
    everything = auth.audit_entries()
    assert [e.allowed for e in everything[:2]] == [True, False]


def test_denied_attempts_are_listed_newest_first_and_from_a_moment(auth, clock):
    for n in range(3):
        clock.advance(minutes=10)
        fail_times(auth, f"guess_{n}", 1)
    auth.login("monitor", PASSWORD, HERE)
    denied = auth.denied_attempts()
    assert [e.at for e in denied] == [START + timedelta(minutes=m) for m in (30, 20, 10)]
    assert [e.seq for e in denied] == sorted((e.seq for e in denied), reverse=True)
    assert len(auth.denied_attempts(since=START + timedelta(minutes=20))) == 2
    assert len(auth.denied_attempts(limit=1)) == 1
    with pytest.raises(InvalidInputError):
        auth.denied_attempts(limit=0)


def test_the_audit_log_line_escapes_what_a_client_sent(auth, caplog):
    hostile = "10.0.0.1\r\naudit 2017-01-10 allowed actor=\x1b[32madmin\u202e"
    with caplog.at_level(logging.INFO, logger="truce.audit"), pytest.raises(AuthenticationError):
        auth.login("monitor\nforged", PASSWORD, hostile)
    lines = [record.getMessage() for record in caplog.records if record.name == "truce.audit"]
    assert len(lines) == 1
    assert "\n" not in lines[0]
    assert "\x1b" not in lines[0]
    assert "\u202e" not in lines[0]
    assert "\\x0d\\x0a" in lines[0]
    assert PASSWORD not in lines[0]


def test_no_secret_reaches_the_log(auth, cast, caplog, clock):
    with caplog.at_level(logging.DEBUG):
        session_id = auth.login("monitor", PASSWORD, HERE).session_id
        token = auth.issue_token(cast["monitor"].id, ["reports:read"], 30).token
        auth.authenticate_token(token)
        with pytest.raises(AuthenticationError):
            auth.login("monitor", "wrong " + PASSWORD, HERE)
    text = caplog.text
    for secret in (PASSWORD, session_id, token, token.split("_", 2)[2]):
        assert secret not in text


# --- the repositories themselves --------------------------------------------------------------


def test_a_credential_is_inserted_then_replaced(cast, uow_factory):
    monitor = cast["monitor"].id
    with uow_factory() as uow:
        assert uow.accounts.credential(monitor) is None
        uow.accounts.save_credential(Credential(monitor, password_hash="h1"))
        uow.accounts.save_credential(
            Credential(monitor, password_hash="h2", totp_secret=b"\x00sealed", totp_confirmed=True)
        )
        uow.commit()
    with uow_factory() as uow:
        stored = uow.accounts.credential(monitor)
        assert [c.member_id for c in uow.accounts.credentials()] == [monitor]
    assert stored == Credential(
        monitor, password_hash="h2", totp_secret=b"\x00sealed", totp_confirmed=True
    )


def test_a_totp_step_is_claimed_once_and_never_an_older_one(cast, uow_factory):
    monitor = cast["monitor"].id
    with uow_factory() as uow:
        assert not uow.accounts.claim_totp_step(monitor, 5)  # no credential yet
        uow.accounts.save_credential(Credential(monitor, password_hash="h"))
        assert uow.accounts.claim_totp_step(monitor, 5)
        assert not uow.accounts.claim_totp_step(monitor, 5)
        assert not uow.accounts.claim_totp_step(monitor, 4)
        assert uow.accounts.claim_totp_step(monitor, 6)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.accounts.credential(monitor)
    assert stored is not None
    assert stored.totp_last_step == 6


def test_what_is_not_committed_is_not_kept(cast, uow_factory):
    monitor = cast["monitor"].id
    with uow_factory() as uow:
        uow.accounts.save_credential(Credential(monitor, password_hash="h"))
        uow.accounts.set_active(monitor, active=False)
        uow.sessions.add(new_session("a" * 64, monitor, START, HERE))
        uow.login_failures.add(LoginFailure("k", HERE, START))
        uow.audit.add(an_entry())
    with uow_factory() as uow:
        assert uow.accounts.credential(monitor) is None
        member = uow.members.get(monitor)
        assert member is not None
        assert member.active
        assert uow.sessions.get("a" * 64) is None
        assert uow.login_failures.for_address(HERE, START - timedelta(days=1)) == []
        assert uow.audit.recent(10) == []


def test_sessions_are_revoked_one_or_all_and_ended_ones_forgotten(cast, uow_factory):
    monitor, gov = cast["monitor"].id, cast["gov_liaison"].id
    later = START + timedelta(hours=1)
    with uow_factory() as uow:
        for n, member in enumerate((monitor, monitor, monitor, gov)):
            uow.sessions.add(new_session(f"{n}" * 64, member, START, HERE))
        uow.sessions.revoke("0" * 64, START)
        uow.sessions.revoke("0" * 64, later)  # the first revocation time stays
        assert uow.sessions.revoke_all(monitor, later) == 2
        uow.sessions.touch("3" * 64, later)
        uow.commit()
    with uow_factory() as uow:
        first, gov_session = uow.sessions.get("0" * 64), uow.sessions.get("3" * 64)
        assert first is not None
        assert first.revoked_at == START
        assert gov_session is not None
        assert gov_session.revoked_at is None
        assert gov_session.last_seen_at == later
        assert uow.sessions.delete_ended(START + SESSION_LIFETIME) == 0
        assert uow.sessions.delete_ended(START + SESSION_LIFETIME + timedelta(seconds=1)) == 4
        assert uow.sessions.get("3" * 64) is None


def test_tokens_are_stored_and_read_back_exactly(cast, uow_factory):
    token = ApiToken(
        id="0123456789abcdef",
        member_id=cast["monitor"].id,
        label="ACLED import — نسخة",
        secret_hash="e" * 64,
        scopes=frozenset({Scope.REPORTS_READ, Scope.RECORD_READ}),
        created_at=START,
        expires_at=START + timedelta(days=30),
    )
    with uow_factory() as uow:
        uow.api_tokens.add(token)
        uow.api_tokens.touch(token.id, START + timedelta(hours=1))
        uow.api_tokens.revoke(token.id, START + timedelta(hours=2))
        uow.api_tokens.revoke(token.id, START + timedelta(hours=3))
        uow.commit()
    with uow_factory() as uow:
        stored = uow.api_tokens.get(token.id)
        assert uow.api_tokens.list_all(cast["gov_liaison"].id) == []
        assert uow.api_tokens.list_all() == [stored]
    expected = replace(
        token, last_used_at=START + timedelta(hours=1), revoked_at=START + timedelta(hours=2)
    )
    assert stored == expected


def test_sessions_and_tokens_are_read_many_at_once(cast, uow_factory):
    monitor, gov = cast["monitor"].id, cast["gov_liaison"].id
    token = ApiToken(
        id="feedfacefeedface",
        member_id=gov,
        label="",
        secret_hash="e" * 64,
        scopes=frozenset({Scope.TALKS_READ}),
        created_at=START,
        expires_at=START + timedelta(days=1),
    )
    with uow_factory() as uow:
        uow.sessions.add(new_session("1" * 64, monitor, START, HERE))
        uow.sessions.add(new_session("2" * 64, gov, START, HERE))
        uow.sessions.revoke("2" * 64, START)
        uow.api_tokens.add(token)
        uow.commit()
    with uow_factory() as uow:
        sessions = uow.sessions.get_many(["1" * 64, "2" * 64, "1" * 64, "9" * 64])
        assert sorted(s.id_hash for s in sessions) == ["1" * 64, "2" * 64]
        assert {s.id_hash: s.revoked_at for s in sessions}["2" * 64] == START
        assert uow.sessions.get_many([]) == []
        assert uow.api_tokens.get_many([token.id, "0" * 16]) == [token]
        assert uow.api_tokens.get_many([]) == []


def test_login_failures_are_counted_by_account_and_by_address_and_forgotten(uow_factory):
    with uow_factory() as uow:
        for minute, key, address in [(0, "k1", HERE), (5, "k1", ELSEWHERE), (10, "k2", HERE)]:
            uow.login_failures.add(LoginFailure(key, address, START + timedelta(minutes=minute)))
        assert len(uow.login_failures.for_account("k1", START - timedelta(seconds=1))) == 2
        assert uow.login_failures.for_account("k1", START) == [START + timedelta(minutes=5)]
        assert len(uow.login_failures.for_address(HERE, START - timedelta(seconds=1))) == 2
        uow.login_failures.clear_account("k1")
        assert uow.login_failures.for_account("k1", START - timedelta(days=1)) == []
        uow.login_failures.forget_before(START + timedelta(minutes=11))
        assert uow.login_failures.for_address(HERE, START - timedelta(days=1)) == []
        uow.commit()


def an_entry(**overrides):
    fields = {
        "at": START,
        "actor_member_id": None,
        "action": "read",
        "resource_kind": "report",
        "resource_id": "guessed-id-ثلاثة",
        "allowed": False,
        "reason": "no such report",
        "address": HERE,
    }
    return AuditEntry(**{**fields, **overrides})


def test_the_audit_trail_numbers_entries_in_order_and_filters_them(uow_factory):
    with uow_factory() as uow:
        uow.audit.add(an_entry())
        uow.audit.add(an_entry(allowed=True, reason="ok", at=START + timedelta(minutes=1)))
        uow.audit.add(an_entry(at=START + timedelta(minutes=2), address=None, resource_id=None))
        uow.commit()
    with uow_factory() as uow:
        everything = uow.audit.recent(10)
        denied = uow.audit.recent(10, denied_only=True)
        recent_denied = uow.audit.recent(10, denied_only=True, since=START + timedelta(minutes=1))
    assert [e.reason for e in everything] == ["no such report", "ok", "no such report"]
    seqs = [e.seq for e in everything]
    assert all(seq is not None for seq in seqs)
    assert seqs == sorted(seqs, reverse=True)
    assert [e.at for e in denied] == [START + timedelta(minutes=2), START]
    assert len(recent_denied) == 1
    assert recent_denied[0] == replace(
        an_entry(at=START + timedelta(minutes=2), address=None, resource_id=None),
        seq=recent_denied[0].seq,
    )
    assert everything[2] == replace(an_entry(), seq=everything[2].seq)
