"""The inspectors' workspace: queue, complaint pages, offline intake, quarantine."""

from flask import Blueprint

bp = Blueprint("inspect", __name__, url_prefix="/inspektorat")

from . import (  # noqa: E402,F401
    complaint_views,
    event_views,
    intake_views,
    quarantine_views,
    queue_views,
)
