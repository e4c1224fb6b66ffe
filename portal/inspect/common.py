"""Helpers shared by the inspectors' views: loading a complaint the viewer may handle."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from models import Complaint, db

from ..services.triage import is_recused


def complaint_or_404(code: str) -> Complaint:
    """Return the complaint, or 404 when it does not exist or the viewer is recused.

    A recused inspector gets the same answer as for a code that does not exist: they must not
    even learn that a complaint about their own unit is there.
    """
    complaint = db.session.scalar(sa.select(Complaint).where(Complaint.code == code))
    if complaint is None or is_recused(current_user, complaint):
        abort(404)
    return complaint


def me():
    """Return the signed-in user as a model object (not the request-local proxy)."""
    return current_user._get_current_object()
