"""LKE entry on a chosen rulebook with live scoring, and the page of a recorded assessment.

The worksheet page works without JavaScript: "Hitung" re-renders it with the figures, "Simpan"
records it. With JavaScript (``static/js/lke-score.js``) the same figures follow every change,
from the JSON endpoint ``/admin/lke/skor``, which reads the fields exactly as the page does and
scores them with ``portal.services.scoring.score``: the numbers are the service's, never the
script's. Self-assessments are the TPI's; review scores and periodic evaluations the TPN's.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from models import Assessment, Proposal, RevocationCase, Unit, db
from models.enums import AssessmentKind, ProposalStatus, Role
from models.rulebook import Rulebook, UnknownRulebook, available_rulebooks, load_rulebook

from ..auth.access import roles_required
from ..services import lifecycle
from . import bp
from .forms import (
    ANSWERS,
    INDEX,
    KIND_LABELS,
    VALUE,
    AssessmentMetaForm,
    LkeEntry,
    indicator_label,
    kind_choices,
    options,
    read_lke,
)
from .lifecycle_views import ZI_ROLES, attempt, me, one_or_404, policy

ASSESSORS = (Role.TPI, Role.TPN)
KIND_ROLES = {
    AssessmentKind.MANDIRI: Role.TPI,
    AssessmentKind.REVIU: Role.TPN,
    AssessmentKind.EVALUASI_BERKALA: Role.TPN,
}
FIELDS_MAX = 1000  # keys in one live-scoring request


def allowed_kinds() -> list[AssessmentKind]:
    """Return the assessment kinds the viewer may record."""
    return [kind for kind, role in KIND_ROLES.items() if current_user.has_role(role)]


def default_rulebook() -> str:
    """Return the current rulebook: the newest one that no other supersedes."""
    ids = available_rulebooks()
    current = [r for r in ids if load_rulebook(r).superseded_by is None]
    return (current or ids)[-1]


def _rulebook_or_404(rulebook_id: str) -> Rulebook:
    try:
        return load_rulebook(rulebook_id)
    except UnknownRulebook:
        abort(404)


# --- describing a score in words -------------------------------------------------------------


def _num(value: float) -> str:
    return format_decimal(value, format="#,##0.00")


def threshold_label(rulebook: Rulebook, name: str, predicate: str) -> tuple[str, bool]:
    """Return the words for a threshold of the rulebook and whether it is a percentage."""
    found = next(
        (t for t in rulebook.thresholds if t.name == name and t.predicate == predicate), None
    )
    if found is None:
        return name, False
    titles = {c.id: c.title for c in rulebook.components}
    titles.update({a.id: a.title for a in rulebook.areas})
    if found.kind == "total":
        return _("Nilai total"), False
    if found.kind == "component":
        return titles.get(str(found.target), str(found.target)), False
    if found.kind == "area":
        return _("Area %(area)s", area=titles.get(str(found.target), str(found.target))), False
    if found.kind == "area_pct":
        return (
            _("Area %(area)s, persen dari bobotnya", area=titles.get(str(found.target), "")),
            True,
        )
    return _("Indikator %(name)s", name=indicator_label(str(found.target))), False


def describe(
    rulebook: Rulebook,
    result: dict[str, Any] | None,
    *,
    missing: list[str] | tuple[str, ...] = (),
    errors: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """Return the figures of a score (``ScoreResult.to_dict()``) with their words, JSON-ready."""
    figures: dict[str, Any] = {
        "ok": result is not None and not errors,
        "rulebook": rulebook.id,
        "result": result,
        "errors": errors or {},
        "missing": list(missing),
        "missing_text": _(
            "%(n)d indikator belum diisi dan dihitung 0; isi semuanya sebelum menyimpan.",
            n=len(missing),
        )
        if missing
        else "",
    }
    if errors:
        figures["status_text"] = _(
            "%(n)d isian belum dapat dibaca; perbaiki yang ditandai.", n=len(errors)
        )
    if result is None:
        return figures
    figures["predicate"] = result["predicate"]
    figures["predicate_label"] = (
        _("Mencapai predikat %(p)s", p=result["predicate"])
        if result["predicate"]
        else _("Belum mencapai predikat WBK")
    )
    unmet = []
    for item in result["unmet"]:
        label, percent = threshold_label(rulebook, item["threshold"], item["predicate"])
        gap = round(item["required"] - item["actual"], 2)
        unit = " %" if percent else ""
        unmet.append(
            {
                **item,
                "gap": gap,
                "label": label,
                "text": _(
                    "%(p)s — %(label)s: minimal %(required)s, tercapai %(actual)s, kurang %(gap)s.",
                    p=item["predicate"],
                    label=label,
                    required=_num(item["required"]) + unit,
                    actual=_num(item["actual"]) + unit,
                    gap=_num(gap) + unit,
                ),
            }
        )
    figures["unmet"] = unmet
    shown = {"total": result["total"], "pengungkit": result["pengungkit"], "hasil": result["hasil"]}
    shown.update({f"section:{k}": v for k, v in result["sections"].items()})
    shown.update({f"area:{k}": v for k, v in result["areas"].items()})
    shown.update({f"indicator:{k}": v for k, v in result["indicators"].items()})
    figures["shown"] = {k: _num(v) for k, v in shown.items()}
    if not errors:
        figures["status_text"] = figures["missing_text"] or _("Semua indikator terisi.")
    return figures


def entry_figures(rulebook: Rulebook, entry: LkeEntry) -> dict[str, Any]:
    """Describe a worksheet as typed: its score, or the fields that cannot be read."""
    return describe(
        rulebook,
        entry.result.to_dict() if entry.result is not None else None,
        missing=entry.missing,
        errors=entry.field_errors() if entry.errors else None,
    )


# --- the worksheet ---------------------------------------------------------------------------


def _texts_from(assessment: Assessment) -> tuple[dict[str, str], dict[str, str]]:
    """Return the fields that re-create the inputs of a recorded assessment."""
    texts, kinds = {}, {}
    for value in assessment.values:
        spec = value.input
        if "value" in spec:
            texts[value.indicator_id], kinds[value.indicator_id] = f"{spec['value']:g}", VALUE
        elif "index" in spec:
            texts[value.indicator_id], kinds[value.indicator_id] = f"{spec['index']:g}", INDEX
        elif "answers" in spec:
            parts = [
                f"{a:g}" if isinstance(a, int | float) else str(a)
                for a in spec["answers"]
                if not isinstance(a, dict)
            ]
            texts[value.indicator_id], kinds[value.indicator_id] = ", ".join(parts), ANSWERS
    return texts, kinds


def render_lke(
    unit: Unit,
    rulebook: Rulebook,
    meta: AssessmentMetaForm,
    entry: LkeEntry,
    figures: dict[str, Any] | None,
    *,
    reasons: list[str] = (),
    status: int = 200,
):
    """Render the LKE worksheet with its figures (or none yet) and any refusal."""
    sources = db.session.scalars(
        sa.select(Assessment)
        .where(Assessment.unit_id == unit.id, Assessment.rulebook_id == rulebook.id)
        .order_by(Assessment.assessed_on.desc(), Assessment.id.desc())
        .limit(20)
    ).all()
    return render_template(
        "admin/lke.html",
        unit=unit,
        rulebook=rulebook,
        rulebooks=[load_rulebook(r) for r in available_rulebooks()],
        meta=meta,
        entry=entry,
        figures=figures or {},
        reasons=list(reasons),
        kind_choices=kind_choices,
        indicator_label=indicator_label,
        sources=sources,
        kind_labels=KIND_LABELS,
    ), status


def _meta_form(formdata: bool) -> AssessmentMetaForm:
    kinds = allowed_kinds()
    if not kinds:
        abort(403)
    form = AssessmentMetaForm() if formdata else AssessmentMetaForm(formdata=None)
    form.kind.choices = options((k.value, KIND_LABELS[k.value]) for k in kinds)
    return form


@bp.get("/unit/<slug>/lke/baru")
@roles_required(*ASSESSORS)
def lke_new(slug: str):
    """The LKE worksheet for ``unit`` on ``?rulebook=`` (``?jenis=``, ``?dari=`` to copy)."""
    unit = one_or_404(Unit, slug=slug)
    rulebook = _rulebook_or_404(request.args.get("rulebook") or default_rulebook())
    meta = _meta_form(False)
    wanted = request.args.get("jenis", "")
    offered = [choice.value for choice in meta.kind.choices]
    meta.kind.data = wanted if wanted in offered else offered[0]
    meta.assessed_on.data = date.today()
    entry = LkeEntry()
    figures = None
    source_id = request.args.get("dari", "")
    if source_id.isdigit():
        source = db.session.get(Assessment, int(source_id))
        if source is not None and source.unit_id == unit.id and source.rulebook_id == rulebook.id:
            entry.texts, entry.kinds = _texts_from(source)
            fields = {f"in-{k}": v for k, v in entry.texts.items()}
            fields.update({f"kind-{k}": v for k, v in entry.kinds.items()})
            entry = read_lke(rulebook, fields, lenient=True)
            figures = entry_figures(rulebook, entry)
    return render_lke(unit, rulebook, meta, entry, figures)


@bp.post("/unit/<slug>/lke/baru")
@roles_required(*ASSESSORS)
def lke_submit(slug: str):
    """ "Hitung" re-renders with the figures; "Simpan" records the assessment."""
    unit = one_or_404(Unit, slug=slug)
    rulebook = _rulebook_or_404(request.args.get("rulebook") or default_rulebook())
    meta = _meta_form(True)
    wanted = request.form.get("kind", "")
    if wanted in KIND_ROLES and not current_user.has_role(KIND_ROLES[AssessmentKind(wanted)]):
        abort(403)  # e.g. a TPI posting a periodic evaluation: the page never offers it
    saving = request.form.get("aksi") == "simpan"
    entry = read_lke(rulebook, request.form, lenient=not saving)
    figures = entry_figures(rulebook, entry)
    if not saving:
        return render_lke(unit, rulebook, meta, entry, figures, status=422 if entry.errors else 200)
    if not meta.validate() or entry.errors or entry.result is None:
        return render_lke(unit, rulebook, meta, entry, figures, status=422)
    kind = AssessmentKind(meta.kind.data)
    assessor = (meta.assessor.data or "").strip() or None
    if kind == AssessmentKind.EVALUASI_BERKALA:
        held = unit.active_predicate
        if held is None:
            saved, reasons = (
                None,
                [
                    _(
                        "%(unit)s tidak sedang memegang predikat WBK/WBBM; evaluasi berkala hanya"
                        " untuk predikat yang berlaku.",
                        unit=unit.name,
                    )
                ],
            )
        else:
            saved, reasons = attempt(
                lambda: lifecycle.record_periodic_evaluation(
                    db.session,
                    held,
                    rulebook_id=rulebook.id,
                    indicators=entry.indicators,
                    evaluated_on=meta.assessed_on.data,
                    policy=policy(),
                    assessor=assessor,
                    actor=me(),
                )
            )
    else:
        saved, reasons = attempt(
            lambda: lifecycle.record_assessment(
                db.session,
                unit,
                rulebook_id=rulebook.id,
                indicators=entry.indicators,
                assessed_on=meta.assessed_on.data,
                kind=kind,
                assessor=assessor,
                actor=me(),
            )
        )
    if saved is None:
        unit = db.session.get(Unit, unit.id)
        return render_lke(unit, rulebook, meta, entry, figures, reasons=reasons, status=422)
    assessment, case = saved if isinstance(saved, tuple) else (saved, None)
    flash(
        _(
            "Penilaian LKE disimpan: nilai %(total)s, %(predicate)s.",
            total=_num(assessment.total),
            predicate=assessment.predicate_reached.value
            if assessment.predicate_reached
            else _("belum mencapai predikat"),
        ),
        "ok",
    )
    if isinstance(case, RevocationCase):
        flash(
            _(
                "Nilai evaluasi berkala di bawah ambang predikat %(p)s: kasus pencabutan #%(id)d"
                " dibuka untuk diputuskan TPN.",
                p=case.predicate.kind.value,
                id=case.id,
            ),
            "warning",
        )
    return redirect(url_for(".assessment_page", assessment_id=assessment.id))


@bp.post("/lke/skor")
@roles_required(*ZI_ROLES)
def lke_score():
    """Live scoring: ``{"rulebook": id, "fields": {"in-<id>": text, "kind-<id>": kind}}``."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify({"ok": False, "errors": {"request": [_("Kirim objek JSON.")]}}), 400
    rulebook_id, fields = body.get("rulebook"), body.get("fields")
    try:
        rulebook = load_rulebook(rulebook_id) if isinstance(rulebook_id, str) else None
    except UnknownRulebook:
        rulebook = None
    if rulebook is None:
        message = _(
            "Rulebook LKE tidak dikenal; pilih salah satu: %(ids)s.",
            ids=", ".join(available_rulebooks()),
        )
        return jsonify({"ok": False, "errors": {"rulebook": [message]}}), 422
    if not isinstance(fields, dict) or len(fields) > FIELDS_MAX:
        message = _("'fields' harus objek berisi isian LKE (paling banyak %(n)d).", n=FIELDS_MAX)
        return jsonify({"ok": False, "errors": {"fields": [message]}}), 422
    entry = read_lke(rulebook, fields, lenient=True)
    figures = entry_figures(rulebook, entry)
    return jsonify(figures), 422 if entry.errors else 200


# --- a recorded assessment -------------------------------------------------------------------


@bp.get("/lke/<int:assessment_id>")
@roles_required(*ZI_ROLES)
def assessment_page(assessment_id: int):
    """A recorded assessment: its figures, its unmet thresholds and every input."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        abort(404)
    try:
        rulebook = load_rulebook(assessment.rulebook_id)
    except UnknownRulebook:
        rulebook = None
    figures = describe(rulebook, assessment.result) if rulebook is not None else {}
    awaiting = None
    if assessment.kind == AssessmentKind.REVIU:
        awaiting = db.session.scalar(
            sa.select(Proposal).where(
                Proposal.unit_id == assessment.unit_id,
                Proposal.status == ProposalStatus.DIAJUKAN,
            )
        )
    return render_template(
        "admin/assessment.html",
        assessment=assessment,
        unit=assessment.unit,
        rulebook=rulebook,
        figures=figures,
        inputs={v.indicator_id: v for v in assessment.values},
        indicator_label=indicator_label,
        kind_labels=KIND_LABELS,
        can_propose=current_user.has_role(Role.ADMIN_ZI)
        and assessment.kind == AssessmentKind.MANDIRI,
        awaiting=awaiting if current_user.has_role(Role.TPN) else None,
    )
