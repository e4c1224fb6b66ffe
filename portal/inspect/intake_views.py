"""Recording a complaint received by phone, letter or in person, through the same intake."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_login import current_user

from models import db
from models.enums import Channel

from ..auth.access import roles_required
from ..public import staging
from ..public.report import (
    FIELD_OF,
    _uploads,
    category_groups,
    resolve_unit,
    submission_from_form,
    unit_options,
)
from ..services import audit
from ..services.intake import (
    IntakeSettings,
    ValidationFailed,
    submit_complaint,
)
from . import bp
from .forms import OfflineReportForm
from .queue_views import HANDLERS

OFFLINE_CHANNELS = (Channel.TELEPON, Channel.SURAT, Channel.LANGSUNG)
STAGED = "staged_files_staff"  # files of a form shown again, apart from the public form's


def _render(form, status=200, candidates=(), filed=None, key=None):
    return render_template(
        "inspect/new.html",
        form=form,
        groups=category_groups(),
        units=unit_options(),
        candidates=candidates,
        filed=filed,
        key=key,
        kept=staging.kept(STAGED),
    ), status


@bp.route("/baru", methods=["GET", "POST"])
@roles_required(*HANDLERS)
def record_offline():
    """Record a complaint received by phone, letter or in person, with the reporter's choices."""
    form = OfflineReportForm()
    if request.method == "GET":
        return _render(form)
    # A form shown again keeps the files that came with it (browsers cannot refill a file
    # input): parked, listed as kept, and filed when the form is sent again.
    new_files = _uploads(form.evidence.data)
    uploads = staging.take(set(request.form.getlist("keep")), STAGED) + new_files
    if not form.validate():
        staging.stage(new_files, STAGED)
        return _render(form, 422)
    unit_slug, candidates, unit_error = resolve_unit(form)
    if unit_error:
        form.unit.errors = [*form.unit.errors, unit_error]
        staging.stage(new_files, STAGED)
        return _render(form, 422, candidates)
    submission = submission_from_form(
        form,
        channel=Channel(form.channel.data),
        unit_slug=unit_slug,
        uploads=uploads,
    )
    try:
        filed = submit_complaint(
            db.session, submission, IntakeSettings.from_config(current_app.config)
        )
        audit.record(
            db.session,
            "pengaduan.dicatat_petugas",
            filed.complaint,
            current_user,
            channel=form.channel.data,
        )
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        for name, messages in exc.errors.items():
            field = getattr(form, FIELD_OF.get(name, name), None)
            if field is not None:
                field.errors = [*field.errors, *messages]
        staging.stage(new_files, STAGED)
        return _render(form, 422)
    staging.clear(STAGED)
    # The key is shown once, to hand to the reporter (read out, or printed on a slip).
    return _render(
        OfflineReportForm(formdata=None), 201, filed=filed.complaint, key=filed.access_key
    )
