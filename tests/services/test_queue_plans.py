"""The queue's heavy reads go through the indexes made for them (SQLite query plans).

At a million complaints (bench/triage_scale.py) a sort or a count that leaves its index costs
hundreds of milliseconds; these plans are what keeps them in single digits.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from models import Complaint, db
from models.enums import ComplaintStatus, Role
from portal.services import queue
from tests.factories import gen_agency, gen_unit, gen_user


@pytest.fixture
def inspector(session, app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("query plans are checked on SQLite; PostgreSQL plans by data statistics")
    unit = gen_unit(session, gen_agency(session))
    user = gen_user(session, Role.INSPEKTUR, unit=unit)
    session.commit()
    return user


def plan(session, statement) -> str:
    compiled = statement.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
    rows = session.execute(sa.text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    return "\n".join(row[-1] for row in rows)


def test_the_priority_order_is_read_from_its_index(session, inspector):
    # Unfiltered, the whole table is in play: without the index, every row would be sorted.
    f = queue.QueueFilter(sort="prioritas")
    text = plan(session, queue.page_statement(session, f, inspector))
    assert "ix_complaint_priority_rank" in text
    assert "TEMP B-TREE" not in text  # no sort of every matching complaint


@pytest.mark.parametrize(
    ("condition", "index"),
    [
        (Complaint.unit_id == 7, "ix_complaint_status_unit"),
        (Complaint.assignee_id == 7, "ix_complaint_assignee_status"),
        (Complaint.channel == "telegram", "ix_complaint_channel_status"),
        (Complaint.category_id.in_([3, 4]), "ix_complaint_category_status"),
        # (status, unit_id) or (status, due key, unit_id): both hold what the count reads
        (sa.true(), "ix_complaint_status_"),
    ],
)
def test_a_count_per_status_within_a_filter_reads_only_an_index(
    session, inspector, condition, index
):
    bounded = (
        sa.select(sa.literal(1))
        .where(queue.visible_to(inspector), condition, Complaint.status == ComplaintStatus.DITERIMA)
        .limit(queue.COUNT_CAP + 1)
    )
    assert f"COVERING INDEX {index}" in plan(session, bounded)


@pytest.mark.parametrize(
    "filters",
    [
        {"sort": "tenggat"},
        {"sort": "tenggat", "overdue": True},
        {"sort": "tenggat", "view": "terlambat"},
    ],
)
def test_the_deadline_order_is_read_from_its_index(session, inspector, filters):
    f = queue.QueueFilter(**filters)
    text = plan(session, queue.page_statement(session, f, inspector))
    assert "ix_complaint_due_key" in text
    assert "TEMP B-TREE" not in text


@pytest.mark.parametrize("view", ["saya", "belum_ditugaskan"])
def test_the_priority_order_of_one_inspectors_work_is_read_from_its_index(session, inspector, view):
    # The open complaints of one inspector (or nobody's): sorting them all was the slow part.
    f = queue.QueueFilter(view=view, sort="prioritas")
    text = plan(session, queue.page_statement(session, f, inspector))
    assert "ix_complaint_assignee_rank" in text
    assert "TEMP B-TREE" not in text


def test_overdue_counts_per_status_stay_in_an_index(session, inspector):
    f = queue.QueueFilter(view="terlambat")
    base = queue._conditions(session, f, inspector, datetime.now(UTC))
    bounded = (
        sa.select(sa.literal(1))
        .where(*base, Complaint.status == ComplaintStatus.DITERIMA)
        .limit(queue.COUNT_CAP + 1)
    )
    assert "ix_complaint_status_due" in plan(session, bounded)
