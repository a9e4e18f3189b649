"""Each importer on a small file: JSON Lines, HXL, generic CSV, encodings, ACLED updates and
withdrawals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support import FixedClock, SequentialIds, seed_cast
from truce.adapters.importers import open_source
from truce.application.intake import IntakeService
from truce.application.monitoring import MonitoringService
from truce.application.ports import UnitOfWorkFactory
from truce.application.registry import RegistryService
from truce.domain.intake import ImportKind
from truce.domain.intake_sources import ACLED_COLUMNS


@pytest.fixture
def intake(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> IntakeService:
    seed_cast(RegistryService(uow_factory, clock))
    monitoring = MonitoringService(uow_factory, clock, SequentialIds("report"))
    return IntakeService(uow_factory, clock, SequentialIds("import"), monitoring)


def _acled(path: Path, notes: str, timestamp: str) -> Path:
    values = dict.fromkeys(ACLED_COLUMNS, "")
    values.update(
        event_id_cnty="SYR1",
        event_date="02 January 2017",
        time_precision="1",
        event_type="Battles",
        sub_event_type="Armed clash",
        actor1="Military Forces of Syria (2000-)",
        location="Basimah",
        latitude="33.65",
        longitude="36.10",
        geo_precision="1",
        source="SOHR",
        notes=notes,
        fatalities="3",
        timestamp=timestamp,
    )
    path.write_text(
        ",".join(ACLED_COLUMNS) + "\n" + ",".join(f'"{values[c]}"' for c in ACLED_COLUMNS) + "\n",
        encoding="utf-8-sig",
    )
    return path


def test_acled_upsert_supersedes_and_deletions_withdraw(
    intake: IntakeService, uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    first = intake.import_file(
        open_source(ImportKind.ACLED, _acled(tmp_path / "a.csv", "Clashes.", "100"))
    )
    assert first.counts.imported == 1
    newer = _acled(tmp_path / "b.csv", "Clashes; corrected.", "200")
    assert intake.import_file(open_source(ImportKind.ACLED, newer)).counts.updated == 1
    older = _acled(tmp_path / "c.csv", "Stale copy.", "150")
    assert intake.import_file(open_source(ImportKind.ACLED, older)).counts.unchanged == 1
    with uow_factory() as uow:
        assert uow.reports.count() == 1
        (standing,) = uow.reports.page(5)
        assert standing.content.narrative == "Clashes; corrected."
        assert standing.content.supersedes is not None
        assert standing.content.time_precision == "acled:1"
        assert standing.content.sub_event_type == "armed_clash"
    counts = intake.withdraw([("acled:SYR1", "300")], "acled")
    assert counts.updated == 1
    assert intake.withdraw([("acled:SYR1", "300")], "acled").unchanged == 1
    with uow_factory() as uow:
        assert uow.reports.count() == 0
        assert uow.intake.tombstones(["acled:SYR1"])["acled:SYR1"].source_version == "300"


def test_jsonl_in_truces_own_schema(intake: IntakeService, tmp_path: Path) -> None:
    good = {
        "source_name": "Local council",
        "occurred_from": "2017-01-03T10:00:00Z",
        "place_text": "Ain al-Fijah",
        "event_type": "attack_on_protected_infrastructure",
        "narrative": "Pumping station hit.",
        "casualties": [{"kind": "injured", "category": "civilians", "best": 2}],
        "translations": [{"lang": "ar", "text": "قصف محطة الضخ", "provenance": "monitor"}],
    }
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(good) + "\n[1]\n{broken\n" + json.dumps({"narrative": "x"}) + "\n")
    counts = intake.import_file(open_source(ImportKind.JSONL, path)).counts
    assert (counts.read, counts.imported, counts.quarantined) == (4, 1, 3)
    assert intake.import_file(open_source(ImportKind.JSONL, path)).counts.unchanged == 1


def test_hxl_and_windows_1256(intake: IntakeService, tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    text = (
        "Date,Lat,Lon,Type,What,ID\n"
        "#date,#geo+lat,#geo+lon,#event+type,#description,#event+id\n"
        "2017-01-05,33.5,36.3,Battles,اشتباكات في داريا,e1\n"
    )
    path.write_bytes(text.encode("cp1256"))
    counts = intake.import_file(open_source(ImportKind.HXL, path)).counts
    assert (counts.read, counts.imported) == (1, 1)


def test_generic_csv_with_a_mapping(intake: IntakeService, tmp_path: Path) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        'key = "Ref"\nprefix = "centre"\n'
        '[columns]\noccurred_from = "When"\nplace_text = "Where"\nnarrative = "What"\n'
        '[constants]\nevent_type = "shelling"\nsource_name = "Reconciliation centre"\n'
        'source_kind = "guarantor_centre"\n'
    )
    path = tmp_path / "g.csv"
    path.write_text("Ref,When,Where,What\n7,2017-01-04,Wadi Barada,Shelling\n8,,Nowhere,\n")
    counts = intake.import_file(open_source(ImportKind.CSV, path, mapping)).counts
    assert (counts.imported, counts.quarantined) == (1, 1)
