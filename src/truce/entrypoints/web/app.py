"""The Litestar application. `create_app(settings)` is all a server or a test needs."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, get
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import ResponseHeader
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.params import FromPath
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import File
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from truce.bootstrap import Services, build_services
from truce.domain.errors import NotFoundError
from truce.entrypoints.web import i18n, labels, nav
from truce.entrypoints.web.assets import FrontendAssets
from truce.entrypoints.web.auth import Viewer, resolve_viewer
from truce.entrypoints.web.deps import AssetsDep, ServicesDep
from truce.entrypoints.web.errors import EXCEPTION_HANDLERS
from truce.entrypoints.web.input_guard import refuse_nul
from truce.entrypoints.web.routes.account import AccountPages, SecondFactorPages
from truce.entrypoints.web.routes.admin import AdminAccountPages, AdminPages
from truce.entrypoints.web.routes.api import RegistryApi, ReportsApi
from truce.entrypoints.web.routes.compliance import CompliancePages, ExportsApi
from truce.entrypoints.web.routes.decisions import DecisionsApi
from truce.entrypoints.web.routes.enrolment import EnrolmentPages
from truce.entrypoints.web.routes.evidence import EvidenceApi, evidence_controllers
from truce.entrypoints.web.routes.field import FieldPages
from truce.entrypoints.web.routes.incidents import IncidentPages, IncidentsApi
from truce.entrypoints.web.routes.intake import IntakeApi
from truce.entrypoints.web.routes.language import LanguagePages
from truce.entrypoints.web.routes.map import MapPages
from truce.entrypoints.web.routes.oidc import OidcPages, register_template_globals
from truce.entrypoints.web.routes.pages import Pages, SessionPages
from truce.entrypoints.web.routes.procedure import ProcedurePages
from truce.entrypoints.web.routes.quarantine import QuarantinePages
from truce.entrypoints.web.routes.record import RecordApi, RecordPages
from truce.entrypoints.web.routes.search import SearchApi, SearchPages
from truce.entrypoints.web.routes.talks import TalkLive, TalksApi, TalksPages
from truce.settings import Settings

HERE = Path(__file__).parent
log = logging.getLogger("truce.web")

# Scripts, styles and images only from this origin: the app works offline, in the field.
SECURITY_HEADERS = [
    ResponseHeader(
        name="Content-Security-Policy",
        value=(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
        ),
    ),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="no-referrer"),
    ResponseHeader(name="X-Frame-Options", value="DENY"),
]


# Browsers refuse scripts served with a generic type (X-Content-Type-Options: nosniff).
VENDOR_MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".json": "application/json"}


@get("/healthz", sync_to_thread=False, include_in_schema=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get("/vendor/{name:str}", sync_to_thread=False, include_in_schema=False)
def vendor(name: FromPath[str], assets: AssetsDep) -> File:
    """Front-end libraries from node_modules, by an allow-list of names."""
    path = assets.path(name)
    if path is None:
        raise NotFoundError("asset")
    media_type = VENDOR_MEDIA_TYPES.get(path.suffix, "application/octet-stream")
    return File(path, content_disposition_type="inline", media_type=media_type)


def freeze_startup_objects() -> None:
    """For a server process, once its app is built: set the objects of start-up (modules,
    templates, the app, the services) aside from the cyclic garbage collector. They live as
    long as the process, and a full collection walking them all paused every open talks
    stream for about 0.1 s (bench/README.md, bench/talks.py). Not done by `create_app`
    itself: a test process builds many apps, whose objects must stay collectable."""
    gc.collect()
    gc.freeze()


@asynccontextmanager
async def _checkpoint_schedule(services: Services, interval: int) -> AsyncIterator[None]:
    """Sign a checkpoint every `interval` seconds while the app runs, so the record is
    committed to (and witnessable) even when nobody asks."""
    task = asyncio.create_task(_issue_checkpoints(services, interval)) if interval > 0 else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task


async def _issue_checkpoints(services: Services, interval: int) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            # The procedure's deadlines pass on the same beat (a lapse is a state change that
            # the checkpoint then covers).
            await asyncio.to_thread(services.procedure.enforce_deadlines)
        except Exception:
            log.exception("scheduled deadline enforcement failed")
        try:
            await asyncio.to_thread(services.record.issue_checkpoint)
        except Exception:
            # Another process may have signed the same size first; the next round retries.
            log.exception("scheduled checkpoint failed")


def _viewer(request: Request[Any, Any, Any], services: ServicesDep) -> Viewer:
    viewer = resolve_viewer(request, services)
    # The page chrome (language, navigation) reuses it rather than asking again.
    i18n.remember_viewer(request, viewer)
    return viewer


def _template_engine(engine: JinjaTemplateEngine, services: Services) -> None:
    register_template_globals(engine, services)
    i18n.install(engine, services)
    nav.install(engine, services)
    labels.install(engine)


def _secret(settings: Settings) -> str:
    if settings.secret_key:
        # Any length of operator-chosen text becomes a 32-byte key.
        return hashlib.sha256(settings.secret_key.encode()).hexdigest()[:32]
    log.warning("TRUCE_SECRET_KEY unset: using a per-process secret; forms expire on restart")
    return secrets.token_hex(16)


def create_app(settings: Settings, services: Services | None = None) -> Litestar:
    services = services or build_services(settings)
    assets = FrontendAssets(settings.frontend_dir)
    static = create_static_files_router(
        path="/static", directories=[HERE / "static"], include_in_schema=False
    )
    # Real time for the talks: wake-ups between server processes (routes/talks.py).
    talk_live = TalkLive.for_database(settings.database_url)
    return Litestar(
        route_handlers=[
            Pages,
            SessionPages,
            SecondFactorPages,
            AccountPages,
            OidcPages,
            ReportsApi,
            IntakeApi,
            FieldPages,
            RegistryApi,
            RecordApi,
            RecordPages,
            DecisionsApi,
            TalksApi,
            TalksPages,
            AdminPages,
            AdminAccountPages,
            EnrolmentPages,
            MapPages,
            CompliancePages,
            ExportsApi,
            SearchApi,
            SearchPages,
            LanguagePages,
            ProcedurePages,
            IncidentPages,
            IncidentsApi,
            EvidenceApi,
            QuarantinePages,
            *evidence_controllers(settings.evidence_max_bytes),
            healthz,
            vendor,
            static,
        ],
        dependencies={
            "services": Provide(lambda: services, use_cache=True, sync_to_thread=False),
            "assets": Provide(lambda: assets, use_cache=True, sync_to_thread=False),
            "viewer": Provide(_viewer, sync_to_thread=True),
            "talk_live": Provide(lambda: talk_live, use_cache=True, sync_to_thread=False),
        },
        template_config=TemplateConfig(
            directory=HERE / "templates",
            engine=JinjaTemplateEngine,
            engine_callback=lambda engine: _template_engine(engine, services),
        ),
        openapi_config=OpenAPIConfig(
            title="Truce API",
            version="1",
            description="A ceasefire's monitoring mechanism and the mediated talks around it.",
            path="/api/v1/schema",
            render_plugins=[JsonRenderPlugin(path=["/openapi.json", "/"]), YamlRenderPlugin()],
        ),
        csrf_config=CSRFConfig(
            secret=_secret(settings),
            cookie_name="truce_csrf",
            cookie_samesite="strict",
            cookie_httponly=True,
            # The JSON API changes data for a token only: a session cookie on an unsafe API
            # request is refused in resolve_viewer (entrypoints/web/auth.py), so the API
            # needs no CSRF token.
            exclude=["/api/"],
        ),
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        before_request=refuse_nul,
        response_headers=SECURITY_HEADERS,
        request_max_body_size=settings.max_body_bytes,
        lifespan=[
            lambda _app: _checkpoint_schedule(services, settings.checkpoint_interval),
            lambda _app: talk_live.running(services),
        ],
        on_shutdown=[services.close],
        debug=settings.debug,
    )
