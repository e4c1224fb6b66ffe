"""A crash between storing a complaint and queueing its acknowledgement leaves nothing behind.

The complaint, its message, its evidence (rows and files) and its acknowledgement are written in
one transaction: a fault injected at the acknowledgement must undo all of them.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from models import Attachment, Complaint, ComplaintEvent, ComplaintMessage, OutboundMessage
from models.enums import Channel
from portal.services import outbox
from portal.services.evidence import Upload
from portal.services.intake import (
    ComplaintSubmission,
    Contact,
    IntakeSettings,
    submit_complaint,
)
from tests.factories import photo_with_gps
from tests.public import conftest as public
from tests.public.conftest import form_tokens, valid_report

catalogue = public.catalogue  # the seeded units and categories, as a fixture here


class Crash(RuntimeError):
    """The process dying between the two steps."""


@pytest.fixture
def crash_at_acknowledgement(monkeypatch):
    calls = []

    def crash(*_args, **_kwargs):
        calls.append(1)
        raise Crash("killed between storing the complaint and queueing its acknowledgement")

    monkeypatch.setattr(outbox, "queue_email", crash)
    return calls


def files_under(path: str | Path) -> set[Path]:
    return {p for p in Path(path).rglob("*") if p.is_file()}


def assert_nothing_stored(session, upload_dir, files_before) -> None:
    session.rollback()
    for model in (Complaint, ComplaintMessage, ComplaintEvent, Attachment, OutboundMessage):
        count = session.scalar(sa.select(sa.func.count()).select_from(model))
        assert count == 0, f"{model.__name__}: {count} row(s) left behind"
    assert files_under(upload_dir) == files_before, "evidence files left on disk"


def test_service_crash_before_acknowledgement_leaves_nothing(
    app, session, catalogue, crash_at_acknowledgement
):
    upload_dir = app.config["UPLOAD_DIR"]
    before = files_under(upload_dir)
    submission = ComplaintSubmission(
        channel=Channel.WEB,
        category="pungli",
        title="Pungutan di loket KTP",
        description="Petugas loket meminta uang Rp50.000 untuk mempercepat KTP elektronik.",
        unit="direktorat-pendaftaran-penduduk",
        contact=Contact(email="budi@example.org"),
        evidence=(Upload(filename="bukti.jpg", content=photo_with_gps()),),
        submission_token="atomic-" + "x" * 20,
    )
    settings = IntakeSettings.from_config(app.config)
    with pytest.raises(Crash):  # as the views do: submit, then commit
        submit_complaint(session, submission, settings)
        session.commit()
    assert crash_at_acknowledgement, "the fault was never reached"
    assert_nothing_stored(session, upload_dir, before)


def test_web_form_crash_before_acknowledgement_leaves_nothing(
    client, app, session, catalogue, crash_at_acknowledgement
):
    upload_dir = app.config["UPLOAD_DIR"]
    before = files_under(upload_dir)
    data = {
        **form_tokens(client, "/lapor"),
        **valid_report(contact_email="budi@example.org"),
        "evidence": [(io.BytesIO(photo_with_gps()), "bukti.jpg")],
    }
    with pytest.raises(Crash):  # TESTING propagates the exception instead of a 500 page
        client.post("/lapor", data=data, content_type="multipart/form-data")
    assert crash_at_acknowledgement, "the fault was never reached"
    assert_nothing_stored(session, upload_dir, before)


def test_without_the_fault_everything_is_stored(client, app, session, catalogue):
    """The control: the same report, undisturbed, stores all that the fault must undo."""
    upload_dir = app.config["UPLOAD_DIR"]
    before = files_under(upload_dir)
    data = {
        **form_tokens(client, "/lapor"),
        **valid_report(contact_email="budi@example.org"),
        "evidence": [(io.BytesIO(photo_with_gps()), "bukti.jpg")],
    }
    response = client.post("/lapor", data=data, content_type="multipart/form-data")
    assert response.status_code in (302, 303)
    for model in (Complaint, ComplaintMessage, Attachment, OutboundMessage):
        assert session.scalar(sa.select(sa.func.count()).select_from(model)) >= 1, model
    assert files_under(upload_dir) - before
