"""Deadlines: the paused clock, the overdue sweep with its escalation, and what pages show."""

from __future__ import annotations

import socket
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from models import Complaint, ComplaintEvent, ComplaintMessage, OutboundMessage
from models.enums import Channel, ComplaintStatus, MessageKind, OutboundStatus, Role
from portal.cli.worker import worker_command
from portal.services.calendar import WorkCalendar
from portal.services.deadlines import (
    FIRST_ANSWER,
    VERIFICATION,
    DeadlineStatus,
    deadline_view,
    pause_clock,
    resume_clock,
    sweep_overdue,
)
from portal.services.intake import (
    ComplaintSubmission,
    Contact,
    IntakeSettings,
    submit_complaint,
)
from portal.services.outbox import queue_email
from portal.services.reference_data import ensure_categories
from tests.factories import gen_agency, gen_unit, gen_user

S = ComplaintStatus
REPORTER = Contact(name="Siti Pelapor", email="siti.pelapor@warga.test", phone="0812 3456 7890")
IDENTITY = ("Siti Pelapor", "siti.pelapor@warga.test", "0812 3456 7890", "081234567890")


def wib(y: int, m: int, d: int, hour: int = 10) -> datetime:
    """An instant given in Jakarta time (UTC+7), as the aware datetime the services take."""
    return datetime(y, m, d, hour, tzinfo=UTC) - timedelta(hours=7)


@pytest.fixture
def calendar(app) -> WorkCalendar:
    return WorkCalendar.from_config(app.config)


@pytest.fixture
def units(session):
    ensure_categories(session)
    agency = gen_agency(session, name="Kementerian Tenggat")
    return {
        "dukcapil": gen_unit(session, agency, name="Direktorat Kependudukan"),
        "perizinan": gen_unit(session, agency, name="Direktorat Perizinan"),
    }


@pytest.fixture
def staff(session, units):
    """An inspector, two coordinators, and a coordinator who works in the reported unit."""
    return {
        "inspektur": gen_user(session, Role.INSPEKTUR, email="inspektur@uji.test"),
        "koordinator1": gen_user(session, Role.KOORDINATOR, email="koordinator1@uji.test"),
        "koordinator2": gen_user(session, Role.KOORDINATOR, email="koordinator2@uji.test"),
        "koordinator_unit": gen_user(
            session, Role.KOORDINATOR, email="koordinator.unit@uji.test", unit=units["dukcapil"]
        ),
    }


def file_complaint(session, app, *, on: datetime) -> Complaint:
    """File a complaint with a named reporter; filed on Monday 6 April 2026 it is due for
    verification on Thursday 9 April and for the first answer on Thursday 16 April."""
    filed = submit_complaint(
        session,
        ComplaintSubmission(
            channel=Channel.WEB,
            category="pungli",
            title="Pungutan di loket perizinan",
            description="Petugas loket meminta uang tambahan agar berkas diproses lebih cepat.",
            privacy="rahasia",
            contact=REPORTER,
        ),
        IntakeSettings.from_config(app.config),
        now=on,
        acknowledge=False,
    )
    return filed.complaint


@pytest.fixture
def complaint(session, app, units, staff) -> Complaint:
    complaint = file_complaint(session, app, on=wib(2026, 4, 6))
    unit = units["dukcapil"]
    complaint.unit = unit
    complaint.assignee = staff["inspektur"]
    session.commit()
    assert (complaint.verification_due, complaint.answer_due) == (
        date(2026, 4, 9),
        date(2026, 4, 16),
    )
    return complaint


def sweep(session, app, calendar, on: datetime, **config):
    report = sweep_overdue(session, now=on, calendar=calendar, config={**app.config, **config})
    session.commit()
    return report


def outbox(session) -> list[OutboundMessage]:
    session.expire_all()
    return list(session.scalars(sa.select(OutboundMessage).order_by(OutboundMessage.id)))


def events(session, complaint: Complaint | int, *actions: str) -> list[ComplaintEvent]:
    complaint_id = complaint if isinstance(complaint, int) else complaint.id
    session.expire_all()
    return list(
        session.scalars(
            sa.select(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == complaint_id, ComplaintEvent.action.in_(actions))
            .order_by(ComplaintEvent.id)
        )
    )


def set_status(session, complaint: Complaint, status: ComplaintStatus, on: datetime) -> None:
    """Record a status change as triage does (an event ``status`` old → new)."""
    session.add(
        ComplaintEvent(
            complaint=complaint,
            action="status",
            from_value=complaint.status.value,
            to_value=status.value,
            created_at=on,
        )
    )
    complaint.status = status
    complaint.updated_at = on
    session.commit()


def reply(session, complaint: Complaint, on: datetime) -> None:
    session.add(
        ComplaintMessage(
            complaint=complaint,
            kind=MessageKind.BALASAN,
            channel=Channel.WEB,
            body="Laporan Anda sedang kami periksa.",
            created_at=on,
        )
    )
    session.commit()


# --- the paused clock ------------------------------------------------------------------------


def test_resuming_extends_both_deadlines_by_the_working_days_spent_waiting(
    session, complaint, calendar
):
    pause_clock(complaint, wib(2026, 4, 7))  # Tuesday
    session.commit()
    # Waiting days: Wed 8, Thu 9, Fri 10, Mon 13 April.
    assert resume_clock(complaint, wib(2026, 4, 13), calendar) == 4
    session.commit()
    assert complaint.verification_due == date(2026, 4, 15)
    assert complaint.answer_due == date(2026, 4, 22)
    paused, resumed = events(session, complaint, "jam_dihentikan", "jam_dilanjutkan")
    assert paused.details == {"verification_due": "2026-04-09", "answer_due": "2026-04-16"}
    assert resumed.details["paused_working_days"] == 4
    assert resumed.details["paused_since"] == "2026-04-07"
    assert resumed.details["verification_due"] == ["2026-04-09", "2026-04-15"]
    assert resumed.details["answer_due"] == ["2026-04-16", "2026-04-22"]


def test_holidays_while_waiting_do_not_count(session, app, units, calendar):
    complaint = file_complaint(session, app, on=wib(2026, 3, 16))  # 18-24 March are off
    session.commit()
    assert complaint.verification_due == date(2026, 3, 26)
    pause_clock(complaint, wib(2026, 3, 17))
    assert resume_clock(complaint, wib(2026, 3, 25), calendar) == 1  # 18-24 March are off
    assert complaint.verification_due == date(2026, 3, 27)


def test_pause_is_idempotent_and_resume_without_pause_changes_nothing(session, complaint, calendar):
    assert resume_clock(complaint, wib(2026, 4, 8), calendar) == 0
    first = pause_clock(complaint, wib(2026, 4, 7))
    assert pause_clock(complaint, wib(2026, 4, 8)) is first
    session.commit()
    assert len(events(session, complaint, "jam_dihentikan")) == 1
    assert resume_clock(complaint, wib(2026, 4, 7, 16), calendar) == 0  # the same day
    assert complaint.verification_due == date(2026, 4, 9)
    assert resume_clock(complaint, wib(2026, 4, 9), calendar) == 0  # already running again


def test_resume_uses_the_apps_calendar_by_default(session, complaint):
    pause_clock(complaint, wib(2026, 4, 7))
    assert resume_clock(complaint, wib(2026, 4, 8)) == 1
    assert complaint.verification_due == date(2026, 4, 10)


# --- the sweep: verification -----------------------------------------------------------------


def test_verification_overdue_is_marked_and_notified_once(session, app, complaint, calendar, staff):
    report = sweep(session, app, calendar, wib(2026, 4, 10))  # Friday, one working day late
    assert (report.overdue, report.escalated, report.emails, report.recused) == (1, 0, 3, 1)
    [mark] = events(session, complaint, "terlambat")
    assert mark.details == {
        "deadline": VERIFICATION,
        "due": "2026-04-09",
        "working_days_late": 1,
        "level": 1,
        "notified": 3,
    }
    mails = outbox(session)
    assert sorted(m.recipient for m in mails) == [
        "inspektur@uji.test",
        "koordinator1@uji.test",
        "koordinator2@uji.test",
    ]
    assert all(m.complaint_id == complaint.id for m in mails)
    assert all(m.headers == {"Auto-Submitted": "auto-replied"} for m in mails)
    to_assignee = next(m for m in mails if m.recipient == "inspektur@uji.test")
    assert to_assignee.subject == f"[{complaint.code}] Tenggat terlewati: Batas verifikasi"
    assert "Pungutan di loket perizinan" in to_assignee.body
    assert "Kamis, 9 April 2026" in to_assignee.body
    assert "Terlambat: 1 hari kerja" in to_assignee.body
    assert "ditugaskan kepada Anda" in to_assignee.body
    to_coordinator = next(m for m in mails if m.recipient == "koordinator1@uji.test")
    assert "sebagai koordinator" in to_coordinator.body

    again = sweep(session, app, calendar, wib(2026, 4, 10, 15))
    assert (again.overdue, again.escalated, again.emails) == (0, 0, 0)
    assert len(outbox(session)) == 3
    assert len(events(session, complaint, "terlambat")) == 1


def test_a_recused_coordinator_is_never_notified(session, app, complaint, calendar, staff):
    sweep(session, app, calendar, wib(2026, 4, 10))
    sweep(session, app, calendar, wib(2026, 4, 14))  # level 2 as well
    recipients = {m.recipient for m in outbox(session)}
    assert "koordinator.unit@uji.test" not in recipients
    assert "koordinator1@uji.test" in recipients


def test_a_recused_assignee_is_not_notified_either(session, app, complaint, calendar, staff):
    complaint.assignee = staff["koordinator_unit"]  # should never happen; still guarded
    session.commit()
    report = sweep(session, app, calendar, wib(2026, 4, 10))
    assert report.recused == 1
    assert {m.recipient for m in outbox(session)} == {
        "koordinator1@uji.test",
        "koordinator2@uji.test",
    }
    assert all("tugaskan ulang" in m.body for m in outbox(session))


def test_notices_carry_no_reporter_identity(session, app, complaint, calendar, staff):
    assert complaint.reporter_name == "Siti Pelapor"  # the reporter did give their identity
    sweep(session, app, calendar, wib(2026, 4, 10))
    sweep(session, app, calendar, wib(2026, 4, 14))
    mails = outbox(session)
    assert len(mails) == 6
    for mail in mails:
        text = f"{mail.recipient}\n{mail.subject}\n{mail.body}"
        for secret in IDENTITY:
            assert secret not in text


def test_nothing_is_marked_before_the_due_date_has_passed(session, app, complaint, calendar):
    assert sweep(session, app, calendar, wib(2026, 4, 9, 23)).checked == 0  # due today
    assert outbox(session) == []


def test_notices_wait_for_the_first_working_day_after_the_due_date(
    session, app, units, staff, calendar
):
    complaint = file_complaint(session, app, on=wib(2026, 4, 7))  # due Friday 10 April
    session.commit()
    assert complaint.verification_due == date(2026, 4, 10)
    saturday = sweep(session, app, calendar, wib(2026, 4, 11))
    assert (saturday.checked, saturday.overdue) == (1, 0)
    monday = sweep(session, app, calendar, wib(2026, 4, 13))
    assert monday.overdue == 1
    [mark] = events(session, complaint, "terlambat")
    assert mark.details["working_days_late"] == 1
    # No assignee: the coordinators are told, and told so.
    assert all("belum ditugaskan" in m.body for m in outbox(session))


def test_level_2_escalation_after_n_more_working_days_once(
    session, app, complaint, calendar, staff
):
    sweep(session, app, calendar, wib(2026, 4, 10))  # level 1 on Friday
    assert sweep(session, app, calendar, wib(2026, 4, 13)).escalated == 0  # 1 working day
    report = sweep(session, app, calendar, wib(2026, 4, 14))  # 2 working days later
    assert (report.overdue, report.escalated, report.emails) == (0, 1, 3)
    [mark] = events(session, complaint, "eskalasi")
    assert mark.details["level"] == 2 and mark.details["working_days_late"] == 3
    level2 = outbox(session)[3:]
    assert all("Eskalasi tingkat 2" in m.subject for m in level2)
    assert sweep(session, app, calendar, wib(2026, 4, 20)).emails == 0
    assert sweep(session, app, calendar, wib(2026, 4, 20)).checked == 0  # no longer read at all
    assert len(events(session, complaint, "eskalasi")) == 1


def test_level_2_delay_is_configurable(session, app, complaint, calendar, staff):
    sweep(session, app, calendar, wib(2026, 4, 10))
    later = {"ESCALATION_LEVEL2_WORKING_DAYS": 4}
    assert sweep(session, app, calendar, wib(2026, 4, 14), **later).escalated == 0
    assert sweep(session, app, calendar, wib(2026, 4, 16), **later).escalated == 1


# --- the sweep: first answer, paused and closed ----------------------------------------------


def test_first_answer_overdue_only_while_no_public_reply_exists(
    session, app, complaint, calendar, staff
):
    set_status(session, complaint, S.VERIFIKASI, wib(2026, 4, 7))
    set_status(session, complaint, S.TINDAK_LANJUT, wib(2026, 4, 8))
    assert sweep(session, app, calendar, wib(2026, 4, 16)).overdue == 0  # due today
    report = sweep(session, app, calendar, wib(2026, 4, 17))
    assert report.overdue == 1
    [mark] = events(session, complaint, "terlambat")
    assert mark.details["deadline"] == FIRST_ANSWER and mark.details["due"] == "2026-04-16"
    assert all("Batas jawaban pertama" in m.subject for m in outbox(session))

    reply(session, complaint, wib(2026, 4, 17, 14))
    later = sweep(session, app, calendar, wib(2026, 4, 22))  # level 2 would be due now
    assert (later.checked, later.escalated, later.emails) == (0, 0, 0)


def test_a_reply_before_the_deadline_means_no_first_answer_notice(
    session, app, complaint, calendar, staff
):
    set_status(session, complaint, S.TINDAK_LANJUT, wib(2026, 4, 8))
    reply(session, complaint, wib(2026, 4, 15))
    assert sweep(session, app, calendar, wib(2026, 4, 20)).checked == 0
    assert outbox(session) == []


def test_a_complaint_waiting_on_the_reporter_is_skipped(session, app, complaint, calendar, staff):
    set_status(session, complaint, S.PERLU_INFO, wib(2026, 4, 8))
    pause_clock(complaint, wib(2026, 4, 8))
    session.commit()
    assert sweep(session, app, calendar, wib(2026, 4, 30)).checked == 0
    assert outbox(session) == [] and events(session, complaint, "terlambat") == []


@pytest.mark.parametrize("status", [S.SELESAI, S.DITOLAK, S.DITERUSKAN, S.DIGABUNG])
def test_closed_complaints_are_skipped(session, app, complaint, calendar, staff, status):
    set_status(session, complaint, status, wib(2026, 4, 8))
    assert sweep(session, app, calendar, wib(2026, 4, 30)).checked == 0
    assert outbox(session) == []


def test_a_deadline_moved_by_a_pause_is_a_new_deadline(session, app, complaint, calendar, staff):
    sweep(session, app, calendar, wib(2026, 4, 10))  # verification late (due 9 April)
    set_status(session, complaint, S.PERLU_INFO, wib(2026, 4, 10, 11))
    pause_clock(complaint, wib(2026, 4, 10, 11))
    resume_clock(complaint, wib(2026, 4, 15), calendar)  # 3 days: due 14 April
    set_status(session, complaint, S.VERIFIKASI, wib(2026, 4, 15))
    assert complaint.verification_due == date(2026, 4, 14)
    report = sweep(session, app, calendar, wib(2026, 4, 15, 12))
    assert report.overdue == 1
    marks = events(session, complaint, "terlambat")
    assert [m.to_value for m in marks] == ["2026-04-09", "2026-04-14"]


def test_inactive_coordinators_are_not_notified(session, app, complaint, calendar, staff):
    staff["koordinator2"].active = False
    session.commit()
    sweep(session, app, calendar, wib(2026, 4, 10))
    assert "koordinator2@uji.test" not in {m.recipient for m in outbox(session)}


# --- what pages show -------------------------------------------------------------------------


def view(complaint, on, calendar):
    return {s.key: s for s in deadline_view(complaint, on, calendar, level2_after=2)}


def test_view_on_time_due_today_and_overdue_with_every_escalation_time(complaint, calendar):
    states = view(complaint, wib(2026, 4, 7), calendar)
    assert list(states) == [VERIFICATION, FIRST_ANSWER]
    verification = states[VERIFICATION]
    assert (verification.status, verification.working_days_left) == (DeadlineStatus.TEPAT_WAKTU, 2)
    assert [(e.level, e.on, e.done_at) for e in verification.escalations] == [
        (1, date(2026, 4, 10), None),
        (2, date(2026, 4, 14), None),
    ]
    assert [e.on for e in states[FIRST_ANSWER].escalations] == [
        date(2026, 4, 17),
        date(2026, 4, 21),
    ]
    assert (
        view(complaint, wib(2026, 4, 9), calendar)[VERIFICATION].status == DeadlineStatus.HARI_INI
    )
    late = view(complaint, wib(2026, 4, 13), calendar)[VERIFICATION]
    assert (late.status, late.working_days_late) == (DeadlineStatus.TERLAMBAT, 2)


def test_view_shows_when_escalations_happened(session, app, complaint, calendar, staff):
    sweep(session, app, calendar, wib(2026, 4, 13))  # the worker was down on Friday
    session.refresh(complaint)
    verification = view(complaint, wib(2026, 4, 13, 12), calendar)[VERIFICATION]
    first, second = verification.escalations
    assert first.on == date(2026, 4, 13) and first.done_at is not None
    assert second.on == date(2026, 4, 15) and second.done_at is None  # 2 days after level 1


def test_view_met_paused_and_closed(session, complaint, calendar):
    set_status(session, complaint, S.VERIFIKASI, wib(2026, 4, 7))
    set_status(session, complaint, S.TINDAK_LANJUT, wib(2026, 4, 8))
    reply(session, complaint, wib(2026, 4, 17))  # one day after the first-answer due date
    session.refresh(complaint)
    states = view(complaint, wib(2026, 4, 20), calendar)
    assert (states[VERIFICATION].status, states[VERIFICATION].met_on) == (
        DeadlineStatus.TERPENUHI,
        date(2026, 4, 8),
    )
    answer = states[FIRST_ANSWER]
    assert (answer.status, answer.met_on, answer.met_late) == (
        DeadlineStatus.TERPENUHI,
        date(2026, 4, 17),
        True,
    )
    assert answer.escalations == ()  # met: nothing planned, nothing happened


def test_view_paused_while_waiting_on_the_reporter(session, complaint, calendar):
    set_status(session, complaint, S.PERLU_INFO, wib(2026, 4, 8))
    pause_clock(complaint, wib(2026, 4, 8))
    session.commit()
    session.refresh(complaint)
    states = view(complaint, wib(2026, 4, 20), calendar)
    assert {s.status for s in states.values()} == {DeadlineStatus.DIHENTIKAN}
    assert states[VERIFICATION].paused_since == date(2026, 4, 8)


def test_view_of_a_complaint_rejected_without_reply(session, complaint, calendar):
    set_status(session, complaint, S.DITOLAK, wib(2026, 4, 8))
    session.refresh(complaint)
    states = view(complaint, wib(2026, 4, 20), calendar)
    assert states[VERIFICATION].status == DeadlineStatus.TERPENUHI
    assert states[FIRST_ANSWER].status == DeadlineStatus.TIDAK_BERLAKU


def test_labels_are_indonesian(complaint, calendar):
    assert [s.label for s in deadline_view(complaint, wib(2026, 4, 7), calendar)] == [
        "Batas verifikasi",
        "Batas jawaban pertama",
    ]


# --- the worker ------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def no_relay(app, monkeypatch):
    """IMAP unset and SMTP pointing at a port where nothing listens."""
    for key, value in {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": _closed_port(),
        "SMTP_SECURITY": "none",
        "SMTP_TIMEOUT": 5,
        "IMAP_HOST": None,
    }.items():
        monkeypatch.setitem(app.config, key, value)


def test_the_worker_pass_sweeps_deadlines_even_when_smtp_is_unreachable(
    session, app, complaint, staff, no_relay
):
    complaint.verification_due = date(2024, 1, 5)  # long past, whatever the clock says
    complaint.answer_due = date(2024, 1, 12)
    session.commit()
    complaint_id = complaint.id  # the worker closes the session this test shares
    result = app.test_cli_runner().invoke(worker_command, ["--once"])
    assert result.exit_code == 0, result.output
    assert "retried=3" in result.output  # the notices wait in the outbox for the relay
    assert len(events(session, complaint_id, "terlambat")) == 1
    assert [m.status for m in outbox(session)] == [OutboundStatus.MENUNGGU] * 3
    assert "Siti" not in result.output and "@" not in result.output


def test_a_misconfigured_calendar_fails_the_pass_but_mail_still_goes(
    session, app, complaint, staff, no_relay, monkeypatch
):
    queue_email(
        session,
        to="warga@contoh.test",
        subject="Uji",
        body="Uji",
        mail_from=app.config["MAIL_FROM"],
    )
    session.commit()
    complaint_id = complaint.id
    monkeypatch.setitem(app.config, "HOLIDAYS_EXTRA", "bukan-tanggal")
    result = app.test_cli_runner().invoke(worker_command, ["--once"])
    assert result.exit_code == 1
    assert "retried=1" in result.output  # delivery was still tried
    assert events(session, complaint_id, "terlambat") == []


# --- two workers at once (PostgreSQL row locks) ----------------------------------------------


def test_a_complaint_locked_by_another_worker_is_skipped(session, app, complaint, calendar, staff):
    from models import db

    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL only (SQLite serialises writers instead)")
    with db.engine.connect() as other:
        other.execute(sa.select(Complaint.id).where(Complaint.id == complaint.id).with_for_update())
        report = sweep(session, app, calendar, wib(2026, 4, 10))
        other.rollback()
    assert (report.checked, report.overdue) == (0, 0)
    assert sweep(session, app, calendar, wib(2026, 4, 10)).overdue == 1
