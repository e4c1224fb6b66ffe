"""Database commands: apply migrations, load demo data."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from models import db

from ..services import stats_rollup
from ..services.demo import database_is_empty, seed_demo
from ..services.integrity import ensure_rules
from ..services.lifecycle import LifecyclePolicy
from ..services.reference_data import ensure_categories


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Apply every migration (SQLite or PostgreSQL) and load the reference categories."""
    upgrade()
    added = ensure_categories(db.session)
    ensure_rules(db.session)
    db.session.commit()
    if stats_rollup.ensure_current(db.session):
        click.echo("statistics rollup rebuilt")
    click.echo(f"database ready ({added} categories added)")


@click.command("rebuild-statistics")
@with_appcontext
def rebuild_statistics_command() -> None:
    """Recompute the public statistics' counts from the complaints (after a bulk load)."""
    started = time.monotonic()
    rows = stats_rollup.rebuild_rollup(db.session)
    db.session.commit()
    click.echo(f"statistics rebuilt: {rows} rows in {time.monotonic() - started:.1f} s")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only load when no agency exists yet.")
@with_appcontext
def seed_demo_command(if_empty: bool) -> None:
    """Load the fictional demo data (idempotent)."""
    if if_empty and not database_is_empty(db.session):
        click.echo("demo data skipped: the database already has data")
        return
    added = seed_demo(db.session, LifecyclePolicy.from_config(current_app.config))
    db.session.commit()
    click.echo("demo data loaded" if added else "demo data already present")
