"""Read an IMAP mailbox: take unseen messages, store each, and only then mark it done.

A message is marked \\Seen (or moved to the processed folder) strictly after its complaint is
committed, so a crash or a database outage leaves it unseen and it is read again next time;
redelivery is harmless because ingestion treats a Message-ID (or the same bytes) it has seen
as a duplicate. Round trips are what a pass costs besides the database, so messages are
fetched a batch at a time (bounded in count and bytes, sizes asked first) and each batch's
committed messages are marked done with one command.
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


BATCH_MESSAGES = 50  # messages per FETCH: few round trips …
BATCH_BYTES = 32 * 1024 * 1024  # … and never many large messages in memory at once


def _done(client: IMAPClient, uids: list[int], settings: IMAPSettings) -> None:
    """Mark messages whose outcome is committed as done: moved, or flagged \\Seen."""
    if not uids:
        return
    if settings.processed_folder:
        if client.has_capability("MOVE"):
            client.move(uids, settings.processed_folder)
        else:
            client.copy(uids, settings.processed_folder)
            client.delete_messages(uids)
            client.expunge()
    else:
        client.add_flags(uids, [b"\\Seen"])


def _batches(client: IMAPClient, uids: list[int]) -> Iterator[list[int]]:
    """Group ``uids`` (in order) into batches of at most BATCH_MESSAGES and BATCH_BYTES."""
    sizes: dict = {}
    for start in range(0, len(uids), 1000):  # keep each command line short
        sizes.update(client.fetch(uids[start : start + 1000], ["RFC822.SIZE"]))
    batch: list[int] = []
    total = 0
    for uid in uids:
        size = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
        if batch and (len(batch) >= BATCH_MESSAGES or total + size > BATCH_BYTES):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        yield batch


def fetch_with(client: IMAPClient, imap: IMAPSettings, mail: MailSettings) -> FetchReport:
    """Ingest every unseen message in the selected mailbox, one transaction each."""
    report = FetchReport()
    client.select_folder(imap.mailbox)
    if imap.processed_folder and not client.folder_exists(imap.processed_folder):
        client.create_folder(imap.processed_folder)
    for batch in _batches(client, client.search(["UNSEEN"])):
        fetched = client.fetch(batch, ["BODY.PEEK[]"])  # PEEK: not \Seen yet
        stored: list[int] = []  # committed in this batch, not yet marked done
        for uid in batch:
            raw = fetched.get(uid, {}).get(b"BODY[]")
            if raw is None:
                continue  # expunged by someone else in the meantime
            try:
                result = ingest_mail(db.session, raw, mail)
                db.session.commit()
            except SQLAlchemyError:
                db.session.rollback()
                report.failed += 1
                logger.exception("mail uid=%s not stored; it stays unseen for the next pass", uid)
                _done(client, stored, imap)
                return report  # the database is the problem: stop, keep the rest unseen
            stored.append(uid)
            report.add(result.outcome)
        _done(client, stored, imap)
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
