"""The public pages in a real browser on a phone-sized screen."""

from __future__ import annotations

import pytest

from portal.services.demo import seed_demo
from portal.services.lifecycle import LifecyclePolicy


@pytest.fixture
def demo(session):
    seed_demo(session, LifecyclePolicy())
    session.commit()


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_phone_visitor_browses_units_and_switches_language(
    phone, live_server, demo, screenshot_dir
):
    phone.goto(live_server + "/")
    assert phone.locator("html").get_attribute("lang") == "id"
    assert phone.get_by_role("heading", name="Awasi Zona Integritas bersama").is_visible()
    assert no_sideways_scroll(phone)
    phone.screenshot(path=str(screenshot_dir / "home-phone.png"), full_page=True)

    phone.get_by_role("link", name="Lihat semua unit").click()
    phone.wait_for_url("**/unit")
    assert phone.locator("tbody tr").count() == 12
    assert no_sideways_scroll(phone)

    phone.get_by_label("Predikat").select_option("dicabut")
    phone.get_by_role("button", name="Tampilkan").click()
    phone.wait_for_url("**predikat=dicabut**")
    assert phone.locator("tbody tr").count() == 1
    phone.get_by_role("link", name="Direktorat Toponimi dan Batas Daerah").click()
    phone.wait_for_url("**/unit/direktorat-toponimi-dan-batas-daerah")
    phone.get_by_role("heading", name="Peninjauan pencabutan").wait_for()
    assert no_sideways_scroll(phone)
    phone.screenshot(path=str(screenshot_dir / "unit-revoked-phone.png"), full_page=True)

    phone.get_by_role("link", name="English", exact=True).click()
    phone.get_by_role("heading", name="Revocation reviews").wait_for()  # the new page is in
    assert phone.locator("html").get_attribute("lang") == "en"
    assert "/unit/direktorat-toponimi-dan-batas-daerah" in phone.url  # stayed on the page
    phone.goto(live_server + "/unit")
    phone.get_by_role("heading", name="Integrity Zone units").wait_for()


def test_pages_load_no_outside_assets(phone, live_server, demo):
    requested: list[str] = []
    phone.on("request", lambda request: requested.append(request.url))
    phone.goto(live_server + "/unit/direktorat-pendaftaran-penduduk")
    assert requested and all(url.startswith(live_server) for url in requested)
