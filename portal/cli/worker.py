"""``flask worker``: fetch incoming mail and deliver the email outbox, in one loop.

Safe to run several at once (claims in the database decide who sends what). SIGTERM or SIGINT
lets the message being sent finish, hands the rest of the batch back and exits 0; a second
signal exits at once (the interrupted message's claim then expires and another worker resends
it with the same Message-ID). Logs carry counts only, never addresses or bodies.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import FrameType

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from models import db

from ..mail.smtp import SMTPSettings, deliver_email_batch
from ..services import stats_rollup
from ..services.calendar import CalendarConfigError, WorkCalendar
from ..services.deadlines import sweep_overdue
from ..services.delivery import DeliveryReport, RetryPolicy

logger = logging.getLogger(__name__)

BATCH_SIZE = 20
_FETCH_MODULE = "portal.mail.fetch"


def default_worker_id() -> str:
    """Return ``hostname:pid``, which names this process in the claims it holds."""
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Turn the first SIGTERM/SIGINT into ``stop``; a second one exits at once."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be installed from the main thread
        return

    def handle(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            raise SystemExit(128 + signum)
        logger.info(
            "worker: %s received, finishing the current message", signal.Signals(signum).name
        )
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def fetch_mail(app: Flask) -> bool:
    """Read the IMAP mailbox once when one is configured; False if that failed."""
    if not app.config.get("IMAP_HOST"):
        return True
    try:
        from portal.mail.fetch import fetch_once
    except ImportError as exc:
        if getattr(exc, "name", None) == _FETCH_MODULE:
            logger.info("worker: mail fetch skipped (%s is not available)", _FETCH_MODULE)
            return True
        logger.error("worker: mail fetch unavailable: %s", exc)
        return False
    try:
        report = fetch_once(app)
    except Exception as exc:  # IMAP or database down: deliver anyway, fetch again next pass
        logger.error("worker: mail fetch failed: %s", type(exc).__name__)
        return False
    line = report.line() if hasattr(report, "line") else ""
    logger.info("worker: mail fetched: %s", line)
    return True


def ingest_spooled_mail(app: Flask) -> bool:
    """Store the messages the pipe writer spooled; False if that failed (they stay)."""
    from portal.mail.ingest import MailSettings
    from portal.mail.spool import ingest_spool

    try:
        report = ingest_spool(
            db.session, MailSettings.from_config(app.config), app.config["MAIL_SPOOL_DIR"]
        )
    except Exception as exc:  # the database is down: the files wait in the spool
        logger.error("worker: spool ingest failed: %s", type(exc).__name__)
        return False
    finally:
        db.session.remove()
    if report.outcomes or report.failed:
        logger.info("worker: spooled mail: %s", report.line())
    return not report.failed


def deliver_due_email(
    settings: SMTPSettings, policy: RetryPolicy, *, worker_id: str, stop: threading.Event
) -> DeliveryReport:
    """Deliver every due email, batch after batch, until none is left or SMTP is down."""
    total = DeliveryReport()
    while not stop.is_set():
        report = deliver_email_batch(
            db.session,
            settings,
            worker_id=worker_id,
            policy=policy,
            limit=BATCH_SIZE,
            should_stop=stop.is_set,
        )
        db.session.remove()  # a fresh session per batch keeps a long-running worker small
        total.merge(report)
        if report.unavailable or report.handled < BATCH_SIZE:
            break
    return total


# --- deadlines: mark overdue complaints and escalate (the notices go out in the same pass) ---


def sweep_deadlines(app: Flask) -> bool:
    """Run the deadline sweep in its own transaction; False if it failed (it runs next pass)."""
    try:
        report = sweep_overdue(
            db.session,
            now=datetime.now(UTC),
            calendar=WorkCalendar.from_config(app.config),
            config=app.config,
        )
        db.session.commit()
    except CalendarConfigError as exc:  # names the setting; mail delivery goes on meanwhile
        logger.error("worker: deadline sweep misconfigured: %s", exc)
        return False
    except Exception as exc:  # e.g. the database is down
        logger.error("worker: deadline sweep failed: %s", type(exc).__name__)
        return False
    finally:
        db.session.remove()  # closing rolls back whatever was not committed
    if report.changed:
        logger.info("worker: deadlines %s", report.line())
    return True


# --- statistics: a rollup a migration marked stale is rebuilt once -----------------------------


def refresh_statistics() -> bool:
    """Rebuild the statistics rollup if a migration asked for it; False if that failed."""
    try:
        if stats_rollup.ensure_current(db.session):
            logger.info("worker: statistics rollup rebuilt")
    except Exception as exc:  # e.g. the database is down
        logger.error("worker: statistics rebuild failed: %s", type(exc).__name__)
        return False
    finally:
        db.session.remove()
    return True


# --- one pass -----------------------------------------------------------------------------------


def run_pass(
    app: Flask,
    settings: SMTPSettings,
    policy: RetryPolicy,
    *,
    worker_id: str,
    stop: threading.Event,
) -> tuple[bool, DeliveryReport]:
    """Fetch, sweep deadlines, then deliver; return whether every step worked (a failed one
    runs next pass)."""
    ok = ingest_spooled_mail(app)
    ok = fetch_mail(app) and ok
    ok = sweep_deadlines(app) and ok
    ok = refresh_statistics() and ok
    try:
        report = deliver_due_email(settings, policy, worker_id=worker_id, stop=stop)
    except Exception as exc:  # e.g. the database is down: keep the loop alive
        logger.error("worker: delivery failed: %s", type(exc).__name__)
        db.session.remove()  # closing rolls back and returns the connection
        return False, DeliveryReport()
    if report.handled:
        logger.info("worker: email %s", report.line())
    return ok, report


@click.command("worker")
@click.option("--once", is_flag=True, help="Run one pass (fetch, then deliver) and exit.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Seconds between passes (default: WORKER_INTERVAL_SECONDS).",
)
@with_appcontext
def worker_command(once: bool, interval: float | None) -> None:
    """Fetch incoming mail and deliver the outbox, in a loop (safe to run twice)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    pause = float(app.config["WORKER_INTERVAL_SECONDS"] if interval is None else interval)
    try:  # a misconfiguration stops the worker at once instead of failing every pass
        settings = SMTPSettings.from_config(app.config)
        policy = RetryPolicy.from_config(app.config)
    except (KeyError, ValueError) as exc:
        raise click.ClickException(f"outbound mail is misconfigured: {exc}") from None
    worker_id = default_worker_id()
    stop = threading.Event()
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    logger.info("worker %s started (%s)", worker_id, "one pass" if once else f"every {pause}s")
    with _stop_on_signals(stop):
        while not stop.is_set():
            ok, report = run_pass(app, settings, policy, worker_id=worker_id, stop=stop)
            if once or report.handled:
                click.echo(f"email: {report.line()}")
            if once:
                if not ok:
                    raise SystemExit(1)
                break
            stop.wait(pause)
    logger.info("worker %s stopped", worker_id)
