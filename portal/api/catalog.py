"""/api/v1/units and /api/v1/categories: what a client needs to fill in a complaint.

Both are public data; the search term is bounded and cleaned before it reaches a query.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import jsonify, request
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from models import Category, Unit, db

from ..services.sanitize import clean_text
from . import ApiError, bp

QUERY_MAX = 100
LIMIT_MIN, LIMIT_MAX, LIMIT_DEFAULT = 1, 500, 50
_WHOLE_NUMBER = re.compile(r"^[0-9]{1,6}$")


def _public(payload: dict[str, Any]):
    response = jsonify(payload)
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


def _unit_json(unit: Unit) -> dict[str, Any]:
    predicate = unit.active_predicate
    return {
        "slug": unit.slug,
        "name": unit.name,
        "display_name": unit.display_name,
        "eselon": unit.eselon.value,
        "agency": unit.agency.name,
        "zi_stage": unit.zi_stage.value,
        "predicate": predicate.kind.value if predicate is not None else None,
    }


def _search_args() -> tuple[str, int]:
    errors: dict[str, list[str]] = {}
    raw = request.args.get("q", "")
    if len(raw) > QUERY_MAX:
        errors["q"] = [_("Kata pencarian paling banyak %(n)d karakter.", n=QUERY_MAX)]
    limit = LIMIT_DEFAULT
    raw_limit = request.args.get("limit")
    if raw_limit is not None:
        limit = int(raw_limit) if _WHOLE_NUMBER.match(raw_limit) else 0
        if not LIMIT_MIN <= limit <= LIMIT_MAX:
            errors["limit"] = [
                _(
                    "Batas harus bilangan bulat dari %(min)d sampai %(max)d.",
                    min=LIMIT_MIN,
                    max=LIMIT_MAX,
                )
            ]
    if errors:
        raise ApiError(422, errors)
    return clean_text(raw, multiline=False), limit


@bp.get("/units")
def units():
    """List units by name, optionally those whose name contains ``q`` (any case)."""
    query, limit = _search_args()
    statement = (
        sa.select(Unit)
        .options(
            selectinload(Unit.agency), selectinload(Unit.parent), selectinload(Unit.predicates)
        )
        .order_by(Unit.name, Unit.id)
        .limit(limit)
    )
    if query:
        statement = statement.where(Unit.name.icontains(query, autoescape=True))
    return _public({"units": [_unit_json(u) for u in db.session.scalars(statement)]})


def _category_json(category: Category, group: Category | None) -> dict[str, Any]:
    return {
        "slug": category.slug,
        "name": category.name,
        "name_en": category.name_en,
        "group": group.slug if group is not None else None,
        "is_integrity": category.is_integrity,
        "default_privacy": category.default_privacy.value,
    }


@bp.get("/categories")
def categories():
    """List the active categories, each group followed by its members."""
    active = db.session.scalars(
        sa.select(Category).where(Category.active).order_by(Category.position, Category.id)
    ).all()
    tops = [c for c in active if c.parent_id is None]
    listed = []
    for top in tops:
        listed.append(_category_json(top, None))
        listed.extend(_category_json(c, top) for c in active if c.parent_id == top.id)
    # Members of an inactive group stay fileable; list them after the rest.
    shown = {c.id for c in tops} | {c.id for c in active if c.parent_id in {t.id for t in tops}}
    listed.extend(_category_json(c, c.parent) for c in active if c.id not in shown)
    return _public({"categories": listed})
