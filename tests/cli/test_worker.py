"""``flask worker``: one loop that fetches mail and delivers the outbox, and stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from models import OutboundMessage
from models.enums import OutboundStatus
from portal.cli.worker import default_worker_id, worker_command
from portal.services.outbox import queue_email
from tests.mail.conftest import SMTPServer

ROOT = Path(__file__).resolve().parents[2]
MAIL_FROM = "ZI Portal <pengaduan@zi-portal.test>"


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_config(app, smtp_server, monkeypatch):
    """Point the app at the test SMTP server; no IMAP mailbox unless a test sets one."""
    for key, value in {
        "SMTP_HOST": smtp_server.host,
        "SMTP_PORT": smtp_server.port,
        "SMTP_SECURITY": "none",
        "SMTP_USERNAME": None,
        "SMTP_PASSWORD": None,
        "MAIL_FROM": MAIL_FROM,
        "IMAP_HOST": None,
    }.items():
        monkeypatch.setitem(app.config, key, value)
    return app.config


def queue(session, count: int) -> list[OutboundMessage]:
    messages = [
        queue_email(
            session,
            to=f"warga{i}@contoh.test",
            subject=f"[ZI-TEST-{i:04d}] Diterima",
            body=f"Isi rahasia nomor {i}",
            mail_from=MAIL_FROM,
            automatic=True,
        )
        for i in range(count)
    ]
    session.commit()
    return messages


def statuses(session) -> list[OutboundStatus]:
    session.expire_all()
    return session.scalars(sa.select(OutboundMessage.status).order_by(OutboundMessage.id)).all()


def test_worker_once_delivers_the_queue_and_exits_0(app, session, smtp_server, mail_config):
    message_ids = sorted(m.message_id for m in queue(session, 3))
    result = app.test_cli_runner().invoke(worker_command, ["--once"])
    assert result.exit_code == 0, result.output
    assert "sent=3 retried=0 failed=0" in result.output
    assert statuses(session) == [OutboundStatus.DIKIRIM] * 3
    assert sorted(r.message["Message-ID"] for r in smtp_server.received) == message_ids
    # Counts only: no address and no body in what the worker prints.
    assert "@contoh.test" not in result.output and "rahasia" not in result.output


def test_worker_once_drains_more_than_one_batch(app, session, smtp_server, mail_config):
    queue(session, 45)
    result = app.test_cli_runner().invoke(worker_command, ["--once"])
    assert result.exit_code == 0, result.output
    assert "sent=45" in result.output
    assert len(smtp_server.received) == 45


def test_worker_once_with_nothing_due_sends_nothing(app, session, smtp_server, mail_config):
    result = app.test_cli_runner().invoke(worker_command, ["--once"])
    assert result.exit_code == 0, result.output
    assert "sent=0" in result.output and smtp_server.received == []


def test_worker_fetches_mail_first_when_imap_is_configured(
    app, session, smtp_server, mail_config, monkeypatch
):
    calls = []
    fake = types.ModuleType("portal.mail.fetch")
    fake.fetch_once = lambda the_app: calls.append(the_app)
    monkeypatch.setitem(sys.modules, "portal.mail.fetch", fake)
    monkeypatch.setitem(app.config, "IMAP_HOST", "127.0.0.1")
    queue(session, 1)
    result = app.test_cli_runner().invoke(worker_command, ["--once"])
    assert result.exit_code == 0, result.output
    assert calls == [app]
    assert len(smtp_server.received) == 1


def test_worker_skips_the_fetch_when_that_module_does_not_exist(
    app, session, smtp_server, mail_config, monkeypatch
):
    monkeypatch.setitem(sys.modules, "portal.mail.fetch", None)  # import now fails
    monkeypatch.setitem(app.config, "IMAP_HOST", "127.0.0.1")
    queue(session, 1)
    result = app.test_cli_runner().invoke(worker_command, ["--once"])
    assert result.exit_code == 0, result.output
    assert len(smtp_server.received) == 1


def test_a_failing_fetch_does_not_stop_delivery_but_is_reported(
    app, session, smtp_server, mail_config, monkeypatch
):
    def unreachable(_app):
        raise ConnectionRefusedError("imap down")

    fake = types.ModuleType("portal.mail.fetch")
    fake.fetch_once = unreachable
    monkeypatch.setitem(sys.modules, "portal.mail.fetch", fake)
    monkeypatch.setitem(app.config, "IMAP_HOST", "127.0.0.1")
    queue(session, 1)
    result = app.test_cli_runner().invoke(worker_command, ["--once"])
    assert result.exit_code == 1
    assert len(smtp_server.received) == 1


def test_smtp_down_leaves_the_queue_for_later(app, session, smtp_server, mail_config):
    queue(session, 3)
    smtp_server.stop()
    result = app.test_cli_runner().invoke(worker_command, ["--once"])
    assert result.exit_code == 0, result.output
    assert "retried=3" in result.output
    assert statuses(session) == [OutboundStatus.MENUNGGU] * 3


def test_worker_id_names_host_and_process():
    host, _, pid = default_worker_id().rpartition(":")
    assert host and pid == str(os.getpid())


# --- the long-running loop, as a real process -------------------------------------------------

LOOP_SCRIPT = """
import sys
from flask.cli import ScriptInfo
from portal import create_app
from portal.cli.worker import worker_command
worker_command.main(sys.argv[1:], obj=ScriptInfo(create_app=lambda: create_app("testing")))
"""


def start_worker(database_url: str, server: SMTPServer, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZI_")}
    env.update(
        ZI_ENV="testing",
        ZI_TEST_DATABASE_URL=database_url,
        ZI_SMTP_HOST=server.host,
        ZI_SMTP_PORT=str(server.port),
        ZI_MAIL_FROM=MAIL_FROM,
        PYTHONPATH=str(ROOT),
    )
    return subprocess.Popen(
        [sys.executable, "-c", LOOP_SCRIPT, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for(condition, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_loop_delivers_then_exits_0_on_a_signal(session, smtp_server, database_url, signum):
    queue(session, 2)
    worker = start_worker(database_url, smtp_server, "--interval", "0.2")
    try:
        assert wait_for(lambda: len(smtp_server.received) == 2), "nothing delivered"
        worker.send_signal(signum)
        output, _ = worker.communicate(timeout=20)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, output
    assert "stopped" in output
    assert statuses(session) == [OutboundStatus.DIKIRIM] * 2


def test_sigterm_finishes_the_current_message_and_hands_back_the_rest(
    session, smtp_server, database_url
):
    first, *rest = queue(session, 3)
    smtp_server.handler.hold_data_number = 1  # the 1st mail is in flight when SIGTERM comes
    worker = start_worker(database_url, smtp_server, "--interval", "0.2")
    try:
        assert smtp_server.handler.holding.wait(30), "the worker never sent"
        worker.send_signal(signal.SIGTERM)
        time.sleep(0.3)  # the signal arrives while the worker waits for the server's answer
        smtp_server.handler.release.set()
        output, _ = worker.communicate(timeout=20)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, output
    assert len(smtp_server.received) == 1
    session.expire_all()
    assert session.get(OutboundMessage, first.id).status == OutboundStatus.DIKIRIM
    for message in rest:
        message = session.get(OutboundMessage, message.id)
        assert message.status == OutboundStatus.MENUNGGU
        assert (message.claimed_at, message.attempts) == (None, 0)  # free for the next worker


def test_a_misconfigured_relay_stops_the_worker_at_once(app, mail_config, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_SECURITY", "ssl-kadang")
    result = app.test_cli_runner().invoke(worker_command, ["--once"])
    assert result.exit_code == 1
    assert "misconfigured" in result.output
