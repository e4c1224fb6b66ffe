"""Integrity rules: the conditions under which a unit's WBK/WBBM predicate is reviewed.

Rules are data an administrator can read and tune (limits, windows, predicates, on/off); the
kinds of rule are code (portal/services/integrity.py), so a rule can never run arbitrary logic.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import db, enum_column, utcnow
from .enums import RuleKind


class IntegrityRule(db.Model):
    """One rule: what it watches, for which predicates, with which parameters."""

    __tablename__ = "integrity_rule"

    id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    kind: Mapped[RuleKind] = mapped_column(enum_column(RuleKind, 40))
    description: Mapped[str] = mapped_column(sa.Text)
    description_en: Mapped[str] = mapped_column(sa.Text)
    predicates: Mapped[list[str]] = mapped_column(sa.JSON)  # e.g. ["WBK", "WBBM"]
    parameters: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProposalDocument(db.Model):
    """An evidence file attached to a proposal (LKE worksheet, decrees, photos of innovations)."""

    __tablename__ = "proposal_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"), index=True)
    original_filename: Mapped[str] = mapped_column(sa.String(255))
    media_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    path: Mapped[str] = mapped_column(sa.String(255))  # under UPLOAD_DIR, random name
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
