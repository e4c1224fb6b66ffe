"""ZI administration: the dashboard, declarations, and what every lifecycle page shares.

Who does what (PermenPANRB 52/2014 and 90/2021, as DESIGN.md §7 reads them):
``admin_zi`` manages agencies, units, declarations, pacts, designation, proposals, awards and
coaching; ``tpi`` (Tim Penilai Internal) enters self-assessments; ``tpn`` (Tim Penilai
Nasional) records reviews and periodic evaluations. All three may read every page here. The
views refuse the wrong role with 403 and the pages show only the actions the viewer may take.

Every change goes through ``portal.services.lifecycle`` or ``organisation``; a refused step is
shown beside its form with every reason in words, and the typed values are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models import (
    Agency,
    CoachingActivity,
    Declaration,
    Proposal,
    RevocationCase,
    Unit,
    db,
)
from models.enums import ProposalStatus, RevocationStatus, Role, ZIStage

from ..auth.access import roles_required
from ..services import lifecycle
from ..services.errors import DomainError
from . import bp
from .forms import DeclarationForm, options

ZI_ROLES = (Role.ADMIN_ZI, Role.TPI, Role.TPN)
MANAGER = Role.ADMIN_ZI
T = TypeVar("T")


# --- shared by the admin views ---------------------------------------------------------------


def me():
    """Return the signed-in user as a model object (not the request-local proxy)."""
    return current_user._get_current_object()


def may() -> dict[str, bool]:
    """Return what the viewer may do: manage (admin_zi), assess (tpi), review (tpn)."""
    user = current_user
    if not getattr(user, "is_authenticated", False):
        return {"manage": False, "assess": False, "review": False}
    return {
        "manage": user.has_role(Role.ADMIN_ZI),
        "assess": user.has_role(Role.TPI),
        "review": user.has_role(Role.TPN),
    }


@bp.context_processor
def _zi_admin_context() -> dict[str, Any]:
    return {"zi_may": may()}


def policy() -> lifecycle.LifecyclePolicy:
    """Return the lifecycle periods configured for this app."""
    return lifecycle.LifecyclePolicy.from_config(current_app.config)


def one_or_404(model: type[T], **where: Any) -> T:
    """Return the row of ``model`` matching ``where`` or answer 404."""
    row = db.session.scalar(sa.select(model).filter_by(**where))
    if row is None:
        abort(404)
    return row


def attempt(action: Callable[[], T]) -> tuple[T | None, list[str]]:
    """Run a service step and commit; a refusal rolls back and returns its reasons in words."""
    try:
        result = action()
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        return None, exc.reasons
    return result, []


def done(message: str, target: str):
    """Confirm a successful step and go to ``target`` (post/redirect/get)."""
    flash(message, "ok")
    return redirect(target)


# --- dashboard -------------------------------------------------------------------------------


@bp.get("")
@roles_required(*ZI_ROLES)
def dashboard():
    """Units by ZI stage, proposals in progress, open revocation cases, recent coaching."""
    counts = dict(
        db.session.execute(
            sa.select(Unit.zi_stage, sa.func.count(Unit.id)).group_by(Unit.zi_stage)
        ).all()
    )
    stages = [(stage, counts.get(stage, 0)) for stage in ZIStage]
    proposals = db.session.scalars(
        sa.select(Proposal)
        .where(Proposal.status.in_(lifecycle.PENDING_PROPOSAL))
        .order_by(Proposal.submitted_on, Proposal.id)
    ).all()
    cases = db.session.scalars(
        sa.select(RevocationCase)
        .where(RevocationCase.status == RevocationStatus.TERBUKA)
        .order_by(RevocationCase.decide_by, RevocationCase.id)
    ).all()
    coaching = db.session.scalars(
        sa.select(CoachingActivity)
        .order_by(CoachingActivity.held_on.desc(), CoachingActivity.id.desc())
        .limit(10)
    ).all()
    return render_template(
        "admin/dashboard.html",
        stages=stages,
        total_units=sum(counts.values()),
        agencies=db.session.scalar(sa.select(sa.func.count(Agency.id))),
        proposals=proposals,
        cases=cases,
        coaching=coaching,
        ProposalStatus=ProposalStatus,
        today=date.today(),
    )


# --- declarations (pencanangan) --------------------------------------------------------------


@bp.get("/pencanangan")
@roles_required(*ZI_ROLES)
def declarations():
    """Every declaration, newest first, with its agencies and witnesses."""
    rows = db.session.scalars(
        sa.select(Declaration).order_by(Declaration.declared_on.desc(), Declaration.id.desc())
    ).all()
    return render_template("admin/declarations.html", declarations=rows)


def _declaration_form(form: DeclarationForm) -> DeclarationForm:
    agencies = db.session.scalars(sa.select(Agency).order_by(Agency.name)).all()
    form.agencies.choices = options((a.slug, a.name) for a in agencies)
    return form


@bp.route("/pencanangan/baru", methods=["GET", "POST"])
@roles_required(MANAGER)
def declaration_new():
    """Record a declaration: one agency or several together, witnesses, charter, publication."""
    form = _declaration_form(DeclarationForm())
    if request.method == "GET":
        preset = request.args.get("instansi")
        if preset:
            form.agencies.data = [preset]
        form.declared_on.data = date.today()
    reasons: list[str] = []
    if request.method == "POST":
        if request.form.get("aksi") == "tambah_saksi":
            form.witnesses.append_entry()
            return render_template("admin/declaration_new.html", form=form, reasons=reasons)
        if form.validate():
            chosen = db.session.scalars(
                sa.select(Agency).where(Agency.slug.in_(form.agencies.data or []))
            ).all()
            order = {slug: n for n, slug in enumerate(form.agencies.data or [])}
            chosen = sorted(chosen, key=lambda a: order[a.slug])
            declaration, reasons = attempt(
                lambda: lifecycle.declare(
                    db.session,
                    agencies=chosen,
                    declared_on=form.declared_on.data,
                    charter_reference=form.charter_reference.data or "",
                    witnesses=form.witness_rows(),
                    publication_url=(form.publication_url.data or "").strip() or None,
                    place=(form.place.data or "").strip() or None,
                    actor=me(),
                )
            )
            if declaration is not None:
                return done(_("Pencanangan dicatat."), url_for(".declarations"))
        status = 422
        return render_template("admin/declaration_new.html", form=form, reasons=reasons), status
    return render_template("admin/declaration_new.html", form=form, reasons=reasons)
