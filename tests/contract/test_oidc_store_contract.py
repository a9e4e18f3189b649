"""The OpenID Connect repositories (`uow.oidc`), one contract for the memory fake and SQL."""

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from support import START
from truce.adapters.memory.oidc_store import DuplicateIdentityError
from truce.domain.oidc import ExternalIdentity, OidcProvider, PendingLogin

ISSUER = "https://login.un.example"
LATER = START + timedelta(minutes=3)
DUPLICATE = (IntegrityError, DuplicateIdentityError)


@pytest.fixture
def members(cast):
    return cast


def a_provider(name="un", **overrides):
    values = {
        "name": name,
        "issuer": ISSUER,
        "client_id": "truce",
        "body_id": "un",
        "label": "United Nations",
        "scopes": ("openid", "email"),
        "client_secret_env": "UN_SECRET",
        "created_at": START,
    }
    values.update(overrides)
    return OidcProvider(**values)


def an_identity(member_id, **overrides):
    values = {"issuer": ISSUER, "member_id": member_id, "provider": "un", "created_at": START}
    values.update(overrides)
    return ExternalIdentity(**values)


def write(uow_factory, work):
    with uow_factory() as uow:
        result = work(uow.oidc)
        uow.commit()
    return result


def read(uow_factory, work):
    with uow_factory() as uow:
        return work(uow.oidc)


def test_providers_round_trip(uow_factory, members):
    sealed = a_provider("un-sealed", client_secret_env=None, sealed_client_secret=b"\x01sealed")
    write(uow_factory, lambda o: o.providers.add(a_provider()))
    write(uow_factory, lambda o: o.providers.add(sealed))
    assert read(uow_factory, lambda o: o.providers.get("un")) == a_provider()
    assert read(uow_factory, lambda o: o.providers.get("un-sealed")) == sealed
    assert [p.name for p in read(uow_factory, lambda o: o.providers.list_all())] == [
        "un",
        "un-sealed",
    ]
    assert write(uow_factory, lambda o: o.providers.remove("un"))
    assert not write(uow_factory, lambda o: o.providers.remove("un"))
    assert read(uow_factory, lambda o: o.providers.get("un")) is None


def test_identities_are_found_by_subject_email_and_member(uow_factory, members):
    mediator = members["un_mediator"].id
    host = members["host_mediator"].id
    by_subject = an_identity(mediator, subject="sub-1")
    by_email = an_identity(host, email="host@un.example")
    write(uow_factory, lambda o: o.identities.add(by_subject))
    write(uow_factory, lambda o: o.identities.add(by_email))
    assert read(uow_factory, lambda o: o.identities.by_subject(ISSUER, "sub-1")) == by_subject
    assert read(uow_factory, lambda o: o.identities.by_subject("https://other", "sub-1")) is None
    assert read(uow_factory, lambda o: o.identities.by_email(ISSUER, "host@un.example")) == by_email
    assert read(uow_factory, lambda o: o.identities.by_member(ISSUER, host)) == by_email
    assert len(read(uow_factory, lambda o: o.identities.list_all())) == 2


def test_a_pending_identity_is_claimed_once(uow_factory, members):
    mediator = members["un_mediator"].id
    write(uow_factory, lambda o: o.identities.add(an_identity(mediator, email="e@un.example")))
    assert write(uow_factory, lambda o: o.identities.claim(ISSUER, "e@un.example", "sub-9", LATER))
    assert not write(
        uow_factory, lambda o: o.identities.claim(ISSUER, "e@un.example", "sub-10", LATER)
    )
    claimed = read(uow_factory, lambda o: o.identities.by_subject(ISSUER, "sub-9"))
    assert claimed is not None
    assert claimed.member_id == mediator
    assert claimed.linked_at == LATER
    assert not claimed.pending


def test_confirm_notes_the_first_sign_in_only(uow_factory, members):
    mediator = members["un_mediator"].id
    write(uow_factory, lambda o: o.identities.add(an_identity(mediator, subject="sub-1")))
    write(uow_factory, lambda o: o.identities.confirm(ISSUER, "sub-1", LATER))
    write(uow_factory, lambda o: o.identities.confirm(ISSUER, "sub-1", LATER + timedelta(days=1)))
    assert read(uow_factory, lambda o: o.identities.by_subject(ISSUER, "sub-1")).linked_at == LATER


@pytest.mark.parametrize(
    "second",
    [
        {"subject": "sub-1", "member": "host_mediator"},  # one subject, two members
        {"email": "e@un.example", "member": "host_mediator"},  # one email, two members
        {"subject": "sub-2", "member": "un_mediator"},  # one member, two identities
    ],
)
def test_the_store_refuses_a_second_link(uow_factory, members, second):
    first = an_identity(members["un_mediator"].id, subject="sub-1", email="e@un.example")
    write(uow_factory, lambda o: o.identities.add(first))
    fields = dict(second)
    member = members[fields.pop("member")].id
    with pytest.raises(DUPLICATE):
        write(uow_factory, lambda o: o.identities.add(an_identity(member, **fields)))


def test_identities_are_removed_per_member_and_issuer(uow_factory, members):
    mediator = members["un_mediator"].id
    write(uow_factory, lambda o: o.identities.add(an_identity(mediator, subject="sub-1")))
    assert not write(uow_factory, lambda o: o.identities.remove("https://other", mediator))
    assert write(uow_factory, lambda o: o.identities.remove(ISSUER, mediator))
    assert read(uow_factory, lambda o: o.identities.list_all()) == []


def test_a_pending_login_is_removed_once_and_forgotten_when_expired(uow_factory):
    pending = PendingLogin(
        "a" * 64, "b" * 64, "un", START, START + timedelta(minutes=10), "192.0.2.1"
    )
    old = PendingLogin("c" * 64, "d" * 64, "un", START, START + timedelta(minutes=1), None)
    write(uow_factory, lambda o: o.logins.add(pending))
    write(uow_factory, lambda o: o.logins.add(old))
    assert read(uow_factory, lambda o: o.logins.get("a" * 64)) == pending
    assert write(uow_factory, lambda o: o.logins.forget_before(START + timedelta(minutes=5))) == 1
    assert read(uow_factory, lambda o: o.logins.get("c" * 64)) is None
    assert write(uow_factory, lambda o: o.logins.remove("a" * 64))
    assert not write(uow_factory, lambda o: o.logins.remove("a" * 64))


def test_nothing_is_kept_without_a_commit(uow_factory, members):
    with uow_factory() as uow:
        uow.oidc.providers.add(a_provider())
    assert read(uow_factory, lambda o: o.providers.list_all()) == []
