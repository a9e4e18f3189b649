"""Export encoders: batches of rows (tuples in EXPORT_COLUMNS order) in, bytes out, one
chunk per batch.

Each encoder is a generator over a generator: it never holds more than one batch's chunk of
output (the store's page, 10,000 rows by default), so an export of any size runs in flat
memory. The formats:
CSV, HXL-tagged CSV (hashtags the HXL importer reads back), ACLED-compatible CSV (ACLED's 31
columns, which the ACLED importer reads back), JSON Lines, and GeoJSON (a FeatureCollection
written piece by piece; a report without coordinates has a null geometry).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime

from truce.domain.compliance import GOVERNORATE_BY_PCODE
from truce.domain.compliance_exports import EXPORT_COLUMNS, ExportFormat, ExportRow
from truce.domain.intake_sources import ACLED_COLUMNS, ACLED_EVENT_TYPES

Batches = Iterable[Sequence[ExportRow]]
Encoder = Callable[[Batches], Iterator[bytes]]

_INDEX = {name: i for i, name in enumerate(EXPORT_COLUMNS)}
_LAT, _LON = _INDEX["latitude"], _INDEX["longitude"]

HXL_TAGS = {
    "id": "#event+id",
    "filed_at": "#date+filed",
    "occurred_from": "#date",
    "occurred_to": "#date+end",
    "source_kind": "#meta+kind",
    "source_name": "#meta+source",
    "reliability": "#meta+reliability",
    "credibility": "#meta+credibility",
    "place_text": "#loc+name",
    "latitude": "#geo+lat",
    "longitude": "#geo+lon",
    "event_type": "#event+type",
    "sub_event_type": "#event+type+sub",
    "perpetrator": "#actor+name",
    "target": "#actor+target",
    "killed": "#affected+killed",
    "injured": "#affected+injured",
    "narrative": "#description",
    "narrative_lang": "#meta+lang",
    "confidentiality": "#meta+confidentiality",
    "source_ref": "#meta+ref",
    "governorate": "#adm1+code",
}


def _text(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _csv(batches: Batches, head: list[list[str]]) -> Iterator[bytes]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(head)
    for batch in batches:
        writer.writerows(batch)  # None is written empty; times arrive as ISO 8601 text
        yield out.getvalue().encode()
        out.seek(0)
        out.truncate()
    yield out.getvalue().encode()


def encode_csv(batches: Batches) -> Iterator[bytes]:
    return _csv(batches, [list(EXPORT_COLUMNS)])


def encode_hxl(batches: Batches) -> Iterator[bytes]:
    return _csv(batches, [list(EXPORT_COLUMNS), [HXL_TAGS[c] for c in EXPORT_COLUMNS]])


def _plain(row: ExportRow) -> dict[str, object]:
    return {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name, value in zip(EXPORT_COLUMNS, row, strict=True)
    }


def encode_jsonl(batches: Batches) -> Iterator[bytes]:
    for batch in batches:
        yield "".join(json.dumps(_plain(row), ensure_ascii=False) + "\n" for row in batch).encode()


def _feature(row: ExportRow) -> str:
    properties = _plain(row)
    lat, lon = row[_LAT], row[_LON]
    geometry = None
    if lat is not None and lon is not None:
        geometry = {"type": "Point", "coordinates": [lon, lat]}
    feature = {"type": "Feature", "id": row[0], "geometry": geometry, "properties": properties}
    return json.dumps(feature, ensure_ascii=False)


def encode_geojson(batches: Batches) -> Iterator[bytes]:
    yield b'{"type":"FeatureCollection","features":[\n'
    first = True
    for batch in batches:
        pieces = []
        for row in batch:
            pieces.append(("" if first else ",") + _feature(row) + "\n")
            first = False
        yield "".join(pieces).encode()
    yield b"]}\n"


# ACLED's event types back from Truce's taxonomy; the ceasefire's own kinds fall under the
# ACLED type that holds them.
_ACLED_TYPES = {value.value: label for label, value in ACLED_EVENT_TYPES.items()} | {
    "shelling": "Explosions/Remote violence",
    "air_strike": "Explosions/Remote violence",
    "attack_on_protected_infrastructure": "Explosions/Remote violence",
    "incursion": "Strategic developments",
    "heavy_weapons_movement": "Strategic developments",
    "humanitarian_obstruction": "Strategic developments",
    "other": "Strategic developments",
}


def _acled(row: ExportRow) -> list[object]:
    get = dict(zip(EXPORT_COLUMNS, row, strict=True))
    moment = datetime.fromisoformat(str(get["occurred_from"])) if get["occurred_from"] else None
    filed = datetime.fromisoformat(str(get["filed_at"])) if get["filed_at"] else None
    governorate = GOVERNORATE_BY_PCODE.get(str(get["governorate"] or ""))
    sub = str(get["sub_event_type"] or "")
    values = {
        "event_id_cnty": get["id"],
        "event_date": moment.strftime("%d %B %Y") if isinstance(moment, datetime) else "",
        "year": moment.year if isinstance(moment, datetime) else "",
        "time_precision": 1,
        "event_type": _ACLED_TYPES.get(str(get["event_type"]), "Strategic developments"),
        # Read back by the ACLED importer, which folds the label to the same slug.
        "sub_event_type": sub.replace("_", " ").capitalize(),
        "actor1": get["perpetrator"],
        "actor2": get["target"],
        "iso": 760,
        "region": "Middle East",
        "country": "Syria",
        "admin1": governorate.name_en if governorate else "",
        "location": get["place_text"],
        "latitude": get["latitude"],
        "longitude": get["longitude"],
        "geo_precision": 1,
        "source": get["source_name"],
        "notes": get["narrative"],
        "fatalities": get["killed"] or 0,
        "timestamp": int(filed.timestamp()) if isinstance(filed, datetime) else "",
    }
    return [_text(values.get(column)) for column in ACLED_COLUMNS]


def encode_acled(batches: Batches) -> Iterator[bytes]:
    return _csv(([tuple(_acled(row)) for row in batch] for batch in batches), [list(ACLED_COLUMNS)])


ENCODERS: dict[ExportFormat, Encoder] = {
    ExportFormat.CSV: encode_csv,
    ExportFormat.HXL: encode_hxl,
    ExportFormat.ACLED: encode_acled,
    ExportFormat.JSONL: encode_jsonl,
    ExportFormat.GEOJSON: encode_geojson,
}
MEDIA_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.HXL: "text/csv; charset=utf-8",
    ExportFormat.ACLED: "text/csv; charset=utf-8",
    ExportFormat.JSONL: "application/jsonl; charset=utf-8",
    ExportFormat.GEOJSON: "application/geo+json",
}
SUFFIXES = {
    ExportFormat.CSV: "csv",
    ExportFormat.HXL: "hxl.csv",
    ExportFormat.ACLED: "acled.csv",
    ExportFormat.JSONL: "jsonl",
    ExportFormat.GEOJSON: "geojson",
}
