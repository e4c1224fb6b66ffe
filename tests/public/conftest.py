"""Helpers for the citizens' pages: a seeded catalogue and form tokens read from the page."""

from __future__ import annotations

import re

import pytest

from portal.services.reference_data import ensure_categories
from tests.factories import gen_agency, gen_unit

TOKEN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)
FORM_TOKEN = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')


def form_tokens(client, url: str) -> dict[str, str]:
    """GET ``url`` and return the hidden tokens a browser would send back."""
    html = client.get(url).get_data(as_text=True)
    tokens = {}
    match = TOKEN.search(html)
    if match:
        tokens["csrf_token"] = match.group(1) or match.group(2)
    match = FORM_TOKEN.search(html)
    if match:
        tokens["form_token"] = match.group(1)
    return tokens


@pytest.fixture
def catalogue(session):
    """Categories, and two units under one agency."""
    ensure_categories(session)
    agency = gen_agency(session, name="Kementerian Uji")
    units = {
        "dukcapil": gen_unit(session, agency, name="Direktorat Pendaftaran Penduduk"),
        "toponimi": gen_unit(session, agency, name="Direktorat Toponimi dan Batas Daerah"),
    }
    session.commit()
    return units


def valid_report(**overrides) -> dict:
    data = {
        "unit": "Direktorat Pendaftaran Penduduk",
        "category": "pungli",
        "title": "Pungutan di loket KTP",
        "description": "Petugas loket meminta uang Rp50.000 untuk mempercepat KTP elektronik.",
        "incident_date": "2026-11-20",
        "incident_place": "Loket 3",
        "privacy": "rahasia",
        "consent": "y",
    }
    data.update(overrides)
    return data
