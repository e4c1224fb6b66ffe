"""Public complaints (pengaduan masyarakat): categories, the complaint, its thread and evidence."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db, enum_column, utcnow
from .enums import (
    Channel,
    ComplaintOutcome,
    ComplaintStatus,
    MessageKind,
    Priority,
    Privacy,
    ReferralBody,
)

if TYPE_CHECKING:
    from .org import Unit
    from .people import User


class Category(db.Model):
    """A complaint category; top-level rows are groups (Korupsi, Maladministrasi, …)."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str | None] = mapped_column(sa.Text)
    # Integrity categories feed the revocation rules and default to the confidential track.
    is_integrity: Mapped[bool] = mapped_column(default=False)
    default_privacy: Mapped[Privacy] = mapped_column(enum_column(Privacy), default=Privacy.TERBUKA)
    referral_body: Mapped[ReferralBody | None] = mapped_column(enum_column(ReferralBody))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(
        back_populates="parent", order_by="Category.position"
    )


# The queue's priority order as SQL (``%s``: the column), written once so the query and its
# expression index match.
PRIORITY_RANK_SQL = (
    "CASE %s WHEN 'mendesak' THEN 0 WHEN 'tinggi' THEN 1 WHEN 'normal' THEN 2"
    " WHEN 'rendah' THEN 3 ELSE 4 END"
)
# The deadline running now, as SQL (``%(table)s``: ``complaint.`` or empty), for the queue's
# "nearest deadline" order and its overdue filter: verification while diterima/verifikasi, the
# first answer while tindak_lanjut and unanswered (as the overdue sweep in
# portal/services/deadlines.py reads them); any other complaint has none and sorts last, under a
# far date rather than NULL so that one index delivers the order. Written once so the queries and
# the expression index match word for word.
NO_DEADLINE = date(9999, 12, 31)
DUE_KEY_SQL = (
    "COALESCE(CASE WHEN %(table)sstatus IN ('diterima', 'verifikasi')"
    " THEN %(table)sverification_due"
    " WHEN %(table)sstatus = 'tindak_lanjut' AND %(table)sanswered_at IS NULL"
    " THEN %(table)sanswer_due END, '9999-12-31')"
)


class Complaint(db.Model):
    """One complaint about a unit, from any channel, with its status and deadlines."""

    __tablename__ = "complaint"
    TITLE_MAX = 200
    BODY_MAX = 20_000
    PLACE_MAX = 200
    PARTY_MAX = 300
    NAME_MAX = 120
    PHONE_MAX = 32
    EMAIL_MAX = 254

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    access_key_hash: Mapped[str] = mapped_column(sa.String(255))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel), index=True, active_history=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), active_history=True)
    # Email arrives without a category; the triage team sets it.
    category_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("category.id"), index=True, active_history=True
    )
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    body: Mapped[str] = mapped_column(sa.Text)
    incident_date: Mapped[date | None]
    incident_place: Mapped[str | None] = mapped_column(sa.String(PLACE_MAX))
    reported_party: Mapped[str | None] = mapped_column(sa.String(PARTY_MAX))
    # Identity: visible only to cleared roles, every view audited (DESIGN.md §5).
    reporter_name: Mapped[str | None] = mapped_column(sa.String(NAME_MAX))
    reporter_email: Mapped[str | None] = mapped_column(sa.String(EMAIL_MAX))
    reporter_phone: Mapped[str | None] = mapped_column(sa.String(PHONE_MAX))
    reporter_telegram_chat_id: Mapped[int | None] = mapped_column(sa.BigInteger, index=True)
    language: Mapped[str] = mapped_column(sa.String(8), default="id")
    privacy: Mapped[Privacy] = mapped_column(enum_column(Privacy))
    status: Mapped[ComplaintStatus] = mapped_column(
        enum_column(ComplaintStatus),
        default=ComplaintStatus.DITERIMA,
        active_history=True,
    )
    priority: Mapped[Priority] = mapped_column(enum_column(Priority), default=Priority.NORMAL)
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    verification_due: Mapped[date | None] = mapped_column(active_history=True)
    answer_due: Mapped[date | None] = mapped_column(active_history=True)
    outcome: Mapped[ComplaintOutcome | None] = mapped_column(
        enum_column(ComplaintOutcome), active_history=True
    )
    referred_to: Mapped[ReferralBody | None] = mapped_column(enum_column(ReferralBody))
    duplicate_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaint.id"))
    publication_approved: Mapped[bool] = mapped_column(default=False)
    # What the reporter typed when they did not know the unit, for the triage team.
    unit_hint: Mapped[str | None] = mapped_column(sa.String(NAME_MAX + 80))
    # SHA-256 of the submitted content, signed into the reporter's receipt.
    content_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    # SHA-256 of the form's one-time token: a replayed or double-clicked form files nothing twice.
    submission_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    reopened_at: Mapped[datetime | None]
    # First change of status to verifikasi, and first public reply: the statistics' clocks.
    # Kept by portal/services/stats_rollup.py when the event or message is stored. The
    # statistics' columns keep their old value on change (active_history) for that upkeep.
    verified_at: Mapped[datetime | None] = mapped_column(active_history=True)
    answered_at: Mapped[datetime | None] = mapped_column(active_history=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, active_history=True)
    # Also the row's version: every UPDATE checks it (see __mapper_args__), so two inspectors
    # acting at once cannot silently overwrite each other. Services set it on each change.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(active_history=True)

    unit: Mapped[Unit | None] = relationship()
    category: Mapped[Category | None] = relationship()
    assignee: Mapped[User | None] = relationship()
    duplicate_of: Mapped[Complaint | None] = relationship(remote_side=[id])
    messages: Mapped[list[ComplaintMessage]] = relationship(
        back_populates="complaint", order_by="ComplaintMessage.created_at"
    )
    events: Mapped[list[ComplaintEvent]] = relationship(
        back_populates="complaint", order_by="ComplaintEvent.created_at"
    )

    __mapper_args__ = {"version_id_col": updated_at, "version_id_generator": False}
    # The queue's order (newest first, id breaking ties) after each filter it serves by
    # equality; these also index unit_id, status and assignee_id alone (migration 0008).
    __table_args__ = (
        sa.Index("ix_complaint_created_at_id", "created_at", "id"),
        sa.Index("ix_complaint_status_created_at", "status", "created_at", "id"),
        sa.Index("ix_complaint_assignee_created_at", "assignee_id", "created_at", "id"),
        sa.Index("ix_complaint_unit_created_at", "unit_id", "created_at", "id"),
        # Per-status counts (overall, or within a unit, channel, category or one inspector's
        # work) from an index alone (unit_id: recusal is checked there too); the priority order
        # by its rank
        # (migration 0009; portal/services/queue.py).
        sa.Index("ix_complaint_assignee_status", "assignee_id", "status", "unit_id"),
        sa.Index("ix_complaint_channel_status", "channel", "status", "unit_id"),
        sa.Index("ix_complaint_category_status", "category_id", "status", "unit_id"),
        sa.Index("ix_complaint_status_unit", "status", "unit_id"),
        sa.Index(
            "ix_complaint_priority_rank", sa.text(f"({PRIORITY_RANK_SQL % 'priority'})"), "id"
        ),
        # Migration 0011: the nearest-deadline order (and the overdue filter, a range below
        # today) read in order; the overdue counts per status; the priority order within one
        # inspector's work or the unassigned ones.
        sa.Index("ix_complaint_due_key", sa.text(f"({DUE_KEY_SQL % {'table': ''}})"), "id"),
        sa.Index(
            "ix_complaint_status_due",
            "status",
            sa.text(f"({DUE_KEY_SQL % {'table': ''}})"),
            "unit_id",
        ),
        sa.Index(
            "ix_complaint_assignee_rank",
            "assignee_id",
            sa.text(f"({PRIORITY_RANK_SQL % 'priority'})"),
            "id",
        ),
    )

    @property
    def due_key(self) -> date:
        """The deadline running now (``DUE_KEY_SQL`` in Python); ``NO_DEADLINE`` when none runs."""
        if self.status in (ComplaintStatus.DITERIMA, ComplaintStatus.VERIFIKASI):
            due = self.verification_due
        elif self.status == ComplaintStatus.TINDAK_LANJUT and self.answered_at is None:
            due = self.answer_due
        else:
            due = None
        return due or NO_DEADLINE


class ComplaintMessage(db.Model):
    """One message of a complaint's thread: from the reporter, a public reply, or a note."""

    __tablename__ = "complaint_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaint.id"), index=True)
    kind: Mapped[MessageKind] = mapped_column(enum_column(MessageKind))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    # Email threading: every inbound and outbound Message-ID is kept and matched.
    message_id: Mapped[str | None] = mapped_column(sa.String(998), index=True)
    # Indexed: every incoming mail asks whether the same bytes are already stored.
    raw_source_id: Mapped[int | None] = mapped_column(sa.ForeignKey("raw_source.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    complaint: Mapped[Complaint] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()
    raw_source: Mapped[RawSource | None] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(back_populates="message")


class RawSource(db.Model):
    """The original bytes a channel received (an RFC 822 mail, a bot update), kept as evidence."""

    __tablename__ = "raw_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attachment(db.Model):
    """An evidence file: a cleaned copy to view, and the sealed original with its SHA-256."""

    __tablename__ = "attachment"
    FILENAME_MAX = 255

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaint.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaint_message.id"))
    original_filename: Mapped[str] = mapped_column(sa.String(FILENAME_MAX))
    media_type: Mapped[str] = mapped_column(sa.String(100))  # decided from the content
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))  # of the sealed original
    original_path: Mapped[str] = mapped_column(sa.String(255))  # random name under UPLOAD_DIR
    cleaned_path: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    message: Mapped[ComplaintMessage | None] = relationship(back_populates="attachments")


class ComplaintEvent(db.Model):
    """Every change of a complaint: who, when, what, from → to."""

    __tablename__ = "complaint_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaint.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(sa.String(40))
    from_value: Mapped[str | None] = mapped_column(sa.String(200))
    to_value: Mapped[str | None] = mapped_column(sa.String(200))
    details: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    complaint: Mapped[Complaint] = relationship(back_populates="events")
