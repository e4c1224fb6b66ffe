"""Working-day arithmetic for complaint deadlines (weekends and configured holidays skipped).

Kept for its callers; the calendar (holiday data, configuration) is ``calendar.WorkCalendar``.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from .calendar import WorkCalendar


def add_working_days(start: date, days: int, holidays: Collection[date] = ()) -> date:
    """Return the date ``days`` working days after ``start`` (Saturday and Sunday off)."""
    return WorkCalendar(holidays=frozenset(holidays)).add_working_days(start, days)
