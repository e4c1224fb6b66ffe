"""Staff account commands."""

from __future__ import annotations

import os

import click
from flask.cli import with_appcontext

from models import db
from models.enums import Role

from ..services.accounts import create_user
from ..services.errors import DomainError


@click.command("create-user")
@click.argument("email")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Repeat for several roles.",
)
@click.option("--name", default=None, help="Display name (default: the part before @).")
@with_appcontext
def create_user_command(email: str, roles: tuple[str, ...], name: str | None) -> None:
    """Create a staff account; the password comes from ZI_NEW_USER_PASSWORD or a prompt."""
    password = os.environ.get("ZI_NEW_USER_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        user = create_user(
            db.session,
            email=email,
            name=name or email.split("@")[0],
            password=password,
            roles=[Role(r) for r in roles],
        )
    except DomainError as exc:
        db.session.rollback()
        for reason in exc.reasons:
            click.echo(f"error: {reason}", err=True)
        raise SystemExit(2) from exc
    db.session.commit()
    click.echo(f"created {user.email} ({', '.join(sorted(roles))})")
