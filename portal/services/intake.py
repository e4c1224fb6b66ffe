"""Complaint intake: the one door through which every channel files and adds to complaints.

Threat model: everything in a submission is untrusted and may be hostile (markup, controls,
oversize text, files lying about their type, replays). This module validates all of it at
once, returning every problem per field so the channel can show them beside the input and keep
what the reporter typed; it stores only cleaned plain text; it never returns or logs the access
key except to the caller that must show it once. It adds and flushes; the caller commits, so the
complaint, its evidence, its events and its acknowledgement exist together or not at all.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from models import Category, Complaint, ComplaintEvent, ComplaintMessage, RawSource, Unit
from models.enums import Channel, ComplaintStatus, MessageKind, Privacy

from . import outbox
from .calendar import DEFAULT_HOLIDAYS_FILE, HolidayData, WorkCalendar, load_holidays
from .errors import DomainError
from .evidence import EvidencePolicy, EvidenceRejected, Upload, check_uploads, store_evidence
from .evidence import stored_bytes as evidence_bytes
from .evidence_types import InspectedFile
from .receipts import content_digest
from .sanitize import clean_optional
from .tracking import hash_key, new_access_key, new_code
from .workdays import add_working_days

logger = logging.getLogger(__name__)

TITLE_MIN, BODY_MIN, MESSAGE_MIN = 5, 20, 1
# A mail cannot be sent back to fix a field: it is taken as it came, the triage team categorises it.
UNFORMED_CHANNELS = (Channel.EMAIL,)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-]{6,30}$")
OLDEST_INCIDENT = date(1990, 1, 1)
CLOSED = (ComplaintStatus.SELESAI, ComplaintStatus.DITOLAK)
FINAL = (ComplaintStatus.DIGABUNG, ComplaintStatus.DITERUSKAN)


class ValidationFailed(DomainError):
    """Input that cannot be filed; ``errors`` maps each field to its messages."""

    def __init__(self, errors: Mapping[str, Sequence[str]]):
        self.errors = {k: [str(m) for m in v] for k, v in errors.items() if v}
        super().__init__([m for messages in self.errors.values() for m in messages])


class DuplicateSubmission(DomainError):
    """The same form (one-time token) was submitted before; ``complaint`` is the one filed."""

    def __init__(self, complaint: Complaint):
        self.complaint = complaint
        super().__init__(
            _("Laporan ini sudah terkirim dengan nomor %(code)s.", code=complaint.code)
        )


class ComplaintClosed(DomainError):
    """A reply to a complaint closed too long ago to reopen."""


@dataclass(frozen=True)
class Contact:
    """How to reach the reporter; every part optional (anonymous is first-class)."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    telegram_chat_id: int | None = None


@dataclass(frozen=True)
class ComplaintSubmission:
    """A complaint as any channel hands it over, before validation."""

    channel: Channel
    category: str | None
    title: str | None
    description: str | None
    privacy: str | None = None  # None: the category's default
    unit: str | None = None  # slug; None: the reporter does not know the unit
    unit_hint: str | None = None
    incident_date: date | str | None = None
    incident_place: str | None = None
    reported_party: str | None = None
    contact: Contact = field(default_factory=Contact)
    language: str = "id"
    evidence: tuple[Upload, ...] = ()
    submission_token: str | None = None
    message_id: str | None = None  # the email's Message-ID, for threading
    raw: bytes | None = None  # the original bytes (an RFC 822 message), kept as evidence


@dataclass(frozen=True)
class IntakeSettings:
    """What intake needs from the configuration."""

    evidence: EvidencePolicy
    upload_dir: str
    mail_from: str
    timezone: str = "Asia/Jakarta"
    verification_days: int = 3
    first_answer_days: int = 5
    reopen_window_days: int = 30
    holidays: frozenset[date] = frozenset()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> IntakeSettings:
        """Read the settings from the app's configuration.

        The last result is reused while the settings it was read from and the holiday file
        stay the same: reading the calendar on every request cost more than filing's checks.
        """
        global _last_settings
        try:
            key = tuple(config.get(name) for name in _SETTINGS_READ)
            hash(key)
        except TypeError:  # a list where a string is usual: read it every time
            return cls._read(config)
        holiday_data = load_holidays(config.get("HOLIDAYS_FILE") or DEFAULT_HOLIDAYS_FILE)
        last = _last_settings
        if last is not None and last[0] == key and last[1] is holiday_data:
            return last[2]
        settings = cls._read(config)
        _last_settings = (key, holiday_data, settings)
        return settings

    @classmethod
    def _read(cls, config: Mapping[str, Any]) -> IntakeSettings:
        return cls(
            evidence=EvidencePolicy.from_config(config),
            upload_dir=config["UPLOAD_DIR"],
            mail_from=config["MAIL_FROM"],
            timezone=config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Jakarta"),
            verification_days=config.get("VERIFICATION_WORKING_DAYS", 3),
            first_answer_days=config.get("FIRST_ANSWER_WORKING_DAYS", 5),
            reopen_window_days=config.get("REOPEN_WINDOW_DAYS", 30),
            holidays=WorkCalendar.from_config(config).holidays,
        )


_SETTINGS_READ = (  # every setting that IntakeSettings._read and WorkCalendar.from_config read
    "EVIDENCE_MAX_FILE_BYTES",
    "EVIDENCE_MAX_TOTAL_BYTES",
    "EVIDENCE_MAX_FILES",
    "EVIDENCE_MAX_IMAGE_PIXELS",
    "UPLOAD_DIR",
    "MAIL_FROM",
    "BABEL_DEFAULT_TIMEZONE",
    "VERIFICATION_WORKING_DAYS",
    "FIRST_ANSWER_WORKING_DAYS",
    "REOPEN_WINDOW_DAYS",
    "HOLIDAYS_FILE",
    "HOLIDAYS_EXTRA",
    "HOLIDAYS_REMOVED",
    "WEEKEND_DAYS",
)
_last_settings: tuple[tuple, HolidayData, IntakeSettings] | None = None


@dataclass(frozen=True)
class Filed:
    """A new complaint and its access key (the only time the key exists in clear)."""

    complaint: Complaint
    access_key: str


# --- validation ------------------------------------------------------------------------------


class _Errors(dict):
    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)


def _clean(value: Any, *, multiline: bool = False) -> str | None:
    """Return the cleaned text or None; a blank value (most optional fields) skips the parser."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None  # what cleaning whitespace gives, without parsing it as HTML
    return clean_optional(value, multiline=multiline)


def _text(
    errors: _Errors,
    name: str,
    value: Any,
    *,
    minimum: int = 0,
    maximum: int,
    multiline: bool = False,
    label: str,
) -> str | None:
    text = _clean(value, multiline=multiline)
    length = len(text or "")
    if minimum and length < minimum:
        if length == 0:
            errors.add(name, _("%(label)s wajib diisi.", label=label))
        else:
            errors.add(
                name,
                _("%(label)s terlalu pendek (minimal %(n)d karakter).", label=label, n=minimum),
            )
    elif length > maximum:
        errors.add(
            name,
            _(
                "%(label)s terlalu panjang (maksimal %(n)d karakter, sekarang %(now)d).",
                label=label,
                n=maximum,
                now=length,
            ),
        )
    return text or None


def _incident_date(errors: _Errors, value: date | str | None, today: date) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip())
        except ValueError:
            errors.add("incident_date", _("Tanggal kejadian harus berformat TTTT-BB-HH."))
            return None
    if value > today:
        errors.add("incident_date", _("Tanggal kejadian tidak boleh di masa depan."))
    elif value < OLDEST_INCIDENT:
        errors.add("incident_date", _("Tanggal kejadian terlalu lama (sebelum 1990)."))
    return value


def _contact(errors: _Errors, contact: Contact, privacy: Privacy | None) -> Contact:
    name = _text(errors, "contact.name", contact.name, maximum=Complaint.NAME_MAX, label=_("Nama"))
    email = _clean(contact.email)
    if email and (len(email) > Complaint.EMAIL_MAX or not EMAIL_RE.match(email)):
        errors.add("contact.email", _("Alamat email tidak valid."))
    phone = _clean(contact.phone)
    if phone and (len(phone) > Complaint.PHONE_MAX or not PHONE_RE.match(phone)):
        errors.add("contact.phone", _("Nomor telepon tidak valid (contoh: 0812 3456 7890)."))
    if privacy == Privacy.ANONIM and name:
        errors.add(
            "contact.name",
            _("Laporan anonim tidak menyimpan nama. Kosongkan nama, atau pilih 'rahasia'."),
        )
    return Contact(
        name=name,
        email=email.lower() if email else None,
        phone=phone,
        telegram_chat_id=contact.telegram_chat_id,
    )


SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,119}$")


def _slug(value: object) -> str | None:
    # Only well-formed slugs reach the database (a NUL byte would be a driver error).
    candidate = str(value or "").strip().lower()
    return candidate if SLUG_RE.match(candidate) else None


@dataclass(frozen=True)
class _Known:
    """What the database knows before filing: the earlier filing of this form, whether the new
    code is taken, the category and the unit."""

    earlier: Complaint | None
    code_taken: bool
    category: Category | None
    unit: Unit | None


@functools.cache
def _known_query(token: bool, category: bool, unit: bool) -> sa.Select:
    """Build the query of ``_read_known`` once per shape: building costs more than running."""
    seen = Complaint.code == sa.bindparam("code")
    if token:
        seen = sa.or_(Complaint.submission_token == sa.bindparam("token"), seen)
    one_row = sa.select(sa.literal(1).label("one")).subquery()
    wanted: list[Any] = [Complaint]
    if category:
        wanted.append(Category)
    if unit:
        wanted.append(Unit)
    query = sa.select(*wanted).select_from(one_row).outerjoin(Complaint, seen)
    if category:
        query = query.outerjoin(Category, Category.slug == sa.bindparam("category"))
    if unit:
        query = query.outerjoin(Unit, Unit.slug == sa.bindparam("unit"))
    return query


def _read_known(
    session: Session, token_hash: str | None, code: str, category_slug: object, unit_slug: object
) -> _Known:
    """Read everything filing must check first in one query (each is a unique-index lookup).

    One query instead of four: on a busy database server every round trip costs more than
    the lookup itself.
    """
    category, unit = _slug(category_slug), _slug(unit_slug)
    params = {"code": code, "token": token_hash, "category": category, "unit": unit}
    query = _known_query(token_hash is not None, category is not None, unit is not None)
    rows = session.execute(query, {k: v for k, v in params.items() if v is not None}).all()
    earlier, code_taken = None, False
    for row in rows:  # one row, or two when an earlier filing and the code both turned up
        if row.Complaint is None:
            continue
        if token_hash is not None and row.Complaint.submission_token == token_hash:
            earlier = row.Complaint
        else:
            code_taken = True
    return _Known(
        earlier, code_taken, getattr(rows[0], "Category", None), getattr(rows[0], "Unit", None)
    )


def _local_today(settings: IntakeSettings, now: datetime) -> date:
    return now.astimezone(ZoneInfo(settings.timezone)).date()


# --- filing ----------------------------------------------------------------------------------


def submit_complaint(
    session: Session,
    submission: ComplaintSubmission,
    settings: IntakeSettings,
    *,
    now: datetime | None = None,
    acknowledge: bool = True,
) -> Filed:
    """Validate, clean and file a complaint with its evidence; queue the acknowledgement."""
    now = now or datetime.now(UTC)
    today = _local_today(settings, now)
    errors = _Errors()
    token_hash = None
    if submission.submission_token:
        token_hash = hashlib.sha256(submission.submission_token.encode()).hexdigest()
    code = new_code()
    known = _read_known(session, token_hash, code, submission.category, submission.unit)
    if known.earlier is not None:
        raise DuplicateSubmission(known.earlier)

    unformed = submission.channel in UNFORMED_CHANNELS
    category, unit = known.category, known.unit
    if category is not None and not category.active:
        category = None
    if category is None and (submission.category or not unformed):
        errors.add("category", _("Pilih kategori pengaduan dari daftar."))
    if submission.unit and unit is None:
        errors.add("unit", _("Unit tidak ditemukan. Pilih dari daftar, atau pilih 'tidak tahu'."))
    privacy = None
    if submission.privacy:
        try:
            privacy = Privacy(str(submission.privacy).strip().lower())
        except ValueError:
            errors.add("privacy", _("Pilih anonim, rahasia, atau terbuka."))
    elif category is not None:
        privacy = category.default_privacy
    else:
        privacy = Privacy.RAHASIA  # no category yet: the safest choice
    title = _text(
        errors,
        "title",
        submission.title,
        minimum=1 if unformed else TITLE_MIN,
        maximum=Complaint.TITLE_MAX,
        label=_("Judul"),
    )
    body = _text(
        errors,
        "description",
        submission.description,
        minimum=0 if unformed else BODY_MIN,
        maximum=Complaint.BODY_MAX,
        multiline=True,
        label=_("Uraian"),
    )
    body = body or ""  # a mail may carry only attachments
    unit_hint = _text(
        errors,
        "unit_hint",
        submission.unit_hint,
        maximum=Complaint.NAME_MAX + 80,
        label=_("Nama unit"),
    )
    place = _text(
        errors,
        "incident_place",
        submission.incident_place,
        maximum=Complaint.PLACE_MAX,
        label=_("Tempat kejadian"),
    )
    party = _text(
        errors,
        "reported_party",
        submission.reported_party,
        maximum=Complaint.PARTY_MAX,
        label=_("Pihak yang dilaporkan"),
    )
    incident_date = _incident_date(errors, submission.incident_date, today)
    contact = _contact(errors, submission.contact, privacy)
    checked = None
    try:
        checked = check_uploads(submission.evidence, settings.evidence)
    except EvidenceRejected as exc:
        for reason in exc.reasons:
            errors.add("evidence", reason)
    if errors:
        raise ValidationFailed(errors)

    complaint = Complaint(
        code=_unused_code(session) if known.code_taken else code,
        access_key_hash="",
        channel=submission.channel,
        unit=unit,
        unit_hint=None if unit is not None else unit_hint,
        category=category,
        title=title,
        body=body,
        incident_date=incident_date,
        incident_place=place,
        reported_party=party,
        reporter_name=contact.name,
        reporter_email=contact.email,
        reporter_phone=contact.phone,
        reporter_telegram_chat_id=contact.telegram_chat_id,
        language=submission.language if submission.language in ("id", "en") else "id",
        privacy=privacy,
        status=ComplaintStatus.DITERIMA,
        submission_token=token_hash,
        created_at=now,
        updated_at=now,
    )
    access_key = new_access_key()
    complaint.access_key_hash = hash_key(access_key)
    _set_deadlines(complaint, settings, today)
    session.add(complaint)
    message = _inbound_message(
        session,
        complaint,
        body,
        submission.channel,
        now,
        submission.message_id,
        submission.raw,
        flush=False,  # one flush at the end writes it all; evidence flushes what it needs
    )
    attachments = store_evidence(
        session,
        complaint=complaint,
        message=message,
        uploads=submission.evidence,
        policy=settings.evidence,
        upload_dir=settings.upload_dir,
        checked=checked,
    )
    complaint.content_sha256 = content_digest(
        {
            "title": title,
            "body": body,
            "category": category.slug if category else None,
            "unit": unit.slug if unit else None,
            "incident_date": incident_date.isoformat() if incident_date else None,
            "incident_place": place,
            "reported_party": party,
            "privacy": privacy.value,
            "channel": submission.channel.value,
            "attachments": sorted(a.sha256 for a in attachments),
        }
    )
    _event(
        session,
        complaint,
        "dibuat",
        None,
        ComplaintStatus.DITERIMA.value,
        now,
        channel=submission.channel.value,
        attachments=len(attachments),
    )
    if acknowledge:
        _acknowledge(session, complaint, settings)
    session.flush()
    logger.info("complaint filed code=%s channel=%s", complaint.code, submission.channel.value)
    return Filed(complaint=complaint, access_key=access_key)


def _unused_code(session: Session) -> str:
    while True:  # 6.6·10^11 codes: a collision is rare, and the unique index is the last word
        code = new_code()
        if session.scalar(sa.select(Complaint.id).where(Complaint.code == code)) is None:
            return code


def _set_deadlines(complaint: Complaint, settings: IntakeSettings, today: date) -> None:
    complaint.verification_due = add_working_days(
        today, settings.verification_days, settings.holidays
    )
    complaint.answer_due = add_working_days(
        complaint.verification_due, settings.first_answer_days, settings.holidays
    )


def _inbound_message(
    session: Session,
    complaint: Complaint,
    body: str,
    channel: Channel,
    now: datetime,
    message_id: str | None,
    raw: bytes | None,
    *,
    flush: bool = True,
) -> ComplaintMessage:
    raw_source = None
    if raw is not None:
        raw_source = RawSource(
            channel=channel, content=raw, sha256=hashlib.sha256(raw).hexdigest(), received_at=now
        )
        session.add(raw_source)
    message = ComplaintMessage(
        complaint=complaint,
        kind=MessageKind.MASUK,
        channel=channel,
        body=body,
        message_id=message_id,
        created_at=now,
    )
    if raw_source is not None:
        message.raw_source = raw_source
    session.add(message)
    if flush:
        session.flush()
    return message


def _event(
    session: Session,
    complaint: Complaint,
    action: str,
    old: str | None,
    new: str | None,
    now: datetime,
    **details: Any,
) -> ComplaintEvent:
    event = ComplaintEvent(
        complaint=complaint,
        action=action,
        from_value=old,
        to_value=new,
        details=details or None,
        created_at=now,
    )
    session.add(event)
    return event


def _acknowledge(session: Session, complaint: Complaint, settings: IntakeSettings) -> None:
    """Queue the acknowledgement on the channel the reporter can be reached on."""
    if complaint.reporter_email is None and complaint.reporter_telegram_chat_id is None:
        return  # web/API without contact: the receipt page is the acknowledgement
    if complaint.id is None:
        session.flush()  # the outbox row names the complaint by its id
    with force_locale(complaint.language):
        context = {"complaint": complaint}
        subject = _("[%(code)s] Pengaduan Anda telah diterima", code=complaint.code)
        body = render_template("messages/acknowledgement.txt", **context)
    if complaint.reporter_email:
        first = complaint.messages[0] if complaint.messages else None
        outbox.queue_email(
            session,
            to=complaint.reporter_email,
            subject=subject,
            body=body,
            mail_from=settings.mail_from,
            complaint=complaint,
            automatic=True,
            in_reply_to=first.message_id if first is not None else None,
        )
    if complaint.reporter_telegram_chat_id is not None:
        outbox.queue_telegram(
            session, chat_id=complaint.reporter_telegram_chat_id, body=body, complaint=complaint
        )


# --- follow-up -------------------------------------------------------------------------------


def add_message(
    session: Session,
    complaint: Complaint,
    *,
    body: str | None,
    channel: Channel,
    settings: IntakeSettings,
    evidence: Sequence[Upload] = (),
    message_id: str | None = None,
    raw: bytes | None = None,
    now: datetime | None = None,
) -> ComplaintMessage:
    """Add the reporter's follow-up (text and evidence); a recent closed complaint reopens."""
    now = now or datetime.now(UTC)
    errors = _Errors()
    text = _text(errors, "body", body, maximum=Complaint.BODY_MAX, multiline=True, label=_("Pesan"))
    if not text and not evidence:
        errors.add("body", _("Tulis pesan atau lampirkan berkas."))
    checked = None
    try:
        checked = check_uploads(
            evidence, settings.evidence, already_stored_bytes=evidence_bytes(session, complaint)
        )
    except EvidenceRejected as exc:
        for reason in exc.reasons:
            errors.add("evidence", reason)
    if errors:
        raise ValidationFailed(errors)
    if complaint.status in FINAL:
        raise ComplaintClosed(
            _(
                "Pengaduan ini sudah %(status)s dan tidak menerima pesan lagi. Kirim pengaduan baru"
                " dan sebutkan nomor %(code)s.",
                status=complaint.status.value,
                code=complaint.code,
            )
        )
    if complaint.status in CLOSED:
        closed_at = complaint.closed_at or complaint.updated_at
        if now - closed_at > timedelta(days=settings.reopen_window_days):
            raise ComplaintClosed(
                _(
                    "Pengaduan ini ditutup lebih dari %(days)d hari yang lalu. Kirim pengaduan baru"
                    " dan sebutkan nomor %(code)s.",
                    days=settings.reopen_window_days,
                    code=complaint.code,
                )
            )
        _event(
            session,
            complaint,
            "dibuka_kembali",
            complaint.status.value,
            ComplaintStatus.TINDAK_LANJUT.value,
            now,
        )
        complaint.status = ComplaintStatus.TINDAK_LANJUT
        complaint.reopened_at = now
        complaint.closed_at = None
    message = _inbound_message(session, complaint, text or "", channel, now, message_id, raw)
    attachments = attach_evidence(session, complaint, message, evidence, settings, checked)
    _event(
        session,
        complaint,
        "pesan_masuk",
        None,
        None,
        now,
        channel=channel.value,
        attachments=len(attachments),
    )
    complaint.updated_at = now
    session.flush()
    return message


def attach_evidence(
    session: Session,
    complaint: Complaint,
    message: ComplaintMessage | None,
    uploads: Sequence[Upload],
    settings: IntakeSettings,
    checked: Sequence[InspectedFile] | None = None,
):
    """Store evidence files on a complaint (and the message they came with).

    ``checked``: what ``check_uploads`` made of these uploads in this transaction, if it ran.
    """
    if not uploads:
        return []
    return store_evidence(
        session,
        complaint=complaint,
        message=message,
        uploads=uploads,
        policy=settings.evidence,
        upload_dir=settings.upload_dir,
        checked=checked,
    )


# --- reading ---------------------------------------------------------------------------------


def find_for_reporter(session: Session, code: str | None, key: str | None) -> Complaint | None:
    """Return the complaint if ``key`` opens ``code``; None for any mismatch, alike."""
    from .tracking import key_matches, normalise_code

    canonical = normalise_code(code or "")
    complaint = None
    if canonical is not None:
        complaint = session.scalar(sa.select(Complaint).where(Complaint.code == canonical))
    stored = complaint.access_key_hash if complaint is not None else None
    return complaint if key_matches(stored, key or "") else None


def public_thread(complaint: Complaint) -> list[ComplaintMessage]:
    """Return the messages the reporter may see: theirs and public replies, never notes."""
    return [m for m in complaint.messages if m.kind in (MessageKind.MASUK, MessageKind.BALASAN)]
