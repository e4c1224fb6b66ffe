"""The inspectors' queue: filters, search, sorting and keyset pagination, with recusal built in.

A complaint about the unit an inspector works in never appears for that inspector: not in the
list, not in search results, not in the counts. The queue never carries reporter identities.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from models import Category, Complaint, ComplaintMessage, Unit, User
from models.enums import Channel, ComplaintStatus, Privacy

OPEN = (
    ComplaintStatus.DITERIMA,
    ComplaintStatus.VERIFIKASI,
    ComplaintStatus.TINDAK_LANJUT,
    ComplaintStatus.PERLU_INFO,
)
SORTS = ("terbaru", "terlama", "tenggat", "prioritas")
PAGE_SIZE = 25
PRIORITY_ORDER = sa.case(
    {"mendesak": 0, "tinggi": 1, "normal": 2, "rendah": 3}, value=Complaint.priority, else_=4
)


@dataclass(frozen=True)
class QueueFilter:
    """What the inspector asked for; every field optional."""

    statuses: tuple[ComplaintStatus, ...] = ()
    unit: str | None = None
    category: str | None = None
    channel: Channel | None = None
    privacy: Privacy | None = None
    assignee: str | None = None  # "saya" | "kosong" | a user id
    overdue: bool = False
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None
    sort: str = "terbaru"
    view: str | None = None  # saved views: "saya", "belum_ditugaskan", "terlambat"

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> QueueFilter:
        """Read a filter from query-string arguments, ignoring anything malformed."""

        def one(name: str) -> str | None:
            value = (args.get(name) or "").strip()
            return value[:200] or None

        def choice(enum, name):
            try:
                return enum(one(name)) if one(name) else None
            except ValueError:
                return None

        statuses = []
        for raw in args.getlist("status") if hasattr(args, "getlist") else []:
            try:
                statuses.append(ComplaintStatus(raw))
            except ValueError:
                continue
        return cls(
            statuses=tuple(statuses),
            unit=one("unit"),
            category=one("kategori"),
            channel=choice(Channel, "kanal"),
            privacy=choice(Privacy, "privasi"),
            assignee=one("petugas"),
            overdue=args.get("terlambat") in ("1", "y", "on"),
            date_from=_date(one("dari")),
            date_to=_date(one("sampai")),
            q=one("q"),
            sort=one("urut") if one("urut") in SORTS else "terbaru",
            view=one("tampilan"),
        )


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass
class QueuePage:
    """One page of the queue, the cursor for the next one, and the counts."""

    items: list[Complaint]
    next_cursor: str | None
    total: int
    by_status: dict[str, int] = field(default_factory=dict)


def visible_to(viewer: User) -> sa.ColumnElement[bool]:
    """The recusal rule as SQL: hide complaints about the viewer's own unit."""
    if viewer.unit_id is None:
        return sa.true()
    return sa.or_(Complaint.unit_id.is_(None), Complaint.unit_id != viewer.unit_id)


_TERM = re.compile(r"\w+", re.UNICODE)


def _terms(q: str) -> list[str]:
    return [t.lower() for t in _TERM.findall(q)][:8]


def search_condition(q: str, dialect: str) -> sa.ColumnElement[bool]:
    """Match every word of ``q`` (as a prefix) in the title, body or any message.

    Full-text indexes do the work: SQLite FTS5 (table ``complaint_fts``, kept by triggers) and
    PostgreSQL GIN indexes over ``to_tsvector('simple', …)``; see migration 0005.
    """
    terms = _terms(q)
    if not terms:
        return sa.true()
    if dialect == "sqlite":
        match = " ".join(f'"{t}"*' for t in terms)
        return Complaint.id.in_(
            sa.select(sa.column("complaint_id"))
            .select_from(sa.table("complaint_fts"))
            .where(sa.text("complaint_fts MATCH :fts_query").bindparams(fts_query=match))
        )
    if dialect == "postgresql":
        tsquery = sa.func.to_tsquery("simple", " & ".join(f"{t}:*" for t in terms))
        document = sa.func.to_tsvector("simple", Complaint.title + " " + Complaint.body)
        in_messages = sa.exists().where(
            ComplaintMessage.complaint_id == Complaint.id,
            sa.func.to_tsvector("simple", ComplaintMessage.body).op("@@")(tsquery),
        )
        # Every word must appear somewhere in the complaint or its thread.
        per_term = []
        for t in terms:
            one = sa.func.to_tsquery("simple", f"{t}:*")
            per_term.append(
                sa.or_(
                    document.op("@@")(one),
                    sa.exists().where(
                        ComplaintMessage.complaint_id == Complaint.id,
                        sa.func.to_tsvector("simple", ComplaintMessage.body).op("@@")(one),
                    ),
                )
            )
        return (
            sa.or_(document.op("@@")(tsquery), in_messages)
            if len(terms) == 1
            else sa.and_(*per_term)
        )
    return _like_condition(terms)


def _like_condition(terms: list[str]) -> sa.ColumnElement[bool]:
    conditions = []
    for word in terms:
        pattern = f"%{word}%"
        in_messages = sa.exists().where(
            ComplaintMessage.complaint_id == Complaint.id, ComplaintMessage.body.ilike(pattern)
        )
        conditions.append(
            sa.or_(Complaint.title.ilike(pattern), Complaint.body.ilike(pattern), in_messages)
        )
    return sa.and_(*conditions)


def _conditions(session: Session, f: QueueFilter, viewer: User, now: datetime) -> list:
    conds = [visible_to(viewer)]
    statuses = f.statuses
    if f.view in ("saya", "belum_ditugaskan", "terlambat") and not statuses:
        statuses = OPEN
    if statuses:
        conds.append(Complaint.status.in_(statuses))
    if f.view == "saya" or f.assignee == "saya":
        conds.append(Complaint.assignee_id == viewer.id)
    elif f.view == "belum_ditugaskan" or f.assignee == "kosong":
        conds.append(Complaint.assignee_id.is_(None))
    elif f.assignee and f.assignee.isdigit():
        conds.append(Complaint.assignee_id == int(f.assignee))
    if f.unit:
        conds.append(Complaint.unit.has(Unit.slug == f.unit))
    if f.category:
        category = session.scalar(sa.select(Category).where(Category.slug == f.category))
        ids = [category.id, *[c.id for c in category.children]] if category else [-1]
        conds.append(Complaint.category_id.in_(ids))
    if f.channel:
        conds.append(Complaint.channel == f.channel)
    if f.privacy:
        conds.append(Complaint.privacy == f.privacy)
    if f.overdue or f.view == "terlambat":
        today = now.date()
        conds.append(
            sa.or_(
                sa.and_(
                    Complaint.status.in_((ComplaintStatus.DITERIMA, ComplaintStatus.VERIFIKASI)),
                    Complaint.verification_due < today,
                ),
                sa.and_(
                    Complaint.status == ComplaintStatus.TINDAK_LANJUT, Complaint.answer_due < today
                ),
            )
        )
    if f.date_from:
        conds.append(Complaint.created_at >= datetime.combine(f.date_from, time.min, UTC))
    if f.date_to:
        end = datetime.combine(f.date_to, time.min, UTC) + timedelta(days=1)
        conds.append(Complaint.created_at < end)
    if f.q:
        conds.append(search_condition(f.q, session.get_bind().dialect.name))
    return conds


def _order(sort: str) -> tuple[sa.ColumnElement, bool]:
    """Return the sort key and whether it ascends."""
    return {
        "terbaru": (Complaint.created_at, False),
        "terlama": (Complaint.created_at, True),
        "tenggat": (sa.func.coalesce(Complaint.verification_due, Complaint.answer_due), True),
        "prioritas": (PRIORITY_ORDER, True),
    }[sort]


def _encode(value: Any, ident: int) -> str:
    raw = json.dumps([value.isoformat() if hasattr(value, "isoformat") else value, ident])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode(cursor: str | None) -> tuple[Any, int] | None:
    try:
        value, ident = json.loads(base64.urlsafe_b64decode((cursor or "").encode()))
        return value, int(ident)
    except (ValueError, TypeError):
        return None


def _cursor_value(sort: str, raw: Any) -> Any:
    if raw is None:
        return None
    if sort in ("terbaru", "terlama"):
        return datetime.fromisoformat(raw)
    if sort == "tenggat":
        return date.fromisoformat(raw)
    return raw


def _sort_value(sort: str, complaint: Complaint) -> Any:
    if sort in ("terbaru", "terlama"):
        return complaint.created_at
    if sort == "tenggat":
        return complaint.verification_due or complaint.answer_due
    return {"mendesak": 0, "tinggi": 1, "normal": 2, "rendah": 3}[complaint.priority.value]


def page(
    session: Session,
    f: QueueFilter,
    viewer: User,
    *,
    cursor: str | None = None,
    size: int = PAGE_SIZE,
    now: datetime | None = None,
    with_counts: bool = True,
) -> QueuePage:
    """Return one page of the queue after ``cursor`` (keyset pagination: deep pages stay cheap)."""
    now = now or datetime.now(UTC)
    conds = _conditions(session, f, viewer, now)
    key, ascending = _order(f.sort)
    stmt = (
        sa.select(Complaint)
        .where(*conds)
        .options(
            selectinload(Complaint.unit),
            selectinload(Complaint.category),
            selectinload(Complaint.assignee),
        )
    )
    after = _decode(cursor)
    if after is not None:
        value = _cursor_value(f.sort, after[0])
        if value is None:
            stmt = stmt.where(
                key.is_(None), Complaint.id > after[1] if ascending else Complaint.id < after[1]
            )
        elif ascending:
            stmt = stmt.where(
                sa.or_(key > value, sa.and_(key == value, Complaint.id > after[1]), key.is_(None))
            )
        else:
            stmt = stmt.where(sa.or_(key < value, sa.and_(key == value, Complaint.id < after[1])))
    order = (
        [key.asc().nulls_last(), Complaint.id.asc()]
        if ascending
        else [key.desc().nulls_last(), Complaint.id.desc()]
    )
    rows = list(session.scalars(stmt.order_by(*order).limit(size + 1)))
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = _encode(_sort_value(f.sort, last), last.id)
    total, by_status = 0, {}
    if with_counts:
        total = session.scalar(sa.select(sa.func.count(Complaint.id)).where(*conds))
        base = [
            c
            for c in _conditions(
                session, QueueFilter(**{**f.__dict__, "statuses": ()}), viewer, now
            )
        ]
        by_status = dict(
            session.execute(
                sa.select(Complaint.status, sa.func.count(Complaint.id))
                .where(*base)
                .group_by(Complaint.status)
            ).all()
        )
        by_status = {getattr(k, "value", k): v for k, v in by_status.items()}
    return QueuePage(rows, next_cursor, total, by_status)


def iter_all(session: Session, f: QueueFilter, viewer: User, *, batch: int = 500):
    """Yield every complaint matching the filter, in pages (for exports)."""
    cursor = None
    while True:
        result = page(session, f, viewer, cursor=cursor, size=batch, with_counts=False)
        yield from result.items
        if result.next_cursor is None:
            return
        cursor = result.next_cursor
