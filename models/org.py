"""Organisations: agencies, their yearly audit and accountability figures, and work units."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db, enum_column, utcnow
from .enums import AKIPGrade, BPKOpinion, Eselon, ZIStage

if TYPE_CHECKING:
    from .lifecycle import Predicate


class Agency(db.Model):
    """Instansi Pemerintah: a ministry, agency, province or regency."""

    __tablename__ = "agency"
    NAME_MAX = 200

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX), unique=True)
    abbreviation: Mapped[str | None] = mapped_column(sa.String(40))
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    years: Mapped[list[AgencyYear]] = relationship(
        back_populates="agency", order_by="AgencyYear.year", cascade="all, delete-orphan"
    )
    units: Mapped[list[Unit]] = relationship(back_populates="agency")

    def year(self, year: int) -> AgencyYear | None:
        """Return the figures recorded for ``year``, if any."""
        return next((y for y in self.years if y.year == year), None)


class AgencyYear(db.Model):
    """An agency's BPK audit opinion and AKIP grade for one fiscal year."""

    __tablename__ = "agency_year"
    __table_args__ = (sa.UniqueConstraint("agency_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id", ondelete="CASCADE"))
    year: Mapped[int]
    bpk_opinion: Mapped[BPKOpinion | None] = mapped_column(enum_column(BPKOpinion, 8))
    akip_grade: Mapped[AKIPGrade | None] = mapped_column(enum_column(AKIPGrade, 4))

    agency: Mapped[Agency] = relationship(back_populates="years")


class Unit(db.Model):
    """Unit kerja: a work unit (eselon I–IV) that may build a Zona Integritas."""

    __tablename__ = "unit"
    NAME_MAX = 200

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    abbreviation: Mapped[str | None] = mapped_column(sa.String(60))
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    eselon: Mapped[Eselon] = mapped_column(enum_column(Eselon, 4))
    zi_stage: Mapped[ZIStage] = mapped_column(enum_column(ZIStage), default=ZIStage.BELUM)
    designated_on: Mapped[date | None]
    # Proposals are refused until this date after a revocation (the ban period).
    proposal_banned_until: Mapped[date | None]
    email: Mapped[str | None] = mapped_column(sa.String(254))  # the unit head's office address
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    agency: Mapped[Agency] = relationship(back_populates="units")
    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.name")
    pact_signatures: Mapped[list[PactSignature]] = relationship(
        back_populates="unit", order_by="PactSignature.recorded_on"
    )
    predicates: Mapped[list[Predicate]] = relationship(
        back_populates="unit", order_by="Predicate.awarded_on"
    )

    @property
    def display_name(self) -> str:
        """Return the name with its parent, as the source document writes it."""
        if self.parent is None:
            return self.name
        return f"{self.name}, {self.parent.abbreviation or self.parent.name}"

    @property
    def active_predicate(self) -> Predicate | None:
        """Return the predicate the unit holds now (WBBM over WBK), if any."""
        held = [p for p in self.predicates if p.is_active]
        return max(held, key=lambda p: (p.kind == "WBBM", p.awarded_on), default=None)


class PactSignature(db.Model):
    """Pakta Integritas: how many leaders and staff of a unit have signed, as of a date."""

    __tablename__ = "pact_signature"
    __table_args__ = (
        sa.CheckConstraint("staff_signed <= staff_total", name="signed_within_total"),
        sa.CheckConstraint("staff_signed >= 0 AND staff_total >= 0", name="non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    recorded_on: Mapped[date]
    leader_signed: Mapped[bool] = mapped_column(default=False)
    staff_signed: Mapped[int]
    staff_total: Mapped[int]

    unit: Mapped[Unit] = relationship(back_populates="pact_signatures")
