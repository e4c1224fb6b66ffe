"""The report form's pick lists (units and categories), kept in memory between requests.

Why: /lapor lists every unit and every category on each visit, and resolving the unit a
reporter typed reads every unit again; under load those reads were most of the form's queries
(one per category group, plus each unit's parent). The lists change a few times a year.

Correctness: the lists are plain, read-only data (no ORM objects shared between sessions or
threads). Every write to the ``unit`` or ``category`` table that this process sends (ORM flush,
Core statement, bulk update, TRUNCATE or any DDL, as in the tests' cleanup) makes the next read
rebuild: it is seen when the statement runs and again when its transaction ends, so a list
built from data read in between is thrown away too. A write by another process (another
gunicorn worker, a ``flask`` command) is seen after at most ``MAX_AGE_SECONDS``: until then a
new unit may be missing from the picker there. Only what a page shows comes from here; the
intake service still looks the unit and category up in the database before filing.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session, selectinload

from models import Category, Unit

MAX_AGE_SECONDS = 30.0
EXTENSION = "zi_choices"
T = TypeVar("T")

# A write naming a table whose rows the lists show; any DDL, TRUNCATE or CTE write counts too.
_WRITE_TO_LISTED = re.compile(
    r'^\s*(?:(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(?:unit|category)"?(?:\W|$)'
    r"|(?:TRUNCATE|CREATE|DROP|ALTER|WITH)\b)",
    re.IGNORECASE,
)
_DIRTY = "zi_choices_dirty"
_generations = itertools.count(1)
_generation = 0


@dataclass(frozen=True)
class UnitChoice:
    """A unit as the picker shows it."""

    slug: str
    name: str
    display_name: str


@dataclass(frozen=True)
class CategoryChoice:
    """A category as the form lists it (``children`` only on top-level rows)."""

    slug: str
    name: str
    name_en: str
    default_privacy: str
    children: tuple[CategoryChoice, ...] = ()


def generation() -> int:
    """Return the current version of the listed tables as this process knows it."""
    return _generation


def invalidate() -> None:
    """Make the next read of any list rebuild it."""
    global _generation
    _generation = next(_generations)


def _after_cursor_execute(conn, _cursor, statement, _params, _context, _executemany) -> None:
    if statement[:6].upper() != "SELECT" and _WRITE_TO_LISTED.match(statement):
        conn.info[_DIRTY] = True
        invalidate()


def _transaction_ended(conn) -> None:
    if conn.info.pop(_DIRTY, False):
        invalidate()


sa.event.listen(sa.engine.Engine, "after_cursor_execute", _after_cursor_execute)
sa.event.listen(sa.engine.Engine, "commit", _transaction_ended)
sa.event.listen(sa.engine.Engine, "rollback", _transaction_ended)


class _Memo:
    """One app's cached values, valid for one generation and at most MAX_AGE_SECONDS."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.generation = -1
        self.built = 0.0
        self.values: dict[Any, Any] = {}


def memo(app: Flask, key: Any, build: Callable[[], T]) -> T:
    """Return the value cached under ``key`` for ``app``, building it when missing or stale.

    ``build`` must depend only on the unit and category tables, the key and static settings.
    """
    state = app.extensions.get(EXTENSION)
    if state is None:
        state = app.extensions.setdefault(EXTENSION, _Memo())
    now = time.monotonic()
    seen = _generation
    with state.lock:
        if state.generation != seen or now - state.built > MAX_AGE_SECONDS:
            state.values = {}
            state.generation, state.built = seen, now
        values = state.values
        if key in values:
            return values[key]
    value = build()
    with state.lock:
        # Keep it only if nothing was written meanwhile (else the next read builds again).
        if state.values is values and _generation == seen:
            values[key] = value
    return value


def unit_choices(session: Session) -> tuple[UnitChoice, ...]:
    """Read every unit for the picker, ordered by name."""
    units = session.scalars(
        sa.select(Unit).options(selectinload(Unit.parent)).order_by(Unit.name)
    ).all()
    return tuple(UnitChoice(slug=u.slug, name=u.name, display_name=u.display_name) for u in units)


def category_choices(session: Session) -> tuple[CategoryChoice, ...]:
    """Read the active top-level categories with their active children, in form order."""
    tops = session.scalars(
        sa.select(Category)
        .where(Category.parent_id.is_(None), Category.active)
        .options(selectinload(Category.children))
        .order_by(Category.position)
    ).all()
    return tuple(
        CategoryChoice(
            slug=top.slug,
            name=top.name,
            name_en=top.name_en,
            default_privacy=top.default_privacy.value,
            children=tuple(
                CategoryChoice(
                    slug=c.slug,
                    name=c.name,
                    name_en=c.name_en,
                    default_privacy=c.default_privacy.value,
                )
                for c in top.children
                if c.active
            ),
        )
        for top in tops
    )
