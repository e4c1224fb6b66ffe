"""What filing reads before it writes, in one query: the earlier filing of the same form, whether
the new code is free, the category and the unit. Each answer must be what separate reads gave."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import Complaint
from models.enums import Channel
from portal.services import intake
from portal.services.intake import (
    ComplaintSubmission,
    DuplicateSubmission,
    IntakeSettings,
    ValidationFailed,
    submit_complaint,
)
from tests.public import conftest as public

catalogue = public.catalogue  # the seeded units and categories, as a fixture here


def _submission(**overrides) -> ComplaintSubmission:
    values = {
        "channel": Channel.WEB,
        "category": "pungli",
        "title": "Pungutan di loket KTP",
        "description": "Petugas loket meminta uang Rp50.000 untuk mempercepat KTP elektronik.",
        "unit": "direktorat-pendaftaran-penduduk",
        "submission_token": "token-1",
    }
    values.update(overrides)
    return ComplaintSubmission(**values)


@pytest.fixture
def settings(app):
    return IntakeSettings.from_config(app.config)


def test_a_taken_code_is_replaced(session, catalogue, settings, monkeypatch):
    first = submit_complaint(session, _submission(), settings).complaint
    session.commit()
    codes = iter([first.code, "ZI-2345-6789"])
    monkeypatch.setattr(intake, "new_code", lambda: next(codes))
    second = submit_complaint(session, _submission(submission_token="token-2"), settings)
    session.commit()
    assert second.complaint.code == "ZI-2345-6789"


def test_the_same_form_twice_names_the_first_filing(session, catalogue, settings, monkeypatch):
    first = submit_complaint(session, _submission(), settings).complaint
    session.commit()
    monkeypatch.setattr(intake, "new_code", lambda: first.code)  # and its code comes up again
    with pytest.raises(DuplicateSubmission) as raised:
        submit_complaint(session, _submission(), settings)
    assert raised.value.complaint.id == first.id


@pytest.mark.parametrize(
    ("category", "unit", "fields"),
    [
        ("tidak-ada", "direktorat-pendaftaran-penduduk", {"category"}),
        ("pungli", "tidak-ada", {"unit"}),
        ("tidak-ada", "tidak-ada", {"category", "unit"}),
        ("Bukan Slug!", "direktorat-pendaftaran-penduduk", {"category"}),
    ],
)
def test_unknown_category_or_unit_is_reported_each(
    session, catalogue, settings, category, unit, fields
):
    with pytest.raises(ValidationFailed) as raised:
        submit_complaint(session, _submission(category=category, unit=unit), settings)
    assert set(raised.value.errors) == fields


def test_found_category_and_unit_are_filed(session, catalogue, settings):
    filed = submit_complaint(
        session, _submission(unit="DIREKTORAT-PENDAFTARAN-PENDUDUK "), settings
    )
    session.commit()
    stored = session.scalar(sa.select(Complaint))
    assert stored.id == filed.complaint.id
    assert (stored.category.slug, stored.unit.slug) == ("pungli", "direktorat-pendaftaran-penduduk")


def test_an_email_without_category_or_unit_is_filed(session, catalogue, settings):
    filed = submit_complaint(
        session,
        _submission(channel=Channel.EMAIL, category=None, unit=None, submission_token=None),
        settings,
    )
    assert filed.complaint.category is None and filed.complaint.unit is None


def test_settings_are_read_again_when_the_configuration_changes(app, settings):
    assert IntakeSettings.from_config(app.config) is settings
    previous = app.config["REOPEN_WINDOW_DAYS"]
    app.config["REOPEN_WINDOW_DAYS"] = previous + 1
    try:
        assert IntakeSettings.from_config(app.config).reopen_window_days == previous + 1
    finally:
        app.config["REOPEN_WINDOW_DAYS"] = previous


def test_an_acknowledgement_names_its_complaint(session, catalogue, settings):
    from models import OutboundMessage
    from portal.services.intake import Contact

    filed = submit_complaint(
        session, _submission(contact=Contact(email="pelapor@example.test")), settings
    )
    session.commit()
    queued = session.scalar(sa.select(OutboundMessage))
    assert queued.complaint_id == filed.complaint.id
