"""The statistics page in Chromium on a phone: the server-drawn chart shows, nothing else loads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.enums import Channel
from portal.services.intake import ComplaintSubmission, IntakeSettings, submit_complaint
from portal.services.reference_data import ensure_categories
from tests.factories import gen_agency, gen_unit


@pytest.fixture
def complaints(session, app):
    """Eleven complaints over the last months, about two units."""
    ensure_categories(session)
    agency = gen_agency(session, name="Kementerian Dalam Negeri")
    units = [
        gen_unit(session, agency, name="Direktorat Pendaftaran Penduduk"),
        gen_unit(session, agency, name="Inspektorat III"),
    ]
    settings = IntakeSettings.from_config(app.config)
    now = datetime.now(UTC)
    for i in range(11):
        submit_complaint(
            session,
            ComplaintSubmission(
                channel=Channel.WEB,
                category="pungli" if i % 2 else "penundaan-berlarut",
                title=f"Laporan uji {i}",
                description="Petugas meminta uang tambahan untuk mempercepat layanan.",
                unit=units[i % 2].slug,
            ),
            settings,
            now=now - timedelta(days=40 * (i % 4) + 1),
        )
    session.commit()


def test_the_chart_renders_without_errors_or_outside_requests(
    phone, live_server, complaints, screenshot_dir
):
    problems: list[str] = []

    def on_console(message):
        # The portal has no favicon; the browser's own request for one is not the page's error.
        if message.type in ("error", "warning") and "favicon" not in message.location["url"]:
            problems.append(f"{message.text} ({message.location['url']})")

    phone.on("console", on_console)
    phone.on("pageerror", lambda error: problems.append(str(error)))
    requested: list[str] = []
    phone.on("request", lambda request: requested.append(request.url))

    phone.goto(live_server + "/")
    phone.get_by_role("link", name="Statistik", exact=True).click()
    phone.wait_for_url("**/statistik")

    line = phone.locator("svg.chart-line")
    assert line.is_visible()
    box = line.bounding_box()
    assert box["width"] > 200 and box["x"] + box["width"] <= 390  # scaled to the phone
    assert phone.locator("svg.chart-line path.line").count() == 1
    assert phone.locator("svg.chart-bar rect.s0").count() > 0  # bars are drawn (CSS applied)
    fill = phone.locator("svg.chart-bar rect.s0").first.evaluate("e => getComputedStyle(e).fill")
    assert fill not in ("", "none", "rgb(0, 0, 0)")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    section = phone.locator("section.stats-dataset").filter(has=phone.locator("svg.chart-line"))
    table = section.locator("table")
    assert not table.is_visible()
    section.get_by_text("Tabel", exact=True).click()
    assert table.is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path=str(screenshot_dir / "statistics-phone.png"), full_page=True)

    assert requested and all(url.startswith(live_server) for url in requested)
    assert not problems  # a Content-Security-Policy violation would be logged here
