"""The first public face: home, the unit list and each unit's page, in both languages."""

from __future__ import annotations

import re

import pytest

from portal.services.demo import UNITS, seed_demo
from portal.services.lifecycle import LifecyclePolicy


@pytest.fixture
def demo(session):
    seed_demo(session, LifecyclePolicy())
    session.commit()


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_home_explains_zi_and_lists_the_twelve_units(client, demo):
    page = text_of(client.get("/"))
    assert "Zona Integritas" in page and "Cara melapor" in page
    for _parent, _abbr, unit_name in UNITS:
        assert unit_name in page
    assert "1</span> unit berpredikat WBBM" in page.replace('"stat-num">', "")


def test_unit_list_shows_every_unit_with_stage_and_predicate(client, demo):
    page = text_of(client.get("/unit"))
    for _parent, _abbr, unit_name in UNITS:
        assert unit_name in page
    assert "Ditjen Dukcapil" in page and "badge-wbbm" in page and "Dicabut" in page


def test_unit_list_filters_by_predicate_and_name(client, demo):
    wbk = text_of(client.get("/unit?predikat=WBK"))
    assert "Inspektorat III" in wbk and "Direktorat Pendaftaran Penduduk" not in wbk
    found = text_of(client.get("/unit?q=toponimi"))
    assert "Direktorat Toponimi dan Batas Daerah" in found and "Inspektorat III" not in found
    unknown_filter = client.get("/unit?predikat=<script>")
    assert unknown_filter.status_code == 200 and "<script>" not in unknown_filter.get_data(True)


@pytest.mark.parametrize(("_parent", "_abbr", "unit_name"), UNITS)
def test_every_seeded_unit_has_a_page(client, demo, _parent, _abbr, unit_name):
    from portal.services.text import slugify

    response = client.get(f"/unit/{slugify(unit_name)}")
    assert response.status_code == 200
    assert unit_name in text_of(response)


def test_unit_page_shows_predicate_history(client, demo):
    page = text_of(client.get("/unit/direktorat-pendaftaran-penduduk"))
    assert "SK Mendagri 800-001/2019 (contoh)" in page
    assert "Ditingkatkan menjadi WBBM" in page
    assert "KepmenPANRB 2022/WBBM-001 (contoh)" in page


def test_unit_page_shows_the_revocation_and_ban(client, demo):
    page = text_of(client.get("/unit/direktorat-toponimi-dan-batas-daerah"))
    assert "Peninjauan pencabutan" in page
    assert "predikat dicabut" in page
    assert "Tidak dapat diusulkan sampai" in page and "12 Jun 2025" in page


def test_unknown_unit_is_a_friendly_404(client, demo):
    response = client.get("/unit/tidak-ada")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in text_of(response)


def test_pages_switch_to_english_and_back(client, demo):
    switched = client.get("/bahasa/en?next=/unit")
    assert switched.status_code == 302 and switched.headers["Location"].endswith("/unit")
    assert "Integrity Zone units" in text_of(client.get("/unit"))
    client.get("/bahasa/id")
    assert "Unit Zona Integritas" in text_of(client.get("/unit"))


def test_indonesian_is_the_default_whatever_the_browser_says(client, demo):
    page = text_of(client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}))
    assert 'lang="id"' in page and "Cara melapor" in page


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:x"])
def test_language_switch_never_redirects_off_site(client, target):
    response = client.get("/bahasa/en", query_string={"next": target})
    assert response.headers["Location"] in ("/", "http://localhost/")


def test_pages_carry_protective_headers(client, demo):
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_home_without_any_unit(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Belum ada unit" in text_of(response)
