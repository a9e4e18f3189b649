"""The Intake port on both stores: dataset reports in bulk, standing events, retiring,
tombstones, the quarantine and the import journal behave alike on SQL and in memory."""

from __future__ import annotations

from datetime import timedelta

from support import START, report_fields
from truce.application.demo_case import AGREEMENT
from truce.application.ports import ReportScope
from truce.domain.confidentiality import Confidentiality
from truce.domain.errors import FieldError
from truce.domain.intake import (
    ImportCounts,
    ImportJournal,
    JournalStatus,
    QuarantinedRow,
    Tombstone,
)
from truce.domain.reports import new_report, parse_file_report
from truce.domain.search import query_terms

SHA = "c" * 64


def dataset_report(report_id: str, ref: str, version: str = "1", narrative: str = "x"):
    command = parse_file_report(
        report_fields(
            confidentiality="public",
            source_ref=ref,
            source_version=version,
            narrative=f"Shelling {narrative}",
        ),
        now=START,
    )
    return new_report(
        command,
        report_id=report_id,
        agreement_id=AGREEMENT.id,
        filed_at=START,
        submitted_by=None,
        submitter_body_id="mechanism",
    )


def row(line: int, **changes) -> QuarantinedRow:
    base = {
        "id": f"q-{SHA[:20]}-{line}",
        "kind": "ucdp",
        "file_name": "ged.csv",
        "file_sha256": SHA,
        "line": line,
        "raw": f"raw,line,{line}",
        "reasons": (FieldError("best", "outside low..high"), FieldError("row", "second reason")),
        "quarantined_at": START + timedelta(minutes=line),
    }
    return QuarantinedRow(**{**base, **changes})


def test_standing_events_follow_filing_and_retiring(uow_factory, cast):
    with uow_factory() as uow:
        uow.intake.add_reports(
            [dataset_report("r1", "ucdp:1"), dataset_report("r2", "ucdp:2", "7")], "import:ucdp"
        )
        uow.commit()
    with uow_factory() as uow:
        current = uow.intake.current(["ucdp:1", "ucdp:2", "ucdp:3"])
        assert set(current) == {"ucdp:1", "ucdp:2"}
        assert current["ucdp:2"].report_id == "r2"
        assert current["ucdp:2"].source_version == "7"
        assert current["ucdp:1"].fingerprint == dataset_report("r1", "ucdp:1").fingerprint
        uow.intake.add_reports([dataset_report("r3", "ucdp:1", "2", "y")], "import:ucdp")
        uow.intake.retire(["r1"], "superseded")
        uow.commit()
    with uow_factory() as uow:
        assert uow.intake.current(["ucdp:1"])["ucdp:1"].report_id == "r3"
        # Retired reports leave lists but stay readable by id.
        assert uow.reports.get("r1") is not None
        assert "r1" not in {r.id for r in uow.reports.page(50)}


def test_tombstones_are_kept_by_reference(uow_factory, cast):
    with uow_factory() as uow:
        uow.intake.add_tombstone(Tombstone("acled:SYR1", START, "1600000000", None))
        uow.commit()
    with uow_factory() as uow:
        found = uow.intake.tombstones(["acled:SYR1", "acled:SYR2"])
    assert found == {"acled:SYR1": Tombstone("acled:SYR1", START, "1600000000", None)}


def test_the_quarantine_keeps_each_row_once_with_every_reason(uow_factory, cast):
    with uow_factory() as uow:
        assert uow.intake.quarantine([row(2), row(3)]) == 2
        uow.commit()
    with uow_factory() as uow:
        assert uow.intake.quarantine([row(3), row(4)]) == 1
        assert uow.intake.quarantine([]) == 0
        uow.commit()
    with uow_factory() as uow:
        listed = uow.intake.quarantined(10)
        assert [r.line for r in listed] == [4, 3, 2]
        assert uow.intake.quarantined(2)[0].line == 4
        assert uow.intake.quarantined_row(row(3).id) == row(3)
        assert uow.intake.quarantined_row("q-missing") is None
        assert uow.intake.count_quarantined() == 3


def test_a_resolved_row_leaves_the_open_list(uow_factory, cast):
    with uow_factory() as uow:
        uow.intake.quarantine([row(2), row(3, owner_body_id="gov", kind="device")])
        uow.commit()
    with uow_factory() as uow:
        uow.intake.resolve(row(2).id, "report-9", START + timedelta(hours=1))
        uow.commit()
    with uow_factory() as uow:
        assert [r.line for r in uow.intake.quarantined(10)] == [3]
        assert [r.line for r in uow.intake.quarantined(10, open_only=False)] == [3, 2]
        assert uow.intake.count_quarantined() == 1
        assert uow.intake.count_quarantined(open_only=False) == 2
        resolved = uow.intake.quarantined_row(row(2).id)
        assert resolved.resolved_report_id == "report-9"
        assert resolved.resolved_at == START + timedelta(hours=1)
        assert not resolved.open
        assert uow.intake.quarantined_row(row(3).id).owner_body_id == "gov"


def test_the_journal_is_saved_and_replaced(uow_factory, cast):
    journal = ImportJournal(SHA, "ucdp", "ged.csv", START)
    with uow_factory() as uow:
        assert uow.intake.journal(SHA, "ucdp") is None
        uow.intake.save_journal(journal)
        uow.commit()
    journal.rows_done = 5_000
    journal.counts = ImportCounts(read=5_000, imported=4_990, quarantined=10)
    with uow_factory() as uow:
        uow.intake.save_journal(journal)
        uow.commit()
    journal.status = JournalStatus.COMPLETE
    journal.finished_at = START + timedelta(minutes=3)
    with uow_factory() as uow:
        uow.intake.save_journal(journal)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.intake.journal(SHA, "ucdp")
        assert uow.intake.journal(SHA, "acled") is None
    assert stored == journal
    assert stored is not journal


def test_an_uncommitted_batch_leaves_nothing(uow_factory, cast):
    with uow_factory() as uow:
        uow.intake.add_reports([dataset_report("r1", "ucdp:1")], "import:ucdp")
        uow.intake.quarantine([row(2)])
        uow.intake.save_journal(ImportJournal(SHA, "ucdp", "ged.csv", START, rows_done=2))
    with uow_factory() as uow:
        assert uow.intake.current(["ucdp:1"]) == {}
        assert uow.intake.quarantined(10) == []
        assert uow.intake.journal(SHA, "ucdp") is None


def test_a_batch_of_dataset_reports_is_found_by_search_and_so_is_a_later_filing(uow_factory, cast):
    """On SQLite a batch is indexed in one statement with the per-row trigger set aside: the
    batch is searchable, and the trigger is back for the next single filing."""
    batch = [dataset_report(f"r{n}", f"ucdp:{n}", narrative=f"at Kafr{n}") for n in range(60)]
    with uow_factory() as uow:
        uow.intake.add_reports(batch, "import:ucdp")
        uow.commit()
    single = dataset_report("single", "ucdp:single", narrative="at Basimah")
    with uow_factory() as uow:
        uow.reports.add(single, "member:x")
        uow.commit()
    everything = ReportScope(None, frozenset(Confidentiality))
    with uow_factory() as uow:
        found = {r.id for r in uow.reports.search(query_terms("shelling"), 100, everything)}
        assert found == {f"r{n}" for n in range(60)} | {"single"}
        assert [r.id for r in uow.reports.search(["kafr59"], 10, everything)] == ["r59"]
        assert [r.id for r in uow.reports.search(["basimah"], 10, everything)] == ["single"]
