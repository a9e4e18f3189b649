"""The language switcher: a signed-in member's choice is stored on the account, a visitor's
in a cookie. Plain HTML forms; no script needed."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.params import URLEncodedBody
from litestar.response import Redirect
from litestar.status_codes import HTTP_303_SEE_OTHER

from truce.domain.languages import check_language
from truce.entrypoints.web.deps import ServicesDep, ViewerDep
from truce.entrypoints.web.i18n import LANG_COOKIE, LANG_COOKIE_SECONDS


def back_to(target: str | None) -> str:
    """Where to go after switching: a path on this site only (never `//host` or a URL)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


class LanguagePages(Controller):
    path = "/language"
    include_in_schema = False

    @post("/", sync_to_thread=True)
    def choose(
        self,
        data: URLEncodedBody[dict[str, str]],
        services: ServicesDep,
        viewer: ViewerDep,
        request: Request[Any, Any, Any],
    ) -> Redirect:
        language = check_language(data.get("language", ""))
        if viewer.member is not None and viewer.scopes is None:
            services.registry.choose_language(viewer.member, language)
        response = Redirect(back_to(data.get("next")), status_code=HTTP_303_SEE_OTHER)
        response.set_cookie(
            LANG_COOKIE,
            language,
            max_age=LANG_COOKIE_SECONDS,
            path="/",
            samesite="lax",
            httponly=True,
            secure=request.url.scheme == "https",
        )
        return response
