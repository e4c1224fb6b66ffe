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

The counts are pre-computed in ``complaint_rollup`` (per local month, unit and dimension; see
portal/services/stats_rollup.py, which defines what each complaint counts in and keeps it
current in the transaction that changes the complaint): a page sums a few thousand rows
whatever the number of complaints. A pure read model: nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Category, Predicate, Unit
from models import ComplaintRollup as R
from models.enums import (
    Channel,
    ComplaintOutcome,
    ComplaintStatus,
    PredicateEnd,
    PredicateKind,
)
from portal.services.stats_rollup import ALL_UNITS

SMALL_CELL = 5  # a count below this (and above zero) identifies too few people to publish
MONTHS_WITHOUT_YEAR = 24
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


# --- complaints ------------------------------------------------------------------------------


def complaint_years(session: Session, *, tz: tzinfo, today: date) -> list[int]:
    """Return the years a visitor can choose, newest first (from the first complaint on)."""
    first = session.scalar(
        sa.select(sa.func.min(R.month)).where(
            R.unit_id == ALL_UNITS, R.dimension == "total", R.count > 0
        )
    )
    start = int(first[:4]) if first is not None else today.year
    return list(range(today.year, min(start, today.year) - 1, -1))


def _in_months(months: tuple[date, ...] | None) -> list[Any]:
    if months is None:
        return []
    return [R.month >= months[0].strftime("%Y-%m"), R.month <= months[-1].strftime("%Y-%m")]


def _year_months(year: int | None) -> tuple[date, ...] | None:
    return None if year is None else (date(year, 1, 1), date(year, 12, 1))


def _median(histogram: dict[int, int]) -> tuple[float | None, int]:
    """Return the median of values given as value → how many, and how many there are."""
    n = sum(histogram.values())
    if not n:
        return None, 0
    wanted = {(n + 1) // 2, (n + 2) // 2}  # 1-based positions of the middle value(s)
    found: list[int] = []
    seen = 0
    for value in sorted(histogram):
        count = histogram[value]
        found += [value for position in wanted if seen < position <= seen + count]
        seen += count
    return sum(found) / len(found), n


def _share(sums: dict[tuple[str, str], int], name: str, today: date) -> tuple[int, int]:
    """Return (on time, applies) for one deadline: events seen, plus those now overdue."""
    overdue = sum(
        n for (dim, key), n in sums.items() if dim == f"{name}_pending" and key < today.isoformat()
    )
    return sums.get((f"{name}_in_time", ""), 0), sums.get((f"{name}_applies", ""), 0) + overdue


def complaint_stats(
    session: Session,
    *,
    tz: tzinfo,
    today: date,
    year: int | None = None,
    unit: Unit | None = None,
) -> ComplaintStats:
    """Return the complaint datasets for ``year`` (or all time) and ``unit`` (or all units).

    The counts come from ``complaint_rollup``, kept in the portal's time zone; ``tz`` only
    decides what "today" is and must be that zone.
    """
    unit_key = unit.id if unit is not None else ALL_UNITS
    period = _in_months(_year_months(year))
    sums: dict[tuple[str, str], int] = {
        (dim, key): int(n)
        for dim, key, n in session.execute(
            sa.select(R.dimension, R.key, sa.func.sum(R.count))
            .where(R.unit_id == unit_key, *period)
            .group_by(R.dimension, R.key)
        )
    }

    def dataset(name: str) -> dict[str, int]:
        return {key: n for (dim, key), n in sums.items() if dim == name and n}

    total = sums.get(("total", ""), 0)
    hide = unit is not None and 0 < total < SMALL_CELL

    def pub(n: int) -> Count:
        return publish_count(n, hide=hide)

    by_unit: tuple[UnitCount, ...] = ()
    if unit is None:
        per_unit = dict(
            session.execute(
                sa.select(R.unit_id, sa.func.sum(R.count))
                .where(R.dimension == "total", R.unit_id != ALL_UNITS, *period)
                .group_by(R.unit_id)
                .having(sa.func.sum(R.count) > 0)
            ).all()
        )
        names = {
            uid: (slug, name)
            for uid, slug, name in session.execute(
                sa.select(Unit.id, Unit.slug, Unit.name).where(Unit.id.in_(list(per_unit)))
            )
        }
        rows = [(*names.get(uid, (None, None)), int(n)) for uid, n in per_unit.items()]
        # By name, never by size: an order by size would rank the hidden cells.
        rows.sort(key=lambda r: (r[0] is None, (r[1] or "").casefold()))
        by_unit = tuple(UnitCount(slug, name, pub(n)) for slug, name, n in rows)

    per_group = {int(key) if key else None: n for key, n in dataset("category").items()}
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

    per_channel = dataset("channel")
    by_channel = tuple((c, pub(per_channel.get(c.value, 0))) for c in Channel)

    months = month_range(today, year)
    per_month: dict[str, int] = {}
    if months:
        per_month = {
            month: int(n)
            for month, n in session.execute(
                sa.select(R.month, sa.func.sum(R.count))
                .where(R.unit_id == unit_key, R.dimension == "total", *_in_months(months))
                .group_by(R.month)
            )
        }
    by_month = tuple((m, pub(per_month.get(m.strftime("%Y-%m"), 0))) for m in months)

    verification_days, n_verified = _median({int(k): n for k, n in dataset("verify_days").items()})
    answer_days, n_answered = _median({int(k): n for k, n in dataset("answer_days").items()})
    verified_ok, verification_n = _share(sums, "verify", today)
    answered_ok, answer_n = _share(sums, "answer", today)
    per_outcome = dataset("outcome")

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
