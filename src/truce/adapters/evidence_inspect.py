"""Evidence judged by its bytes, never by its name or the type a client claims.

Accepted: JPEG, PNG, GIF, WebP and TIFF images, PDF, MP4/QuickTime video, MP3, WAV and Ogg
audio, ZIP and tar archives whose entries stay inside them, and UTF-8 text (HTML and SVG
without scripts among it). Refused, with the reason: executables (PE, ELF, Mach-O, Java
classes), scripts (#!), legacy Office files (OLE, which carry macros), HTML or SVG with
scripts, event handlers or javascript: links, PDFs with JavaScript, launch actions or embedded
files, archives with absolute paths, `..` or links, archives in formats that cannot be looked
into, Office files with macros, and polyglots where they show: an accepted type carrying a
ZIP directory at its end, a PDF header or markup with scripts inside it.

Working copies (images only): `stripped`, the pixels re-encoded with no metadata at all, and
a `thumbnail`. Metadata read: EXIF dates, camera, GPS position; PDF dates and producer.
"""

from __future__ import annotations

import contextlib
import io
import re
import tarfile
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from PIL import Image, UnidentifiedImageError

from truce.domain.evidence import CopyKind, Inspection, RefusedFileError

HEAD = 4096
TAIL = 65_557  # a ZIP end-of-central-directory record lies within this of the end
CHUNK = 1 << 20
OVERLAP = 64
MAX_PIXELS = 80_000_000
THUMBNAIL = (320, 320)
# An archive whose entries unpack to more than this many times its size is a bomb.
MAX_RATIO = 200
MAX_ENTRIES = 10_000

_EXECUTABLE_MAGIC = (
    (b"MZ", "a Windows executable"),
    (b"\x7fELF", "an ELF executable"),
    (b"\xfe\xed\xfa\xce", "a Mach-O executable"),
    (b"\xfe\xed\xfa\xcf", "a Mach-O executable"),
    (b"\xce\xfa\xed\xfe", "a Mach-O executable"),
    (b"\xcf\xfa\xed\xfe", "a Mach-O executable"),
    (b"\xca\xfe\xba\xbe", "a Java class or Mach-O universal executable"),
    (b"#!", "a script"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office file, which may carry macros"),
    (b"L\x00\x00\x00\x01\x14\x02\x00", "a Windows shortcut"),
    (b"Rar!", "a RAR archive, which cannot be looked into here"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive, which cannot be looked into here"),
    (b"\x1f\x8b", "a compressed file, which cannot be looked into here"),
    (b"BZh", "a compressed file, which cannot be looked into here"),
    (b"\xfd7zXZ\x00", "a compressed file, which cannot be looked into here"),
)
_IMAGE_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
    "TIFF": "image/tiff",
}
_ACTIVE_MARKUP = re.compile(
    rb"<\s*script|\bon[a-z]+\s*=|javascript\s*:|<\s*(iframe|object|embed|foreignobject)\b"
    rb"|<\s*meta[^>]+http-equiv",
    re.IGNORECASE,
)
_MARKUP_TAG = re.compile(rb"<\s*(script|html|svg|iframe|object|embed|body)\b", re.IGNORECASE)
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)\b")
_PDF_DATE = re.compile(rb"/(CreationDate|ModDate)\s*\(D:(\d{4,14})([^)]{0,10})\)")
_PDF_PRODUCER = re.compile(rb"/Producer\s*\(([^)]{1,200})\)")
_MARKUP_START = re.compile(
    rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<\s*(!doctype\s+)?([a-z]+)", re.IGNORECASE | re.DOTALL
)


class ContentInspection:
    """The ContentInspector port over the standard library and Pillow."""

    def inspect(self, path: Path) -> Inspection:
        head = _read_head(path)
        if not head:
            raise RefusedFileError("is empty")
        for magic, what in _EXECUTABLE_MAGIC:
            if head.startswith(magic):
                raise RefusedFileError(f"is {what}; it is not accepted as evidence")
        media_type = _sniff(head, path)
        _refuse_polyglots(path, media_type)
        return Inspection(media_type, _metadata(path, media_type))

    def derive(self, path: Path, media_type: str) -> list[tuple[CopyKind, bytes, str]]:
        if media_type not in _IMAGE_TYPES.values():
            return []
        with _image(path) as image:
            image.seek(0)
            pixels = image.convert("RGBA" if _has_alpha(image) else "RGB")
        # A new image from the pixels alone: nothing of the original's metadata survives.
        clean = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
        stripped = _encode(clean)
        clean.thumbnail(THUMBNAIL)
        return [(CopyKind.STRIPPED, *stripped), (CopyKind.THUMBNAIL, *_encode(clean))]


# --- types -----------------------------------------------------------------------------------


def _read_head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(HEAD)


_MPEG_SYNC = 0xE0  # an MPEG audio frame starts with eleven set bits
_TAR_MAGIC = slice(257, 262)


def _is_image(head: bytes) -> bool:
    return head.startswith(
        (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")
    ) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def _is_mpeg_audio(head: bytes) -> bool:
    return head.startswith(b"ID3") or (head[:1] == b"\xff" and head[1:2] >= b"\xe0")


def _container_type(head: bytes) -> str | None:
    """Formats known by their first bytes alone."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:12] == b"qt  " else "video/mp4"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    return "audio/mpeg" if _is_mpeg_audio(head) else None


def _sniff(head: bytes, path: Path) -> str:
    if _is_image(head):
        return _image_type(path)
    known = _container_type(head)
    if known is not None:
        return known
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        _check_zip(path)
        return "application/zip"
    if head[_TAR_MAGIC] == b"ustar":
        _check_tar(path)
        return "application/x-tar"
    return _text_type(path)


def _image_type(path: Path) -> str:
    with _image(path) as image:
        kind = _IMAGE_TYPES.get(image.format or "")
        if kind is None:
            raise RefusedFileError("is an image of a type not accepted")
        try:
            image.verify()
        except Exception as error:
            raise RefusedFileError("is an image that cannot be read") from error
    return kind


class _image:  # noqa: N801 - used as a context manager, like open()
    """Pillow, with decompression bombs and unreadable images refused as such."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.image: Image.Image | None = None

    def __enter__(self) -> Image.Image:
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                self.image = Image.open(self.path)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise RefusedFileError("is an image too large to open safely") from error
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
            raise RefusedFileError("is an image that cannot be read") from error
        return self.image

    def __exit__(self, *exc: object) -> None:
        if self.image is not None:
            self.image.close()


def _text_type(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data:
        raise RefusedFileError("is of a type not accepted (by its content)")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise RefusedFileError("is of a type not accepted (by its content)") from None
    start = _MARKUP_START.match(data.lstrip(b"\xef\xbb\xbf"))
    if start is None:
        if _ACTIVE_MARKUP.search(data) and _MARKUP_TAG.search(data):
            raise RefusedFileError("is markup (HTML or SVG) with scripts or active content")
        return "text/plain"
    tag = start.group(4).lower()
    if tag == b"svg":
        kind = "image/svg+xml"
    elif tag in {b"html", b"head", b"body"}:
        kind = "text/html"
    else:
        kind = "text/plain"
    if _ACTIVE_MARKUP.search(data) and (kind != "text/plain" or _MARKUP_TAG.search(data)):
        raise RefusedFileError("is markup (HTML or SVG) with scripts or active content")
    return kind


# --- archives --------------------------------------------------------------------------------


def _unsafe_member(name: str) -> bool:
    pure = PurePosixPath(name.replace("\\", "/"))
    return pure.is_absolute() or ".." in pure.parts or (len(name) > 1 and name[1] == ":")


_FILE_TYPE_BITS = 0o170000
_SYMLINK = 0o120000


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise RefusedFileError("is a ZIP archive that cannot be read") from error
    if len(members) > MAX_ENTRIES:
        raise RefusedFileError(f"is an archive of more than {MAX_ENTRIES} entries")
    unpacked = 0
    for member in members:
        if _unsafe_member(member.filename):
            raise RefusedFileError("is an archive with an entry outside it (path traversal)")
        if (member.external_attr >> 16) & _FILE_TYPE_BITS == _SYMLINK:
            raise RefusedFileError("is an archive with a symbolic link in it")
        if PurePosixPath(member.filename).name == "vbaProject.bin":
            raise RefusedFileError("is an Office file with macros")
        unpacked += member.file_size
    if unpacked > MAX_RATIO * max(path.stat().st_size, 1):
        raise RefusedFileError("is an archive that unpacks to far more than its size (a bomb)")


def _check_tar(path: Path) -> None:
    try:
        with tarfile.open(path, "r:") as archive:
            members = archive.getmembers()
    except (tarfile.TarError, OSError) as error:
        raise RefusedFileError("is a tar archive that cannot be read") from error
    if len(members) > MAX_ENTRIES:
        raise RefusedFileError(f"is an archive of more than {MAX_ENTRIES} entries")
    for member in members:
        if _unsafe_member(member.name):
            raise RefusedFileError("is an archive with an entry outside it (path traversal)")
        if member.issym() or member.islnk() or member.isdev():
            raise RefusedFileError("is an archive with a link or device in it")


# --- polyglots -------------------------------------------------------------------------------


def _chunks(path: Path) -> Iterator[bytes]:
    """The file in large pieces, each overlapping the last a little so that no pattern is
    missed across a boundary."""
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield tail + chunk
            tail = chunk[-OVERLAP:]


_NOT_SCANNED = frozenset({"application/zip", "application/x-tar", "image/svg+xml"})


def _refuse_polyglots(path: Path, media_type: str) -> None:
    if media_type in _NOT_SCANNED or media_type.startswith("text/"):
        return
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - TAIL))
        if b"PK\x05\x06" in handle.read():
            raise RefusedFileError(f"is {media_type} with a ZIP archive inside it (a polyglot)")
    for chunk in _chunks(path):
        _scan(chunk, media_type)
    if media_type != "application/pdf" and b"%PDF-" in _read_head(path)[:1024]:
        raise RefusedFileError(f"is {media_type} that is also a PDF (a polyglot)")


def _scan(chunk: bytes, media_type: str) -> None:
    if media_type == "application/pdf":
        found = _PDF_ACTIVE.search(chunk)
        if found:
            raise RefusedFileError(f"is a PDF with active content (/{found.group(1).decode()})")
    elif _ACTIVE_MARKUP.search(chunk) and _MARKUP_TAG.search(chunk):
        raise RefusedFileError(f"is {media_type} with markup and scripts in it (a polyglot)")


# --- metadata --------------------------------------------------------------------------------

_BASE_TAGS = {0x0132: "exif.datetime", 0x010F: "exif.make", 0x0110: "exif.model"}
_EXIF_TAGS = {0x9003: "exif.datetime_original", 0x9004: "exif.datetime_digitized"}
_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825


def _metadata(path: Path, media_type: str) -> dict[str, str]:
    if media_type == "application/pdf":
        return _pdf_metadata(path)
    if media_type in _IMAGE_TYPES.values():
        with _image(path) as image:
            return _exif_metadata(image.getexif())
    return {}


def _exif_metadata(exif: Image.Exif) -> dict[str, str]:
    found = {name: _text(exif.get(tag)) for tag, name in _BASE_TAGS.items()}
    inner = exif.get_ifd(_EXIF_IFD)
    found.update({name: _text(inner.get(tag)) for tag, name in _EXIF_TAGS.items()})
    found.update(_gps(exif.get_ifd(_GPS_IFD)))
    return {name: value for name, value in found.items() if value}


def _gps(gps: dict[int, Any]) -> dict[str, str]:
    found = {}
    for ref_tag, value_tag, name, negative in (
        (1, 2, "gps.latitude", "S"),
        (3, 4, "gps.longitude", "W"),
    ):
        degrees = _degrees(gps.get(value_tag))
        if degrees is not None:
            sign = -1 if _text(gps.get(ref_tag)).upper() == negative else 1
            found[name] = f"{sign * degrees:.6f}"
    altitude = gps.get(6)
    if altitude is not None:
        with contextlib.suppress(TypeError, ValueError, ZeroDivisionError):
            found["gps.altitude_m"] = f"{float(altitude):.1f}"
    if gps.get(29):
        found["gps.date"] = _text(gps.get(29))
    return found


def _degrees(value: object) -> float | None:
    if not isinstance(value, tuple) or len(value) != 3:  # noqa: PLR2004 - degrees, minutes, seconds
        return None
    try:
        d, m, s = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return d + m / 60 + s / 3600


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return "".join(ch for ch in str(value) if ch.isprintable()).strip()[:200]


def _pdf_metadata(path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(CHUNK)
        handle.seek(max(0, size - CHUNK))
        tail = handle.read()
    for data in (head, tail):
        for match in _PDF_DATE.finditer(data):
            name = "pdf.created" if match.group(1) == b"CreationDate" else "pdf.modified"
            found.setdefault(name, _pdf_date(match.group(2), match.group(3)))
        producer = _PDF_PRODUCER.search(data)
        if producer:
            found.setdefault("pdf.producer", _text(producer.group(1)))
    return found


def _pdf_date(digits: bytes, zone: bytes) -> str:
    """D:YYYYMMDDHHmmSS+HH'mm' as ISO 8601 (as much of it as is given)."""
    text = digits.decode()
    parts = [text[0:4], text[4:6], text[6:8], text[8:10], text[10:12], text[12:14]]
    date = "-".join(p for p in parts[:3] if p)
    time = ":".join(p for p in parts[3:] if p)
    offset = zone.decode("latin-1").replace("'", "")
    if offset.startswith("Z"):
        offset = "Z"
    elif len(offset) >= len("+HHmm"):
        offset = f"{offset[:3]}:{offset[3:5]}"
    else:
        offset = ""
    return f"{date}T{time}{offset}" if time else date


# --- working copies --------------------------------------------------------------------------


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info


def _encode(image: Image.Image) -> tuple[bytes, str]:
    out = io.BytesIO()
    if image.mode == "RGBA":
        image.save(out, "PNG", optimize=False)
        return out.getvalue(), "image/png"
    image.save(out, "JPEG", quality=92)
    return out.getvalue(), "image/jpeg"
