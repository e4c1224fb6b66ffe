"""Migration 0007 fills the statistics' clocks from history and asks for a rollup rebuild."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from models import Complaint, ComplaintRollup, db
from portal.services import stats_rollup
from tests.factories import gen_agency, gen_unit


def test_upgrade_fills_first_verification_and_answer_then_marks_the_rollup_stale(session):
    downgrade(revision="0006")
    try:
        unit = gen_unit(session, gen_agency(session))
        session.commit()
        filed = datetime(2025, 3, 1, 2, 0)
        with db.engine.begin() as conn:
            complaint_id = conn.execute(
                sa.text(
                    "INSERT INTO complaint (code, access_key_hash, channel, unit_id, title, body,"
                    " language, privacy, status, priority, publication_approved, created_at,"
                    " updated_at) VALUES ('ZI-TEST-0001', 'x', 'web', :unit, 'Judul', 'Isi', 'id',"
                    " 'terbuka', 'tindak_lanjut', 'normal', false, :at, :at) RETURNING id"
                ),
                {"unit": unit.id, "at": filed},
            ).scalar_one()
            for at, to in ((datetime(2025, 3, 4, 2), "verifikasi"), (datetime(2025, 3, 2, 2), "x")):
                conn.execute(
                    sa.text(
                        "INSERT INTO complaint_event (complaint_id, action, to_value, created_at)"
                        " VALUES (:c, 'status', :to, :at)"
                    ),
                    {"c": complaint_id, "to": to, "at": at},
                )
            for at, kind in (
                (datetime(2025, 3, 6, 2), "balasan"),
                (datetime(2025, 3, 5, 2), "masuk"),
            ):
                conn.execute(
                    sa.text(
                        "INSERT INTO complaint_message (complaint_id, kind, channel, body,"
                        " created_at) VALUES (:c, :kind, 'web', 'Teks', :at)"
                    ),
                    {"c": complaint_id, "kind": kind, "at": at},
                )
    finally:
        upgrade()

    complaint = session.get(Complaint, complaint_id)
    assert complaint.verified_at == datetime(2025, 3, 4, 2, tzinfo=UTC)
    assert complaint.answered_at == datetime(2025, 3, 6, 2, tzinfo=UTC)
    assert stats_rollup.rollup_is_stale(session)
    assert stats_rollup.ensure_current(session)
    totals = session.scalars(
        sa.select(ComplaintRollup.count).where(
            ComplaintRollup.unit_id == unit.id, ComplaintRollup.dimension == "total"
        )
    ).all()
    assert totals == [1]
