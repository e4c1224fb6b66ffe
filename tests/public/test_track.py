"""/lacak: open a complaint with code and key, read the public thread, reply with evidence."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from models import Complaint, ComplaintMessage
from models.enums import Channel, ComplaintStatus, MessageKind
from tests.factories import photo_with_gps
from tests.public.conftest import form_tokens, valid_report


def file_complaint(client) -> tuple[str, str]:
    payload = {**form_tokens(client, "/lapor"), **valid_report()}
    client.post("/lapor", data=payload)
    page = client.get("/lapor/terkirim").get_data(as_text=True)
    code = re.search(r'id="kode">([^<]+)<', page).group(1)
    key = re.search(r'id="kunci">([^<]+)<', page).group(1)
    return code, key


def open_complaint(client, code, key):
    return client.post("/lacak", data={**form_tokens(client, "/lacak"), "code": code, "key": key})


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_code_and_key_open_the_status_page(client, catalogue):
    code, key = file_complaint(client)
    response = open_complaint(client, code.lower(), key.lower().replace("-", " "))
    assert response.status_code == 302
    page = text(client.get("/lacak/status"))
    assert code in page and "Diterima — menunggu verifikasi" in page
    assert "Batas verifikasi" in page and "Pungutan di loket KTP" in page


def test_wrong_code_and_wrong_key_get_the_same_answer(client, catalogue):
    code, key = file_complaint(client)
    wrong_key = open_complaint(client, code, "AAAAA-BBBBB-CCCCC-DDDDD")
    wrong_code = open_complaint(client, "ZI-2222-3333", key)
    assert wrong_key.status_code == wrong_code.status_code == 404
    strip = lambda r: re.sub(r'value="[^"]*"', "", text(r))  # noqa: E731 - tokens differ
    assert strip(wrong_key) == strip(wrong_code)


def test_fifty_wrong_keys_are_stopped(client, catalogue):
    code, key = file_complaint(client)
    statuses = [
        open_complaint(client, code, f"AAAAA-BBBBB-CCCCC-{i:05d}").status_code for i in range(50)
    ]
    assert statuses[:10] == [404] * 10 and set(statuses[10:]) == {429}
    assert open_complaint(client, code, key).status_code == 429  # even the right key, for now


def test_internal_notes_are_never_shown(client, session, catalogue):
    code, key = file_complaint(client)
    complaint = session.scalar(sa.select(Complaint).where(Complaint.code == code))
    session.add(
        ComplaintMessage(
            complaint=complaint,
            kind=MessageKind.CATATAN,
            channel=Channel.WEB,
            body="CATATAN INTERNAL: saksi kunci adalah Pak X",
        )
    )
    session.add(
        ComplaintMessage(
            complaint=complaint,
            kind=MessageKind.BALASAN,
            channel=Channel.WEB,
            body="Terima kasih, laporan sedang kami verifikasi.",
        )
    )
    session.commit()
    open_complaint(client, code, key)
    page = text(client.get("/lacak/status"))
    assert "sedang kami verifikasi" in page and "CATATAN INTERNAL" not in page


def test_reply_with_a_photo_adds_to_the_thread(client, session, catalogue):
    code, key = file_complaint(client)
    open_complaint(client, code, key)
    tokens = form_tokens(client, "/lacak/status")
    response = client.post(
        "/lacak/balas",
        data={
            **tokens,
            "body": "Ini foto loketnya.",
            "evidence": [(io.BytesIO(photo_with_gps()), "loket.jpg")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = text(client.get("/lacak/status"))
    assert "Pesan Anda terkirim" in page and "Ini foto loketnya." in page and "loket.jpg" in page
    attachment_id = re.search(r"/lacak/berkas/(\d+)", page).group(1)
    download = client.get(f"/lacak/berkas/{attachment_id}")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_reply_to_a_long_closed_complaint_is_refused_but_kept(client, session, catalogue):
    code, key = file_complaint(client)
    complaint = session.scalar(sa.select(Complaint).where(Complaint.code == code))
    complaint.status = ComplaintStatus.SELESAI
    complaint.closed_at = datetime.now(UTC) - timedelta(days=90)
    session.commit()
    open_complaint(client, code, key)
    tokens = form_tokens(client, "/lacak/status")
    response = client.post(
        "/lacak/balas", data={**tokens, "body": "Masih terjadi lagi minggu ini."}
    )
    assert response.status_code == 409
    page = text(response)
    assert "Kirim pengaduan baru" in page and "Masih terjadi lagi minggu ini." in page


def test_reply_to_a_recently_closed_complaint_reopens_it(client, session, catalogue):
    code, key = file_complaint(client)
    complaint = session.scalar(sa.select(Complaint).where(Complaint.code == code))
    complaint.status = ComplaintStatus.SELESAI
    complaint.closed_at = datetime.now(UTC) - timedelta(days=3)
    session.commit()
    open_complaint(client, code, key)
    client.post(
        "/lacak/balas", data={**form_tokens(client, "/lacak/status"), "body": "Belum beres."}
    )
    session.expire_all()
    assert session.get(Complaint, complaint.id).status == ComplaintStatus.TINDAK_LANJUT


def test_files_of_other_complaints_cannot_be_fetched(client, catalogue):
    code, key = file_complaint(client)
    open_complaint(client, code, key)
    assert client.get("/lacak/berkas/999999").status_code == 404


def test_logout_closes_access(client, catalogue):
    code, key = file_complaint(client)
    open_complaint(client, code, key)
    client.post("/lacak/keluar", data=form_tokens(client, "/lacak/status"))
    assert client.get("/lacak/status").status_code == 302
