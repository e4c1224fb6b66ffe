"""Ingest the mail spool that `scripts/zi-mail-spool` fills (maildir-like: new/ holds whole
messages). Each message is stored in its own transaction and its file removed only after the
commit; a database outage leaves the rest in the spool for the next pass."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from .fetch import FetchReport
from .ingest import MailSettings, ingest_mail

logger = logging.getLogger(__name__)


def ingest_spool(
    session: Session, settings: MailSettings, spool_dir: str | Path, *, limit: int = 500
) -> FetchReport:
    """Store up to ``limit`` spooled messages, oldest first; return the outcomes."""
    report = FetchReport()
    incoming = Path(spool_dir) / "new"
    if not incoming.is_dir():
        return report
    for path in sorted(incoming.glob("*.eml"))[:limit]:
        try:
            raw = path.read_bytes()
        except OSError:
            continue  # taken by another worker in the meantime
        try:
            result = ingest_mail(session, raw, settings)
            session.commit()
        except SQLAlchemyError:
            session.rollback()
            report.failed += 1
            logger.exception("spooled mail %s not stored; it stays for the next pass", path.name)
            break
        path.unlink(missing_ok=True)
        report.add(result.outcome)
    return report
