"""Working-day arithmetic for complaint deadlines (weekends and configured holidays skipped)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta


def add_working_days(start: date, days: int, holidays: Collection[date] = ()) -> date:
    """Return the date ``days`` working days after ``start``."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            remaining -= 1
    return current
