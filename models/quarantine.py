"""Inbound messages that could not become complaints, kept raw and never dropped."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db, enum_column, utcnow
from .enums import Channel, QuarantineStatus

if TYPE_CHECKING:
    from .complaint import Complaint
    from .people import User


class QuarantinedMessage(db.Model):
    """A message held for a person to look at: unparseable, too large, hostile or invalid."""

    __tablename__ = "quarantined_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    reason: Mapped[str] = mapped_column(sa.String(40))
    detail: Mapped[str | None] = mapped_column(sa.Text)
    # The raw bytes live in a file under UPLOAD_DIR/quarantine (they may be large).
    raw_path: Mapped[str] = mapped_column(sa.String(255))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    size: Mapped[int]
    message_id: Mapped[str | None] = mapped_column(sa.String(998), index=True)
    status: Mapped[QuarantineStatus] = mapped_column(
        enum_column(QuarantineStatus), default=QuarantineStatus.DITAHAN, index=True
    )
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    complaint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaint.id"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    decided_by: Mapped[User | None] = relationship()
    complaint: Mapped[Complaint | None] = relationship()
