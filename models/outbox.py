"""The outbox: messages to reporters and officials, written with the change that caused them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import db, enum_column, utcnow
from .enums import OutboundChannel, OutboundStatus


class OutboundMessage(db.Model):
    """One message to deliver by email or Telegram; the worker retries it with back-off."""

    __tablename__ = "outbound_message"
    __table_args__ = (
        sa.Index("ix_outbound_message_due", "status", "next_try_at"),
        # Email ingest caps the acknowledgements per sender and hour (portal/mail/ingest.py).
        sa.Index("ix_outbound_message_recipient_created", "recipient", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[OutboundChannel] = mapped_column(enum_column(OutboundChannel))
    recipient: Mapped[str] = mapped_column(sa.String(320))
    subject: Mapped[str | None] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    headers: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    # Fixed when queued so that a retried send carries the same Message-ID.
    message_id: Mapped[str | None] = mapped_column(sa.String(998), unique=True)
    complaint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaint.id"), index=True)
    status: Mapped[OutboundStatus] = mapped_column(
        enum_column(OutboundStatus), default=OutboundStatus.MENUNGGU
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(sa.String(120))
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
