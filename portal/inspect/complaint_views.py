"""One complaint: thread, identity (revealed only on purpose, audited), evidence, every action."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from models import Attachment, Category, Complaint, Unit, User, db
from models.enums import ComplaintOutcome, ComplaintStatus, Priority, Privacy, ReferralBody, Role

from ..auth.access import can, roles_required
from ..services import audit, triage
from ..services.errors import DomainError
from ..services.evidence import download_headers, original_path, viewable_path
from . import bp
from .common import complaint_or_404, me
from .queue_views import HANDLERS, _officers


def render_complaint(complaint: Complaint, *, reveal: bool = False, status: int = 200):
    """Render the complaint page (identity shown only when ``reveal`` was asked and allowed)."""
    from ..services.calendar import WorkCalendar
    from ..services.deadlines import deadline_view

    calendar = WorkCalendar.from_config(current_app.config)
    return render_template(
        "inspect/complaint.html",
        c=complaint,
        reveal=reveal,
        version=triage.version_of(complaint),
        transitions=triage.allowed_transitions(complaint),
        outcomes=list(ComplaintOutcome),
        referrals=list(ReferralBody),
        priorities=list(Priority),
        officers=[o for o in _officers() if not triage.is_recused(o, complaint)],
        units=db.session.scalars(sa.select(Unit).order_by(Unit.name)).all(),
        categories=db.session.scalars(sa.select(Category).order_by(Category.name)).all(),
        duplicates=triage.suggest_duplicates(db.session, complaint, viewer=me()),
        deadlines=deadline_view(complaint, _now(), calendar),
        can_reveal=can(current_user, "identity.reveal", complaint)
        and complaint.privacy != Privacy.ANONIM,
        can_original=can(current_user, "evidence.original"),
    ), status


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


@bp.get("/pengaduan/<code>")
@roles_required(*HANDLERS)
def complaint_page(code: str):
    """The complaint with its whole thread; identity hidden."""
    return render_complaint(complaint_or_404(code))


@bp.post("/pengaduan/<code>/identitas")
@roles_required(*HANDLERS)
def reveal_identity(code: str):
    """Show the reporter's identity, for this page view only, and audit that it was seen."""
    complaint = complaint_or_404(code)
    if complaint.privacy == Privacy.ANONIM or not can(current_user, "identity.reveal", complaint):
        audit.record(db.session, "identitas.ditolak", complaint, current_user)
        db.session.commit()
        return render_template("errors/403.html"), 403
    audit.record(db.session, "identitas.dilihat", complaint, me(), privacy=complaint.privacy.value)
    db.session.commit()
    return render_complaint(complaint, reveal=True)


def _act(code: str, action, success: str):
    """Run one triage action; domain refusals and concurrent changes come back as messages."""
    complaint = complaint_or_404(code)
    version = request.form.get("versi")
    try:
        action(complaint, version)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        for reason in exc.reasons:
            flash(reason, "error")
        return render_complaint(
            db.session.get(Complaint, complaint.id),
            status=409 if isinstance(exc, triage.ConcurrentChange) else 422,
        )
    except StaleDataError:
        db.session.rollback()
        flash(
            _(
                "Pengaduan ini baru saja diubah oleh orang lain. Muat ulang halaman, periksa"
                " perubahannya, lalu ulangi."
            ),
            "error",
        )
        return render_complaint(db.session.get(Complaint, complaint.id), status=409)
    flash(success, "ok")
    return redirect(url_for(".complaint_page", code=code))


def _enum(enum, name: str):
    try:
        return enum(request.form.get(name, ""))
    except ValueError:
        return None


@bp.post("/pengaduan/<code>/balas")
@roles_required(*HANDLERS)
def post_reply(code: str):
    """A public reply, delivered on the reporter's channel."""
    return _act(
        code,
        lambda c, v: triage.reply(
            db.session,
            c,
            body=request.form.get("isi", ""),
            author=me(),
            config=current_app.config,
            expected_version=v,
        ),
        _("Balasan dikirim ke pelapor."),
    )


@bp.post("/pengaduan/<code>/catatan")
@roles_required(*HANDLERS)
def post_note(code: str):
    """An internal note, never shown or sent to the reporter."""
    return _act(
        code,
        lambda c, v: triage.add_note(
            db.session, c, body=request.form.get("isi", ""), author=me(), expected_version=v
        ),
        _("Catatan internal disimpan."),
    )


@bp.post("/pengaduan/<code>/status")
@roles_required(*HANDLERS)
def post_status(code: str):
    """Change the status through the state machine."""
    target = _enum(ComplaintStatus, "status")
    if target is None:
        abort(400)
    return _act(
        code,
        lambda c, v: triage.change_status(
            db.session,
            c,
            to=target,
            actor=me(),
            config=current_app.config,
            expected_version=v,
            note=request.form.get("catatan"),
            outcome=_enum(ComplaintOutcome, "hasil"),
            referred_to=_enum(ReferralBody, "tujuan"),
        ),
        _("Status diperbarui."),
    )


@bp.post("/pengaduan/<code>/tugaskan")
@roles_required(*HANDLERS)
def post_assign(code: str):
    """Assign the complaint (or take it back)."""
    raw = request.form.get("petugas", "")
    assignee = db.session.get(User, int(raw)) if raw.isdigit() else None
    if raw.isdigit() and assignee is None:
        abort(400)
    return _act(
        code,
        lambda c, v: triage.assign(
            db.session, c, assignee=assignee, actor=me(), expected_version=v
        ),
        _("Penugasan diperbarui."),
    )


@bp.post("/pengaduan/<code>/prioritas")
@roles_required(*HANDLERS)
def post_priority(code: str):
    """Change the priority."""
    priority = _enum(Priority, "prioritas")
    if priority is None:
        abort(400)
    return _act(
        code,
        lambda c, v: triage.set_priority(
            db.session, c, priority=priority, actor=me(), expected_version=v
        ),
        _("Prioritas diperbarui."),
    )


@bp.post("/pengaduan/<code>/klasifikasi")
@roles_required(*HANDLERS)
def post_reclassify(code: str):
    """Change the unit and/or the category."""
    unit_slug = request.form.get("unit", "")
    unit = False
    if unit_slug == "-":
        unit = None
    elif unit_slug:
        unit = db.session.scalar(sa.select(Unit).where(Unit.slug == unit_slug)) or abort(400)
    category = None
    if request.form.get("kategori"):
        category = db.session.scalar(
            sa.select(Category).where(Category.slug == request.form["kategori"])
        ) or abort(400)
    return _act(
        code,
        lambda c, v: triage.reclassify(
            db.session, c, actor=me(), unit=unit, category=category, expected_version=v
        ),
        _("Klasifikasi diperbarui."),
    )


@bp.post("/pengaduan/<code>/gabung")
@roles_required(*HANDLERS)
def post_merge(code: str):
    """Merge this complaint into another one."""
    into = complaint_or_404((request.form.get("ke") or "").strip().upper())
    return _act(
        code,
        lambda c, v: triage.merge(
            db.session, c, into=into, actor=me(), config=current_app.config, expected_version=v
        ),
        _("Pengaduan digabung."),
    )


@bp.post("/pengaduan/<code>/publikasi")
@roles_required(*HANDLERS)
def post_publication(code: str):
    """Approve or withdraw publication (Open311 and public lists; never any identity)."""
    approved = request.form.get("publikasi") == "1"
    return _act(
        code,
        lambda c, v: triage.set_publication(
            db.session, c, approved=approved, actor=me(), expected_version=v
        ),
        _("Publikasi disetujui.") if approved else _("Publikasi ditarik."),
    )


def _attachment(attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        abort(404)
    complaint = db.session.get(Complaint, attachment.complaint_id)
    if triage.is_recused(current_user, complaint):
        abort(404)
    return attachment


@bp.get("/berkas/<int:attachment_id>")
@roles_required(*HANDLERS)
def evidence_view(attachment_id: int):
    """The cleaned copy of an evidence file (images without metadata)."""
    attachment = _attachment(attachment_id)
    response = send_file(
        viewable_path(attachment, current_app.config["UPLOAD_DIR"]), conditional=False
    )
    response.headers.update(download_headers(attachment))
    return response


@bp.get("/berkas/<int:attachment_id>/asli")
@roles_required(Role.KOORDINATOR)
def evidence_original(attachment_id: int):
    """The sealed original, for roles allowed to handle it; every download is audited."""
    attachment = _attachment(attachment_id)
    if not can(current_user, "evidence.original"):
        abort(403)
    audit.record(
        db.session, "bukti.asli_diunduh", attachment, current_user, sha256=attachment.sha256
    )
    db.session.commit()
    response = send_file(
        original_path(attachment, current_app.config["UPLOAD_DIR"]), conditional=False
    )
    response.headers.update(download_headers(attachment))
    return response
