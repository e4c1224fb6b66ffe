"""Decide what an evidence file really is from its bytes: libmagic first, then our own checks.

Threat model: the bytes come from anyone, named and labelled as they like. libmagic alone is
fooled in known ways (measured on libmagic 5.44): it calls an OOXML document a plain ZIP or
unknown data when the ZIP entries are in an unusual order, calls a macro-enabled ``.docm`` a
``.docx``, names an OLE2 file Word or Excel only from a stream name and never PowerPoint without
a summary stream, calls any buffer starting with an MPEG frame header ``audio/mpeg``, calls an
audio-only MP4 ``video/mp4``, and calls HTML or SVG ``text/plain`` once the markup sits past the
first few kilobytes. So each allowed type is confirmed structurally here (ZIP directory and
content types, OLE2 directory, MP4 boxes, chained MP3 frames, PDF header and trailer, decoded
text without markup); anything else is refused, described in plain words. Images are decoded by
the caller (``evidence.py``), which owns the pixel limit.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"
DOC, XLS, PPT = "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint"

# Every type we accept: media type → (extension, kind).
ALLOWED: dict[str, tuple[str, str]] = {
    "image/jpeg": ("jpg", "image"),
    "image/png": ("png", "image"),
    "application/pdf": ("pdf", "pdf"),
    "text/plain": ("txt", "text"),
    DOCX: ("docx", "document"),
    XLSX: ("xlsx", "document"),
    PPTX: ("pptx", "document"),
    ODT: ("odt", "document"),
    ODS: ("ods", "document"),
    ODP: ("odp", "document"),
    DOC: ("doc", "document"),
    XLS: ("xls", "document"),
    PPT: ("ppt", "document"),
    "video/mp4": ("mp4", "video"),
    "audio/mpeg": ("mp3", "audio"),
}

_MACROS = _l("dokumen Office yang memuat makro (program)")
_EXE_LINUX = _l("program komputer Linux")
_EXE_WINDOWS = _l("program komputer Windows (EXE)")
_SCRIPT = _l("skrip program")
_ARCHIVE = _l("arsip terkompresi")
# libmagic's verdict → what the file really is, in plain words.
_DESCRIPTIONS: dict[str, Any] = {
    "application/x-executable": _EXE_LINUX,
    "application/x-pie-executable": _EXE_LINUX,
    "application/x-sharedlib": _EXE_LINUX,
    "application/x-object": _EXE_LINUX,
    "application/x-dosexec": _EXE_WINDOWS,
    "application/vnd.microsoft.portable-executable": _EXE_WINDOWS,
    "application/x-msi": _l("paket instalasi Windows (MSI)"),
    "application/x-mach-binary": _l("program komputer macOS"),
    "application/java-archive": _l("program Java"),
    "application/vnd.android.package-archive": _l("aplikasi Android (APK)"),
    "application/x-ms-shortcut": _l("pintasan Windows"),
    "text/html": _l("halaman web (HTML)"),
    "image/svg+xml": _l("gambar SVG, yang dapat memuat skrip"),
    "text/xml": _l("dokumen XML"),
    "application/xml": _l("dokumen XML"),
    "text/rtf": _l("dokumen RTF"),
    "text/x-shellscript": _l("skrip perintah (shell)"),
    "text/x-msdos-batch": _l("skrip perintah Windows"),
    "text/x-php": _l("skrip program PHP"),
    "application/javascript": _l("skrip JavaScript"),
    "text/javascript": _l("skrip JavaScript"),
    "application/zip": _l("arsip ZIP"),
    "application/x-rar": _ARCHIVE,
    "application/vnd.rar": _ARCHIVE,
    "application/x-7z-compressed": _ARCHIVE,
    "application/gzip": _ARCHIVE,
    "application/x-bzip2": _ARCHIVE,
    "application/x-xz": _ARCHIVE,
    "application/x-tar": _ARCHIVE,
    "application/zstd": _ARCHIVE,
    "application/x-iso9660-image": _l("citra cakram (ISO)"),
    "image/gif": _l("gambar GIF"),
    "image/webp": _l("gambar WebP"),
    "image/bmp": _l("gambar BMP"),
    "image/tiff": _l("gambar TIFF"),
    "image/heic": _l("foto HEIC"),
    "image/heif": _l("foto HEIF"),
    "image/avif": _l("gambar AVIF"),
    "video/quicktime": _l("video QuickTime (MOV)"),
    "video/3gpp": _l("video 3GP"),
    "video/webm": _l("video WebM"),
    "video/x-matroska": _l("video MKV"),
    "video/x-msvideo": _l("video AVI"),
    "audio/x-m4a": _l("rekaman suara M4A"),
    "audio/x-wav": _l("rekaman suara WAV"),
    "audio/ogg": _l("rekaman suara OGG"),
    "audio/flac": _l("rekaman suara FLAC"),
    "audio/amr": _l("rekaman suara AMR"),
    "application/vnd.ms-outlook": _l("pesan Outlook"),
    "application/x-ole-storage": _l("berkas Microsoft yang bukan dokumen Word, Excel, PowerPoint"),
    "application/CDFV2": _l("berkas Microsoft yang bukan dokumen Word, Excel, PowerPoint"),
    "application/octet-stream": _l("data yang tidak dikenali"),
    "application/x-empty": _l("tidak ada isi"),
}
# Text by nature, or prose that libmagic guesses is code from a keyword ("text/x-c",
# "text/x-script.python" for a README that mentions Python, "…-ini" for a line in brackets):
# our own text checks decide. Served as text/plain and downloaded as .txt, none of it can run.
_TEXT_LIKE = {"application/x-wine-extension-ini", "application/csv", "application/json",
              "message/rfc822"}  # fmt: skip
# Markup a browser or viewer could render or run, anywhere in a text, not just near the start.
_MARKUP = re.compile(
    r"<\s*(?:!doctype|\?xml|(?:html|head|body|script|svg|iframe|frame|frameset|object|embed"
    r"|applet|meta|link|style|base|form|img|math|foreignobject)\b)",
    re.IGNORECASE,
)
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
_OLE_LAST_SECTOR = 0xFFFFFFFA  # above this: free / end-of-chain / FAT / DIFAT markers
_MP4_VIDEO_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ",
    b"dash", b"mmp4", b"MSNV",
}  # fmt: skip


@dataclass(frozen=True)
class InspectedFile:
    """What a file really is, decided from its content."""

    media_type: str
    extension: str
    kind: str  # image | pdf | text | document | video | audio


class Unacceptable(Exception):
    """The content is not an allowed type; ``what`` says what it is, in plain words."""

    def __init__(self, what: Any):
        self.what = what
        super().__init__(str(what))


class _Broken(Exception):
    """A structure that does not parse."""


def accepted(media_type: str) -> InspectedFile:
    """Return the inspection result for an allowed media type."""
    extension, kind = ALLOWED[media_type]
    return InspectedFile(media_type, extension, kind)


def describe(mime: str) -> Any:
    """Return what a libmagic media type is, in plain words."""
    if mime in _DESCRIPTIONS:
        return _DESCRIPTIONS[mime]
    return _l("berkas berjenis %(type)s", type=mime)


def identify(content: bytes) -> InspectedFile:
    """Return the allowed type ``content`` really is, or raise ``Unacceptable``."""
    import magic  # here, not at the top: most mail has no attachment (start-up of the mail pipe)

    mime = magic.from_buffer(content, mime=True) if content else "application/x-empty"
    if content.startswith(b"PK\x03\x04") or mime in (DOCX, XLSX, PPTX, ODT, ODS, ODP):
        return _zip_document(content, mime)
    if content.startswith(_OLE_MAGIC):
        return _ole_document(content, mime)
    if content[4:8] == b"ftyp":
        return _mp4(content, mime)
    if mime == "application/pdf":
        return _pdf(content)
    if mime in ("image/jpeg", "image/png"):
        return accepted(mime)  # decoded by the caller, which knows the pixel limit
    if mime == "audio/mpeg":
        return _mp3(content)
    if (mime.startswith("text/") or mime in _TEXT_LIKE) and mime not in _DESCRIPTIONS:
        return _text(content)
    raise Unacceptable(describe(mime))


# --- office documents -------------------------------------------------------------------------

_OOXML_MAIN = {
    b"wordprocessingml.document.main+xml": DOCX,
    b"spreadsheetml.sheet.main+xml": XLSX,
    b"presentationml.presentation.main+xml": PPTX,
}
_ODF = {ODT.encode(): ODT, ODS.encode(): ODS, ODP.encode(): ODP}


def _zip_document(content: bytes, mime: str) -> InspectedFile:
    """Accept a ZIP only if it is an OOXML or ODF document without macros."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
            lowered = {n.lower() for n in names}
            if len(lowered) != len(names):  # readers disagree on which twin is the real one
                raise _Broken("duplicate entry names")
            if "[content_types].xml" in lowered:
                types = _read_small(archive, _exact(names, "[content_types].xml"), 1 << 20)
                if b"macroEnabled" in types or b"vbaProject" in types:
                    raise Unacceptable(_MACROS)
                if any(n.endswith("vbaproject.bin") for n in lowered):
                    raise Unacceptable(_MACROS)
                for marker, media_type in _OOXML_MAIN.items():
                    if marker in types:
                        return accepted(media_type)
            if "mimetype" in names and "content.xml" in names:
                declared = _read_small(archive, "mimetype", 100).strip()
                if any(n.startswith(("Basic/", "Scripts/")) for n in names):
                    raise Unacceptable(_MACROS)
                if declared in _ODF:
                    return accepted(_ODF[declared])
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        _Broken,
        RuntimeError,
        ValueError,
        OSError,
    ):
        raise Unacceptable(_l("arsip atau dokumen Office yang rusak")) from None
    except NotImplementedError:  # an unusual compression method: not an Office document
        pass
    if mime in (DOCX, XLSX, PPTX, ODT, ODS, ODP, "application/octet-stream"):
        mime = "application/zip"
    raise Unacceptable(describe(mime))


def _exact(names: list[str], lowered: str) -> str:
    return next(n for n in names if n.lower() == lowered)


def _read_small(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """Read one entry, refusing one that inflates past ``limit`` (a ZIP bomb)."""
    if archive.getinfo(name).file_size > limit:
        raise _Broken(name)
    with archive.open(name) as handle:
        data = handle.read(limit + 1)  # the declared size may lie; never inflate more
    if len(data) > limit:
        raise _Broken(name)
    return data


def _ole_document(content: bytes, mime: str) -> InspectedFile:
    """Accept an OLE2 compound file only if it is a Word, Excel or PowerPoint document."""
    try:
        names = _ole_names(content)
    except (_Broken, struct.error):
        raise Unacceptable(_l("berkas Microsoft yang rusak")) from None
    if names & {"Macros", "_VBA_PROJECT_CUR", "_VBA_PROJECT", "VBA"}:
        raise Unacceptable(_MACROS)
    if "EncryptedPackage" in names:
        raise Unacceptable(_l("dokumen Office yang dikunci dengan kata sandi"))
    if "WordDocument" in names:
        return accepted(DOC)
    if names & {"Workbook", "Book"}:
        return accepted(XLS)
    if "PowerPoint Document" in names:
        return accepted(PPT)
    raise Unacceptable(describe(mime if mime not in ALLOWED else "application/x-ole-storage"))


def _ole_names(data: bytes) -> set[str]:
    """Return the name of every storage and stream in an OLE2 compound file."""
    if len(data) < 512:
        raise _Broken("short header")
    byte_order, shift = struct.unpack_from("<HH", data, 28)
    if byte_order != 0xFFFE or shift not in (9, 12):
        raise _Broken("header")
    size = 1 << shift
    n_sectors = len(data) // size  # an upper bound for every chain: no loops, no giant tables
    n_fat, first_dir = struct.unpack_from("<II", data, 44)
    first_difat, n_difat = struct.unpack_from("<II", data, 68)
    if n_fat > n_sectors or n_difat > n_sectors:
        raise _Broken("counts")

    def sector(index: int) -> bytes:
        start = (index + 1) * size  # the header fills sector "-1"
        if start + size > len(data):
            raise _Broken("sector out of range")
        return data[start : start + size]

    difat = list(struct.unpack_from("<109I", data, 76))
    index = first_difat
    for _ in range(n_difat):
        if index >= _OLE_LAST_SECTOR:
            break
        entries = struct.unpack(f"<{size // 4}I", sector(index))
        difat.extend(entries[:-1])
        index = entries[-1]
    fat: list[int] = []
    for index in difat[:n_fat]:
        if index < _OLE_LAST_SECTOR:
            fat.extend(struct.unpack(f"<{size // 4}I", sector(index)))

    names: set[str] = set()
    index, steps = first_dir, 0
    while index < _OLE_LAST_SECTOR:
        steps += 1
        if steps > n_sectors or index >= len(fat):
            raise _Broken("directory chain")
        block = sector(index)
        for offset in range(0, size, 128):
            name_bytes = struct.unpack_from("<H", block, offset + 64)[0]
            if block[offset + 66] in (1, 2, 5) and 2 <= name_bytes <= 64:
                raw = block[offset : offset + name_bytes - 2]
                names.add(raw.decode("utf-16-le", "replace"))
        index = fat[index]
    return names


# --- audio and video --------------------------------------------------------------------------


def _mp4(content: bytes, mime: str) -> InspectedFile:
    """Accept an ISO/MP4 file only if its brand is MP4 and it carries a video track."""
    if content[8:12] not in _MP4_VIDEO_BRANDS:
        if content[8:11] == b"M4A":
            raise Unacceptable(describe("audio/x-m4a"))
        if mime in ALLOWED:  # libmagic calls it MP4, but not with a brand we can vouch for
            raise Unacceptable(_l("video dengan format yang tidak didukung"))
        raise Unacceptable(describe(mime))
    try:
        has_video = any(
            content[start + 8 : start + 12] == b"vide"
            for start, _ in _box_path(content, [b"moov", b"trak", b"mdia", b"hdlr"])
        )
    except _Broken:
        raise Unacceptable(_l("video MP4 yang rusak atau tidak utuh")) from None
    if not has_video:
        raise Unacceptable(_l("berkas MP4 tanpa gambar video (hanya suara)"))
    return accepted("video/mp4")


def _boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """Return (type, payload start, end) of the ISO boxes between ``start`` and ``end``."""
    found, pos = [], start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if pos + 16 > end:
                raise _Broken("box header")
            size, header = struct.unpack_from(">Q", data, pos + 8)[0], 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise _Broken("box size")
        found.append((kind, pos + header, pos + size))
        pos += size
    return found


def _box_path(data: bytes, path: list[bytes]) -> list[tuple[int, int]]:
    """Return the payloads of every box reached by following ``path`` from the top level."""
    level = [(0, len(data))]
    for kind in path:
        level = [(s, e) for ps, pe in level for k, s, e in _boxes(data, ps, pe) if k == kind]
    return level


_MP3_BITRATES = {
    3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),  # MPEG-1
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG-2 (and 2.5)
}
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mp3_frame_length(data: bytes, pos: int) -> int | None:
    """Return the length of the MPEG layer III frame starting at ``pos``, if one does."""
    if pos + 4 > len(data) or data[pos] != 0xFF or data[pos + 1] & 0xE0 != 0xE0:
        return None
    version, layer = (data[pos + 1] >> 3) & 3, (data[pos + 1] >> 1) & 3
    bitrate_index, rate_index = data[pos + 2] >> 4, (data[pos + 2] >> 2) & 3
    if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    bitrate = _MP3_BITRATES[3 if version == 3 else 2][bitrate_index] * 1000
    factor = 144 if version == 3 else 72
    return factor * bitrate // _MP3_RATES[version][rate_index] + ((data[pos + 2] >> 1) & 1)


def _mp3(content: bytes) -> InspectedFile:
    """Accept MPEG audio only if real layer III frames follow each other (or fill the file)."""
    pos = 0
    while content[pos : pos + 3] == b"ID3" and pos + 10 <= len(content):
        flags, raw = content[pos + 5], content[pos + 6 : pos + 10]
        tag = (raw[0] & 0x7F) << 21 | (raw[1] & 0x7F) << 14 | (raw[2] & 0x7F) << 7 | raw[3] & 0x7F
        pos += 10 + tag + (10 if flags & 0x10 else 0)
    limit = min(len(content), pos + 65536)  # some encoders pad between the tag and audio
    while pos < limit and _mp3_frame_length(content, pos) is None:
        found = content.find(b"\xff", pos + 1, limit)
        pos = found if found >= 0 else limit
    frames = 0
    while frames < 3:
        length = _mp3_frame_length(content, pos)
        if length is None or pos + length > len(content):
            break
        pos, frames = pos + length, frames + 1
        rest = content[pos : pos + 11]
        if len(rest) < 4 or rest.startswith((b"TAG", b"APETAGEX", b"LYRICSBEGIN")):
            return accepted("audio/mpeg")  # a short recording that ends cleanly
    if frames >= 3:
        return accepted("audio/mpeg")
    raise Unacceptable(_l("rekaman suara MP3 yang rusak atau bukan MP3"))


# --- PDF and text -----------------------------------------------------------------------------


def _pdf(content: bytes) -> InspectedFile:
    """Accept a PDF with a header at the start and an end-of-file marker near the end."""
    if re.match(rb"%PDF-[12]\.\d", content[:8]) and b"%%EOF" in content[-1024:]:
        return accepted("application/pdf")
    raise Unacceptable(_l("dokumen PDF yang rusak atau tidak utuh"))


def _decode(content: bytes) -> str:
    """Return the text in UTF-16 (with a byte order mark), UTF-8, or a legacy 8-bit encoding."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")  # libmagic already judged these bytes to be text


def _text(content: bytes) -> InspectedFile:
    """Accept text that decodes, has no NUL, no shebang and no markup anywhere in it."""
    try:
        text = _decode(content)
    except UnicodeDecodeError:
        raise Unacceptable(describe("application/octet-stream")) from None
    if "\x00" in text:
        raise Unacceptable(describe("application/octet-stream"))
    if text.lstrip("\ufeff").startswith("#!"):
        raise Unacceptable(_SCRIPT)
    markup = _MARKUP.search(text)
    if markup:
        if re.search(r"<\s*svg\b", text, re.IGNORECASE):
            raise Unacceptable(describe("image/svg+xml"))
        xml = markup.group(0).lstrip("< \t\r\n").startswith("?")
        raise Unacceptable(describe("text/xml" if xml else "text/html"))
    return accepted("text/plain")
