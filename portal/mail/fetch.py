"""Read an IMAP mailbox: take unseen messages, store each, and only then mark it done.

A message is marked \\Seen (or moved to the processed folder) strictly after its complaint is
committed, so a crash or a database outage leaves it unseen and it is read again next time;
redelivery is harmless because ingestion treats a Message-ID it has seen as a duplicate.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from imapclient import IMAPClient
from sqlalchemy.exc import SQLAlchemyError

from models import db

from .ingest import MailSettings, ingest_mail

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IMAPSettings:
    """Where the portal's mailbox is."""

    host: str
    port: int
    security: str  # tls | starttls | none
    username: str
    password: str
    mailbox: str = "INBOX"
    processed_folder: str | None = None
    timeout: int = 30

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> IMAPSettings:
        """Read the settings from the app's configuration."""
        if not config.get("IMAP_HOST"):
            raise RuntimeError("ZI_IMAP_HOST is not set")
        return cls(
            host=config["IMAP_HOST"],
            port=int(config["IMAP_PORT"]),
            security=(config.get("IMAP_SECURITY") or "tls").lower(),
            username=config.get("IMAP_USERNAME") or "",
            password=config.get("IMAP_PASSWORD") or "",
            mailbox=config.get("IMAP_MAILBOX") or "INBOX",
            processed_folder=config.get("IMAP_PROCESSED_FOLDER"),
        )


@dataclass
class FetchReport:
    """Counts of one pass over the mailbox."""

    outcomes: dict[str, int] = field(default_factory=dict)
    failed: int = 0

    def add(self, outcome: str) -> None:
        """Count one message's outcome."""
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def line(self) -> str:
        """Return a one-line summary."""
        parts = [f"{k}={v}" for k, v in sorted(self.outcomes.items())]
        return " ".join(parts + [f"failed={self.failed}"]) if parts or self.failed else "no mail"


@contextmanager
def connect(settings: IMAPSettings) -> Iterator[IMAPClient]:
    """Open an authenticated IMAP connection with the configured transport security."""
    context = ssl.create_default_context()
    client = IMAPClient(
        settings.host,
        port=settings.port,
        ssl=settings.security == "tls",
        ssl_context=context if settings.security == "tls" else None,
        timeout=settings.timeout,
    )
    try:
        if settings.security == "starttls":
            client.starttls(context)
        client.login(settings.username, settings.password)
        yield client
    finally:
        try:
            client.logout()
        except Exception:  # noqa: BLE001 - the connection may already be gone
            logger.debug("IMAP logout failed", exc_info=True)


def _done(client: IMAPClient, uid: int, settings: IMAPSettings) -> None:
    if settings.processed_folder:
        if client.has_capability("MOVE"):
            client.move([uid], settings.processed_folder)
        else:
            client.copy([uid], settings.processed_folder)
            client.delete_messages([uid])
            client.expunge()
    else:
        client.add_flags([uid], [b"\\Seen"])


def fetch_with(client: IMAPClient, imap: IMAPSettings, mail: MailSettings) -> FetchReport:
    """Ingest every unseen message in the selected mailbox, one transaction each."""
    report = FetchReport()
    client.select_folder(imap.mailbox)
    if imap.processed_folder and not client.folder_exists(imap.processed_folder):
        client.create_folder(imap.processed_folder)
    for uid in client.search(["UNSEEN"]):
        fetched = client.fetch([uid], ["BODY.PEEK[]"]).get(uid)  # PEEK: not \Seen yet
        if not fetched or b"BODY[]" not in fetched:
            continue
        try:
            result = ingest_mail(db.session, fetched[b"BODY[]"], mail)
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            report.failed += 1
            logger.exception("mail uid=%s not stored; it stays unseen for the next pass", uid)
            break  # the database is the problem: stop, keep the rest unseen
        _done(client, uid, imap)
        report.add(result.outcome)
    return report


def fetch_once(app: Flask) -> FetchReport:
    """Connect, ingest all unseen mail, and disconnect (used by the worker)."""
    imap = IMAPSettings.from_config(app.config)
    with app.app_context(), connect(imap) as client:
        return fetch_with(client, imap, MailSettings.from_config(app.config))


def wait_for_mail(client: IMAPClient, seconds: int) -> None:
    """Block until new mail arrives or ``seconds`` pass (IDLE where the server has it)."""
    if not client.has_capability("IDLE"):
        import time

        time.sleep(seconds)
        return
    client.idle()
    try:
        client.idle_check(timeout=seconds)
    finally:
        client.idle_done()
