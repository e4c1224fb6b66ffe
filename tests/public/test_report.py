"""/lapor: filing a complaint on the web, with evidence, and every way it can go wrong."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image

from models import Attachment, Complaint, OutboundMessage
from models.enums import Channel, ComplaintStatus, Privacy
from tests.factories import photo_with_gps
from tests.public.conftest import form_tokens, valid_report


def post_report(client, data, files=(), **kwargs):
    payload = {**form_tokens(client, "/lapor"), **data}
    if files:
        payload["evidence"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post("/lapor", data=payload, content_type="multipart/form-data", **kwargs)


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_form_shows_units_categories_and_privacy_choices(client, catalogue):
    page = page_text(client.get("/lapor"))
    assert (
        "Direktorat Pendaftaran Penduduk" in page and '<optgroup label="Maladministrasi">' in page
    )
    assert "Pemerasan/pungutan liar" in page
    for word in ("Rahasia", "Anonim", "Terbuka"):
        assert word in page
    assert 'data-privacy="rahasia"' in page  # integrity categories default to confidential


def test_filing_shows_code_and_key_once(client, session, catalogue):
    response = post_report(client, valid_report())
    assert response.status_code == 302 and response.headers["Location"].endswith("/lapor/terkirim")
    receipt = page_text(client.get("/lapor/terkirim"))
    code = re.search(r"ZI-[2-9A-Z]{4}-[2-9A-Z]{4}", receipt).group(0)
    key = re.search(r'id="kunci">([^<]+)<', receipt).group(1)
    assert "hanya ditampilkan sekali" in receipt
    complaint = session.scalar(sa.select(Complaint).where(Complaint.code == code))
    assert (
        complaint.channel == Channel.WEB
        and complaint.unit.slug == "direktorat-pendaftaran-penduduk"
    )
    assert complaint.privacy == Privacy.RAHASIA and complaint.status == ComplaintStatus.DITERIMA
    assert key not in complaint.access_key_hash and complaint.verification_due is not None
    again = page_text(client.get("/lapor/terkirim"))
    assert code in again and key not in again  # the key is shown once


def test_signed_receipt_downloads_without_the_key(client, catalogue):
    post_report(client, valid_report())
    page = client.get("/lapor/terkirim").get_data(as_text=True)
    key = re.search(r'id="kunci">([^<]+)<', page).group(1)
    download = client.get("/lapor/tanda-terima.txt")
    assert download.headers["Content-Disposition"].startswith("attachment")
    text = download.get_data(as_text=True)
    assert "signature:" in text and key not in text


def test_photo_is_kept_sealed_and_cleaned(client, session, catalogue, app):
    from portal.services.evidence import original_path, viewable_path

    photo = photo_with_gps()
    response = post_report(client, valid_report(), files=[("foto.jpg", photo)])
    assert response.status_code == 302
    attachment = session.scalar(sa.select(Attachment))
    upload_dir = app.config["UPLOAD_DIR"]
    assert original_path(attachment, upload_dir).read_bytes() == photo
    cleaned = Image.open(viewable_path(attachment, upload_dir))
    assert not cleaned.getexif()  # no camera model, no GPS reaches inspectors


def test_unknown_unit_is_allowed_with_a_hint(client, session, catalogue):
    post_report(client, valid_report(unit="Kantor kecamatan di Bogor", unit_unknown="y"))
    complaint = session.scalar(sa.select(Complaint))
    assert complaint.unit is None and complaint.unit_hint == "Kantor kecamatan di Bogor"


def test_several_matching_units_are_offered_to_choose(client, catalogue):
    response = post_report(client, valid_report(unit="Direktorat"))
    page = page_text(response)
    assert response.status_code == 422 and "Beberapa unit cocok" in page
    assert 'name="unit_choice" value="direktorat-toponimi-dan-batas-daerah"' in page


def test_errors_sit_beside_fields_and_everything_typed_is_kept(client, session, catalogue):
    data = valid_report(title="abc", description="pendek", contact_email="bukan-email")
    response = post_report(client, data, files=[("bukti.pdf", b"%PDF-1.4\n%%EOF\n")])
    page = page_text(response)
    assert response.status_code == 422
    assert "Judul terlalu pendek" in page and "Uraian terlalu pendek" in page
    assert "Alamat email tidak valid" in page
    assert 'value="bukan-email"' in page and "pendek</textarea>" in page
    assert "bukti.pdf" in page and 'name="keep"' in page  # the file is kept, not lost
    keep = re.search(r'name="keep" value="([^"]+)"', page).group(1)
    fixed = post_report(client, valid_report(keep=keep))
    assert fixed.status_code == 302
    assert session.scalar(sa.select(Attachment)).original_filename == "bukti.pdf"


def test_english_errors_for_english_visitors(client, catalogue):
    client.get("/bahasa/en")
    page = page_text(post_report(client, valid_report(title="")))
    assert "Title is required" in page


@pytest.mark.parametrize("field", ["title", "description", "incident_place", "reported_party"])
def test_script_in_any_field_is_stored_as_inert_text(client, session, catalogue, field):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>Isi laporan yang panjang'
    post_report(client, valid_report(**{field: hostile}))
    complaint = session.scalar(sa.select(Complaint))
    stored = getattr(complaint, {"description": "body"}.get(field, field))
    assert "<" not in stored and 'alert("x")' in stored


def test_overlong_title_is_refused_with_its_limit(client, catalogue):
    page = page_text(post_report(client, valid_report(title="x" * 201)))
    assert "terlalu panjang" in page and "maksimal 200" in page


def test_unicode_edge_cases_are_cleaned_not_refused(client, session, catalogue):
    text = "Petugas 🙁 minta\x00 uang \u202etunai\u202c di loket pelayanan"
    assert post_report(client, valid_report(description=text)).status_code == 302
    body = session.scalar(sa.select(Complaint)).body
    assert body == "Petugas 🙁 minta uang tunai di loket pelayanan"


def test_a_pdf_named_jpg_is_accepted_as_pdf_and_an_executable_refused(client, session, catalogue):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    assert post_report(client, valid_report(), files=[("foto.jpg", pdf)]).status_code == 302
    assert session.scalar(sa.select(Attachment)).media_type == "application/pdf"
    elf = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
    response = post_report(client, valid_report(), files=[("foto.jpg", elf)])
    assert response.status_code == 422 and "foto.jpg" in page_text(response)


def test_oversize_upload_gets_a_clear_page(client, app, catalogue):
    app.config["MAX_CONTENT_LENGTH"] = 200_000
    try:
        response = post_report(
            client, valid_report(), files=[("besar.pdf", b"%PDF" + b"0" * 300_000)]
        )
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 64 * 1024 * 1024
    assert response.status_code == 413 and "Berkas terlalu besar" in page_text(response)


def test_missing_csrf_token_keeps_the_form(client, session, catalogue):
    response = client.post("/lapor", data=valid_report(), content_type="multipart/form-data")
    page = page_text(response)
    assert response.status_code == 422 and "Formulir kedaluwarsa" in page
    assert "Pungutan di loket KTP" in page
    assert session.scalar(sa.select(sa.func.count(Complaint.id))) == 0


def test_replayed_form_files_once(client, session, catalogue):
    payload = {**form_tokens(client, "/lapor"), **valid_report()}
    first = client.post("/lapor", data=payload)
    key = re.search(r'id="kunci">([^<]+)<', client.get("/lapor/terkirim").get_data(True)).group(1)
    replay = client.post("/lapor", data=payload)
    assert first.status_code == 302 and replay.status_code == 302
    page = page_text(client.get(replay.headers["Location"]))
    assert "tidak ditampilkan lagi" in page and key not in page
    assert session.scalar(sa.select(sa.func.count(Complaint.id))) == 1


def test_replay_after_the_receipt_is_gone_says_it_was_filed(client, session, catalogue):
    payload = {**form_tokens(client, "/lapor"), **valid_report()}
    client.post("/lapor", data=payload)
    with client.session_transaction() as browser_session:
        browser_session.pop("filed")
    replay = client.post("/lapor", data=payload)
    assert replay.status_code == 409 and "sudah terkirim" in page_text(replay)
    assert session.scalar(sa.select(sa.func.count(Complaint.id))) == 1


def test_double_click_leads_to_the_same_receipt(client, session, catalogue):
    payload = {**form_tokens(client, "/lapor"), **valid_report()}
    client.post("/lapor", data=payload)
    second = client.post("/lapor", data=payload)
    assert second.status_code == 302  # the key has not been shown yet: show it
    assert re.search(r'id="kunci">', client.get("/lapor/terkirim").get_data(as_text=True))


def test_honeypot_stops_bots_but_keeps_the_text(client, session, catalogue):
    response = post_report(client, valid_report(website="http://spam.example"))
    assert response.status_code == 422 and "Jangan isi kolom ini" in page_text(response)
    assert session.scalar(sa.select(sa.func.count(Complaint.id))) == 0


def test_flood_is_rate_limited_without_losing_the_report(client, app, session, catalogue):
    app.config["RATELIMIT_REPORT"] = "2 per minute"
    try:
        statuses = [
            post_report(client, valid_report(title=f"Laporan nomor {i}")).status_code
            for i in range(3)
        ]
        last = post_report(client, valid_report(title="Laporan keempat"))
    finally:
        app.config["RATELIMIT_REPORT"] = "5 per minute;30 per hour"
    assert statuses[:2] == [302, 302] and statuses[2] == 429
    assert last.status_code == 429 and "Laporan keempat" in page_text(last)


def test_acknowledgement_is_queued_for_an_email_reporter(client, session, catalogue):
    post_report(client, valid_report(contact_email="warga@contoh.test", contact_name="Warga"))
    message = session.scalar(sa.select(OutboundMessage))
    assert message.recipient == "warga@contoh.test" and "[ZI-" in message.subject
    assert message.message_id.startswith("<") and message.message_id.endswith(">")


def test_anonymous_report_refuses_a_name(client, catalogue):
    page = page_text(post_report(client, valid_report(privacy="anonim", contact_name="Budi")))
    assert "Laporan anonim tidak menyimpan nama" in page


def test_consent_is_required(client, catalogue):
    data = valid_report()
    data.pop("consent")
    assert "Centang pernyataan ini" in page_text(post_report(client, data))
