"""An inspector's day in Chromium: log in, filter, open, reply, note, close; the reporter sees
the reply on the tracking page and never the note."""

from __future__ import annotations

import pytest

from models.enums import Channel, Role
from portal.services.intake import ComplaintSubmission, Contact, IntakeSettings, submit_complaint
from portal.services.reference_data import ensure_categories
from tests.factories import gen_agency, gen_unit, gen_user

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def filed(session, app):
    ensure_categories(session)
    agency = gen_agency(session, name="Kementerian Dalam Negeri")
    gen_unit(session, agency, name="Direktorat Pendaftaran Penduduk")
    gen_user(session, Role.INSPEKTUR, email="ina@uji.test")
    settings = IntakeSettings.from_config(app.config)
    for title in ("Pungutan di loket KTP", "Antrean terlalu lama"):
        result = submit_complaint(
            session,
            ComplaintSubmission(
                channel=Channel.WEB,
                category="pungli",
                title=title,
                privacy="rahasia",
                description="Petugas meminta uang Rp50.000 agar KTP elektronik cepat jadi.",
                unit="direktorat-pendaftaran-penduduk",
                contact=Contact(name="Budi"),
            ),
            settings,
        )
        if title.startswith("Pungutan"):
            code, key = result.complaint.code, result.access_key
    session.commit()
    return code, key


def test_inspector_triages_and_the_reporter_sees_only_the_reply(
    browser, live_server, filed, screenshot_dir
):
    code, key = filed
    context = browser.new_context(viewport=DESKTOP, locale="id-ID")
    page = context.new_page()
    page.goto(live_server + "/inspektorat")
    page.get_by_label("Email").fill("ina@uji.test")
    page.get_by_label("Kata sandi").fill("kata-sandi-uji-123")
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url("**/inspektorat")
    page.get_by_label("Cari").fill("loket")
    with page.expect_navigation():
        page.get_by_role("button", name="Terapkan").click()
    page.get_by_role("link", name=code).wait_for()
    assert page.get_by_text("Antrean terlalu lama").count() == 0
    page.screenshot(path=str(screenshot_dir / "inspector-01-queue.png"), full_page=True)

    page.get_by_role("link", name=code).click()
    assert page.get_by_text("Budi").count() == 0  # identity hidden
    page.get_by_label("Balasan publik (dikirim ke pelapor)").fill("Terima kasih, kami periksa.")
    with page.expect_navigation():
        page.get_by_role("button", name="Kirim balasan").click()
    page.get_by_text("Balasan dikirim ke pelapor.").wait_for()
    page.get_by_label("Catatan internal (tidak pernah dilihat pelapor)").fill("Saksi: Pak X")
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan catatan").click()
    for status in ("verifikasi", "tindak_lanjut"):
        page.get_by_label("Ubah status").select_option(status)
        with page.expect_navigation():
            page.get_by_role("button", name="Simpan status").click()
        page.get_by_text("Status diperbarui.").wait_for()
    page.get_by_label("Ubah status").select_option("selesai")
    page.get_by_label("Hasil (untuk 'selesai')").select_option("terbukti")
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan status").click()
    page.get_by_text("Selesai", exact=True).first.wait_for()
    page.screenshot(path=str(screenshot_dir / "inspector-02-closed.png"), full_page=True)
    context.close()

    reporter = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
    citizen = reporter.new_page()
    citizen.goto(live_server + "/lacak")
    citizen.get_by_label("Nomor pelacakan").fill(code)
    citizen.get_by_label("Kunci akses").fill(key)
    citizen.get_by_role("button", name="Buka laporan").click()
    citizen.wait_for_url("**/lacak/status")
    assert citizen.get_by_text("Terima kasih, kami periksa.").is_visible()
    assert citizen.get_by_text("Pak X").count() == 0
    citizen.screenshot(path=str(screenshot_dir / "inspector-03-reporter-view.png"), full_page=True)
    reporter.close()
