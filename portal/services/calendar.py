"""The working-day calendar of complaint deadlines: weekends, public holidays, local time zone.

Holidays are data (``models/data/holidays-id.yaml``: libur nasional and cuti bersama from each
year's SKB 3 Menteri), adjusted by configuration:

``HOLIDAYS_FILE``
    a YAML file in the same format that replaces the shipped data;
``HOLIDAYS_EXTRA``
    ISO dates that are days off too (regional holidays, a day the government adds later);
``HOLIDAYS_REMOVED``
    ISO dates of the data that are working days here (an office that works on a cuti bersama);
``WEEKEND_DAYS``
    weekday numbers that are never worked (Monday = 0; default Saturday and Sunday, ``5,6``);
``BABEL_DEFAULT_TIMEZONE``
    where "today" is decided (default ``Asia/Jakarta``).

The lists take a Python list or a string separated by commas or spaces (as an environment
variable gives it). A wrong value raises ``CalendarConfigError`` naming the setting.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

import models

DEFAULT_HOLIDAYS_FILE = Path(models.__file__).resolve().parent / "data" / "holidays-id.yaml"
DEFAULT_WEEKEND = frozenset({5, 6})
DEFAULT_TIMEZONE = "Asia/Jakarta"
KINDS = ("libur_nasional", "cuti_bersama")
# libyaml's parser when PyYAML was built with it: the same data, read ten times faster (every
# process reads the file once, and the mail pipe is one process per message).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CalendarConfigError(ValueError):
    """The holiday data or a calendar setting cannot be used."""


@dataclass(frozen=True)
class Holiday:
    """One day off of the data: its date, its Indonesian name and its kind."""

    day: date
    name: str
    kind: str  # libur_nasional | cuti_bersama


@dataclass(frozen=True)
class HolidayData:
    """A parsed holiday file: the days, and the years whose decree it lists in full."""

    holidays: tuple[Holiday, ...]
    complete_years: frozenset[int]


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are worked, and working-day arithmetic over them."""

    holidays: frozenset[date] = frozenset()
    weekend_days: frozenset[int] = DEFAULT_WEEKEND
    timezone: str = DEFAULT_TIMEZONE
    # Years whose holidays are all known; a deadline in another year may come out too early.
    complete_years: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        if not self.weekend_days <= set(range(7)) or len(self.weekend_days) > 6:
            raise CalendarConfigError("weekend days must be weekday numbers 0-6, not all seven")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> WorkCalendar:
        """Build the calendar from the app's configuration (the data file is read once)."""
        path = config.get("HOLIDAYS_FILE") or DEFAULT_HOLIDAYS_FILE
        data = load_holidays(path)
        extra = _dates(config.get("HOLIDAYS_EXTRA"), "HOLIDAYS_EXTRA")
        removed = _dates(config.get("HOLIDAYS_REMOVED"), "HOLIDAYS_REMOVED")
        weekend = config.get("WEEKEND_DAYS")
        timezone = config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_TIMEZONE
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise CalendarConfigError(f"unknown time zone {timezone!r}") from exc
        return cls(
            holidays=(frozenset(h.day for h in data.holidays) | extra) - removed,
            weekend_days=DEFAULT_WEEKEND if weekend is None else _weekdays(weekend),
            timezone=timezone,
            complete_years=data.complete_years,
        )

    # --- days ----------------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        """Return whether ``day`` is neither a weekend day nor a holiday."""
        return day.weekday() not in self.weekend_days and day not in self.holidays

    def local_date(self, moment: datetime) -> date:
        """Return the calendar date of an aware instant in the calendar's time zone."""
        return moment.astimezone(ZoneInfo(self.timezone)).date()

    def add_working_days(self, start: date, days: int) -> date:
        """Return the date ``days`` working days after ``start`` (before it when negative).

        ``start`` itself never counts, so a complaint filed on a Friday or a holiday with a
        3-day deadline is due on the third working day after it. ``days == 0`` gives ``start``.
        """
        step = timedelta(days=1 if days >= 0 else -1)
        current, remaining = start, abs(days)
        while remaining:
            current += step
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, a: date, b: date) -> int:
        """Return how many working days lie after ``a`` up to and including ``b``.

        Negative when ``b`` is before ``a``; so ``working_days_between(d, add_working_days(d, n))
        == n`` and a deadline ``due`` is ``working_days_between(due, today)`` days late.
        """
        if b < a:
            return -self.working_days_between(b, a)
        weeks, rest = divmod((b - a).days, 7)
        count = weeks * (7 - len(self.weekend_days))
        tail_start = a + timedelta(days=weeks * 7)
        count += sum(
            1
            for i in range(1, rest + 1)
            if (tail_start + timedelta(days=i)).weekday() not in self.weekend_days
        )
        count -= sum(
            1 for h in self.holidays if a < h <= b and h.weekday() not in self.weekend_days
        )
        return count

    def covers(self, day: date) -> bool:
        """Return whether every holiday of ``day``'s year is known to the calendar."""
        return day.year in self.complete_years


# --- the data file -----------------------------------------------------------------------------


def load_holidays(path: str | Path) -> HolidayData:
    """Return the holidays of a YAML file (cached per file version); refuse malformed data."""
    resolved = Path(path).expanduser().resolve()
    try:
        stamp = resolved.stat().st_mtime_ns
    except OSError as exc:
        raise CalendarConfigError(f"holiday file {str(path)!r} cannot be read") from exc
    return _load_holidays(str(resolved), stamp)


@functools.lru_cache(maxsize=8)
def _load_holidays(path: str, _stamp: int) -> HolidayData:
    try:
        text = Path(path).read_text(encoding="utf-8")
        raw = yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - either way a safe loader
    except (OSError, yaml.YAMLError) as exc:
        raise CalendarConfigError(f"holiday file {path!r}: {exc}") from exc
    years = raw.get("years") if isinstance(raw, dict) else None
    if not isinstance(years, list):
        raise CalendarConfigError(f"holiday file {path!r}: a top-level 'years' list is required")
    holidays: list[Holiday] = []
    complete: set[int] = set()
    seen: set[date] = set()
    for entry in years:
        if not isinstance(entry, dict) or not isinstance(entry.get("year"), int):
            raise CalendarConfigError(f"holiday file {path!r}: every year needs 'year: NNNN'")
        year = entry["year"]
        if entry.get("complete") is True:
            complete.add(year)
        for item in entry.get("days") or []:
            holiday = _holiday(item, year, path)
            if holiday.day in seen:
                raise CalendarConfigError(f"holiday file {path!r}: {holiday.day} listed twice")
            seen.add(holiday.day)
            holidays.append(holiday)
    return HolidayData(tuple(sorted(holidays, key=lambda h: h.day)), frozenset(complete))


def _holiday(item: Any, year: int, path: str) -> Holiday:
    if not isinstance(item, dict):
        raise CalendarConfigError(f"holiday file {path!r}: {item!r} is not a mapping")
    try:
        day = _one_date(item.get("date"))
    except ValueError as exc:
        raise CalendarConfigError(f"holiday file {path!r}: {exc}") from None
    name, kind = item.get("name"), item.get("kind")
    if day.year != year:
        raise CalendarConfigError(f"holiday file {path!r}: {day} is listed under {year}")
    if not isinstance(name, str) or not name.strip():
        raise CalendarConfigError(f"holiday file {path!r}: {day} has no name")
    if kind not in KINDS:
        raise CalendarConfigError(f"holiday file {path!r}: {day} kind must be one of {KINDS}")
    return Holiday(day=day, name=name.strip(), kind=kind)


# --- settings ----------------------------------------------------------------------------------


def _one_date(value: Any) -> date:
    if isinstance(value, datetime):
        raise ValueError(f"{value!r} is a moment, not a date")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{str(value)[:40]!r} is not an ISO date (YYYY-MM-DD)") from None


def _items(value: Any) -> Iterable[Any]:
    if value is None:
        return ()
    if isinstance(value, str):
        return [part for part in re.split(r"[\s,;]+", value) if part]
    if isinstance(value, date | int):
        return (value,)
    return value


def _dates(value: Any, key: str) -> frozenset[date]:
    try:
        return frozenset(_one_date(item) for item in _items(value))
    except (ValueError, TypeError) as exc:
        raise CalendarConfigError(f"{key}: {exc}") from None


def _weekdays(value: Any) -> frozenset[int]:
    try:
        days = frozenset(int(item) for item in _items(value))
    except (ValueError, TypeError):
        raise CalendarConfigError("WEEKEND_DAYS: weekday numbers 0-6 (Monday = 0)") from None
    if not days <= set(range(7)) or len(days) > 6:
        raise CalendarConfigError("WEEKEND_DAYS: weekday numbers 0-6 (Monday = 0), not all seven")
    return days
