"""Triage: what inspectors do to a complaint, through one state machine, every step an event.

Statuses (DESIGN.md §4): diterima → verifikasi → tindak_lanjut → selesai (with an outcome), with
the side exits perlu_info (clock paused until the reporter answers), diteruskan (referred),
ditolak (with a reason) and digabung (merged). A transition that is not allowed is refused with
the reason. Two inspectors acting on the same complaint at once: each action carries the version
(``updated_at``) the inspector saw; an older one is refused instead of silently overwritten, and
the database checks the same version on every UPDATE (see ``Complaint.__mapper_args__``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from models import Category, Complaint, ComplaintEvent, ComplaintMessage, Unit, User
from models.enums import (
    Channel,
    ComplaintOutcome,
    ComplaintStatus,
    MessageKind,
    Priority,
    Privacy,
    ReferralBody,
    Role,
)

from . import audit, outbox
from .errors import DomainError, NotPermitted, PreconditionFailed
from .replies import reply_to_reporter
from .sanitize import clean_text

S = ComplaintStatus
TRANSITIONS: dict[ComplaintStatus, tuple[ComplaintStatus, ...]] = {
    S.DITERIMA: (S.VERIFIKASI, S.PERLU_INFO, S.DITOLAK, S.DITERUSKAN, S.DIGABUNG),
    S.VERIFIKASI: (S.TINDAK_LANJUT, S.PERLU_INFO, S.DITOLAK, S.DITERUSKAN, S.DIGABUNG),
    S.TINDAK_LANJUT: (S.SELESAI, S.PERLU_INFO, S.DITERUSKAN, S.DIGABUNG),
    S.PERLU_INFO: (S.VERIFIKASI, S.TINDAK_LANJUT, S.DITOLAK),
    S.SELESAI: (S.TINDAK_LANJUT,),
    S.DITOLAK: (S.VERIFIKASI,),
    S.DITERUSKAN: (),
    S.DIGABUNG: (),
}
HANDLING_ROLES = (Role.INSPEKTUR, Role.KOORDINATOR)
NOTE_MAX = 5_000


class TransitionNotAllowed(DomainError):
    """A status change the state machine refuses; the message says why."""


class ConcurrentChange(DomainError):
    """Someone changed the complaint after the acting inspector loaded it."""


def version_of(complaint: Complaint) -> str:
    """Return the version token a form carries (the last change's timestamp)."""
    return complaint.updated_at.isoformat()


def _check(complaint: Complaint, actor: User, expected_version: str | None) -> None:
    if actor is None or not actor.has_role(*HANDLING_ROLES):
        raise NotPermitted(_("Hanya inspektur atau koordinator yang dapat menangani pengaduan."))
    if is_recused(actor, complaint):
        raise NotPermitted(
            _("Anda bekerja di unit yang dilaporkan, sehingga tidak dapat menangani pengaduan ini.")
        )
    if expected_version is not None and expected_version != version_of(complaint):
        raise ConcurrentChange(
            _(
                "Pengaduan ini baru saja diubah oleh orang lain. Muat ulang"
                " halaman, periksa perubahannya, lalu ulangi."
            )
        )


def is_recused(user: User, complaint: Complaint) -> bool:
    """An officer of the reported unit never handles or sees the complaint."""
    return user.unit_id is not None and user.unit_id == complaint.unit_id


def _event(
    session: Session,
    complaint: Complaint,
    actor: User | None,
    action: str,
    old: str | None,
    new: str | None,
    now: datetime,
    **details: Any,
) -> None:
    session.add(
        ComplaintEvent(
            complaint=complaint,
            actor_id=actor.id if actor else None,
            action=action,
            from_value=old,
            to_value=new,
            details=details or None,
            created_at=now,
        )
    )
    complaint.updated_at = now
    if actor is not None:  # what staff do to a complaint is also in the audit trail
        audit.record(
            session, f"pengaduan.{action}", complaint, actor, code=complaint.code, old=old, new=new
        )


def allowed_transitions(complaint: Complaint) -> tuple[ComplaintStatus, ...]:
    """Return the statuses this complaint may move to now."""
    return TRANSITIONS[complaint.status]


def _notify_status(
    session: Session, complaint: Complaint, note: str | None, config: Mapping[str, Any]
) -> None:
    """Tell the reporter about a status change on the channel they can be reached on."""
    with force_locale(complaint.language):
        body = render_template("messages/status.txt", complaint=complaint, note=note, config=config)
        subject = _("[%(code)s] Status pengaduan Anda berubah", code=complaint.code)
    if complaint.reporter_email:
        ids = [m.message_id for m in complaint.messages if m.message_id]
        outbox.queue_email(
            session,
            to=complaint.reporter_email,
            subject=subject,
            body=body,
            mail_from=config["MAIL_FROM"],
            complaint=complaint,
            automatic=True,
            in_reply_to=ids[-1] if ids else None,
            references=ids[:-1],
        )
    if complaint.reporter_telegram_chat_id is not None:
        outbox.queue_telegram(
            session, chat_id=complaint.reporter_telegram_chat_id, body=body, complaint=complaint
        )


def change_status(
    session: Session,
    complaint: Complaint,
    *,
    to: ComplaintStatus,
    actor: User,
    config: Mapping[str, Any],
    expected_version: str | None = None,
    note: str | None = None,
    outcome: ComplaintOutcome | None = None,
    referred_to: ReferralBody | None = None,
    now: datetime | None = None,
) -> Complaint:
    """Move a complaint to ``to`` if the state machine allows it; tell the reporter."""
    from .deadlines import pause_clock, resume_clock  # the clock rules live with deadlines

    _check(complaint, actor, expected_version)
    now = now or datetime.now(UTC)
    note = clean_text(note or "") or None
    old = complaint.status
    if to not in TRANSITIONS[old]:
        raise TransitionNotAllowed(
            _(
                "Status tidak dapat diubah dari '%(old)s' ke '%(new)s'. Langkah yang mungkin:"
                " %(ok)s.",
                old=old.value,
                new=to.value,
                ok=", ".join(s.value for s in TRANSITIONS[old]) or _("tidak ada (status akhir)"),
            )
        )
    failures = []
    if to == S.SELESAI and outcome is None:
        failures.append(_("Pilih hasil pemeriksaan: terbukti, tidak terbukti, atau sebagian."))
    if to == S.DITERUSKAN and referred_to is None:
        failures.append(_("Pilih lembaga tujuan penerusan."))
    if to in (S.DITOLAK, S.DITERUSKAN, S.PERLU_INFO) and not note:
        failures.append(_("Tuliskan penjelasan untuk pelapor."))
    if note and len(note) > NOTE_MAX:
        failures.append(_("Penjelasan terlalu panjang (maksimal %(n)d karakter).", n=NOTE_MAX))
    if failures:
        raise PreconditionFailed(failures)

    if old == S.PERLU_INFO:
        resume_clock(complaint, now)
    complaint.status = to
    details: dict[str, Any] = {}
    if to == S.SELESAI:
        complaint.outcome = outcome
        complaint.closed_at = now
        details["outcome"] = outcome.value
    elif to == S.DITOLAK:
        complaint.closed_at = now
    elif to == S.DITERUSKAN:
        complaint.referred_to = referred_to
        complaint.closed_at = now
        details["referred_to"] = referred_to.value
    elif old in (S.SELESAI, S.DITOLAK):
        complaint.closed_at = None
        complaint.outcome = None
    _event(session, complaint, actor, "status", old.value, to.value, now, **details)
    if to == S.PERLU_INFO:
        pause_clock(complaint, now)
    if note and to in (S.PERLU_INFO, S.DITOLAK, S.DITERUSKAN):
        # The explanation is a public reply: the reporter reads it in the thread.
        reply_to_reporter(
            session, complaint, body=note, author=actor, config=config, now=now, notify=False
        )
    _notify_status(session, complaint, note, config)
    if to == S.SELESAI:
        from .integrity import on_complaint_closed  # rules run in this same transaction

        on_complaint_closed(session, complaint, config=config, actor=actor, now=now)
    session.flush()
    return complaint


def assign(
    session: Session,
    complaint: Complaint,
    *,
    assignee: User | None,
    actor: User,
    expected_version: str | None = None,
    now: datetime | None = None,
) -> Complaint:
    """Assign (or unassign) the complaint to an inspector or coordinator."""
    _check(complaint, actor, expected_version)
    now = now or datetime.now(UTC)
    if assignee is not None:
        if not assignee.active or not assignee.has_role(*HANDLING_ROLES):
            raise PreconditionFailed(
                _("Pengaduan hanya dapat ditugaskan kepada inspektur atau koordinator yang aktif.")
            )
        if is_recused(assignee, complaint):
            raise PreconditionFailed(
                _(
                    "%(name)s bekerja di unit yang dilaporkan dan tidak dapat ditugaskan.",
                    name=assignee.name,
                )
            )
    old = complaint.assignee.email if complaint.assignee else None
    complaint.assignee = assignee
    _event(session, complaint, actor, "penugasan", old, assignee.email if assignee else None, now)
    session.flush()
    return complaint


def set_priority(
    session: Session,
    complaint: Complaint,
    *,
    priority: Priority,
    actor: User,
    expected_version: str | None = None,
    now: datetime | None = None,
) -> Complaint:
    """Change the complaint's priority."""
    _check(complaint, actor, expected_version)
    now = now or datetime.now(UTC)
    old = complaint.priority
    complaint.priority = priority
    _event(session, complaint, actor, "prioritas", old.value, priority.value, now)
    session.flush()
    return complaint


def reclassify(
    session: Session,
    complaint: Complaint,
    *,
    actor: User,
    unit: Unit | None | bool = False,
    category: Category | None = None,
    expected_version: str | None = None,
    now: datetime | None = None,
) -> Complaint:
    """Change the reported unit (``None``: unknown) and/or the category."""
    _check(complaint, actor, expected_version)
    now = now or datetime.now(UTC)
    if unit is not False and unit is not complaint.unit:
        old = complaint.unit.slug if complaint.unit else None
        complaint.unit = unit
        _event(session, complaint, actor, "unit", old, unit.slug if unit else None, now)
        if is_recused(actor, complaint):
            raise NotPermitted(_("Anda tidak dapat memindahkan pengaduan ke unit Anda sendiri."))
    if category is not None and category is not complaint.category:
        old = complaint.category.slug if complaint.category else None
        complaint.category = category
        _event(session, complaint, actor, "kategori", old, category.slug, now)
    session.flush()
    return complaint


def add_note(
    session: Session,
    complaint: Complaint,
    *,
    body: str,
    author: User,
    expected_version: str | None = None,
    now: datetime | None = None,
) -> ComplaintMessage:
    """Add an internal note: never shown or sent to the reporter."""
    _check(complaint, author, expected_version)
    now = now or datetime.now(UTC)
    text = clean_text(body)
    if not text:
        raise PreconditionFailed(_("Catatan tidak boleh kosong."))
    if len(text) > Complaint.BODY_MAX:
        raise PreconditionFailed(
            _("Catatan terlalu panjang (maksimal %(n)d karakter).", n=Complaint.BODY_MAX)
        )
    note = ComplaintMessage(
        complaint=complaint,
        kind=MessageKind.CATATAN,
        channel=Channel.WEB,
        author=author,
        body=text,
        created_at=now,
    )
    session.add(note)
    _event(session, complaint, author, "catatan", None, None, now)
    session.flush()
    return note


def reply(
    session: Session,
    complaint: Complaint,
    *,
    body: str,
    author: User,
    config: Mapping[str, Any],
    expected_version: str | None = None,
    now: datetime | None = None,
) -> ComplaintMessage:
    """Send a public reply on the reporter's channel (checked like every triage action)."""
    _check(complaint, author, expected_version)
    message = reply_to_reporter(
        session, complaint, body=body, author=author, config=config, now=now
    )
    audit.record(session, "pengaduan.balasan_publik", complaint, author, code=complaint.code)
    return message


def merge(
    session: Session,
    duplicate: Complaint,
    *,
    into: Complaint,
    actor: User,
    config: Mapping[str, Any],
    expected_version: str | None = None,
    now: datetime | None = None,
) -> Complaint:
    """Merge a duplicate into another complaint; the duplicate's reporter is told."""
    _check(duplicate, actor, expected_version)
    _check(into, actor, None)
    if into.id == duplicate.id:
        raise PreconditionFailed(_("Pengaduan tidak dapat digabung dengan dirinya sendiri."))
    if into.status == S.DIGABUNG:
        raise PreconditionFailed(
            _("Pengaduan tujuan sendiri sudah digabung; pilih pengaduan utamanya.")
        )
    now = now or datetime.now(UTC)
    duplicate.duplicate_of = into
    _event(session, into, actor, "digabungkan", None, duplicate.code, now)
    note = _(
        "Laporan Anda digabung dengan laporan lain tentang kejadian yang sama, agar"
        " ditangani bersama. Anda tetap akan menerima kabar tentang hasilnya."
    )
    with force_locale(duplicate.language):
        note = str(note)
    return change_status(
        session, duplicate, to=S.DIGABUNG, actor=actor, config=config, note=note, now=now
    )


def set_publication(
    session: Session,
    complaint: Complaint,
    *,
    approved: bool,
    actor: User,
    expected_version: str | None = None,
    now: datetime | None = None,
) -> Complaint:
    """Approve (or withdraw) publication of a 'terbuka' complaint, without any identity."""
    _check(complaint, actor, expected_version)
    if approved and complaint.privacy != Privacy.TERBUKA:
        raise PreconditionFailed(
            _(
                "Hanya pengaduan 'terbuka' yang boleh dipublikasikan; pelapor memilih '%(p)s'.",
                p=complaint.privacy.value,
            )
        )
    now = now or datetime.now(UTC)
    old = complaint.publication_approved
    complaint.publication_approved = approved
    _event(session, complaint, actor, "publikasi", str(old).lower(), str(approved).lower(), now)
    session.flush()
    return complaint


_WORD = re.compile(r"\w{3,}", re.UNICODE)


def _words(text: str) -> set[str]:
    return {w.casefold() for w in _WORD.findall(text or "")}


def suggest_duplicates(
    session: Session,
    complaint: Complaint,
    *,
    days: int = 14,
    limit: int = 5,
    viewer: User | None = None,
) -> list[tuple[Complaint, float]]:
    """Return likely duplicates: same unit, filed within ``days``, similar words (Jaccard)."""
    if complaint.unit_id is None:
        return []
    window = timedelta(days=days)
    candidates = session.scalars(
        sa.select(Complaint)
        .where(
            Complaint.unit_id == complaint.unit_id,
            Complaint.id != complaint.id,
            Complaint.status != S.DIGABUNG,
            Complaint.created_at.between(
                complaint.created_at - window, complaint.created_at + window
            ),
        )
        .limit(200)
    )
    mine = _words(f"{complaint.title} {complaint.body}")
    scored = []
    for other in candidates:
        if viewer is not None and is_recused(viewer, other):
            continue
        theirs = _words(f"{other.title} {other.body}")
        union = mine | theirs
        score = len(mine & theirs) / len(union) if union else 0.0
        if score >= 0.2:
            scored.append((other, round(score, 2)))
    return sorted(scored, key=lambda pair: -pair[1])[:limit]
