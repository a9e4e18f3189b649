"""A fingerprint is a promise kept on the record: making it faster must not change it."""

from __future__ import annotations

from dataclasses import asdict

from support import START, report_fields
from truce.domain.reports import content_fields, fingerprint, parse_file_report

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
