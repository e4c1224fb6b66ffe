"""Queue outbound messages; a worker (email) or the bot (Telegram) delivers them later.

Nothing here talks to SMTP or Telegram: a message is a row written in the same transaction as
the change that caused it, so it is sent if and only if that change is committed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
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
    automatic: bool = False,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
) -> OutboundMessage:
    """Queue an email; its Message-ID is fixed now so a retried send keeps it.

    ``automatic`` marks a message no person wrote (RFC 3834 ``Auto-Submitted: auto-replied``,
    so well-behaved auto-responders never answer it); ``in_reply_to`` and ``references`` thread
    it under the reporter's own mail.
    """
    headers: dict[str, str] = {}
    if automatic:
        headers["Auto-Submitted"] = "auto-replied"
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
        headers["References"] = " ".join(
            [*[r for r in references if r != in_reply_to], in_reply_to]
        )
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
