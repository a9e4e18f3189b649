"""The bulletins importer: each counted violation of a side's daily bulletin becomes a report
through intake (journal, record entry per batch, quarantine for what cannot come in), and the
confirmation figures become statements on the record (`domain/compliance_bulletins.py`)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from truce.adapters.importers import inspect
from truce.application.intake import ImportSource
from truce.domain.commands import FileReport
from truce.domain.compliance import SideConfirmation
from truce.domain.compliance_bulletins import (
    Bulletin,
    confirmations_of,
    group_bulletins,
    reports_of,
)
from truce.domain.errors import FieldError, InvalidInputError
from truce.domain.intake import SourceRow
from truce.domain.intake_sources import map_fields

KIND = "bulletins"


def read_bulletins(path: Path) -> list[Bulletin]:
    """A bulletins file is small (one row per side and province per day): read it whole."""
    if not path.is_file():
        raise InvalidInputError([FieldError("path", f"no such file: {path}")])
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return group_bulletins(list(csv.DictReader(handle)))


def _map(row: SourceRow, now: datetime) -> FileReport:
    fields = dict(row.data or {})
    key = str(fields.pop("key"))
    return map_fields(fields, now, prefix="bulletin", key=key)


def _rows(bulletins: list[Bulletin]) -> Iterator[SourceRow]:
    line = 0
    for bulletin in bulletins:
        for report in reports_of(bulletin):
            line += 1
            data: dict[str, object] = {"key": report.key, **report.fields}
            yield SourceRow(line, {}, json.dumps(data, ensure_ascii=False), data=data)


class _Rows:
    """Re-iterable: the service reads past committed rows when it resumes."""

    def __init__(self, bulletins: list[Bulletin]) -> None:
        self._bulletins = bulletins

    def __iter__(self) -> Iterator[SourceRow]:
        return _rows(self._bulletins)


def open_bulletins(path: Path) -> tuple[ImportSource, list[SideConfirmation]]:
    """The file as an import source of one report per counted violation, and the sides'
    confirmation statements it carries."""
    bulletins = read_bulletins(path)
    digest, _ = inspect(path)
    source = ImportSource(
        kind=KIND, file_name=path.name, file_sha256=digest, rows=_Rows(bulletins), mapper=_map
    )
    statements = [s for b in bulletins for s in confirmations_of(b)]
    return source, statements
