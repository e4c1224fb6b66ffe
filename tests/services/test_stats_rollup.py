"""The statistics rollup: kept current in the changing transaction, equal to a full rebuild.

The statistics' definitions are checked number by number in tests/public/test_statistics.py,
which reads the rollup; here: that upkeep after any sequence of service calls (on every door:
filing, status changes, replies, reclassification, merging, rollbacks) leaves exactly the rows
a rebuild from the complaints would write, and that a stale rollup heals itself.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from models import Category, Complaint, ComplaintRollup
from models.enums import Channel, ComplaintOutcome, ComplaintStatus, ReferralBody, Role
from portal.services import stats_rollup, triage
from portal.services.errors import NotPermitted, PreconditionFailed
from portal.services.intake import ComplaintSubmission, Contact, IntakeSettings, submit_complaint
from portal.services.reference_data import ensure_categories
from tests.factories import gen_agency, gen_unit, gen_user

S = ComplaintStatus


def stored_rows(session) -> Counter:
    rows = session.execute(
        sa.select(
            ComplaintRollup.unit_id,
            ComplaintRollup.month,
            ComplaintRollup.dimension,
            ComplaintRollup.key,
            ComplaintRollup.count,
        )
    )
    return Counter({(u, m, d, k): n for u, m, d, k, n in rows if n})


def rebuilt_rows(session) -> Counter:
    """What a rebuild would write, computed without writing it."""
    totals = stats_rollup.count_cells(
        stats_rollup._all_facts(session),
        stats_rollup.rollup_timezone(),
        stats_rollup._CategoryGroups(session),
    )
    return Counter({cell: n for cell, n in totals.items() if n})


@pytest.fixture
def world(session, app):
    ensure_categories(session)
    agency = gen_agency(session)
    units = [gen_unit(session, agency, name=f"Direktorat {n}") for n in ("Satu", "Dua", "Tiga")]
    inspector = gen_user(session, Role.INSPEKTUR)
    session.commit()
    return {"units": units, "inspector": inspector, "config": app.config}


def file(session, app, unit, *, channel=Channel.WEB, category="pungli", now=None):
    submission = ComplaintSubmission(
        channel=channel,
        category=category,
        title="Pungutan di loket",
        description="Petugas meminta uang Rp50.000 untuk mempercepat layanan KTP.",
        unit=unit.slug if unit else None,
        unit_hint=None if unit else "Kantor di pojok jalan",
        contact=Contact(email="warga@contoh.test"),
    )
    return submit_complaint(
        session, submission, IntakeSettings.from_config(app.config), now=now
    ).complaint


def test_filing_counts_in_the_same_transaction_and_a_rollback_counts_nothing(session, app, world):
    file(session, app, world["units"][0])
    session.rollback()
    assert stored_rows(session) == Counter()

    complaint = file(session, app, world["units"][0])
    session.commit()
    rows = stored_rows(session)
    month = complaint.created_at.astimezone(stats_rollup.rollup_timezone()).strftime("%Y-%m")
    for unit_id in (world["units"][0].id, stats_rollup.ALL_UNITS):
        assert rows[(unit_id, month, "total", "")] == 1
        assert rows[(unit_id, month, "channel", "web")] == 1
    assert rows == rebuilt_rows(session)


def test_first_verification_and_first_reply_are_stamped(session, app, world):
    complaint = file(session, app, world["units"][0])
    session.commit()
    at = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    triage.change_status(
        session,
        complaint,
        to=S.VERIFIKASI,
        actor=world["inspector"],
        config=world["config"],
        now=at,
    )
    triage.reply(
        session,
        complaint,
        body="Sedang kami periksa.",
        author=world["inspector"],
        config=world["config"],
        now=at + timedelta(days=1),
    )
    session.commit()
    triage.reply(
        session,
        complaint,
        body="Masih kami periksa.",
        author=world["inspector"],
        config=world["config"],
        now=at + timedelta(days=2),
    )
    session.commit()
    session.refresh(complaint)
    assert complaint.verified_at == at
    assert complaint.answered_at == at + timedelta(days=1)  # the first reply, not the last
    assert stored_rows(session) == rebuilt_rows(session)


def _random_step(rng, session, app, world, complaints) -> None:
    inspector, config = world["inspector"], world["config"]
    action = rng.choice(["file", "file", "status", "status", "status", "reply", "move", "merge"])
    if action == "file" or not complaints:
        unit = rng.choice([*world["units"], None])
        channel = rng.choice([Channel.WEB, Channel.EMAIL, Channel.TELEGRAM])
        category = rng.choice(
            ["pungli", "suap", "penundaan-berlarut", "tidak-kompeten", "aspirasi"]
        )
        days_ago = rng.randint(0, 500)
        now = datetime.now(UTC) - timedelta(days=days_ago, hours=rng.randint(0, 23))
        complaints.append(file(session, app, unit, channel=channel, category=category, now=now))
        return
    complaint = rng.choice(complaints)
    later = complaint.created_at + timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 23))
    if action == "status":
        choices = triage.allowed_transitions(complaint)
        if not choices:
            return
        to = rng.choice(choices)
        extra = {}
        if to == S.SELESAI:
            extra["outcome"] = rng.choice(list(ComplaintOutcome))
        if to == S.DITERUSKAN:
            extra["referred_to"] = ReferralBody.OMBUDSMAN
            extra["note"] = "Diteruskan."
        if to in (S.DITOLAK, S.PERLU_INFO):
            extra["note"] = "Catatan untuk pelapor."
        if to == S.DIGABUNG:
            return
        triage.change_status(
            session, complaint, to=to, actor=inspector, config=config, now=later, **extra
        )
    elif action == "reply":
        triage.reply(
            session, complaint, body="Terima kasih.", author=inspector, config=config, now=later
        )
    elif action == "move":
        unit = rng.choice([*world["units"], None])
        category = session.scalars(sa.select(Category).order_by(Category.id)).all()
        triage.reclassify(
            session,
            complaint,
            actor=inspector,
            unit=unit,
            category=rng.choice(category),
            now=later,
        )
    elif action == "merge":
        into = rng.choice(complaints)
        if into is complaint:
            return
        triage.merge(session, complaint, into=into, actor=inspector, config=config, now=later)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_upkeep_after_any_sequence_of_service_calls_equals_a_rebuild(session, app, world, seed):
    rng = random.Random(seed)
    complaints: list[Complaint] = []
    for _ in range(60):
        try:
            _random_step(rng, session, app, world, complaints)
        except (PreconditionFailed, NotPermitted, triage.TransitionNotAllowed):
            session.rollback()
            complaints = [c for c in complaints if sa.inspect(c).persistent]
            continue
        if rng.random() < 0.15:
            session.rollback()  # what was not committed must not be counted
            complaints = [c for c in complaints if sa.inspect(c).persistent]
        else:
            session.commit()
    assert len(complaints) > 10
    assert stored_rows(session) == rebuilt_rows(session)
    # and a rebuild writes what upkeep kept
    before = stored_rows(session)
    stats_rollup.rebuild_rollup(session)
    session.commit()
    assert stored_rows(session) == before


def test_a_stale_rollup_is_rebuilt_by_the_statistics_page(session, app, client, world):
    file(session, app, world["units"][0])
    session.commit()
    session.execute(sa.delete(ComplaintRollup))
    session.execute(
        sa.insert(ComplaintRollup).values(
            month="0000-00", unit_id=0, dimension="stale", key="", count=1
        )
    )
    session.commit()
    assert stats_rollup.rollup_is_stale(session)

    assert client.get("/statistik").status_code == 200

    session.expire_all()
    assert not stats_rollup.rollup_is_stale(session)
    assert stored_rows(session) == rebuilt_rows(session) != Counter()


def test_the_rebuild_command(session, app, world):
    file(session, app, world["units"][1])
    session.commit()
    session.execute(sa.delete(ComplaintRollup))
    session.commit()
    result = app.test_cli_runner().invoke(args=["rebuild-statistics"])
    assert result.exit_code == 0, result.output
    assert "statistics rebuilt" in result.output
    session.expire_all()
    assert stored_rows(session) == rebuilt_rows(session) != Counter()
