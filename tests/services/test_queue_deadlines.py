"""The queue's "nearest deadline" order and overdue filter read the deadline running now.

Verification while a complaint is diterima/verifikasi, the first answer while it is in follow-up
and unanswered (as the overdue sweep reads them); any other complaint has no running deadline
and sorts last. SQL (an indexed expression) and Python (the keyset cursor) must agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from models import Complaint
from models.complaint import NO_DEADLINE
from models.enums import ComplaintStatus, Role
from portal.services import queue
from portal.services.reference_data import ensure_categories
from tests.factories import gen_agency, gen_unit, gen_user

NOW = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)
TODAY = NOW.date()
S = ComplaintStatus


@pytest.fixture
def inspector(session):
    ensure_categories(session)
    gen_unit(session, gen_agency(session))
    user = gen_user(session, Role.INSPEKTUR, email="ina@uji.test")
    session.commit()
    return user


def make(session, code, status, *, verify=None, answer=None, answered=False) -> Complaint:
    complaint = Complaint(
        code=code,
        access_key_hash="x",
        channel="web",
        privacy="rahasia",
        title=code,
        body="Uraian pengaduan untuk uji tenggat.",
        status=status,
        verification_due=verify,
        answer_due=answer,
        answered_at=NOW - timedelta(days=1) if answered else None,
        created_at=NOW - timedelta(days=30),
        updated_at=NOW - timedelta(days=30),
    )
    session.add(complaint)
    return complaint


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


@pytest.fixture
def complaints(session, inspector):
    made = [
        # In follow-up: its verification was met long ago; the answer is due in a week.
        make(session, "ZI-FOLLOW", S.TINDAK_LANJUT, verify=day(-40), answer=day(7)),
        make(session, "ZI-LATE-VERIFY", S.VERIFIKASI, verify=day(-2), answer=day(5)),
        make(session, "ZI-LATE-ANSWER", S.TINDAK_LANJUT, verify=day(-20), answer=day(-1)),
        # Answered on time, still in follow-up: its first-answer deadline is met.
        make(
            session, "ZI-ANSWERED", S.TINDAK_LANJUT, verify=day(-20), answer=day(-3), answered=True
        ),
        make(session, "ZI-TOMORROW", S.DITERIMA, verify=day(1), answer=day(6)),
        make(session, "ZI-CLOSED", S.SELESAI, verify=day(-60), answer=day(-55)),
        make(session, "ZI-PAUSED", S.PERLU_INFO, verify=day(-5), answer=day(2)),
        make(session, "ZI-DUE-TODAY", S.DITERIMA, verify=day(0), answer=day(5)),
    ]
    session.commit()
    return made


def codes(session, inspector, **filters) -> list[str]:
    f = queue.QueueFilter(**filters)
    seen, cursor = [], None
    while True:  # two per page: the keyset cursor on the deadline is walked too
        result = queue.page(session, f, inspector, cursor=cursor, size=2, now=NOW)
        seen += [c.code for c in result.items]
        if result.next_cursor is None:
            return seen
        cursor = result.next_cursor


def test_nearest_deadline_is_the_deadline_running_now(session, inspector, complaints):
    assert codes(session, inspector, sort="tenggat") == [
        "ZI-LATE-VERIFY",
        "ZI-LATE-ANSWER",
        "ZI-DUE-TODAY",
        "ZI-TOMORROW",
        "ZI-FOLLOW",
        # no deadline running (met, paused or closed): last, oldest id first
        *sorted(["ZI-ANSWERED", "ZI-CLOSED", "ZI-PAUSED"], key=lambda c: _id(complaints, c)),
    ]


def test_overdue_means_past_the_deadline_running_now(session, inspector, complaints):
    overdue = codes(session, inspector, overdue=True, sort="tenggat")
    assert overdue == ["ZI-LATE-VERIFY", "ZI-LATE-ANSWER"]
    assert set(codes(session, inspector, view="terlambat")) == set(overdue)
    counted = queue.counts(session, queue.QueueFilter(view="terlambat"), inspector, now=NOW)
    assert counted.total == 2
    assert counted.by_status == {"verifikasi": 1, "tindak_lanjut": 1}


def test_python_and_sql_agree_on_every_complaint(session, inspector, complaints):
    import sqlalchemy as sa

    keyed = dict(session.execute(sa.select(Complaint.code, queue.DUE_KEY)).all())
    for complaint in complaints:
        assert keyed[complaint.code] == complaint.due_key, complaint.code
    assert {c.code for c in complaints if c.due_key == NO_DEADLINE} == {
        "ZI-ANSWERED",
        "ZI-CLOSED",
        "ZI-PAUSED",
    }


def _id(complaints, code) -> int:
    return next(c.id for c in complaints if c.code == code)


def test_today_is_the_portals_day_not_greenwichs(session, inspector):
    # 06:00 in Jakarta is still yesterday in UTC: a complaint due yesterday (Jakarta) is late.
    make(session, "ZI-DUE-YESTERDAY", S.DITERIMA, verify=date(2026, 3, 9), answer=day(5))
    session.commit()
    early_morning = datetime(2026, 3, 9, 23, 0, tzinfo=UTC)  # 10 March, 06:00 WIB
    jakarta = queue.QueueFilter(overdue=True, timezone="Asia/Jakarta")
    greenwich = queue.QueueFilter(overdue=True)
    assert [c.code for c in queue.page(session, jakarta, inspector, now=early_morning).items] == [
        "ZI-DUE-YESTERDAY"
    ]
    assert queue.page(session, greenwich, inspector, now=early_morning).items == []


def test_date_bounds_are_whole_local_days(session, inspector):
    complaint = make(session, "ZI-LATE-EVENING", S.DITERIMA, verify=day(3), answer=day(8))
    complaint.created_at = datetime(2026, 3, 9, 18, 30, tzinfo=UTC)  # 10 March, 01:30 WIB
    session.commit()
    on_the_tenth = queue.QueueFilter(
        date_from=date(2026, 3, 10), date_to=date(2026, 3, 10), timezone="Asia/Jakarta"
    )
    assert [c.code for c in queue.page(session, on_the_tenth, inspector, now=NOW).items] == [
        "ZI-LATE-EVENING"
    ]
