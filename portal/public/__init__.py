"""The citizens' side of the portal: what ZI is, the units and their standing, reporting."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from . import report, stats_views, track, verify, views  # noqa: E402,F401 - register the routes on bp
