"""The pipe transport's entry point, ``zi-mail-ingest``: one door with ``flask mail ingest``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from models import Complaint, OutboundMessage, QuarantinedMessage
from portal.mail.ingest import MailSettings
from portal.mail.pipe import EX_OK, EX_TEMPFAIL, deliver

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "mail"
BIN = Path(sys.executable).parent
DATABASE_DOWN = "postgresql+psycopg://nobody:nothing@127.0.0.1:1/none?connect_timeout=2"
COMMANDS = {
    "zi-mail-ingest": [str(BIN / "zi-mail-ingest")],
    "python -m portal.mail.pipe": [sys.executable, "-m", "portal.mail.pipe"],
    "flask mail ingest": [str(BIN / "flask"), "--app", "portal", "mail", "ingest"],
    # main() as the console script runs it, then the top-level packages the process loaded
    "main, then the loaded packages": [
        sys.executable,
        "-c",
        "import sys\n"
        "from portal.mail.pipe import main\n"
        "code = main()\n"
        "print(' '.join(sorted({name.split('.')[0] for name in sys.modules})))\n"
        "sys.exit(code)\n",
    ],
}
# Loaded only by a mail that needs them (an image or document, HTML, a signed receipt): every
# module a pipe process imports is paid for again on every message.
LOADED_WHEN_NEEDED = {"PIL", "magic", "bleach", "cryptography"}


def pipe(command: str, raw: bytes, database_url: str, upload_dir: str, **env: str):
    """Run one pipe delivery the way a mail server does: a fresh process, the mail on stdin."""
    environ = {
        **os.environ,
        "ZI_DATABASE_URL": database_url,
        "ZI_UPLOAD_DIR": upload_dir,
        "ZI_ENV": "development",
        "ZI_DEMO_MODE": "0",
        **env,
    }
    return subprocess.run(
        COMMANDS[command], input=raw, env=environ, capture_output=True, timeout=60, cwd=ROOT
    )


def fixture(name: str, tag: str) -> bytes:
    """A fixture mail made unique (Message-ID and bytes), so each run files it anew."""
    raw = (FIXTURES / name).read_bytes()
    fresh = f"Message-ID: <pipe-{tag}@contoh.test>".encode()
    raw, found = re.subn(rb"(?im)^Message-ID:.*$", fresh, raw, count=1)
    return raw if found else raw + f"\n{tag}".encode()


@pytest.fixture
def run(database_url, app):
    def run(command: str, raw: bytes, **env: str):
        return pipe(command, raw, database_url, app.config["UPLOAD_DIR"], **env)

    return run


def test_the_console_script_is_installed():
    assert (BIN / "zi-mail-ingest").exists(), "run `make install` to install the console scripts"


@pytest.mark.parametrize("command", ["zi-mail-ingest", "python -m portal.mail.pipe"])
def test_a_piped_mail_is_stored_and_answered_in_one_line(run, session, command):
    done = run(command, fixture("01-id-complaint-plain.eml", command))
    assert done.returncode == EX_OK, done.stderr
    lines = done.stdout.decode().splitlines()
    assert len(lines) == 1 and re.fullmatch(r"created ZI-[0-9A-Z]{4}-[0-9A-Z]{4}", lines[0])
    filed = session.scalar(sa.select(Complaint).where(Complaint.code == lines[0].split()[1]))
    assert filed is not None and filed.reporter_email == "budi.santoso@example.co.id"
    assert session.scalar(sa.select(sa.func.count(OutboundMessage.id))) == 1  # acknowledged


@pytest.mark.parametrize(
    ("name", "outcome"),
    [
        ("01-id-complaint-plain.eml", "created"),
        ("12-reply-gmail.eml", "created"),
        ("22-auto-submitted.eml", "ignored"),
        ("39-binary-garbage.eml", "quarantined"),
    ],
)
def test_the_lean_command_answers_as_flask_mail_ingest_does(run, session, name, outcome):
    lean = run("zi-mail-ingest", fixture(name, "lean"))
    full = run("flask mail ingest", fixture(name, "full"))
    assert (lean.returncode, full.returncode) == (EX_OK, EX_OK), (lean.stderr, full.stderr)
    lean_line, full_line = lean.stdout.decode().strip(), full.stdout.decode().strip()
    assert lean_line.split()[0] == full_line.split()[0] == outcome
    if outcome == "created":  # the same complaint, field for field, bar the code
        a, b = (
            session.scalar(sa.select(Complaint).where(Complaint.code == line.split()[1]))
            for line in (lean_line, full_line)
        )
        fields = ("title", "body", "reporter_name", "reporter_email", "channel", "language")
        assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields]
        assert (a.verification_due, a.answer_due) == (b.verification_due, b.answer_due)
        assert len(a.messages) == len(b.messages) == 1
    else:
        assert lean_line == full_line
    if outcome == "quarantined":
        assert session.scalar(sa.select(sa.func.count(QuarantinedMessage.id))) == 2


def test_a_mail_delivered_twice_is_a_duplicate_whichever_command_took_it(run, session):
    raw = fixture("02-en-complaint.eml", "twice")
    first = run("flask mail ingest", raw).stdout.decode().strip()
    again = run("zi-mail-ingest", raw)
    assert again.returncode == EX_OK
    assert again.stdout.decode().strip() == first.replace("created", "duplicate")


@pytest.mark.parametrize("command", ["zi-mail-ingest", "flask mail ingest"])
def test_with_the_database_down_the_mail_server_is_asked_to_retry(app, tmp_path, command):
    done = pipe(command, fixture("01-id-complaint-plain.eml", "down"), DATABASE_DOWN, str(tmp_path))
    assert done.returncode == EX_TEMPFAIL == 75
    assert done.stdout == b""
    assert done.stderr.decode().strip().splitlines()[-1] == (
        "tempfail: the message could not be stored (OperationalError)"
    )


def test_a_configuration_that_cannot_start_asks_for_a_retry_not_a_bounce(run, tmp_path):
    done = run(
        "zi-mail-ingest",
        fixture("01-id-complaint-plain.eml", "config"),
        ZI_ENV="production",  # no secret key, no PostgreSQL URL: refuses to start
        ZI_SECRET_KEY="",
        ZI_DATABASE_URL="",
    )
    assert done.returncode == EX_TEMPFAIL
    assert done.stdout == b"" and done.stderr.startswith(b"tempfail: configuration:")


@pytest.mark.parametrize(
    ("name", "needed"),
    [
        ("01-id-complaint-plain.eml", set()),
        ("09-jpeg-exif-gps.eml", {"PIL", "magic"}),  # the photo is identified and cleaned
    ],
)
def test_a_pipe_process_loads_only_the_libraries_its_mail_needs(run, session, name, needed):
    done = run("main, then the loaded packages", fixture(name, "loaded"))
    assert done.returncode == EX_OK, done.stderr
    answer, loaded = done.stdout.decode().splitlines()
    assert answer.startswith("created ZI-")
    assert session.scalar(sa.select(sa.func.count(OutboundMessage.id))) == 1  # acknowledged
    assert set(loaded.split()) & LOADED_WHEN_NEEDED == needed


def test_deliver_commits_and_answers_the_result_line(session, app):
    done = deliver(session, fixture("01-id-complaint-plain.eml", "door"), _settings(app))
    assert done.stored and done.exit_code == EX_OK and done.line.startswith("created ZI-")
    session.rollback()  # nothing pending: it was committed
    assert session.scalar(sa.select(sa.func.count(Complaint.id))) == 1


def test_deliver_rolls_back_and_asks_for_a_retry_when_the_commit_fails(session, app, monkeypatch):
    def lost(*_args, **_kwargs):
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(session, "commit", lost)
    done = deliver(session, fixture("01-id-complaint-plain.eml", "lost"), _settings(app))
    assert not done.stored and done.exit_code == EX_TEMPFAIL
    assert done.line == "tempfail: the message could not be stored (OperationalError)"
    monkeypatch.undo()
    assert session.scalar(sa.select(sa.func.count(Complaint.id))) == 0


def test_an_unexpected_failure_asks_for_a_retry_and_stores_nothing(session, app, monkeypatch):
    # e.g. the disk is full while the evidence is written: the mail server must keep the mail.
    def full_disk(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("portal.services.intake.store_evidence", full_disk)
    done = deliver(session, fixture("09-jpeg-exif-gps.eml", "full"), _settings(app))
    assert not done.stored and done.exit_code == EX_TEMPFAIL
    assert done.line == "tempfail: the message could not be stored (OSError)"
    assert session.scalar(sa.select(sa.func.count(Complaint.id))) == 0


def _settings(app) -> MailSettings:
    return MailSettings.from_config(app.config)
