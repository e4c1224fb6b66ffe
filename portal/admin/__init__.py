"""ZI administration (agencies, units, LKE, proposals, predicates) and the audit trail."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import audit_views, revocation_views  # noqa: E402,F401
