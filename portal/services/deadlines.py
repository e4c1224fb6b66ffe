"""Complaint deadlines: the paused clock, the overdue sweep with escalation, and what pages show.

Two deadlines per complaint, in working days of ``calendar.WorkCalendar``: verification
(``verification_due``, met when triage decides: tindak_lanjut, selesai, ditolak, diteruskan or
digabung) and the first answer (``answer_due``, met by the first public reply, a ``balasan``).

Everything is derived from the complaint's events; there are no deadline columns besides the
two due dates:

``jam_dihentikan`` / ``jam_dilanjutkan``
    the clock stops while the team waits on the reporter (``perlu_info``); resuming moves both
    due dates by the working days spent waiting (OST #6524).
``terlambat``
    level 1: a deadline passed; the assignee and every coordinator are told, once.
``eskalasi``
    level 2: still overdue ``ESCALATION_LEVEL2_WORKING_DAYS`` (default 2) working days after
    level 1; told again, once (multi-level escalation, OST #5197).

Both marks carry ``from_value`` = the deadline (``verifikasi`` | ``jawaban_pertama``) and
``to_value`` = the due date they were about, so a due date moved by a pause is a new deadline.
A notice goes out from the first working day after the due date. Notices name the complaint by
code and title only, never the reporter, and never reach someone who works in the reported unit
(recusal). The sweep adds and flushes; the caller commits (one transaction per sweep), and on
PostgreSQL it locks the complaints it handles, so two workers never notify twice.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from babel.dates import format_date
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from models import Complaint, ComplaintEvent, ComplaintMessage, User, UserRole
from models.enums import ComplaintStatus, MessageKind, Role

from . import outbox
from .calendar import CalendarConfigError, WorkCalendar

logger = logging.getLogger(__name__)

VERIFICATION = "verifikasi"
FIRST_ANSWER = "jawaban_pertama"
PAUSED = "jam_dihentikan"
RESUMED = "jam_dilanjutkan"
OVERDUE = "terlambat"
ESCALATED = "eskalasi"
DEFAULT_LEVEL2_WORKING_DAYS = 2
SWEEP_LIMIT = 1000  # complaints per sweep; the rest are handled by the next one

S = ComplaintStatus
BEFORE_VERIFICATION = (S.DITERIMA, S.VERIFIKASI)
DECIDED = (S.TINDAK_LANJUT, S.SELESAI, S.DITOLAK, S.DITERUSKAN, S.DIGABUNG)
CLOSED = (S.SELESAI, S.DITOLAK, S.DITERUSKAN, S.DIGABUNG)
_STATUS_VALUES = {s.value for s in ComplaintStatus}
_warned_years: set[int] = set()


class DeadlineStatus(StrEnum):
    TEPAT_WAKTU = "tepat_waktu"  # on time: working_days_left before the due date
    HARI_INI = "jatuh_tempo_hari_ini"  # due today
    TERLAMBAT = "terlambat"  # overdue by working_days_late (0 on a day off right after it)
    TERPENUHI = "terpenuhi"  # met on met_on (possibly late: see ``met_late``)
    DIHENTIKAN = "dihentikan"  # paused since paused_since, waiting on the reporter
    TIDAK_BERLAKU = "tidak_berlaku"  # closed before it was met: no longer applies


@dataclass(frozen=True)
class Escalation:
    """One escalation step of a deadline: when it happens (or happened)."""

    level: int  # 1: assignee and coordinators told; 2: told again, still overdue
    on: date  # the day it is due to happen, or the day it happened
    done_at: datetime | None = None


@dataclass(frozen=True)
class DeadlineState:
    """A deadline as a page shows it."""

    key: str  # VERIFICATION | FIRST_ANSWER
    due: date
    status: DeadlineStatus
    working_days_left: int = 0
    working_days_late: int = 0
    met_on: date | None = None
    paused_since: date | None = None
    escalations: tuple[Escalation, ...] = ()  # for staff pages; past and planned

    @property
    def label(self) -> str:
        """Return the deadline's name in the current locale."""
        return deadline_label(self.key)

    @property
    def met_late(self) -> bool:
        """Return whether the deadline was met after its due date."""
        return self.met_on is not None and self.met_on > self.due


@dataclass
class SweepReport:
    """Counts of one sweep; never codes, names or addresses, so it is safe to log."""

    checked: int = 0  # candidate complaints looked at
    overdue: int = 0  # newly overdue (level 1)
    escalated: int = 0  # level 2
    emails: int = 0  # notices queued
    recused: int = 0  # recipients left out because they work in the reported unit

    @property
    def changed(self) -> bool:
        """Return whether the sweep marked anything."""
        return bool(self.overdue or self.escalated)

    def line(self) -> str:
        """Return a one-line summary for logs."""
        return (
            f"checked={self.checked} overdue={self.overdue} escalated={self.escalated}"
            f" emails={self.emails} recused={self.recused}"
        )


def deadline_label(key: str) -> str:
    """Return the name of a deadline in the current locale."""
    return _("Batas verifikasi") if key == VERIFICATION else _("Batas jawaban pertama")


def level2_working_days(config: Mapping[str, Any]) -> int:
    """Return ``ESCALATION_LEVEL2_WORKING_DAYS`` (working days from level 1 to level 2)."""
    raw = config.get("ESCALATION_LEVEL2_WORKING_DAYS")
    try:
        days = DEFAULT_LEVEL2_WORKING_DAYS if raw in (None, "") else int(raw)
    except (TypeError, ValueError):
        raise CalendarConfigError("ESCALATION_LEVEL2_WORKING_DAYS must be a whole number") from None
    if days < 0:
        raise CalendarConfigError("ESCALATION_LEVEL2_WORKING_DAYS cannot be negative")
    return days


# --- the paused clock --------------------------------------------------------------------------


def _ordered(events: Iterable[ComplaintEvent]) -> list[ComplaintEvent]:
    # Not yet flushed events (no id, perhaps no time) are the newest.
    def key(event: ComplaintEvent) -> tuple[datetime, int]:
        moment = event.created_at
        if moment is None:
            moment = datetime.max.replace(tzinfo=UTC)
        elif moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment, event.id if event.id is not None else sys.maxsize

    return sorted(events, key=key)


def _open_pause(events: Sequence[ComplaintEvent]) -> ComplaintEvent | None:
    last = None
    for event in events:
        if event.action in (PAUSED, RESUMED):
            last = event
    return last if last is not None and last.action == PAUSED else None


def _calendar(calendar: WorkCalendar | None) -> WorkCalendar:
    return calendar if calendar is not None else WorkCalendar.from_config(current_app.config)


def pause_clock(
    complaint: Complaint, now: datetime, *, actor: User | None = None
) -> ComplaintEvent:
    """Stop the deadline clock (the complaint now waits on the reporter); idempotent.

    Records ``jam_dihentikan`` with the due dates as they stand; returns it (or the pause
    already running).
    """
    running = _open_pause(_ordered(complaint.events))
    if running is not None:
        return running
    event = ComplaintEvent(
        action=PAUSED,
        actor_id=actor.id if actor is not None else None,
        details={
            "verification_due": _iso(complaint.verification_due),
            "answer_due": _iso(complaint.answer_due),
        },
        created_at=now,
    )
    complaint.events.append(event)
    return event


def resume_clock(
    complaint: Complaint,
    now: datetime,
    calendar: WorkCalendar | None = None,
    *,
    actor: User | None = None,
) -> int:
    """Restart the clock; move both due dates by the working days spent waiting.

    The wait counts the working days after the day the clock stopped, up to and including
    today (stopped on Monday, restarted on Wednesday: 2). Records ``jam_dilanjutkan`` with the
    old and new due dates. Returns the number of days added (0 when the clock was not stopped).
    ``calendar`` defaults to the app's.
    """
    pause = _open_pause(_ordered(complaint.events))
    if pause is None:
        return 0
    calendar = _calendar(calendar)
    since = calendar.local_date(pause.created_at)
    days = max(0, calendar.working_days_between(since, calendar.local_date(now)))
    before = (complaint.verification_due, complaint.answer_due)
    if days:
        if complaint.verification_due is not None:
            complaint.verification_due = calendar.add_working_days(complaint.verification_due, days)
        if complaint.answer_due is not None:
            complaint.answer_due = calendar.add_working_days(complaint.answer_due, days)
    complaint.events.append(
        ComplaintEvent(
            action=RESUMED,
            actor_id=actor.id if actor is not None else None,
            to_value=str(days),
            details={
                "paused_since": since.isoformat(),
                "paused_working_days": days,
                "verification_due": [_iso(before[0]), _iso(complaint.verification_due)],
                "answer_due": [_iso(before[1]), _iso(complaint.answer_due)],
            },
            created_at=now,
        )
    )
    return days


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


# --- the sweep ---------------------------------------------------------------------------------


def _as_iso_text(column: Any, dialect: str) -> Any | None:
    """Return a date column as 'YYYY-MM-DD' text in SQL, or None where we cannot say."""
    if dialect == "postgresql":
        return sa.func.to_char(column, "YYYY-MM-DD")
    if dialect == "sqlite":
        return sa.cast(column, sa.String)  # SQLite keeps dates as ISO text already
    return None


def _not_escalated(key: str, due: Any, dialect: str) -> list[Any]:
    """Leave out complaints whose level 2 for this due date is done (only to read fewer rows)."""
    due_text = _as_iso_text(due, dialect)
    if due_text is None:
        return []
    done = sa.exists().where(
        ComplaintEvent.complaint_id == Complaint.id,
        ComplaintEvent.action == ESCALATED,
        ComplaintEvent.from_value == key,
        ComplaintEvent.to_value == due_text,
    )
    return [~done]


def _late_deadline(complaint: Complaint, today: date) -> tuple[str, date] | None:
    if complaint.status in BEFORE_VERIFICATION:
        due = complaint.verification_due
        return (VERIFICATION, due) if due is not None and due < today else None
    if complaint.status == S.TINDAK_LANJUT:  # the query checked there is no public reply
        due = complaint.answer_due
        return (FIRST_ANSWER, due) if due is not None and due < today else None
    return None


def _recused(user: User, complaint: Complaint) -> bool:
    # The same rule as triage: an officer of the reported unit never hears of the complaint.
    return user.unit_id is not None and user.unit_id == complaint.unit_id


def sweep_overdue(
    session: Session,
    *,
    now: datetime,
    calendar: WorkCalendar,
    config: Mapping[str, Any],
    limit: int = SWEEP_LIMIT,
) -> SweepReport:
    """Mark newly overdue complaints, notify their assignee and the coordinators, escalate.

    Looks at open complaints past a deadline: verification while ``diterima``/``verifikasi``,
    first answer while ``tindak_lanjut`` with no public reply. ``perlu_info`` (clock stopped)
    and closed complaints are never touched. Each level is done once per deadline and due date.
    """
    report = SweepReport()
    today = calendar.local_date(now)
    level2_after = level2_working_days(config)
    if not calendar.covers(today) and today.year not in _warned_years:
        _warned_years.add(today.year)
        logger.warning(
            "deadlines: the holidays of %d are not all known; set HOLIDAYS_EXTRA or update"
            " the holiday data",
            today.year,
        )
    dialect = session.get_bind().dialect.name
    replied = sa.exists().where(
        ComplaintMessage.complaint_id == Complaint.id,
        ComplaintMessage.kind == MessageKind.BALASAN,
    )
    verification_late = sa.and_(
        Complaint.status.in_(BEFORE_VERIFICATION),
        Complaint.verification_due < today,
        *_not_escalated(VERIFICATION, Complaint.verification_due, dialect),
    )
    answer_late = sa.and_(
        Complaint.status == S.TINDAK_LANJUT,
        Complaint.answer_due < today,
        ~replied,
        *_not_escalated(FIRST_ANSWER, Complaint.answer_due, dialect),
    )
    complaints = session.scalars(
        sa.select(Complaint)
        .where(sa.or_(verification_late, answer_late))
        .order_by(Complaint.id)
        .limit(limit)
        # Another worker's complaints are skipped now and looked at again next sweep.
        .with_for_update(skip_locked=True, of=Complaint)
    ).all()
    report.checked = len(complaints)
    if not complaints:
        return report

    marks = {
        (e.complaint_id, e.action, e.from_value, e.to_value): e
        for e in session.scalars(
            sa.select(ComplaintEvent).where(
                ComplaintEvent.complaint_id.in_([c.id for c in complaints]),
                ComplaintEvent.action.in_((OVERDUE, ESCALATED)),
            )
        )
    }
    assignee_ids = {c.assignee_id for c in complaints if c.assignee_id is not None}
    assignees = (
        {u.id: u for u in session.scalars(sa.select(User).where(User.id.in_(assignee_ids)))}
        if assignee_ids
        else {}
    )
    coordinators: list[User] | None = None

    for complaint in complaints:
        late_deadline = _late_deadline(complaint, today)
        if late_deadline is None:
            continue
        key, due = late_deadline
        late = calendar.working_days_between(due, today)
        if late < 1:  # a day off right after the due date: notices wait for a working day
            continue
        first = marks.get((complaint.id, OVERDUE, key, due.isoformat()))
        if first is None:
            level = 1
        elif (complaint.id, ESCALATED, key, due.isoformat()) in marks:
            continue
        elif (
            calendar.working_days_between(calendar.local_date(first.created_at), today)
            >= level2_after
        ):
            level = 2
        else:
            continue
        if coordinators is None:
            coordinators = _coordinators(session)
        assignee = assignees.get(complaint.assignee_id) if complaint.assignee_id else None
        queued, recused = _notify(
            session,
            complaint,
            key=key,
            due=due,
            late=late,
            level=level,
            assignee=assignee,
            coordinators=coordinators,
            config=config,
        )
        session.add(
            ComplaintEvent(
                complaint_id=complaint.id,
                action=OVERDUE if level == 1 else ESCALATED,
                from_value=key,
                to_value=due.isoformat(),
                details={
                    "deadline": key,
                    "due": due.isoformat(),
                    "working_days_late": late,
                    "level": level,
                    "notified": queued,
                },
                created_at=now,
            )
        )
        report.emails += queued
        report.recused += recused
        if level == 1:
            report.overdue += 1
        else:
            report.escalated += 1
    session.flush()
    return report


def _coordinators(session: Session) -> list[User]:
    return list(
        session.scalars(
            sa.select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.KOORDINATOR, User.active.is_(True))
            .order_by(User.id)
        )
    )


def _notify(
    session: Session,
    complaint: Complaint,
    *,
    key: str,
    due: date,
    late: int,
    level: int,
    assignee: User | None,
    coordinators: Sequence[User],
    config: Mapping[str, Any],
) -> tuple[int, int]:
    """Queue one notice per person (assignee first); return (queued, left out as recused)."""
    recipients: list[tuple[User, bool]] = []
    if assignee is not None:
        recipients.append((assignee, True))
    recipients.extend((user, False) for user in coordinators)
    queued = recused = 0
    seen: set[str] = set()
    people: set[int] = set()
    for user, as_assignee in recipients:
        if user.id in people:  # a coordinator who is also the assignee: one notice
            continue
        people.add(user.id)
        if _recused(user, complaint):
            recused += 1
            continue
        address = (user.email or "").strip()
        if not user.active or not address or address.lower() in seen:
            continue
        seen.add(address.lower())
        subject, body = _notice(
            complaint,
            key=key,
            due=due,
            late=late,
            level=level,
            as_assignee=as_assignee,
            assignee=assignee,
            config=config,
        )
        outbox.queue_email(
            session,
            to=address,
            subject=subject,
            body=body,
            mail_from=config["MAIL_FROM"],
            complaint=complaint,
            automatic=True,
        )
        queued += 1
    return queued, recused


def _notice(
    complaint: Complaint,
    *,
    key: str,
    due: date,
    late: int,
    level: int,
    as_assignee: bool,
    assignee: User | None,
    config: Mapping[str, Any],
) -> tuple[str, str]:
    """Return the subject and body of a notice: code, title and deadline; no reporter data."""
    with force_locale("id"):
        label = deadline_label(key)
        if level == 1:
            subject = _(
                "[%(code)s] Tenggat terlewati: %(deadline)s", code=complaint.code, deadline=label
            )
        else:
            subject = _(
                "[%(code)s] Eskalasi tingkat 2: %(deadline)s masih terlewati",
                code=complaint.code,
                deadline=label,
            )
        lines = [
            _("Judul: %(title)s", title=complaint.title),
            _(
                "Tenggat: %(deadline)s, %(date)s",
                deadline=label,
                date=format_date(due, "EEEE, d MMMM y", locale="id"),
            ),
            _("Terlambat: %(days)d hari kerja", days=late),
            "",
        ]
        if level == 2:
            lines.append(
                _(
                    "Ini eskalasi tingkat 2: pengaduan ini belum ditangani sejak pemberitahuan"
                    " pertama."
                )
            )
        if as_assignee:
            lines.append(
                _(
                    "Pengaduan ini ditugaskan kepada Anda. Tindak lanjuti segera, atau perbarui"
                    " statusnya bila sudah ditangani."
                )
            )
        elif assignee is not None and _recused(assignee, complaint):
            lines.append(
                _(
                    "Anda menerima email ini sebagai koordinator. Petugas yang ditugaskan bekerja"
                    " di unit yang dilaporkan; tugaskan ulang pengaduan ini."
                )
            )
        elif assignee is not None:
            lines.append(
                _(
                    "Anda menerima email ini sebagai koordinator. Petugas: %(name)s.",
                    name=assignee.name,
                )
            )
        else:
            lines.append(
                _(
                    "Anda menerima email ini sebagai koordinator. Pengaduan ini belum"
                    " ditugaskan kepada siapa pun."
                )
            )
        lines.append(
            _("Buka antrean pengaduan: %(url)s", url=f"{config.get('PUBLIC_URL', '')}/inspektorat")
        )
    return str(subject), "\n".join(str(line) for line in lines) + "\n\n-- \nZI Portal\n"


# --- what pages show ---------------------------------------------------------------------------


def deadline_view(
    complaint: Complaint,
    now: datetime,
    calendar: WorkCalendar | None = None,
    *,
    level2_after: int | None = None,
) -> list[DeadlineState]:
    """Return every deadline of the complaint with its state and its escalation times.

    Verification first, then the first answer; a deadline without a due date is left out.
    ``calendar`` and ``level2_after`` default to the app's configuration. The reporter's page
    shows due dates and states; ``escalations`` are for staff.
    """
    calendar = _calendar(calendar)
    if level2_after is None:
        level2_after = level2_working_days(current_app.config)
    today = calendar.local_date(now)
    events = _ordered(complaint.events)
    pause = _open_pause(events)
    paused_since = calendar.local_date(pause.created_at) if pause is not None else None
    marks = {
        (e.action, e.from_value, e.to_value): e for e in events if e.action in (OVERDUE, ESCALATED)
    }

    def state(key: str, due: date, status: DeadlineStatus, **extra: Any) -> DeadlineState:
        escalations = _escalations(key, due, marks, calendar, level2_after)
        if status not in (
            DeadlineStatus.TEPAT_WAKTU,
            DeadlineStatus.HARI_INI,
            DeadlineStatus.TERLAMBAT,
        ):
            escalations = tuple(e for e in escalations if e.done_at is not None)
        return DeadlineState(key=key, due=due, status=status, escalations=escalations, **extra)

    def running(key: str, due: date) -> DeadlineState:
        if today < due:
            return state(
                key,
                due,
                DeadlineStatus.TEPAT_WAKTU,
                working_days_left=calendar.working_days_between(today, due),
            )
        if today == due:
            return state(key, due, DeadlineStatus.HARI_INI)
        return state(
            key,
            due,
            DeadlineStatus.TERLAMBAT,
            working_days_late=calendar.working_days_between(due, today),
        )

    states: list[DeadlineState] = []
    if complaint.verification_due is not None:
        due = complaint.verification_due
        pending, met_on = _verification_progress(events, calendar)
        if complaint.status in BEFORE_VERIFICATION:
            states.append(running(VERIFICATION, due))
        elif complaint.status == S.PERLU_INFO and pending:
            states.append(
                state(VERIFICATION, due, DeadlineStatus.DIHENTIKAN, paused_since=paused_since)
            )
        else:
            states.append(state(VERIFICATION, due, DeadlineStatus.TERPENUHI, met_on=met_on))
    if complaint.answer_due is not None:
        due = complaint.answer_due
        replies = [m for m in complaint.messages if m.kind == MessageKind.BALASAN and m.created_at]
        if replies:
            first = min(m.created_at for m in replies)
            states.append(
                state(
                    FIRST_ANSWER, due, DeadlineStatus.TERPENUHI, met_on=calendar.local_date(first)
                )
            )
        elif complaint.status in CLOSED:
            states.append(state(FIRST_ANSWER, due, DeadlineStatus.TIDAK_BERLAKU))
        elif complaint.status == S.PERLU_INFO:
            states.append(
                state(FIRST_ANSWER, due, DeadlineStatus.DIHENTIKAN, paused_since=paused_since)
            )
        else:
            states.append(running(FIRST_ANSWER, due))
    return states


def _verification_progress(
    events: Sequence[ComplaintEvent], calendar: WorkCalendar
) -> tuple[bool, date | None]:
    """Replay the status changes: is verification still pending, and when was it decided?"""
    pending, met_on = True, None
    for event in events:
        target = event.to_value
        if (
            event.action not in ("dibuat", "status", "dibuka_kembali")
            or target not in _STATUS_VALUES
        ):
            continue
        if target in (S.DITERIMA.value, S.VERIFIKASI.value):
            pending, met_on = True, None  # (re)opened for verification
        elif target != S.PERLU_INFO.value and pending:
            pending = False
            met_on = calendar.local_date(event.created_at) if event.created_at else None
    return pending, met_on


def _escalations(
    key: str,
    due: date,
    marks: Mapping[tuple[str, str | None, str | None], ComplaintEvent],
    calendar: WorkCalendar,
    level2_after: int,
) -> tuple[Escalation, ...]:
    first = marks.get((OVERDUE, key, due.isoformat()))
    second = marks.get((ESCALATED, key, due.isoformat()))
    first_on = (
        calendar.local_date(first.created_at)
        if first is not None and first.created_at
        else calendar.add_working_days(due, 1)
    )
    second_on = (
        calendar.local_date(second.created_at)
        if second is not None and second.created_at
        else calendar.add_working_days(first_on, level2_after)
    )
    return (
        Escalation(level=1, on=first_on, done_at=first.created_at if first is not None else None),
        Escalation(
            level=2, on=second_on, done_at=second.created_at if second is not None else None
        ),
    )
