"""A new member's first visit: the one-time enrolment link an operator handed over.

`/enrol/{secret}` names the account the link opens and asks for a password twice; posting it
uses the link up (application/auth.py `enrol`), and the member then signs in as anyone does.
Nobody needs to be signed in. A used, lapsed, replaced or mistyped link answers alike (404),
saying to ask the operator for a new one. The secret is 256 random bits: it cannot be
guessed, and the page is served with `Referrer-Policy: no-referrer` like every page, so it
leaves through no link on it.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Template
from litestar.status_codes import HTTP_404_NOT_FOUND, HTTP_422_UNPROCESSABLE_ENTITY

from truce.domain.auth import AuthenticationError
from truce.domain.errors import InvalidInputError
from truce.domain.parties import Member
from truce.entrypoints.web.auth import client_address
from truce.entrypoints.web.deps import ServicesDep

FormData = URLEncodedBody[dict[str, str]]
AnyRequest = Request[Any, Any, Any]


class EnrolmentPages(Controller):
    path = "/enrol"
    include_in_schema = False

    @get("/{secret:str}", sync_to_thread=True)
    def form(self, secret: FromPath[str], services: ServicesDep) -> Template:
        try:
            member = services.auth.enrolment(secret)
        except AuthenticationError:
            return _spent()
        return _page(member)

    @post("/{secret:str}", sync_to_thread=True)
    def enrol(
        self, secret: FromPath[str], request: AnyRequest, data: FormData, services: ServicesDep
    ) -> Template:
        password = data.get("password", "")
        try:
            member = services.auth.enrolment(secret)
            if password != data.get("confirmation", ""):
                return _page(member, {"confirmation": "the two passwords differ"})
            services.auth.enrol(secret, password, client_address(request))
        except AuthenticationError:
            return _spent()
        except InvalidInputError as error:
            return _page(member, {e.field: e.message for e in error.errors})
        return Template("enrol.html", context={"newcomer": member, "done": True})


def _page(member: Member, errors: dict[str, str] | None = None) -> Template:
    status = HTTP_422_UNPROCESSABLE_ENTITY if errors else 200
    context = {"newcomer": member, "errors": errors or {}, "done": False}
    return Template("enrol.html", context=context, status_code=status)


def _spent() -> Template:
    return Template("enrol.html", context={"spent": True}, status_code=HTTP_404_NOT_FOUND)
