"""The volume generator: counts, unique codes, and data consistent with the portal's own rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from models import Complaint, ComplaintEvent, ComplaintMessage, User
from models.enums import ComplaintStatus, MessageKind
from portal.services import queue
from portal.services.calendar import WorkCalendar
from portal.services.tracking import CODE_PATTERN
from portal.services.volume import (
    COMMON_WORD,
    RARE_WORDS,
    VOLUME_ACCESS_KEY,
    VolumeSpec,
    generate_volume,
)

N = 400
NOW = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)


@pytest.fixture
def generated(session, app):
    calendar = WorkCalendar.from_config(app.config)
    seen = []
    result = generate_volume(
        session,
        VolumeSpec(complaints=N, units=25, seed=7, now=NOW, batch=150, inspectors=6),
        calendar,
        progress=seen.append,
    )
    return {"result": result, "calendar": calendar, "progress": seen}


def test_writes_the_complaints_asked_for_with_their_threads(generated, session):
    result = generated["result"]
    assert result.complaints == session.scalar(sa.select(sa.func.count(Complaint.id))) == N
    assert result.messages == session.scalar(sa.select(sa.func.count(ComplaintMessage.id)))
    assert result.events == session.scalar(sa.select(sa.func.count(ComplaintEvent.id)))
    per_complaint = session.execute(
        sa.select(ComplaintMessage.complaint_id, sa.func.count()).group_by(
            ComplaintMessage.complaint_id
        )
    ).all()
    assert len(per_complaint) == N and all(1 <= n <= 3 for _, n in per_complaint)
    assert generated["progress"] == [150, 300, 400]


def test_codes_are_unique_and_well_formed(generated, session):
    codes = list(session.scalars(sa.select(Complaint.code)))
    assert len(set(codes)) == N and all(CODE_PATTERN.match(c) for c in codes)


def test_the_shared_access_key_opens_a_generated_complaint(generated, session):
    from portal.services.tracking import key_matches

    complaint = session.scalar(sa.select(Complaint).limit(1))
    assert key_matches(complaint.access_key_hash, VOLUME_ACCESS_KEY)


def test_statuses_are_mostly_closed_with_some_open_and_overdue(generated, session):
    by_status = dict(
        session.execute(
            sa.select(Complaint.status, sa.func.count()).group_by(Complaint.status)
        ).all()
    )
    closed = sum(by_status.get(s, 0) for s in (ComplaintStatus.SELESAI, ComplaintStatus.DITOLAK))
    assert closed > N / 2
    assert 0 < sum(by_status.get(s, 0) for s in queue.OPEN) < N / 4
    today = NOW.date()
    overdue = session.scalar(
        sa.select(sa.func.count()).where(
            Complaint.status.in_((ComplaintStatus.DITERIMA, ComplaintStatus.VERIFIKASI)),
            Complaint.verification_due < today,
        )
    )
    assert overdue >= 1


def test_deadlines_follow_created_at_on_the_working_day_calendar(generated, session):
    calendar = generated["calendar"]
    for c in session.scalars(sa.select(Complaint)):
        day = calendar.local_date(c.created_at)
        assert c.verification_due == calendar.add_working_days(day, 3)
        assert c.answer_due == calendar.add_working_days(c.verification_due, 5)
        assert c.created_at <= NOW


def test_verified_at_and_answered_at_match_events_and_messages(generated, session):
    for c in session.scalars(sa.select(Complaint)):
        to_verification = [
            e.created_at for e in c.events if e.action == "status" and e.to_value == "verifikasi"
        ]
        replies = [m.created_at for m in c.messages if m.kind == MessageKind.BALASAN]
        assert c.verified_at == (min(to_verification) if to_verification else None)
        assert c.answered_at == (min(replies) if replies else None)
        statuses = [e.to_value for e in c.events if e.action == "status"]
        assert (statuses[-1] if statuses else "diterima") == c.status.value
        assert c.updated_at == max(e.created_at for e in c.events)
        assert c.messages[0].kind == MessageKind.MASUK and c.messages[0].body == c.body
        if c.status in (ComplaintStatus.SELESAI, ComplaintStatus.DITOLAK):
            assert c.closed_at is not None
        if c.status == ComplaintStatus.SELESAI:
            assert c.outcome is not None


def test_no_assignee_works_in_the_unit_they_handle(generated, session):
    pairs = session.execute(
        sa.select(Complaint.unit_id, User.unit_id).join(User, User.id == Complaint.assignee_id)
    ).all()
    assert pairs and all(unit != own for unit, own in pairs)


def test_full_text_search_finds_generated_words(generated, session):
    inspector = session.scalar(sa.select(User).where(User.email.like("inspektur1@%")))
    now = NOW + timedelta(days=1)
    common = queue.page(session, queue.QueueFilter(q=COMMON_WORD), inspector, now=now)
    assert len(common.items) == queue.PAGE_SIZE
    body = session.scalar(
        sa.select(Complaint.body).where(sa.or_(*[Complaint.body.contains(w) for w in RARE_WORDS]))
    )
    if body is None:
        pytest.skip("no rare sentence in this small sample")
    word = next(w for w in RARE_WORDS if w in body)
    rare = queue.page(session, queue.QueueFilter(q=word), inspector, now=now)
    assert rare.items and all(
        word in c.body or any(word in m.body for m in c.messages) for c in rare.items
    )


def test_running_again_adds_complaints_and_reuses_units_and_staff(generated, session, app):
    users = session.scalar(sa.select(sa.func.count(User.id)))
    again = generate_volume(
        session,
        VolumeSpec(complaints=50, units=25, seed=8, now=NOW, inspectors=6),
        generated["calendar"],
    )
    assert again.complaints == 50
    assert session.scalar(sa.select(sa.func.count(Complaint.id))) == N + 50
    assert session.scalar(sa.select(sa.func.count(User.id))) == users


def test_the_command_refuses_a_production_database(app, monkeypatch):
    monkeypatch.setitem(app.config, "ZI_PROFILE", "production")
    result = app.test_cli_runner().invoke(args=["seed-volume", "--complaints", "5"])
    assert result.exit_code != 0
    assert "refuses to run in production" in result.output
