"""Turn one inbound RFC 822 message into a complaint, a follow-up, or a held/ignored message.

Threat model: mail is the least trustworthy channel. Auto-replies and bounces would loop with
our own acknowledgements; strangers may cite someone else's tracking code; attachments may be
hostile; a mail server may deliver the same message twice; a message may not parse at all. So:
machine-generated mail never files anything and is never answered (a bounce only marks the
outbound message it reports on); threading needs the reporter's own address (see ``thread``);
attachments go through the evidence pipeline one by one and refused ones are named in the
thread; a Message-ID seen before is a duplicate; anything unreadable is held in quarantine.
The raw message is stored with every complaint message it produced. Nothing is dropped.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from models import Complaint, OutboundMessage, QuarantinedMessage, User
from models.enums import Channel, OutboundChannel

from ..services import delivery, quarantine
from ..services.evidence import EvidencePolicy, EvidenceRejected, Upload, inspect_upload
from ..services.intake import (
    ComplaintClosed,
    ComplaintSubmission,
    Contact,
    IntakeSettings,
    ValidationFailed,
    add_message,
    submit_complaint,
)
from .parse import MailAttachment, ParsedMail, UnparseableMail, parse_mail
from .thread import already_stored, find_thread

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailSettings:
    """What ingestion needs from the configuration."""

    intake: IntakeSettings
    own_addresses: frozenset[str]
    max_bytes: int
    ack_limit_per_hour: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        """Read the settings from the app's configuration."""
        own = {parseaddr(config["MAIL_FROM"])[1].lower()}
        if "@" in (config.get("IMAP_USERNAME") or ""):
            own.add(config["IMAP_USERNAME"].lower())
        return cls(
            intake=IntakeSettings.from_config(config),
            own_addresses=frozenset(a for a in own if a),
            max_bytes=config["MAIL_MAX_BYTES"],
            ack_limit_per_hour=config["MAIL_ACK_LIMIT_PER_HOUR"],
        )


@dataclass(frozen=True)
class IngestResult:
    """What happened to one message; ``line()`` is what `flask mail ingest` prints."""

    outcome: str  # created | appended | ignored | duplicate | quarantined
    detail: str  # the tracking code, or the reason

    def line(self) -> str:
        """Return the one-line report, e.g. ``created ZI-7K3F-9QPM``."""
        return f"{self.outcome} {self.detail}"


def ingest_mail(
    session: Session, raw: bytes, settings: MailSettings, *, now: datetime | None = None
) -> IngestResult:
    """Store one raw message as a complaint or follow-up, or hold/ignore it with a reason.

    Database errors propagate (the caller reports a temporary failure so the mail is retried).
    """
    now = now or datetime.now(UTC)
    try:
        mail = parse_mail(raw, max_bytes=settings.max_bytes)
    except UnparseableMail as exc:
        return _hold(session, raw, settings, exc.reason, exc.detail, None, now)

    sender = mail.from_addr
    if sender in settings.own_addresses:
        return IngestResult("ignored", "own-address")
    if mail.automatic:
        if mail.bounce_of:
            delivery.mark_bounced(session, mail.bounce_of, reason=mail.subject[:200], now=now)
            return IngestResult("ignored", "bounce")
        return IngestResult("ignored", mail.automatic)
    if not sender or "@" not in sender:
        return _hold(
            session, raw, settings, "no-sender", "From has no usable address", mail.message_id, now
        )
    digest = hashlib.sha256(raw).hexdigest()
    earlier = already_stored(session, mail, digest)
    if earlier is not None:
        return IngestResult("duplicate", earlier.code)
    held = quarantine.already_held(session, mail.message_id, digest)
    if held is not None:
        return IngestResult("duplicate", f"quarantine-{held.id}")

    match = find_thread(session, mail)
    uploads, refused = _accepted_attachments(mail, settings.intake.evidence)
    if match.complaint is not None:
        try:
            return _append(session, match.complaint, mail, raw, uploads, refused, settings, now)
        except ComplaintClosed:
            match = type(match)(None, referenced_code=match.complaint.code)
    return _create(session, mail, raw, uploads, refused, match.referenced_code, settings, now)


def _hold(session, raw, settings, reason, detail, message_id, now) -> IngestResult:
    existing = quarantine.already_held(session, message_id, hashlib.sha256(raw).hexdigest())
    if existing is not None:
        return IngestResult("duplicate", f"quarantine-{existing.id}")
    quarantine.hold(
        session,
        raw=raw,
        channel=Channel.EMAIL,
        reason=reason,
        detail=detail,
        upload_dir=settings.intake.upload_dir,
        message_id=message_id,
        now=now,
    )
    logger.info("mail quarantined reason=%s size=%d", reason, len(raw))
    return IngestResult("quarantined", reason)


def _accepted_attachments(
    mail: ParsedMail, policy: EvidencePolicy
) -> tuple[list[Upload], list[str]]:
    """Take attachments one by one within the limits; name each refused one and why."""
    accepted: list[Upload] = []
    refused: list[str] = []
    total = 0
    for index, part in enumerate(mail.attachments, start=1):
        upload = Upload(
            filename=part.filename or f"lampiran-{index}",
            content=part.content,
            declared_type=part.content_type,
        )
        if _is_signature_noise(part):
            continue
        if len(accepted) >= policy.max_files or total + len(part.content) > policy.max_total_bytes:
            refused.append(
                _("%(name)s: melebihi batas jumlah atau ukuran lampiran", name=upload.filename)
            )
            continue
        try:
            inspect_upload(upload, policy)
        except EvidenceRejected as exc:
            refused.extend(exc.reasons)
            continue
        accepted.append(upload)
        total += len(part.content)
    return accepted, refused


def _is_signature_noise(part: MailAttachment) -> bool:
    """S/MIME and PGP signature parts are not evidence; the raw message keeps them."""
    return part.content_type in (
        "application/pkcs7-signature",
        "application/x-pkcs7-signature",
        "application/pgp-signature",
    )


def _with_refusals(text: str, refused: list[str]) -> str:
    if not refused:
        return text
    note = _("Lampiran yang tidak dapat diterima (tersimpan utuh dalam email asli):")
    lines = "\n".join(f"- {reason}" for reason in refused)
    return f"{text}\n\n[{note}\n{lines}]".strip()


def _append(session, complaint, mail, raw, uploads, refused, settings, now) -> IngestResult:
    add_message(
        session,
        complaint,
        body=_with_refusals(mail.reply_text, refused) or None,
        channel=Channel.EMAIL,
        settings=settings.intake,
        evidence=uploads,
        message_id=mail.message_id,
        raw=raw,
        now=now,
    )
    return IngestResult("appended", complaint.code)


def _create(session, mail, raw, uploads, refused, referenced_code, settings, now) -> IngestResult:
    body = mail.text
    if referenced_code:
        with force_locale(mail.language):
            body = _("[Pengirim menyebut nomor pengaduan %(code)s.]", code=referenced_code) + (
                "\n\n" + body if body else ""
            )
    body = _with_refusals(body, refused)
    subject = mail.subject.strip()
    if not subject:
        with force_locale(mail.language):
            subject = _("Pengaduan melalui email")
    submission = ComplaintSubmission(
        channel=Channel.EMAIL,
        category=None,
        title=subject[: Complaint.TITLE_MAX],
        description=body,
        contact=Contact(
            name=(mail.from_name or None) and mail.from_name[: Complaint.NAME_MAX],
            email=mail.from_addr,
        ),
        language=mail.language,
        evidence=tuple(uploads),
        message_id=mail.message_id,
        raw=raw,
    )
    acknowledge = _may_acknowledge(session, mail.from_addr, settings, now)
    try:
        filed = submit_complaint(
            session, submission, settings.intake, now=now, acknowledge=acknowledge
        )
    except ValidationFailed as exc:
        detail = "; ".join(f"{field}: {', '.join(m)}" for field, m in exc.errors.items())
        return _hold(session, raw, settings, "invalid", detail, mail.message_id, now)
    return IngestResult("created", filed.complaint.code)


def _may_acknowledge(
    session: Session, address: str | None, settings: MailSettings, now: datetime
) -> bool:
    """Cap automatic answers per sender and hour, so no loop or flood can grow."""
    if not address:
        return False
    sent = session.scalar(
        sa.select(sa.func.count(OutboundMessage.id)).where(
            OutboundMessage.channel == OutboundChannel.EMAIL,
            OutboundMessage.recipient == address,
            OutboundMessage.created_at >= now - timedelta(hours=1),
        )
    )
    return sent < settings.ack_limit_per_hour


def release_quarantined(
    session: Session,
    item: QuarantinedMessage,
    *,
    actor: User,
    settings: MailSettings,
    now: datetime | None = None,
) -> Complaint:
    """File a held message as a complaint, reading whatever can be read of it (audited)."""
    quarantine.check_decider(item, actor)
    now = now or datetime.now(UTC)
    raw = quarantine.raw_bytes(item, settings.intake.upload_dir)
    try:
        mail = parse_mail(raw, max_bytes=max(len(raw), 1))
        subject, text, sender = mail.subject, mail.text, mail.from_addr
        uploads, refused = _accepted_attachments(mail, settings.intake.evidence)
        name, language = mail.from_name, mail.language
    except UnparseableMail:
        subject, sender, uploads, refused, name, language = "", None, [], [], None, "id"
        text = raw[:50_000].decode("utf-8", errors="replace")
    if not subject:
        subject = _("Pesan karantina #%(id)d (%(reason)s)", id=item.id, reason=item.reason)
    submission = ComplaintSubmission(
        channel=Channel.EMAIL,
        category=None,
        title=subject[: Complaint.TITLE_MAX],
        description=_with_refusals(text[: Complaint.BODY_MAX - 2000], refused),
        contact=Contact(name=name, email=sender if sender and "@" in sender else None),
        language=language,
        evidence=tuple(uploads),
        raw=raw,
    )
    filed = submit_complaint(session, submission, settings.intake, now=now, acknowledge=False)
    quarantine.mark_released(session, item, complaint=filed.complaint, actor=actor, now=now)
    return filed.complaint
