"""IMAP fetch in batches: few round trips, and still nothing marked done before its commit."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from models import Complaint
from portal.mail import fetch
from portal.mail.fetch import fetch_once

CITIZEN = "warga@contoh.test"


@pytest.fixture
def wired(app, imap_server):
    """Point the portal at the test IMAP mailbox for one test."""
    saved = dict(app.config)
    app.config.update(
        IMAP_HOST=imap_server["host"],
        IMAP_PORT=imap_server["port"],
        IMAP_SECURITY="none",
        IMAP_USERNAME=imap_server["user"],
        IMAP_PASSWORD=imap_server["password"],
    )
    yield app
    app.config.clear()
    app.config.update(saved)


def citizen_mail(n: int) -> bytes:
    message = EmailMessage()
    message["From"] = f"Warga <{CITIZEN}>"
    message["To"] = "pengaduan@zi-portal.test"
    message["Subject"] = f"Laporan nomor {n}"
    message["Message-ID"] = make_msgid(domain="contoh.test")
    message.set_content(f"Isi laporan nomor {n} tentang pelayanan yang lambat.")
    return bytes(message)


def subjects_unseen(mailbox) -> list[str]:
    mailbox.select_folder("INBOX")
    uids = mailbox.search(["UNSEEN"])
    found = mailbox.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"]) if uids else {}
    return sorted(
        v[b"BODY[HEADER.FIELDS (SUBJECT)]"].decode().split(":", 1)[1].strip()
        for v in found.values()
    )


@pytest.mark.parametrize("processed_folder", [None, "Diproses"])
def test_more_mail_than_a_batch_is_all_stored_and_all_marked_done(
    wired, mailbox, session, monkeypatch, processed_folder
):
    monkeypatch.setattr(fetch, "BATCH_MESSAGES", 2)
    wired.config["IMAP_PROCESSED_FOLDER"] = processed_folder
    for n in range(5):
        mailbox.append("INBOX", citizen_mail(n))
    report = fetch_once(wired)
    assert report.line() == "created=5 failed=0"
    assert session.scalar(sa.select(sa.func.count(Complaint.id))) == 5
    assert subjects_unseen(mailbox) == []
    if processed_folder:
        assert mailbox.search(["ALL"]) == []
        mailbox.select_folder(processed_folder)
        assert len(mailbox.search(["ALL"])) == 5


def test_a_database_failure_mid_batch_leaves_only_the_uncommitted_mail_unseen(
    wired, mailbox, session, monkeypatch
):
    for n in range(5):
        mailbox.append("INBOX", citizen_mail(n))
    real = fetch.ingest_mail
    calls = []

    def failing_third(session_, raw, settings):
        calls.append(raw)
        if len(calls) == 3:
            raise OperationalError("INSERT", {}, Exception("database went away"))
        return real(session_, raw, settings)

    monkeypatch.setattr(fetch, "ingest_mail", failing_third)
    report = fetch_once(wired)
    assert report.line() == "created=2 failed=1"
    assert session.scalar(sa.select(sa.func.count(Complaint.id))) == 2
    assert subjects_unseen(mailbox) == ["Laporan nomor 2", "Laporan nomor 3", "Laporan nomor 4"]
    monkeypatch.setattr(fetch, "ingest_mail", real)
    assert fetch_once(wired).line() == "created=3 failed=0"  # the next pass takes the rest
    assert subjects_unseen(mailbox) == []


class SizedMailbox:
    """Answers the size request of ``_batches`` like an IMAP server, and records the requests."""

    def __init__(self, sizes: dict[int, int]):
        self.sizes = sizes
        self.requests: list[list[int]] = []

    def fetch(self, uids, data):
        assert data == ["RFC822.SIZE"]
        self.requests.append(list(uids))
        return {uid: {b"RFC822.SIZE": self.sizes[uid]} for uid in uids if uid in self.sizes}


def test_batches_are_bounded_in_count_and_bytes_and_keep_the_order(monkeypatch):
    monkeypatch.setattr(fetch, "BATCH_MESSAGES", 3)
    monkeypatch.setattr(fetch, "BATCH_BYTES", 100)
    sizes = {1: 10, 2: 10, 3: 10, 4: 10, 5: 95, 6: 500, 7: 10, 8: 10}
    batches = list(fetch._batches(SizedMailbox(sizes), list(sizes)))
    assert batches == [[1, 2, 3], [4], [5], [6], [7, 8]]  # a huge one goes alone


def test_the_sizes_are_asked_in_bounded_commands():
    mailbox = SizedMailbox({uid: 1 for uid in range(1, 2501)})
    batches = list(fetch._batches(mailbox, list(range(1, 2501))))
    assert [len(r) for r in mailbox.requests] == [1000, 1000, 500]
    assert sum(batches, []) == list(range(1, 2501))
    assert list(fetch._batches(mailbox, [])) == []
