"""The inspectors' workspace: queue, complaint pages, offline intake, quarantine."""

from flask import Blueprint

bp = Blueprint("inspect", __name__, url_prefix="/inspektorat")

from . import complaint_views, intake_views, quarantine_views, queue_views  # noqa: E402,F401
