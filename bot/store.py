"""The bot's database work: look-ups for the conversation, calls into intake, its own tables.

Each function takes the session first and runs in a worker thread through
``BotRuntime.call``; each returns plain data. Complaints are filed and extended only through
``portal.services.intake`` (the one door); the bot writes directly only to its own tables
(message links and blocked chats). A chat sees only complaints whose reporter is that chat:
anything else is answered exactly like an unknown code.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Agency, BlockedChat, BotMessageLink, Category, Complaint, Unit
from models.enums import Channel, ComplaintStatus, MessageKind
from portal.services.evidence import EvidenceRejected, Upload, inspect_upload
from portal.services.intake import (
    ComplaintClosed,
    ComplaintSubmission,
    Contact,
    DuplicateSubmission,
    IntakeSettings,
    ValidationFailed,
    add_message,
    public_thread,
    submit_complaint,
)
from portal.services.tracking import normalise_code

logger = logging.getLogger(__name__)

UNIT_CHOICES = 8
STATUS_LIST_LIMIT = 10
REPLY_PREVIEW = 1500
OPEN_STATUSES = (
    ComplaintStatus.DITERIMA,
    ComplaintStatus.VERIFIKASI,
    ComplaintStatus.TINDAK_LANJUT,
    ComplaintStatus.PERLU_INFO,
)
_LIKE_SPECIAL = re.compile(r"([\\%_])")


# --- reference data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One choice on an inline keyboard."""

    id: int
    slug: str
    label: str
    default_privacy: str | None = None


@dataclass(frozen=True)
class Group:
    """A category group and its categories."""

    id: int
    label: str
    options: tuple[Option, ...]


def _like(token: str) -> str:
    return "%" + _LIKE_SPECIAL.sub(r"\\\1", token) + "%"


def search_units(session: Session, query: str, limit: int = UNIT_CHOICES) -> list[Option]:
    """Return units whose name, abbreviation or agency contains every word typed."""
    tokens = [w for w in re.split(r"[\s,.;:()/]+", query.casefold()) if len(w) >= 2][:5]
    if not tokens:
        return []
    statement = sa.select(Unit).join(Agency, Unit.agency_id == Agency.id)
    for token in tokens:
        pattern = _like(token)
        statement = statement.where(
            sa.or_(
                Unit.name.ilike(pattern, escape="\\"),
                Unit.abbreviation.ilike(pattern, escape="\\"),
                Agency.name.ilike(pattern, escape="\\"),
                Agency.abbreviation.ilike(pattern, escape="\\"),
            )
        )
    units = session.scalars(statement.order_by(Unit.name, Unit.id).limit(limit)).all()
    return [Option(u.id, u.slug, _unit_label(u)) for u in units]


def _unit_label(unit: Unit) -> str:
    agency = unit.agency.abbreviation or unit.agency.name
    label = f"{unit.display_name} ({agency})"
    return label if len(label) <= 90 else label[:89] + "…"


def unit_by_id(session: Session, unit_id: int) -> Option | None:
    """Return the unit with this id, if any."""
    unit = session.get(Unit, unit_id)
    return None if unit is None else Option(unit.id, unit.slug, _unit_label(unit))


def _category_label(category: Category, lang: str) -> str:
    return category.name_en if lang == "en" else category.name


def category_groups(session: Session, lang: str, other_label: str) -> list[Group]:
    """Return active categories grouped as on the web form; lone top-level ones go to 'other'."""
    tops = session.scalars(
        sa.select(Category)
        .where(Category.parent_id.is_(None), Category.active)
        .order_by(Category.position, Category.id)
    ).all()
    groups: list[Group] = []
    others: list[Option] = []
    for top in tops:
        children = [c for c in top.children if c.active]
        if children:
            options = tuple(
                Option(c.id, c.slug, _category_label(c, lang), c.default_privacy.value)
                for c in children
            )
            groups.append(Group(top.id, _category_label(top, lang), options))
        else:
            others.append(
                Option(top.id, top.slug, _category_label(top, lang), top.default_privacy.value)
            )
    if others:
        groups.append(Group(0, other_label, tuple(others)))
    return groups


def category_by_id(session: Session, category_id: int, lang: str) -> Option | None:
    """Return an active category that can be chosen (a leaf), if any."""
    category = session.get(Category, category_id)
    if category is None or not category.active or any(c.active for c in category.children):
        return None
    return Option(
        category.id,
        category.slug,
        _category_label(category, lang),
        category.default_privacy.value,
    )


# --- evidence ---------------------------------------------------------------------------------


def check_file(_session: Session, upload: Upload, settings: IntakeSettings) -> list[str]:
    """Return why the file would be refused as evidence (empty: acceptable)."""
    try:
        inspect_upload(upload, settings.evidence)
    except EvidenceRejected as exc:
        return exc.reasons
    return []


# --- filing and following up ------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """What the conversation collected, ready for the intake service."""

    category: str | None
    title: str
    description: str
    privacy: str | None
    unit: str | None
    unit_hint: str | None
    incident_date: date | None
    incident_place: str | None
    name: str | None
    email: str | None
    phone: str | None
    language: str
    token: str


@dataclass(frozen=True)
class Filing:
    """The outcome of filing: a new code and key, an earlier code, or errors by field."""

    code: str | None = None
    access_key: str | None = None
    complaint_id: int | None = None
    duplicate: bool = False
    errors: dict[str, list[str]] = field(default_factory=dict)


def file_complaint(
    session: Session,
    draft: Draft,
    uploads: Sequence[Upload],
    *,
    chat_id: int,
    settings: IntakeSettings,
) -> Filing:
    """File the complaint through intake; the chat id is always the reporter's contact."""
    submission = ComplaintSubmission(
        channel=Channel.TELEGRAM,
        category=draft.category,
        title=draft.title,
        description=draft.description,
        privacy=draft.privacy,
        unit=draft.unit,
        unit_hint=draft.unit_hint,
        incident_date=draft.incident_date,
        incident_place=draft.incident_place,
        contact=Contact(
            name=draft.name, email=draft.email, phone=draft.phone, telegram_chat_id=chat_id
        ),
        language=draft.language,
        evidence=tuple(uploads),
        submission_token=draft.token,
    )
    try:
        filed = submit_complaint(session, submission, settings)
    except DuplicateSubmission as exc:
        return Filing(code=exc.complaint.code, complaint_id=exc.complaint.id, duplicate=True)
    except ValidationFailed as exc:
        session.rollback()
        return Filing(errors=exc.errors)
    return Filing(
        code=filed.complaint.code, access_key=filed.access_key, complaint_id=filed.complaint.id
    )


@dataclass(frozen=True)
class FollowUp:
    """The outcome of a follow-up: added, or refused with reasons."""

    code: str
    added: bool
    reasons: tuple[str, ...] = ()


def follow_up(
    session: Session,
    complaint_id: int,
    *,
    chat_id: int,
    text: str | None,
    uploads: Sequence[Upload],
    settings: IntakeSettings,
) -> FollowUp | None:
    """Add the reporter's message to their complaint; None if it is not this chat's."""
    complaint = session.get(Complaint, complaint_id)
    if complaint is None or complaint.reporter_telegram_chat_id != chat_id:
        return None
    code = complaint.code
    try:
        add_message(
            session,
            complaint,
            body=text,
            channel=Channel.TELEGRAM,
            settings=settings,
            evidence=tuple(uploads),
        )
    except ValidationFailed as exc:
        session.rollback()
        return FollowUp(code, False, tuple(m for ms in exc.errors.values() for m in ms))
    except ComplaintClosed as exc:
        session.rollback()
        return FollowUp(code, False, tuple(exc.reasons))
    return FollowUp(code, True)


# --- this chat's complaints -------------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintLine:
    id: int
    code: str
    status: str
    title: str


@dataclass(frozen=True)
class ComplaintView:
    id: int
    code: str
    title: str
    category: str | None
    status: str
    created: str
    updated: str
    verification_due: str | None
    answer_due: str | None
    latest_reply: str | None
    latest_reply_date: str | None


def _local(moment: datetime | None, timezone: str) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(ZoneInfo(timezone)).strftime("%d-%m-%Y %H:%M")


def chat_complaints(
    session: Session, chat_id: int, limit: int = STATUS_LIST_LIMIT
) -> tuple[list[ComplaintLine], int]:
    """Return this chat's latest complaints and how many it has in all."""
    mine = Complaint.reporter_telegram_chat_id == chat_id
    total = session.scalar(sa.select(sa.func.count(Complaint.id)).where(mine)) or 0
    rows = session.execute(
        sa.select(Complaint.id, Complaint.code, Complaint.status, Complaint.title)
        .where(mine)
        .order_by(Complaint.created_at.desc(), Complaint.id.desc())
        .limit(limit)
    ).all()
    return [ComplaintLine(r.id, r.code, r.status.value, r.title) for r in rows], int(total)


def _owned(session: Session, chat_id: int, code: str | None) -> Complaint | None:
    canonical = normalise_code(code or "")
    if canonical is None:
        return None
    return session.scalar(
        sa.select(Complaint).where(
            Complaint.code == canonical, Complaint.reporter_telegram_chat_id == chat_id
        )
    )


def complaint_view(
    session: Session, chat_id: int, code: str, *, lang: str, timezone: str
) -> ComplaintView | None:
    """Return one of this chat's complaints for /status; None if unknown or not this chat's."""
    complaint = _owned(session, chat_id, code)
    if complaint is None:
        return None
    replies = [m for m in public_thread(complaint) if m.kind == MessageKind.BALASAN]
    latest = replies[-1] if replies else None
    open_ = complaint.status in OPEN_STATUSES
    body = None
    if latest is not None:
        body = latest.body if len(latest.body) <= REPLY_PREVIEW else latest.body[:REPLY_PREVIEW]
        if len(latest.body) > REPLY_PREVIEW:
            body += "…"
    category = None
    if complaint.category is not None:
        category = _category_label(complaint.category, lang)
    return ComplaintView(
        id=complaint.id,
        code=complaint.code,
        title=complaint.title,
        category=category,
        status=complaint.status.value,
        created=_local(complaint.created_at, timezone),
        updated=_local(complaint.updated_at, timezone),
        verification_due=(
            complaint.verification_due.strftime("%d-%m-%Y")
            if open_ and complaint.verification_due
            else None
        ),
        answer_due=(
            complaint.answer_due.strftime("%d-%m-%Y") if open_ and complaint.answer_due else None
        ),
        latest_reply=body,
        latest_reply_date=_local(latest.created_at, timezone) if latest is not None else None,
    )


def owned_complaint(session: Session, chat_id: int, code: str) -> tuple[int, str] | None:
    """Return (id, code) of one of this chat's complaints by code; None otherwise."""
    complaint = _owned(session, chat_id, code)
    return None if complaint is None else (complaint.id, complaint.code)


# --- message links ----------------------------------------------------------------------------


def link_messages(
    session: Session, chat_id: int, message_ids: Sequence[int], complaint_id: int
) -> None:
    """Remember that these bot messages are about ``complaint_id`` (for replies)."""
    for message_id in message_ids:
        exists = session.scalar(
            sa.select(BotMessageLink.id).where(
                BotMessageLink.chat_id == chat_id, BotMessageLink.message_id == message_id
            )
        )
        if exists is None:
            session.add(
                BotMessageLink(chat_id=chat_id, message_id=message_id, complaint_id=complaint_id)
            )
    session.flush()


def linked_complaint(session: Session, chat_id: int, message_id: int) -> int | None:
    """Return the complaint a bot message in this chat is about, if it is still this chat's."""
    return session.scalar(
        sa.select(Complaint.id)
        .join(BotMessageLink, BotMessageLink.complaint_id == Complaint.id)
        .where(
            BotMessageLink.chat_id == chat_id,
            BotMessageLink.message_id == message_id,
            Complaint.reporter_telegram_chat_id == chat_id,
        )
    )


# --- blocked chats ----------------------------------------------------------------------------


def blocked_chats(session: Session) -> set[int]:
    """Return every chat marked as having blocked the bot."""
    return set(session.scalars(sa.select(BlockedChat.chat_id)))


def is_blocked(session: Session, chat_id: int) -> bool:
    """Return whether this chat is marked as having blocked the bot."""
    return session.get(BlockedChat, chat_id) is not None


def mark_blocked(session: Session, chat_id: int) -> None:
    """Mark a chat as having blocked the bot (flushes; the caller commits)."""
    if session.get(BlockedChat, chat_id) is None:
        session.add(BlockedChat(chat_id=chat_id))
        session.flush()


def unblock(session: Session, chat_id: int) -> None:
    """Forget that a chat blocked the bot: its user wrote to us again."""
    session.execute(sa.delete(BlockedChat).where(BlockedChat.chat_id == chat_id))
