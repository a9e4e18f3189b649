"""Small files to upload as evidence, made in the test: good ones and dangerous ones."""

from __future__ import annotations

import io
import tarfile
import zipfile

from PIL import Image

EXIF_DATE = "2017:01:02 06:15:00"


def jpeg_with_exif(colour: tuple[int, int, int] = (120, 80, 40), size: int = 64) -> bytes:
    """A JPEG whose EXIF names a date, a camera and a place near Basimah."""
    image = Image.new("RGB", (size, size), colour)
    exif = Image.Exif()
    exif[0x010F] = "FieldCam"
    exif[0x0110] = "FC-1"
    exif[0x0132] = EXIF_DATE
    exif.get_ifd(0x8769)[0x9003] = EXIF_DATE
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (33.0, 39.0, 14.04)
    gps[3] = "E"
    gps[4] = (36.0, 6.0, 7.92)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def png(colour: tuple[int, int, int, int] = (0, 128, 0, 255)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (16, 16), colour).save(out, "PNG")
    return out.getvalue()


def pdf(extra: bytes = b"") -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"3 0 obj << /Producer (Scanner 2.1) /CreationDate (D:20170102061500+02'00') "
        b"/ModDate (D:20170103) >> endobj\n"
        + extra
        + b"trailer << /Root 1 0 R /Info 3 0 R >>\n%%EOF\n"
    )


def zip_of(*names: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, b"statement of a witness")
    return out.getvalue()


def tar_of(*names: str) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        for name in names:
            data = b"statement"
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


DANGEROUS = {
    "windows executable": b"MZ\x90\x00\x03" + b"\x00" * 100,
    "elf executable": b"\x7fELF\x02\x01\x01" + b"\x00" * 100,
    "shell script": b"#!/bin/sh\nrm -rf /\n",
    "html with script": b"<!doctype html><html><body><script>alert(1)</script></body></html>",
    "svg with onload": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
    "text with a script tag": b"notes\n<script>fetch('/api')</script>\n",
    "zip with traversal": zip_of("../../etc/cron.d/evil"),
    "zip with absolute path": zip_of("/etc/passwd"),
    "tar with traversal": tar_of("../outside.txt"),
    "pdf with javascript": pdf(b"4 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj\n"),
    "jpeg and zip polyglot": jpeg_with_exif() + zip_of("inside.txt"),
    "gzip": b"\x1f\x8b\x08\x00" + b"\x00" * 20,
    "binary junk": bytes(range(256)) * 4,
    "empty": b"",
}
