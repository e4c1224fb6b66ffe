"""The mail server's pipe transport: store the one message on stdin, and exit (``zi-mail-ingest``).

A mail server starts one process per message and waits for it, so start-up is the cost that
matters: this entry point builds the portal's core only (configuration, database, translations;
``create_app(web=False)``), never the web side, the ``flask`` command line or its plug-ins.
The message goes through the same ``deliver`` as ``flask --app portal mail ingest``: the same
one-line answer on stdout and the same exit codes (0 when the message was stored, ignored,
held or already known; 75, EX_TEMPFAIL, when it could not be stored, so the mail server keeps
it and tries again). Because only exit code 75 means "try again", a configuration that cannot
even start answers 75 too: a mistake in the settings must not bounce citizens' mail.

Run as ``zi-mail-ingest`` (a console script) or ``python -m portal.mail.pipe``.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, NoReturn, TextIO

if TYPE_CHECKING:  # the heavy imports wait until ``main`` has switched the collector off
    from sqlalchemy.orm import Session

    from .ingest import MailSettings

logger = logging.getLogger(__name__)

EX_OK = 0
EX_TEMPFAIL = 75  # sysexits.h: the mail server keeps the message and tries again


@dataclass(frozen=True)
class Delivery:
    """What a pipe delivery answers: an exit code and one line for stdout or stderr."""

    exit_code: int
    line: str

    @property
    def stored(self) -> bool:
        """Tell whether the message was taken (the line goes to stdout, else to stderr)."""
        return self.exit_code == EX_OK


def deliver(session: Session, raw: bytes, settings: MailSettings) -> Delivery:
    """Ingest one raw message in its own transaction; a database failure answers EX_TEMPFAIL."""
    from sqlalchemy.exc import SQLAlchemyError

    from .ingest import ingest_mail

    try:
        result = ingest_mail(session, raw, settings)
        session.commit()
    except SQLAlchemyError as exc:
        session.rollback()
        return Delivery(
            EX_TEMPFAIL,
            f"tempfail: the message could not be stored ({exc.__class__.__name__})",
        )
    except Exception as exc:  # noqa: BLE001 - a full disk or a bug: keep the mail, not bounce it
        # Any exit code but 0 and 75 makes the mail server bounce the citizen's message for good;
        # unreadable mail is already quarantined by ingest_mail, so what lands here is ours.
        session.rollback()
        logger.exception("mail pipe: the message could not be stored")
        return Delivery(
            EX_TEMPFAIL,
            f"tempfail: the message could not be stored ({exc.__class__.__name__})",
        )
    return Delivery(EX_OK, result.line())


def main(stdin: BinaryIO | None = None, stdout: TextIO | None = None) -> int:
    """Store the message read from ``stdin``, print the one-line answer, return the exit code."""
    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout
    raw = stdin.read()
    from config import ConfigError

    from .. import create_app
    from ..services.calendar import CalendarConfigError
    from .ingest import MailSettings

    try:
        app = create_app(web=False)
        settings = MailSettings.from_config(app.config)
    except (ConfigError, CalendarConfigError) as exc:
        print(f"tempfail: configuration: {exc}", file=sys.stderr)
        return EX_TEMPFAIL
    with app.app_context():
        from models import db

        try:
            done = deliver(db.session, raw, settings)
        finally:
            db.session.remove()
            db.engine.dispose()  # close the connection cleanly before the fast exit
    print(done.line, file=stdout if done.stored else sys.stderr)
    return done.exit_code


def run() -> NoReturn:
    """Console-script entry: ``main`` without the collector, then exit without the teardown.

    A one-shot process gains nothing from garbage collection while it imports thousands of
    objects, nor from the interpreter freeing every module on the way out (together a third of
    the wall time); the transaction is committed and the connection closed before the exit.
    """
    gc.disable()
    code = main()  # deliver() turns a failure into 75; what escapes it leaves with a traceback
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
