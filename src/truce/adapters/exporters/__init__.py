"""Export encoders: rows (tuples in EXPORT_COLUMNS order) in, bytes out, a chunk at a time.

Each encoder is a generator over a generator: it never holds more than one chunk (about
`CHUNK_ROWS` rows) of output, so an export of any size runs in flat memory. The formats:
CSV, HXL-tagged CSV (hashtags the HXL importer reads back), ACLED-compatible CSV (ACLED's 31
columns, which the ACLED importer reads back), JSON Lines, and GeoJSON (a FeatureCollection
written piece by piece; a report without coordinates has a null geometry).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from truce.domain.compliance import GOVERNORATE_BY_PCODE
from truce.domain.compliance_exports import EXPORT_COLUMNS, ExportFormat, ExportRow
from truce.domain.intake_sources import ACLED_COLUMNS, ACLED_EVENT_TYPES

CHUNK_ROWS = 2_000
Encoder = Callable[[Iterable[ExportRow]], Iterator[bytes]]

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


def _csv(rows: Iterable[ExportRow], head: list[list[str]]) -> Iterator[bytes]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(head)
    pending = 0
    for row in rows:
        writer.writerow(row)  # None is written empty; times arrive as ISO 8601 text
        pending += 1
        if pending >= CHUNK_ROWS:
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
            pending = 0
    yield out.getvalue().encode()


def encode_csv(rows: Iterable[ExportRow]) -> Iterator[bytes]:
    return _csv(rows, [list(EXPORT_COLUMNS)])


def encode_hxl(rows: Iterable[ExportRow]) -> Iterator[bytes]:
    return _csv(rows, [list(EXPORT_COLUMNS), [HXL_TAGS[c] for c in EXPORT_COLUMNS]])


def _plain(row: ExportRow) -> dict[str, object]:
    return {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name, value in zip(EXPORT_COLUMNS, row, strict=True)
    }


def _lines(pieces: Iterable[str]) -> Iterator[bytes]:
    batch: list[str] = []
    for piece in pieces:
        batch.append(piece)
        if len(batch) >= CHUNK_ROWS:
            yield "".join(batch).encode()
            batch.clear()
    if batch:
        yield "".join(batch).encode()


def encode_jsonl(rows: Iterable[ExportRow]) -> Iterator[bytes]:
    return _lines(json.dumps(_plain(row), ensure_ascii=False) + "\n" for row in rows)


def _feature(row: ExportRow) -> str:
    properties = _plain(row)
    lat, lon = row[_LAT], row[_LON]
    geometry = None
    if lat is not None and lon is not None:
        geometry = {"type": "Point", "coordinates": [lon, lat]}
    feature = {"type": "Feature", "id": row[0], "geometry": geometry, "properties": properties}
    return json.dumps(feature, ensure_ascii=False)


def encode_geojson(rows: Iterable[ExportRow]) -> Iterator[bytes]:
    def pieces() -> Iterator[str]:
        yield '{"type":"FeatureCollection","features":[\n'
        for index, row in enumerate(rows):
            yield ("," if index else "") + _feature(row) + "\n"
        yield "]}\n"

    return _lines(pieces())


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


def encode_acled(rows: Iterable[ExportRow]) -> Iterator[bytes]:
    return _csv((tuple(_acled(row)) for row in rows), [list(ACLED_COLUMNS)])


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
