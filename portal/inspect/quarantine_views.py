"""Held messages: inspectors release them into complaints or discard them (audited)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from models import QuarantinedMessage, db

from ..auth.access import roles_required
from ..mail.ingest import MailSettings, release_quarantined
from ..services import quarantine
from ..services.errors import DomainError
from . import bp
from .common import me
from .queue_views import HANDLERS


@bp.get("/karantina")
@roles_required(*HANDLERS)
def quarantine_list():
    """Messages that could not become complaints, with the reason each was held."""
    return render_template("inspect/quarantine.html", items=quarantine.held(db.session))


def _item(item_id: int) -> QuarantinedMessage:
    return db.session.get(QuarantinedMessage, item_id) or abort(404)


@bp.post("/karantina/<int:item_id>/lepas")
@roles_required(*HANDLERS)
def quarantine_release(item_id: int):
    """File a held message as a complaint."""
    try:
        complaint = release_quarantined(
            db.session,
            _item(item_id),
            actor=me(),
            settings=MailSettings.from_config(current_app.config),
        )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".quarantine_list"))
    flash(_("Pesan dilepas menjadi pengaduan %(code)s.", code=complaint.code), "ok")
    return redirect(url_for(".complaint_page", code=complaint.code))


@bp.post("/karantina/<int:item_id>/buang")
@roles_required(*HANDLERS)
def quarantine_discard(item_id: int):
    """Discard a held message (its raw file stays for the audit trail)."""
    try:
        quarantine.discard(db.session, _item(item_id), actor=me())
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".quarantine_list"))
    flash(_("Pesan karantina dibuang."), "ok")
    return redirect(url_for(".quarantine_list"))
