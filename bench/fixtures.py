"""Inputs and databases shared by the benchmark scripts."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import socket
import subprocess

from PIL import Image


def photo(target_bytes: int = 200_000) -> bytes:
    """A noisy JPEG of about ``target_bytes`` with GPS in its EXIF (to be stripped)."""
    side = 420
    while True:
        image = Image.effect_noise((side, side), 80).convert("RGB")
        exif = Image.Exif()
        exif[0x8825] = {1: "S", 2: (6.0, 10.0, 30.0), 3: "E", 4: (106.0, 49.0, 0.0)}
        out = io.BytesIO()
        image.save(out, "JPEG", quality=92, exif=exif)
        if out.tell() >= target_bytes:
            return out.getvalue()
        side += 60


# --- PostgreSQL databases of the benchmarks (created and dropped here) ------------------------


def _psql(sql: str) -> None:
    subprocess.run(
        ["runuser", "-u", "postgres", "--", "psql", "-v", "ON_ERROR_STOP=1", "-qc", sql],
        check=True,
        capture_output=True,
        timeout=120,
    )


def pg_state(url: str) -> str:
    """Return 'ready' (the database exists and answers), 'absent', or why PostgreSQL is skipped."""
    import sqlalchemy as sa

    parsed = sa.engine.make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5432), 3):
            pass
    except OSError as exc:
        return f"PostgreSQL unreachable at {parsed.host}:{parsed.port} ({exc})"
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return "ready"
    except Exception as exc:  # noqa: BLE001 - a missing database is the usual case
        if "does not exist" in str(exc):
            return "absent"
        return f"PostgreSQL unreachable ({type(exc).__name__}: {str(exc).splitlines()[0]})"


def pg_create(url: str) -> str | None:
    """Create an empty database for ``url``; return None, or why it could not be done."""
    import sqlalchemy as sa

    parsed = sa.engine.make_url(url)
    if os.geteuid() == 0 and shutil.which("runuser"):
        try:
            _psql(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
            _psql(f'CREATE DATABASE "{parsed.database}" OWNER "{parsed.username}"')
            return None
        except (subprocess.SubprocessError, OSError) as exc:
            return f"could not create {parsed.database}: {getattr(exc, 'stderr', exc)!r}"
    try:  # not root: the role may have CREATEDB
        admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{parsed.database}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
        admin.dispose()
        return None
    except Exception as exc:  # noqa: BLE001
        return f"could not create {parsed.database} ({type(exc).__name__})"


def pg_drop(url: str) -> None:
    """Drop the database of ``url`` when this user can (root, through the postgres account)."""
    import sqlalchemy as sa

    if os.geteuid() == 0 and shutil.which("runuser"):
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            _psql(f'DROP DATABASE IF EXISTS "{sa.engine.make_url(url).database}" WITH (FORCE)')
