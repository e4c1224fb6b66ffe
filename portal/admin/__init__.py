"""ZI administration (agencies, units, LKE, proposals, predicates) and the audit trail."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import (  # noqa: E402,F401
    agencies,
    assessments,
    audit_views,
    lifecycle_views,
    proposals,
    revocation_views,
    units,
)
