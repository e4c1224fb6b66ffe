"""Staff sign-in helpers: accounts with known passwords, a signed-in client, audit reads."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
from flask import Blueprint, Flask

from models import AuditEntry, User, db
from models.enums import Role
from portal import create_app
from portal.auth.access import roles_required, staff_required
from portal.services import accounts
from tests.conftest import IsolatedClient

PASSWORD = "kata-sandi-petugas-123"  # noqa: S105 - test account
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    """GET ``url`` and return the CSRF token a browser would send back."""
    page = client.get(url).get_data(as_text=True)
    match = TOKEN.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client, email: str, password: str = PASSWORD, next: str | None = None):
    """Submit /masuk as a browser would (token from the page)."""
    data = {"csrf_token": csrf_token(client, "/masuk"), "email": email, "password": password}
    if next is not None:
        data["next"] = next
    return client.post("/masuk", data=data)


def send_code(client, code: str, url: str = "/masuk/kode", form_url: str | None = None):
    """Submit a TOTP code to ``url`` with the token of the page holding the form."""
    token = csrf_token(client, form_url or url)
    return client.post(url, data={"csrf_token": token, "code": code})


def post_from_account(client, url: str):
    """POST one of the account page's buttons with the page's token."""
    return client.post(url, data={"csrf_token": csrf_token(client, "/akun")})


def page_text(response) -> str:
    """The page with whitespace collapsed and per-request tokens removed."""
    html = re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "", response.get_data(True))
    return re.sub(r"\s+", " ", html)


def wrong_code(secret: str) -> str:
    """Return six digits that are no valid code right now."""
    totp = pyotp.TOTP(secret)
    valid = {totp.at(time.time() + 30 * offset) for offset in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def audit_rows(action: str | None = None) -> list[AuditEntry]:
    """Return the audit trail (optionally one action), oldest first, read fresh."""
    db.session.expire_all()
    query = sa.select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query))


def fresh(user: User) -> User:
    """Re-read ``user`` after requests changed it."""
    db.session.expire_all()
    return db.session.get(User, user.id)


@pytest.fixture
def make_staff(session):
    """Create a committed staff account: ``make_staff(Role.INSPEKTUR, totp=True, ...)``."""
    counter = iter(range(1, 1000))

    def make(
        role: Role = Role.INSPEKTUR,
        *,
        email: str | None = None,
        totp: bool = False,
        active: bool = True,
        unit=None,
    ) -> User:
        user = accounts.create_user(
            session,
            email=email or f"petugas{next(counter)}@uji.test",
            name="Petugas Uji",
            password=PASSWORD,
            roles=[role],
            unit=unit,
        )
        user.totp_secret = pyotp.random_base32() if totp else None
        user.active = active
        session.commit()
        return user

    return make


@pytest.fixture
def signed_in(client, make_staff):
    """A client signed in as a fresh inspector (no TOTP); returns (client, user)."""
    user = make_staff(Role.INSPEKTUR)
    assert login(client, user.email).status_code == 302
    return client, user


@contextmanager
def config(app: Flask, **values) -> Iterator[None]:
    """Change settings for the duration of a block."""
    missing = object()
    old = {key: app.config.get(key, missing) for key in values}
    app.config.update(values)
    try:
        yield
    finally:
        for key, value in old.items():
            if value is missing:
                app.config.pop(key, None)
            else:
                app.config[key] = value


def _probe_blueprint() -> Blueprint:
    probe = Blueprint("probe", __name__)

    @probe.get("/uji/penanganan")
    @roles_required(Role.INSPEKTUR, Role.KOORDINATOR)
    def handling():
        return "halaman penanganan"

    @probe.get("/uji/audit")
    @roles_required("admin_zi")
    def audit_page():
        return "halaman audit"

    @probe.post("/uji/aksi")
    @roles_required(Role.KOORDINATOR)
    def action():
        return "aksi"

    @probe.get("/uji/staf")
    @staff_required
    def any_staff():
        return "halaman staf"

    return probe


@pytest.fixture(scope="module")
def probe_app(app: Flask, database_url: str, work_dir: Path) -> Iterator[Flask]:
    """A second portal on the same database with guarded test-only pages."""
    probe = create_app(
        {
            "ZI_PROFILE": "testing",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_DIR": str(work_dir / "uploads"),
        }
    )
    probe.register_blueprint(_probe_blueprint())
    probe.test_client_class = IsolatedClient
    yield probe
    with probe.app_context():
        db.engine.dispose()


@pytest.fixture
def probe_client(probe_app: Flask, session):
    return probe_app.test_client()
