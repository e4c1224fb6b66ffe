"""Decide which complaint an inbound mail belongs to.

Threat model: anyone can put a tracking code in a subject, or copy headers of a mail they saw.
A mail joins an existing complaint only when it both refers to it (by a Message-ID we stored,
then by the code in the subject) and comes from the complaint's own reporter address; anything
else opens a new complaint that merely references the code, so nobody writes into another
person's complaint. Message-ID references are tried first because they survive subject edits.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Complaint, ComplaintMessage, OutboundMessage, RawSource

from .parse import ParsedMail


@dataclass(frozen=True)
class ThreadMatch:
    """Where a mail goes: an existing complaint, or a new one (maybe citing an old code)."""

    complaint: Complaint | None
    how: str | None = None  # "message-id" | "subject"
    referenced_code: str | None = None


def _by_message_ids(session: Session, ids: list[str]) -> Complaint | None:
    for message_id in ids:  # most recent reference first
        complaint_id = session.scalar(
            sa.select(ComplaintMessage.complaint_id).where(
                ComplaintMessage.message_id == message_id
            )
        ) or session.scalar(
            sa.select(OutboundMessage.complaint_id).where(OutboundMessage.message_id == message_id)
        )
        if complaint_id is not None:
            return session.get(Complaint, complaint_id)
    return None


def _same_sender(complaint: Complaint, mail: ParsedMail) -> bool:
    owner = (complaint.reporter_email or "").lower()
    return bool(owner) and owner == (mail.from_addr or "")


def find_thread(session: Session, mail: ParsedMail) -> ThreadMatch:
    """Return the complaint this mail continues, or what a new complaint should cite."""
    ids = list(dict.fromkeys([*mail.in_reply_to, *reversed(mail.references)]))
    referenced = _by_message_ids(session, ids) if ids else None
    if referenced is not None:
        if _same_sender(referenced, mail):
            return ThreadMatch(referenced, "message-id")
        return ThreadMatch(None, referenced_code=referenced.code)
    for code in mail.codes:
        complaint = session.scalar(sa.select(Complaint).where(Complaint.code == code))
        if complaint is None:
            continue
        if _same_sender(complaint, mail):
            return ThreadMatch(complaint, "subject")
        return ThreadMatch(None, referenced_code=complaint.code)
    return ThreadMatch(None)


def already_stored(session: Session, mail: ParsedMail, raw_sha256: str) -> Complaint | None:
    """Return the complaint that already holds this mail (same Message-ID, or same bytes).

    Two lookups, each by an index, rather than one OR across a join, which scans every stored
    message: this runs for every mail taken in.
    """
    complaint_id = None
    if mail.message_id:
        complaint_id = session.scalar(
            sa.select(ComplaintMessage.complaint_id)
            .where(ComplaintMessage.message_id == mail.message_id)
            .limit(1)
        )
    if complaint_id is None:
        same_bytes = sa.select(RawSource.id).where(RawSource.sha256 == raw_sha256)
        if session.scalar(same_bytes.limit(1)) is not None:  # rare: then look for its message
            complaint_id = session.scalar(
                sa.select(ComplaintMessage.complaint_id)
                .where(ComplaintMessage.raw_source_id.in_(same_bytes))
                .limit(1)
            )
    return session.get(Complaint, complaint_id) if complaint_id is not None else None
