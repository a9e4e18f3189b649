"""Second factors in the browser: the second step of signing in (a one-time code or a
passkey) and the account security page where members add and remove their factors.

Every form is plain HTML with its CSRF token. Passkeys need the browser's WebAuthn API, so
a small script of our own (static/passkeys.js, no inline script) asks the server for options,
calls navigator.credentials, and submits the answer in an ordinary form; without scripts the
page says so and the one-time code still works.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeAlias
from urllib.parse import urlsplit

import segno
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_303_SEE_OTHER,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from truce.application.auth import (
    SecretKeyMissingError,
    ServerConfigurationError,
    SignedIn,
    TotpEnrolment,
)
from truce.bootstrap import Services
from truce.domain.auth import AuthenticationError, TooManyAttemptsError
from truce.domain.errors import ConflictError, InvalidInputError, NotFoundError
from truce.domain.passkeys import (
    PENDING_SIGN_IN_LIFETIME,
    PasskeyRejectedError,
    ReauthenticationRequiredError,
    RelyingParty,
)
from truce.entrypoints.web.assets import FrontendAssets
from truce.entrypoints.web.auth import SESSION_COOKIE, Viewer, client_address
from truce.entrypoints.web.deps import AssetsDep, ServicesDep, ViewerDep
from truce.entrypoints.web.errors import MISCONFIGURED, log_misconfiguration
from truce.entrypoints.web.i18n import N_
from truce.settings import Settings

FormData = URLEncodedBody[dict[str, str]]
AnyRequest = Request[Any, Any, Any]

# The waiting sign-in's id, for the second step only: short-lived, HttpOnly, SameSite.
PENDING_COOKIE = "truce_pending"
SECOND_FACTOR_PATH = "/login/second-factor"
SECURITY_PATH = "/account/security"
# Groups of four are easier to type into an authenticator app than 32 letters in a row.
SECRET_GROUP = 4


def relying_party(settings: Settings, request: AnyRequest) -> RelyingParty:
    """Who passkeys belong to: from the settings, or else the host the browser asked for
    (the demo, served on whatever host and port it was given)."""
    url = urlsplit(str(request.base_url))
    host = url.hostname or "localhost"
    origin = settings.webauthn_origin or f"{url.scheme}://{url.netloc}"
    return RelyingParty(
        settings.webauthn_rp_id or host, settings.webauthn_rp_name, (origin.rstrip("/"),)
    )


def start_second_factor(pending: str, services: ServicesDep) -> Redirect:
    """What POST /login answers when the password was right and a second factor follows."""
    response = Redirect(SECOND_FACTOR_PATH, status_code=HTTP_303_SEE_OTHER)
    response.set_cookie(
        PENDING_COOKIE,
        pending,
        max_age=int(PENDING_SIGN_IN_LIFETIME.total_seconds()),
        httponly=True,
        secure=services.settings.secure_cookies,
        samesite="strict",
        path="/login",
    )
    return response


def signed_in_response(signed_in: SignedIn, services: ServicesDep) -> Redirect:
    response = Redirect("/", status_code=HTTP_303_SEE_OTHER)
    response.set_cookie(
        SESSION_COOKIE,
        signed_in.session_id,
        # Seconds from now: Litestar reads an int `expires` as an offset too, so a Unix time
        # there made the cookie outlive its session by decades.
        max_age=max(0, int((signed_in.expires_at - services.clock.now()).total_seconds())),
        httponly=True,
        secure=services.settings.secure_cookies,
        samesite="strict",
        path="/",
    )
    response.delete_cookie(PENDING_COOKIE, path="/login")
    return response


def qr_svg(uri: str) -> str:
    """The otpauth:// URI as an inline SVG QR code, made here: no image leaves the server and
    no third party sees the seed."""
    code = segno.make(uri, error="m")
    return str(code.svg_inline(scale=5, dark="#000", light="#fff", title="QR code", omitsize=True))


def grouped(secret: str) -> str:
    return " ".join(secret[i : i + SECRET_GROUP] for i in range(0, len(secret), SECRET_GROUP))


class SecondFactorPages(Controller):
    """The second step of signing in, after a right password."""

    path = "/login"
    include_in_schema = False

    @get("/second-factor", sync_to_thread=True)
    def second_factor_form(self, services: ServicesDep, request: AnyRequest) -> Template | Redirect:
        return self._page(services, request)

    @post("/second-factor", sync_to_thread=True)
    def second_factor(
        self, data: FormData, services: ServicesDep, request: AnyRequest
    ) -> Template | Redirect:
        pending = request.cookies.get(PENDING_COOKIE, "")
        code = data.get("totp_code", "")
        try:
            signed_in = services.auth.finish_sign_in(pending, code, client_address(request))
        except AuthenticationError as error:
            return self._page(services, request, failure=error)
        except ServerConfigurationError as error:
            # The stored authenticator key no longer opens (TRUCE_SECRET_KEY changed): the
            # operator's problem, told plainly and logged, not a 500.
            log_misconfiguration(request, error)
            return self._page(services, request, failure=error)
        return signed_in_response(signed_in, services)

    @post("/passkey/options", sync_to_thread=True)
    def passkey_options(self, services: ServicesDep, request: AnyRequest) -> Response[str]:
        """Options for navigator.credentials.get, bound to the waiting sign-in (JSON)."""
        pending = request.cookies.get(PENDING_COOKIE, "")
        rp = relying_party(services.settings, request)
        try:
            options = services.auth.passkey_sign_in_options(pending, rp)
        except AuthenticationError:
            return _detail("start again with your password", HTTP_401_UNAUTHORIZED)
        except ConflictError as error:
            return _detail(str(error), HTTP_409_CONFLICT)
        return _json(options, 200)

    @post("/passkey", sync_to_thread=True)
    def passkey(
        self, data: FormData, services: ServicesDep, request: AnyRequest
    ) -> Template | Redirect:
        pending = request.cookies.get(PENDING_COOKIE, "")
        rp = relying_party(services.settings, request)
        try:
            signed_in = services.auth.finish_sign_in_with_passkey(
                pending, data.get("response", ""), rp, client_address(request)
            )
        except (AuthenticationError, InvalidInputError) as error:
            return self._page(services, request, failure=error)
        return signed_in_response(signed_in, services)

    def _page(
        self,
        services: ServicesDep,
        request: AnyRequest,
        failure: Exception | None = None,
    ) -> Template | Redirect:
        try:
            waiting = services.auth.pending_sign_in(request.cookies.get(PENDING_COOKIE, ""))
        except AuthenticationError:
            # Unknown or expired: the member starts again with the password.
            return Redirect("/login", status_code=HTTP_303_SEE_OTHER)
        status, error = 200, ""
        if isinstance(failure, TooManyAttemptsError):
            status, error = HTTP_429_TOO_MANY_REQUESTS, N_("Too many attempts. Try again later.")
        elif isinstance(failure, ServerConfigurationError):
            status, error = HTTP_503_SERVICE_UNAVAILABLE, MISCONFIGURED
        elif failure is not None:
            status, error = HTTP_401_UNAUTHORIZED, N_("That did not work. Try again.")
        context = {"waiting": waiting, "error": error, "htmx": False, "viewer": None}
        page = Template("second_factor.html", context=context, status_code=status)
        if isinstance(failure, TooManyAttemptsError):
            page.headers["Retry-After"] = str(failure.retry_after_seconds)
        return page


@dataclass(frozen=True, slots=True)
class Screen:
    """What every form of the security page works with: the services, the front-end assets,
    who is signed in, and the request (its session cookie and the client's address)."""

    services: Services
    assets: FrontendAssets
    viewer: Viewer
    request: AnyRequest

    @property
    def session_id(self) -> str:
        return self.request.cookies.get(SESSION_COOKIE, "")

    @property
    def address(self) -> str:
        return client_address(self.request)


def _screen(
    services: ServicesDep, assets: AssetsDep, viewer: ViewerDep, request: AnyRequest
) -> Screen:
    return Screen(services, assets, viewer, request)


ScreenDep: TypeAlias = NamedDependency[Screen]
# Each form's change of the member's factors: (session id, client address) -> what it made.
Change: TypeAlias = Callable[[str, str], object]


class AccountPages(Controller):
    """The account security page: the member's own second factors."""

    path = "/account"
    include_in_schema = False
    dependencies = MappingProxyType({"screen": Provide(_screen, sync_to_thread=False)})

    @get("/security", sync_to_thread=True)
    def security_page(self, screen: ScreenDep) -> Template | Redirect:
        return self._page(screen)

    @post("/reauthenticate", sync_to_thread=True)
    def reauthenticate(self, data: FormData, screen: ScreenDep) -> Template | Redirect:
        member = screen.viewer.member
        if member is None:
            return Redirect("/login", status_code=HTTP_303_SEE_OTHER)
        try:
            screen.services.auth.reauthenticate(
                member.id, data.get("password", ""), screen.address, session_id=screen.session_id
            )
        except TooManyAttemptsError:
            message = N_("Too many attempts. Try again later.")
            return self._page(screen, message, HTTP_429_TOO_MANY_REQUESTS)
        except AuthenticationError:
            return self._page(screen, N_("That password is not right."), HTTP_401_UNAUTHORIZED)
        return Redirect(SECURITY_PATH, status_code=HTTP_303_SEE_OTHER)

    @post("/totp", sync_to_thread=True)
    def start_totp(self, screen: ScreenDep) -> Template | Redirect:
        return self._change(screen, screen.services.auth.start_totp_enrolment)

    @post("/totp/confirm", sync_to_thread=True)
    def confirm_totp(self, data: FormData, screen: ScreenDep) -> Template | Redirect:
        member = screen.viewer.member
        if member is None:
            return Redirect("/login", status_code=HTTP_303_SEE_OTHER)
        code = data.get("totp_code", "")

        def confirm(_session_id: str, address: str) -> None:
            screen.services.auth.confirm_totp(member.id, code, address)

        return self._change(screen, confirm, done=N_("Your authenticator app is set up."))

    @post("/totp/remove", sync_to_thread=True)
    def remove_totp(self, screen: ScreenDep) -> Template | Redirect:
        done = N_("Your authenticator app was removed.")
        return self._change(screen, screen.services.auth.remove_own_totp, done=done)

    @post("/passkeys/options", sync_to_thread=True)
    def passkey_options(
        self, services: ServicesDep, viewer: ViewerDep, request: AnyRequest
    ) -> Response[str]:
        """Options for navigator.credentials.create, bound to this session (JSON)."""
        if viewer.member is None:
            return _detail("sign in first", HTTP_401_UNAUTHORIZED)
        rp = relying_party(services.settings, request)
        try:
            options = services.auth.passkey_registration_options(
                request.cookies.get(SESSION_COOKIE, ""), rp
            )
        except ReauthenticationRequiredError as error:
            return _detail(str(error), HTTP_403_FORBIDDEN)
        except InvalidInputError as error:
            return _detail(error.errors[0].message, HTTP_409_CONFLICT)
        except ConflictError as error:
            return _detail(str(error), HTTP_409_CONFLICT)
        return _json(options, 200)

    @post("/passkeys", sync_to_thread=True)
    def add_passkey(self, data: FormData, screen: ScreenDep) -> Template | Redirect:
        rp = relying_party(screen.services.settings, screen.request)
        response, name = data.get("response", ""), data.get("name", "")

        def register(session_id: str, address: str) -> object:
            return screen.services.auth.register_passkey(session_id, response, name, rp, address)

        return self._change(screen, register, done=N_("Your passkey was added."))

    @post("/passkeys/remove", sync_to_thread=True)
    def remove_passkey(self, data: FormData, screen: ScreenDep) -> Template | Redirect:
        credential_id = data.get("credential_id", "")

        def remove(session_id: str, address: str) -> None:
            screen.services.auth.remove_passkey(session_id, credential_id, address)

        return self._change(screen, remove, done=N_("The passkey was removed."))

    def _change(self, screen: Screen, change: Change, done: str = "") -> Template | Redirect:
        """Run one change of the member's factors and show the page again, with what
        happened or what went wrong beside it."""
        if screen.viewer.member is None:
            return Redirect("/login", status_code=HTTP_303_SEE_OTHER)
        try:
            result = change(screen.session_id, screen.address)
        except _EXPECTED as error:
            message, status = _explained(error)
            return self._page(screen, message, status)
        enrolment = result if isinstance(result, TotpEnrolment) else None
        return self._page(screen, notice=done, enrolment=enrolment)

    def _page(
        self,
        screen: Screen,
        error: str = "",
        status: int = 200,
        *,
        notice: str = "",
        enrolment: TotpEnrolment | None = None,
    ) -> Template | Redirect:
        member, auth = screen.viewer.member, screen.services.auth
        if member is None:
            return Redirect("/login", status_code=HTTP_303_SEE_OTHER)
        factors = auth.factors(member.id)
        if enrolment is None and factors.totp_pending:
            enrolment = auth.pending_totp_enrolment(member.id)
        context = {
            "factors": factors,
            "recent": auth.recently_authenticated(screen.session_id),
            "enrolment": enrolment,
            "qr": qr_svg(enrolment.provisioning_uri) if enrolment else "",
            "secret": grouped(enrolment.secret) if enrolment else "",
            "error": error,
            "notice": notice,
            "htmx": screen.assets.available("htmx.min.js"),
            "viewer": screen.viewer,
        }
        return Template("account_security.html", context=context, status_code=status)


_EXPECTED = (
    ServerConfigurationError,
    ReauthenticationRequiredError,
    AuthenticationError,
    PasskeyRejectedError,
    InvalidInputError,
    ConflictError,
    NotFoundError,
)


_NOT_ACCEPTED = N_("That did not work: the code or the passkey was not accepted.")
# What the security page says about a refused change, and with which status; the first
# matching kind wins (TooManyAttemptsError is an AuthenticationError). None: the error's own.
_EXPLANATIONS: tuple[tuple[type[Exception], str | None, int], ...] = (
    # The operator's to fix, not the member's: said plainly, never as a 500.
    (
        SecretKeyMissingError,
        N_("This server cannot store authenticator keys yet (TRUCE_SECRET_KEY is not set)."),
        HTTP_503_SERVICE_UNAVAILABLE,
    ),
    (ServerConfigurationError, MISCONFIGURED, HTTP_503_SERVICE_UNAVAILABLE),
    (ReauthenticationRequiredError, None, HTTP_403_FORBIDDEN),
    (TooManyAttemptsError, N_("Too many attempts. Try again later."), HTTP_429_TOO_MANY_REQUESTS),
    (AuthenticationError, _NOT_ACCEPTED, HTTP_401_UNAUTHORIZED),
    (PasskeyRejectedError, _NOT_ACCEPTED, HTTP_401_UNAUTHORIZED),
    (NotFoundError, N_("Not found."), HTTP_404_NOT_FOUND),
)


def _explained(error: Exception) -> tuple[str, int]:
    if isinstance(error, InvalidInputError):
        text = "; ".join(f"{e.field}: {e.message}" for e in error.errors)
        return text, HTTP_422_UNPROCESSABLE_ENTITY
    for kind, message, status in _EXPLANATIONS:
        if isinstance(error, kind):
            return message or str(error), status
    return str(error), HTTP_409_CONFLICT


def _json(body: str, status: int) -> Response[str]:
    return Response(body, status_code=status, media_type="application/json")


def _detail(message: str, status: int) -> Response[str]:
    return _json(json.dumps({"detail": message}), status)
