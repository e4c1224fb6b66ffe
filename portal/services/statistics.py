"""Public monitoring statistics: aggregate numbers about complaints and predicates.

Suppression rule (the page states it too): a count from 1 to 4 is published as "<5"; a median
or share computed from fewer than 5 complaints is not published ("—"); zero stays 0; and when a
unit has from 1 to 4 complaints in the period, none of that unit's numbers are published.

Threat model: the statistics are public, and a small cell ("2 complaints about unit X by
Telegram in March") can point at the person who reported. So this module selects aggregates
only, never a complaint row, code, title, body or reporter field, and applies the rule above
before any number leaves it: pages and CSV files receive ``Count``/``Measure`` values whose
suppressed numbers are already gone, so no caller can print them by mistake. Not covered:
secondary suppression (recovering one hidden cell as a total minus the other cells).

Definitions, in the portal's time zone (``BABEL_DEFAULT_TIMEZONE``, a fixed offset such as WIB):
- counted complaints: every complaint except those merged into another (``digabung``), filed in
  the selected year, or ever when no year is selected; the months series covers the selected
  year, or the last 24 months;
- time to verification: calendar days from the filing date to the first change of status to
  ``verifikasi``; time to first answer: to the first public reply (a ``balasan`` message);
- on time: that date is on or before ``verification_due`` / ``answer_due``. The share counts
  complaints with the event, and those still without it whose due date has passed; a complaint
  closed without being verified is left out of the verification share (the deadline lapsed);
- predicates held in a year: in force on 31 December (today for the current year); revoked in a
  year: ``revoked_on`` within it. Predicates are public decrees and are not suppressed.

Everything is grouped in SQL (one query per dataset); medians use window functions, so the same
statements run on SQLite and PostgreSQL. A pure read model: nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Category, Complaint, ComplaintEvent, ComplaintMessage, Predicate, Unit
from models.enums import (
    Channel,
    ComplaintOutcome,
    ComplaintStatus,
    MessageKind,
    PredicateEnd,
    PredicateKind,
)

SMALL_CELL = 5  # a count below this (and above zero) identifies too few people to publish
MONTHS_WITHOUT_YEAR = 24
NOT_COUNTED = (ComplaintStatus.DIGABUNG,)  # a merged duplicate is already counted once
OUTCOMES = (
    ComplaintOutcome.TERBUKTI.value,
    ComplaintOutcome.TIDAK_TERBUKTI.value,
    ComplaintOutcome.SEBAGIAN.value,
    ComplaintStatus.DITERUSKAN.value,
    ComplaintStatus.DITOLAK.value,
)


# --- published values ----------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    """A published count of complaints; ``value`` is None when suppressed (1 to 4)."""

    value: int | None

    @property
    def suppressed(self) -> bool:
        """Return whether the number is hidden."""
        return self.value is None


@dataclass(frozen=True)
class Measure:
    """A published median or share; ``value`` is None when fewer than 5 complaints are behind it.

    A share is a fraction (0 to 1); ``basis`` is the number of complaints it is computed from.
    """

    value: float | None
    basis: Count


def publish_count(n: int, *, hide: bool = False) -> Count:
    """Return ``n`` as it may be published: 1 to 4 (or anything, with ``hide``) becomes "<5"."""
    if hide or 0 < n < SMALL_CELL:
        return Count(None)
    return Count(int(n))


def publish_measure(value: Any, n: int, *, hide: bool = False) -> Measure:
    """Return a median or share computed from ``n`` complaints, hidden when ``n`` is below 5."""
    if hide or n < SMALL_CELL or value is None:
        return Measure(None, publish_count(n, hide=hide))
    return Measure(float(value), Count(int(n)))


@dataclass(frozen=True)
class UnitCount:
    slug: str | None  # None: complaints whose unit is not known yet
    name: str | None
    count: Count


@dataclass(frozen=True)
class CategoryCount:
    slug: str | None  # a category group; None: not categorised yet (email before triage)
    name: str | None
    name_en: str | None
    count: Count


@dataclass(frozen=True)
class ComplaintStats:
    """Every complaint dataset of one period (and optionally one unit), already suppressed."""

    year: int | None
    months: tuple[tuple[date, Count], ...]  # first day of each month, oldest first
    total: Count
    unit_hidden: bool  # the unit has 1 to 4 complaints: all its numbers are hidden
    by_unit: tuple[UnitCount, ...]
    by_category: tuple[CategoryCount, ...]
    by_channel: tuple[tuple[Channel, Count], ...]
    verification_days: Measure
    answer_days: Measure
    verified_on_time: Measure
    answered_on_time: Measure
    outcomes: tuple[tuple[str, Count], ...]  # keys of OUTCOMES


@dataclass(frozen=True)
class PredicateYear:
    year: int
    wbk: int  # held on 31 December (today for the current year)
    wbbm: int
    revoked: int  # revoked during the year


# --- time ------------------------------------------------------------------------------------


def local_today(tz: tzinfo, now: datetime | None = None) -> date:
    """Return today's date in ``tz``."""
    return (now or datetime.now(UTC)).astimezone(tz).date()


def _start_of(day: date, tz: tzinfo) -> datetime:
    """Return the UTC instant at which ``day`` begins in ``tz``."""
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_range(today: date, year: int | None) -> tuple[date, ...]:
    """Return the months a series shows: the year's (up to this month), or the last 24."""
    this_month = today.replace(day=1)
    if year is None:
        return tuple(_add_months(this_month, -n) for n in range(MONTHS_WITHOUT_YEAR - 1, -1, -1))
    last = 12 if year < today.year else (today.month if year == today.year else 0)
    return tuple(date(year, m, 1) for m in range(1, last + 1))


class _LocalSQL:
    """SQL for local calendar dates of UTC timestamps, on SQLite or PostgreSQL.

    The offset is rendered as a literal (an int we computed), not a bound parameter, so a
    statement that selects and groups by the same expression stays valid on PostgreSQL.
    """

    def __init__(self, dialect: str, tz: tzinfo, today: date):
        offset = tz.utcoffset(datetime(today.year, today.month, today.day)) or timedelta(0)
        self.minutes = int(offset.total_seconds() // 60)
        self.postgres = dialect == "postgresql"

    def _shifted(self, column: Any) -> Any:
        return column + sa.literal_column(f"INTERVAL '{self.minutes:d} minutes'", sa.Interval())

    def date(self, column: Any) -> Any:
        """Return the local date of ``column`` (a date on PostgreSQL, 'YYYY-MM-DD' on SQLite)."""
        if self.postgres:
            return sa.cast(self._shifted(column), sa.Date)
        return sa.func.date(column, sa.literal_column(f"'{self.minutes:+d} minutes'"))

    def month(self, column: Any) -> Any:
        """Return the local month of ``column`` as 'YYYY-MM'."""
        if self.postgres:
            return sa.func.to_char(self._shifted(column), sa.literal_column("'YYYY-MM'"))
        return sa.func.strftime(
            sa.literal_column("'%Y-%m'"), column, sa.literal_column(f"'{self.minutes:+d} minutes'")
        )

    def days_between(self, later: Any, earlier: Any) -> Any:
        """Return the whole calendar days from ``earlier`` to ``later`` (local dates)."""
        if self.postgres:
            return self.date(later) - self.date(earlier)
        return sa.func.julianday(self.date(later)) - sa.func.julianday(self.date(earlier))


# --- complaints ------------------------------------------------------------------------------


def complaint_years(session: Session, *, tz: tzinfo, today: date) -> list[int]:
    """Return the years a visitor can choose, newest first (from the first complaint on)."""
    first = session.scalar(
        sa.select(sa.func.min(Complaint.created_at)).where(Complaint.status.notin_(NOT_COUNTED))
    )
    start = first.astimezone(tz).year if first is not None else today.year
    return list(range(today.year, min(start, today.year) - 1, -1))


def _counted(year: int | None, unit_id: int | None, tz: tzinfo) -> list[Any]:
    conditions: list[Any] = [Complaint.status.notin_(NOT_COUNTED)]
    if year is not None:
        conditions += [
            Complaint.created_at >= _start_of(date(year, 1, 1), tz),
            Complaint.created_at < _start_of(date(year + 1, 1, 1), tz),
        ]
    if unit_id is not None:
        conditions.append(Complaint.unit_id == unit_id)
    return conditions


def _first_verification() -> Any:
    return (
        sa.select(
            ComplaintEvent.complaint_id.label("complaint_id"),
            sa.func.min(ComplaintEvent.created_at).label("at"),
        )
        .where(
            ComplaintEvent.action == "status",
            ComplaintEvent.to_value == ComplaintStatus.VERIFIKASI.value,
        )
        .group_by(ComplaintEvent.complaint_id)
        .subquery("first_verification")
    )


def _first_answer() -> Any:
    return (
        sa.select(
            ComplaintMessage.complaint_id.label("complaint_id"),
            sa.func.min(ComplaintMessage.created_at).label("at"),
        )
        .where(ComplaintMessage.kind == MessageKind.BALASAN)
        .group_by(ComplaintMessage.complaint_id)
        .subquery("first_answer")
    )


def _timings(conditions: list[Any], local: _LocalSQL, today: date) -> Any:
    """Return a subquery of one row per counted complaint: days taken and deadline flags."""
    verified = _first_verification()
    answered = _first_answer()
    verified_in_time = sa.and_(
        verified.c.at.isnot(None), local.date(verified.c.at) <= Complaint.verification_due
    )
    verification_applies = sa.and_(
        Complaint.verification_due.isnot(None),
        sa.or_(
            verified.c.at.isnot(None),
            sa.and_(Complaint.closed_at.is_(None), Complaint.verification_due < today),
        ),
    )
    answered_in_time = sa.and_(
        answered.c.at.isnot(None), local.date(answered.c.at) <= Complaint.answer_due
    )
    answer_applies = sa.and_(
        Complaint.answer_due.isnot(None),
        sa.or_(answered.c.at.isnot(None), Complaint.answer_due < today),
    )

    def flag(condition: Any) -> Any:
        return sa.case((condition, 1), else_=0)

    return (
        sa.select(
            sa.case(
                (verified.c.at.isnot(None), local.days_between(verified.c.at, Complaint.created_at))
            ).label("verification_days"),
            sa.case(
                (answered.c.at.isnot(None), local.days_between(answered.c.at, Complaint.created_at))
            ).label("answer_days"),
            flag(verification_applies).label("verification_applies"),
            flag(sa.and_(verification_applies, verified_in_time)).label("verified_in_time"),
            flag(answer_applies).label("answer_applies"),
            flag(sa.and_(answer_applies, answered_in_time)).label("answered_in_time"),
        )
        .select_from(Complaint)
        .outerjoin(verified, verified.c.complaint_id == Complaint.id)
        .outerjoin(answered, answered.c.complaint_id == Complaint.id)
        .where(*conditions)
        .subquery("timings")
    )


def _median(session: Session, column: Any) -> tuple[float | None, int]:
    """Return the median of a subquery column (NULLs left out) and how many values it has."""
    ranked = (
        sa.select(
            column.label("v"),
            sa.func.row_number().over(order_by=column).label("rn"),
            sa.func.count().over().label("n"),
        )
        .where(column.isnot(None))
        .subquery("ranked")
    )
    middle = sa.or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
    value, n = session.execute(
        sa.select(sa.func.avg(ranked.c.v), sa.func.max(ranked.c.n)).where(middle)
    ).one()
    return (None if value is None else float(value)), int(n or 0)


def complaint_stats(
    session: Session,
    *,
    tz: tzinfo,
    today: date,
    year: int | None = None,
    unit: Unit | None = None,
) -> ComplaintStats:
    """Return the complaint datasets for ``year`` (or all time) and ``unit`` (or all units)."""
    unit_id = unit.id if unit is not None else None
    conditions = _counted(year, unit_id, tz)
    local = _LocalSQL(session.get_bind().dialect.name, tz, today)

    total = session.scalar(sa.select(sa.func.count(Complaint.id)).where(*conditions)) or 0
    hide = unit is not None and 0 < total < SMALL_CELL

    def pub(n: int) -> Count:
        return publish_count(n, hide=hide)

    by_unit: tuple[UnitCount, ...] = ()
    if unit is None:
        rows = session.execute(
            sa.select(Unit.slug, Unit.name, sa.func.count(Complaint.id))
            .select_from(Complaint)
            .outerjoin(Unit, Unit.id == Complaint.unit_id)
            .where(*conditions)
            .group_by(Unit.id, Unit.slug, Unit.name)
        ).all()
        # By name, never by size: an order by size would rank the hidden cells.
        rows.sort(key=lambda r: (r[0] is None, (r[1] or "").casefold()))
        by_unit = tuple(UnitCount(slug, name, pub(n)) for slug, name, n in rows)

    group_id = sa.func.coalesce(Category.parent_id, Category.id)
    per_group = dict(
        session.execute(
            sa.select(group_id, sa.func.count(Complaint.id))
            .select_from(Complaint)
            .outerjoin(Category, Category.id == Complaint.category_id)
            .where(*conditions)
            .group_by(group_id)
        ).all()
    )
    groups = session.scalars(
        sa.select(Category)
        .where(Category.parent_id.is_(None))
        .order_by(Category.position, Category.id)
    ).all()
    by_category = [
        CategoryCount(g.slug, g.name, g.name_en, pub(per_group.get(g.id, 0)))
        for g in groups
        if g.active or per_group.get(g.id)
    ]
    if per_group.get(None):
        by_category.append(CategoryCount(None, None, None, pub(per_group[None])))

    per_channel = dict(
        session.execute(
            sa.select(Complaint.channel, sa.func.count(Complaint.id))
            .where(*conditions)
            .group_by(Complaint.channel)
        ).all()
    )
    by_channel = tuple((c, pub(per_channel.get(c, 0))) for c in Channel)

    months = month_range(today, year)
    per_month: dict[str, int] = {}
    if months:
        window = _counted(None, unit_id, tz) + [
            Complaint.created_at >= _start_of(months[0], tz),
            Complaint.created_at < _start_of(_add_months(months[-1], 1), tz),
        ]
        keyed = sa.select(local.month(Complaint.created_at).label("month")).where(*window)
        keyed = keyed.subquery("keyed")
        per_month = dict(
            session.execute(sa.select(keyed.c.month, sa.func.count()).group_by(keyed.c.month)).all()
        )
    by_month = tuple((m, pub(per_month.get(m.strftime("%Y-%m"), 0))) for m in months)

    timings = _timings(conditions, local, today)
    verification_days, n_verified = _median(session, timings.c.verification_days)
    answer_days, n_answered = _median(session, timings.c.answer_days)
    shares = session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(timings.c.verified_in_time), 0),
            sa.func.coalesce(sa.func.sum(timings.c.verification_applies), 0),
            sa.func.coalesce(sa.func.sum(timings.c.answered_in_time), 0),
            sa.func.coalesce(sa.func.sum(timings.c.answer_applies), 0),
        )
    ).one()
    verified_ok, verification_n, answered_ok, answer_n = (int(x) for x in shares)

    per_outcome: dict[str, int] = {}
    for status, outcome, n in session.execute(
        sa.select(Complaint.status, Complaint.outcome, sa.func.count(Complaint.id))
        .where(
            *conditions,
            Complaint.status.in_(
                (ComplaintStatus.SELESAI, ComplaintStatus.DITERUSKAN, ComplaintStatus.DITOLAK)
            ),
        )
        .group_by(Complaint.status, Complaint.outcome)
    ):
        key = outcome.value if status == ComplaintStatus.SELESAI and outcome else status.value
        if key in OUTCOMES:
            per_outcome[key] = per_outcome.get(key, 0) + n

    return ComplaintStats(
        year=year,
        months=by_month,
        total=pub(total),
        unit_hidden=hide,
        by_unit=by_unit,
        by_category=tuple(by_category),
        by_channel=by_channel,
        verification_days=publish_measure(verification_days, n_verified, hide=hide),
        answer_days=publish_measure(answer_days, n_answered, hide=hide),
        verified_on_time=publish_measure(
            verified_ok / verification_n if verification_n else None, verification_n, hide=hide
        ),
        answered_on_time=publish_measure(
            answered_ok / answer_n if answer_n else None, answer_n, hide=hide
        ),
        outcomes=tuple((key, pub(per_outcome.get(key, 0))) for key in OUTCOMES),
    )


# --- predicates ------------------------------------------------------------------------------


def predicate_years(
    session: Session, *, today: date, year: int | None = None
) -> tuple[PredicateYear, ...]:
    """Return, per year, the WBK and WBBM predicates held and the predicates revoked."""
    first = session.scalar(sa.select(sa.func.min(Predicate.awarded_on)))
    if first is None:
        return ()
    years = [year] if year is not None else list(range(first.year, today.year + 1))
    years = [y for y in years if y <= today.year]
    if not years:
        return ()

    def held_on(day: date) -> Any:
        return sa.and_(
            Predicate.awarded_on <= day,
            sa.or_(Predicate.ended_on.is_(None), Predicate.ended_on > day),
        )

    def revoked_in(y: int) -> Any:
        return sa.and_(
            Predicate.end_reason == PredicateEnd.DICABUT,
            Predicate.revoked_on >= date(y, 1, 1),
            Predicate.revoked_on <= date(y, 12, 31),
        )

    def total(condition: Any) -> Any:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    columns = []
    for y in years:
        columns.append(total(held_on(min(date(y, 12, 31), today))))
        columns.append(total(revoked_in(y)))
    held: dict[tuple[PredicateKind, int], int] = {}
    revoked: dict[int, int] = {}
    for kind, *values in session.execute(
        sa.select(Predicate.kind, *columns).group_by(Predicate.kind)
    ):
        for i, y in enumerate(years):
            held[(kind, y)] = int(values[2 * i])
            revoked[y] = revoked.get(y, 0) + int(values[2 * i + 1])
    return tuple(
        PredicateYear(
            year=y,
            wbk=held.get((PredicateKind.WBK, y), 0),
            wbbm=held.get((PredicateKind.WBBM, y), 0),
            revoked=revoked.get(y, 0),
        )
        for y in years
    )
