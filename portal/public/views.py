"""Public pages: home, the list of ZI units, one unit's standing."""

from __future__ import annotations

from flask import abort, render_template, request

from models import db
from models.enums import RevocationStatus

from ..services import units as unit_reads
from . import bp

PREDICATE_FILTERS = ("WBBM", "WBK", "dicabut")


@bp.get("/")
def home():
    """What ZI is, how to report, and where each unit stands."""
    units = unit_reads.zi_units(db.session)
    return render_template(
        "public/home.html", units=units, counts=unit_reads.predicate_counts(units)
    )


@bp.get("/unit")
def unit_list():
    """Every ZI unit with its stage and predicate; filter by predicate or name."""
    predicate = request.args.get("predikat")
    query = (request.args.get("q") or "").strip()[:100]
    if predicate not in PREDICATE_FILTERS:
        predicate = None
    units = unit_reads.zi_units(db.session, predicate=predicate, query=query or None)
    return render_template(
        "public/unit_list.html",
        units=units,
        predicate=predicate,
        query=query,
        filters=PREDICATE_FILTERS,
    )


@bp.get("/unit/<slug>")
def unit_detail(slug: str):
    """One unit's ZI stage, predicate history, revocation reviews and complaint statistics."""
    from .stats_views import unit_panel  # the statistics panel (templates/public/_unit_stats.html)

    unit = unit_reads.unit_by_slug(db.session, slug)
    if unit is None:
        abort(404)
    return render_template(
        "public/unit_detail.html",
        unit=unit,
        predicates=unit_reads.predicate_history(db.session, unit),
        cases=unit_reads.revocation_cases(db.session, unit),
        declarations=unit_reads.declarations_for(db.session, unit),
        open_status=RevocationStatus.TERBUKA,
        unit_stats=unit_panel(unit),
    )
