"""Triage: the state machine, assignment, notes vs replies, merging, concurrency, recusal."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from models import Complaint, ComplaintEvent, ComplaintMessage, OutboundMessage
from models.enums import (
    Channel,
    ComplaintOutcome,
    ComplaintStatus,
    MessageKind,
    Priority,
    ReferralBody,
    Role,
)
from portal.services import triage
from portal.services.errors import NotPermitted, PreconditionFailed
from portal.services.intake import ComplaintSubmission, Contact, IntakeSettings, submit_complaint
from portal.services.reference_data import ensure_categories
from tests.factories import gen_agency, gen_unit, gen_user

S = ComplaintStatus


@pytest.fixture
def world(session, app):
    ensure_categories(session)
    agency = gen_agency(session)
    unit = gen_unit(session, agency, name="Direktorat Layanan")
    other = gen_unit(session, agency, name="Direktorat Lain")
    inspector = gen_user(session, Role.INSPEKTUR)
    session.commit()
    return {"unit": unit, "other": other, "inspector": inspector, "config": app.config}


def file(session, app, unit, *, email="warga@contoh.test", title="Pungutan di loket"):
    submission = ComplaintSubmission(
        channel=Channel.WEB,
        category="pungli",
        title=title,
        description="Petugas meminta uang Rp50.000 untuk mempercepat layanan KTP.",
        unit=unit.slug,
        contact=Contact(email=email),
    )
    filed = submit_complaint(session, submission, IntakeSettings.from_config(app.config))
    session.commit()
    return filed.complaint


def move(session, complaint, world, to, **kwargs):
    triage.change_status(
        session, complaint, to=to, actor=world["inspector"], config=world["config"], **kwargs
    )
    session.commit()


def test_the_happy_path_to_substantiated(session, app, world):
    c = file(session, app, world["unit"])
    move(session, c, world, S.VERIFIKASI)
    move(session, c, world, S.TINDAK_LANJUT)
    move(session, c, world, S.SELESAI, outcome=ComplaintOutcome.TERBUKTI)
    assert c.status == S.SELESAI and c.outcome == ComplaintOutcome.TERBUKTI and c.closed_at
    actions = [e.to_value for e in c.events if e.action == "status"]
    assert actions == ["verifikasi", "tindak_lanjut", "selesai"]
    notices = session.scalars(sa.select(OutboundMessage.subject)).all()
    assert sum("Status pengaduan" in (s or "") for s in notices) == 3


@pytest.mark.parametrize(
    ("start", "target"),
    [(S.DITERIMA, S.SELESAI), (S.DITERIMA, S.TINDAK_LANJUT), (S.VERIFIKASI, S.SELESAI)],
)
def test_invalid_jumps_are_refused_with_the_reason(session, app, world, start, target):
    c = file(session, app, world["unit"])
    if start == S.VERIFIKASI:
        move(session, c, world, S.VERIFIKASI)
    with pytest.raises(triage.TransitionNotAllowed) as excinfo:
        move(session, c, world, target, outcome=ComplaintOutcome.TERBUKTI)
    assert f"dari '{start.value}' ke '{target.value}'" in str(excinfo.value)
    assert "Langkah yang mungkin" in str(excinfo.value)


def test_closing_needs_an_outcome_and_refusal_needs_a_reason(session, app, world):
    c = file(session, app, world["unit"])
    with pytest.raises(PreconditionFailed, match="penjelasan untuk pelapor"):
        move(session, c, world, S.DITOLAK)
    move(session, c, world, S.VERIFIKASI)
    move(session, c, world, S.TINDAK_LANJUT)
    with pytest.raises(PreconditionFailed, match="hasil pemeriksaan"):
        move(session, c, world, S.SELESAI)


def test_referral_tells_the_reporter_where_it_went(session, app, world):
    c = file(session, app, world["unit"])
    move(
        session,
        c,
        world,
        S.DITERUSKAN,
        referred_to=ReferralBody.KPK,
        note="Kasus ini menjadi kewenangan KPK.",
    )
    assert c.referred_to == ReferralBody.KPK
    public = [m for m in c.messages if m.kind == MessageKind.BALASAN]
    assert public and "kewenangan KPK" in public[0].body


def test_asking_for_information_pauses_and_resumes(session, app, world):
    c = file(session, app, world["unit"])
    move(session, c, world, S.PERLU_INFO, note="Mohon sebutkan nomor loketnya.")
    assert {"jam_dihentikan"} <= {e.action for e in c.events}
    move(session, c, world, S.VERIFIKASI)
    assert {"jam_dilanjutkan"} <= {e.action for e in c.events}


def test_internal_notes_never_reach_the_reporter(session, app, world):
    c = file(session, app, world["unit"])
    before = session.scalar(sa.select(sa.func.count(OutboundMessage.id)))
    triage.add_note(
        session, c, body="Saksi: Pak X, jangan hubungi dulu.", author=world["inspector"]
    )
    session.commit()
    assert session.scalar(sa.select(sa.func.count(OutboundMessage.id))) == before
    assert c.messages[-1].kind == MessageKind.CATATAN


def test_a_public_reply_goes_out_and_script_stays_inert(session, app, world):
    c = file(session, app, world["unit"])
    triage.reply(
        session,
        c,
        body="<script>alert(1)</script>Kami periksa.",
        author=world["inspector"],
        config=app.config,
    )
    session.commit()
    sent = session.scalars(sa.select(OutboundMessage)).all()[-1]
    assert "Kami periksa." in sent.body and "<script>" not in sent.body
    assert c.messages[-1].body == "alert(1)Kami periksa."


def test_an_older_version_is_refused_not_overwritten(session, app, world):
    c = file(session, app, world["unit"])
    seen = triage.version_of(c)
    triage.set_priority(
        session, c, priority=Priority.TINGGI, actor=world["inspector"], expected_version=seen
    )
    session.commit()
    with pytest.raises(triage.ConcurrentChange):
        triage.set_priority(
            session, c, priority=Priority.RENDAH, actor=world["inspector"], expected_version=seen
        )
    assert c.priority == Priority.TINGGI


def test_the_database_refuses_a_concurrent_update(session, app, world):
    from datetime import timedelta

    from models import db

    c = file(session, app, world["unit"])
    second = db.session.session_factory()  # a second inspector, loading the same row
    theirs = second.get(Complaint, c.id)
    c.priority = Priority.TINGGI
    c.updated_at = c.updated_at + timedelta(seconds=1)
    session.commit()
    theirs.priority = Priority.RENDAH
    theirs.updated_at = theirs.updated_at + timedelta(seconds=2)
    with pytest.raises(StaleDataError):
        second.commit()  # UPDATE … WHERE updated_at = <the version they loaded>: 0 rows
    second.close()
    session.refresh(c)
    assert c.priority == Priority.TINGGI


def test_recused_inspector_cannot_act_or_be_assigned(session, app, world):
    c = file(session, app, world["unit"])
    insider = gen_user(session, Role.INSPEKTUR, unit=world["unit"])
    session.commit()
    with pytest.raises(NotPermitted):
        triage.add_note(session, c, body="x", author=insider)
    with pytest.raises(PreconditionFailed, match="tidak dapat ditugaskan"):
        triage.assign(session, c, assignee=insider, actor=world["inspector"])


def test_only_handling_roles_act(session, app, world):
    c = file(session, app, world["unit"])
    with pytest.raises(NotPermitted):
        triage.add_note(session, c, body="x", author=gen_user(session, Role.TPN))


def test_merge_closes_the_duplicate_and_tells_its_reporter(session, app, world):
    main = file(session, app, world["unit"])
    dup = file(session, app, world["unit"], email="lain@contoh.test", title="Pungutan loket KTP")
    suggestions = triage.suggest_duplicates(session, dup)
    assert suggestions and suggestions[0][0].id == main.id
    triage.merge(session, dup, into=main, actor=world["inspector"], config=app.config)
    session.commit()
    assert dup.status == S.DIGABUNG and dup.duplicate_of_id == main.id
    assert main.code not in dup.messages[-1].body  # the other reporter's code stays private
    with pytest.raises(triage.TransitionNotAllowed):
        move(session, dup, world, S.VERIFIKASI)


def test_reclassify_records_events(session, app, world):
    c = file(session, app, world["unit"])
    triage.reclassify(session, c, actor=world["inspector"], unit=world["other"])
    session.commit()
    event = session.scalar(sa.select(ComplaintEvent).where(ComplaintEvent.action == "unit"))
    assert event.to_value == world["other"].slug


def test_notes_and_replies_are_not_mixed_up(session, app, world):
    c = file(session, app, world["unit"])
    triage.add_note(session, c, body="internal", author=world["inspector"])
    triage.reply(session, c, body="publik", author=world["inspector"], config=app.config)
    session.commit()
    kinds = {m.body: m.kind for m in session.scalars(sa.select(ComplaintMessage))}
    assert kinds["internal"] == MessageKind.CATATAN and kinds["publik"] == MessageKind.BALASAN
