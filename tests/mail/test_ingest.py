"""Ingestion: one raw mail → a complaint, a follow-up, a duplicate, or held/ignored, never lost."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from models import (
    AuditEntry,
    Complaint,
    OutboundMessage,
    QuarantinedMessage,
    RawSource,
)
from models.enums import Channel, ComplaintStatus, OutboundStatus, QuarantineStatus, Role
from portal.mail.ingest import MailSettings, ingest_mail, release_quarantined
from portal.services import quarantine
from portal.services.errors import NotPermitted
from tests.factories import gen_user, photo_with_gps

ROOT = Path(__file__).resolve().parents[2]
CITIZEN = "warga@contoh.test"


def mail(subject="Pungli di kantor kecamatan", body=None, sender=CITIZEN, **headers) -> bytes:
    message = EmailMessage()
    message["From"] = f"Warga Jujur <{sender}>"
    message["To"] = "pengaduan@zi-portal.invalid"
    message["Subject"] = subject
    message["Message-ID"] = headers.pop("message_id", make_msgid(domain="contoh.test"))
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body or "Petugas meminta uang Rp100.000 untuk surat pindah.\n")
    return bytes(message)


@pytest.fixture
def settings(app):
    return MailSettings.from_config(app.config)


def ingest(session, settings, raw):
    result = ingest_mail(session, raw, settings)
    session.commit()
    return result


def complaint(session, code) -> Complaint:
    return session.scalar(sa.select(Complaint).where(Complaint.code == code))


def test_a_mail_becomes_a_complaint_with_its_raw_source(session, settings):
    raw = mail()
    result = ingest(session, settings, raw)
    assert result.outcome == "created" and result.line().startswith("created ZI-")
    filed = complaint(session, result.detail)
    assert filed.channel == Channel.EMAIL and filed.category is None
    assert filed.reporter_email == CITIZEN and filed.reporter_name == "Warga Jujur"
    assert filed.title == "Pungli di kantor kecamatan" and "Rp100.000" in filed.body
    message = filed.messages[0]
    assert session.get(RawSource, message.raw_source_id).content == raw


def test_the_acknowledgement_threads_under_the_reporters_mail(session, settings):
    raw = mail(message_id="<asal-1@contoh.test>")
    code = ingest(session, settings, raw).detail
    ack = session.scalar(sa.select(OutboundMessage))
    assert ack.recipient == CITIZEN and f"[{code}]" in ack.subject
    assert ack.headers["In-Reply-To"] == "<asal-1@contoh.test>"
    assert ack.headers["Auto-Submitted"] == "auto-replied"
    assert "Balas email ini" in ack.body


def test_english_mail_gets_an_english_acknowledgement(session, settings):
    body = "The officer asked me for money before he would process my permit. I refused."
    ingest(session, settings, mail(subject="Bribe request at the permit office", body=body))
    ack = session.scalar(sa.select(OutboundMessage))
    assert "has been received" in ack.subject


def test_the_same_message_twice_is_a_duplicate(session, settings):
    raw = mail()
    first = ingest(session, settings, raw)
    again = ingest(session, settings, raw)
    assert again.outcome == "duplicate" and again.detail == first.detail
    assert session.scalar(sa.select(sa.func.count(Complaint.id))) == 1


def test_a_reply_to_our_mail_threads_into_the_complaint(session, settings):
    code = ingest(session, settings, mail()).detail
    ack = session.scalar(sa.select(OutboundMessage))
    reply = mail(
        subject=f"Re: [{code}] Pengaduan Anda telah diterima",
        body="Ini nama petugasnya: Pak B.\n\nOn Mon, ZI Portal wrote:\n> Terima kasih.\n",
        In_Reply_To=ack.message_id,
        References=ack.message_id,
    )
    result = ingest(session, settings, reply)
    assert result.line() == f"appended {code}"
    thread = complaint(session, code).messages
    assert len(thread) == 2 and thread[1].body.startswith("Ini nama petugasnya")
    assert "Terima kasih." not in thread[1].body  # the quoted acknowledgement was trimmed


def test_the_code_in_the_subject_threads_only_for_the_reporter(session, settings):
    code = ingest(session, settings, mail()).detail
    own = ingest(session, settings, mail(subject=f"Tambahan [{code}]", body="Bukti menyusul."))
    assert own.line() == f"appended {code}"
    stranger = ingest(
        session,
        settings,
        mail(
            subject=f"Re: [{code}]",
            sender="orang@lain.test",
            body="Saya juga melihat kejadian itu.",
        ),
    )
    assert stranger.outcome == "created" and stranger.detail != code
    assert code in complaint(session, stranger.detail).body
    assert len(complaint(session, code).messages) == 2


def test_a_copied_message_id_from_a_stranger_opens_a_new_complaint(session, settings):
    code = ingest(session, settings, mail()).detail
    ack = session.scalar(sa.select(OutboundMessage))
    intruder = mail(
        sender="penyusup@lain.test", In_Reply_To=ack.message_id, body="Tulisan orang lain"
    )
    result = ingest(session, settings, intruder)
    assert result.outcome == "created" and result.detail != code


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"X_Autoreply": "yes"},
        {"Precedence": "bulk"},
        {"List_Id": "<berita.contoh.test>"},
    ],
)
def test_automatic_mail_files_nothing_and_gets_no_answer(session, settings, headers):
    result = ingest(session, settings, mail(subject="Out of office", **headers))
    assert result.outcome == "ignored"
    assert session.scalar(sa.select(sa.func.count(Complaint.id))) == 0
    assert session.scalar(sa.select(sa.func.count(OutboundMessage.id))) == 0


def test_a_bounce_marks_the_outbound_message_failed(session, settings):
    ingest(session, settings, mail())
    ack = session.scalar(sa.select(OutboundMessage))
    bounce = EmailMessage()
    bounce["From"] = "Mail Delivery System <MAILER-DAEMON@mx.contoh.test>"
    bounce["To"] = "pengaduan@zi-portal.invalid"
    bounce["Subject"] = "Undelivered Mail Returned to Sender"
    bounce["Message-ID"] = make_msgid(domain="mx.contoh.test")
    bounce.set_content("This is the mail system. Your message could not be delivered.")
    bounce.add_attachment(
        f"Message-ID: {ack.message_id}\nTo: {CITIZEN}\n".encode(),
        maintype="text",
        subtype="rfc822-headers",
    )
    bounce.replace_header(
        "Content-Type",
        f'multipart/report; report-type=delivery-status; boundary="{bounce.get_boundary()}"',
    )
    result = ingest(session, settings, bytes(bounce))
    assert result.line() == "ignored bounce"
    session.refresh(ack)
    assert ack.status == OutboundStatus.GAGAL and ack.last_error.startswith("bounce")


def test_mail_from_our_own_address_is_ignored(session, settings):
    result = ingest(session, settings, mail(sender="pengaduan@zi-portal.invalid"))
    assert result.line() == "ignored own-address"


def test_unreadable_mail_is_held_raw_and_not_twice(session, settings, app):
    garbage = b"\x00\x01\x02 not a mail at all \xff" * 10
    first = ingest(session, settings, garbage)
    assert first.outcome == "quarantined"
    item = session.scalar(sa.select(QuarantinedMessage))
    assert quarantine.raw_bytes(item, app.config["UPLOAD_DIR"]) == garbage
    assert ingest(session, settings, garbage).line() == f"duplicate quarantine-{item.id}"


def test_too_large_mail_is_held(session, settings, app):
    small = MailSettings(settings.intake, settings.own_addresses, 10_000, 5)
    result = ingest(session, small, mail(body="x" * 20_000))
    assert result.line() == "quarantined too-large"


def test_attachments_go_through_the_evidence_pipeline(session, settings, app):
    from portal.services.evidence import viewable_path

    message = EmailMessage()
    message["From"] = CITIZEN
    message["To"] = "pengaduan@zi-portal.invalid"
    message["Subject"] = "Foto loket"
    message["Message-ID"] = make_msgid()
    message.set_content("Foto terlampir.")
    message.add_attachment(photo_with_gps(), maintype="image", subtype="jpeg", filename="loket.jpg")
    message.add_attachment(
        b"MZ\x90\x00" + b"\x00" * 300,
        maintype="application",
        subtype="octet-stream",
        filename="hadiah.exe",
    )
    code = ingest(session, settings, bytes(message)).detail
    filed = complaint(session, code)
    attachments = filed.messages[0].attachments
    assert [a.original_filename for a in attachments] == ["loket.jpg"]
    assert not Image.open(viewable_path(attachments[0], app.config["UPLOAD_DIR"])).getexif()
    assert "hadiah.exe" in filed.body  # the refusal is written into the thread


def test_acknowledgements_to_one_sender_are_capped(session, settings):
    for i in range(7):
        ingest(session, settings, mail(subject=f"Laporan nomor {i}"))
    assert session.scalar(sa.select(sa.func.count(OutboundMessage.id))) == 5
    assert session.scalar(sa.select(sa.func.count(Complaint.id))) == 7


def test_a_reply_to_a_long_closed_complaint_opens_a_new_one(session, settings):
    code = ingest(session, settings, mail()).detail
    filed = complaint(session, code)
    filed.status = ComplaintStatus.SELESAI
    filed.closed_at = datetime.now(UTC) - timedelta(days=120)
    session.commit()
    result = ingest(session, settings, mail(subject=f"Re: [{code}]", body="Terjadi lagi."))
    assert result.outcome == "created" and code in complaint(session, result.detail).body


def test_held_mail_can_be_released_or_discarded_by_an_inspector(session, settings, app):
    ingest(session, settings, b"\x00garbage one\xff" * 5)
    ingest(session, settings, b"\x00garbage two\xff" * 5)
    first, second = session.scalars(sa.select(QuarantinedMessage).order_by(QuarantinedMessage.id))
    inspector = gen_user(session, Role.INSPEKTUR)
    with pytest.raises(NotPermitted):
        quarantine.discard(session, first, actor=gen_user(session, Role.ADMIN_ZI))
    released = release_quarantined(session, first, actor=inspector, settings=settings)
    quarantine.discard(session, second, actor=inspector)
    session.commit()
    assert first.status == QuarantineStatus.DILEPAS and first.complaint_id == released.id
    assert second.status == QuarantineStatus.DIBUANG
    actions = set(session.scalars(sa.select(AuditEntry.action)))
    assert {"karantina.dilepas", "karantina.dibuang"} <= actions


def run_cli(args, raw: bytes, database_url: str, upload_dir: str):
    flask = Path(sys.executable).with_name("flask")
    env = {
        **os.environ,
        "ZI_DATABASE_URL": database_url,
        "ZI_UPLOAD_DIR": upload_dir,
        "ZI_ENV": "development",
        "ZI_DEMO_MODE": "0",
    }
    return subprocess.run(
        [str(flask), "--app", "portal", *args],
        input=raw,
        env=env,
        capture_output=True,
        timeout=60,
        cwd=ROOT,
    )


def test_pipe_ingest_prints_one_line(session, database_url, app):
    done = run_cli(["mail", "ingest"], mail(), database_url, app.config["UPLOAD_DIR"])
    assert done.returncode == 0, done.stderr
    line = done.stdout.decode().strip()
    assert line.startswith("created ZI-")
    assert complaint(session, line.split()[1]) is not None


def test_pipe_ingest_with_the_database_down_asks_the_mail_server_to_retry(app, tmp_path):
    down = "postgresql+psycopg://nobody:nothing@127.0.0.1:1/none?connect_timeout=2"
    done = run_cli(["mail", "ingest"], mail(), down, str(tmp_path))
    assert done.returncode == 75
    assert done.stdout == b"" and b"tempfail" in done.stderr
