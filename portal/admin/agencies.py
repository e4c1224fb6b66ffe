"""Agencies (instansi): list, create, and each year's BPK opinion and AKIP grade."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask_babel import gettext as _

from models import Agency, Declaration, Unit, db
from models.enums import AKIPGrade, BPKOpinion

from ..auth.access import roles_required
from ..services import organisation
from . import bp
from .forms import AgencyForm, AgencyYearForm
from .lifecycle_views import MANAGER, ZI_ROLES, attempt, done, me, one_or_404


def _render_list(form: AgencyForm, reasons: list[str], status: int = 200):
    agencies = db.session.scalars(sa.select(Agency).order_by(Agency.name)).all()
    unit_counts = dict(
        db.session.execute(
            sa.select(Unit.agency_id, sa.func.count(Unit.id)).group_by(Unit.agency_id)
        ).all()
    )
    return render_template(
        "admin/agencies.html",
        agencies=agencies,
        unit_counts=unit_counts,
        form=form,
        reasons=reasons,
    ), status


@bp.get("/instansi")
@roles_required(*ZI_ROLES)
def agencies():
    """Every agency with its latest figures; admin_zi can add one."""
    return _render_list(AgencyForm(formdata=None), [])


@bp.post("/instansi")
@roles_required(MANAGER)
def agency_create():
    """Create an agency through ``organisation.create_agency``."""
    form = AgencyForm()
    reasons: list[str] = []
    if form.validate():
        agency, reasons = attempt(
            lambda: organisation.create_agency(
                db.session,
                name=form.name.data or "",
                abbreviation=(form.abbreviation.data or "").strip() or None,
                actor=me(),
            )
        )
        if agency is not None:
            return done(
                _("Instansi %(name)s ditambahkan.", name=agency.name),
                url_for(".agency_page", slug=agency.slug),
            )
    return _render_list(form, reasons, 422)


def render_agency(agency: Agency, year_form: AgencyYearForm | None = None, reasons=(), status=200):
    """Render an agency's page: yearly figures (with the edit form), units, declarations."""
    if year_form is None:
        year_form = AgencyYearForm(formdata=None)
        wanted = request.args.get("tahun", "")
        row = agency.year(int(wanted)) if wanted.isdigit() else None
        if wanted.isdigit():
            year_form.year.data = int(wanted)
        if row is not None:
            year_form.bpk_opinion.data = row.bpk_opinion.value if row.bpk_opinion else ""
            year_form.akip_grade.data = row.akip_grade.value if row.akip_grade else ""
    units = db.session.scalars(
        sa.select(Unit).where(Unit.agency_id == agency.id).order_by(Unit.eselon, Unit.name)
    ).all()
    declared = db.session.scalars(
        sa.select(Declaration)
        .join(Declaration.agencies)
        .where(Agency.id == agency.id)
        .order_by(Declaration.declared_on.desc())
    ).all()
    return render_template(
        "admin/agency.html",
        agency=agency,
        years=sorted(agency.years, key=lambda y: y.year, reverse=True),
        units=units,
        declarations=declared,
        year_form=year_form,
        reasons=list(reasons),
    ), status


@bp.get("/instansi/<slug>")
@roles_required(*ZI_ROLES)
def agency_page(slug: str):
    """One agency."""
    return render_agency(one_or_404(Agency, slug=slug))


@bp.post("/instansi/<slug>/tahun")
@roles_required(MANAGER)
def agency_year(slug: str):
    """Record or correct one year's BPK opinion and AKIP grade."""
    agency = one_or_404(Agency, slug=slug)
    form = AgencyYearForm()
    reasons: list[str] = []
    if form.validate():
        row, reasons = attempt(
            lambda: organisation.record_agency_year(
                db.session,
                agency,
                year=form.year.data,
                bpk_opinion=BPKOpinion(form.bpk_opinion.data) if form.bpk_opinion.data else None,
                akip_grade=AKIPGrade(form.akip_grade.data) if form.akip_grade.data else None,
                actor=me(),
            )
        )
        if row is not None:
            return done(
                _("Opini BPK dan nilai AKIP tahun %(year)d dicatat.", year=form.year.data),
                url_for(".agency_page", slug=slug),
            )
    return render_agency(agency, form, reasons, 422)
