"""Pre-computed public statistics: complaint counts per month, unit and dimension.

One row counts the complaints of one local month (``YYYY-MM`` in the portal's time zone) and
one unit that share one value of one dimension, e.g. (2026-03, unit 7, ``channel``, ``email``).
portal/services/stats_rollup.py keeps the rows current in the transaction that changes a
complaint, and can rebuild them from the complaints; portal/services/statistics.py reads them.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import db

NO_UNIT = 0  # complaints whose unit is not known yet (a primary key column cannot be NULL)


class ComplaintRollup(db.Model):
    __tablename__ = "complaint_rollup"
    # The primary key serves one unit's (or all units') rows in a month range. The list of
    # units reads only the totals: this index covers that read (count included), so it never
    # scans the other dimensions' rows.
    __table_args__ = (
        sa.Index("ix_complaint_rollup_dimension_unit", "dimension", "unit_id", "month", "count"),
    )

    # No foreign key: 0 stands for "no unit", -1 for all units together, and a deleted
    # unit's history stays counted.
    unit_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    dimension: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
