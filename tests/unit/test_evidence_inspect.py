"""Evidence is judged by its bytes: accepted types with their metadata, dangerous files
refused with a reason, working copies without metadata, and a write-once store."""

from __future__ import annotations

import io
import stat

import pytest
from PIL import Image

from evidence_samples import DANGEROUS, EXIF_DATE, jpeg_with_exif, pdf, png, tar_of, zip_of
from truce.adapters.evidence_inspect import ContentInspection
from truce.adapters.evidence_store import FileEvidenceBlobs
from truce.domain.evidence import CopyKind, FileTooLargeError, RefusedFileError, safe_file_name


@pytest.fixture
def inspector():
    return ContentInspection()


def write(tmp_path, data: bytes, name: str = "upload.bin"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_photo_is_known_by_its_bytes_and_tells_when_and_where(tmp_path, inspector):
    # The name says PDF; the content is a JPEG, and that is what counts.
    found = inspector.inspect(write(tmp_path, jpeg_with_exif(), "report.pdf"))
    assert found.media_type == "image/jpeg"
    assert found.metadata["exif.datetime_original"] == EXIF_DATE
    assert found.metadata["exif.make"] == "FieldCam"
    assert found.metadata["gps.latitude"] == "33.653900"
    assert found.metadata["gps.longitude"] == "36.102200"


def test_a_pdf_gives_its_dates(tmp_path, inspector):
    found = inspector.inspect(write(tmp_path, pdf()))
    assert found.media_type == "application/pdf"
    assert found.metadata["pdf.created"] == "2017-01-02T06:15:00+02:00"
    assert found.metadata["pdf.modified"] == "2017-01-03"
    assert found.metadata["pdf.producer"] == "Scanner 2.1"


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (png(), "image/png"),
        (b"Witness statement, in Arabic: \xd8\xb4\xd8\xa7\xd9\x87\xd8\xaf\n", "text/plain"),
        (zip_of("photos/1.jpg", "notes.txt"), "application/zip"),
        (tar_of("notes.txt"), "application/x-tar"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="4" height="4"/></svg>',
            "image/svg+xml",
        ),
        (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 40, "video/mp4"),
        (b"ID3\x03\x00" + b"\x00" * 40, "audio/mpeg"),
    ],
)
def test_accepted_types(tmp_path, inspector, data, media_type):
    assert inspector.inspect(write(tmp_path, data)).media_type == media_type


@pytest.mark.parametrize("name", sorted(DANGEROUS))
def test_dangerous_files_are_refused_with_a_reason(tmp_path, inspector, name):
    with pytest.raises(RefusedFileError) as refused:
        inspector.inspect(write(tmp_path, DANGEROUS[name], "holiday.jpg"))
    assert refused.value.reason
    assert refused.value.errors[0].field == "file"


def test_the_stripped_copy_and_the_thumbnail_carry_no_metadata(tmp_path, inspector):
    copies = {
        kind: (data, media_type)
        for kind, data, media_type in inspector.derive(
            write(tmp_path, jpeg_with_exif(size=800)), "image/jpeg"
        )
    }
    assert set(copies) == {CopyKind.STRIPPED, CopyKind.THUMBNAIL}
    for data, media_type in copies.values():
        assert media_type == "image/jpeg"
        image = Image.open(io.BytesIO(data))
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info
    thumbnail = Image.open(io.BytesIO(copies[CopyKind.THUMBNAIL][0]))
    assert max(thumbnail.size) <= 320


def test_no_copies_of_what_is_not_an_image(tmp_path, inspector):
    assert inspector.derive(write(tmp_path, pdf()), "application/pdf") == []


def test_the_store_keeps_a_file_once_read_only_under_its_hash(tmp_path):
    blobs = FileEvidenceBlobs(tmp_path / "evidence")
    first = blobs.receive(io.BytesIO(b"original bytes"), 1_000)
    blobs.keep(first)
    path = blobs.locate(first.sha256)
    assert path is not None
    assert path.read_bytes() == b"original bytes"
    assert path.name == first.sha256
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    again = blobs.receive(io.BytesIO(b"original bytes"), 1_000)
    blobs.keep(again)
    assert not again.path.exists()
    assert blobs.locate(first.sha256) == path
    assert list((tmp_path / "evidence" / "incoming").iterdir()) == []


def test_the_store_refuses_a_file_over_the_limit_and_keeps_nothing(tmp_path):
    blobs = FileEvidenceBlobs(tmp_path / "evidence")
    with pytest.raises(FileTooLargeError):
        blobs.receive(io.BytesIO(b"x" * 2_001), 2_000)
    assert list((tmp_path / "evidence" / "incoming").iterdir()) == []


def test_the_store_answers_nothing_for_what_is_not_a_hash(tmp_path):
    blobs = FileEvidenceBlobs(tmp_path / "evidence")
    assert blobs.locate("../../etc/passwd") is None
    assert blobs.locate("0" * 64) is None


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../photo.jpg", "photo.jpg"),
        ("C:\\Users\\x\\video.mp4", "video.mp4"),
        ("name\u202egpj.exe", "namegpj.exe"),
        ("", "evidence"),
        (None, "evidence"),
    ],
)
def test_file_names_are_made_safe_to_show(given, shown):
    assert safe_file_name(given) == shown
