"""The whole email loop against real servers: Dovecot (IMAP) in, aiosmtpd (SMTP) out."""

from __future__ import annotations

import os
import subprocess
import sys
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
import sqlalchemy as sa

from models import Complaint
from models.enums import Role
from portal.cli.worker import worker_command
from portal.services.replies import reply_to_reporter
from tests.factories import gen_user

ROOT = Path(__file__).resolve().parents[2]
CITIZEN = "warga@contoh.test"


@pytest.fixture
def wired(app, imap_server, smtp_server):
    """Point the portal at the test IMAP mailbox and SMTP server for one test."""
    saved = dict(app.config)
    app.config.update(
        IMAP_HOST=imap_server["host"],
        IMAP_PORT=imap_server["port"],
        IMAP_SECURITY="none",
        IMAP_USERNAME=imap_server["user"],
        IMAP_PASSWORD=imap_server["password"],
        SMTP_HOST=smtp_server.host,
        SMTP_PORT=smtp_server.port,
        SMTP_SECURITY="none",
    )
    yield app
    app.config.clear()
    app.config.update(saved)


def citizen_mail(subject: str, body: str, reply_to=None) -> bytes:
    message = EmailMessage()
    message["From"] = f"Warga <{CITIZEN}>"
    message["To"] = "pengaduan@zi-portal.test"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="contoh.test")
    if reply_to is not None:
        message["In-Reply-To"] = reply_to["Message-ID"]
        message["References"] = " ".join(
            filter(None, [reply_to.get("References"), reply_to["Message-ID"]])
        )
    message.set_content(body)
    return bytes(message)


def run_worker(app) -> str:
    result = app.test_cli_runner().invoke(worker_command, ["--once"])
    assert result.exit_code == 0, result.output
    return result.output


def test_mail_in_answers_out_replies_threaded(wired, mailbox, smtp_server, session):
    # 1. A citizen writes to the portal's address.
    mailbox.append(
        "INBOX",
        citizen_mail("Pungli di loket KTP", "Petugas meminta Rp50.000 agar KTP cepat jadi."),
    )
    run_worker(wired)
    complaint = session.scalar(sa.select(Complaint))
    assert complaint is not None and complaint.reporter_email == CITIZEN
    mailbox.noop()  # another session changed the flags: let this one see them
    assert mailbox.search(["UNSEEN"]) == []  # marked \Seen only after the commit

    # 2. The acknowledgement arrives, with the code in the subject and our Message-ID.
    (ack,) = smtp_server.received
    assert ack.rcpt_tos == (CITIZEN,) and f"[{complaint.code}]" in ack.message["Subject"]
    assert ack.message["Auto-Submitted"] == "auto-replied"

    # 3. The citizen answers the acknowledgement: threaded into the same complaint.
    mailbox.append(
        "INBOX",
        citizen_mail(
            f"Re: {ack.message['Subject']}",
            "Namanya Pak Budi, loket 3.\n\n> Terima kasih.",
            reply_to=ack.message,
        ),
    )
    run_worker(wired)
    complaint = session.scalar(sa.select(Complaint))
    assert [m.body for m in complaint.messages][-1] == "Namanya Pak Budi, loket 3."

    # 4. An inspector answers; the reply goes out threaded under the citizen's mail.
    inspector = gen_user(session, Role.INSPEKTUR)
    reply_to_reporter(
        session,
        complaint,
        body="Terima kasih, kami periksa minggu ini.",
        author=inspector,
        config=wired.config,
    )
    session.commit()
    last_inbound = complaint.messages[1].message_id
    run_worker(wired)
    answer = smtp_server.received[-1].message
    assert answer["In-Reply-To"] == last_inbound
    assert "kami periksa minggu ini" in answer.get_content()

    # 5. The citizen answers the inspector: threaded again.
    mailbox.append(
        "INBOX", citizen_mail(f"Re: {answer['Subject']}", "Baik, saya tunggu.", reply_to=answer)
    )
    run_worker(wired)
    (complaint,) = session.scalars(sa.select(Complaint)).all()
    assert complaint.messages[-1].body == "Baik, saya tunggu."
    assert len(smtp_server.received) == 2  # follow-ups are not acknowledged again


def test_fetch_moves_done_mail_to_the_processed_folder(wired, mailbox, session):
    wired.config["IMAP_PROCESSED_FOLDER"] = "Diproses"
    mailbox.append("INBOX", citizen_mail("Laporan", "Isi laporan tentang pelayanan."))
    run_worker(wired)
    mailbox.noop()
    assert mailbox.search(["ALL"]) == []
    mailbox.select_folder("Diproses")
    assert len(mailbox.search(["ALL"])) == 1


def test_with_the_database_down_the_mail_stays_unseen(wired, mailbox, imap_server, tmp_path):
    mailbox.append("INBOX", citizen_mail("Laporan", "Isi laporan tentang pelayanan."))
    flask = Path(sys.executable).with_name("flask")
    env = {
        **os.environ,
        "ZI_ENV": "development",
        "ZI_UPLOAD_DIR": str(tmp_path),
        "ZI_DATABASE_URL": "postgresql+psycopg://nobody:x@127.0.0.1:1/none?connect_timeout=2",
        "ZI_IMAP_HOST": imap_server["host"],
        "ZI_IMAP_PORT": str(imap_server["port"]),
        "ZI_IMAP_SECURITY": "none",
        "ZI_IMAP_USERNAME": imap_server["user"],
        "ZI_IMAP_PASSWORD": imap_server["password"],
    }
    done = subprocess.run(
        [str(flask), "--app", "portal", "mail", "fetch"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert "failed=1" in done.stdout, done.stderr
    mailbox.select_folder("INBOX")
    assert len(mailbox.search(["UNSEEN"])) == 1  # not lost: read again next time


def test_fetch_command_reports_what_it_did(wired, mailbox):
    mailbox.append("INBOX", citizen_mail("Laporan satu", "Isi laporan pertama yang jelas."))
    mailbox.append("INBOX", b"\x00\x01 bukan email \xff" * 20)
    result = wired.test_cli_runner().invoke(args=["mail", "fetch"])
    assert result.exit_code == 0, result.output
    assert "created=1" in result.output and "quarantined=1" in result.output


def test_watch_wakes_up_on_new_mail_through_idle(app, imap_server, mailbox, database_url, session):
    import time

    flask = Path(sys.executable).with_name("flask")
    env = {
        **os.environ,
        "ZI_ENV": "development",
        "ZI_DATABASE_URL": database_url,
        "ZI_UPLOAD_DIR": app.config["UPLOAD_DIR"],
        "ZI_IMAP_HOST": imap_server["host"],
        "ZI_IMAP_PORT": str(imap_server["port"]),
        "ZI_IMAP_SECURITY": "none",
        "ZI_IMAP_USERNAME": imap_server["user"],
        "ZI_IMAP_PASSWORD": imap_server["password"],
    }
    watcher = subprocess.Popen(
        [str(flask), "--app", "portal", "mail", "fetch", "--watch", "--interval", "120"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert watcher.stdout.readline().strip() == "no mail"  # first pass done; now idling
        mailbox.append("INBOX", citizen_mail("Laporan via IDLE", "Isi laporan yang cukup jelas."))
        started = time.monotonic()
        assert watcher.stdout.readline().strip().startswith("created=1")
        assert time.monotonic() - started < 30  # woken by IDLE, not by the 120 s interval
        assert session.scalar(sa.select(Complaint.title)) == "Laporan via IDLE"
    finally:
        watcher.terminate()
        watcher.wait(10)
