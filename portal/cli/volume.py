"""``flask --app portal seed-volume``: many realistic complaints, for demos and benchmarks."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from models import db

from ..services.calendar import WorkCalendar
from ..services.volume import VOLUME_EMAIL_DOMAIN, VOLUME_PASSWORD, VolumeSpec, generate_volume


@click.command("seed-volume")
@click.option("--complaints", type=click.IntRange(1, 50_000_000), default=10_000, show_default=True)
@click.option("--units", type=click.IntRange(1, 20_000), default=500, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same data.")
@click.option("--years", type=click.FloatRange(0.1, 20), default=3.0, show_default=True)
@click.option("--batch", type=click.IntRange(100, 1_000_000), default=20_000, show_default=True)
@with_appcontext
def seed_volume_command(complaints: int, units: int, seed: int, years: float, batch: int) -> None:
    """Add generated complaints (fictional, never in production) with messages and events."""
    if current_app.config.get("ZI_PROFILE") == "production":
        # It also creates staff accounts whose password is printed below and in the README.
        raise click.ClickException(
            "seed-volume refuses to run in production: its data and accounts are fictional"
        )
    spec = VolumeSpec(complaints=complaints, units=units, seed=seed, years=years, batch=batch)
    calendar = WorkCalendar.from_config(current_app.config)
    with click.progressbar(length=complaints, label="complaints", show_pos=True) as bar:
        written = [0]

        def progress(done: int) -> None:
            bar.update(done - written[0])
            written[0] = done

        result = generate_volume(db.session, spec, calendar, progress=progress)
    phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.phases.items())
    click.echo(
        f"{result.complaints} complaints, {result.messages} messages, {result.events} events"
        f" over {result.units} units in {result.seconds:.1f} s"
        f" ({result.rate:.0f} complaints/s; {phases})"
    )
    click.echo(f"staff: inspektur1@{VOLUME_EMAIL_DOMAIN} … password {VOLUME_PASSWORD}")
