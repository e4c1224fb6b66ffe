"""An inspector reports an event that defeats a unit's integrity indicators."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from models import Unit, db
from models.enums import ZIStage

from ..auth.access import roles_required
from ..services import integrity
from ..services.errors import DomainError
from . import bp
from .common import me
from .queue_views import HANDLERS


def _units():
    return db.session.scalars(
        sa.select(Unit)
        .where(Unit.zi_stage.in_((ZIStage.WBK, ZIStage.WBBM, ZIStage.DIUSULKAN)))
        .order_by(Unit.name)
    ).all()


@bp.route("/peristiwa", methods=["GET", "POST"])
@roles_required(*HANDLERS)
def report_event():
    """Report, e.g., an official of the unit named a suspect: a revocation review opens."""
    if request.method == "POST":
        unit = db.session.scalar(sa.select(Unit).where(Unit.slug == request.form.get("unit", "")))
        try:
            if unit is None:
                raise DomainError(_("Pilih unit dari daftar."))
            case = integrity.report_event(
                db.session,
                unit,
                description=request.form.get("uraian", ""),
                actor=me(),
                config=current_app.config,
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            for reason in exc.reasons:
                flash(reason, "error")
            return render_template("inspect/event.html", units=_units(), form=request.form), 422
        flash(_("Peninjauan pencabutan #%(id)d dibuka.", id=case.id), "ok")
        return redirect(url_for(".report_event"))
    return render_template("inspect/event.html", units=_units(), form={})
