"""Keep the public statistics' pre-computed counts (``complaint_rollup``) current.

Why: at a million complaints, grouping the complaint table for every visit of /statistik costs
seconds; summing a few thousand pre-computed rows costs milliseconds.

How: ``contributions`` says which rollup cells one complaint counts in, from its own columns
alone. A session hook compares each changed complaint's cells before and after the change and
adds the difference to the rollup in the same transaction, just before it commits (so the
hot "all units" rows stay locked for the shortest time), taking row locks in one fixed order
so that two transactions cannot deadlock. ``rebuild_rollup`` recomputes every row from the
complaints: after a bulk load that bypassed the ORM, or when a migration leaves the rollup
marked stale. A test checks that incremental upkeep and a rebuild always agree.

The same hook stamps ``verified_at`` and ``answered_at`` on a complaint when its first status
change to verifikasi, or its first public reply, is stored: every channel and service goes
through it, so no door can forget.

Limits: a bulk ``UPDATE``/``DELETE`` of complaints and a savepoint (``begin_nested``) are not
seen by the hook; the first needs ``rebuild_rollup``, the second raises rather than miscount.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from models import (
    Category,
    Complaint,
    ComplaintEvent,
    ComplaintMessage,
    ComplaintRollup,
    utcnow,
)
from models.enums import ComplaintStatus, MessageKind
from models.rollup import NO_UNIT

ALL_UNITS = -1  # the cells summed over every unit, so the national page reads few rows
STALE = ("0000-00", 0, "stale", "")  # a marker row: the rollup must be rebuilt before use
DELTAS = "zi_rollup_deltas"  # session.info key of the changes waiting for the commit
FINAL_STATUSES = (ComplaintStatus.SELESAI, ComplaintStatus.DITERUSKAN, ComplaintStatus.DITOLAK)
TRACKED = (
    "status",
    "outcome",
    "unit_id",
    "category_id",
    "channel",
    "created_at",
    "verified_at",
    "answered_at",
    "verification_due",
    "answer_due",
    "closed_at",
)

Cell = tuple[int, str, str, str]  # unit_id, month, dimension, key


@dataclass(frozen=True)
class ComplaintFacts:
    """The columns of one complaint that the statistics read."""

    status: ComplaintStatus
    outcome: Any
    unit_id: int | None
    category_id: int | None
    channel: Any
    created_at: datetime
    verified_at: datetime | None
    answered_at: datetime | None
    verification_due: date | None
    answer_due: date | None
    closed_at: datetime | None


def contributions(facts: ComplaintFacts, tz: tzinfo, group_of: Callable[[int], int]) -> list[Cell]:
    """Return the cells ``facts`` counts one in (per its unit, and again for all units).

    Dimensions: ``total``; ``channel``; ``category`` (the category's group); ``outcome`` (of a
    closed complaint); ``verify_days``/``answer_days`` (histograms, for medians);
    ``verify_applies``/``verify_in_time`` and ``answer_*`` (deadline shares, fixed once the
    event happened); ``verify_pending``/``answer_pending`` keyed by due date (a complaint still
    waiting counts in the share once that date has passed, which the reader decides).
    """
    if facts.status == ComplaintStatus.DIGABUNG:
        return []  # a merged duplicate is already counted once
    filed = facts.created_at.astimezone(tz).date()
    keys: list[tuple[str, str]] = [
        ("total", ""),
        ("channel", _value(facts.channel)),
        ("category", str(group_of(facts.category_id)) if facts.category_id else ""),
    ]
    if facts.status in FINAL_STATUSES:
        if facts.status == ComplaintStatus.SELESAI:
            if facts.outcome is not None:
                keys.append(("outcome", _value(facts.outcome)))
        else:
            keys.append(("outcome", facts.status.value))
    keys += _clock(
        "verify",
        facts.verified_at,
        facts.verification_due,
        filed,
        tz,
        waiting=facts.closed_at is None,
    )
    keys += _clock("answer", facts.answered_at, facts.answer_due, filed, tz, waiting=True)
    month = filed.strftime("%Y-%m")
    unit = facts.unit_id or NO_UNIT
    return [(u, month, d, k) for u in (unit, ALL_UNITS) for d, k in keys]


def _clock(
    name: str, done_at: datetime | None, due: date | None, filed: date, tz: tzinfo, *, waiting: bool
) -> list[tuple[str, str]]:
    if done_at is not None:
        done = done_at.astimezone(tz).date()
        keys = [(f"{name}_days", str((done - filed).days))]
        if due is not None:
            keys.append((f"{name}_applies", ""))
            if done <= due:
                keys.append((f"{name}_in_time", ""))
        return keys
    if due is not None and waiting:
        return [(f"{name}_pending", due.isoformat())]
    return []


def _value(member: Any) -> str:
    return getattr(member, "value", member) or ""


def rollup_timezone() -> tzinfo:
    """Return the portal's time zone, in which months and days are counted."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or "Asia/Jakarta")


class _CategoryGroups:
    """Category id → its group's id (a top-level category is its own group), read once."""

    def __init__(self, session: Session):
        self.session = session
        self.groups: dict[int, int] | None = None

    def __call__(self, category_id: int) -> int:
        if self.groups is None or category_id not in self.groups:
            rows = self.session.execute(sa.select(Category.id, Category.parent_id)).all()
            self.groups = {cid: parent or cid for cid, parent in rows}
        return self.groups.get(category_id, category_id)


def _group_in_session(session: Session) -> Callable[[int], int]:
    """Category id → group id through the identity map: the filing already loaded it."""

    def group_of(category_id: int) -> int:
        with session.no_autoflush:
            category = session.get(Category, category_id)
        return category.parent_id or category_id if category is not None else category_id

    return group_of


# --- upkeep in the changing transaction ------------------------------------------------------


def _facts_of(complaint: Complaint, *, before: bool) -> ComplaintFacts:
    """Return a flushed complaint's facts as they are, or as they were before this flush.

    The tracked columns keep their old value when set (``active_history``), so the history
    names it; a value set where there was None has no old value in the history.
    """
    values: dict[str, Any] = {}
    state = sa.inspect(complaint)
    for name in TRACKED:
        history = state.attrs[name].history
        if not before or not history.has_changes():
            values[name] = getattr(complaint, name)
        else:
            values[name] = history.deleted[0] if history.deleted else None
    return ComplaintFacts(**values)


def _stamp_first_times(session: Session, _context: Any, _instances: Any) -> None:
    """Set ``verified_at``/``answered_at`` from the events and replies about to be stored."""
    for obj in list(session.new):
        if isinstance(obj, ComplaintEvent):
            first = obj.action == "status" and obj.to_value == ComplaintStatus.VERIFIKASI.value
            field = "verified_at"
        elif isinstance(obj, ComplaintMessage):
            first = obj.kind == MessageKind.BALASAN
            field = "answered_at"
        else:
            continue
        if not first:
            continue
        complaint = obj.complaint
        if complaint is None and obj.complaint_id is not None:
            with session.no_autoflush:
                complaint = session.get(Complaint, obj.complaint_id)
        when = obj.created_at or utcnow()
        if complaint is not None and (
            getattr(complaint, field) is None or when < getattr(complaint, field)
        ):
            setattr(complaint, field, when)


def _collect(session: Session, _context: Any) -> None:
    """After each flush: note how the flushed complaints moved between cells."""
    changed = [
        obj
        for obj in (*session.new, *session.dirty, *session.deleted)
        if isinstance(obj, Complaint)
    ]
    if not changed:
        return
    tz = rollup_timezone()
    groups = _group_in_session(session)
    delta: Counter[Cell] = session.info.setdefault(DELTAS, Counter())
    for complaint in changed:
        is_new = complaint in session.new
        is_deleted = complaint in session.deleted
        if not is_new:
            delta.subtract(contributions(_facts_of(complaint, before=True), tz, groups))
        if not is_deleted:
            delta.update(contributions(_facts_of(complaint, before=False), tz, groups))
    if session.in_nested_transaction() and any(delta.values()):
        raise RuntimeError("complaint statistics are not kept inside a savepoint")


def _apply(session: Session) -> None:
    """Just before commit: flush what is pending, then write the noted differences."""
    session.flush()
    delta: Counter[Cell] | None = session.info.pop(DELTAS, None)
    if delta:
        apply_delta(session.connection(), delta)


def _discard(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(DELTAS, None)


UPSERT = sa.text(
    "INSERT INTO complaint_rollup (unit_id, month, dimension, key, count) "
    "VALUES (:unit_id, :month, :dimension, :key, :count) "
    "ON CONFLICT (unit_id, month, dimension, key) "
    "DO UPDATE SET count = complaint_rollup.count + excluded.count"
)


def apply_delta(connection: sa.Connection, delta: Counter[Cell]) -> None:
    """Add ``delta`` to the rollup, rows in key order (every writer locks in the same order)."""
    rows = [
        {"unit_id": u, "month": m, "dimension": d, "key": k, "count": n}
        for (u, m, d, k), n in sorted(delta.items())
        if n
    ]
    if rows:
        connection.execute(UPSERT, rows)


def install() -> None:
    """Attach the upkeep to every session (idempotent): the invariant holds for any door."""
    hooks = (
        ("before_flush", _stamp_first_times),
        ("after_flush", _collect),
        ("before_commit", _apply),
        ("after_transaction_end", _discard),
    )
    for name, hook in hooks:
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)


# --- rebuild ---------------------------------------------------------------------------------


def _all_facts(session: Session, batch: int = 20_000) -> Iterator[ComplaintFacts]:
    columns = [getattr(Complaint, name) for name in TRACKED]
    result = session.execute(
        sa.select(*columns).execution_options(yield_per=batch, stream_results=True)
    )
    for row in result:
        yield ComplaintFacts(*row)


def count_cells(facts: Iterable[ComplaintFacts], tz: tzinfo, groups: Callable) -> Counter[Cell]:
    """Return every rollup cell's count for ``facts``."""
    totals: Counter[Cell] = Counter()
    for one in facts:
        totals.update(contributions(one, tz, groups))
    return totals


def rebuild_rollup(session: Session, tz: tzinfo | None = None) -> int:
    """Recompute the whole rollup from the complaints (in the caller's transaction).

    Returns the number of rows written. Nothing else writes the rollup meanwhile on
    PostgreSQL: the table is locked for the rebuild.
    """
    tz = tz or rollup_timezone()
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("LOCK TABLE complaint_rollup IN EXCLUSIVE MODE"))
    totals = count_cells(_all_facts(session), tz, _CategoryGroups(session))
    session.execute(sa.delete(ComplaintRollup))
    rows = [(u, m, d, k, n) for (u, m, d, k), n in sorted(totals.items()) if n]
    _bulk_insert(connection, rows)
    return len(rows)


def _bulk_insert(connection: sa.Connection, rows: list[tuple[int, str, str, str, int]]) -> None:
    """Write rollup rows fast: COPY on PostgreSQL (an INSERT per row costs minutes at 1M)."""
    columns = ("unit_id", "month", "dimension", "key", "count")
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY complaint_rollup ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    for start in range(0, len(rows), 10_000):
        connection.execute(
            sa.insert(ComplaintRollup),
            [dict(zip(columns, row, strict=True)) for row in rows[start : start + 10_000]],
        )


def rollup_is_stale(session: Session) -> bool:
    """Return whether a migration asked for a rebuild that has not run yet."""
    unit_id, month, dimension, key = STALE[1], STALE[0], STALE[2], STALE[3]
    return (
        session.scalar(
            sa.select(sa.literal(1)).where(
                ComplaintRollup.unit_id == unit_id,
                ComplaintRollup.month == month,
                ComplaintRollup.dimension == dimension,
                ComplaintRollup.key == key,
            )
        )
        is not None
    )


def ensure_current(session: Session) -> bool:
    """Rebuild and commit the rollup if a migration marked it stale; return whether it did."""
    if not rollup_is_stale(session):
        return False
    rebuild_rollup(session)
    session.commit()
    return True
