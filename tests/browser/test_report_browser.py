"""A citizen on a phone files a complaint with a photo, then follows it up."""

from __future__ import annotations

import pytest

from portal.services.reference_data import ensure_categories
from tests.factories import gen_agency, gen_unit, photo_with_gps


@pytest.fixture
def catalogue(session):
    ensure_categories(session)
    agency = gen_agency(session, name="Kementerian Dalam Negeri")
    gen_unit(session, agency, name="Direktorat Pendaftaran Penduduk")
    gen_unit(session, agency, name="Inspektorat III")
    session.commit()


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_file_track_and_follow_up_on_a_phone(phone, live_server, catalogue, screenshot_dir):
    shot = lambda name: phone.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=True)  # noqa: E731
    phone.goto(live_server + "/")
    phone.get_by_role("link", name="Lapor", exact=True).click()
    phone.wait_for_url("**/lapor")
    assert no_sideways_scroll(phone)

    phone.get_by_label("Unit kerja yang dilaporkan").fill("Direktorat Pendaftaran Penduduk")
    phone.get_by_label("Kategori").select_option("pungli")
    assert phone.locator("input[name=privacy][value=rahasia]").is_checked()
    phone.get_by_label("Judul singkat").fill("Pungutan di loket KTP")
    phone.get_by_label("Apa yang terjadi?").fill(
        "Petugas loket meminta uang Rp50.000 agar KTP elektronik cepat jadi."
    )
    phone.get_by_label("Tanggal kejadian").fill("2026-11-20")
    phone.locator("input[name=evidence]").set_input_files(
        [{"name": "loket.jpg", "mimeType": "image/jpeg", "buffer": photo_with_gps()}]
    )
    phone.get_by_label("Saya menyatakan laporan ini benar").check()
    shot("01-form-filled")
    phone.get_by_role("button", name="Kirim laporan").click()
    phone.wait_for_url("**/lapor/terkirim")
    code = phone.locator("#kode").inner_text().strip()
    key = phone.locator("#kunci").inner_text().strip()
    assert code.startswith("ZI-") and len(key) == 23
    assert no_sideways_scroll(phone)
    shot("02-receipt")

    phone.get_by_role("link", name="Lacak laporan").click()
    phone.get_by_label("Nomor pelacakan").fill(code)
    phone.get_by_label("Kunci akses").fill(key)
    phone.get_by_role("button", name="Buka laporan").click()
    phone.wait_for_url("**/lacak/status")
    assert phone.get_by_text("Diterima — menunggu verifikasi").is_visible()
    assert phone.get_by_role("link", name="loket.jpg").is_visible()
    shot("03-status")

    phone.get_by_label("Pesan Anda").fill("Ini dokumen tarif resminya.")
    phone.locator("input[name=evidence]").set_input_files(
        [
            {
                "name": "tarif.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
            }
        ]
    )
    phone.get_by_role("button", name="Kirim", exact=True).click()
    phone.wait_for_url("**/lacak/status")
    assert phone.get_by_text("Pesan Anda terkirim.").is_visible()
    assert phone.get_by_role("link", name="tarif.pdf").is_visible()
    shot("04-replied")

    phone.get_by_role("link", name="English", exact=True).click()
    phone.get_by_text("Received — awaiting verification").wait_for()
    assert no_sideways_scroll(phone)
    shot("05-english")


def test_form_errors_keep_the_photo_in_the_browser(phone, live_server, catalogue, screenshot_dir):
    phone.goto(live_server + "/lapor")
    phone.get_by_label("Unit kerja yang dilaporkan").fill("Inspektorat III")
    phone.get_by_label("Kategori").select_option("suap")
    phone.get_by_label("Judul singkat").fill("Suap")  # too short
    phone.get_by_label("Apa yang terjadi?").fill("Rekanan memberi amplop kepada pejabat pengadaan.")
    phone.locator("input[name=evidence]").set_input_files(
        [{"name": "amplop.jpg", "mimeType": "image/jpeg", "buffer": photo_with_gps()}]
    )
    phone.get_by_label("Saya menyatakan laporan ini benar").check()
    phone.get_by_role("button", name="Kirim laporan").click()
    phone.get_by_text("Judul terlalu pendek").wait_for()
    assert phone.get_by_label("Apa yang terjadi?").input_value().startswith("Rekanan memberi")
    assert phone.get_by_text("amplop.jpg").is_visible()
    phone.screenshot(path=str(screenshot_dir / "06-errors-kept.png"), full_page=True)
    phone.get_by_label("Judul singkat").fill("Suap dalam pengadaan")
    phone.get_by_label("Saya menyatakan laporan ini benar").check()
    phone.get_by_role("button", name="Kirim laporan").click()
    phone.wait_for_url("**/lapor/terkirim")
