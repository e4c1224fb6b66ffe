"""Evidence files from every channel: checked by content, sealed as sent, cleaned for viewing.

Threat model. Anyone, including the people a complaint is about, can send files through the web
form, the API, email or Telegram, named and labelled as they like. They may send active content
dressed as evidence (HTML, SVG, scripts, executables, macro documents, a ``.jpg`` that is an
EXE) for an inspector to open or the portal to serve; files that exhaust memory or disk
(decompression bombs, huge or numerous files); or crafted names (``../``, NUL, bidi overrides).
So: the type is decided by the content against an allow-list (``evidence_types``), limits on
count, size and pixels are checked before anything is written, names are only displayed (after
cleaning) and files live under random names, and downloads are always attachments with
``nosniff``, a sandbox CSP and a name ending in the extension of the real content.
A genuine reporter may betray themselves through image metadata (GPS, camera serial, owner
name): inspectors see a re-encoded copy without any metadata; the untouched original is kept
read-only with its SHA-256 as sealed evidence. Metadata inside PDFs, documents and videos is
not removed.
Files and rows stay in step: files written in a transaction that does not commit are deleted.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import os
import re
import secrets
import unicodedata
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import sqlalchemy as sa
from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

from models import Attachment, Complaint, ComplaintMessage

from .errors import DomainError
from .evidence_types import ALLOWED, InspectedFile, Unacceptable, identify

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "EvidencePolicy",
    "EvidenceRejected",
    "InspectedFile",
    "Upload",
    "check_uploads",
    "download_headers",
    "inspect_upload",
    "original_path",
    "store_evidence",
    "stored_bytes",
    "verify_seal",
    "viewable_path",
]

logger = logging.getLogger(__name__)

MB = 1024 * 1024
FALLBACK_NAME = "bukti"
_PENDING = "zi_evidence_unsettled_files"  # session.info key: transaction → files written in it
_IMAGE_FORMATS = {"image/jpeg": ("JPEG", {"JPEG", "MPO"}), "image/png": ("PNG", {"PNG"})}
_PNG_MODES = {"1", "L", "LA", "RGB", "RGBA", "I", "I;16"}
_SERVED_AS_IS = {"image/jpeg", "image/png", "application/pdf", "video/mp4", "audio/mpeg"}
_ALIASES = {"jpg": {"jpg", "jpeg", "jpe", "jfif"}, "txt": {"txt", "text", "log", "md", "csv"}}


@dataclass(frozen=True)
class Upload:
    """A file as a channel received it; everything in it is untrusted."""

    filename: str  # as the client named it: displayed after cleaning, never used as a path
    content: bytes
    declared_type: str | None = None  # the client's claim: recorded nowhere, decides nothing


@dataclass(frozen=True)
class EvidencePolicy:
    max_file_bytes: int
    max_total_bytes: int  # of a complaint's evidence, including what is already stored
    max_files: int  # in one submission or message
    max_image_pixels: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> EvidencePolicy:
        """Build the policy from the ``EVIDENCE_*`` settings."""
        return cls(
            max_file_bytes=int(config["EVIDENCE_MAX_FILE_BYTES"]),
            max_total_bytes=int(config["EVIDENCE_MAX_TOTAL_BYTES"]),
            max_files=int(config["EVIDENCE_MAX_FILES"]),
            max_image_pixels=int(config["EVIDENCE_MAX_IMAGE_PIXELS"]),
        )


class EvidenceRejected(DomainError):
    """Evidence files refused; ``reasons`` has one message per problem, naming the file."""


# --- checking ---------------------------------------------------------------------------------


def inspect_upload(upload: Upload, policy: EvidencePolicy) -> InspectedFile:
    """Return what the file really is, or raise ``EvidenceRejected`` saying why it is refused."""
    name = _display_name(upload.filename)
    size = len(upload.content)
    if size == 0:
        raise EvidenceRejected(_("Berkas %(name)s kosong.", name=name))
    if size > policy.max_file_bytes:
        raise EvidenceRejected(
            _(
                "Berkas %(name)s berukuran %(size)s MB, melebihi batas %(limit)s MB per berkas.",
                name=name,
                size=_mb(size),
                limit=_mb(policy.max_file_bytes),
            )
        )
    try:
        inspected = identify(upload.content)
    except Unacceptable as exc:
        logger.debug("evidence %r refused: %s", name, exc)
        raise EvidenceRejected(
            _(
                "Berkas %(name)s berisi %(what)s, bukan jenis yang diterima (foto JPEG/PNG, PDF,"
                " teks, dokumen Office, video MP4, suara MP3).",
                name=name,
                what=exc.what,
            )
        ) from None
    if inspected.kind == "image":
        _first_frame(upload.content, inspected, policy, name)
    return inspected


def check_uploads(
    uploads: Sequence[Upload], policy: EvidencePolicy, already_stored_bytes: int = 0
) -> list[InspectedFile]:
    """Check count, sizes, types and images of all files; raise one error listing every problem.

    Beyond the count limit, files are not inspected: the batch is refused anyway, and decoding
    an unbounded number of images would hand a client a way to exhaust the server.
    """
    reasons: list[str] = []
    if len(uploads) > policy.max_files:
        reasons.append(
            _(
                "Paling banyak %(limit)d berkas dapat dikirim sekaligus; ada %(count)d berkas.",
                limit=policy.max_files,
                count=len(uploads),
            )
        )
    inspected: list[InspectedFile] = []
    for upload in uploads[: policy.max_files]:
        try:
            inspected.append(inspect_upload(upload, policy))
        except EvidenceRejected as exc:
            reasons.extend(exc.reasons)
    total = already_stored_bytes + sum(len(u.content) for u in uploads)
    if total > policy.max_total_bytes:
        if already_stored_bytes:
            reasons.append(
                _(
                    "Ukuran seluruh bukti, termasuk %(stored)s MB yang sudah tersimpan, menjadi"
                    " %(total)s MB dan melebihi batas %(limit)s MB.",
                    stored=_mb(already_stored_bytes),
                    total=_mb(total),
                    limit=_mb(policy.max_total_bytes),
                )
            )
        else:
            reasons.append(
                _(
                    "Ukuran seluruh berkas %(total)s MB melebihi batas %(limit)s MB.",
                    total=_mb(total),
                    limit=_mb(policy.max_total_bytes),
                )
            )
    if reasons:
        raise EvidenceRejected(reasons)
    return inspected


def _mb(size: int) -> str:
    locale = get_locale()
    return format_decimal(size / MB, format="#,##0.##", locale=str(locale) if locale else "id")


def _first_frame(
    content: bytes, inspected: InspectedFile, policy: EvidencePolicy, name: str
) -> Image.Image:
    """Decode the image's first frame within the pixel limit, or raise ``EvidenceRejected``."""
    from PIL import Image  # here, not at the top: only images need it (start-up of the mail pipe)

    plugin, formats = _IMAGE_FORMATS[inspected.media_type]
    # Pillow's limit and the warnings filter are process-wide (and catch_warnings is not
    # thread-safe); the explicit check below decides on its own, whatever another thread did.
    Image.MAX_IMAGE_PIXELS = policy.max_image_pixels
    too_large = _(
        "Berkas %(name)s adalah gambar yang terlalu besar (lebih dari %(limit)s megapiksel).",
        name=name,
        limit=f"{policy.max_image_pixels / 1_000_000:g}",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content), formats=[plugin])
            width, height = image.size
            if width * height > policy.max_image_pixels:
                raise EvidenceRejected(too_large)
            if image.format not in formats:
                raise ValueError(f"unexpected format {image.format}")
            image.seek(0)  # animated or multi-frame: only the first frame is kept
            image.load()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise EvidenceRejected(too_large) from None
    except EvidenceRejected:
        raise
    except Exception as exc:  # hostile input: any decoder failure is a refusal
        logger.debug("evidence image %r does not decode: %s", name, type(exc).__name__)
        raise EvidenceRejected(
            _(
                "Berkas %(name)s tidak dapat dibuka sebagai gambar %(format)s: rusak atau tidak"
                " utuh.",
                name=name,
                format=plugin,
            )
        ) from None
    return image


def _cleaned_image(content: bytes, inspected: InspectedFile, policy: EvidencePolicy) -> bytes:
    """Re-encode the first frame, upright, with no metadata at all (EXIF, GPS, XMP, ICC, text).

    The pixels are copied into a new image, so nothing from the original's headers travels
    along; JPEG stays JPEG (quality 90), PNG stays PNG.
    """
    from PIL import Image, ImageOps

    image = _first_frame(content, inspected, policy, "")
    try:
        image = ImageOps.exif_transpose(image)
    except Exception as exc:  # a corrupt EXIF block must not lose the evidence
        logger.warning("EXIF orientation not applied: %s", type(exc).__name__)
    if inspected.media_type == "image/jpeg":
        mode = image.mode if image.mode in ("L", "RGB", "CMYK") else "RGB"
    elif image.mode == "P" or "transparency" in image.info:
        mode = "RGBA"
    else:
        mode = image.mode if image.mode in _PNG_MODES else "RGBA"
    if image.mode != mode:
        image = image.convert(mode)
    bare = Image.frombytes(mode, image.size, image.tobytes())
    out = io.BytesIO()
    if inspected.media_type == "image/jpeg":
        bare.save(out, "JPEG", quality=90)
    else:
        bare.save(out, "PNG")
    return out.getvalue()


# --- names ------------------------------------------------------------------------------------

_UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}  # controls, bidi and zero-width, surrogates


def _display_name(raw: str, extension: str | None = None) -> str:
    """Return a client's file name fit to display: base name only, no control or bidi marks."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in _UNSAFE_CATEGORIES)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name:
        name = f"{FALLBACK_NAME}.{extension}" if extension else FALLBACK_NAME
    if len(name) > Attachment.FILENAME_MAX:
        stem, dot, suffix = name.rpartition(".")
        if dot and 0 < len(suffix) <= 16:
            name = stem[: Attachment.FILENAME_MAX - len(suffix) - 1].rstrip(" .") + "." + suffix
        else:
            name = name[: Attachment.FILENAME_MAX]
    return name


# --- storing ----------------------------------------------------------------------------------


def stored_bytes(session: Session, complaint: Complaint) -> int:
    """Return the total size of the evidence stored for ``complaint``."""
    if complaint.id is None:
        return 0
    total = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Attachment.size), 0)).where(
            Attachment.complaint_id == complaint.id
        )
    )
    return int(total or 0)


def store_evidence(
    session: Session,
    *,
    complaint: Complaint,
    message: ComplaintMessage | None,
    uploads: Sequence[Upload],
    policy: EvidencePolicy,
    upload_dir: str | Path,
    checked: Sequence[InspectedFile] | None = None,
) -> list[Attachment]:
    """Check every file, then seal the originals, write cleaned images and add the rows.

    ``checked`` is what ``check_uploads`` returned for these very uploads under this policy,
    earlier in the same transaction (intake checks them with the other fields): they are not
    identified and decoded a second time.
    """
    if not uploads:
        return []
    if isinstance(session, scoped_session):  # Flask-SQLAlchemy's db.session: the real one
        session = session()
    if complaint.id is None:
        session.flush()
    if complaint.id is None:
        raise ValueError("add the complaint to the session before storing its evidence")
    if checked is not None and len(checked) == len(uploads):
        inspected = list(checked)
    else:
        inspected = check_uploads(
            uploads, policy, already_stored_bytes=stored_bytes(session, complaint)
        )
    base = Path(upload_dir)
    written: list[Path] = []
    attachments: list[Attachment] = []
    try:
        for upload, found in zip(uploads, inspected, strict=True):
            original = _write_sealed(session, base, "originals", upload.content, written)
            cleaned = None
            if found.kind == "image":
                copy = _cleaned_image(upload.content, found, policy)
                cleaned = _write_sealed(session, base, "cleaned", copy, written)
            attachments.append(
                Attachment(
                    complaint_id=complaint.id,
                    original_filename=_display_name(upload.filename, found.extension),
                    media_type=found.media_type,
                    size=len(upload.content),
                    sha256=hashlib.sha256(upload.content).hexdigest(),
                    original_path=original,
                    cleaned_path=cleaned,
                )
            )
    except BaseException:
        # No row was added yet: a caller that swallows this and commits leaves no stray files.
        _delete(written)
        _forget(session, written)
        raise
    for attachment in attachments:
        attachment.message = message
        session.add(attachment)
    session.flush()  # if this fails, the transaction cannot commit: its end deletes the files
    logger.info("stored %d evidence files for complaint %s", len(attachments), complaint.id)
    return attachments


def _write_sealed(session: Session, base: Path, area: str, data: bytes, written: list[Path]) -> str:
    """Write ``data`` read-only under a random name; return its path relative to ``base``."""
    token = secrets.token_hex(16)
    relative = f"{area}/{token[:2]}/{token}"
    target = base / relative
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Registered before it exists, so even a half-written file goes if the transaction does.
    _register(session, target)
    written.append(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(target, flags, 0o400)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), 0o400)  # whatever the umask
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return relative


def _boundary(session: Session) -> SessionTransaction:
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is None:
        raise RuntimeError("evidence can only be stored inside a transaction")
    return transaction


def _register(session: Session, path: Path) -> None:
    session.info.setdefault(_PENDING, {}).setdefault(_boundary(session), []).append(path)


def _forget(session: Session, paths: list[Path]) -> None:
    for files in session.info.get(_PENDING, {}).values():
        files[:] = [p for p in files if p not in paths]


def _delete(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            logger.exception("could not delete unsettled evidence file %s", path)


# Files are tied to the transaction (or savepoint) they were written in. A commit hands them to
# the enclosing transaction, or settles them at the outermost one; a transaction that ends any
# other way (rollback, or a close such as Flask-SQLAlchemy's teardown, which fires no
# "after_rollback") deletes them.


def _after_commit(session: Session) -> None:
    pending = session.info.get(_PENDING)
    if not pending:
        return
    transaction = session.get_nested_transaction() or session.get_transaction()
    files = pending.pop(transaction, None)
    if not files or transaction is None:
        return
    parent = transaction.parent
    while parent is not None and not parent.nested and parent.parent is not None:
        parent = parent.parent
    if parent is not None:
        pending.setdefault(parent, []).extend(files)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if not pending:
        return
    files = pending.pop(transaction, None)
    if files:
        logger.info("transaction not committed: deleting %d evidence files", len(files))
        _delete(files)
    if not pending:
        session.info.pop(_PENDING, None)


def _install_cleanup_hooks() -> None:
    """Hook the file cleanup into every session, once."""
    for name, hook in (
        ("after_commit", _after_commit),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)


_install_cleanup_hooks()


# --- reading and serving ----------------------------------------------------------------------


def _inside(upload_dir: str | Path, relative: str) -> Path:
    base = Path(upload_dir).resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base):
        raise ValueError("evidence path outside the upload directory")
    return path


def original_path(attachment: Attachment, upload_dir: str | Path) -> Path:
    """Return where the sealed original of ``attachment`` is."""
    return _inside(upload_dir, attachment.original_path)


def viewable_path(attachment: Attachment, upload_dir: str | Path) -> Path:
    """Return the file to show: the cleaned copy of an image, otherwise the original."""
    return _inside(upload_dir, attachment.cleaned_path or attachment.original_path)


def verify_seal(attachment: Attachment, upload_dir: str | Path) -> bool:
    """Return whether the original still has the SHA-256 recorded when it was received."""
    digest = hashlib.sha256()
    try:
        with original_path(attachment, upload_dir).open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except (OSError, ValueError):
        return False
    return hmac.compare_digest(digest.hexdigest(), attachment.sha256)


def download_headers(attachment: Attachment) -> dict[str, str]:
    """Return headers that make a browser download the file and never run or render it inline."""
    media_type = attachment.media_type
    if media_type in _SERVED_AS_IS:
        content_type = media_type
    elif media_type.startswith("text/"):
        content_type = "text/plain; charset=utf-8"
    else:
        content_type = "application/octet-stream"
    name = _download_name(attachment)
    # RFC 6266: an ASCII fallback for old clients, then the real name in UTF-8 (RFC 8187).
    disposition = (
        f"attachment; filename=\"{_ascii_name(name)}\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    return {
        "Content-Type": content_type,
        "Content-Disposition": disposition,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


def _download_name(attachment: Attachment) -> str:
    """Return the display name ending in the extension of the real content."""
    extension = ALLOWED.get(attachment.media_type, ("bin", ""))[0]
    name = _display_name(attachment.original_filename, extension)
    stem, dot, suffix = name.rpartition(".")
    if dot and stem and suffix.lower() in _ALIASES.get(extension, {extension}):
        return name
    if dot and stem and re.fullmatch(r"[A-Za-z0-9]{1,5}", suffix):
        name = stem  # "foto.jpg" that is a PDF downloads as "foto.pdf", "x.bat" as "x.txt"
    return f"{name[: Attachment.FILENAME_MAX - len(extension) - 1]}.{extension}"


def _ascii_name(name: str) -> str:
    stem, _dot, extension = name.rpartition(".")
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    ascii_stem = re.sub(r"[^A-Za-z0-9._() -]+", "_", ascii_stem)
    ascii_stem = re.sub(r" {2,}", " ", ascii_stem).strip(" ._")
    return f"{ascii_stem or FALLBACK_NAME}.{extension}"
