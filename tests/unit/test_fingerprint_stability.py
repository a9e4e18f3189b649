"""A fingerprint is a promise kept on the record: making it faster must not change it."""

from __future__ import annotations

import csv
import hashlib
import json
import pickle
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from support import START, report_fields
from truce.domain.commands import FileReport
from truce.domain.errors import InvalidInputError
from truce.domain.intake_sources import map_acled, map_ucdp
from truce.domain.reports import amended, content_fields, fingerprint, parse_file_report

EVENTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "events"
LATER = datetime(2024, 1, 1, tzinfo=UTC)

# Computed by the code as it stood before intake's speed-up (nested parts through asdict).
KNOWN = "ad104512164117db18d481f09dc02b636521986e11724ae80749eeb2ab411482"


def test_nested_parts_fingerprint_as_before():
    command = parse_file_report(
        report_fields(
            casualties=[
                {"kind": "killed", "category": "civilians", "best": 3, "low": 2, "high": 5}
            ],
            translations=[{"lang": "ar", "text": "قصف", "provenance": "mechanism translator"}],
            observer={"latitude": 33.6, "longitude": 36.1, "bearing": 270, "weapon": "mortar"},
            evidence_links=["https://example.org/a"],
        ),
        now=START,
    )
    assert content_fields(command)["observer"] == asdict(command.observer)
    assert content_fields(command)["casualties"] == [asdict(c) for c in command.casualties]
    assert content_fields(command)["translations"] == [asdict(t) for t in command.translations]
    assert fingerprint(command) == KNOWN


def _as_json_dumps_writes_it(command: FileReport, *, without_agreement: bool = False) -> str:
    """The fingerprint as first defined: json.dumps sorting keys, datetimes through str."""
    content = content_fields(command)
    content.pop("idempotency_key")
    if without_agreement:
        content["agreement_id"] = None
    text = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


RICH = {
    "casualties": [
        {"kind": "killed", "category": "civilians", "best": 3, "low": 2, "high": 5},
        {"kind": "injured", "category": "unknown", "best": 7},
    ],
    "translations": [{"lang": "ar", "text": 'قصف "مدفعي"\n', "provenance": "translator"}],
    "observer": {"latitude": 33.6, "longitude": 36.1, "bearing": 270.5, "sensor": "eyes"},
    "evidence_links": ["https://example.org/a", "https://example.org/b"],
    "sub_event_type": "shelling_artillery_missile_attack",
    "uncertainty_m": 1e-7,
    "source_ref": "acled:SYR1",
    "source_version": "1700000000",
}


@pytest.mark.parametrize("extra", [{}, RICH], ids=["plain", "every intake field"])
@pytest.mark.parametrize("without_agreement", [False, True])
def test_the_fingerprint_is_what_json_dumps_writes(
    extra: dict[str, object], *, without_agreement: bool
) -> None:
    command = parse_file_report(report_fields(**extra), now=START)
    for variant in (command, amended(command, agreement_id="agr", excluded_actor=True)):
        expected = _as_json_dumps_writes_it(variant, without_agreement=without_agreement)
        assert fingerprint(variant, without_agreement=without_agreement) == expected


@pytest.mark.skipif(not EVENTS.is_dir(), reason=f"real event files absent: {EVENTS}")
@pytest.mark.parametrize(
    ("name", "mapper"),
    [
        ("ucdp_ged_syria_2017-02_2017-06.csv", map_ucdp),
        ("acled_syria_battles_2017-01.csv", map_acled),
    ],
)
def test_real_rows_fingerprint_as_json_dumps_writes_them(
    name: str, mapper: Callable[[dict[str, str], datetime], FileReport]
) -> None:
    with (EVENTS / name).open(encoding="utf-8", newline="") as handle:
        for cells in csv.DictReader(handle):
            try:
                command = mapper(cells, LATER)
            except InvalidInputError:
                continue
            assert fingerprint(command) == _as_json_dumps_writes_it(command)


@pytest.mark.parametrize("extra", [{}, RICH], ids=["plain", "every intake field"])
def test_a_content_crosses_between_processes_unchanged(extra: dict[str, object]) -> None:
    """A bulk import pickles contents from its preparing process (commands._by_values)."""
    command = amended(parse_file_report(report_fields(**extra), now=START), agreement_id="agr")
    copied = pickle.loads(pickle.dumps(command, pickle.HIGHEST_PROTOCOL))  # noqa: S301 - our own bytes
    assert copied == command
    assert fingerprint(copied) == fingerprint(command)
