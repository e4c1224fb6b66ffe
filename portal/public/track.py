"""/lacak: a reporter opens their complaint with code + key, reads the public thread, replies.

Threat model: someone guessing codes or keys. A wrong code and a wrong key get the same answer,
failures are rate-limited per client and per code, and the page never shows internal notes or
anyone's identity. Access lasts for the browser session and ends with "Keluar".
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _

from models import Attachment, Complaint, db
from models.enums import Channel

from ..extensions import client_key, csrf, limiter
from ..retry import commit_with_retry
from ..services.evidence import download_headers, viewable_path
from ..services.intake import (
    ComplaintClosed,
    IntakeSettings,
    ValidationFailed,
    add_message,
    find_for_reporter,
    public_thread,
)
from ..services.receipts import ReceiptSigner, issue_receipt
from ..services.tracking import normalise_code
from . import bp, staging
from .forms import ReplyForm, TrackForm
from .report import _uploads, receipt_file, receipt_text

TRACKED = "tracked"
IDLE_LIMIT_SECONDS = 30 * 60


def _failed(response) -> bool:
    return response.status_code != 302


def _code_key() -> str:
    """Also limit guesses against one code from many addresses."""
    return "code:" + (normalise_code(request.form.get("code", "")) or "invalid")


def _too_many(_limit):
    form = TrackForm()
    return _no_store(
        render_template(
            "public/track.html",
            form=form,
            notice=_("Terlalu banyak percobaan yang salah. Tunggu 10 menit lalu coba lagi."),
        ),
        429,
    )


def _no_store(body, status: int = 200):
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/lacak", methods=["GET", "POST"])
@csrf.exempt  # TrackForm checks its token itself
@limiter.limit(
    lambda: current_app.config["RATELIMIT_TRACKING_FAILURES"],
    methods=["POST"],
    key_func=client_key,
    deduct_when=_failed,
    on_breach=_too_many,
)
@limiter.limit(
    lambda: current_app.config["RATELIMIT_TRACKING_FAILURES"],
    methods=["POST"],
    key_func=_code_key,
    deduct_when=_failed,
    on_breach=_too_many,
)
def track():
    """Ask for the code and key; open the complaint when they match."""
    form = TrackForm()
    if request.method == "GET":
        if _tracked() is not None:
            return redirect(url_for(".track_status"))
        return _no_store(render_template("public/track.html", form=form))
    complaint = None
    if form.validate():
        complaint = find_for_reporter(db.session, form.code.data, form.key.data)
    if complaint is None:
        notice = _("Nomor pelacakan atau kunci akses tidak cocok. Periksa keduanya lalu coba lagi.")
        if form.csrf_token.errors:
            notice = _("Formulir kedaluwarsa. Silakan kirim lagi.")
        form.key.data = ""
        return _no_store(render_template("public/track.html", form=form, notice=notice), 404)
    session[TRACKED] = {"id": complaint.id, "at": datetime.now(UTC).timestamp()}
    return redirect(url_for(".track_status"))


def _tracked() -> Complaint | None:
    grant = session.get(TRACKED)
    if not grant:
        return None
    if datetime.now(UTC).timestamp() - grant.get("at", 0) > IDLE_LIMIT_SECONDS:
        session.pop(TRACKED, None)
        return None
    session[TRACKED] = {**grant, "at": datetime.now(UTC).timestamp()}
    return db.session.get(Complaint, grant["id"])


def _render_status(complaint: Complaint, form: ReplyForm, status: int = 200, notice=None):
    return _no_store(
        render_template(
            "public/track_status.html",
            complaint=complaint,
            thread=public_thread(complaint),
            form=form,
            kept=staging.kept(),
            notice=notice,
            max_file_mb=current_app.config["EVIDENCE_MAX_FILE_BYTES"] // (1024 * 1024),
        ),
        status,
    )


@bp.get("/lacak/status")
def track_status():
    """The complaint's status, deadlines and public thread, with a reply form."""
    complaint = _tracked()
    if complaint is None:
        return redirect(url_for(".track"))
    return _render_status(complaint, ReplyForm())


@bp.post("/lacak/balas")
@csrf.exempt  # ReplyForm checks its token itself and keeps the text when it fails
def track_reply():
    """Add the reporter's message and evidence through the intake service."""
    complaint = _tracked()
    if complaint is None:
        return redirect(url_for(".track"))
    form = ReplyForm()
    new_files = _uploads(form.evidence.data)
    uploads = staging.take(set(request.form.getlist("keep"))) + new_files
    if not form.validate():
        staging.stage(new_files)
        return _render_status(
            complaint,
            form,
            422,
            _("Formulir kedaluwarsa. Pesan Anda tetap di sini; silakan kirim lagi."),
        )
    settings = IntakeSettings.from_config(current_app.config)
    complaint_id = complaint.id
    try:
        commit_with_retry(
            db.session,
            lambda: add_message(
                db.session,
                db.session.get(Complaint, complaint_id),
                body=form.body.data,
                channel=Channel.WEB,
                settings=settings,
                evidence=uploads,
            ),
        )
    except ValidationFailed as exc:
        db.session.rollback()
        form.body.errors = [*exc.errors.get("body", [])]
        form.evidence.errors = [*exc.errors.get("evidence", [])]
        staging.stage(new_files)
        return _render_status(db.session.get(Complaint, complaint.id), form, 422)
    except ComplaintClosed as exc:
        db.session.rollback()
        staging.stage(new_files)
        return _render_status(db.session.get(Complaint, complaint.id), form, 409, str(exc))
    staging.clear()
    flash(_("Pesan Anda terkirim."))
    return redirect(url_for(".track_status"))


@bp.post("/lacak/keluar")
def track_logout():
    """Close access to the complaint in this browser."""
    session.pop(TRACKED, None)
    staging.clear()
    return redirect(url_for(".track"))


@bp.get("/lacak/berkas/<int:attachment_id>")
def track_attachment(attachment_id: int):
    """Download a file of the reporter's own complaint (the cleaned copy for images)."""
    complaint = _tracked()
    attachment = db.session.get(Attachment, attachment_id)
    if complaint is None or attachment is None or attachment.complaint_id != complaint.id:
        abort(404)
    path = viewable_path(attachment, current_app.config["UPLOAD_DIR"])
    response = send_file(path, conditional=False)
    response.headers.update(download_headers(attachment))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/lacak/tanda-terima.txt")
def track_receipt():
    """Download the signed receipt of the complaint opened in this browser."""
    complaint = _tracked()
    if complaint is None or complaint.content_sha256 is None:
        return redirect(url_for(".track"))
    signer = ReceiptSigner.from_config(current_app.config)
    receipt = issue_receipt(
        signer,
        code=complaint.code,
        filed_at=complaint.created_at,
        content_sha256=complaint.content_sha256,
    )
    return receipt_file(complaint.code, receipt_text(receipt))
