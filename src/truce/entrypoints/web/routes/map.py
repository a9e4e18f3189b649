"""The map: governorate and district outlines, an agreement's zones, and the reports the
viewer may read drawn with their precision. No tile server: every layer is local GeoJSON.

Reports come only through `MonitoringService.list_reports(principal)`, the same access filter
as every other list; their placements are read only for those reports, through the same
scope (`GeographyService.placements_for`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from litestar import Controller, get
from litestar.params import FromPath, QueryParameter
from litestar.response import Response, Template

from truce.bootstrap import Services
from truce.domain.auth import Scope
from truce.domain.errors import FieldError, InvalidInputError
from truce.domain.geo.placement import ReportPlace
from truce.domain.reports import EventType, Report
from truce.entrypoints.web.auth import Viewer
from truce.entrypoints.web.deps import AssetsDep, ServicesDep, ViewerDep
from truce.entrypoints.web.i18n import EVENT_LABELS

# Degrees of simplification per level: outlines for a country-wide map, not for surveying.
TOLERANCE = {1: 0.01, 2: 0.005, 3: 0.002}
MAX_MAP_REPORTS = 2_000
# Reports looked through for one request, filters applied as the pages come.
MAX_SCANNED = 100_000
PAGE = 500
GEOJSON = "application/geo+json"


def _geojson(value: dict[str, Any]) -> Response[bytes]:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, media_type=GEOJSON, headers={"Cache-Control": "private, max-age=60"})


def _day(name: str, text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError([FieldError(name, "must be a date as YYYY-MM-DD")]) from None


def _event_type(text: str | None) -> str | None:
    if not text:
        return None
    if text not in {t.value for t in EventType}:
        raise InvalidInputError([FieldError("type", "is not a known event type")])
    return text


def _visible_reports(
    services: Services, viewer: Viewer, wanted: Callable[[Report], bool]
) -> tuple[list[Report], bool]:
    """What the viewer may read and the filters want, newest first, through the monitoring
    service's filtered list; the filters apply while paging, so an old day's reports are
    found behind newer ones. True when more were left than the map draws."""
    chosen: list[Report] = []
    scanned = 0
    cursor = None
    while scanned < MAX_SCANNED:
        page = services.monitoring.list_reports(viewer.principal, PAGE, cursor)
        scanned += len(page.reports)
        chosen.extend(report for report in page.reports if wanted(report))
        if len(chosen) > MAX_MAP_REPORTS:
            return chosen[:MAX_MAP_REPORTS], True
        cursor = page.next_cursor
        if cursor is None:
            return chosen, False
    return chosen, True


def _within(report: Report, since: date | None, until: date | None, kind: str | None) -> bool:
    day = report.content.occurred_from.date()
    if since is not None and day < since:
        return False
    if until is not None and day > until:
        return False
    return kind is None or report.content.event_type == kind


def _report_features(
    services: Services, viewer: Viewer, reports: list[Report]
) -> list[dict[str, Any]]:
    """Each report at its stored placement (worked out now when none is stored yet): a point
    when its precision is exact, else a centre and the radius it lies within."""
    placements = services.geography.placements_for(viewer.principal, reports)
    features = []
    for report in reports:
        place = placements.get(report.id)
        if place is None or place.latitude is None or place.longitude is None:
            continue
        features.append(_feature(services, report, place))
    return features


def _feature(services: Services, report: Report, place: ReportPlace) -> dict[str, Any]:
    content = report.content
    units = {
        f"adm{level}": _unit(services, pcode)
        for level, pcode in ((1, place.adm1), (2, place.adm2), (3, place.adm3))
    }
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [place.longitude, place.latitude]},
        "properties": {
            "id": report.id,
            "event_type": content.event_type,
            "occurred_from": _iso(content.occurred_from),
            "place": content.place_text or "",
            "method": place.method.value,
            "precision": None if place.precision is None else place.precision.value,
            "source_precision": content.place_precision,
            "exact": place.exact,
            "radius_m": place.radius_m or 0.0,
            "pcode": place.adm3 or place.adm2 or place.adm1,
            "nearest": place.nearest,
            "confidence": place.confidence,
            **units,
        },
    }


def _unit(services: Services, pcode: str | None) -> dict[str, str] | None:
    named = services.geography.named(pcode)
    if named is None:
        return None if pcode is None else {"pcode": pcode, "name_en": "", "name_ar": ""}
    return {"pcode": named.pcode, "name_en": named.name_en, "name_ar": named.name_ar}


def _iso(moment: datetime) -> str:
    return moment.isoformat()


class MapPages(Controller):
    path = "/map"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def page(self, services: ServicesDep, assets: AssetsDep, viewer: ViewerDep) -> Template:
        agreements = services.registry.directory().agreements
        return Template(
            "map.html",
            context={
                "viewer": viewer,
                "leaflet": assets.available("leaflet.js") and assets.available("leaflet.css"),
                "agreements": agreements,
                "event_types": [(t.value, EVENT_LABELS[t]) for t in EventType],
                "levels": services.geography.units(1) != [],
            },
        )

    @get("/layers/outlines/{level:int}", sync_to_thread=True)
    def outlines(self, services: ServicesDep, level: FromPath[int]) -> Response[bytes]:
        """Administrative outlines of level 1 (governorates), 2 (districts) or 3."""
        if level not in TOLERANCE:
            raise InvalidInputError([FieldError("level", "must be 1, 2 or 3")])
        return _geojson(services.geography.outlines(level, TOLERANCE[level]))

    @get("/layers/zones", sync_to_thread=True)
    def zones(
        self,
        services: ServicesDep,
        agreement: Annotated[str | None, QueryParameter(max_length=64)] = None,
    ) -> Response[bytes]:
        """The current zones, of one agreement or of all; zones are terms of an agreement,
        which every participant may read."""
        features = [
            {
                "type": "Feature",
                "geometry": json.loads(zone.geometry),
                "properties": {
                    "agreement_id": zone.agreement_id,
                    "zone_id": zone.zone_id,
                    "revision": zone.revision,
                    "kind": zone.kind.value,
                    "name": zone.name,
                    "name_ar": zone.name_ar,
                },
            }
            for zone in services.geography.zones(agreement)
        ]
        return _geojson({"type": "FeatureCollection", "features": features})

    @get("/layers/reports", sync_to_thread=True)
    def reports(
        self,
        services: ServicesDep,
        viewer: ViewerDep,
        since: Annotated[str | None, QueryParameter(max_length=10)] = None,
        until: Annotated[str | None, QueryParameter(max_length=10)] = None,
        kind: Annotated[str | None, QueryParameter(name="type", max_length=60)] = None,
    ) -> Response[bytes]:
        """The reports the viewer may read, each where it is known to be and how precisely:
        its centre, its radius (the precision halo unless exact) and its ADM1-ADM3 units;
        filters by day and event type."""
        if viewer.member is not None:
            # The same rule as the reports API: a token must carry reports:read.
            viewer.require(Scope.REPORTS_READ)
        first, last, kind = _day("since", since), _day("until", until), _event_type(kind)
        chosen, truncated = _visible_reports(
            services, viewer, lambda report: _within(report, first, last, kind)
        )
        features = _report_features(services, viewer, chosen)
        # `truncated` (a foreign member): more reports matched than the map draws.
        return _geojson({"type": "FeatureCollection", "truncated": truncated, "features": features})
