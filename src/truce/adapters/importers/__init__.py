"""Importers: read a file as a stream of rows, by column name, whatever its size.

Memory stays flat: a file is read twice, both times in chunks. The first pass hashes it (the
import journal knows a file by its SHA-256) and decides its encoding: UTF-8 with or without a
byte-order mark, else Windows-1256 (Arabic), which decodes any byte. The second pass yields
one row at a time to the service, which commits them in batches.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import sys
import tomllib
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path

from truce.application.intake import ImportSource, RowMapper
from truce.domain.commands import FileReport
from truce.domain.errors import FieldError, InvalidInputError
from truce.domain.intake import MAX_RAW, ImportKind, SourceRow
from truce.domain.intake_sources import (
    ColumnMapping,
    hxl_fields,
    hxl_tag,
    map_acled,
    map_fields,
    map_ucdp,
    mapping_from,
)

CHUNK = 1 << 20
MAX_FIELD = 1_000_000  # characters in one cell: a larger one is a broken file, quarantined
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def inspect(path: Path) -> tuple[str, str]:
    """The file's SHA-256 and its encoding, in one streamed pass."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    first = b""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            if not first:
                first = chunk[:3]
            digest.update(chunk)
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    if not utf8:
        return digest.hexdigest(), "cp1256"
    return digest.hexdigest(), "utf-8-sig" if first == codecs.BOM_UTF8 else "utf-8"


def _raw(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    return out.getvalue()[:MAX_RAW]


def csv_rows(handle: io.TextIOBase, *, hxl: bool = False) -> Iterator[SourceRow]:  # noqa: C901 - one loop naming each way a row can be broken
    """Rows keyed by header name (by hashtag for HXL). A row with the wrong number of cells
    or broken quoting is yielded with its problem, to be quarantined."""
    reader = csv.reader(handle)
    header = _next(reader)
    if header is None:
        return
    names = [name.strip() for name in header[0]]
    if hxl:
        names, header = _hxl_header(reader, names)
        if header is None:
            return
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield SourceRow(reader.line_num, {}, "", f"unreadable CSV: {error}")
            continue
        line = reader.line_num
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue  # a blank line is no row
        if len(cells) != len(names):
            problem = f"has {len(cells)} cells where the header has {len(names)}"
            yield SourceRow(line, {}, _raw(cells), problem)
            continue
        if max(map(len, cells)) > MAX_FIELD:
            yield SourceRow(line, {}, _raw(cells), "a cell is over a million characters")
            continue
        yield SourceRow(line, dict(zip(names, cells, strict=True)), "", read=tuple(cells))


def _next(reader: Iterator[list[str]]) -> tuple[list[str], None] | None:
    try:
        return next(reader), None
    except (StopIteration, csv.Error):
        return None


def _hxl_header(
    reader: Iterator[list[str]], names: list[str]
) -> tuple[list[str], tuple[list[str], None] | None]:
    """HXL puts its hashtags in the first row whose cells are all hashtags or empty: the
    header itself, or the row after it."""
    if _all_tags(names):
        return [hxl_tag(n) or f"_{i}" for i, n in enumerate(names)], (names, None)
    tags = _next(reader)
    if tags is None or not _all_tags(tags[0]):
        raise InvalidInputError([FieldError("file", "no HXL hashtag row (e.g. #date, #geo+lat)")])
    return [hxl_tag(n) or f"_{i}" for i, n in enumerate(tags[0])], tags


def _all_tags(cells: list[str]) -> bool:
    filled = [c.strip() for c in cells if c.strip()]
    return bool(filled) and all(c.startswith("#") for c in filled)


def jsonl_rows(handle: io.TextIOBase) -> Iterator[SourceRow]:
    for number, line in enumerate(handle, start=1):
        text = line.strip()
        if not text:
            continue
        raw = text[:MAX_RAW]
        try:
            value = json.loads(text)
        except (ValueError, RecursionError) as error:
            yield SourceRow(number, {}, raw, f"not JSON: {error}")
            continue
        if not isinstance(value, dict):
            yield SourceRow(number, {}, raw, "must be a JSON object")
            continue
        yield SourceRow(number, {}, raw, data=value)


def acled_deletions(handle: io.TextIOBase) -> Iterator[tuple[str, str | None]]:
    """ACLED's deletions file: event_id_cnty and deleted_timestamp per withdrawn event."""
    for row in csv_rows(handle):
        event_id = row.cells.get("event_id_cnty", "").strip()
        if event_id:
            yield f"acled:{event_id}", row.cells.get("deleted_timestamp", "").strip() or None


def _mapper(kind: ImportKind, mapping: ColumnMapping | None) -> RowMapper:
    if kind is ImportKind.ACLED:
        return lambda row, now: map_acled(row.cells, now)
    if kind is ImportKind.UCDP:
        return lambda row, now: map_ucdp(row.cells, now)
    if kind is ImportKind.HXL:

        def hxl(row: SourceRow, now: datetime) -> FileReport:
            fields, key = hxl_fields(row.cells)
            fields.setdefault("source_name", "HXL dataset")
            return map_fields(fields, now, prefix="hxl", key=key)

        return hxl
    if kind is ImportKind.JSONL:
        return lambda row, now: map_fields(row.data or {}, now, prefix="jsonl", key=None)
    if mapping is None:
        raise InvalidInputError([FieldError("mapping", "a generic CSV needs --mapping FILE")])
    chosen = mapping

    def generic(row: SourceRow, now: datetime) -> FileReport:
        fields, key = chosen.fields(row.cells)
        return map_fields(fields, now, prefix=chosen.prefix, key=key)

    return generic


def load_mapping(path: Path) -> ColumnMapping:
    try:
        data: Mapping[str, object] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InvalidInputError([FieldError("mapping", f"unreadable: {error}")]) from None
    return mapping_from(data)


def open_source(kind: ImportKind, path: Path, mapping: Path | None = None) -> ImportSource:
    """The file as an ImportSource whose rows are read lazily, each time they are iterated."""
    if not path.is_file():
        raise InvalidInputError([FieldError("path", f"no such file: {path}")])
    column_mapping = load_mapping(mapping) if mapping is not None else None
    mapper = _mapper(kind, column_mapping)
    digest, encoding = inspect(path)
    return ImportSource(
        kind=kind.value,
        file_name=path.name,
        file_sha256=digest,
        rows=_LazyRows(path, encoding, kind),
        mapper=mapper,
    )


class _LazyRows:
    def __init__(self, path: Path, encoding: str, kind: ImportKind) -> None:
        self.path = path
        self.encoding = encoding
        self.kind = kind

    def __iter__(self) -> Iterator[SourceRow]:
        with self.path.open(encoding=self.encoding, newline="", errors="replace") as handle:
            if self.kind is ImportKind.JSONL:
                yield from jsonl_rows(handle)
            else:
                yield from csv_rows(handle, hxl=self.kind is ImportKind.HXL)
