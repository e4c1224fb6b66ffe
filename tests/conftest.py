"""Shared fixtures: a real database (SQLite file, or PostgreSQL from ZI_TEST_DATABASE_URL),
migrated once per session with Alembic and emptied after every test."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from models import db
from portal import create_app
from portal.extensions import limiter

POSTGRES_URL = os.environ.get("ZI_TEST_DATABASE_URL")


def pytest_report_header(config) -> str:
    return f"database: {'PostgreSQL' if POSTGRES_URL else 'SQLite'}"


@pytest.fixture(scope="session")
def work_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="zi-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def database_url(work_dir: Path) -> str:
    return POSTGRES_URL or f"sqlite:///{work_dir / 'test.db'}"


def reset_schema(engine: sa.Engine) -> None:
    """Drop every table, including Alembic's, so migrations start from nothing."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        else:
            conn.execute(sa.text("DROP TABLE IF EXISTS complaint_fts"))  # FTS5 drops its shadows
            meta = sa.MetaData()
            meta.reflect(conn)
            meta.drop_all(conn)


@pytest.fixture(scope="session")
def app(database_url: str, work_dir: Path) -> Iterator[Flask]:
    from flask_migrate import upgrade

    app = create_app(
        {
            "ZI_PROFILE": "testing",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_DIR": str(work_dir / "uploads"),
            "MAIL_SPOOL_DIR": str(work_dir / "mail-spool"),  # never a developer's real spool
        }
    )
    with app.app_context():
        reset_schema(db.engine)
        upgrade()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def empty_tables() -> None:
    """Delete every row (fast on both backends), keeping the migrated schema."""
    tables = list(reversed(db.metadata.sorted_tables))  # (the FTS table empties by triggers)
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        with db.engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    with db.engine.connect() as conn:
        # pysqlite opens no transaction for a PRAGMA, so this takes effect.
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for table in tables:
            conn.execute(table.delete())
        conn.commit()
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        conn.commit()


@pytest.fixture(autouse=True)
def _app_context(request, app: Flask) -> Iterator[None]:
    with app.app_context():
        _writes.clear()
        yield
        db.session.remove()
        limiter.reset()
        touched = _writes or _DB_FIXTURES.intersection(request.fixturenames)
        if touched and "no_db_cleanup" not in request.keywords:
            empty_tables()


# Emptying every table after each of hundreds of pure tests costs half a minute on PostgreSQL:
# clean only after a test that wrote, or that could have written through another process.
_DB_FIXTURES = {"session", "client", "live_server"}
_writes: list[str] = []


@pytest.fixture(scope="session", autouse=True)
def _watch_writes(app: Flask) -> None:
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _note_write(_conn, _cursor, statement, *_args):
        if statement.lstrip()[:6].upper() in {"INSERT", "UPDATE", "DELETE"}:
            _writes.append(statement[:6])


@pytest.fixture
def session():
    return db.session


class IsolatedClient(FlaskClient):
    """Run each request in a fresh thread, hence a fresh app context, as in production.

    Tests hold an app context of their own; without this, requests would share its ``g``
    (cached locale, logged-in user) and its database session. Commit before a request: the
    request sees only what is committed, as a real client would.
    """

    def open(self, *args, **kwargs):
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(super().open, *args, **kwargs).result()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = IsolatedClient
    return app.test_client()


# --- a real IMAP server (Debian's Dovecot) on loopback ----------------------------------------


@pytest.fixture(scope="session")
def imap_server() -> Iterator[dict]:
    """Dovecot on 127.0.0.1 with one mailbox (see tests/servers.py)."""
    from tests.servers import run_dovecot

    with run_dovecot() as server:
        yield server


@pytest.fixture
def mailbox(imap_server):
    """An IMAP client on the test mailbox, emptied before the test."""
    from imapclient import IMAPClient

    client = IMAPClient(imap_server["host"], port=imap_server["port"], ssl=False, timeout=10)
    client.login(imap_server["user"], imap_server["password"])
    for folder in ("INBOX", "Diproses"):
        if client.folder_exists(folder):
            client.select_folder(folder)
            uids = client.search(["ALL"])
            if uids:
                client.delete_messages(uids)
                client.expunge()
    client.select_folder("INBOX")
    yield client
    client.logout()
