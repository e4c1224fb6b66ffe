"""Proposals (usulan) with evidence files, the TPN's review, and the award of the predicate."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import abort, current_app, render_template, request, send_file, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _

from models import Assessment, Proposal, ProposalDocument, Review, Unit, db
from models.enums import AssessmentKind, PredicateKind, ProposalStatus, ReviewOutcome, Role

from ..auth.access import roles_required
from ..services import audit, lifecycle
from ..services.evidence import EvidencePolicy, Upload, download_headers
from ..services.proposal_documents import document_path, documents_of, store_proposal_documents
from . import bp
from .forms import AwardForm, ProposalForm, ReviewForm, options
from .lifecycle_views import MANAGER, ZI_ROLES, attempt, done, me, one_or_404


def _status_labels() -> dict[str, str]:
    return {
        ProposalStatus.DIAJUKAN.value: _("Diajukan, menunggu reviu"),
        ProposalStatus.MEMENUHI.value: _("Memenuhi, menunggu penetapan"),
        ProposalStatus.DIKEMBALIKAN.value: _("Dikembalikan untuk pembinaan"),
        ProposalStatus.DITETAPKAN.value: _("Predikat ditetapkan"),
    }


def _assessment_label(a: Assessment) -> str:
    reached = a.predicate_reached.value if a.predicate_reached else _("belum mencapai predikat")
    total = format_decimal(a.total, format="#,##0.00")
    return f"{a.assessed_on.isoformat()} · {a.rulebook_id} · {_('Nilai')} {total} · {reached}"


@bp.get("/usulan")
@roles_required(*ZI_ROLES)
def proposals():
    """Every proposal, filterable by status; in-progress ones first."""
    stmt = sa.select(Proposal).order_by(Proposal.submitted_on.desc(), Proposal.id.desc())
    wanted = request.args.get("status", "")
    if wanted in {s.value for s in ProposalStatus}:
        stmt = stmt.where(Proposal.status == ProposalStatus(wanted))
    return render_template(
        "admin/proposals.html",
        proposals=db.session.scalars(stmt).all(),
        status_labels=_status_labels(),
        wanted=wanted,
    )


# --- proposing -------------------------------------------------------------------------------


def _proposal_form(unit: Unit, form: ProposalForm) -> ProposalForm:
    own = db.session.scalars(
        sa.select(Assessment)
        .where(Assessment.unit_id == unit.id, Assessment.kind == AssessmentKind.MANDIRI)
        .order_by(Assessment.assessed_on.desc(), Assessment.id.desc())
    ).all()
    form.assessment.choices = options((a.id, _assessment_label(a)) for a in own)
    return form


def _render_new(unit: Unit, form: ProposalForm, reasons: list[str], status: int = 200):
    return render_template(
        "admin/proposal_new.html",
        unit=unit,
        form=form,
        reasons=reasons,
        policy=EvidencePolicy.from_config(current_app.config),
    ), status


@bp.get("/unit/<slug>/usulan/baru")
@roles_required(MANAGER)
def proposal_new(slug: str):
    """The proposal form: predicate, qualifying year, self-assessment, evidence."""
    unit = one_or_404(Unit, slug=slug)
    form = _proposal_form(unit, ProposalForm(formdata=None))
    held = unit.active_predicate
    form.predicate.data = (
        PredicateKind.WBBM.value
        if held is not None and held.kind == PredicateKind.WBK
        else PredicateKind.WBK.value
    )
    form.submitted_on.data = date.today()
    form.year.data = date.today().year - 1
    wanted = request.args.get("lke", "")
    if wanted in {choice.value for choice in form.assessment.choices}:
        form.assessment.data = wanted
    return _render_new(unit, form, [])


def _uploads() -> list[Upload]:
    files = [f for f in request.files.getlist("files") if f and f.filename]
    return [Upload(filename=f.filename or "", content=f.read()) for f in files]


@bp.post("/unit/<slug>/usulan/baru")
@roles_required(MANAGER)
def proposal_create(slug: str):
    """Propose the unit through ``lifecycle.propose`` and store its evidence files."""
    unit = one_or_404(Unit, slug=slug)
    form = _proposal_form(unit, ProposalForm())
    reasons: list[str] = []
    if form.validate():
        assessment = (
            db.session.get(Assessment, int(form.assessment.data))
            if (form.assessment.data or "").isdigit()
            else None
        )
        if assessment is None:
            form.assessment.errors.append(_("Pilih penilaian mandiri TPI atas unit ini."))
        else:
            uploads = _uploads()
            actor = me()

            def propose():
                proposal = lifecycle.propose(
                    db.session,
                    unit,
                    predicate=PredicateKind(form.predicate.data),
                    year=form.year.data,
                    assessment=assessment,
                    submitted_on=form.submitted_on.data,
                    evidence_note=(form.evidence_note.data or "").strip() or None,
                    actor=actor,
                )
                store_proposal_documents(
                    db.session,
                    proposal,
                    uploads=uploads,
                    policy=EvidencePolicy.from_config(current_app.config),
                    upload_dir=current_app.config["UPLOAD_DIR"],
                    actor=actor,
                )
                return proposal

            proposal, reasons = attempt(propose)
            if proposal is not None:
                return done(
                    _(
                        "Usulan %(p)s untuk %(unit)s diajukan dengan %(n)d berkas bukti.",
                        p=proposal.predicate.value,
                        unit=unit.name,
                        n=len(uploads),
                    ),
                    url_for(".proposal_page", proposal_id=proposal.id),
                )
            unit = db.session.get(Unit, unit.id)
            if uploads:
                reasons.append(
                    _(
                        "Berkas tidak ikut tersimpan; pilih kembali berkasnya sebelum mengirim"
                        " ulang."
                    )
                )
    return _render_new(unit, form, reasons, 422)


# --- one proposal: review and award ----------------------------------------------------------


def _review_choices(proposal: Proposal, form: ReviewForm) -> ReviewForm:
    """Offer the unit's review scores (kind 'reviu') that no review uses yet."""
    used = sa.select(Review.assessment_id).where(Review.assessment_id.is_not(None))
    scores = db.session.scalars(
        sa.select(Assessment)
        .where(
            Assessment.unit_id == proposal.unit_id,
            Assessment.kind == AssessmentKind.REVIU,
            Assessment.id.not_in(used),
        )
        .order_by(Assessment.assessed_on.desc(), Assessment.id.desc())
    ).all()
    form.assessment.choices = options(
        ((a.id, _assessment_label(a)) for a in scores), blank=_("— tanpa nilai reviu —")
    )
    return form


def render_proposal(
    proposal: Proposal,
    *,
    review_form: ReviewForm | None = None,
    award_form: AwardForm | None = None,
    reasons: dict[str, list[str]] | None = None,
    status: int = 200,
):
    """Render a proposal with its documents, reviews and the forms the viewer may use."""
    unit = proposal.unit
    review_form = _review_choices(proposal, review_form or ReviewForm(formdata=None))
    if review_form.reviewed_on.data is None and not review_form.reviewed_on.raw_data:
        review_form.reviewed_on.data = date.today()
    if award_form is None:
        award_form = AwardForm(formdata=None)
        award_form.awarded_on.data = date.today()
    return render_template(
        "admin/proposal.html",
        proposal=proposal,
        unit=unit,
        documents=documents_of(db.session, proposal),
        review_form=review_form,
        award_form=award_form,
        reasons=reasons or {},
        status_labels=_status_labels(),
        ProposalStatus=ProposalStatus,
        predicate=next((p for p in unit.predicates if p.proposal_id == proposal.id), None),
    ), status


def _proposal_or_404(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        abort(404)
    return proposal


@bp.get("/usulan/<int:proposal_id>")
@roles_required(*ZI_ROLES)
def proposal_page(proposal_id: int):
    """One proposal."""
    return render_proposal(_proposal_or_404(proposal_id))


@bp.post("/usulan/<int:proposal_id>/reviu")
@roles_required(Role.TPN)
def proposal_review(proposal_id: int):
    """The TPN's review (WBK) or evaluation (WBBM): memenuhi or tidak_memenuhi, with notes."""
    proposal = _proposal_or_404(proposal_id)
    form = _review_choices(proposal, ReviewForm())
    reasons: list[str] = []
    if form.validate():
        score = None
        if form.assessment.data:
            score = (
                db.session.get(Assessment, int(form.assessment.data))
                if form.assessment.data.isdigit()
                else None
            )
            if score is None:
                form.assessment.errors.append(_("Pilih nilai reviu dari daftar."))
        if not form.assessment.errors:
            review, reasons = attempt(
                lambda: lifecycle.record_review(
                    db.session,
                    proposal,
                    outcome=ReviewOutcome(form.outcome.data),
                    reviewed_on=form.reviewed_on.data,
                    notes=(form.notes.data or "").strip() or None,
                    assessment=score,
                    actor=me(),
                )
            )
            if review is not None:
                message = (
                    _("Reviu dicatat: usulan memenuhi syarat dan menunggu penetapan.")
                    if review.outcome == ReviewOutcome.MEMENUHI
                    else _("Reviu dicatat: usulan dikembalikan untuk pembinaan.")
                )
                return done(message, url_for(".proposal_page", proposal_id=proposal_id))
    proposal = db.session.get(Proposal, proposal_id)
    return render_proposal(proposal, review_form=form, reasons={"review": reasons}, status=422)


@bp.post("/usulan/<int:proposal_id>/penetapan")
@roles_required(MANAGER)
def proposal_award(proposal_id: int):
    """Award the predicate by decree once the review found the unit qualified."""
    proposal = _proposal_or_404(proposal_id)
    form = AwardForm()
    reasons: list[str] = []
    if form.validate():
        predicate, reasons = attempt(
            lambda: lifecycle.award_predicate(
                db.session,
                proposal,
                decree_number=form.decree_number.data or "",
                awarded_on=form.awarded_on.data,
                valid_until=form.valid_until.data,
                actor=me(),
            )
        )
        if predicate is not None:
            return done(
                _(
                    "Predikat %(p)s ditetapkan untuk %(unit)s.",
                    p=predicate.kind.value,
                    unit=predicate.unit.name,
                ),
                url_for(".proposal_page", proposal_id=proposal_id),
            )
    proposal = db.session.get(Proposal, proposal_id)
    return render_proposal(proposal, award_form=form, reasons={"award": reasons}, status=422)


@bp.get("/usulan/dokumen/<int:document_id>")
@roles_required(*ZI_ROLES)
def proposal_document(document_id: int):
    """Download a proposal's evidence file: always as an attachment, never rendered inline."""
    document = db.session.get(ProposalDocument, document_id)
    if document is None:
        abort(404)
    try:
        path = document_path(document, current_app.config["UPLOAD_DIR"])
    except ValueError:
        abort(404)
    if not path.is_file():
        abort(404)
    audit.record(db.session, "usulan.dokumen_diunduh", document, me())
    db.session.commit()
    response = send_file(path, mimetype=document.media_type, max_age=0, conditional=False)
    response.headers.update(download_headers(document))
    return response
