"""S13: arbitrary bytes or rows never crash an importer; what cannot be read is quarantined."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from support import FixedClock, SequentialIds, seed_cast
from truce.adapters.importers import open_source
from truce.adapters.memory.store import MemoryUnitOfWorkFactory
from truce.application.intake import IntakeService
from truce.application.monitoring import MonitoringService
from truce.application.registry import RegistryService
from truce.domain.errors import InvalidInputError
from truce.domain.intake import ImportKind
from truce.domain.intake_sources import ACLED_COLUMNS

MAPPING = 'key = "id"\n[columns]\noccurred_from = "date"\nnarrative = "text"\n'
UCDP_HEADER = "id,date_start,date_end,type_of_violence,latitude,longitude,best,low,high\n"


def _import(kind: ImportKind, content: bytes) -> None:
    clock = FixedClock()
    uow = MemoryUnitOfWorkFactory()
    seed_cast(RegistryService(uow, clock))
    intake = IntakeService(
        uow, clock, SequentialIds(), MonitoringService(uow, clock, SequentialIds()), batch_size=7
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data"
        path.write_bytes(content)
        mapping = Path(folder) / "mapping.toml"
        mapping.write_text(MAPPING)
        try:
            source = open_source(kind, path, mapping if kind is ImportKind.CSV else None)
            counts = intake.import_file(source).counts
        except InvalidInputError:
            return  # a file-level refusal with a reason (an HXL file without hashtags)
    assert counts.read == counts.imported + counts.updated + counts.unchanged + counts.quarantined


@settings(max_examples=60)
@given(kind=st.sampled_from(list(ImportKind)[:5]), content=st.binary(max_size=600))
def test_arbitrary_bytes_never_crash(kind: ImportKind, content: bytes) -> None:
    _import(kind, content)


cells = st.text(max_size=12).map(lambda t: t.replace("\x00", ""))


@settings(max_examples=40)
@given(rows=st.lists(st.lists(cells, min_size=29, max_size=33), max_size=8))
def test_arbitrary_acled_rows_are_imported_or_quarantined(rows: list[list[str]]) -> None:
    import csv  # noqa: PLC0415
    import io  # noqa: PLC0415

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ACLED_COLUMNS)
    writer.writerows(rows)
    _import(ImportKind.ACLED, out.getvalue().encode())


@settings(max_examples=40)
@given(rows=st.lists(st.lists(cells, min_size=9, max_size=9), max_size=8))
def test_arbitrary_ucdp_rows_are_imported_or_quarantined(rows: list[list[str]]) -> None:
    body = "\n".join(",".join(f'"{c.replace(chr(34), "")}"' for c in row) for row in rows)
    _import(ImportKind.UCDP, (UCDP_HEADER + body).encode("cp1256", errors="replace"))
