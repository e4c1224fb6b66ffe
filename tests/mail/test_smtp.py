"""Outbound email over a real SMTP server (aiosmtpd on loopback): what goes out, and when."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.smtp import AuthResult

from models import OutboundMessage
from models.base import utcnow
from models.enums import OutboundChannel, OutboundStatus
from portal.mail.smtp import (
    SMTPSettings,
    UnsafeMessage,
    build_email,
    deliver_email_batch,
    send_email,
)
from portal.services.delivery import (
    ChannelUnavailable,
    PermanentFailure,
    RetryPolicy,
    TemporaryFailure,
    claim_due,
)
from portal.services.outbox import queue_email

ROOT = Path(__file__).resolve().parents[2]
MAIL_FROM = "ZI Portal <pengaduan@zi-portal.test>"  # as the smtp_server fixture's settings
REPORTER = "warga@contoh.test"
THEIR_MAIL = "<CAF3kq=8x+Yz@mail.contoh.test>"
EARLIER = "<awal.123@mail.contoh.test>"


def queue_ack(session, *, to: str = REPORTER, **overrides) -> OutboundMessage:
    values = dict(
        subject="[ZI-7K3M-Q9PD] Pengaduan Anda telah kami terima",
        body="Terima kasih. Kode pelacakan Anda: ZI-7K3M-Q9PD.\n",
        mail_from=MAIL_FROM,
        automatic=True,
        in_reply_to=THEIR_MAIL,
        references=[EARLIER],
    )
    message = queue_email(session, to=to, **{**values, **overrides})
    session.commit()
    return message


def deliver(session, server, *, now=None, policy: RetryPolicy | None = None, worker="host-a:1"):
    return deliver_email_batch(
        session, server.settings(), worker_id=worker, policy=policy or RetryPolicy(), now=now
    )


def reloaded(session, message: OutboundMessage) -> OutboundMessage:
    session.expire_all()
    return session.get(OutboundMessage, message.id)


# --- building the message ---------------------------------------------------------------------


def test_build_email_carries_the_stored_message_id_and_threading_headers(session):
    message = queue_ack(session)
    settings = SMTPSettings(host="127.0.0.1", port=25, mail_from=MAIL_FROM)
    email = build_email(message, settings)
    assert email["Message-ID"] == message.message_id
    assert email["From"] == MAIL_FROM
    assert email["To"] == REPORTER
    assert email["In-Reply-To"] == THEIR_MAIL
    assert email["References"] == f"{EARLIER} {THEIR_MAIL}"
    assert email["Auto-Submitted"] == "auto-replied"
    assert email["X-Auto-Response-Suppress"] == "All"
    assert email["Date"] is not None
    assert email.get_content_type() == "text/plain"
    assert email.get_content_charset() == "utf-8"
    assert email["Cc"] is None and email["Bcc"] is None
    assert build_email(message, settings)["Message-ID"] == message.message_id  # never a new one


def test_a_mail_a_person_wrote_is_not_marked_automatic(session):
    message = queue_ack(session, automatic=False, in_reply_to=None)
    email = build_email(message, SMTPSettings(host="127.0.0.1", port=25, mail_from=MAIL_FROM))
    assert email["Auto-Submitted"] is None
    assert email["X-Auto-Response-Suppress"] is None
    assert email["In-Reply-To"] is None and email["References"] is None


def test_long_lines_and_non_ascii_are_encoded_within_the_line_limit(session):
    body = "Uraian: " + "pungutan liar di loket pelayanan — " * 200 + "\n"
    message = queue_ack(session, body=body)
    email = build_email(message, SMTPSettings(host="127.0.0.1", port=25, mail_from=MAIL_FROM))
    raw = email.as_bytes()
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert email["Content-Transfer-Encoding"] == "quoted-printable"
    assert email.get_content() == body


def test_settings_come_from_config_and_keep_the_password_out_of_reprs():
    settings = SMTPSettings.from_config(
        {
            "SMTP_HOST": "smtp.contoh.test",
            "SMTP_PORT": "587",
            "SMTP_SECURITY": "STARTTLS",
            "SMTP_USERNAME": "portal",
            "SMTP_PASSWORD": "sangat-rahasia",
            "SMTP_TIMEOUT": 10,
            "MAIL_FROM": MAIL_FROM,
        }
    )
    assert (settings.host, settings.port, settings.security) == (
        "smtp.contoh.test",
        587,
        "starttls",
    )
    assert settings.envelope_from == "pengaduan@zi-portal.test"
    assert "sangat-rahasia" not in repr(settings)


def test_unknown_security_mode_is_refused():
    with pytest.raises(ValueError):
        SMTPSettings(host="127.0.0.1", port=25, security="ssl-maybe", mail_from=MAIL_FROM)


# --- delivery to a real server ------------------------------------------------------------------


def test_acknowledgement_is_delivered_with_its_stored_message_id(session, smtp_server):
    message = queue_ack(session)
    report = deliver(session, smtp_server)
    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    [received] = smtp_server.received
    assert received.rcpt_tos == (REPORTER,)
    assert received.mail_from == "pengaduan@zi-portal.test"
    mail = received.message
    assert mail["Message-ID"] == message.message_id
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail["In-Reply-To"] == THEIR_MAIL
    assert mail["References"] == f"{EARLIER} {THEIR_MAIL}"
    assert mail["To"] == REPORTER
    assert mail["Cc"] is None and mail["Bcc"] is None
    message = reloaded(session, message)
    assert message.status == OutboundStatus.DIKIRIM
    assert message.sent_at is not None and message.claimed_at is None


def test_indonesian_subject_and_body_survive_in_utf8(session, smtp_server):
    subject = "[ZI-7K3M-Q9PD] Tanggapan “Inspektorat” — pengaduan Anda diproses"
    body = (
        "Yth. Bapak/Ibu Siti Rahmawati,\n\n"
        "Pengaduan Anda tentang pungutan liar di Kantor Pertanahan Kab. Sleman sudah\n"
        "diverifikasi. Mohon lengkapi bukti (foto kuitansi) — terima kasih atas kepeduliannya.\n"
        "Salam, Inspektorat Jenderal · ½ hari kerja\n"
    )
    queue_ack(session, subject=subject, body=body)
    deliver(session, smtp_server)
    [received] = smtp_server.received
    assert received.message["Subject"] == subject
    assert received.message.get_content_charset() == "utf-8"
    assert received.message.get_content().replace("\r\n", "\n") == body


def test_each_mail_has_exactly_its_own_recipient(session, smtp_server):
    recipients = ["ani@contoh.test", "budi@contoh.test", "citra@contoh.test"]
    for address in recipients:
        queue_ack(session, to=address)
    assert deliver(session, smtp_server).sent == 3
    assert [r.rcpt_tos for r in smtp_server.received] == [(a,) for a in recipients]
    for received, address in zip(smtp_server.received, recipients, strict=True):
        others = [a for a in recipients if a != address]
        assert not any(other.encode() in received.raw for other in others)
        assert received.message["To"] == address


def test_smtp_down_then_up_queues_then_delivers_with_backoff(session, smtp_server):
    message = queue_ack(session)
    smtp_server.stop()
    now = utcnow()
    report = deliver(session, smtp_server, now=now)
    assert (report.sent, report.retried, report.unavailable) == (0, 1, True)
    message = reloaded(session, message)
    assert message.status == OutboundStatus.MENUNGGU
    assert message.attempts == 1
    assert message.claimed_at is None and message.claimed_by is None
    assert message.next_try_at == now + timedelta(seconds=60)
    assert "unavailable" in message.last_error

    smtp_server.start()
    assert (
        deliver(session, smtp_server, now=now + timedelta(seconds=30)).handled == 0
    )  # backing off
    assert smtp_server.received == []
    assert deliver(session, smtp_server, now=now + timedelta(seconds=61)).sent == 1
    [received] = smtp_server.received
    assert received.message["Message-ID"] == message.message_id
    assert reloaded(session, message).status == OutboundStatus.DIKIRIM


def test_a_451_answer_is_retried_later(session, smtp_server):
    message = queue_ack(session)
    smtp_server.answer("451 4.3.0 Coba lagi nanti")
    now = utcnow()
    report = deliver(session, smtp_server, now=now)
    assert (report.sent, report.retried) == (0, 1)
    message = reloaded(session, message)
    assert (message.status, message.attempts) == (OutboundStatus.MENUNGGU, 1)
    assert message.next_try_at == now + timedelta(seconds=60)
    assert message.last_error.startswith("recipient refused: 451")

    smtp_server.answer("250 OK")
    assert deliver(session, smtp_server, now=now + timedelta(seconds=61)).sent == 1
    assert len(smtp_server.received) == 1


def test_a_550_answer_fails_permanently(session, smtp_server):
    message = queue_ack(session)
    smtp_server.answer("550 5.1.1 Mailbox tidak dikenal")
    now = utcnow()
    report = deliver(session, smtp_server, now=now)
    assert (report.sent, report.retried, report.failed) == (0, 0, 1)
    message = reloaded(session, message)
    assert (message.status, message.attempts) == (OutboundStatus.GAGAL, 1)
    assert message.last_error.startswith("recipient refused: 550")
    assert deliver(session, smtp_server, now=now + timedelta(days=2)).handled == 0


def test_the_last_attempt_gives_up(session, smtp_server):
    message = queue_ack(session)
    smtp_server.answer("451 4.3.0 Coba lagi nanti")
    policy = RetryPolicy(max_attempts=3)
    now = utcnow()
    reports = []
    for _ in range(3):
        reports.append(deliver(session, smtp_server, now=now, policy=policy))
        now += timedelta(days=1)
    assert [(r.retried, r.failed) for r in reports] == [(1, 0), (1, 0), (0, 1)]
    message = reloaded(session, message)
    assert (message.status, message.attempts) == (OutboundStatus.GAGAL, 3)
    assert smtp_server.received == []


def test_a_crash_between_claim_and_send_resends_later_with_the_same_message_id(
    app, session, smtp_server
):
    message = queue_ack(session)
    now = utcnow()
    # A worker claims, then dies before sending: its session vanishes without any result.
    from sqlalchemy.orm import Session

    from models import db

    with Session(db.engine) as dying:
        assert claim_due(dying, channel=OutboundChannel.EMAIL, worker_id="host-x:99", now=now)
    assert deliver(session, smtp_server, now=now + timedelta(minutes=5)).handled == 0
    report = deliver(session, smtp_server, now=now + timedelta(minutes=11))
    assert report.sent == 1
    [received] = smtp_server.received
    assert received.message["Message-ID"] == message.message_id
    assert reloaded(session, message).status == OutboundStatus.DIKIRIM


HOSTILE_RECIPIENTS = [
    "warga@contoh.test\r\nBcc: mata-mata@jahat.test",
    "warga@contoh.test\nBcc: mata-mata@jahat.test",
    "warga@contoh.test, mata-mata@jahat.test",
    "warga@contoh.test;mata-mata@jahat.test",
    "Warga <warga@contoh.test>, mata-mata@jahat.test",
    '"mata-mata@jahat.test" <warga@contoh.test>',
    "<warga@contoh.test>",
    "bukan-alamat",
    "",
]


@pytest.mark.parametrize("recipient", HOSTILE_RECIPIENTS)
def test_a_hostile_recipient_is_refused_and_nothing_is_sent(session, smtp_server, recipient):
    message = queue_ack(session, to=recipient)
    report = deliver(session, smtp_server)
    assert (report.sent, report.failed) == (0, 1)
    message = reloaded(session, message)
    assert (message.status, message.attempts) == (OutboundStatus.GAGAL, 1)
    assert "recipient refused" in message.last_error
    assert smtp_server.received == []


HOSTILE_HEADERS = [
    {"In-Reply-To": "<a@b.test>\r\nBcc: mata-mata@jahat.test"},
    {"In-Reply-To": "<a@b.test> <c@d.test>"},
    {"References": "<a@b.test>\nBcc: mata-mata@jahat.test"},
    {"References": "<a@b.test>  <c@d.test>"},
    {"Auto-Submitted": "auto-replied\r\nBcc: mata-mata@jahat.test"},
    {"Auto-Submitted": "auto-replied; bcc=x"},
    {"Bcc": "mata-mata@jahat.test"},
    {"Subject\r\nBcc": "x"},
    {"In-Reply-To": ["<a@b.test>"]},
]


@pytest.mark.parametrize("headers", HOSTILE_HEADERS)
def test_hostile_stored_headers_are_refused_and_nothing_is_sent(session, smtp_server, headers):
    message = queue_ack(session)
    message.headers = {**(message.headers or {}), **headers}
    session.commit()
    report = deliver(session, smtp_server)
    assert (report.sent, report.failed) == (0, 1)
    message = reloaded(session, message)
    assert (message.status, message.attempts) == (OutboundStatus.GAGAL, 1)
    assert "header" in message.last_error
    assert smtp_server.received == []


def test_a_missing_message_id_is_refused_rather_than_invented(session, smtp_server):
    message = queue_ack(session)
    message.message_id = None
    session.commit()
    assert deliver(session, smtp_server).failed == 1
    assert "Message-ID" in reloaded(session, message).last_error
    assert smtp_server.received == []


def test_line_breaks_in_a_subject_cannot_add_headers(session, smtp_server):
    queue_ack(session, subject="Balasan\r\nBcc: mata-mata@jahat.test")
    assert deliver(session, smtp_server).sent == 1
    [received] = smtp_server.received
    assert received.rcpt_tos == (REPORTER,)
    assert received.message["Bcc"] is None
    assert received.message["Subject"] == "Balasan Bcc: mata-mata@jahat.test"


def test_one_unsafe_message_does_not_hold_up_the_others(session, smtp_server):
    queue_ack(session, to="a@b.test\r\nBcc: c@d.test")
    good = queue_ack(session)
    report = deliver(session, smtp_server)
    assert (report.sent, report.failed) == (1, 1)
    assert [r.message["Message-ID"] for r in smtp_server.received] == [good.message_id]


# --- send_email on its own ---------------------------------------------------------------------


def test_send_email_reports_a_server_that_is_down_as_temporary(session, smtp_server):
    email = build_email(queue_ack(session), smtp_server.settings())
    smtp_server.stop()
    with pytest.raises(ChannelUnavailable) as caught:
        send_email(email, smtp_server.settings())
    assert isinstance(caught.value, TemporaryFailure)


@pytest.mark.parametrize(
    ("answer", "failure"),
    [("451 4.7.1 Greylisted", TemporaryFailure), ("550 5.1.1 No such user", PermanentFailure)],
)
def test_send_email_maps_smtp_answers(session, smtp_server, answer, failure):
    email = build_email(queue_ack(session), smtp_server.settings())
    smtp_server.answer(answer)
    with pytest.raises(failure) as caught:
        send_email(email, smtp_server.settings())
    assert caught.value.code == int(answer[:3])


def test_send_email_refuses_a_second_recipient_header(session, smtp_server):
    email = build_email(queue_ack(session), smtp_server.settings())
    email["Cc"] = "mata-mata@jahat.test"
    with pytest.raises(UnsafeMessage):
        send_email(email, smtp_server.settings())
    assert smtp_server.received == []


def test_a_refused_login_is_temporary_and_never_stores_the_password(session, smtp_server):
    def echo_the_password(server, session, envelope, mechanism, auth_data):
        # A careless relay that quotes the credentials back in its refusal.
        password = auth_data.password.decode()
        return AuthResult(success=False, handled=False, message=f"535 5.7.8 salah: {password}")

    smtp_server.stop()
    smtp_server.server_kwargs = {"authenticator": echo_the_password, "auth_require_tls": False}
    smtp_server.start()
    message = queue_ack(session)
    settings = smtp_server.settings(username="portal", password="sangat-rahasia")
    report = deliver_email_batch(session, settings, worker_id="host-a:1", policy=RetryPolicy())
    assert (report.retried, report.unavailable) == (1, True)
    message = reloaded(session, message)
    assert message.status == OutboundStatus.MENUNGGU
    assert "535" in message.last_error
    assert "sangat-rahasia" not in message.last_error
    assert smtp_server.received == []


# --- a worker killed mid-delivery -------------------------------------------------------------

WORKER_SCRIPT = """
from flask.cli import ScriptInfo
from portal import create_app
from portal.cli.worker import worker_command
worker_command.main(["--once"], obj=ScriptInfo(create_app=lambda: create_app("testing")))
"""


def worker_env(database_url: str, server) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZI_")}
    env.update(
        ZI_ENV="testing",
        ZI_TEST_DATABASE_URL=database_url,
        ZI_SMTP_HOST=server.host,
        ZI_SMTP_PORT=str(server.port),
        ZI_MAIL_FROM=MAIL_FROM,
        PYTHONPATH=str(ROOT),
    )
    return env


def test_sigkill_mid_delivery_resends_only_the_interrupted_message(
    session, smtp_server, database_url
):
    first, interrupted, last = (queue_ack(session, to=f"warga{i}@contoh.test") for i in range(3))
    smtp_server.handler.hold_data_number = 2  # the server sits on the 2nd mail's DATA
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER_SCRIPT],
        cwd=ROOT,
        env=worker_env(database_url, smtp_server),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert smtp_server.handler.holding.wait(60), "the worker never reached the 2nd mail"
        os.kill(worker.pid, signal.SIGKILL)
        assert worker.wait(10) == -signal.SIGKILL
    finally:
        if worker.poll() is None:
            worker.kill()
    smtp_server.handler.release.set()  # the relay had taken the 2nd mail: it went out

    session.expire_all()
    assert session.get(OutboundMessage, first.id).status == OutboundStatus.DIKIRIM
    for message in (interrupted, last):
        stuck = session.get(OutboundMessage, message.id)
        assert stuck.status == OutboundStatus.MENUNGGU and stuck.claimed_by is not None

    report = deliver(session, smtp_server, now=utcnow() + timedelta(minutes=11))
    assert report.sent == 2
    ids = [r.message["Message-ID"] for r in smtp_server.received]
    assert sorted(ids) == sorted(
        [first.message_id, interrupted.message_id, interrupted.message_id, last.message_id]
    )
    statuses = session.scalars(sa.select(OutboundMessage.status)).all()
    assert statuses == [OutboundStatus.DIKIRIM] * 3
