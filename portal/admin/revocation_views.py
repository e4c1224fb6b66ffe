"""Revocation reviews (decided by the TPN) and the integrity rules (tuned by admin_zi)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models import IntegrityRule, RevocationCase, db
from models.enums import RevocationStatus, Role

from ..auth.access import roles_required
from ..services import integrity
from ..services.errors import DomainError
from ..services.lifecycle import LifecyclePolicy, decide_revocation_case
from . import bp

VIEWERS = (Role.ADMIN_ZI, Role.TPI, Role.TPN)


def _me():
    return current_user._get_current_object()


@bp.get("/pencabutan")
@roles_required(*VIEWERS)
def revocation_list():
    """Open reviews first (with their deadlines), then decided ones."""
    cases = db.session.scalars(
        sa.select(RevocationCase).order_by(
            (RevocationCase.status != RevocationStatus.TERBUKA),
            RevocationCase.decide_by,
            RevocationCase.id.desc(),
        )
    ).all()
    return render_template("admin/revocations.html", cases=cases, today=date.today())


@bp.route("/pencabutan/<int:case_id>", methods=["GET", "POST"])
@roles_required(*VIEWERS)
def revocation_case(case_id: int):
    """One review with its evidence; the TPN decides it here."""
    case = db.session.get(RevocationCase, case_id) or abort(404)
    if request.method == "POST":
        try:
            decision = RevocationStatus(request.form.get("putusan", ""))
            decided_on = date.fromisoformat(request.form.get("tanggal") or date.today().isoformat())
        except ValueError:
            flash(_("Pilih putusan dan tanggal yang sah."), "error")
            return render_template("admin/revocation.html", case=case, form=request.form), 422
        try:
            decide_revocation_case(
                db.session,
                case,
                decision=decision,
                decided_on=decided_on,
                reasons=request.form.get("alasan", ""),
                actor=_me(),
                policy=LifecyclePolicy.from_config(current_app.config),
                decree_number=request.form.get("nomor_sk"),
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            for reason in exc.reasons:
                flash(reason, "error")
            case = db.session.get(RevocationCase, case_id)
            return render_template("admin/revocation.html", case=case, form=request.form), 422
        flash(_("Putusan dicatat dan diumumkan di halaman unit."), "ok")
        return redirect(url_for(".revocation_case", case_id=case_id))
    return render_template("admin/revocation.html", case=case, form={})


@bp.get("/aturan")
@roles_required(*VIEWERS)
def rules_list():
    """The integrity rules, their parameters and switches."""
    rules = db.session.scalars(sa.select(IntegrityRule).order_by(IntegrityRule.id)).all()
    if not rules:
        integrity.ensure_rules(db.session)
        db.session.commit()
        rules = db.session.scalars(sa.select(IntegrityRule).order_by(IntegrityRule.id)).all()
    return render_template("admin/rules.html", rules=rules)


@bp.post("/aturan/<rule_id>")
@roles_required(Role.ADMIN_ZI)
def rule_update(rule_id: str):
    """Switch a rule on or off, choose its predicates, set its parameters (audited)."""
    rule = db.session.get(IntegrityRule, rule_id) or abort(404)
    try:
        integrity.update_rule(
            db.session,
            rule,
            actor=_me(),
            active=request.form.get("aktif") == "1",
            predicates=request.form.getlist("predikat"),
            parameters={k: request.form.get(f"param_{k}") for k in rule.parameters},
        )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        for reason in exc.reasons:
            flash(reason, "error")
        return redirect(url_for(".rules_list"))
    flash(_("Aturan %(id)s diperbarui.", id=rule_id), "ok")
    return redirect(url_for(".rules_list"))
