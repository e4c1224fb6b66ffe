"""``flask mail …``: take mail in (pipe or IMAP) and decide on held messages."""

from __future__ import annotations

import sys
import time

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from models import QuarantinedMessage, User, db

from ..mail.ingest import MailSettings, release_quarantined
from ..mail.pipe import EX_TEMPFAIL, deliver
from ..services import quarantine
from ..services.errors import DomainError

mail_cli = AppGroup("mail", help="Email channel: ingest, fetch, quarantine.")


@mail_cli.command("ingest")
def ingest_command() -> None:
    """Store one RFC 822 message read from stdin (a mail server's pipe transport).

    The same door as ``zi-mail-ingest`` (``portal.mail.pipe``), which starts several times
    faster and is what a mail server should run.
    """
    raw = sys.stdin.buffer.read()
    done = deliver(db.session, raw, MailSettings.from_config(current_app.config))
    click.echo(done.line, err=not done.stored)
    if not done.stored:
        sys.exit(done.exit_code)


@mail_cli.command("fetch")
@click.option("--watch", is_flag=True, help="Keep polling (IDLE where the server has it).")
@click.option("--interval", type=int, default=None, help="Seconds between polls when watching.")
def fetch_command(watch: bool, interval: int | None) -> None:
    """Read unseen messages from the configured IMAP mailbox."""
    from ..mail.fetch import IMAPSettings, connect, fetch_with, wait_for_mail

    imap = IMAPSettings.from_config(current_app.config)
    settings = MailSettings.from_config(current_app.config)
    pause = interval or current_app.config["WORKER_INTERVAL_SECONDS"]
    while True:
        try:
            with connect(imap) as client:
                while True:
                    report = fetch_with(client, imap, settings)
                    click.echo(report.line())
                    if not watch:
                        return
                    wait_for_mail(client, pause)
        except OSError as exc:  # IMAP server unreachable: say so, and retry when watching
            click.echo(f"error: IMAP {imap.host}:{imap.port}: {exc}", err=True)
            if not watch:
                sys.exit(EX_TEMPFAIL)
            time.sleep(pause)


def _held(item_id: int) -> QuarantinedMessage:
    item = db.session.get(QuarantinedMessage, item_id)
    if item is None:
        raise click.ClickException(f"no held message #{item_id}")
    return item


def _user(email: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no staff account {email}")
    return user


@mail_cli.command("quarantine")
def quarantine_list_command() -> None:
    """List the held messages waiting for a decision."""
    items = quarantine.held(db.session)
    for item in items:
        click.echo(
            f"#{item.id}\t{item.received_at:%Y-%m-%d %H:%M}\t{item.reason}\t{item.size} B"
            f"\t{(item.detail or '')[:80]}"
        )
    click.echo(f"{len(items)} held")


@mail_cli.command("release")
@click.argument("item_id", type=int)
@click.option("--by", "by_email", required=True, help="The inspector deciding (audited).")
def release_command(item_id: int, by_email: str) -> None:
    """File a held message as a complaint."""
    try:
        complaint = release_quarantined(
            db.session,
            _held(item_id),
            actor=_user(by_email),
            settings=MailSettings.from_config(current_app.config),
        )
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"released #{item_id} as {complaint.code}")


@mail_cli.command("discard")
@click.argument("item_id", type=int)
@click.option("--by", "by_email", required=True, help="The inspector deciding (audited).")
def discard_command(item_id: int, by_email: str) -> None:
    """Discard a held message (kept on disk for the audit trail)."""
    try:
        quarantine.discard(db.session, _held(item_id), actor=_user(by_email))
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"discarded #{item_id}")
