"""/verifikasi: anyone can check a receipt, and fetch the key to check it without the portal."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime

import pytest

from models import Category, Complaint
from models.enums import Channel, Privacy
from portal.services.receipts import (
    MAX_RECEIPT_TEXT_BYTES,
    Receipt,
    ReceiptSigner,
    issue_receipt,
    load_public_key,
    new_private_key_pem,
    verify_signature,
)

CODE = "ZI-7K3F-9QPM"
DIGEST = "5" * 64
FILED_AT = datetime(2025, 3, 14, 2, 3, 4, tzinfo=UTC)
SECRET_TITLE = "Judul yang tidak boleh tampil"


@pytest.fixture
def signer(app, monkeypatch) -> ReceiptSigner:
    """This portal's key, from RECEIPT_SIGNING_KEY (no key file is written by the suite)."""
    monkeypatch.setitem(app.config, "RECEIPT_SIGNING_KEY", new_private_key_pem())
    return ReceiptSigner.from_config(app.config)


@pytest.fixture
def receipt(signer) -> Receipt:
    return issue_receipt(signer, code=CODE, filed_at=FILED_AT, content_sha256=DIGEST)


@pytest.fixture
def complaint(session) -> Complaint:
    category = Category(slug="pungli", name="Pungutan liar", name_en="Extortion")
    complaint = Complaint(
        code=CODE,
        access_key_hash="0" * 64,
        channel=Channel.WEB,
        category=category,
        title=SECRET_TITLE,
        body="Isi yang tidak boleh tampil",
        privacy=Privacy.RAHASIA,
        reporter_name="Nama Pelapor",
        content_sha256=DIGEST,
    )
    session.add_all([category, complaint])
    session.commit()
    return complaint


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def csrf_token(client) -> str:
    page = client.get("/verifikasi").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def post(client, **data):
    data.setdefault("csrf_token", csrf_token(client))
    return client.post("/verifikasi", data=data, content_type="multipart/form-data")


def textarea_of(response) -> str:
    found = re.search(r"<textarea[^>]*>(.*?)</textarea>", response.get_data(as_text=True), re.S)
    return html.unescape(found.group(1)).strip()


def test_form_is_in_indonesian_with_the_key_id_and_link(client, signer):
    response = client.get("/verifikasi")
    page = text_of(response)
    assert response.status_code == 200
    assert "Periksa tanda terima pengaduan" in page and "Teks tanda terima" in page
    assert "<textarea" in page and 'type="file"' in page and 'name="csrf_token"' in page
    assert signer.key_id in page and 'href="/verifikasi/kunci-publik.pem"' in page


def test_valid_receipt_matching_the_record_is_valid_and_cocok(client, receipt, complaint):
    response = post(client, receipt_text=receipt.to_text())
    page = text_of(response)
    assert response.status_code == 200
    assert "verdict-valid" in page and "VALID" in page and "TIDAK VALID" not in page
    assert "Cocok dengan catatan portal" in page
    assert CODE in page and "14 Maret 2025 09.03.04 WIB" in page


def test_result_shows_nothing_else_about_the_complaint(client, receipt, complaint):
    page = text_of(post(client, receipt_text=receipt.to_text()))
    for secret in (
        SECRET_TITLE,
        "Isi yang tidak boleh tampil",
        "Nama Pelapor",
        "rahasia",
        "diterima",
    ):
        assert secret not in page


def test_valid_receipt_whose_record_changed_says_tidak_cocok(client, receipt, complaint, session):
    complaint.content_sha256 = "6" * 64
    session.commit()
    page = text_of(post(client, receipt_text=receipt.to_text()))
    assert "verdict-valid" in page and "Tidak cocok" in page
    assert "Cocok dengan catatan portal" not in page


def test_valid_receipt_without_a_record_says_not_found(client, receipt):
    page = text_of(post(client, receipt_text=receipt.to_text()))
    assert "verdict-valid" in page and "Tidak ditemukan" in page


def test_tampered_receipt_is_invalid(client, receipt, complaint):
    tampered = receipt.to_text().replace(f"code:{CODE}", "code:ZI-7K3F-9QPN")
    response = post(client, receipt_text=tampered)
    page = text_of(response)
    assert response.status_code == 200
    assert "verdict-invalid" in page and "TIDAK VALID" in page and "telah diubah" in page
    assert "ZI-7K3F-9QPN</dd>" not in page and "Cocok" not in page


def test_receipt_of_another_key_is_invalid_and_says_so(client, signer, complaint):
    other = ReceiptSigner.from_pem(new_private_key_pem())
    forged = issue_receipt(other, code=CODE, filed_at=FILED_AT, content_sha256=DIGEST)
    page = text_of(post(client, receipt_text=forged.to_text()))
    assert "TIDAK VALID" in page and "tidak ditandatangani dengan kunci ZI Portal ini" in page


def test_garbage_gets_a_clear_message_and_keeps_the_text(client, signer):
    garbage = "Ini <b>bukan</b> tanda terima\nsama sekali"
    response = post(client, receipt_text=garbage)
    assert response.status_code == 200
    page = text_of(response)
    assert "ZI-PORTAL-RECEIPT/1 tidak ditemukan" in page and "verdict" not in page
    assert textarea_of(response) == garbage
    assert "<b>bukan</b>" not in response.get_data(as_text=True)  # escaped, never rendered


def test_malformed_line_is_named_in_the_message(client, receipt):
    broken = receipt.to_text().replace("filed_at:2025-03-14T02:03:04Z", "filed_at:14-03-2025")
    response = post(client, receipt_text=broken)
    assert response.status_code == 200
    assert "filed_at" in text_of(response) and "verdict" not in text_of(response)
    assert textarea_of(response) == broken.strip()


def test_empty_form_asks_for_a_receipt(client, signer):
    response = post(client, receipt_text="  ")
    assert response.status_code == 200
    assert "Tempelkan teks tanda terima atau unggah berkasnya" in text_of(response)


def test_uploaded_receipt_file_is_checked(client, receipt, complaint):
    saved = receipt.to_text().replace("\n", "\r\n").encode("utf-8-sig")
    response = post(client, receipt_file=(io.BytesIO(saved), "tanda-terima-ZI-7K3F-9QPM.txt"))
    page = text_of(response)
    assert "verdict-valid" in page and "Cocok dengan catatan portal" in page
    assert CODE in textarea_of(response)  # what was read is shown


def test_uploaded_file_that_is_not_text_is_refused(client, signer):
    response = post(client, receipt_file=(io.BytesIO(b"\xff\xd8\xff\xe0JFIF"), "foto.jpg"))
    assert response.status_code == 200
    assert "bukan teks tanda terima" in text_of(response)


def test_uploaded_file_over_64_kb_is_refused(client, signer):
    big = io.BytesIO(b"x" * (MAX_RECEIPT_TEXT_BYTES + 1))
    response = post(client, receipt_file=(big, "besar.txt"))
    assert response.status_code == 200
    assert "paling banyak 64 KB" in text_of(response) and "verdict" not in text_of(response)


def test_pasted_text_over_64_kb_is_refused_and_kept(client, signer):
    pasted = "x" * (MAX_RECEIPT_TEXT_BYTES + 1)
    response = post(client, receipt_text=pasted)
    assert response.status_code == 200
    assert "Teks tanda terima paling banyak 64 KB" in text_of(response)
    assert textarea_of(response) == pasted


def test_request_far_over_the_limit_gets_the_page_not_a_crash(client, signer):
    huge = io.BytesIO(b"x" * (4 * MAX_RECEIPT_TEXT_BYTES))
    response = post(client, receipt_file=(huge, "besar.txt"))
    assert response.status_code == 413
    assert "paling banyak 64 KB" in text_of(response) and "<textarea" in text_of(response)


def test_missing_csrf_token_is_refused_and_keeps_the_text(client, receipt, complaint):
    pasted = receipt.to_text()
    response = client.post(
        "/verifikasi", data={"receipt_text": pasted}, content_type="multipart/form-data"
    )
    page = text_of(response)
    assert response.status_code == 400
    assert "Formulir kedaluwarsa" in page and "verdict" not in page
    assert textarea_of(response) == pasted.strip()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    retried = post(client, receipt_text=textarea_of(response), csrf_token=token)
    assert "verdict-valid" in text_of(retried)  # the kept text and the fresh token just work


def test_wrong_csrf_token_is_refused(client, receipt):
    response = post(client, receipt_text=receipt.to_text(), csrf_token="palsu")
    assert response.status_code == 400 and "verdict" not in text_of(response)


def test_public_key_is_served_as_a_pem_attachment(client, signer, receipt):
    response = client.get("/verifikasi/kunci-publik.pem")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=zi-portal-receipt-key.pem"
    )
    public_key = load_public_key(response.get_data())
    assert verify_signature(public_key, receipt.payload(), receipt.signature_bytes())
    assert response.get_data(as_text=True) == signer.public_pem()
