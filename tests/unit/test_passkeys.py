"""Passkey rules of the domain, and the application's own checks with a fake verifier (no
WebAuthn library): whatever the verifier says, the application refuses a counter that went
back and a passkey of another member."""

import json

import pytest

from support import FixedClock, SequentialIds, seed_cast
from truce.adapters.memory.store import MemoryUnitOfWorkFactory
from truce.adapters.passwords import Argon2Hasher
from truce.application.auth import AuthService
from truce.application.registry import RegistryService
from truce.domain.auth import AuthenticationError, SecondFactorRequiredError
from truce.domain.errors import ConflictError, InvalidInputError
from truce.domain.passkeys import (
    MAX_PASSKEYS_PER_MEMBER,
    NewPasskey,
    Passkey,
    PasskeyRejectedError,
    RelyingParty,
    check_passkey_name,
    check_passkey_response,
    check_passkey_room,
    sign_count_regressed,
)

PASSWORD = "correct horse battery staple"
RP = RelyingParty("truce.example.org", "Truce", ("https://truce.example.org",))


class FakeVerifier:
    """Answers are JSON {"id": ..., "count": ..., "ok": ...}; options carry the challenge."""

    def registration_options(self, _rp, *, challenge, exclude, **_):
        return json.dumps({"challenge": challenge.hex(), "exclude": exclude})

    def verify_registration(self, _rp, response, *, challenge):
        answer = json.loads(response)
        if answer["challenge"] != challenge.hex():
            raise PasskeyRejectedError("wrong challenge")
        return NewPasskey(answer["id"], b"key", answer["count"], ("usb",))

    def authentication_options(self, _rp, *, challenge, allow):
        return json.dumps({"challenge": challenge.hex(), "allow": [p.credential_id for p in allow]})

    def credential_id(self, response):
        return json.loads(response)["id"]

    def verify_authentication(self, _rp, response, *, challenge, **_):
        answer = json.loads(response)
        if answer["challenge"] != challenge.hex():
            raise PasskeyRejectedError("wrong challenge")
        return answer["count"]  # no counter check here: the application must make it


def answer(options, credential_id, count):
    challenge = json.loads(options)["challenge"]
    return json.dumps({"id": credential_id, "count": count, "challenge": challenge})


@pytest.fixture
def auth():
    uow = MemoryUnitOfWorkFactory()
    clock = FixedClock()
    seed_cast(RegistryService(uow, clock))
    service = AuthService(
        uow,
        clock,
        SequentialIds("member"),
        Argon2Hasher(time_cost=1, memory_cost_kib=8, parallelism=1),
        passkeys=FakeVerifier(),
    )
    for username in ("monitor", "gov_liaison"):
        service.set_password(service.find_member(username).id, PASSWORD)
    return service


def register(auth, username, credential_id, count=0):
    session = auth.login(username, PASSWORD, "192.0.2.1").session_id
    options = auth.passkey_registration_options(session, RP)
    auth.register_passkey(session, answer(options, credential_id, count), "", RP, "192.0.2.1")


def pending(auth, username="monitor"):
    with pytest.raises(SecondFactorRequiredError) as raised:
        auth.login(username, PASSWORD, "192.0.2.1")
    return raised.value.pending


def sign_in(auth, credential_id, count, username="monitor"):
    waiting = pending(auth, username)
    options = auth.passkey_sign_in_options(waiting, RP)
    return auth.finish_sign_in_with_passkey(
        waiting, answer(options, credential_id, count), RP, "192.0.2.1"
    )


def test_the_application_refuses_a_counter_that_went_back(auth):
    register(auth, "monitor", "cred-m", count=3)
    sign_in(auth, "cred-m", 4)
    with pytest.raises(AuthenticationError):
        sign_in(auth, "cred-m", 4)
    with pytest.raises(AuthenticationError):
        sign_in(auth, "cred-m", 2)
    sign_in(auth, "cred-m", 9)


def test_the_application_refuses_another_members_passkey(auth):
    register(auth, "monitor", "cred-m")
    register(auth, "gov_liaison", "cred-g")
    with pytest.raises(AuthenticationError):
        sign_in(auth, "cred-g", 1, username="monitor")


def test_options_name_only_the_members_own_passkeys(auth):
    register(auth, "monitor", "cred-m")
    register(auth, "gov_liaison", "cred-g")
    options = auth.passkey_sign_in_options(pending(auth), RP)
    assert json.loads(options)["allow"] == ["cred-m"]


def test_without_a_verifier_passkeys_are_unavailable_but_sign_in_works():
    uow = MemoryUnitOfWorkFactory()
    clock = FixedClock()
    seed_cast(RegistryService(uow, clock))
    plain = AuthService(
        uow, clock, SequentialIds(), Argon2Hasher(time_cost=1, memory_cost_kib=8, parallelism=1)
    )
    monitor = plain.find_member("monitor").id
    plain.set_password(monitor, PASSWORD)
    session = plain.login("monitor", PASSWORD, "192.0.2.1").session_id
    with pytest.raises(ConflictError):
        plain.passkey_registration_options(session, RP)


def test_a_counter_must_move_forward_unless_the_authenticator_keeps_none():
    assert not sign_count_regressed(0, 0)
    assert not sign_count_regressed(0, 1)
    assert not sign_count_regressed(5, 6)
    assert sign_count_regressed(5, 5)
    assert sign_count_regressed(5, 0)
    assert sign_count_regressed(5, 4)


def test_passkey_names_are_tidied_defaulted_and_bounded():
    assert check_passkey_name("  work \n laptop ", 0) == "work laptop"
    assert check_passkey_name("", 2) == "Passkey 3"
    with pytest.raises(InvalidInputError):
        check_passkey_name("x" * 61, 0)


def test_a_member_keeps_a_bounded_number_of_passkeys():
    check_passkey_room(MAX_PASSKEYS_PER_MEMBER - 1)
    with pytest.raises(InvalidInputError):
        check_passkey_room(MAX_PASSKEYS_PER_MEMBER)


def test_empty_and_oversized_answers_are_refused_before_any_parsing():
    with pytest.raises(InvalidInputError):
        check_passkey_response("  ")
    with pytest.raises(InvalidInputError):
        check_passkey_response("{" * 70_000)
    assert check_passkey_response("{}") == "{}"


def test_a_passkey_never_shows_its_key_in_its_repr():
    passkey = Passkey("id", "m", "n", b"SECRETKEY", 0, (), created_at=None)  # type: ignore[arg-type]
    assert "SECRETKEY" not in repr(passkey)
