"""Queue outbound messages; a worker (email) or the bot (Telegram) delivers them later.

Nothing here talks to SMTP or Telegram: a message is a row written in the same transaction as
the change that caused it, so it is sent if and only if that change is committed.
"""

from __future__ import annotations

import uuid
from email.utils import parseaddr

from sqlalchemy.orm import Session

from models import Complaint, OutboundMessage
from models.enums import OutboundChannel


def new_message_id(mail_from: str) -> str:
    """Return a fresh RFC 5322 Message-ID on the portal's own mail domain."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "zi-portal.invalid"
    return f"<{uuid.uuid4().hex}@{domain}>"


def queue_email(
    session: Session,
    *,
    to: str,
    subject: str,
    body: str,
    mail_from: str,
    complaint: Complaint | None = None,
    headers: dict[str, str] | None = None,
) -> OutboundMessage:
    """Queue an email; its Message-ID is fixed now so a retried send keeps it."""
    message = OutboundMessage(
        channel=OutboundChannel.EMAIL,
        recipient=to,
        subject=subject,
        body=body,
        headers=headers or None,
        message_id=new_message_id(mail_from),
        complaint_id=complaint.id if complaint is not None else None,
    )
    session.add(message)
    return message


def queue_telegram(
    session: Session, *, chat_id: int, body: str, complaint: Complaint | None = None
) -> OutboundMessage:
    """Queue a Telegram message to a chat."""
    message = OutboundMessage(
        channel=OutboundChannel.TELEGRAM,
        recipient=str(chat_id),
        body=body,
        complaint_id=complaint.id if complaint is not None else None,
    )
    session.add(message)
    return message
