"""The fast pipe path: scripts/zi-mail-spool writes, the worker stores, nothing is lost."""

from __future__ import annotations

import os
import subprocess
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from models import Complaint
from portal.cli.worker import worker_command

WRITER = Path(__file__).resolve().parents[2] / "scripts" / "zi-mail-spool"


def a_mail(subject="Pungli di loket") -> bytes:
    message = EmailMessage()
    message["From"] = "warga@contoh.test"
    message["To"] = "pengaduan@zi-portal.invalid"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="contoh.test")
    message.set_content("Petugas meminta uang untuk mempercepat layanan.")
    return bytes(message)


def spool(raw: bytes, directory: Path) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", ""), "ZI_MAIL_SPOOL_DIR": str(directory)}
    return subprocess.run([str(WRITER)], input=raw, env=env, capture_output=True, timeout=30)


def test_the_writer_leaves_whole_messages_in_new(tmp_path):
    raw = a_mail()
    done = spool(raw, tmp_path)
    assert done.returncode == 0 and done.stdout.startswith(b"spooled ")
    (written,) = (tmp_path / "new").iterdir()
    assert written.read_bytes() == raw and list((tmp_path / "tmp").iterdir()) == []


def test_an_unwritable_spool_asks_the_mail_server_to_retry(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    done = spool(a_mail(), blocker)
    assert done.returncode == 75 and b"tempfail" in done.stderr


def test_the_worker_stores_spooled_mail_and_empties_the_spool(app, session, tmp_path):
    spool(a_mail("Laporan lewat spool"), tmp_path)
    saved = app.config["MAIL_SPOOL_DIR"]
    app.config["MAIL_SPOOL_DIR"] = str(tmp_path)
    try:
        result = app.test_cli_runner().invoke(worker_command, ["--once"])
    finally:
        app.config["MAIL_SPOOL_DIR"] = saved
    assert result.exit_code == 0, result.output
    assert session.scalar(sa.select(Complaint.title)) == "Laporan lewat spool"
    assert list((tmp_path / "new").iterdir()) == []


def test_with_the_database_down_spooled_mail_waits(app, session, tmp_path, monkeypatch):
    from portal.mail import spool as spool_module
    from portal.mail.ingest import MailSettings

    spool(a_mail(), tmp_path)

    def database_down(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(spool_module, "ingest_mail", database_down)
    report = spool_module.ingest_spool(session, MailSettings.from_config(app.config), tmp_path)
    assert report.failed == 1 and len(list((tmp_path / "new").iterdir())) == 1
