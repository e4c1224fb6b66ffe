"""Work units: list and create, pact signatures, candidate designation, coaching log."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from models import (
    Agency,
    Assessment,
    CoachingActivity,
    PactSignature,
    Proposal,
    RevocationCase,
    Unit,
    db,
)
from models.enums import AssessmentKind, CoachingReason, Eselon, ZIStage

from ..auth.access import roles_required
from ..services import lifecycle, organisation
from . import bp
from .forms import COACHING_REASONS, CoachingForm, DesignateForm, PactForm, UnitForm, options
from .lifecycle_views import MANAGER, ZI_ROLES, attempt, done, me, one_or_404


def latest_pacts() -> dict[int, PactSignature]:
    """Return each unit's most recent pact-signature count."""
    rows = db.session.scalars(
        sa.select(PactSignature).order_by(
            PactSignature.unit_id, PactSignature.recorded_on.desc(), PactSignature.id.desc()
        )
    )
    latest: dict[int, PactSignature] = {}
    for row in rows:
        latest.setdefault(row.unit_id, row)
    return latest


def _unit_form(form: UnitForm) -> UnitForm:
    agencies = db.session.scalars(sa.select(Agency).order_by(Agency.name)).all()
    form.agency.choices = options(
        ((a.slug, a.name) for a in agencies), blank=_("— pilih instansi —")
    )
    parents = [SelectChoice("", _("— tidak ada (unit teratas) —"))]
    for unit in db.session.scalars(
        sa.select(Unit).join(Agency).order_by(Agency.name, Unit.eselon, Unit.name)
    ):
        label = f"{unit.name} ({_('eselon')} {unit.eselon.value})"
        parents.append(SelectChoice(unit.slug, label, optgroup=unit.agency.name))
    form.parent.choices = parents
    return form


def _render_list(form: UnitForm, reasons: list[str], status: int = 200):
    stmt = sa.select(Unit).join(Agency).order_by(Agency.name, Unit.eselon, Unit.name)
    wanted = request.args.get("instansi", "")
    if wanted:
        stmt = stmt.where(Agency.slug == wanted)
    stage = request.args.get("tahap", "")
    if stage in {s.value for s in ZIStage}:
        stmt = stmt.where(Unit.zi_stage == ZIStage(stage))
    return render_template(
        "admin/units.html",
        units=db.session.scalars(stmt).all(),
        pacts=latest_pacts(),
        form=form,
        reasons=reasons,
        agency_filter=wanted,
        stage_filter=stage if stage in {s.value for s in ZIStage} else "",
    ), status


@bp.get("/unit")
@roles_required(*ZI_ROLES)
def units():
    """Every unit with its agency, eselon, ZI stage and pact-signature count."""
    form = _unit_form(UnitForm(formdata=None))
    form.agency.data = request.args.get("instansi", "")
    form.parent.data = request.args.get("induk", "")
    form.eselon.data = Eselon.II.value
    return _render_list(form, [])


@bp.post("/unit")
@roles_required(MANAGER)
def unit_create():
    """Create a unit under an agency (and a parent unit) through ``organisation.create_unit``."""
    form = _unit_form(UnitForm())
    reasons: list[str] = []
    if form.validate():
        agency = db.session.scalar(sa.select(Agency).where(Agency.slug == form.agency.data))
        parent = (
            db.session.scalar(sa.select(Unit).where(Unit.slug == form.parent.data))
            if form.parent.data
            else None
        )
        if agency is None:
            form.agency.errors.append(_("Pilih instansi dari daftar."))
        elif form.parent.data and parent is None:
            form.parent.errors.append(_("Pilih unit induk dari daftar."))
        else:
            unit, reasons = attempt(
                lambda: organisation.create_unit(
                    db.session,
                    agency,
                    name=form.name.data or "",
                    eselon=Eselon(form.eselon.data),
                    parent=parent,
                    abbreviation=(form.abbreviation.data or "").strip() or None,
                    email=(form.email.data or "").strip() or None,
                    actor=me(),
                )
            )
            if unit is not None:
                return done(
                    _("Unit %(name)s ditambahkan.", name=unit.name),
                    url_for(".unit_page", slug=unit.slug),
                )
    return _render_list(form, reasons, 422)


UNIT_FORMS = {"pact": PactForm, "designate": DesignateForm, "coaching": CoachingForm}


def render_unit(unit: Unit, bound: dict | None = None, reasons: dict | None = None, status=200):
    """Render a unit's page; ``bound`` holds the form that failed, ``reasons`` its refusals."""
    forms = {name: cls(formdata=None) for name, cls in UNIT_FORMS.items()}
    today = date.today()
    forms["pact"].recorded_on.data = today
    forms["designate"].designated_on.data = today
    forms["coaching"].held_on.data = today
    forms.update(bound or {})
    assessments = db.session.scalars(
        sa.select(Assessment)
        .where(Assessment.unit_id == unit.id)
        .order_by(Assessment.assessed_on.desc(), Assessment.id.desc())
    ).all()
    proposals = db.session.scalars(
        sa.select(Proposal)
        .where(Proposal.unit_id == unit.id)
        .order_by(Proposal.submitted_on.desc(), Proposal.id.desc())
    ).all()
    coaching = db.session.scalars(
        sa.select(CoachingActivity)
        .where(CoachingActivity.unit_id == unit.id)
        .order_by(CoachingActivity.held_on.desc(), CoachingActivity.id.desc())
    ).all()
    cases = db.session.scalars(
        sa.select(RevocationCase)
        .where(RevocationCase.unit_id == unit.id)
        .order_by(RevocationCase.opened_on.desc(), RevocationCase.id.desc())
    ).all()
    return render_template(
        "admin/unit.html",
        unit=unit,
        forms=forms,
        reasons=reasons or {},
        assessments=assessments,
        proposals=proposals,
        coaching=coaching,
        cases=cases,
        pacts=list(reversed(unit.pact_signatures)),
        AssessmentKind=AssessmentKind,
        coaching_labels=dict(COACHING_REASONS),
    ), status


@bp.get("/unit/<slug>")
@roles_required(*ZI_ROLES)
def unit_page(slug: str):
    """One unit: standing, pacts, assessments, proposals, predicates, cases, coaching."""
    return render_unit(one_or_404(Unit, slug=slug))


def _unit_step(slug: str, name: str, step, success: str):
    unit = one_or_404(Unit, slug=slug)
    form = UNIT_FORMS[name]()
    reasons: list[str] = []
    if form.validate():
        result, reasons = attempt(lambda: step(unit, form))
        if result is not None:
            return done(success, url_for(".unit_page", slug=slug) + f"#{name}")
    return render_unit(unit, {name: form}, {name: reasons}, 422)


@bp.post("/unit/<slug>/pakta")
@roles_required(MANAGER)
def unit_pact(slug: str):
    """Record how many of the unit's leaders and staff have signed the integrity pact."""
    return _unit_step(
        slug,
        "pact",
        lambda unit, form: lifecycle.record_pact_signatures(
            db.session,
            unit,
            recorded_on=form.recorded_on.data,
            leader_signed=bool(form.leader_signed.data),
            staff_signed=form.staff_signed.data,
            staff_total=form.staff_total.data,
            actor=me(),
        ),
        _("Penandatanganan Pakta Integritas dicatat."),
    )


@bp.post("/unit/<slug>/calon")
@roles_required(MANAGER)
def unit_designate(slug: str):
    """Designate the unit as a candidate ZI unit."""
    return _unit_step(
        slug,
        "designate",
        lambda unit, form: lifecycle.designate_candidate(
            db.session, unit, designated_on=form.designated_on.data, actor=me()
        ),
        _("Unit ditetapkan sebagai calon unit ZI."),
    )


@bp.post("/unit/<slug>/pembinaan")
@roles_required(MANAGER)
def unit_coaching(slug: str):
    """Log a coaching activity for the unit."""
    return _unit_step(
        slug,
        "coaching",
        lambda unit, form: lifecycle.log_coaching(
            db.session,
            unit,
            reason=CoachingReason(form.reason.data),
            held_on=form.held_on.data,
            topic=form.topic.data or "",
            notes=(form.notes.data or "").strip() or None,
            actor=me(),
        ),
        _("Kegiatan pembinaan dicatat."),
    )
