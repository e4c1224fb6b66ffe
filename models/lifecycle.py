"""The ZI lifecycle: declaration, assessment, proposal, review, predicate, revocation, coaching."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db, enum_column, utcnow
from .enums import (
    AssessmentKind,
    CoachingReason,
    PredicateEnd,
    PredicateKind,
    ProposalStatus,
    ReviewOutcome,
    ReviewTeam,
    RevocationCause,
    RevocationStatus,
)

if TYPE_CHECKING:
    from .complaint import Complaint
    from .org import Agency, Unit
    from .people import User

declaration_agency = sa.Table(
    "declaration_agency",
    db.metadata,
    sa.Column(
        "declaration_id", sa.ForeignKey("declaration.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("agency_id", sa.ForeignKey("agency.id"), primary_key=True),
)

revocation_case_complaint = sa.Table(
    "revocation_case_complaint",
    db.metadata,
    sa.Column(
        "revocation_case_id",
        sa.ForeignKey("revocation_case.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("complaint_id", sa.ForeignKey("complaint.id"), primary_key=True),
)


class Declaration(db.Model):
    """Pencanangan: the public declaration that one or more agencies start building ZI."""

    __tablename__ = "declaration"
    CHARTER_MAX = 200

    id: Mapped[int] = mapped_column(primary_key=True)
    declared_on: Mapped[date]
    charter_reference: Mapped[str] = mapped_column(sa.String(CHARTER_MAX))
    place: Mapped[str | None] = mapped_column(sa.String(200))
    publication_url: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Central agencies under one ministry, or regencies of one province, may declare jointly.
    agencies: Mapped[list[Agency]] = relationship(secondary=declaration_agency)
    witnesses: Mapped[list[DeclarationWitness]] = relationship(
        back_populates="declaration", cascade="all, delete-orphan", order_by="DeclarationWitness.id"
    )

    @property
    def is_joint(self) -> bool:
        """Return whether several agencies declared together."""
        return len(self.agencies) > 1


class DeclarationWitness(db.Model):
    """A witness of a declaration: KPK, ORI, a university, community figure, NGO or business."""

    __tablename__ = "declaration_witness"

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("declaration.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    organisation: Mapped[str] = mapped_column(sa.String(200))

    declaration: Mapped[Declaration] = relationship(back_populates="witnesses")


class Assessment(db.Model):
    """An LKE scoring of a unit on one rulebook: self-assessment, review or periodic evaluation."""

    __tablename__ = "assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    rulebook_id: Mapped[str] = mapped_column(sa.String(60))
    kind: Mapped[AssessmentKind] = mapped_column(enum_column(AssessmentKind))
    assessed_on: Mapped[date]
    assessor: Mapped[str | None] = mapped_column(sa.String(200))  # team or person, as written
    # use_alter breaks the assessment → predicate → proposal → assessment cycle at DDL time.
    predicate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("predicate.id", use_alter=True))
    # The score is computed by portal.services.scoring and kept with the inputs that produced it.
    total: Mapped[float] = mapped_column(sa.Numeric(6, 2, asdecimal=False))
    pengungkit: Mapped[float] = mapped_column(sa.Numeric(6, 2, asdecimal=False))
    hasil: Mapped[float] = mapped_column(sa.Numeric(6, 2, asdecimal=False))
    predicate_reached: Mapped[PredicateKind | None] = mapped_column(enum_column(PredicateKind, 8))
    result: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  # the full ScoreResult.to_dict()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship()
    values: Mapped[list[AssessmentValue]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="AssessmentValue.id"
    )


class AssessmentValue(db.Model):
    """One indicator's input (value, answers or survey index) and its score in an assessment."""

    __tablename__ = "assessment_value"
    __table_args__ = (sa.UniqueConstraint("assessment_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessment.id", ondelete="CASCADE"))
    indicator_id: Mapped[str] = mapped_column(sa.String(80))
    input: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    score: Mapped[float] = mapped_column(sa.Numeric(6, 2, asdecimal=False))

    assessment: Mapped[Assessment] = relationship(back_populates="values")


class Proposal(db.Model):
    """Usulan: an agency proposes a unit to KemenPANRB for WBK or WBBM, with its self-assessment."""

    __tablename__ = "proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    predicate: Mapped[PredicateKind] = mapped_column(enum_column(PredicateKind, 8))
    year: Mapped[int]  # the fiscal year whose BPK opinion and AKIP grade qualify the proposal
    submitted_on: Mapped[date]
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessment.id"))
    status: Mapped[ProposalStatus] = mapped_column(
        enum_column(ProposalStatus), default=ProposalStatus.DIAJUKAN
    )
    evidence_note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship()
    assessment: Mapped[Assessment] = relationship()
    reviews: Mapped[list[Review]] = relationship(back_populates="proposal", order_by="Review.id")


class Review(db.Model):
    """Reviu (WBK) or evaluasi (WBBM) of a proposal by the assessment team."""

    __tablename__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"), index=True)
    team: Mapped[ReviewTeam] = mapped_column(enum_column(ReviewTeam, 8))
    outcome: Mapped[ReviewOutcome] = mapped_column(enum_column(ReviewOutcome))
    reviewed_on: Mapped[date]
    assessment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assessment.id"))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="reviews")
    assessment: Mapped[Assessment | None] = relationship()


class Predicate(db.Model):
    """Penetapan: a WBK or WBBM predicate held by a unit, from its decree until it ends."""

    __tablename__ = "predicate"
    DECREE_MAX = 120

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    kind: Mapped[PredicateKind] = mapped_column(enum_column(PredicateKind, 8))
    proposal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("proposal.id"))
    decree_number: Mapped[str] = mapped_column(sa.String(DECREE_MAX))
    awarded_on: Mapped[date]
    valid_until: Mapped[date | None]
    revoked_on: Mapped[date | None]
    revocation_decree: Mapped[str | None] = mapped_column(sa.String(DECREE_MAX))
    ended_on: Mapped[date | None]
    end_reason: Mapped[PredicateEnd | None] = mapped_column(enum_column(PredicateEnd))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship(back_populates="predicates")

    @property
    def is_active(self) -> bool:
        """Return whether the predicate has neither ended nor been revoked."""
        return self.ended_on is None


class RevocationCase(db.Model):
    """Pencabutan review: whether a unit still meets the integrity indicators of its predicate."""

    __tablename__ = "revocation_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    predicate_id: Mapped[int] = mapped_column(sa.ForeignKey("predicate.id"))
    cause: Mapped[RevocationCause] = mapped_column(enum_column(RevocationCause))
    rule_id: Mapped[str | None] = mapped_column(sa.String(80))  # the integrity rule that opened it
    summary: Mapped[str] = mapped_column(sa.Text)
    assessment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assessment.id"))
    opened_on: Mapped[date]
    decide_by: Mapped[date]
    status: Mapped[RevocationStatus] = mapped_column(
        enum_column(RevocationStatus), default=RevocationStatus.TERBUKA
    )
    decided_on: Mapped[date | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decree_number: Mapped[str | None] = mapped_column(sa.String(Predicate.DECREE_MAX))
    reasons: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship()
    predicate: Mapped[Predicate] = relationship()
    assessment: Mapped[Assessment | None] = relationship()
    decided_by: Mapped[User | None] = relationship()
    complaints: Mapped[list[Complaint]] = relationship(secondary=revocation_case_complaint)


# A unit never has two open cases for the same cause (enforced by the database, not only code).
sa.Index(
    "uq_revocation_case_open_cause",
    RevocationCase.unit_id,
    RevocationCase.cause,
    unique=True,
    sqlite_where=sa.text("status = 'terbuka'"),
    postgresql_where=sa.text("status = 'terbuka'"),
)


class CoachingActivity(db.Model):
    """Pembinaan: coaching a unit after a returned proposal, after revocation, or routinely."""

    __tablename__ = "coaching_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    reason: Mapped[CoachingReason] = mapped_column(enum_column(CoachingReason))
    held_on: Mapped[date]
    topic: Mapped[str] = mapped_column(sa.String(200))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship()
