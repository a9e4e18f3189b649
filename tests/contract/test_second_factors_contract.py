"""Second factors on both stores: passkeys (through the real py_webauthn adapter, answered by
a software authenticator), the sign-in that waits for its second factor, re-authentication
before a factor changes, and the TOTP confirmation throttle."""

from dataclasses import replace
from datetime import timedelta

import pytest
from pyotp import TOTP

from software_authenticator import SoftwareAuthenticator
from support import START, SequentialIds
from truce.adapters.passwords import Argon2Hasher
from truce.adapters.webauthn import WebAuthnVerifier, options_challenge
from truce.application.auth import AuthService
from truce.domain.auth import (
    ACCOUNT_THROTTLE,
    TOTP_PERIOD_SECONDS,
    AuthenticationError,
    SecondFactorRequiredError,
    TooManyAttemptsError,
)
from truce.domain.errors import ConflictError, InvalidInputError, NotFoundError
from truce.domain.passkeys import (
    PENDING_SIGN_IN_LIFETIME,
    REAUTHENTICATION_WINDOW,
    AuthChallenge,
    ChallengePurpose,
    Passkey,
    PasskeyRejectedError,
    ReauthenticationRequiredError,
    RelyingParty,
)

FAST = Argon2Hasher(time_cost=1, memory_cost_kib=8, parallelism=1)
SERVER_SECRET = "a server secret of more than thirty-two characters"
PASSWORD = "correct horse battery staple"
HERE = "192.0.2.10"
ORIGIN = "https://truce.example.org"
RP = RelyingParty("truce.example.org", "Truce", (ORIGIN,))


@pytest.fixture
def auth(uow_factory, clock, cast):
    service = AuthService(
        uow_factory,
        clock,
        SequentialIds("member"),
        FAST,
        server_secret=SERVER_SECRET,
        passkeys=WebAuthnVerifier(),
    )
    for username in ("monitor", "gov_liaison"):
        service.set_password(cast[username].id, PASSWORD)
    return service


def a_key():
    return SoftwareAuthenticator(origin=ORIGIN, rp_id=RP.id)


def register(auth, username="monitor", key=None, name="field laptop"):
    key = key or a_key()
    session = auth.login(username, PASSWORD, HERE).session_id
    options = auth.passkey_registration_options(session, RP)
    auth.register_passkey(session, key.create(options), name, RP, HERE)
    return key


def pending_of(auth, username="monitor"):
    with pytest.raises(SecondFactorRequiredError) as raised:
        auth.login(username, PASSWORD, HERE)
    return raised.value


def record_kinds(uow_factory, member_id):
    with uow_factory() as uow:
        return [entry.kind for entry in uow.record.about(f"member:{member_id}")]


def reasons(auth):
    return [entry.reason for entry in auth.audit_entries()]


# --- passkeys, end to end through the service ------------------------------------------------


def test_a_registered_passkey_is_asked_for_after_the_password(auth, cast, uow_factory):
    key = register(auth)
    waiting = pending_of(auth)
    assert waiting.passkey
    assert not waiting.totp
    options = auth.passkey_sign_in_options(waiting.pending, RP)
    assert key.id in options
    signed_in = auth.finish_sign_in_with_passkey(waiting.pending, key.get(options), RP, HERE)
    assert signed_in.member == cast["monitor"]
    assert auth.session_member(signed_in.session_id) == cast["monitor"]
    (stored,) = auth.factors(cast["monitor"].id).passkeys
    assert stored.name == "field laptop"
    assert stored.sign_count == 1
    assert stored.transports == ("internal",)
    assert stored.last_used_at == START
    assert "signed in with a passkey" in reasons(auth)
    assert record_kinds(uow_factory, cast["monitor"].id)[-1] == "member.factor_added"


def test_the_passkey_stands_for_the_second_factor_not_the_password(auth):
    register(auth)
    with pytest.raises(AuthenticationError):
        auth.login("monitor", "not the password at all", HERE)


def test_a_passkey_challenge_is_used_once(auth):
    key = register(auth)
    waiting = pending_of(auth)
    options = auth.passkey_sign_in_options(waiting.pending, RP)
    answer = key.get(options)
    wrong_site = key.get(options, origin="https://elsewhere.test")
    with pytest.raises(AuthenticationError):
        auth.finish_sign_in_with_passkey(waiting.pending, wrong_site, RP, HERE)
    # The first answer took the challenge, though it failed: a good one finds none left.
    with pytest.raises(AuthenticationError):
        auth.finish_sign_in_with_passkey(waiting.pending, answer, RP, HERE)


def test_an_answer_replayed_after_sign_in_opens_nothing(auth):
    key = register(auth)
    waiting = pending_of(auth)
    options = auth.passkey_sign_in_options(waiting.pending, RP)
    answer = key.get(options)
    auth.finish_sign_in_with_passkey(waiting.pending, answer, RP, HERE)
    with pytest.raises(AuthenticationError):
        auth.finish_sign_in_with_passkey(waiting.pending, answer, RP, HERE)


def test_a_sign_count_that_goes_back_is_refused(auth, cast):
    key = register(auth)
    for _ in range(2):
        waiting = pending_of(auth)
        options = auth.passkey_sign_in_options(waiting.pending, RP)
        auth.finish_sign_in_with_passkey(waiting.pending, key.get(options), RP, HERE)
    clone_count = 1
    waiting = pending_of(auth)
    options = auth.passkey_sign_in_options(waiting.pending, RP)
    with pytest.raises(AuthenticationError):
        auth.finish_sign_in_with_passkey(
            waiting.pending, key.get(options, count=clone_count), RP, HERE
        )
    assert auth.factors(cast["monitor"].id).passkeys[0].sign_count == 2
    assert any("sign count" in reason for reason in reasons(auth))


def test_an_authenticator_without_a_counter_is_accepted(auth):
    key = a_key()
    key.counter = False
    register(auth, key=key)
    for _ in range(2):
        waiting = pending_of(auth)
        options = auth.passkey_sign_in_options(waiting.pending, RP)
        auth.finish_sign_in_with_passkey(waiting.pending, key.get(options), RP, HERE)


def test_an_answer_for_another_site_is_refused(auth):
    key = register(auth)
    waiting = pending_of(auth)
    options = auth.passkey_sign_in_options(waiting.pending, RP)
    phished = key.get(options, origin="https://truce.example.org.evil.test")
    with pytest.raises(AuthenticationError):
        auth.finish_sign_in_with_passkey(waiting.pending, phished, RP, HERE)
    assert any("origin" in reason for reason in reasons(auth))


def test_another_members_passkey_does_not_finish_my_sign_in(auth):
    register(auth, "monitor")
    theirs = register(auth, "gov_liaison")
    waiting = pending_of(auth, "monitor")
    options = auth.passkey_sign_in_options(waiting.pending, RP)
    with pytest.raises(AuthenticationError):
        auth.finish_sign_in_with_passkey(waiting.pending, theirs.get(options), RP, HERE)


def test_garbage_answers_are_refused_not_crashed_on(auth):
    register(auth)
    waiting = pending_of(auth)
    for garbage in ("{}", "not json", '{"id": 5, "response": []}', "[]"):
        auth.passkey_sign_in_options(waiting.pending, RP)
        with pytest.raises(AuthenticationError):
            auth.finish_sign_in_with_passkey(waiting.pending, garbage, RP, HERE)
    with pytest.raises(InvalidInputError):
        auth.finish_sign_in_with_passkey(waiting.pending, "x" * 70_000, RP, HERE)


def test_a_waiting_sign_in_expires(auth, clock):
    key = register(auth)
    waiting = pending_of(auth)
    options = auth.passkey_sign_in_options(waiting.pending, RP)
    clock.advance(seconds=PENDING_SIGN_IN_LIFETIME.total_seconds())
    with pytest.raises(AuthenticationError):
        auth.finish_sign_in_with_passkey(waiting.pending, key.get(options), RP, HERE)
    with pytest.raises(AuthenticationError):
        auth.pending_sign_in(waiting.pending)
    for forged in ("", "x" * 500, "made-up"):
        with pytest.raises(AuthenticationError):
            auth.pending_sign_in(forged)


def test_failed_passkey_answers_count_towards_the_throttle(auth):
    key = register(auth)
    waiting = pending_of(auth)
    for _ in range(ACCOUNT_THROTTLE.limit):
        options = auth.passkey_sign_in_options(waiting.pending, RP)
        with pytest.raises(AuthenticationError):
            auth.finish_sign_in_with_passkey(waiting.pending, "{}", RP, HERE)
    options = auth.passkey_sign_in_options(waiting.pending, RP)
    with pytest.raises(TooManyAttemptsError):
        auth.finish_sign_in_with_passkey(waiting.pending, key.get(options), RP, HERE)


def test_a_registration_answer_over_another_challenge_is_refused(auth, cast):
    session = auth.login("monitor", PASSWORD, HERE).session_id
    options = auth.passkey_registration_options(session, RP)
    stale = a_key().create(options)
    auth.passkey_registration_options(session, RP)  # a new challenge replaces the old one
    with pytest.raises(PasskeyRejectedError):
        auth.register_passkey(session, stale, "", RP, HERE)
    # Single use: even the right answer needs a new challenge now.
    with pytest.raises(ConflictError):
        auth.register_passkey(session, stale, "", RP, HERE)
    assert auth.factors(cast["monitor"].id).passkeys == ()


def test_registering_needs_a_recent_password(auth, clock):
    session = auth.login("monitor", PASSWORD, HERE).session_id
    clock.advance(seconds=REAUTHENTICATION_WINDOW.total_seconds() + 1)
    with pytest.raises(ReauthenticationRequiredError):
        auth.passkey_registration_options(session, RP)
    monitor = auth.session_member(session)
    auth.reauthenticate(monitor.id, PASSWORD, HERE, session_id=session)
    options = auth.passkey_registration_options(session, RP)
    auth.register_passkey(session, a_key().create(options), "", RP, HERE)
    assert auth.factors(monitor.id).passkeys[0].name == "Passkey 1"


def test_a_member_removes_their_own_passkey_only(auth, cast, uow_factory):
    mine = register(auth, "monitor")
    register(auth, "gov_liaison")
    theirs = auth.factors(cast["gov_liaison"].id).passkeys[0]
    waiting = pending_of(auth)
    options = auth.passkey_sign_in_options(waiting.pending, RP)
    session = auth.finish_sign_in_with_passkey(waiting.pending, mine.get(options), RP, HERE)
    with pytest.raises(NotFoundError):
        auth.remove_passkey(session.session_id, theirs.credential_id, HERE)
    auth.remove_passkey(session.session_id, mine.id, HERE)
    assert auth.factors(cast["monitor"].id).passkeys == ()
    assert record_kinds(uow_factory, cast["monitor"].id)[-2:] == [
        "member.factor_added",
        "member.factor_removed",
    ]
    # Without a second factor the password alone signs in again.
    auth.login("monitor", PASSWORD, HERE)


def test_the_same_passkey_is_not_registered_twice(auth):
    key = register(auth)
    waiting = pending_of(auth)
    options = auth.passkey_sign_in_options(waiting.pending, RP)
    session = auth.finish_sign_in_with_passkey(waiting.pending, key.get(options), RP, HERE)
    options = auth.passkey_registration_options(session.session_id, RP)
    assert key.id in options  # the browser is told not to make a second one
    with pytest.raises(ConflictError):
        auth.register_passkey(session.session_id, key.create(options), "", RP, HERE)


# --- TOTP from the security page and in the second step --------------------------------------


def test_totp_enrolment_from_a_session_needs_a_recent_password(auth, cast, clock, uow_factory):
    session = auth.login("monitor", PASSWORD, HERE).session_id
    clock.advance(minutes=6)
    with pytest.raises(ReauthenticationRequiredError):
        auth.start_totp_enrolment(session, HERE)
    auth.reauthenticate(cast["monitor"].id, PASSWORD, HERE, session_id=session)
    enrolment = auth.start_totp_enrolment(session, HERE)
    assert auth.pending_totp_enrolment(cast["monitor"].id) == enrolment
    auth.confirm_totp(cast["monitor"].id, TOTP(enrolment.secret).at(clock.now()), HERE)
    assert auth.factors(cast["monitor"].id).totp
    assert record_kinds(uow_factory, cast["monitor"].id)[-1] == "member.factor_added"
    clock.advance(minutes=6)
    with pytest.raises(ReauthenticationRequiredError):
        auth.remove_own_totp(session, HERE)


def test_totp_confirmation_is_throttled(auth, cast, clock):
    enrolment = auth.enrol_totp(cast["monitor"].id)
    right = TOTP(enrolment.secret).at(clock.now())
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(ACCOUNT_THROTTLE.limit):
        with pytest.raises(AuthenticationError):
            auth.confirm_totp(cast["monitor"].id, wrong, HERE)
    with pytest.raises(TooManyAttemptsError):
        auth.confirm_totp(cast["monitor"].id, right, HERE)
    assert not auth.factors(cast["monitor"].id).totp


def test_the_second_step_takes_a_code_once(auth, cast, clock):
    enrolment = auth.enrol_totp(cast["monitor"].id)
    totp = TOTP(enrolment.secret)
    auth.confirm_totp(cast["monitor"].id, totp.at(clock.now()), HERE)
    clock.advance(seconds=TOTP_PERIOD_SECONDS)
    waiting = pending_of(auth)
    assert waiting.totp
    assert not waiting.passkey
    with pytest.raises(ConflictError):
        auth.passkey_sign_in_options(waiting.pending, RP)
    code = totp.at(clock.now())
    signed_in = auth.finish_sign_in(waiting.pending, code, HERE)
    assert signed_in.member == cast["monitor"]
    # The waiting sign-in is spent, and so is the code.
    with pytest.raises(AuthenticationError):
        auth.finish_sign_in(waiting.pending, code, HERE)
    with pytest.raises(AuthenticationError):
        auth.finish_sign_in(pending_of(auth).pending, code, HERE)


def test_a_member_with_both_factors_may_use_either(auth, cast, clock):
    key = register(auth)
    enrolment = auth.enrol_totp(cast["monitor"].id)
    totp = TOTP(enrolment.secret)
    auth.confirm_totp(cast["monitor"].id, totp.at(clock.now()), HERE)
    clock.advance(seconds=TOTP_PERIOD_SECONDS)
    waiting = pending_of(auth)
    assert waiting.totp
    assert waiting.passkey
    auth.finish_sign_in(waiting.pending, totp.at(clock.now()), HERE)
    waiting = pending_of(auth)
    options = auth.passkey_sign_in_options(waiting.pending, RP)
    auth.finish_sign_in_with_passkey(waiting.pending, key.get(options), RP, HERE)
    status = {s.member.username: s for s in auth.accounts()}
    assert status["monitor"].has_second_factor


def test_a_disabled_member_cannot_finish_a_waiting_sign_in(auth, cast):
    key = register(auth)
    waiting = pending_of(auth)
    options = auth.passkey_sign_in_options(waiting.pending, RP)
    auth.disable_member(cast["monitor"].id)
    with pytest.raises(AuthenticationError):
        auth.finish_sign_in_with_passkey(waiting.pending, key.get(options), RP, HERE)


# --- the repositories themselves --------------------------------------------------------------


def a_passkey(member_id, credential_id="cred-1", count=0):
    return Passkey(
        credential_id=credential_id,
        member_id=member_id,
        name="key",
        public_key=b"\xa5cose",
        sign_count=count,
        transports=("usb", "nfc"),
        created_at=START,
    )


def test_passkeys_are_stored_listed_used_and_removed(cast, uow_factory):
    monitor = cast["monitor"].id
    later = START + timedelta(minutes=1)
    with uow_factory() as uow:
        uow.passkeys.add(a_passkey(monitor, "cred-2", count=5))
        uow.passkeys.add(replace(a_passkey(monitor, "cred-1"), created_at=later))
        uow.passkeys.add(a_passkey(cast["admin"].id, "cred-3"))
        uow.commit()
    with uow_factory() as uow:
        assert [p.credential_id for p in uow.passkeys.for_member(monitor)] == ["cred-2", "cred-1"]
        assert uow.passkeys.get("cred-2") == a_passkey(monitor, "cred-2", count=5)
        assert not uow.passkeys.record_use("cred-2", 5, later)  # did not move forward
        assert not uow.passkeys.record_use("cred-2", 4, later)
        assert uow.passkeys.record_use("cred-2", 6, later)
        assert uow.passkeys.record_use("cred-1", 0, later)  # no counter on either side
        assert not uow.passkeys.record_use("missing", 9, later)
        assert uow.passkeys.remove("cred-3")
        assert not uow.passkeys.remove("cred-3")
        uow.commit()
    with uow_factory() as uow:
        used = uow.passkeys.get("cred-2")
        assert used is not None
        assert (used.sign_count, used.last_used_at) == (6, later)
        assert uow.passkeys.get("cred-3") is None


def test_a_challenge_is_taken_once_and_forgotten_when_expired(cast, uow_factory):
    monitor = cast["monitor"].id
    ends = START + timedelta(minutes=5)
    state = AuthChallenge("h" * 64, ChallengePurpose.SIGN_IN, monitor, START, ends, b"c" * 32)
    with uow_factory() as uow:
        uow.auth_challenges.put(state)
        uow.auth_challenges.put(replace(state, purpose=ChallengePurpose.REAUTHENTICATED))
        uow.commit()
    with uow_factory() as uow:
        assert uow.auth_challenges.get("h" * 64, ChallengePurpose.SIGN_IN) == state
        assert uow.auth_challenges.take_challenge("h" * 64, ChallengePurpose.SIGN_IN) == b"c" * 32
        assert uow.auth_challenges.take_challenge("h" * 64, ChallengePurpose.SIGN_IN) is None
        kept = uow.auth_challenges.get("h" * 64, ChallengePurpose.SIGN_IN)
        assert kept == replace(state, challenge=None)
        uow.auth_challenges.put(replace(state, challenge=b"d" * 32))  # replaced, not added
        assert uow.auth_challenges.take_challenge("h" * 64, ChallengePurpose.SIGN_IN) == b"d" * 32
        assert uow.auth_challenges.delete_expired(ends) == 2
        assert uow.auth_challenges.get("h" * 64, ChallengePurpose.REAUTHENTICATED) is None
        uow.commit()


def test_options_carry_the_challenge_the_server_keeps():
    options = WebAuthnVerifier().authentication_options(RP, challenge=b"k" * 32, allow=[])
    assert options_challenge(options) == b"k" * 32
