"""Answers to reporters: a public reply goes into the thread and out on the reporter's channel.

The reporter is reached where they wrote from: by email (threaded under their own last mail),
on Telegram, or on the web tracking page alone when they left no contact. The reply is a row in
the outbox, written in the same transaction as the message, so it is sent exactly when the
reply is committed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from models import Complaint, ComplaintEvent, ComplaintMessage, User
from models.enums import Channel, MessageKind

from . import outbox
from .errors import PreconditionFailed
from .sanitize import clean_text


def _last_inbound_ids(complaint: Complaint) -> list[str]:
    return [m.message_id for m in complaint.messages if m.message_id]


def reply_to_reporter(
    session: Session,
    complaint: Complaint,
    *,
    body: str,
    author: User,
    config: Mapping[str, Any],
    now: datetime | None = None,
    notify: bool = True,
) -> ComplaintMessage:
    """Add a public reply to the thread and queue it on the reporter's channel.

    ``notify=False`` only adds it to the thread (a status notice already carries the text).
    """
    text = clean_text(body)
    if not text:
        raise PreconditionFailed(_("Balasan tidak boleh kosong."))
    if len(text) > Complaint.BODY_MAX:
        raise PreconditionFailed(
            _("Balasan terlalu panjang (maksimal %(n)d karakter).", n=Complaint.BODY_MAX)
        )
    now = now or datetime.now(UTC)
    message = ComplaintMessage(
        complaint=complaint,
        kind=MessageKind.BALASAN,
        channel=Channel.WEB,
        author=author,
        body=text,
        created_at=now,
    )
    session.add(message)
    session.add(
        ComplaintEvent(
            complaint=complaint, actor_id=author.id, action="balasan_publik", created_at=now
        )
    )
    with force_locale(complaint.language):
        rendered = render_template(
            "messages/reply.txt", complaint=complaint, body=text, config=config
        )
        subject = _("[%(code)s] Balasan atas pengaduan Anda", code=complaint.code)
    if notify and complaint.reporter_email:
        ids = _last_inbound_ids(complaint)
        queued = outbox.queue_email(
            session,
            to=complaint.reporter_email,
            subject=subject,
            body=rendered,
            mail_from=config["MAIL_FROM"],
            complaint=complaint,
            in_reply_to=ids[-1] if ids else None,
            references=ids[:-1],
        )
        message.message_id = queued.message_id  # the reporter's answer to it threads back here
    if complaint.reporter_telegram_chat_id is not None:
        outbox.queue_telegram(
            session, chat_id=complaint.reporter_telegram_chat_id, body=rendered, complaint=complaint
        )
    complaint.updated_at = now
    session.flush()
    return message
