"""Integrity rules → revocation reviews (DESIGN.md §6).

A unit keeps WBK/WBBM only while its integrity indicators hold. The rules are rows an
administrator can tune; each is evaluated inside the same transaction as the change that can
trigger it (closing a complaint, recording an evaluation, an inspector's report), so a trigger
is never missed and never fires twice: while a case for the same cause is open, new evidence is
linked to it instead of opening another (the database also refuses a second open case).
Opening a case notifies the unit's head and the TPI; reporters of linked complaints are told
their report led to a review, without anyone's identity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from models import (
    Assessment,
    Category,
    Complaint,
    IntegrityRule,
    Predicate,
    RevocationCase,
    Unit,
    User,
    UserRole,
)
from models.enums import (
    ComplaintOutcome,
    ComplaintStatus,
    PredicateKind,
    RevocationCause,
    RevocationStatus,
    Role,
    RuleKind,
)

from . import audit, outbox
from .errors import NotPermitted, PreconditionFailed
from .lifecycle import LifecyclePolicy, open_revocation_case


@dataclass(frozen=True)
class RuleSpec:
    id: str
    kind: RuleKind
    description: str
    description_en: str
    predicates: tuple[str, ...]
    parameters: dict[str, Any]


SHIPPED_RULES = (
    RuleSpec(
        "pengaduan-integritas-terbukti",
        RuleKind.PENGADUAN_INTEGRITAS_TERBUKTI,
        "Pengaduan kategori integritas (korupsi) terhadap unit ber-WBK/WBBM ditutup 'terbukti'.",
        "An integrity-category (corruption) complaint against a WBK/WBBM unit is closed as"
        " substantiated.",
        ("WBK", "WBBM"),
        {},
    ),
    RuleSpec(
        "maladministrasi-berulang",
        RuleKind.MALADMINISTRASI_BERULANG,
        "Lebih dari N pengaduan maladministrasi yang terbukti (seluruhnya atau sebagian)"
        " terhadap unit ber-WBBM dalam M bulan terakhir.",
        "More than N substantiated (fully or partly) maladministration complaints against"
        " a WBBM unit in the last M months.",
        ("WBBM",),
        {"limit": 3, "window_months": 12},
    ),
    RuleSpec(
        "evaluasi-di-bawah-ambang",
        RuleKind.EVALUASI_DI_BAWAH_AMBANG,
        "Evaluasi berkala menghasilkan nilai di bawah ambang predikat pada rulebook-nya.",
        "A periodic evaluation scores below the predicate's thresholds on its rulebook.",
        ("WBK", "WBBM"),
        {},
    ),
    RuleSpec(
        "peristiwa-dilaporkan",
        RuleKind.PERISTIWA_DILAPORKAN,
        "Inspektur melaporkan peristiwa yang menggugurkan indikator bebas korupsi (misalnya"
        " pejabat unit ditetapkan sebagai tersangka).",
        "An inspector reports an event that defeats the corruption-free indicators (for"
        " example an official of the unit named a suspect).",
        ("WBK", "WBBM"),
        {},
    ),
)
CAUSE_OF = {
    RuleKind.PENGADUAN_INTEGRITAS_TERBUKTI: RevocationCause.PENGADUAN_INTEGRITAS,
    RuleKind.MALADMINISTRASI_BERULANG: RevocationCause.MALADMINISTRASI_BERULANG,
    RuleKind.EVALUASI_DI_BAWAH_AMBANG: RevocationCause.EVALUASI_BERKALA,
    RuleKind.PERISTIWA_DILAPORKAN: RevocationCause.PERISTIWA,
}
SUBSTANTIATED = (ComplaintOutcome.TERBUKTI, ComplaintOutcome.SEBAGIAN)


def ensure_rules(session: Session) -> int:
    """Create any shipped rule that is missing (edited rules are left as they are)."""
    existing = set(session.scalars(sa.select(IntegrityRule.id)))
    added = 0
    for spec in SHIPPED_RULES:
        if spec.id not in existing:
            session.add(
                IntegrityRule(
                    id=spec.id,
                    kind=spec.kind,
                    description=spec.description,
                    description_en=spec.description_en,
                    predicates=list(spec.predicates),
                    parameters=dict(spec.parameters),
                    active=True,
                )
            )
            added += 1
    session.flush()
    return added


def _rules(session: Session, kind: RuleKind) -> list[IntegrityRule]:
    if session.scalar(sa.select(sa.func.count()).select_from(IntegrityRule)) == 0:
        ensure_rules(session)  # a fresh installation starts with the shipped rules
    return list(
        session.scalars(
            sa.select(IntegrityRule).where(IntegrityRule.kind == kind, IntegrityRule.active)
        )
    )


def _held(unit: Unit | None, rule: IntegrityRule) -> Predicate | None:
    held = unit.active_predicate if unit is not None else None
    return held if held is not None and held.kind.value in rule.predicates else None


def _open_case(session: Session, unit: Unit, cause: RevocationCause) -> RevocationCase | None:
    return session.scalar(
        sa.select(RevocationCase).where(
            RevocationCase.unit_id == unit.id,
            RevocationCase.cause == cause,
            RevocationCase.status == RevocationStatus.TERBUKA,
        )
    )


def _group_slug(category: Category | None) -> str | None:
    if category is None:
        return None
    return category.parent.slug if category.parent is not None else category.slug


def _is_integrity(category: Category | None) -> bool:
    return category is not None and (
        category.is_integrity or (category.parent is not None and category.parent.is_integrity)
    )


def _fire(
    session: Session,
    *,
    rule: IntegrityRule,
    unit: Unit,
    summary: str,
    today: date,
    policy: LifecyclePolicy,
    config: Mapping[str, Any],
    complaints=(),
    assessment: Assessment | None = None,
    actor: User | None = None,
) -> RevocationCase:
    """Open a case for ``rule``, or link the new evidence to the one already open."""
    cause = CAUSE_OF[rule.kind]
    existing = _open_case(session, unit, cause)
    if existing is not None:
        for complaint in complaints:
            if complaint not in existing.complaints:
                existing.complaints.append(complaint)
                _tell_reporter(session, complaint, existing, config)
        audit.record(
            session,
            "pencabutan.bukti_ditambahkan",
            existing,
            actor,
            rule=rule.id,
            complaints=[c.code for c in complaints],
        )
        return existing
    case = open_revocation_case(
        session,
        unit,
        cause=cause,
        summary=summary,
        opened_on=today,
        policy=policy,
        complaints=list(complaints),
        assessment=assessment,
        rule_id=rule.id,
        actor=actor,
    )
    _notify_officials(session, case, config)
    for complaint in complaints:
        _tell_reporter(session, complaint, case, config)
    return case


def on_complaint_closed(
    session: Session,
    complaint: Complaint,
    *,
    config: Mapping[str, Any],
    actor: User | None = None,
    now: datetime | None = None,
) -> list[RevocationCase]:
    """Evaluate the complaint rules for a complaint just closed (same transaction)."""
    now = now or datetime.now(UTC)
    policy = LifecyclePolicy.from_config(config)
    opened: list[RevocationCase] = []
    if complaint.status != ComplaintStatus.SELESAI or complaint.unit is None:
        return opened
    for rule in _rules(session, RuleKind.PENGADUAN_INTEGRITAS_TERBUKTI):
        if (
            complaint.outcome == ComplaintOutcome.TERBUKTI
            and _is_integrity(complaint.category)
            and _held(complaint.unit, rule)
        ):
            opened.append(
                _fire(
                    session,
                    rule=rule,
                    unit=complaint.unit,
                    today=now.date(),
                    policy=policy,
                    config=config,
                    complaints=[complaint],
                    actor=actor,
                    summary=_(
                        "Pengaduan integritas %(code)s dinyatakan terbukti.", code=complaint.code
                    ),
                )
            )
    for rule in _rules(session, RuleKind.MALADMINISTRASI_BERULANG):
        if (
            complaint.outcome in SUBSTANTIATED
            and _group_slug(complaint.category) == "maladministrasi"
            and _held(complaint.unit, rule)
        ):
            limit = int(rule.parameters.get("limit", 3))
            months = int(rule.parameters.get("window_months", 12))
            recent = _substantiated_maladministration(
                session, complaint.unit, now - timedelta(days=30 * months)
            )
            if len(recent) > limit:
                opened.append(
                    _fire(
                        session,
                        rule=rule,
                        unit=complaint.unit,
                        today=now.date(),
                        policy=policy,
                        config=config,
                        complaints=recent,
                        actor=actor,
                        summary=_(
                            "%(n)d pengaduan maladministrasi terbukti dalam %(m)d bulan"
                            " (batas %(limit)d).",
                            n=len(recent),
                            m=months,
                            limit=limit,
                        ),
                    )
                )
    return opened


def _substantiated_maladministration(
    session: Session, unit: Unit, since: datetime
) -> list[Complaint]:
    group = session.scalar(sa.select(Category).where(Category.slug == "maladministrasi"))
    if group is None:
        return []
    ids = [group.id, *[c.id for c in group.children]]
    return list(
        session.scalars(
            sa.select(Complaint)
            .where(
                Complaint.unit_id == unit.id,
                Complaint.category_id.in_(ids),
                Complaint.status == ComplaintStatus.SELESAI,
                Complaint.outcome.in_(SUBSTANTIATED),
                Complaint.closed_at >= since,
            )
            .order_by(Complaint.closed_at)
        )
    )


def on_evaluation(
    session: Session,
    predicate: Predicate,
    assessment: Assessment,
    *,
    config: Mapping[str, Any],
    actor: User | None = None,
) -> RevocationCase | None:
    """Evaluate the evaluation rule for a periodic evaluation just recorded."""
    reached = assessment.predicate_reached
    meets = reached is not None and (
        predicate.kind == PredicateKind.WBK or reached == PredicateKind.WBBM
    )
    if meets:
        return None
    policy = LifecyclePolicy.from_config(config)
    for rule in _rules(session, RuleKind.EVALUASI_DI_BAWAH_AMBANG):
        if predicate.kind.value not in rule.predicates:
            continue
        unmet = [u for u in assessment.result["unmet"] if u["predicate"] == predicate.kind.value]
        return _fire(
            session,
            rule=rule,
            unit=predicate.unit,
            today=assessment.assessed_on,
            policy=policy,
            config=config,
            assessment=assessment,
            actor=actor,
            summary=_(
                "Evaluasi berkala %(date)s: nilai %(total).2f tidak memenuhi"
                " syarat %(p)s (%(n)d ambang tidak terpenuhi).",
                date=assessment.assessed_on.isoformat(),
                total=assessment.total,
                p=predicate.kind.value,
                n=len(unmet),
            ),
        )
    return None


def report_event(
    session: Session,
    unit: Unit,
    *,
    description: str,
    actor: User,
    config: Mapping[str, Any],
    now: datetime | None = None,
) -> RevocationCase:
    """An inspector reports an event (e.g. an official named a suspect): a review opens."""
    if actor is None or not actor.has_role(Role.INSPEKTUR, Role.KOORDINATOR):
        raise NotPermitted(_("Hanya inspektur atau koordinator yang dapat melaporkan peristiwa."))
    text = (description or "").strip()
    if len(text) < 10:
        raise PreconditionFailed(_("Uraikan peristiwanya (minimal 10 karakter)."))
    rules = [r for r in _rules(session, RuleKind.PERISTIWA_DILAPORKAN) if _held(unit, r)]
    if not rules:
        raise PreconditionFailed(
            _("%(unit)s tidak memegang predikat yang diawasi aturan ini.", unit=unit.name)
        )
    now = now or datetime.now(UTC)
    return _fire(
        session,
        rule=rules[0],
        unit=unit,
        summary=text[:2000],
        today=now.date(),
        policy=LifecyclePolicy.from_config(config),
        config=config,
        actor=actor,
    )


def update_rule(
    session: Session,
    rule: IntegrityRule,
    *,
    actor: User,
    active: bool,
    predicates: list[str],
    parameters: Mapping[str, Any],
) -> IntegrityRule:
    """Change a rule's switch, predicates or parameters (admin_zi; audited)."""
    if actor is None or not actor.has_role(Role.ADMIN_ZI):
        raise NotPermitted(_("Hanya admin ZI yang dapat mengubah aturan integritas."))
    failures = []
    chosen = [p for p in predicates if p in ("WBK", "WBBM")]
    if not chosen:
        failures.append(_("Pilih setidaknya satu predikat."))
    clean: dict[str, Any] = {}
    for key in rule.parameters:
        raw = parameters.get(key, rule.parameters[key])
        try:
            value = int(raw)
        except (TypeError, ValueError):
            failures.append(_("Parameter %(key)s harus bilangan bulat.", key=key))
            continue
        if not 1 <= value <= 120:
            failures.append(_("Parameter %(key)s harus antara 1 dan 120.", key=key))
        clean[key] = value
    if failures:
        raise PreconditionFailed(failures)
    before = {"active": rule.active, "predicates": rule.predicates, "parameters": rule.parameters}
    rule.active, rule.predicates, rule.parameters = active, chosen, clean
    rule.updated_by_id = actor.id
    rule.updated_at = datetime.now(UTC)
    audit.record(
        session,
        "aturan.diubah",
        None,
        actor,
        rule=rule.id,
        before=str(before),
        after=str({"active": active, "predicates": chosen, "parameters": clean}),
    )
    return rule


def _notify_officials(session: Session, case: RevocationCase, config: Mapping[str, Any]) -> None:
    """Tell the unit's head and every TPI member that a review opened."""
    tpi = session.scalars(
        sa.select(User).join(UserRole).where(UserRole.role == Role.TPI, User.active)
    ).all()
    recipients = {u.email for u in tpi if u.email}
    if case.unit.email:
        recipients.add(case.unit.email)
    with force_locale("id"):
        subject = _(
            "Peninjauan pencabutan predikat %(p)s: %(unit)s",
            p=case.predicate.kind.value,
            unit=case.unit.name,
        )
        body = render_template("messages/revocation_opened.txt", case=case, config=config)
    for address in sorted(recipients):
        outbox.queue_email(
            session,
            to=address,
            subject=subject,
            body=body,
            mail_from=config["MAIL_FROM"],
            automatic=True,
        )


def _tell_reporter(
    session: Session, complaint: Complaint, case: RevocationCase, config: Mapping[str, Any]
) -> None:
    """Tell a reporter their report led to a review (no one's identity in it)."""
    with force_locale(complaint.language):
        body = render_template(
            "messages/revocation_reporter.txt", complaint=complaint, case=case, config=config
        )
        subject = _("[%(code)s] Laporan Anda mendorong peninjauan predikat", code=complaint.code)
    if complaint.reporter_email:
        outbox.queue_email(
            session,
            to=complaint.reporter_email,
            subject=subject,
            body=body,
            mail_from=config["MAIL_FROM"],
            complaint=complaint,
            automatic=True,
        )
    if complaint.reporter_telegram_chat_id is not None:
        outbox.queue_telegram(
            session, chat_id=complaint.reporter_telegram_chat_id, body=body, complaint=complaint
        )
