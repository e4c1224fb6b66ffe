"""Database commands: apply migrations, load demo data."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from models import db

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
    click.echo(f"database ready ({added} categories added)")


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
