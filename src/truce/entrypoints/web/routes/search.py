"""Search across reports (later incidents and messages), in Arabic and English: a page and
`GET /api/v1/search`. Results pass the same access filter as lists, in the store."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.params import QueryParameter
from litestar.response import Template

from truce.domain.search import MAX_QUERY_LENGTH, query_terms
from truce.entrypoints.web.deps import AssetsDep, ServicesDep, ViewerDep
from truce.entrypoints.web.routes.api import read_scope
from truce.entrypoints.web.schemas import ReportOut

# Results shown on one page: a search narrows, it does not page through the archive.
PAGE_RESULTS = 50

Query = Annotated[str, QueryParameter(max_length=MAX_QUERY_LENGTH, description="words to find")]


class SearchResults(msgspec.Struct, kw_only=True):
    query: str
    # The words searched for, in normal form (Arabic folded): what the stores matched.
    terms: list[str]
    reports: list[ReportOut]


class SearchApi(Controller):
    path = "/api/v1/search"
    tags = ["search"]  # noqa: RUF012 - Litestar reads this class attribute

    @get("/", sync_to_thread=True)
    def search(
        self,
        services: ServicesDep,
        viewer: ViewerDep,
        q: Query = "",
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = PAGE_RESULTS,
    ) -> SearchResults:
        """Reports the caller may read with a word beginning with each word of `q`, newest
        first. Arabic is matched regardless of diacritics, tatweel and hamza or taa marbuta
        spellings."""
        read_scope(viewer)
        found = services.monitoring.search_reports(viewer.principal, q, limit, viewer.address)
        return SearchResults(
            query=q, terms=query_terms(q), reports=[ReportOut.of(report) for report in found]
        )


class SearchPages(Controller):
    path = "/search"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def search_page(
        self, services: ServicesDep, assets: AssetsDep, viewer: ViewerDep, q: Query = ""
    ) -> Template:
        found = services.monitoring.search_reports(
            viewer.principal, q, PAGE_RESULTS, viewer.address
        )
        return Template(
            "search.html",
            context={
                "q": q,
                "searched": bool(query_terms(q)),
                "reports": found,
                "viewer": viewer,
                "htmx": assets.available("htmx.min.js"),
            },
        )
