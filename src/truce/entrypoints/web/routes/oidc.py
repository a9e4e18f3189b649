"""Sign-in with an organisation's OpenID Connect provider: the two browser legs.

`GET /login/oidc/{provider}` starts a sign-in and sends the browser to the provider; a plain
link, not a form, because the page's Content-Security-Policy (`form-action 'self'`) would stop
a form's redirect to another origin, and because starting a sign-in changes nothing that a
forged request could exploit: the flow is bound to a cookie set by this very response, and
only the browser holding it can finish (docs/decisions/0004-openid-connect-login.md).

`GET /login/oidc/{provider}/callback` finishes it. Any failure shows the sign-in page with
one generic message (401, or 429 when throttled); the reason goes to the audit trail only.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_401_UNAUTHORIZED

from truce.application.oidc import Callback
from truce.bootstrap import Services
from truce.domain.auth import AuthenticationError, TooManyAttemptsError
from truce.domain.oidc import PENDING_LIFETIME, ProviderUnavailableError
from truce.entrypoints.web.assets import FrontendAssets
from truce.entrypoints.web.auth import SESSION_COOKIE, client_address
from truce.entrypoints.web.deps import AssetsDep, ServicesDep
from truce.entrypoints.web.i18n import N_

# The secret that binds a sign-in in flight to this browser. SameSite=Lax, not Strict: the
# provider sends the browser back by a cross-site navigation, which must carry it. Sent only
# to these paths.
OIDC_COOKIE = "truce_oidc"
OIDC_COOKIE_PATH = "/login/oidc"
FAILED = N_("Sign-in with your organisation failed.")
THROTTLED = N_("Too many attempts. Try again later.")
UNAVAILABLE = N_("Sign-in with your organisation is not available right now.")


class OidcPages(Controller):
    path = "/login/oidc"
    include_in_schema = False

    @get("/{provider:str}", sync_to_thread=True)
    def start(
        self,
        provider: FromPath[str],
        services: ServicesDep,
        assets: AssetsDep,
        request: Request[Any, Any, Any],
    ) -> Template | Redirect:
        try:
            started = services.oidc.begin(
                provider, redirect_uri(services, request, provider), client_address(request)
            )
        except TooManyAttemptsError as error:
            return _throttled(assets, error)
        except ProviderUnavailableError:
            return _failed(assets, UNAVAILABLE)
        response = Redirect(started.url, status_code=HTTP_303_SEE_OTHER)
        response.set_cookie(
            OIDC_COOKIE,
            started.browser_secret,
            max_age=int(PENDING_LIFETIME.total_seconds()),
            httponly=True,
            secure=services.settings.secure_cookies,
            samesite="lax",
            path=OIDC_COOKIE_PATH,
        )
        return response

    @get("/{provider:str}/callback", sync_to_thread=True)
    def callback(
        self,
        provider: FromPath[str],
        services: ServicesDep,
        assets: AssetsDep,
        request: Request[Any, Any, Any],
    ) -> Template:
        # Read from the query as sent (`state` is a name Litestar keeps for itself).
        query = request.query_params
        back = Callback(
            state=query.get("state"),
            code=query.get("code"),
            error=query.get("error"),
            browser_secret=request.cookies.get(OIDC_COOKIE),
            redirect_uri=redirect_uri(services, request, provider),
            address=client_address(request),
        )
        try:
            signed_in = services.oidc.complete(provider, back)
        except TooManyAttemptsError as refused:
            response = _throttled(assets, refused)
        except AuthenticationError:
            response = _failed(assets, FAILED)
        else:
            # A page that moves on by itself rather than a redirect: after a cross-site
            # arrival, browsers withhold SameSite=Strict cookies along a redirect chain, so
            # a redirect would land on "/" looking signed out.
            response = Template("oidc_continue.html", context={"next": "/"})
            response.set_cookie(
                SESSION_COOKIE,
                signed_in.session_id,
                # Seconds from now: an int `expires` is also read as an offset, not a date.
                max_age=int((signed_in.expires_at - services.clock.now()).total_seconds()),
                httponly=True,
                secure=services.settings.secure_cookies,
                samesite="strict",
                path="/",
            )
        # The flow is over either way: the binding cookie has done its work.
        response.delete_cookie(OIDC_COOKIE, path=OIDC_COOKIE_PATH)
        return response


def redirect_uri(services: Services, request: Request[Any, Any, Any], provider: str) -> str:
    """The callback's absolute address, as registered at the provider. TRUCE_PUBLIC_URL when
    set: behind a proxy the request's own host may not be the one parties use."""
    base = services.settings.public_url or str(request.base_url)
    return f"{base.rstrip('/')}/login/oidc/{provider}/callback"


def register_template_globals(engine: JinjaTemplateEngine, services: Services) -> None:
    """`oidc_providers()` for the sign-in page: the buttons it shows."""
    engine.engine.globals["oidc_providers"] = services.oidc.providers


def _failed(assets: FrontendAssets, message: str) -> Template:
    context = _context(assets, message)
    return Template("login.html", context=context, status_code=HTTP_401_UNAUTHORIZED)


def _throttled(assets: FrontendAssets, error: TooManyAttemptsError) -> Template:
    response = Template("login.html", context=_context(assets, THROTTLED), status_code=429)
    response.headers["Retry-After"] = str(error.retry_after_seconds)
    return response


def _context(assets: FrontendAssets, error: str) -> dict[str, Any]:
    return {
        "username": "",
        "error": error,
        "totp": False,
        "htmx": assets.available("htmx.min.js"),
        "viewer": None,
    }
