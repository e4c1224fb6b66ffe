"""Signed filing receipts: proof that a report was filed, checkable by anyone, naming no one.

Threat model (GlobaLeaks #3397: a proof of filing another body can check, without exposing the
reporter):
- Forgery: a receipt is an Ed25519 signature over a fixed, versioned text; without the portal's
  private key nobody can make one, and changing any signed field (code, time, digest, key id)
  breaks the signature. Anyone can check it with the published public key, offline.
- Exposure: the receipt carries the tracking code, the filing time and a SHA-256 digest of the
  submitted content, never an identity or the content itself; the code alone opens nothing.
- Replay of someone else's receipt: it proves only that *a* report with this code and this
  content digest was filed at that time, which is all it claims; it says nothing about who filed
  it, so holding it gains nothing more.
- A buried report: the signature stays valid even if the record is later altered or deleted, and
  the verification page then says the record is missing or no longer matches.
- Key compromise: every receipt names its key by ``key_id``, so the portal can rotate keys and
  tell receipts of the old key apart from those of the new one.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import logging
import os
import re
import tempfile
import textwrap
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from babel.dates import format_datetime
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from config import ConfigError
from models import Complaint

from .errors import DomainError
from .tracking import CODE_PATTERN

# cryptography is imported where a key is used, not here: filing only needs ``content_digest``,
# and the mail pipe (one process per message) would pay for loading it on every message.
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

logger = logging.getLogger(__name__)

FORMAT_HEADER = "ZI-PORTAL-RECEIPT/1"
SIGNED_FIELDS = ("code", "filed_at", "content_sha256", "key_id")
# The fields of the submission that the content digest covers, and nothing else: no name,
# email, phone, Telegram chat or any other identity field may ever be part of it.
DIGEST_FIELDS = frozenset(
    {
        "title",
        "body",
        "category",
        "unit",
        "incident_date",
        "incident_place",
        "reported_party",
        "privacy",
        "channel",
        "attachments",
    }
)
MAX_RECEIPT_TEXT_BYTES = 64 * 1024  # a receipt is under 2 KB; the form reuses this limit
SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")
KEY_ID_PATTERN = re.compile(r"[0-9a-f]{16}")
FILED_AT_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
FILED_AT_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
SIGNATURE_BYTES = 64
GENERATING_PROFILES = ("development", "testing")
DISPLAY_TIMEZONE = "Asia/Jakarta"  # the human-readable part of the receipt shows WIB


class InvalidReceipt(DomainError):
    """A receipt text that cannot be read: a missing line, a malformed value, bad base64."""


# --- Keys -------------------------------------------------------------------------------------


def new_private_key_pem() -> str:
    """Return a fresh Ed25519 private key as unencrypted PKCS#8 PEM text."""
    from cryptography.hazmat.primitives import serialization  # deferred: see the imports
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    """Return the Ed25519 public key in ``pem``; raise ValueError for any other key."""
    from cryptography.hazmat.primitives import serialization  # deferred: see the imports
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    key = serialization.load_pem_public_key(pem.encode("ascii") if isinstance(pem, str) else pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """Return the key id: the first 16 hex digits of the SHA-256 of the raw public key."""
    from cryptography.hazmat.primitives import serialization  # deferred: see the imports

    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def verify_signature(
    public_key: Ed25519PublicKey | str | bytes, data: bytes, signature: bytes
) -> bool:
    """Return whether ``signature`` is a valid Ed25519 signature of ``data`` by ``public_key``.

    This is the whole check another body needs: the portal's public key (object or PEM), the
    signed bytes (``Receipt.payload()``) and the signature.
    """
    from cryptography.exceptions import InvalidSignature  # deferred: see the imports
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    key = public_key if isinstance(public_key, Ed25519PublicKey) else load_public_key(public_key)
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


class ReceiptSigner:
    """The portal's receipt key: signs receipts and publishes the matching public key."""

    _cache: dict[tuple[str, str], ReceiptSigner] = {}
    _cache_lock = threading.Lock()

    def __init__(self, private_key: Ed25519PrivateKey):
        self._private_key = private_key
        self.public_key = private_key.public_key()
        self.key_id = key_id_of(self.public_key)

    @classmethod
    def from_pem(cls, pem: str | bytes) -> ReceiptSigner:
        """Return a signer for the Ed25519 private key in ``pem`` (unencrypted PKCS#8)."""
        from cryptography.hazmat.primitives import serialization  # deferred: see the imports
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        text = pem.decode("ascii") if isinstance(pem, bytes) else pem
        if "\\n" in text and "\n" not in text.strip():
            text = text.replace("\\n", "\n")  # a PEM squeezed onto one line of an env file
        try:
            key = serialization.load_pem_private_key(text.strip().encode("ascii"), password=None)
        except (ValueError, TypeError, UnicodeEncodeError) as exc:
            raise ConfigError(f"the receipt signing key is not a readable PEM key: {exc}") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise ConfigError("the receipt signing key must be an Ed25519 private key")
        return cls(key)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ReceiptSigner:
        """Return the signer configured by ``RECEIPT_SIGNING_KEY`` or ``RECEIPT_KEY_FILE``.

        The PEM text wins when set. A missing key file is generated (mode 0600) in the
        development and testing profiles and refused in any other. Each key source is loaded
        once per process; call ``clear_cache`` after rotating a key in a running process.
        """
        pem = config.get("RECEIPT_SIGNING_KEY")
        if pem:
            source = ("pem", hashlib.sha256(str(pem).encode()).hexdigest())
        else:
            path = config.get("RECEIPT_KEY_FILE")
            if not path:
                raise ConfigError(
                    "no receipt signing key: set ZI_RECEIPT_SIGNING_KEY (Ed25519 PEM) or"
                    " ZI_RECEIPT_KEY_FILE"
                )
            source = ("file", str(Path(path).expanduser().resolve()))
        with cls._cache_lock:
            signer = cls._cache.get(source)
            if signer is None:
                if source[0] == "pem":
                    signer = cls.from_pem(str(pem))
                else:
                    signer = cls._from_file(Path(source[1]), config.get("ZI_PROFILE"))
                cls._cache[source] = signer
        return signer

    @classmethod
    def _from_file(cls, path: Path, profile: str | None) -> ReceiptSigner:
        if not path.exists():
            if profile not in GENERATING_PROFILES:
                raise ConfigError(
                    f"the receipt signing key file {path} does not exist; create it with an"
                    " Ed25519 private key (openssl genpkey -algorithm ed25519 -out <file>) or set"
                    " ZI_RECEIPT_SIGNING_KEY: receipts signed with a throwaway key prove nothing"
                )
            _write_new_key(path)
        if path.stat().st_mode & 0o077:
            logger.warning("receipt signing key %s is readable by other users; chmod 600", path)
        try:
            return cls.from_pem(path.read_text(encoding="ascii"))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read the receipt signing key file {path}: {exc}") from exc

    @classmethod
    def clear_cache(cls) -> None:
        """Forget every loaded key, so the next ``from_config`` reads its source again."""
        with cls._cache_lock:
            cls._cache.clear()

    def sign(self, data: bytes) -> bytes:
        """Return the Ed25519 signature of ``data``."""
        return self._private_key.sign(data)

    def verify(self, data: bytes, signature: bytes) -> bool:
        """Return whether ``signature`` is this key's signature of ``data``."""
        return verify_signature(self.public_key, data, signature)

    def public_pem(self) -> str:
        """Return the public key as PEM (SubjectPublicKeyInfo), for anyone to verify with."""
        from cryptography.hazmat.primitives import serialization  # deferred: see the imports

        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")


def _write_new_key(path: Path) -> None:
    """Write a new private key to ``path`` (mode 0600) unless another process just did."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Write a private temporary file, then link it into place: the key file appears complete
    # or not at all, and a concurrent worker that won the race keeps its key.
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".receipt-key-")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(new_private_key_pem())
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o600)
        try:
            os.link(tmp_name, path)
        except FileExistsError:
            return
    finally:
        os.unlink(tmp_name)
    logger.warning("generated a new receipt signing key at %s (development only)", path)


# --- Content digest -------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot put a {type(value).__name__} into a content digest")


def content_digest(fields: Mapping[str, Any]) -> str:
    """Return the SHA-256 (hex) of what the reporter submitted, for the receipt.

    ``fields`` must have exactly the keys in ``DIGEST_FIELDS``: title, body, category, unit,
    incident_date, incident_place, reported_party, privacy, channel and attachments (the
    SHA-256 hex digests of the evidence files, in any order). No identity field is accepted.
    The digest is taken over canonical JSON: keys sorted, UTF-8, no whitespace, enums as their
    values, dates in ISO 8601, attachment digests sorted.
    """
    keys = set(fields)
    if keys != DIGEST_FIELDS:
        unknown = ", ".join(sorted(keys - DIGEST_FIELDS))
        missing = ", ".join(sorted(DIGEST_FIELDS - keys))
        raise ValueError(
            f"content digest fields wrong; unexpected: [{unknown}] missing: [{missing}]"
        )
    canonical = dict(fields)
    attachments = [str(h).lower() for h in fields["attachments"] or ()]
    if not all(SHA256_PATTERN.fullmatch(h) for h in attachments):
        raise ValueError("attachments must be SHA-256 hex digests")
    canonical["attachments"] = sorted(attachments)
    encoded = json.dumps(
        canonical,
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=_json_value,
    ).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


# --- The receipt ----------------------------------------------------------------------------

# The receipt is a document, so its wording lives here, versioned with the format, and does not
# depend on a request's language or on the state of the translation catalogue.
# Paragraphs are wrapped for printing; lines starting with spaces (commands) are kept whole.
_EXPLANATION = {
    "id": [
        "TANDA TERIMA PENGADUAN - ZI Portal",
        "Nomor pelacakan: {code}\nWaktu pengajuan: {time}",
        "Tanda terima ini membuktikan bahwa ZI Portal menerima sebuah pengaduan dengan nomor"
        " pelacakan itu pada waktu itu, dan mencatat sidik digital (SHA-256) isinya. Tanda terima"
        " ini tidak memuat identitas Anda maupun isi pengaduan, dan tidak membuktikan siapa"
        " pelapornya. Simpan baik-baik: bila pengaduan Anda tidak ditindaklanjuti, Anda dapat"
        " menunjukkannya kepada instansi lain (misalnya APIP, Ombudsman atau KPK).",
        "Cara memeriksa: buka {verify_url} lalu tempelkan seluruh teks ini atau unggah berkasnya."
        " Siapa pun juga dapat memeriksa tanda tangan Ed25519 dengan kunci publik portal"
        " ({key_url}) memakai alat apa pun: data yang ditandatangani adalah lima baris pertama"
        " blok di bawah (sampai baris key_id), masing-masing diakhiri satu baris baru (LF);"
        " baris signature berisi tanda tangannya dalam base64. Contoh dengan OpenSSL 3, setelah"
        " lima baris itu disimpan sebagai data.txt dan nilai signature sebagai sig.b64:",
        "    base64 -d sig.b64 > sig.bin\n"
        "    openssl pkeyutl -verify -pubin -inkey {key_file} -rawin -in data.txt"
        " -sigfile sig.bin",
        "Jangan mengubah baris di bawah ini: satu huruf yang berubah membuat tanda terima tidak"
        " sah.",
    ],
    "en": [
        "COMPLAINT RECEIPT - ZI Portal",
        "Tracking code: {code}\nFiled at: {time}",
        "This receipt proves that ZI Portal received a complaint with that tracking code at that"
        " time, and recorded a digital fingerprint (SHA-256) of its content. It contains neither"
        " your identity nor the content of the complaint, and does not prove who filed it. Keep"
        " it safe: if your complaint is not followed up, you can show it to another body (for"
        " example APIP, the Ombudsman or the KPK).",
        "How to check it: open {verify_url} and paste this whole text or upload the file. Anyone"
        " can also check the Ed25519 signature with the portal's public key ({key_url}) using"
        " any tool: the signed data is the first five lines of the block below (through the"
        " key_id line), each ending in one line feed (LF); the signature line holds the"
        " signature in base64. For example with OpenSSL 3, once those five lines are saved as"
        " data.txt and the signature value as sig.b64:",
        "    base64 -d sig.b64 > sig.bin\n"
        "    openssl pkeyutl -verify -pubin -inkey {key_file} -rawin -in data.txt"
        " -sigfile sig.bin",
        "Do not change the lines below: a single changed character makes the receipt invalid.",
    ],
}
PUBLIC_KEY_FILENAME = "zi-portal-receipt-key.pem"
TEXT_WIDTH = 78


@functools.lru_cache(maxsize=32)
def _wrap_fixed(paragraph: str) -> str:
    """Wrap a paragraph that is the same on every receipt (wrapping costs more than signing)."""
    return _wrap(paragraph)


def _wrap(paragraph: str) -> str:
    return "\n".join(
        line
        if line.startswith(" ")
        else textwrap.fill(line, TEXT_WIDTH, break_long_words=False, break_on_hyphens=False)
        for line in paragraph.split("\n")
    )


@dataclass(frozen=True)
class Receipt:
    """A signed proof of filing; ``payload()`` is exactly what the signature covers.

    ``filed_at`` is kept in UTC to the second, as signed.
    """

    code: str
    filed_at: datetime
    content_sha256: str
    key_id: str
    signature: str  # base64 of the 64-byte Ed25519 signature

    def __post_init__(self) -> None:
        if self.filed_at.tzinfo is None:
            raise ValueError("filed_at must be timezone-aware")
        object.__setattr__(self, "filed_at", self.filed_at.astimezone(UTC).replace(microsecond=0))
        if not CODE_PATTERN.fullmatch(self.code):
            raise InvalidReceipt(
                _("Nomor pelacakan %(code)s tidak berformat ZI-XXXX-XXXX.", code=self.code[:40])
            )
        if not SHA256_PATTERN.fullmatch(self.content_sha256):
            raise InvalidReceipt(_("Sidik isi (content_sha256) harus 64 digit heksadesimal."))
        if not KEY_ID_PATTERN.fullmatch(self.key_id):
            raise InvalidReceipt(_("Identitas kunci (key_id) harus 16 digit heksadesimal."))
        if not _decode_signature(self.signature):
            raise InvalidReceipt(
                _("Tanda tangan (signature) bukan base64 yang sah untuk tanda tangan Ed25519.")
            )

    def payload(self) -> bytes:
        """Return the exact bytes that are signed: a versioned header and one line per field."""
        return (
            f"{FORMAT_HEADER}\n"
            f"code:{self.code}\n"
            f"filed_at:{self.filed_at.strftime(FILED_AT_FORMAT)}\n"
            f"content_sha256:{self.content_sha256}\n"
            f"key_id:{self.key_id}\n"
        ).encode("ascii")

    def signature_bytes(self) -> bytes:
        """Return the raw signature."""
        return _decode_signature(self.signature) or b""

    def to_text(
        self,
        language: str = "id",
        *,
        verify_url: str = "/verifikasi",
        key_url: str = "/verifikasi/kunci-publik.pem",
    ) -> str:
        """Return the receipt as a text a person can print or save, and the page can read back.

        An explanation (Indonesian, or English for ``language="en"``) comes first, then the
        machine-readable lines, ending with ``signature:``.
        """
        lang = language if language in _EXPLANATION else "id"
        time = format_datetime(self.filed_at, "long", tzinfo=DISPLAY_TIMEZONE, locale=lang)
        values = {
            "code": self.code,
            "time": time,
            "verify_url": verify_url,
            "key_url": key_url,
            "key_file": PUBLIC_KEY_FILENAME,
        }
        prose = "\n\n".join(
            (_wrap if "{code}" in p or "{time}" in p else _wrap_fixed)(p.format(**values))
            for p in _EXPLANATION[lang]
        )
        machine = self.payload().decode("ascii") + f"signature:{self.signature}\n"
        return f"{prose}\n\n{machine}"

    @classmethod
    def parse(cls, text: str) -> Receipt:
        """Read a receipt out of ``text``: the whole saved or pasted text, prose and all.

        The machine-readable lines may sit anywhere, with CRLF line ends and surrounding
        whitespace; anything malformed raises ``InvalidReceipt`` saying what is wrong.
        """
        if len(text.encode("utf-8", "replace")) > MAX_RECEIPT_TEXT_BYTES:
            raise InvalidReceipt(_("Teks terlalu panjang untuk sebuah tanda terima."))
        lines = [line.strip() for line in text.splitlines()]
        headers = [i for i, line in enumerate(lines) if line == FORMAT_HEADER]
        if not headers:
            if any(line.startswith("ZI-PORTAL-RECEIPT/") for line in lines):
                raise InvalidReceipt(_("Versi tanda terima ini tidak dikenal oleh portal ini."))
            raise InvalidReceipt(
                _(
                    "Baris %(header)s tidak ditemukan: ini bukan tanda terima ZI Portal.",
                    header=FORMAT_HEADER,
                )
            )
        if len(headers) > 1:
            raise InvalidReceipt(
                _("Teks ini memuat lebih dari satu tanda terima; periksa satu per satu.")
            )
        values: dict[str, str] = {}
        for line in lines[headers[0] + 1 :]:
            name, sep, value = line.partition(":")
            name = name.strip()
            if not sep or name not in (*SIGNED_FIELDS, "signature"):
                continue  # prose after the block
            if name in values:
                raise InvalidReceipt(_("Baris %(name)s muncul lebih dari sekali.", name=name))
            values[name] = value.strip()
        missing = [n for n in (*SIGNED_FIELDS, "signature") if not values.get(n)]
        if missing:
            raise InvalidReceipt(
                _("Baris berikut hilang atau kosong: %(names)s.", names=", ".join(missing))
            )
        return cls(
            code=values["code"],
            filed_at=_parse_filed_at(values["filed_at"]),
            content_sha256=values["content_sha256"],
            key_id=values["key_id"],
            signature=values["signature"],
        )


def _decode_signature(value: str) -> bytes | None:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == SIGNATURE_BYTES else None


def _parse_filed_at(value: str) -> datetime:
    bad = InvalidReceipt(
        _(
            "Waktu pengajuan (filed_at) %(value)s bukan waktu UTC yang sah (YYYY-MM-DDTHH:MM:SSZ).",
            value=value[:40],
        )
    )
    if not FILED_AT_PATTERN.fullmatch(value):
        raise bad
    try:
        return datetime.strptime(value, FILED_AT_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise bad from None


def issue_receipt(
    signer: ReceiptSigner, *, code: str, filed_at: datetime, content_sha256: str
) -> Receipt:
    """Return a receipt for the complaint ``code`` filed at ``filed_at``, signed by ``signer``."""
    # The payload does not include the signature: sign a placeholder's payload, then fill it in.
    unsigned = Receipt(
        code=code,
        filed_at=filed_at,
        content_sha256=content_sha256,
        key_id=signer.key_id,
        signature=base64.b64encode(bytes(SIGNATURE_BYTES)).decode("ascii"),
    )
    signature = base64.b64encode(signer.sign(unsigned.payload())).decode("ascii")
    return replace(unsigned, signature=signature)


@dataclass(frozen=True)
class ReceiptCheck:
    """What a receipt proves here.

    ``record_found`` and ``record_matches`` are None when the signature is invalid (nothing
    was looked up); ``record_matches`` is also None when there is no record, or the record
    holds no content digest to compare.
    """

    signature_valid: bool
    key_known: bool
    record_found: bool | None = None
    record_matches: bool | None = None

    @property
    def valid(self) -> bool:
        """Return whether this portal's key signed the receipt as it stands."""
        return self.signature_valid and self.key_known


def check_receipt(session: Session, receipt: Receipt, signer: ReceiptSigner) -> ReceiptCheck:
    """Return whether ``receipt`` was signed by this portal and matches the complaint on record."""
    key_known = hmac.compare_digest(receipt.key_id, signer.key_id)
    signature_valid = key_known and signer.verify(receipt.payload(), receipt.signature_bytes())
    if not signature_valid:
        return ReceiptCheck(signature_valid=False, key_known=key_known)
    complaint = session.scalars(
        sa.select(Complaint).where(Complaint.code == receipt.code).limit(1)
    ).first()
    if complaint is None:
        return ReceiptCheck(signature_valid=True, key_known=True, record_found=False)
    stored = getattr(complaint, "content_sha256", None)
    matches = None if stored is None else hmac.compare_digest(stored, receipt.content_sha256)
    return ReceiptCheck(
        signature_valid=True, key_known=True, record_found=True, record_matches=matches
    )
