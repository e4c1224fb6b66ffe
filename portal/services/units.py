"""Read models of units for the public pages (no identities, only public facts)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from models import Declaration, Predicate, RevocationCase, Unit
from models.enums import PredicateKind, ZIStage


@dataclass(frozen=True)
class StageCount:
    stage: ZIStage
    count: int


def zi_units(
    session: Session, predicate: str | None = None, query: str | None = None
) -> list[Unit]:
    """Return units on the ZI path (designated at least once), optionally filtered."""
    stmt = (
        sa.select(Unit)
        .where(Unit.zi_stage != ZIStage.BELUM)
        .options(selectinload(Unit.parent), selectinload(Unit.predicates))
        .order_by(Unit.name)
    )
    if query:
        stmt = stmt.where(Unit.name.ilike(f"%{query.strip()}%"))
    units = list(session.scalars(stmt))
    if predicate in {k.value for k in PredicateKind}:
        units = [u for u in units if u.active_predicate and u.active_predicate.kind == predicate]
    elif predicate == "dicabut":
        units = [u for u in units if u.zi_stage == ZIStage.DICABUT]
    return units


def predicate_counts(units: list[Unit]) -> dict[str, int]:
    """Count units by the predicate they hold now, plus revoked and still building."""
    counts = {"WBBM": 0, "WBK": 0, "dicabut": 0, "membangun": 0}
    for unit in units:
        held = unit.active_predicate
        if held is not None:
            counts[held.kind.value] += 1
        elif unit.zi_stage == ZIStage.DICABUT:
            counts["dicabut"] += 1
        else:
            counts["membangun"] += 1
    return counts


def unit_by_slug(session: Session, slug: str) -> Unit | None:
    """Return the unit with ``slug``."""
    return session.scalar(sa.select(Unit).where(Unit.slug == slug))


def predicate_history(session: Session, unit: Unit) -> list[Predicate]:
    """Return the unit's predicates, newest first."""
    return list(
        session.scalars(
            sa.select(Predicate)
            .where(Predicate.unit_id == unit.id)
            .order_by(Predicate.awarded_on.desc(), Predicate.id.desc())
        )
    )


def revocation_cases(session: Session, unit: Unit) -> list[RevocationCase]:
    """Return the unit's revocation reviews, newest first (outcomes are public, DESIGN.md §6)."""
    return list(
        session.scalars(
            sa.select(RevocationCase)
            .where(RevocationCase.unit_id == unit.id)
            .order_by(RevocationCase.opened_on.desc(), RevocationCase.id.desc())
        )
    )


def declarations_for(session: Session, unit: Unit) -> list[Declaration]:
    """Return the declarations of the unit's agency, newest first."""
    return list(
        session.scalars(
            sa.select(Declaration)
            .where(Declaration.agencies.any(id=unit.agency_id))
            .order_by(Declaration.declared_on.desc())
        )
    )
