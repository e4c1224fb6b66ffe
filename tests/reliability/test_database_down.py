"""The database unavailable: every channel answers 503 with a clear message and files nothing."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from models import Attachment, Complaint, ComplaintMessage, OutboundMessage
from portal import create_app
from tests.factories import photo_with_gps
from tests.public import conftest as public
from tests.public.conftest import form_tokens, valid_report

UNREACHABLE = "postgresql+psycopg://nobody:x@127.0.0.1:1/none?connect_timeout=1"
API_REPORT = {
    "unit": "direktorat-pendaftaran-penduduk",
    "category": "pungli",
    "title": "Pungutan di loket KTP",
    "description": "Petugas loket meminta uang Rp50.000 untuk mempercepat KTP elektronik.",
    "contact": {"email": "budi@example.org"},
}

catalogue = public.catalogue  # the seeded units and categories, as a fixture here


@pytest.fixture(scope="module")
def down_app(tmp_path_factory) -> Flask:
    """A portal of its own whose database cannot be reached (nothing listens on port 1)."""
    return create_app(
        {
            "ZI_PROFILE": "testing",
            "SQLALCHEMY_DATABASE_URI": UNREACHABLE,
            "UPLOAD_DIR": str(tmp_path_factory.mktemp("down-uploads")),
            # The limiter is a shared global: keep this app off its storage.
            "RATELIMIT_ENABLED": False,
        }
    )


def csrf_client(app: Flask):
    """A client holding a valid CSRF token: the form page, which lists units, cannot give one."""
    from flask import session
    from flask_wtf.csrf import generate_csrf

    client = app.test_client()
    with app.test_request_context():
        token = generate_csrf()
        raw = session["csrf_token"]
    with client.session_transaction() as stored:
        stored["csrf_token"] = raw
    return client, token


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def files_under(path: str | Path) -> list[Path]:
    return [p for p in Path(path).rglob("*") if p.is_file()]


def test_form_answers_503_with_a_clear_page(down_app):
    client, token = csrf_client(down_app)
    response = client.post(
        "/lapor",
        data={**valid_report(), "csrf_token": token, "form_token": "tok-" + "x" * 20},
        content_type="multipart/form-data",
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    page = page_text(response)
    assert "Layanan sedang tidak tersedia" in page
    assert "belum tersimpan" in page
    assert "Traceback" not in page and "psycopg" not in page
    assert files_under(down_app.config["UPLOAD_DIR"]) == []


def test_form_page_itself_answers_503(down_app):
    response = down_app.test_client().get("/lapor")
    assert response.status_code == 503
    assert "Layanan sedang tidak tersedia" in page_text(response)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/complaints", API_REPORT),
        ("get", "/api/v1/categories", None),
        ("get", "/open311/v2/services.json", None),
    ],
)
def test_api_answers_503_json(down_app, method, path, body):
    client = down_app.test_client()
    response = getattr(client, method)(path, json=body)
    if response.status_code == 404:  # pragma: no cover - a route renamed
        pytest.skip(f"{path} does not exist")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.is_json
    messages = response.get_json()["errors"]["request"]
    assert messages and "tidak tersedia" in messages[0]


def test_database_lost_at_commit_leaves_no_partial_complaint(
    client, app, session, catalogue, monkeypatch
):
    """The connection drops when the complaint is committed: 503, and nothing of it remains."""
    tokens = form_tokens(client, "/lapor")

    def dropped(_session):
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(Session, "commit", dropped)
    upload_dir = app.config["UPLOAD_DIR"]
    before = set(files_under(upload_dir))
    response = client.post(
        "/lapor",
        data={
            **tokens,
            **valid_report(contact_email="budi@example.org"),
            "evidence": [(io.BytesIO(photo_with_gps()), "bukti.jpg")],
        },
        content_type="multipart/form-data",
    )
    monkeypatch.undo()

    assert response.status_code == 503
    assert "Layanan sedang tidak tersedia" in page_text(response)
    for model in (Complaint, ComplaintMessage, OutboundMessage, Attachment):
        assert session.scalar(sa.select(sa.func.count()).select_from(model)) == 0, model
    assert set(files_under(upload_dir)) == before
