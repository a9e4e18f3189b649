"""Evidence on both stores: attachments by content hash, custody events in order, and the
service's choke points (forbidden == missing, one audit entry, every handling on the record)."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest

from cast import ANONYMOUS, CAST
from evidence_samples import jpeg_with_exif, pdf
from support import START, SequentialIds, report_fields
from truce.adapters.evidence_inspect import ContentInspection
from truce.adapters.evidence_store import FileEvidenceBlobs
from truce.application.evidence import EvidenceService
from truce.domain.confidentiality import Confidentiality
from truce.domain.errors import AccessDeniedError, ConflictError, NotFoundError
from truce.domain.evidence import (
    CopyKind,
    CustodyAction,
    CustodyEvent,
    Evidence,
    RefusedFileError,
)
from truce.domain.reports import parse_file_report

SHA_A = "a" * 64
SHA_B = "b" * 64


def attachment(evidence_id: str, report_id: str, sha256: str = SHA_A, **changes) -> Evidence:
    base = Evidence(
        id=evidence_id,
        sha256=sha256,
        report_id=report_id,
        owner_body_id="gov",
        confidentiality=Confidentiality.SUBMITTER,
        file_name="photo.jpg",
        media_type="image/jpeg",
        size=10,
        uploaded_by="member-gov_liaison",
        uploaded_at=START,
        metadata={"exif.make": "FieldCam"},
    )
    return replace(base, **changes)


@pytest.fixture
def evidence(uow_factory, clock, tmp_path):
    return EvidenceService(
        uow_factory,
        clock,
        SequentialIds("evidence"),
        FileEvidenceBlobs(tmp_path / "evidence"),
        ContentInspection(),
        max_bytes=1_000_000,
    )


def file(monitoring, member, level="submitter") -> str:
    command = parse_file_report(report_fields(confidentiality=level), now=START)
    return monitoring.file_report(command, member).report.id


def audit(uow_factory):
    with uow_factory() as uow:
        return uow.audit.recent(1000)


# --- the repository -------------------------------------------------------------------------


def test_attachments_are_found_by_report_and_by_hash(uow_factory, monitoring, cast):
    first = file(monitoring, cast["gov_liaison"])
    second = file(monitoring, cast["gov_liaison"])
    with uow_factory() as uow:
        uow.evidence.add(attachment("e1", first))
        uow.evidence.add(attachment("e2", second))
        uow.evidence.add(attachment("e3", first, SHA_B))
        uow.commit()
    with uow_factory() as uow:
        assert uow.evidence.get("e1") == attachment("e1", first)
        assert [e.id for e in uow.evidence.with_sha256(SHA_A)] == ["e1", "e2"]
        assert [e.id for e in uow.evidence.for_report(first)] == ["e1", "e3"]
        assert uow.evidence.find(first, SHA_B).id == "e3"
        assert uow.evidence.find(second, SHA_B) is None
        assert uow.evidence.get("missing") is None


def test_a_report_holds_a_file_once(uow_factory, monitoring, cast):
    report_id = file(monitoring, cast["gov_liaison"])
    with uow_factory() as uow:
        uow.evidence.add(attachment("e1", report_id))
        uow.commit()
    with uow_factory() as uow:
        with pytest.raises(ConflictError):
            uow.evidence.add(attachment("e2", report_id))
        # The unit of work stays usable after the refusal.
        uow.evidence.add(attachment("e3", report_id, SHA_B))
        uow.commit()
    with uow_factory() as uow:
        assert [e.id for e in uow.evidence.for_report(report_id)] == ["e1", "e3"]


def test_custody_events_come_back_in_order_with_their_numbers(uow_factory, monitoring, cast):
    report_id = file(monitoring, cast["gov_liaison"])
    with uow_factory() as uow:
        uow.evidence.add(attachment("e1", report_id))
        uow.evidence.add(attachment("e2", report_id, SHA_B))
        for action, evidence_id in [
            (CustodyAction.UPLOADED, "e1"),
            (CustodyAction.UPLOADED, "e2"),
            (CustodyAction.DOWNLOADED, "e1"),
        ]:
            uow.evidence.add_custody(
                CustodyEvent(evidence_id, action, START, "m", "gov", "10.0.0.1", "d")
            )
        uow.commit()
    with uow_factory() as uow:
        events = uow.evidence.custody(["e1"])
        both = uow.evidence.custody(["e1", "e2"])
    assert [e.action for e in events] == [CustodyAction.UPLOADED, CustodyAction.DOWNLOADED]
    assert events[0].seq < events[1].seq
    assert [e.evidence_id for e in both] == ["e1", "e2", "e1"]
    assert events[0].address == "10.0.0.1"


# --- the service ----------------------------------------------------------------------------


def test_an_upload_is_kept_with_its_copies_custody_and_record(
    evidence, uow_factory, monitoring, cast
):
    report_id = file(monitoring, cast["gov_liaison"])
    uploaded = evidence.upload(
        report_id, "IMG_0001.jpg", io.BytesIO(jpeg_with_exif()), cast["gov_liaison"], "10.1.1.1"
    )
    item = uploaded.evidence
    assert uploaded.created
    assert item.media_type == "image/jpeg"
    assert item.owner_body_id == "gov"
    assert item.confidentiality is Confidentiality.SUBMITTER
    assert item.metadata["gps.latitude"] == "33.653900"
    assert {c.kind for c in item.derived} == {CopyKind.STRIPPED, CopyKind.THUMBNAIL}
    assert evidence.blobs.locate(item.sha256).read_bytes() == jpeg_with_exif()
    custody = evidence.custody(CAST["gov_liaison"], item.sha256)
    assert [e.action for e in custody.events] == [
        CustodyAction.UPLOADED,
        CustodyAction.DERIVED,
        CustodyAction.DERIVED,
    ]
    with uow_factory() as uow:
        added = uow.record.about(f"evidence:{item.id}")
    kinds = [entry.kind for entry in added]
    assert kinds == ["evidence.added"] + ["evidence.custody"] * 3
    body = json.loads(added[0].body)
    # Confidential evidence: the hash is on the record only inside the commitment.
    assert item.sha256 not in added[0].body
    assert "commitment" in body
    # Attaching the same file again changes nothing.
    again = evidence.upload(
        report_id, "copy.jpg", io.BytesIO(jpeg_with_exif()), cast["gov_liaison"]
    )
    assert not again.created
    assert again.evidence == item


def test_public_evidence_names_its_hash_on_the_record(evidence, uow_factory, monitoring, cast):
    report_id = file(monitoring, cast["gov_liaison"], "public")
    item = evidence.upload(report_id, "a.pdf", io.BytesIO(pdf()), cast["gov_liaison"]).evidence
    with uow_factory() as uow:
        added = uow.record.about(f"evidence:{item.id}")[0]
    assert json.loads(added.body)["sha256"] == item.sha256
    download = evidence.download(ANONYMOUS, item.sha256)
    assert download.path.read_bytes() == pdf()
    assert download.file_name == "a.pdf"


def test_another_partys_evidence_reads_as_missing(evidence, uow_factory, monitoring, cast):
    report_id = file(monitoring, cast["gov_liaison"])
    item = evidence.upload(
        report_id, "a.jpg", io.BytesIO(jpeg_with_exif()), cast["gov_liaison"]
    ).evidence
    for principal in (CAST["opposition_liaison"], CAST["guarantor_ru"], ANONYMOUS):
        for sha256 in (item.sha256, "f" * 64, "not-a-hash"):
            before = len(audit(uow_factory))
            with pytest.raises(NotFoundError) as refused:
                evidence.download(principal, sha256)
            assert str(refused.value) == "evidence not found"
            with pytest.raises(NotFoundError):
                evidence.custody(principal, sha256)
            entries = audit(uow_factory)[: len(audit(uow_factory)) - before]
            assert len(entries) == 2
            assert not any(entry.allowed for entry in entries)
    # Nothing about the refused reads joined the chain.
    assert len(evidence.custody(CAST["gov_liaison"], item.sha256).events) == 3


def test_every_download_is_a_custody_event_and_one_audit_entry(
    evidence, uow_factory, monitoring, cast
):
    report_id = file(monitoring, cast["gov_liaison"])
    item = evidence.upload(
        report_id, "a.jpg", io.BytesIO(jpeg_with_exif()), cast["gov_liaison"]
    ).evidence
    before = len(audit(uow_factory))
    evidence.download(CAST["gov_liaison"], item.sha256, CopyKind.THUMBNAIL, "10.2.2.2")
    evidence.download(CAST["gov_liaison"], item.sha256, address="10.2.2.2")
    assert len(audit(uow_factory)) - before == 2
    events = evidence.custody(CAST["gov_liaison"], item.sha256).events
    assert [e.action for e in events[-2:]] == [CustodyAction.VIEWED, CustodyAction.DOWNLOADED]
    assert events[-1].member_id == "member-gov_liaison"
    assert events[-1].address == "10.2.2.2"


def test_the_same_file_from_two_parties_is_two_attachments(evidence, monitoring, cast):
    gov_report = file(monitoring, cast["gov_liaison"])
    opp_report = file(monitoring, cast["opposition_liaison"])
    data = jpeg_with_exif()
    gov = evidence.upload(gov_report, "g.jpg", io.BytesIO(data), cast["gov_liaison"]).evidence
    opp = evidence.upload(
        opp_report, "o.jpg", io.BytesIO(data), cast["opposition_liaison"]
    ).evidence
    assert gov.sha256 == opp.sha256
    assert gov.id != opp.id
    seen = evidence.custody(CAST["opposition_liaison"], opp.sha256)
    assert [item.id for item in seen.items] == [opp.id]
    assert {event.evidence_id for event in seen.events} == {opp.id}
    assert evidence.download(CAST["opposition_liaison"], opp.sha256).evidence.id == opp.id


def test_only_the_reports_body_attaches(evidence, uow_factory, monitoring, cast):
    hidden = file(monitoring, cast["gov_liaison"])
    readable = file(monitoring, cast["gov_liaison"], "mechanism")
    with pytest.raises(NotFoundError):
        evidence.upload(hidden, "a.pdf", io.BytesIO(pdf()), cast["opposition_liaison"])
    with pytest.raises(NotFoundError):
        evidence.upload("report-never-filed", "a.pdf", io.BytesIO(pdf()), cast["monitor"])
    with pytest.raises(AccessDeniedError):
        evidence.upload(readable, "a.pdf", io.BytesIO(pdf()), cast["monitor"])
    with uow_factory() as uow:
        assert uow.evidence.for_report(readable) == []


def test_a_refused_file_leaves_nothing_behind(evidence, uow_factory, monitoring, cast, tmp_path):
    report_id = file(monitoring, cast["gov_liaison"])
    with pytest.raises(RefusedFileError):
        evidence.upload(report_id, "a.jpg", io.BytesIO(b"MZ" + b"\x00" * 64), cast["gov_liaison"])
    with uow_factory() as uow:
        assert uow.evidence.for_report(report_id) == []
    stored = [p for p in (tmp_path / "evidence").rglob("*") if p.is_file()]
    assert stored == []


def test_a_transfer_is_recorded_by_the_owning_body_only(evidence, monitoring, cast):
    report_id = file(monitoring, cast["gov_liaison"], "mechanism")
    item = evidence.upload(report_id, "a.pdf", io.BytesIO(pdf()), cast["gov_liaison"]).evidence
    event = evidence.transfer(
        item.sha256, "Mechanism field office", "USB stick", cast["gov_liaison"]
    )
    assert event.action is CustodyAction.TRANSFERRED
    assert event.detail == "to Mechanism field office: USB stick"
    with pytest.raises(AccessDeniedError):
        evidence.transfer(item.sha256, "anyone", "", cast["monitor"])
    with pytest.raises(NotFoundError):
        evidence.transfer(item.sha256, "anyone", "", cast["opposition_liaison"])
