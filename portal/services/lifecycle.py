"""The ZI lifecycle: declaration → candidate → assessment → proposal → review → predicate →
periodic evaluation → revocation, and coaching along the way.

Each step checks its preconditions first and, when any fails, raises ``PreconditionFailed``
naming every failed one in words an administrator can act on. Steps add and flush; the caller
commits (see ``portal.services``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from models import (
    Agency,
    Assessment,
    AssessmentValue,
    CoachingActivity,
    Complaint,
    Declaration,
    DeclarationWitness,
    PactSignature,
    Predicate,
    Proposal,
    Review,
    RevocationCase,
    Unit,
    User,
)
from models.enums import (
    AKIPGrade,
    AssessmentKind,
    BPKOpinion,
    CoachingReason,
    Eselon,
    PredicateEnd,
    PredicateKind,
    ProposalStatus,
    ReviewOutcome,
    ReviewTeam,
    RevocationCause,
    RevocationStatus,
    Role,
    ZIStage,
)
from models.rulebook import Rulebook, UnknownRulebook, load_rulebook

from . import audit
from .errors import InvalidAssessment, NotPermitted, PreconditionFailed
from .scoring import ScoringInputError, score

CANDIDATE_ESELONS = (Eselon.I, Eselon.II, Eselon.III)
MIN_AKIP = AKIPGrade.CC
PENDING_PROPOSAL = (ProposalStatus.DIAJUKAN, ProposalStatus.MEMENUHI)


@dataclass(frozen=True)
class LifecyclePolicy:
    """Configurable periods of the lifecycle."""

    ban_years: int = 2  # PermenPANRB 90/2021: a revoked unit cannot be proposed for two years
    decision_days: int = 30  # time the TPN has to decide a revocation case

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LifecyclePolicy:
        """Read the policy from the app's settings."""
        return cls(
            ban_years=int(config.get("REVOCATION_BAN_YEARS", 2)),
            decision_days=int(config.get("REVOCATION_DECISION_DAYS", 30)),
        )


def _require(failures: list[str]) -> None:
    if failures:
        raise PreconditionFailed(failures)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


# --- Declaration and pacts -------------------------------------------------------------------


def record_pact_signatures(
    session: Session,
    unit: Unit,
    *,
    recorded_on: date,
    leader_signed: bool,
    staff_signed: int,
    staff_total: int,
    actor: User | None = None,
) -> PactSignature:
    """Record how many of a unit's leaders and staff have signed the integrity pact."""
    failures = []
    if staff_total < 0 or staff_signed < 0:
        failures.append(_("Jumlah pegawai tidak boleh negatif."))
    elif staff_signed > staff_total:
        failures.append(
            _(
                "Pegawai yang menandatangani (%(signed)d) melebihi jumlah pegawai (%(total)d).",
                signed=staff_signed,
                total=staff_total,
            )
        )
    _require(failures)
    row = PactSignature(
        unit=unit,
        recorded_on=recorded_on,
        leader_signed=leader_signed,
        staff_signed=staff_signed,
        staff_total=staff_total,
    )
    session.add(row)
    audit.record(session, "pakta.dicatat", row, actor, unit=unit.slug)
    return row


def _latest_pacts(session: Session, agency: Agency) -> list[PactSignature]:
    rows = session.scalars(
        sa.select(PactSignature)
        .join(Unit)
        .where(Unit.agency_id == agency.id)
        .order_by(PactSignature.unit_id, PactSignature.recorded_on.desc(), PactSignature.id.desc())
    ).all()
    latest: dict[int, PactSignature] = {}
    for row in rows:
        latest.setdefault(row.unit_id, row)
    return list(latest.values())


def _pact_failures(session: Session, agency: Agency) -> list[str]:
    """Leaders and all or most staff must have signed before the declaration."""
    pacts = _latest_pacts(session, agency)
    if not pacts:
        return [
            _("%(agency)s belum mencatat penandatanganan Pakta Integritas.", agency=agency.name)
        ]
    failures = []
    unsigned_leaders = sorted(p.unit.name for p in pacts if not p.leader_signed)
    if unsigned_leaders:
        failures.append(
            _(
                "Pimpinan unit berikut belum menandatangani Pakta Integritas: %(units)s.",
                units=", ".join(unsigned_leaders),
            )
        )
    signed = sum(p.staff_signed for p in pacts)
    total = sum(p.staff_total for p in pacts)
    if total == 0 or signed * 2 <= total:
        failures.append(
            _(
                "Baru %(signed)d dari %(total)d pegawai %(agency)s menandatangani Pakta Integritas;"
                " pencanangan memerlukan seluruh atau sebagian besar pegawai.",
                signed=signed,
                total=total,
                agency=agency.name,
            )
        )
    return failures


def declare(
    session: Session,
    *,
    agencies: Sequence[Agency],
    declared_on: date,
    charter_reference: str,
    witnesses: Iterable[tuple[str, str]] = (),
    publication_url: str | None = None,
    place: str | None = None,
    today: date | None = None,
    actor: User | None = None,
) -> Declaration:
    """Record a (possibly joint) declaration that ``agencies`` start building ZI."""
    today = today or date.today()
    failures = []
    if not agencies:
        failures.append(_("Pencanangan memerlukan setidaknya satu instansi."))
    if len({a.id for a in agencies}) != len(agencies):
        failures.append(_("Instansi yang sama disebut lebih dari sekali."))
    if not (charter_reference or "").strip():
        failures.append(_("Nomor atau rujukan piagam pencanangan wajib diisi."))
    if declared_on > today:
        failures.append(_("Tanggal pencanangan tidak boleh di masa depan."))
    if publication_url and not publication_url.startswith(("https://", "http://")):
        failures.append(_("Tautan publikasi harus berupa alamat web (http:// atau https://)."))
    for agency in agencies:
        failures.extend(_pact_failures(session, agency))
    witness_rows = [(n.strip(), o.strip()) for n, o in witnesses]
    if any(not n or not o for n, o in witness_rows):
        failures.append(_("Setiap saksi memerlukan nama dan lembaga."))
    _require(failures)

    declaration = Declaration(
        declared_on=declared_on,
        charter_reference=charter_reference.strip(),
        publication_url=publication_url or None,
        place=place,
        agencies=list(agencies),
        witnesses=[DeclarationWitness(name=n, organisation=o) for n, o in witness_rows],
    )
    session.add(declaration)
    audit.record(
        session, "pencanangan.dicatat", declaration, actor, agencies=[a.slug for a in agencies]
    )
    return declaration


def _declared(session: Session, agency: Agency, on: date) -> bool:
    return (
        session.scalar(
            sa.select(sa.func.count(Declaration.id))
            .join(Declaration.agencies)
            .where(Agency.id == agency.id, Declaration.declared_on <= on)
        )
        > 0
    )


def designate_candidate(
    session: Session, unit: Unit, *, designated_on: date, actor: User | None = None
) -> Unit:
    """Designate ``unit`` as a candidate ZI unit (calon unit kerja menuju WBK/WBBM)."""
    failures = []
    if unit.eselon not in CANDIDATE_ESELONS:
        failures.append(
            _(
                "%(unit)s adalah unit eselon %(eselon)s; calon unit ZI harus setingkat eselon I"
                " sampai eselon III.",
                unit=unit.name,
                eselon=unit.eselon.value,
            )
        )
    if not _declared(session, unit.agency, designated_on):
        failures.append(
            _("%(agency)s belum melakukan pencanangan Zona Integritas.", agency=unit.agency.name)
        )
    if unit.zi_stage not in (ZIStage.BELUM, ZIStage.PEMBINAAN, ZIStage.DICABUT):
        failures.append(
            _(
                "%(unit)s sudah berada pada tahap '%(stage)s'.",
                unit=unit.name,
                stage=unit.zi_stage.value,
            )
        )
    _require(failures)
    unit.zi_stage = ZIStage.CALON
    unit.designated_on = designated_on
    audit.record(session, "unit.ditetapkan_calon", unit, actor, on=designated_on)
    return unit


# --- Assessment ------------------------------------------------------------------------------


def _rulebook(rulebook_id: str) -> Rulebook:
    try:
        return load_rulebook(rulebook_id)
    except UnknownRulebook as exc:
        raise PreconditionFailed(_("Rulebook LKE '%(id)s' tidak dikenal.", id=rulebook_id)) from exc


def record_assessment(
    session: Session,
    unit: Unit,
    *,
    rulebook_id: str,
    indicators: Mapping[str, Mapping[str, Any]],
    assessed_on: date,
    kind: AssessmentKind = AssessmentKind.MANDIRI,
    assessor: str | None = None,
    predicate: Predicate | None = None,
    actor: User | None = None,
) -> Assessment:
    """Score ``indicators`` on a rulebook and store the LKE assessment with every input."""
    if unit.zi_stage == ZIStage.BELUM and kind == AssessmentKind.MANDIRI:
        raise PreconditionFailed(
            _("%(unit)s belum ditetapkan sebagai calon unit ZI.", unit=unit.name)
        )
    rulebook = _rulebook(rulebook_id)
    try:
        result = score(rulebook, indicators)
    except ScoringInputError as exc:
        raise InvalidAssessment(exc.errors) from exc
    assessment = Assessment(
        unit=unit,
        rulebook_id=rulebook.id,
        kind=kind,
        assessed_on=assessed_on,
        assessor=assessor,
        predicate_id=predicate.id if predicate is not None else None,
        total=result.total,
        pengungkit=result.pengungkit,
        hasil=result.hasil,
        predicate_reached=PredicateKind(result.predicate) if result.predicate else None,
        result=result.to_dict(),
        values=[
            AssessmentValue(indicator_id=key, input=dict(indicators[key]), score=value)
            for key, value in result.indicators.items()
        ],
    )
    session.add(assessment)
    audit.record(
        session,
        "lke.dinilai",
        assessment,
        actor,
        unit=unit.slug,
        kind=kind.value,
        rulebook=rulebook.id,
        total=result.total,
    )
    return assessment


def _reaches(reached: PredicateKind | str | None, wanted: PredicateKind) -> bool:
    if reached is None:
        return False
    return wanted == PredicateKind.WBK or PredicateKind(reached) == PredicateKind.WBBM


# --- Proposal, review, award -----------------------------------------------------------------


def _agency_year_failures(
    unit: Unit, predicate: PredicateKind, year: int, rulebook: Rulebook
) -> list[str]:
    failures = []
    agency = unit.agency
    prereq = rulebook.prerequisites.get(predicate.value)
    default_years = 1 if predicate == PredicateKind.WBK else 2
    wtp_years = prereq.wtp_consecutive_years if prereq else default_years
    min_akip = AKIPGrade(prereq.akip_min_grade) if prereq else MIN_AKIP
    for y in range(year - wtp_years + 1, year + 1):
        figures = agency.year(y)
        opinion = figures.bpk_opinion if figures else None
        if opinion != BPKOpinion.WTP:
            failures.append(
                _(
                    "Opini BPK %(agency)s untuk tahun %(year)d adalah %(opinion)s; usulan %(p)s"
                    " memerlukan WTP%(span)s.",
                    agency=agency.name,
                    year=y,
                    opinion=opinion.value if opinion else _("belum dicatat"),
                    p=predicate.value,
                    span=_(" selama %(n)d tahun berturut-turut", n=wtp_years)
                    if wtp_years > 1
                    else "",
                )
            )
    figures = agency.year(year)
    grade = figures.akip_grade if figures else None
    if grade is None or not grade.at_least(min_akip):
        failures.append(
            _(
                "Nilai AKIP %(agency)s untuk tahun %(year)d adalah %(grade)s; minimal %(min)s.",
                agency=agency.name,
                year=year,
                grade=grade.value if grade else _("belum dicatat"),
                min=min_akip.value,
            )
        )
    return failures


def propose(
    session: Session,
    unit: Unit,
    *,
    predicate: PredicateKind,
    year: int,
    assessment: Assessment,
    submitted_on: date,
    evidence_note: str | None = None,
    actor: User | None = None,
) -> Proposal:
    """Propose ``unit`` to KemenPANRB for WBK or WBBM on the strength of a self-assessment."""
    failures = []
    if unit.eselon not in CANDIDATE_ESELONS:
        failures.append(_("Hanya unit eselon I sampai III yang dapat diusulkan."))
    if unit.proposal_banned_until and submitted_on < unit.proposal_banned_until:
        failures.append(
            _(
                "%(unit)s tidak dapat diusulkan sampai %(until)s karena predikatnya dicabut.",
                unit=unit.name,
                until=unit.proposal_banned_until.isoformat(),
            )
        )
    pending = session.scalar(
        sa.select(Proposal).where(
            Proposal.unit_id == unit.id, Proposal.status.in_(PENDING_PROPOSAL)
        )
    )
    if pending is not None:
        failures.append(
            _(
                "%(unit)s masih memiliki usulan %(p)s yang belum selesai.",
                unit=unit.name,
                p=pending.predicate.value,
            )
        )
    held = unit.active_predicate
    if predicate == PredicateKind.WBK:
        if held is not None:
            failures.append(
                _("%(unit)s sudah memegang predikat %(p)s.", unit=unit.name, p=held.kind.value)
            )
        elif unit.zi_stage not in (ZIStage.CALON, ZIStage.PEMBINAAN, ZIStage.DICABUT):
            failures.append(_("%(unit)s belum ditetapkan sebagai calon unit ZI.", unit=unit.name))
    else:
        if held is None or held.kind != PredicateKind.WBK:
            failures.append(
                _("Usulan WBBM hanya untuk unit yang sedang memegang predikat WBK.")
                if held is None
                else _("%(unit)s sudah memegang predikat WBBM.", unit=unit.name)
            )
    if assessment.unit_id != unit.id or assessment.kind != AssessmentKind.MANDIRI:
        failures.append(_("Usulan harus disertai penilaian mandiri TPI atas unit ini."))
    elif not _reaches(assessment.predicate_reached, predicate):
        failures.append(
            _(
                "Penilaian mandiri (nilai %(total).2f) belum mencapai predikat %(p)s.",
                total=assessment.total,
                p=predicate.value,
            )
        )
    rulebook = _rulebook(assessment.rulebook_id)
    failures.extend(_agency_year_failures(unit, predicate, year, rulebook))
    _require(failures)

    proposal = Proposal(
        unit=unit,
        predicate=predicate,
        year=year,
        submitted_on=submitted_on,
        assessment=assessment,
        evidence_note=evidence_note,
    )
    session.add(proposal)
    unit.zi_stage = ZIStage.DIUSULKAN
    audit.record(
        session, "usulan.diajukan", proposal, actor, unit=unit.slug, predicate=predicate.value
    )
    return proposal


def _stage_without_pending(unit: Unit, fallback: ZIStage) -> ZIStage:
    held = unit.active_predicate
    if held is None:
        return fallback
    return ZIStage.WBBM if held.kind == PredicateKind.WBBM else ZIStage.WBK


def record_review(
    session: Session,
    proposal: Proposal,
    *,
    outcome: ReviewOutcome,
    reviewed_on: date,
    team: ReviewTeam = ReviewTeam.TPN,
    notes: str | None = None,
    assessment: Assessment | None = None,
    actor: User | None = None,
) -> Review:
    """Record the national team's review (WBK) or evaluation (WBBM) of a proposal."""
    failures = []
    if proposal.status != ProposalStatus.DIAJUKAN:
        failures.append(_("Usulan ini sudah direviu (status: %(s)s).", s=proposal.status.value))
    if team != ReviewTeam.TPN:
        failures.append(_("Reviu dan evaluasi usulan dilakukan oleh Tim Penilai Nasional (TPN)."))
    if reviewed_on < proposal.submitted_on:
        failures.append(_("Tanggal reviu tidak boleh sebelum tanggal usulan."))
    if outcome == ReviewOutcome.TIDAK_MEMENUHI and not (notes or "").strip():
        failures.append(_("Tuliskan alasan bila usulan tidak memenuhi syarat."))
    if assessment is not None:
        if assessment.unit_id != proposal.unit_id or assessment.kind != AssessmentKind.REVIU:
            failures.append(_("Nilai reviu harus berupa penilaian jenis 'reviu' atas unit ini."))
        elif outcome == ReviewOutcome.MEMENUHI and not _reaches(
            assessment.predicate_reached, proposal.predicate
        ):
            failures.append(
                _(
                    "Nilai reviu (%(total).2f) belum mencapai predikat %(p)s; hasil 'memenuhi'"
                    " tidak dapat dicatat.",
                    total=assessment.total,
                    p=proposal.predicate.value,
                )
            )
    _require(failures)

    review = Review(
        proposal=proposal,
        team=team,
        outcome=outcome,
        reviewed_on=reviewed_on,
        notes=notes,
        assessment=assessment,
    )
    session.add(review)
    if outcome == ReviewOutcome.MEMENUHI:
        proposal.status = ProposalStatus.MEMENUHI
    else:
        proposal.status = ProposalStatus.DIKEMBALIKAN
        proposal.unit.zi_stage = _stage_without_pending(proposal.unit, ZIStage.PEMBINAAN)
    audit.record(
        session, "usulan.direviu", review, actor, proposal=proposal.id, outcome=outcome.value
    )
    return review


def award_predicate(
    session: Session,
    proposal: Proposal,
    *,
    decree_number: str,
    awarded_on: date,
    valid_until: date | None = None,
    actor: User | None = None,
) -> Predicate:
    """Award the proposed predicate by decree once the review found the unit qualified."""
    failures = []
    if proposal.status != ProposalStatus.MEMENUHI:
        failures.append(
            _("Predikat hanya dapat ditetapkan untuk usulan yang dinyatakan memenuhi oleh TPN.")
        )
    if not (decree_number or "").strip():
        failures.append(_("Nomor surat keputusan penetapan wajib diisi."))
    last_review = proposal.reviews[-1] if proposal.reviews else None
    if last_review is not None and awarded_on < last_review.reviewed_on:
        failures.append(_("Tanggal penetapan tidak boleh sebelum tanggal reviu."))
    if valid_until is not None and valid_until <= awarded_on:
        failures.append(_("Masa berlaku harus setelah tanggal penetapan."))
    _require(failures)

    unit = proposal.unit
    if proposal.predicate == PredicateKind.WBBM:
        for held in unit.predicates:
            if held.is_active and held.kind == PredicateKind.WBK:
                held.ended_on = awarded_on
                held.end_reason = PredicateEnd.DITINGKATKAN
    predicate = Predicate(
        unit=unit,
        kind=proposal.predicate,
        proposal_id=proposal.id,
        decree_number=decree_number.strip(),
        awarded_on=awarded_on,
        valid_until=valid_until,
    )
    session.add(predicate)
    proposal.status = ProposalStatus.DITETAPKAN
    unit.zi_stage = ZIStage.WBBM if proposal.predicate == PredicateKind.WBBM else ZIStage.WBK
    audit.record(
        session,
        "predikat.ditetapkan",
        predicate,
        actor,
        unit=unit.slug,
        kind=proposal.predicate.value,
        decree=predicate.decree_number,
    )
    return predicate


# --- Periodic evaluation and revocation ------------------------------------------------------


def open_revocation_case(
    session: Session,
    unit: Unit,
    *,
    cause: RevocationCause,
    summary: str,
    opened_on: date,
    policy: LifecyclePolicy,
    complaints: Sequence[Complaint] = (),
    assessment: Assessment | None = None,
    rule_id: str | None = None,
    actor: User | None = None,
) -> RevocationCase:
    """Open a review of whether ``unit`` keeps its predicate."""
    failures = []
    held = unit.active_predicate
    if held is None:
        failures.append(_("%(unit)s tidak sedang memegang predikat WBK/WBBM.", unit=unit.name))
    existing = session.scalar(
        sa.select(RevocationCase).where(
            RevocationCase.unit_id == unit.id,
            RevocationCase.cause == cause,
            RevocationCase.status == RevocationStatus.TERBUKA,
        )
    )
    if existing is not None:
        failures.append(
            _("Sudah ada kasus pencabutan terbuka #%(id)d untuk sebab yang sama.", id=existing.id)
        )
    if not (summary or "").strip():
        failures.append(_("Ringkasan alasan peninjauan wajib diisi."))
    _require(failures)

    case = RevocationCase(
        unit=unit,
        predicate=held,
        cause=cause,
        rule_id=rule_id,
        summary=summary.strip(),
        assessment=assessment,
        opened_on=opened_on,
        decide_by=opened_on + timedelta(days=policy.decision_days),
        complaints=list(complaints),
    )
    session.add(case)
    audit.record(session, "pencabutan.dibuka", case, actor, unit=unit.slug, cause=cause.value)
    return case


def record_periodic_evaluation(
    session: Session,
    predicate: Predicate,
    *,
    rulebook_id: str,
    indicators: Mapping[str, Mapping[str, Any]],
    evaluated_on: date,
    policy: LifecyclePolicy,
    assessor: str | None = None,
    actor: User | None = None,
    config: Mapping[str, Any] | None = None,
) -> tuple[Assessment, RevocationCase | None]:
    """Score a periodic evaluation; the integrity rules decide whether a review opens."""
    from flask import current_app

    from .integrity import on_evaluation  # the rules run in this same transaction

    if not predicate.is_active:
        raise PreconditionFailed(_("Predikat ini sudah tidak berlaku."))
    assessment = record_assessment(
        session,
        predicate.unit,
        rulebook_id=rulebook_id,
        indicators=indicators,
        assessed_on=evaluated_on,
        kind=AssessmentKind.EVALUASI_BERKALA,
        assessor=assessor,
        predicate=predicate,
        actor=actor,
    )
    settings = dict(config if config is not None else current_app.config)
    settings.setdefault("REVOCATION_DECISION_DAYS", policy.decision_days)
    case = on_evaluation(session, predicate, assessment, config=settings, actor=actor)
    return assessment, case


def decide_revocation_case(
    session: Session,
    case: RevocationCase,
    *,
    decision: RevocationStatus,
    decided_on: date,
    reasons: str,
    actor: User,
    policy: LifecyclePolicy,
    decree_number: str | None = None,
) -> RevocationCase:
    """Decide a revocation case: revoke the predicate (with a ban) or keep it, with reasons."""
    if actor is None or not actor.has_role(Role.TPN):
        raise NotPermitted(_("Hanya Tim Penilai Nasional (TPN) yang dapat memutuskan pencabutan."))
    failures = []
    if case.status != RevocationStatus.TERBUKA:
        failures.append(_("Kasus ini sudah diputuskan (%(s)s).", s=case.status.value))
    if decision not in (RevocationStatus.DICABUT, RevocationStatus.DIPERTAHANKAN):
        failures.append(_("Putusan harus 'dicabut' atau 'dipertahankan'."))
    if not (reasons or "").strip():
        failures.append(_("Alasan putusan wajib diisi."))
    if decision == RevocationStatus.DICABUT and not (decree_number or "").strip():
        failures.append(_("Nomor keputusan pencabutan wajib diisi."))
    if decided_on < case.opened_on:
        failures.append(_("Tanggal putusan tidak boleh sebelum kasus dibuka."))
    _require(failures)

    case.status = decision
    case.decided_on = decided_on
    case.decided_by = actor
    case.reasons = reasons.strip()
    unit = case.unit
    if decision == RevocationStatus.DICABUT:
        case.decree_number = (decree_number or "").strip()
        predicate = case.predicate
        predicate.revoked_on = decided_on
        predicate.revocation_decree = case.decree_number
        predicate.ended_on = decided_on
        predicate.end_reason = PredicateEnd.DICABUT
        unit.zi_stage = ZIStage.DICABUT
        unit.proposal_banned_until = _add_years(decided_on, policy.ban_years)
        for proposal in session.scalars(
            sa.select(Proposal).where(
                Proposal.unit_id == unit.id, Proposal.status.in_(PENDING_PROPOSAL)
            )
        ):
            proposal.status = ProposalStatus.DIKEMBALIKAN
    audit.record(
        session, "pencabutan.diputuskan", case, actor, unit=unit.slug, decision=decision.value
    )
    return case


# --- Coaching --------------------------------------------------------------------------------


def log_coaching(
    session: Session,
    unit: Unit,
    *,
    reason: CoachingReason,
    held_on: date,
    topic: str,
    notes: str | None = None,
    actor: User | None = None,
) -> CoachingActivity:
    """Log a coaching activity (pembinaan) for a unit."""
    if not (topic or "").strip():
        raise PreconditionFailed(_("Topik pembinaan wajib diisi."))
    activity = CoachingActivity(
        unit=unit, reason=reason, held_on=held_on, topic=topic.strip(), notes=notes
    )
    session.add(activity)
    audit.record(session, "pembinaan.dicatat", activity, actor, unit=unit.slug, reason=reason.value)
    return activity
