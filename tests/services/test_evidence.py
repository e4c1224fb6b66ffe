"""The evidence pipeline: type by content, limits, sealed originals, clean copies, safe serving."""

from __future__ import annotations

import hashlib
import io
import random
import resource
import secrets
import stat
import struct
import warnings
import zipfile
import zlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import ExifTags, Image, ImageCms
from PIL.PngImagePlugin import PngInfo
from werkzeug.http import parse_options_header

from models import Attachment, Category, Complaint
from models.enums import Channel, Privacy
from portal.services import evidence
from portal.services.errors import DomainError
from portal.services.evidence import (
    EvidencePolicy,
    EvidenceRejected,
    InspectedFile,
    Upload,
    check_uploads,
    download_headers,
    inspect_upload,
    original_path,
    store_evidence,
    stored_bytes,
    verify_seal,
    viewable_path,
)

MB = 1024 * 1024
POLICY = EvidencePolicy(
    max_file_bytes=2 * MB, max_total_bytes=3 * MB, max_files=3, max_image_pixels=1_000_000
)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODF = "application/vnd.oasis.opendocument"
DOCM = "application/vnd.ms-word.document.macroEnabled.main+xml"


# --- building files ---------------------------------------------------------------------------


def image_bytes(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def jpeg(size=(64, 48), color="red", **options) -> bytes:
    return image_bytes(Image.new("RGB", size, color), "JPEG", **options)


def png(size=(64, 48), color="blue", **options) -> bytes:
    return image_bytes(Image.new("RGB", size, color), "PNG", **options)


def camera_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "Canon EOS 5D Mark IV"
    exif[ExifTags.Base.BodySerialNumber] = "SN-0042-BUDI"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "S",
        ExifTags.GPS.GPSLatitude: (6.0, 10.0, 30.5),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (106.0, 49.0, 2.0),
    }
    return exif


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def jpeg_with_gps(orientation: int = 1, size=(40, 20)) -> bytes:
    return jpeg(
        size,
        exif=camera_exif(orientation),
        icc_profile=srgb_icc(),
        comment=b"Budi Santoso",
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">Budi Santoso</x:xmpmeta>',
    )


def jpeg_markers(data: bytes) -> set[int]:
    """Return the marker of every JPEG segment before the image data."""
    markers, pos = set(), 2
    while pos < len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        markers.add(marker)
        if marker == 0xDA:  # start of scan
            break
        pos += 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0]
    return markers


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_chunks(data: bytes) -> list[bytes]:
    kinds, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        kinds.append(kind)
        pos += 12 + length
    return kinds


def png_bomb(width=20_000, height=20_000) -> bytes:
    """A PNG that declares a huge canvas in a few hundred bytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\0" * (width * 3 + 1) * 4)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", rows)
        + png_chunk(b"IEND", b"")
    )


def pdf() -> bytes:
    return image_bytes(Image.new("RGB", (20, 20), "white"), "PDF")


def zipped(entries: list[tuple[str, str | bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are one of the hostile cases
        for name, data in entries:
            method = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return out.getvalue()


def content_types(main: str) -> str:
    return (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'content-types"><Override PartName="/main.xml" ContentType="{main}"/></Types>'
    )


def ooxml(main: str, part: str, *, rels_first: bool = False, extra=()) -> bytes:
    entries = [("[Content_Types].xml", content_types(main)), ("_rels/.rels", "<Relationships/>")]
    if rels_first:
        entries.reverse()
    return zipped([*entries, *extra, (part, "<document/>")])


def odf(kind: str, extra=()) -> bytes:
    mimetype = f"{ODF}.{kind}"
    return zipped([("mimetype", mimetype), ("content.xml", "<office:document/>"), *extra])


def ole(streams: list[str], storages: list[str] = ()) -> bytes:
    """A minimal OLE2 compound file (legacy Office container): one 4 KiB sector run per stream."""
    free, end, fat_sector, none = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    entries = [("Root Entry", 5, end, 0)]
    fat, data, next_sector = [fat_sector, end], b"", 2
    for name in streams:
        entries.append((name, 2, next_sector, 4096))
        fat += [next_sector + i + 1 for i in range(7)] + [end]
        data += b"\x01" * 4096
        next_sector += 8
    entries += [(name, 1, 0, 0) for name in storages]
    fat += [free] * (128 - len(fat))
    directory = b""
    for i, (name, kind, start, size) in enumerate(entries):
        encoded = (name + "\0").encode("utf-16-le")
        right = i + 1 if 0 < i < len(entries) - 1 else none
        child = 1 if i == 0 and len(entries) > 1 else none
        directory += encoded.ljust(64, b"\0")
        directory += struct.pack("<HBBIII", len(encoded), kind, 1, none, right, child)
        directory += b"\0" * 36 + struct.pack("<IQ", start, size)
    header = (
        bytes.fromhex("d0cf11e0a1b11ae1")
        + b"\0" * 16
        + struct.pack(
            "<HHHHH6sIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, b"", 0, 1, 1, 0, 4096, end, 0, end, 0
        )
        + struct.pack("<I", 0)
        + struct.pack("<I", free) * 108
    )
    return header + struct.pack("<128I", *fat) + directory.ljust(512, b"\0") + data


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def mp4(handler: bytes = b"vide", brand: bytes = b"isom") -> bytes:
    ftyp = box(b"ftyp", brand + struct.pack(">I", 512) + brand + b"mp41")
    hdlr = box(b"hdlr", b"\0" * 8 + handler + b"\0" * 12 + b"Handler\0")
    media = box(b"mdia", box(b"mdhd", b"\0" * 24) + hdlr)
    moov = box(b"moov", box(b"mvhd", b"\0" * 100) + box(b"trak", box(b"tkhd", b"\0" * 84) + media))
    return ftyp + moov + box(b"mdat", b"\0" * 256)


MP3_FRAME = b"\xff\xfb\x90\x00" + b"\0" * 413  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz


def mp3(frames: int = 20, tag: bool = True) -> bytes:
    id3 = b""
    if tag:
        title = b"TIT2" + struct.pack(">IH", 9, 0) + b"\0Rekaman1"
        id3 = b"ID3\x03\x00\x00" + bytes([0, 0, 0, len(title)]) + title
    return id3 + MP3_FRAME * frames


def elf() -> bytes:
    header = struct.pack("<HHIQQQIHHHHHH", 2, 0x3E, 1, 0x400000, 64, 0, 0, 64, 56, 0, 64, 0, 0)
    return b"\x7fELF\x02\x01\x01" + b"\0" * 9 + header + b"\0" * 256


def windows_exe() -> bytes:
    dos = b"MZ" + b"\0" * 58 + struct.pack("<I", 64)
    coff = struct.pack("<HHIIIHH", 0x14C, 0, 0, 0, 0, 0xE0, 0x0102)
    return dos + b"PE\0\0" + coff + struct.pack("<H", 0x10B) + b"\0" * 0xDE


PROSE = "Saya melaporkan pungutan liar di loket pelayanan kelurahan pada hari Senin.\n"
NOISE = random.Random(20240501).randbytes(2048)  # fixed: random bytes could match a magic
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


VBA = ("word/vbaProject.bin", b"Attribute VB_Name")
# Two [Content_Types].xml: we would read one, Word might read the other (with macros).
TWIN_CONTENT_TYPES = zipped(
    [
        ("[Content_Types].xml", content_types(f"{DOCX}.main+xml")),
        ("[Content_Types].xml", content_types(DOCM)),
        ("word/document.xml", "<document/>"),
    ]
)


def upload(name: str, content: bytes, declared: str | None = None) -> Upload:
    return Upload(filename=name, content=content, declared_type=declared)


def reasons(excinfo) -> str:
    return " | ".join(excinfo.value.reasons)


# --- what is accepted -------------------------------------------------------------------------


TEXT = ("text/plain", "txt", "text")
DOCUMENT = "document"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("foto.jpg", jpeg(), ("image/jpeg", "jpg", "image")),
        ("foto.png", png(), ("image/png", "png", "image")),
        ("surat.pdf", pdf(), ("application/pdf", "pdf", "pdf")),
        ("kronologi.txt", PROSE.encode(), TEXT),
        ("kronologi.txt", "Caf\xe9 pr\xeat \u201cpungli\u201d\n".encode("cp1252"), TEXT),
        ("kronologi.txt", ("\ufeff" + PROSE).encode("utf-16-le"), TEXT),
        ("data.csv", b"nama,jumlah\nBudi,100000\nAni,50000\n", TEXT),
        # libmagic guesses these are code or config from a keyword; they are text.
        ("catatan.txt", f"[PENTING]\nbegin\n{PROSE}end\n".encode(), TEXT),
        ("catatan.txt", b"Kata kepala seksi:\n  def ambil(self, event):\n" + PROSE.encode(), TEXT),
        ("obrolan.json", b'{"chat": "Grup Loket", "messages": [{"text": "uang rokok"}]}', TEXT),
        ("surel.eml", b"From: a@b.test\nSubject: uang\n\n" + PROSE.encode(), TEXT),
        ("laporan.docx", ooxml(f"{DOCX}.main+xml", "word/document.xml"), (DOCX, "docx", DOCUMENT)),
        ("tabel.xlsx", ooxml(f"{XLSX}.main+xml", "xl/workbook.xml"), (XLSX, "xlsx", DOCUMENT)),
        ("slide.pptx", ooxml(f"{PPTX}.main+xml", "ppt/presentation.xml"), (PPTX, "pptx", DOCUMENT)),
        ("laporan.odt", odf("text"), (f"{ODF}.text", "odt", DOCUMENT)),
        ("tabel.ods", odf("spreadsheet"), (f"{ODF}.spreadsheet", "ods", DOCUMENT)),
        ("slide.odp", odf("presentation"), (f"{ODF}.presentation", "odp", DOCUMENT)),
        ("laporan.doc", ole(["WordDocument"]), ("application/msword", "doc", DOCUMENT)),
        ("tabel.xls", ole(["Workbook"]), ("application/vnd.ms-excel", "xls", DOCUMENT)),
        # libmagic says only "x-ole-storage" for this one: the OLE2 directory decides.
        (
            "slide.ppt",
            ole(["PowerPoint Document"]),
            ("application/vnd.ms-powerpoint", "ppt", DOCUMENT),
        ),
        ("video.mp4", mp4(), ("video/mp4", "mp4", "video")),
        ("video.mp4", mp4(brand=b"mp42"), ("video/mp4", "mp4", "video")),
        ("suara.mp3", mp3(), ("audio/mpeg", "mp3", "audio")),
        ("suara.mp3", mp3(tag=False), ("audio/mpeg", "mp3", "audio")),
    ],
)
def test_allowed_type_is_accepted_with_its_real_media_type(name, content, expected):
    assert inspect_upload(upload(name, content), POLICY) == InspectedFile(*expected)


@pytest.mark.parametrize(
    "content",
    [
        # libmagic 5.44 calls these a plain ZIP or unknown data: the entry order is unusual.
        ooxml(f"{DOCX}.main+xml", "word/document.xml", rels_first=True),
        ooxml(
            f"{DOCX}.main+xml",
            "word/document.xml",
            extra=[(f"customXml/item{i}.xml", "<x/>" * 50) for i in range(6)],
        ),
    ],
    ids=["rels-first", "many-parts-first"],
)
def test_office_document_is_recognised_whatever_the_zip_entry_order(content):
    assert inspect_upload(upload("laporan.docx", content), POLICY).media_type == DOCX


def test_a_jpg_that_is_a_pdf_is_accepted_as_pdf():
    found = inspect_upload(upload("foto.jpg", pdf(), declared="image/jpeg"), POLICY)
    assert (found.media_type, found.extension, found.kind) == ("application/pdf", "pdf", "pdf")


def test_the_declared_type_decides_nothing():
    found = inspect_upload(upload("a.png", PROSE.encode(), declared="image/png"), POLICY)
    assert found.media_type == "text/plain"


# --- what is refused --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "what"),
    [
        ("foto.jpg", elf(), "program komputer Linux"),
        ("foto.jpg", windows_exe(), "program komputer Windows"),
        ("foto.jpg", b"MZ" + b"\0" * 62, "program komputer Windows"),
        ("bukti.html", HTML, "halaman web (HTML)"),
        ("catatan.txt", PROSE.encode() * 200 + HTML, "halaman web (HTML)"),
        (
            "catatan.txt",
            ("\ufeff" + PROSE * 50).encode("utf-16-le") + HTML.decode().encode("utf-16-le"),
            "halaman web (HTML)",
        ),
        ("gambar.svg", SVG, "gambar SVG"),
        ("gambar.svg", b'<?xml version="1.0"?>\n' + SVG, "gambar SVG"),
        ("catatan.txt", PROSE.encode() * 200 + SVG, "gambar SVG"),
        ("data.xml", b'<?xml version="1.0"?>\n<laporan>x</laporan>', "dokumen XML"),
        ("skrip.sh", b"#!/bin/sh\nrm -rf ~\n", "skrip perintah"),
        ("catatan.txt", b"#!/usr/bin/env python3\nimport os\n", "skrip program"),
        ("catatan.txt", b"#!/bin/busybox ash\nwget http://x\n", "skrip"),
        ("catatan.js", b"#!/usr/bin/env node\nrequire('child_process')\n", "skrip JavaScript"),
        ("catatan.txt", b"<?php system($_GET['c']); ?>\n", "skrip program PHP"),
        ("catatan.bat", b"@echo off\r\ndel /q C:\\*\r\n", "skrip perintah Windows"),
        ("arsip.zip", zipped([("foto.jpg", jpeg()), ("catatan.txt", PROSE)]), "arsip ZIP"),
        ("rusak.docx", b"PK\x03\x04" + b"\0" * 100, "rusak"),
        ("kembar.docx", TWIN_CONTENT_TYPES, "rusak"),
        ("laporan.docm", ooxml(DOCM, "word/document.xml", extra=[VBA]), "makro"),
        ("laporan.docx", ooxml(f"{DOCX}.main+xml", "word/document.xml", extra=[VBA]), "makro"),
        ("laporan.odt", odf("text", extra=[("Basic/Standard/Module1.xml", "<x/>")]), "makro"),
        ("laporan.doc", ole(["WordDocument"], ["Macros"]), "makro"),
        ("tabel.xls", ole(["Workbook"], ["_VBA_PROJECT_CUR"]), "makro"),
        ("laporan.doc", ole(["EncryptedPackage"]), "kata sandi"),
        ("setup.msi", ole(["\u4840\u3b3f\u4577"]), "bukan dokumen Word, Excel, PowerPoint"),
        ("laporan.rtf", b"{\\rtf1\\ansi pungutan liar}", "dokumen RTF"),
        ("rekaman.m4a", mp4(brand=b"M4A "), "M4A"),
        ("video.mp4", mp4(handler=b"soun"), "tanpa gambar video"),
        ("video.mp4", mp4()[:-40], "tidak utuh"),
        ("video.mov", mp4(brand=b"qt  "), "QuickTime"),
        ("foto.heic", mp4(brand=b"heic"), "HEIC"),
        ("suara.mp3", MP3_FRAME[:4] + bytes(range(256)) * 4, "MP3"),
        ("surat.pdf", pdf()[: len(pdf()) // 2], "PDF yang rusak"),
        ("foto.gif", image_bytes(Image.new("RGB", (8, 8)), "GIF"), "gambar GIF"),
        ("foto.webp", image_bytes(Image.new("RGB", (8, 8)), "WEBP"), "gambar WebP"),
        ("data.txt", b"Saya\0melaporkan\0" * 20, "data yang tidak dikenali"),
        ("data.bin", NOISE, "data yang tidak dikenali"),
    ],
)
def test_hostile_or_unsupported_content_is_refused_saying_what_it_is(name, content, what):
    with pytest.raises(EvidenceRejected) as excinfo:
        inspect_upload(upload(name, content, declared="image/jpeg"), POLICY)
    assert len(excinfo.value.reasons) == 1
    assert name in reasons(excinfo)
    assert what in reasons(excinfo)
    assert "bukan jenis yang diterima" in reasons(excinfo)


def test_an_empty_file_is_refused():
    with pytest.raises(EvidenceRejected) as excinfo:
        inspect_upload(upload("foto.jpg", b""), POLICY)
    assert reasons(excinfo) == "Berkas foto.jpg kosong."


def test_evidence_rejected_is_a_domain_error():
    assert issubclass(EvidenceRejected, DomainError)


@pytest.mark.parametrize(
    ("name", "content", "fmt"),
    [
        ("foto.jpg", jpeg((200, 200))[:400], "JPEG"),
        ("foto.jpg", jpeg((200, 200))[:-300], "JPEG"),
        ("foto.jpg", b"\xff\xd8\xff\xe0" + NOISE[:600], "JPEG"),
        ("foto.png", png((200, 200), "green")[:60], "PNG"),
    ],
    ids=["jpeg-cut-early", "jpeg-cut-late", "jpeg-garbage", "png-cut"],
)
def test_corrupt_or_truncated_image_is_refused(name, content, fmt):
    with pytest.raises(EvidenceRejected) as excinfo:
        inspect_upload(upload(name, content), POLICY)
    assert f"Berkas {name} tidak dapat dibuka sebagai gambar {fmt}" in reasons(excinfo)


def test_decompression_bomb_is_refused_without_decoding_it(app):
    policy = EvidencePolicy.from_config(app.config)  # the real default: 50 megapixels
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(EvidenceRejected) as excinfo:
        inspect_upload(upload("peta.png", png_bomb()), policy)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert "terlalu besar (lebih dari 50 megapiksel)" in reasons(excinfo)
    assert grown_mb < 100  # decoding would take 1.2 GB


def test_image_just_over_the_pixel_limit_is_refused():
    # Between one and two times the limit Pillow only warns: the warning is a refusal too.
    with pytest.raises(EvidenceRejected) as excinfo:
        inspect_upload(upload("foto.png", png((1100, 1000))), POLICY)
    assert "terlalu besar (lebih dari 1 megapiksel)" in reasons(excinfo)


def test_image_at_the_pixel_limit_is_accepted():
    assert inspect_upload(upload("foto.png", png((1000, 1000))), POLICY).kind == "image"


# --- limits -----------------------------------------------------------------------------------


def test_file_over_the_size_limit_is_refused_with_the_limit_in_mb():
    with pytest.raises(EvidenceRejected) as excinfo:
        check_uploads([upload("video.mp4", b"a" * (2 * MB + MB // 2))], POLICY)
    assert reasons(excinfo) == (
        "Berkas video.mp4 berukuran 2,5 MB, melebihi batas 2 MB per berkas."
    )


def test_total_over_the_limit_is_refused_with_the_limit_in_mb():
    files = [
        upload(f"catatan{i}.txt", PROSE.encode() * (16 * MB // 10 // len(PROSE))) for i in range(2)
    ]
    with pytest.raises(EvidenceRejected) as excinfo:
        check_uploads(files, POLICY)
    assert "melebihi batas 3 MB" in reasons(excinfo)


def test_total_counts_the_evidence_already_stored():
    with pytest.raises(EvidenceRejected) as excinfo:
        check_uploads([upload("foto.jpg", jpeg())], POLICY, already_stored_bytes=3 * MB)
    assert "termasuk 3 MB yang sudah tersimpan" in reasons(excinfo)
    assert "melebihi batas 3 MB" in reasons(excinfo)


def test_too_many_files_are_refused_with_the_limit():
    with pytest.raises(EvidenceRejected) as excinfo:
        check_uploads([upload(f"f{i}.jpg", jpeg()) for i in range(4)], POLICY)
    assert reasons(excinfo) == ("Paling banyak 3 berkas dapat dikirim sekaligus; ada 4 berkas.")


def test_every_problem_is_listed_in_one_error_naming_each_file():
    files = [upload("kosong.txt", b""), upload("foto.jpg", elf()), upload("ok.jpg", jpeg())]
    with pytest.raises(EvidenceRejected) as excinfo:
        check_uploads(files, POLICY)
    assert len(excinfo.value.reasons) == 2
    assert "kosong.txt" in excinfo.value.reasons[0]
    assert "foto.jpg" in excinfo.value.reasons[1]


def test_check_returns_what_each_file_is_in_order():
    found = check_uploads([upload("a.pdf", pdf()), upload("b", jpeg())], POLICY)
    assert [f.media_type for f in found] == ["application/pdf", "image/jpeg"]


def test_policy_reads_the_evidence_settings(app):
    policy = EvidencePolicy.from_config(app.config)
    assert policy == EvidencePolicy(
        max_file_bytes=app.config["EVIDENCE_MAX_FILE_BYTES"],
        max_total_bytes=app.config["EVIDENCE_MAX_TOTAL_BYTES"],
        max_files=app.config["EVIDENCE_MAX_FILES"],
        max_image_pixels=app.config["EVIDENCE_MAX_IMAGE_PIXELS"],
    )


# --- storing ----------------------------------------------------------------------------------


@pytest.fixture
def complaint(session) -> Complaint:
    category = Category(slug=f"uji-{secrets.token_hex(4)}", name="Pungutan liar", name_en="Bribe")
    complaint = Complaint(
        code=f"ZI-{secrets.token_hex(4).upper()}",
        access_key_hash="argon2-hash-uji",
        channel=Channel.WEB,
        category=category,
        title="Pungutan liar di loket",
        body=PROSE,
        privacy=Privacy.RAHASIA,
    )
    session.add(complaint)
    session.flush()
    return complaint


def store(session, complaint, uploads, upload_dir, policy=POLICY) -> list[Attachment]:
    return store_evidence(
        session,
        complaint=complaint,
        message=None,
        uploads=uploads,
        policy=policy,
        upload_dir=upload_dir,
    )


def files_under(path: Path) -> list[Path]:
    return sorted(p.resolve() for p in path.rglob("*") if p.is_file())


def test_cleaned_jpeg_has_no_metadata_and_the_original_is_sealed(session, complaint, tmp_path):
    sent = jpeg_with_gps()
    [attachment] = store(session, complaint, [upload("foto.jpg", sent)], tmp_path)

    original = original_path(attachment, tmp_path).read_bytes()
    assert original == sent
    assert attachment.sha256 == hashlib.sha256(sent).hexdigest()
    assert verify_seal(attachment, tmp_path)
    assert b"Canon EOS 5D" in original  # the evidence keeps everything

    cleaned_bytes = viewable_path(attachment, tmp_path).read_bytes()
    cleaned = Image.open(io.BytesIO(cleaned_bytes))
    assert cleaned.format == "JPEG"
    assert len(cleaned.getexif()) == 0
    assert not {"exif", "xmp", "icc_profile", "comment", "photoshop"} & cleaned.info.keys()
    assert jpeg_markers(cleaned_bytes).isdisjoint(
        {0xE1, 0xE2, 0xED, 0xFE}
    )  # EXIF/XMP, ICC, IPTC, COM
    for secret in (b"Canon", b"SN-0042", b"Budi", b"GPS"):
        assert secret not in cleaned_bytes


def test_exif_orientation_is_applied_to_the_cleaned_copy(session, complaint, tmp_path):
    [attachment] = store(
        session, complaint, [upload("foto.jpg", jpeg_with_gps(6, (40, 20)))], tmp_path
    )
    assert Image.open(viewable_path(attachment, tmp_path)).size == (20, 40)


def test_cleaned_png_has_no_text_chunks(session, complaint, tmp_path):
    info = PngInfo()
    info.add_text("Author", "Budi Santoso")
    info.add_text("Comment", "Jl. Merdeka 1", zip=True)
    info.add_itxt("Location", "-6.17, 106.82")
    sent = png(pnginfo=info, exif=camera_exif(), icc_profile=srgb_icc())
    [attachment] = store(session, complaint, [upload("tangkapan.png", sent)], tmp_path)

    cleaned_bytes = viewable_path(attachment, tmp_path).read_bytes()
    assert Image.open(io.BytesIO(cleaned_bytes)).format == "PNG"
    assert set(png_chunks(cleaned_bytes)) <= {b"IHDR", b"IDAT", b"IEND"}
    assert b"Budi" not in cleaned_bytes
    assert original_path(attachment, tmp_path).read_bytes() == sent


@pytest.mark.parametrize(
    ("name", "frames", "fmt"),
    [("animasi.png", "PNG", "PNG"), ("foto-3d.jpg", "MPO", "JPEG")],
)
def test_multi_frame_image_keeps_only_the_first_frame(
    session, complaint, tmp_path, name, frames, fmt
):
    first, second = Image.new("RGB", (16, 16), (255, 0, 0)), Image.new("RGB", (16, 16), (0, 0, 255))
    sent = image_bytes(first, frames, save_all=True, append_images=[second])
    [attachment] = store(session, complaint, [upload(name, sent)], tmp_path)
    cleaned = Image.open(viewable_path(attachment, tmp_path))
    assert cleaned.format == fmt
    assert getattr(cleaned, "n_frames", 1) == 1
    red, green, blue = cleaned.convert("RGB").getpixel((8, 8))
    assert red > 200 and blue < 50


def test_files_are_stored_read_only_under_random_sharded_names(session, complaint, tmp_path):
    attachments = store(
        session, complaint, [upload("foto.jpg", jpeg()), upload("surat.pdf", pdf())], tmp_path
    )
    photo, letter = attachments
    assert letter.cleaned_path is None
    assert viewable_path(letter, tmp_path) == original_path(letter, tmp_path)
    assert viewable_path(photo, tmp_path) != original_path(photo, tmp_path)
    for attachment in attachments:
        path = original_path(attachment, tmp_path)
        relative = path.relative_to(tmp_path.resolve())
        assert relative.parts[0] == "originals"
        assert relative.parts[1] == relative.name[:2]
        assert len(relative.name) == 32 and int(relative.name, 16) >= 0
        assert stat.S_IMODE(path.stat().st_mode) == 0o400
    assert viewable_path(photo, tmp_path).relative_to(tmp_path.resolve()).parts[0] == "cleaned"
    assert [a.media_type for a in attachments] == ["image/jpeg", "application/pdf"]
    assert letter.size == len(pdf())
    assert stored_bytes(session, complaint) == photo.size + letter.size


def test_verify_seal_detects_a_changed_original(session, complaint, tmp_path):
    [attachment] = store(session, complaint, [upload("surat.pdf", pdf())], tmp_path)
    path = original_path(attachment, tmp_path)
    path.chmod(0o600)
    path.write_bytes(path.read_bytes().replace(b"%%EOF", b"%%EOX"))
    assert not verify_seal(attachment, tmp_path)
    path.unlink()
    assert not verify_seal(attachment, tmp_path)


def test_a_refused_file_means_nothing_is_written(session, complaint, tmp_path):
    with pytest.raises(EvidenceRejected):
        store(
            session, complaint, [upload("foto.jpg", jpeg()), upload("foto2.jpg", elf())], tmp_path
        )
    assert files_under(tmp_path) == []
    assert session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


@pytest.mark.parametrize(
    "files",
    [
        [upload("besar.txt", b"a" * (2 * MB + 1))],
        [upload(f"c{i}.txt", b"a" * (MB + MB // 2)) for i in range(3)],
        [upload(f"f{i}.jpg", jpeg()) for i in range(4)],
    ],
    ids=["per-file", "total", "count"],
)
def test_limits_refuse_before_anything_is_written(session, complaint, tmp_path, files):
    with pytest.raises(EvidenceRejected):
        store(session, complaint, files, tmp_path)
    assert files_under(tmp_path) == []


def test_store_counts_evidence_already_stored_against_the_total(session, complaint, tmp_path):
    store(session, complaint, [upload("a.txt", b"a" * (MB + MB // 2))], tmp_path)
    store(session, complaint, [upload("b.txt", b"b" * MB)], tmp_path)
    with pytest.raises(EvidenceRejected) as excinfo:
        store(session, complaint, [upload("c.txt", b"c" * MB)], tmp_path)
    assert "yang sudah tersimpan" in reasons(excinfo)
    assert len(files_under(tmp_path)) == 2


def test_a_failure_while_writing_leaves_no_file_and_no_row(
    session, complaint, tmp_path, monkeypatch
):
    def disk_full(*_args):
        raise OSError("No space left on device")

    monkeypatch.setattr(evidence, "_cleaned_image", disk_full)
    with pytest.raises(OSError):
        store(
            session, complaint, [upload("surat.pdf", pdf()), upload("foto.jpg", jpeg())], tmp_path
        )
    session.commit()  # a careless caller: still nothing half-stored
    assert files_under(tmp_path) == []
    assert session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_commit_keeps_the_files(session, complaint, tmp_path):
    store(session, complaint, [upload("foto.jpg", jpeg()), upload("surat.pdf", pdf())], tmp_path)
    session.commit()
    assert len(files_under(tmp_path)) == 3  # two originals and one cleaned copy
    assert session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 2


def test_rollback_deletes_the_files(session, complaint, tmp_path):
    store(session, complaint, [upload("foto.jpg", jpeg()), upload("surat.pdf", pdf())], tmp_path)
    assert len(files_under(tmp_path)) == 3
    session.rollback()
    assert files_under(tmp_path) == []
    assert session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 0


def test_rollback_of_a_follow_up_deletes_only_its_files(session, complaint, tmp_path):
    [first] = store(session, complaint, [upload("surat.pdf", pdf())], tmp_path)
    session.commit()
    store(session, complaint, [upload("foto.jpg", jpeg())], tmp_path)
    session.rollback()
    assert files_under(tmp_path) == [original_path(first, tmp_path)]
    assert stored_bytes(session, complaint) == first.size


def test_closing_the_session_without_commit_deletes_the_files(session, complaint, tmp_path):
    # Flask-SQLAlchemy's teardown closes the session after an error; no rollback event fires.
    store(session, complaint, [upload("foto.jpg", jpeg())], tmp_path)
    session.close()
    assert files_under(tmp_path) == []


def test_rolled_back_savepoint_deletes_only_its_own_files(session, complaint, tmp_path):
    [kept] = store(session, complaint, [upload("surat.pdf", pdf())], tmp_path)
    savepoint = session.begin_nested()
    store(session, complaint, [upload("foto.jpg", jpeg())], tmp_path)
    savepoint.rollback()
    assert files_under(tmp_path) == [original_path(kept, tmp_path)]
    released = session.begin_nested()
    [also_kept] = store(session, complaint, [upload("catatan.txt", PROSE.encode())], tmp_path)
    released.commit()
    session.commit()
    assert files_under(tmp_path) == sorted(
        [original_path(kept, tmp_path), original_path(also_kept, tmp_path)]
    )


def test_released_savepoint_files_go_if_the_outer_transaction_rolls_back(
    session, complaint, tmp_path
):
    session.commit()
    savepoint = session.begin_nested()
    store(session, complaint, [upload("foto.jpg", jpeg())], tmp_path)
    savepoint.commit()
    assert len(files_under(tmp_path)) == 2
    session.rollback()
    assert files_under(tmp_path) == []


def test_attachment_records_the_message_it_came_with(session, complaint, tmp_path):
    from models import ComplaintMessage
    from models.enums import MessageKind

    message = ComplaintMessage(
        complaint=complaint, kind=MessageKind.MASUK, channel=Channel.EMAIL, body=PROSE
    )
    session.add(message)
    [attachment] = store_evidence(
        session,
        complaint=complaint,
        message=message,
        uploads=[upload("foto.jpg", jpeg())],
        policy=POLICY,
        upload_dir=tmp_path,
    )
    assert attachment.message_id == message.id
    assert message.attachments == [attachment]


def test_new_complaint_is_flushed_before_its_evidence(session, tmp_path):
    category = Category(slug=f"uji-{secrets.token_hex(4)}", name="Uji", name_en="Test")
    complaint = Complaint(
        code="ZI-BARU",
        access_key_hash="x",
        channel=Channel.TELEGRAM,
        category=category,
        title="Baru",
        body=PROSE,
        privacy=Privacy.ANONIM,
    )
    session.add(complaint)
    [attachment] = store(session, complaint, [upload("foto.jpg", jpeg())], tmp_path)
    assert attachment.complaint_id == complaint.id is not None


# --- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\system32\\foto.jpg", "foto.jpg"),
        ("C:\\Users\\budi\\Documents\\kronologi.txt", "kronologi.txt"),
        ("kronologi\x00.txt", "kronologi.txt"),
        ("laporan\u202etxt.exe", "laporantxt.exe"),
        ("\u2066bukti\u2069\u200b\r\n.txt", "bukti.txt"),
        ("../", "bukti.txt"),
        ("", "bukti.txt"),
        ("\u202e", "bukti.txt"),
        ("  ..tersembunyi.txt  ", "tersembunyi.txt"),
        ("Bukti pungli – loket ☂.txt", "Bukti pungli – loket ☂.txt"),
    ],
)
def test_filename_is_cleaned_for_display(session, complaint, tmp_path, sent, shown):
    [attachment] = store(session, complaint, [upload(sent, PROSE.encode())], tmp_path)
    assert attachment.original_filename == shown
    assert all(p.is_relative_to(tmp_path) for p in files_under(tmp_path))
    assert shown not in str(original_path(attachment, tmp_path))


def test_long_filename_is_cut_to_255_characters_keeping_the_extension(session, complaint, tmp_path):
    [attachment] = store(session, complaint, [upload("a" * 300 + ".pdf", pdf())], tmp_path)
    assert len(attachment.original_filename) == Attachment.FILENAME_MAX == 255
    assert attachment.original_filename.endswith("a.pdf")


def test_refusal_names_the_file_without_its_control_characters():
    with pytest.raises(EvidenceRejected) as excinfo:
        inspect_upload(upload("../../foto\u202egpj.exe\x00", windows_exe()), POLICY)
    assert "Berkas fotogpj.exe berisi program komputer Windows (EXE)" in reasons(excinfo)


# --- serving ----------------------------------------------------------------------------------


def served(name: str, media_type: str) -> dict[str, str]:
    return download_headers(Attachment(original_filename=name, media_type=media_type))


def disposition_name(headers: dict[str, str]) -> str:
    """Return the name a browser saves the file under (``filename*`` wins over ``filename``)."""
    return parse_options_header(headers["Content-Disposition"])[1]["filename"]


@pytest.mark.parametrize(
    ("media_type", "content_type"),
    [
        ("image/jpeg", "image/jpeg"),
        ("image/png", "image/png"),
        ("application/pdf", "application/pdf"),
        ("video/mp4", "video/mp4"),
        ("audio/mpeg", "audio/mpeg"),
        ("text/plain", "text/plain; charset=utf-8"),
        (DOCX, "application/octet-stream"),
        ("application/msword", "application/octet-stream"),
        ("text/html", "text/plain; charset=utf-8"),
        ("application/x-unknown", "application/octet-stream"),
    ],
)
def test_download_content_type_is_safe(media_type, content_type):
    assert served("bukti", media_type)["Content-Type"] == content_type


def test_download_is_an_attachment_that_is_never_sniffed_or_run():
    headers = served("foto.jpg", "image/jpeg")
    assert headers["Content-Disposition"].startswith("attachment; ")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_download_name_is_utf8_with_an_ascii_fallback():
    headers = served("Bukti pungli – loket ☂.pdf", "application/pdf")
    value = headers["Content-Disposition"]
    assert 'filename="Bukti pungli loket.pdf"' in value
    assert value.isascii()
    assert "filename*=UTF-8''Bukti%20pungli%20%E2%80%93%20loket%20%E2%98%82.pdf" in value
    assert disposition_name(headers) == "Bukti pungli – loket ☂.pdf"


@pytest.mark.parametrize(
    ("name", "media_type", "downloaded"),
    [
        ("foto.jpg", "application/pdf", "foto.pdf"),
        ("foto.JPEG", "image/jpeg", "foto.JPEG"),
        ("skrip.bat", "text/plain", "skrip.txt"),
        ("data.csv", "text/plain", "data.csv"),
        ("Surat No. 5", "application/pdf", "Surat No. 5.pdf"),
        ("laporan", DOCX, "laporan.docx"),
        ('laporan "final".pdf', "application/pdf", 'laporan "final".pdf'),
        ("", "image/png", "bukti.png"),
    ],
)
def test_download_name_ends_with_the_real_extension(name, media_type, downloaded):
    headers = served(name, media_type)
    assert disposition_name(headers) == downloaded
    fallback = headers["Content-Disposition"].split('filename="', 1)[1].split('"', 1)[0]
    assert fallback.isascii() and '"' not in fallback and "\\" not in fallback
    assert fallback.endswith("." + downloaded.rsplit(".", 1)[1])


def test_filing_with_a_photo_identifies_it_once_and_decodes_it_twice(
    app, session, tmp_path, monkeypatch
):
    # Once to check it with the other fields, once to write the cleaned copy; storing does not
    # inspect again what intake already checked in the same transaction.
    from dataclasses import replace

    from portal.services.intake import ComplaintSubmission, IntakeSettings, submit_complaint
    from portal.services.reference_data import ensure_categories

    ensure_categories(session)
    calls = {"identify": 0, "decode": 0}
    real_identify, real_decode = evidence.identify, evidence._first_frame

    def counting_identify(content):
        calls["identify"] += 1
        return real_identify(content)

    def counting_decode(*args, **kwargs):
        calls["decode"] += 1
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(evidence, "identify", counting_identify)
    monkeypatch.setattr(evidence, "_first_frame", counting_decode)
    settings = replace(IntakeSettings.from_config(app.config), upload_dir=str(tmp_path))
    filed = submit_complaint(
        session,
        ComplaintSubmission(
            channel=Channel.WEB,
            category="pungli",
            title="Pungutan di loket",
            description=PROSE,
            evidence=[upload("foto.jpg", jpeg_with_gps())],
        ),
        settings,
    )
    session.commit()
    stored = session.scalars(
        sa.select(Attachment).where(Attachment.complaint_id == filed.complaint.id)
    )
    assert [a.media_type for a in stored] == ["image/jpeg"]
    assert calls == {"identify": 1, "decode": 2}
