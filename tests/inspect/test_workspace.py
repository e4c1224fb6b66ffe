"""The inspectors' workspace over HTTP: access, queue, actions, identity protection, export."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa

from models import Attachment, AuditEntry, Complaint, ComplaintMessage, OutboundMessage
from models.enums import Channel, ComplaintStatus, MessageKind, Role
from portal.services.intake import ComplaintSubmission, Contact, IntakeSettings, submit_complaint
from portal.services.reference_data import ensure_categories
from tests.factories import gen_agency, gen_unit, gen_user, photo_with_gps
from tests.public.conftest import form_tokens

PASSWORD = "kata-sandi-uji-123"


@pytest.fixture
def world(session, app):
    ensure_categories(session)
    agency = gen_agency(session)
    units = {
        "a": gen_unit(session, agency, name="Direktorat Alfa"),
        "b": gen_unit(session, agency, name="Direktorat Beta"),
    }
    people = {
        "inspektur": gen_user(session, Role.INSPEKTUR, email="ina@uji.test"),
        "koordinator": gen_user(session, Role.KOORDINATOR, email="kori@uji.test"),
        "orang_dalam": gen_user(session, Role.INSPEKTUR, email="dalam@uji.test", unit=units["a"]),
        "tpn": gen_user(session, Role.TPN, email="tpn@uji.test"),
        "admin": gen_user(session, Role.ADMIN_ZI, email="admin@uji.test"),
    }
    settings = IntakeSettings.from_config(app.config)
    complaints = []
    for i, (unit, privacy) in enumerate([("a", "rahasia"), ("b", "anonim"), ("b", "terbuka")]):
        submission = ComplaintSubmission(
            channel=Channel.WEB,
            category="pungli",
            title=f"Pungutan liar nomor {i}",
            description=f"Petugas meminta uang tunai untuk layanan, kejadian nomor {i}.",
            unit=units[unit].slug,
            privacy=privacy,
            contact=Contact(
                name=None if privacy == "anonim" else "Budi Pelapor",
                email=f"budi{i}@contoh.test",
                phone=None if privacy == "anonim" else "081234567890",
            ),
        )
        complaints.append(submit_complaint(session, submission, settings).complaint)
    session.commit()
    return {"units": units, "people": people, "complaints": complaints}


def login(client, email):
    response = client.post(
        "/masuk", data={**form_tokens(client, "/masuk"), "email": email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def page(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def act(client, code, action, **data):
    tokens = form_tokens(client, f"/inspektorat/pengaduan/{code}")
    version = re.search(
        r'name="versi" value="([^"]+)"', client.get(f"/inspektorat/pengaduan/{code}").get_data(True)
    ).group(1)
    return client.post(
        f"/inspektorat/pengaduan/{code}/{action}",
        data={"csrf_token": tokens["csrf_token"], "versi": version, **data},
    )


INSPECTOR_URLS = [
    "/inspektorat",
    "/inspektorat/ekspor.csv",
    "/inspektorat/baru",
    "/inspektorat/karantina",
]


@pytest.mark.parametrize("url", INSPECTOR_URLS)
def test_every_workspace_url_needs_a_login(client, world, url):
    response = client.get(url)
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


@pytest.mark.parametrize("url", INSPECTOR_URLS)
def test_other_roles_are_refused(client, world, url):
    login(client, "tpn@uji.test")
    assert client.get(url).status_code == 403


def test_complaint_page_needs_the_right_role(client, world):
    code = world["complaints"][0].code
    assert client.get(f"/inspektorat/pengaduan/{code}").status_code == 302
    login(client, "admin@uji.test")
    assert client.get(f"/inspektorat/pengaduan/{code}").status_code == 403


def test_the_queue_lists_filters_and_searches(client, world):
    login(client, "ina@uji.test")
    everything = page(client.get("/inspektorat"))
    assert all(c.code in everything for c in world["complaints"])
    assert "3 pengaduan" in everything
    only_b = page(client.get("/inspektorat?unit=direktorat-beta"))
    assert world["complaints"][0].code not in only_b and world["complaints"][1].code in only_b
    found = page(client.get("/inspektorat?q=nomor+2"))
    assert world["complaints"][2].code in found and world["complaints"][1].code not in found
    assert "Budi Pelapor" not in everything  # the queue never shows identities


def test_keyset_pagination_walks_every_item_once(client, world, session, app):
    settings = IntakeSettings.from_config(app.config)
    for i in range(30):
        submit_complaint(
            session,
            ComplaintSubmission(
                channel=Channel.API,
                category="aspirasi",
                title=f"Saran perbaikan {i:02d}",
                description="Mohon jam layanan diperpanjang pada hari kerja.",
                unit="direktorat-beta",
            ),
            settings,
        )
    session.commit()
    login(client, "ina@uji.test")
    seen, url = [], "/inspektorat?urut=terlama"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r"/inspektorat/pengaduan/(ZI-[\w-]+)", html)
        nxt = re.search(r'href="([^"]+setelah=[^"]+)"', html)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    assert len(seen) == len(set(seen)) == 33


def test_recused_inspector_sees_nothing_of_their_own_unit(client, world):
    login(client, "dalam@uji.test")
    queue = page(client.get("/inspektorat"))
    own = world["complaints"][0].code
    assert own not in queue and "2 pengaduan" in queue
    assert own not in page(client.get("/inspektorat?q=nomor+0"))
    assert client.get(f"/inspektorat/pengaduan/{own}").status_code == 404


def test_identity_is_hidden_until_revealed_and_every_view_is_audited(client, world, session):
    code = world["complaints"][0].code
    login(client, "kori@uji.test")
    hidden = page(client.get(f"/inspektorat/pengaduan/{code}"))
    assert "Budi Pelapor" not in hidden and "Tampilkan identitas" in hidden
    tokens = form_tokens(client, f"/inspektorat/pengaduan/{code}")
    shown = page(client.post(f"/inspektorat/pengaduan/{code}/identitas", data=tokens))
    assert "Budi Pelapor" in shown and "081234567890" in shown
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "identitas.dilihat"))
    assert entry is not None and entry.object_id == world["complaints"][0].id


def test_an_inspector_not_assigned_cannot_reveal(client, world, session):
    code = world["complaints"][2].code
    login(client, "ina@uji.test")
    tokens = form_tokens(client, f"/inspektorat/pengaduan/{code}")
    assert client.post(f"/inspektorat/pengaduan/{code}/identitas", data=tokens).status_code == 403


def test_anonymous_identity_is_never_shown(client, world):
    code = world["complaints"][1].code
    login(client, "kori@uji.test")
    tokens = form_tokens(client, f"/inspektorat/pengaduan/{code}")
    assert client.post(f"/inspektorat/pengaduan/{code}/identitas", data=tokens).status_code == 403


def test_reply_note_status_and_close_as_substantiated(client, world, session):
    complaint = world["complaints"][2]
    login(client, "ina@uji.test")
    assert (
        act(client, complaint.code, "balas", isi="<b>Terima kasih</b>, kami periksa.").status_code
        == 302
    )
    assert act(client, complaint.code, "catatan", isi="Saksi kunci: Pak X").status_code == 302
    for status, extra in [
        ("verifikasi", {}),
        ("tindak_lanjut", {}),
        ("selesai", {"hasil": "terbukti"}),
    ]:
        assert act(client, complaint.code, "status", status=status, **extra).status_code == 302
    session.expire_all()
    done = session.get(Complaint, complaint.id)
    assert done.status == ComplaintStatus.SELESAI and done.outcome.value == "terbukti"
    bodies = {m.kind: m.body for m in done.messages}
    assert bodies[MessageKind.BALASAN] == "Terima kasih, kami periksa."
    outgoing = " ".join(m.body for m in session.scalars(sa.select(OutboundMessage)))
    assert "kami periksa" in outgoing and "Pak X" not in outgoing


def test_an_invalid_jump_is_refused_with_the_reason(client, world):
    login(client, "ina@uji.test")
    response = act(
        client, world["complaints"][2].code, "status", status="selesai", hasil="terbukti"
    )
    assert response.status_code == 422 and "Langkah yang mungkin" in page(response)


def test_two_inspectors_at_once_the_second_is_told(client, world, session, app):
    code = world["complaints"][2].code
    login(client, "ina@uji.test")
    html = client.get(f"/inspektorat/pengaduan/{code}").get_data(True)
    stale = re.search(r'name="versi" value="([^"]+)"', html).group(1)
    token = form_tokens(client, f"/inspektorat/pengaduan/{code}")["csrf_token"]
    other = app.test_client()
    login(other, "kori@uji.test")
    assert act(other, code, "prioritas", prioritas="tinggi").status_code == 302
    response = client.post(
        f"/inspektorat/pengaduan/{code}/prioritas",
        data={"csrf_token": token, "versi": stale, "prioritas": "rendah"},
    )
    assert response.status_code == 409 and "baru saja diubah" in page(response)
    session.expire_all()
    assert session.get(Complaint, world["complaints"][2].id).priority.value == "tinggi"


def test_posts_without_csrf_are_refused(client, world, session):
    login(client, "ina@uji.test")
    code = world["complaints"][2].code
    response = client.post(f"/inspektorat/pengaduan/{code}/catatan", data={"isi": "x"})
    assert response.status_code == 400
    assert (
        session.scalar(
            sa.select(sa.func.count(ComplaintMessage.id)).where(
                ComplaintMessage.kind == MessageKind.CATATAN
            )
        )
        == 0
    )


def test_export_is_filtered_audited_and_without_identity(client, world, session):
    login(client, "ina@uji.test")
    response = client.get("/inspektorat/ekspor.csv?unit=direktorat-beta", buffered=True)
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "code" and "reporter_email" not in rows[0] and len(rows) == 3
    assert session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "antrean.diekspor"))


def test_coordinator_export_with_identity_keeps_anonymous_anonymous(client, world):
    login(client, "kori@uji.test")
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/inspektorat/ekspor.csv?identitas=1", buffered=True).get_data(
                    as_text=True
                )
            )
        )
    )
    header = rows[0]
    by_code = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert by_code[world["complaints"][0].code]["reporter_email"] == "budi0@contoh.test"
    assert by_code[world["complaints"][1].code]["reporter_email"] == ""


def test_offline_complaint_is_recorded_through_intake(client, world, session):
    login(client, "ina@uji.test")
    tokens = form_tokens(client, "/inspektorat/baru")
    response = client.post(
        "/inspektorat/baru",
        data={
            **tokens,
            "channel": "telepon",
            "unit": "Direktorat Beta",
            "category": "suap",
            "title": "Suap dalam pengadaan",
            "privacy": "rahasia",
            "consent": "y",
            "description": "Penelepon melaporkan amplop untuk panitia pengadaan.",
        },
    )
    assert response.status_code == 201
    key = re.search(r'id="kunci">([^<]+)<', response.get_data(True)).group(1)
    complaint = session.scalar(sa.select(Complaint).where(Complaint.channel == Channel.TELEPON))
    assert complaint is not None and key not in complaint.access_key_hash


def test_evidence_original_only_for_coordinators_and_audited(client, world, session, app):
    from portal.services.evidence import Upload
    from portal.services.intake import add_message

    complaint = world["complaints"][2]
    add_message(
        session,
        complaint,
        body="foto",
        channel=Channel.WEB,
        settings=IntakeSettings.from_config(app.config),
        evidence=[Upload("foto.jpg", photo_with_gps())],
    )
    session.commit()
    attachment_id = complaint.messages[-1].attachments[0].id
    login(client, "ina@uji.test")
    assert client.get(f"/inspektorat/berkas/{attachment_id}").status_code == 200
    assert client.get(f"/inspektorat/berkas/{attachment_id}/asli").status_code == 403
    coordinator = client.application.test_client()
    login(coordinator, "kori@uji.test")
    original = coordinator.get(f"/inspektorat/berkas/{attachment_id}/asli")
    assert original.status_code == 200 and original.data == photo_with_gps()
    assert session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "bukti.asli_diunduh"))


def test_audit_log_is_for_admin_zi(client, world):
    login(client, "ina@uji.test")
    assert client.get("/admin/audit").status_code == 403
    other = client.application.test_client()
    login(other, "admin@uji.test")
    assert "Log audit" in page(other.get("/admin/audit?aksi=akun"))


def test_search_uses_the_full_text_index_and_finds_messages(client, world, session, app):
    from portal.services.intake import add_message

    add_message(
        session,
        world["complaints"][1],
        body="Bukti kuitansi bermeterai terlampir",
        channel=Channel.WEB,
        settings=IntakeSettings.from_config(app.config),
    )
    session.commit()
    login(client, "ina@uji.test")
    found = page(client.get("/inspektorat?q=kuitansi+bermeterai"))
    assert world["complaints"][1].code in found and world["complaints"][2].code not in found
    prefix = page(client.get("/inspektorat?q=kuitan"))
    assert world["complaints"][1].code in prefix
    hostile = client.get('/inspektorat?q="%29+OR+1%3D1+--+NEAR(')
    assert hostile.status_code == 200


def test_status_changes_and_replies_are_in_the_audit_log(client, world, session):
    complaint = world["complaints"][2]
    login(client, "ina@uji.test")
    act(client, complaint.code, "balas", isi="Kami periksa.")
    act(client, complaint.code, "status", status="verifikasi")
    actions = set(session.scalars(sa.select(AuditEntry.action)))
    assert {"pengaduan.balasan_publik", "pengaduan.status", "masuk.berhasil"} <= actions


def test_held_mail_is_listed_and_released_by_an_inspector(client, world, session, app):
    from portal.mail.ingest import MailSettings, ingest_mail

    ingest_mail(session, b"\x00 bukan email \xff" * 20, MailSettings.from_config(app.config))
    session.commit()
    login(client, "ina@uji.test")
    listing = page(client.get("/inspektorat/karantina"))
    assert "not-a-mail" in listing or "no-headers" in listing
    item_id = re.search(r"/inspektorat/karantina/(\d+)/lepas", listing).group(1)
    tokens = form_tokens(client, "/inspektorat/karantina")
    released = client.post(f"/inspektorat/karantina/{item_id}/lepas", data=tokens)
    assert (
        released.status_code == 302 and "/inspektorat/pengaduan/ZI-" in released.headers["Location"]
    )
    assert session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "karantina.dilepas"))


def test_publication_is_approved_only_for_open_reports(client, world, session):
    login(client, "ina@uji.test")
    open_code, secret_code = world["complaints"][2].code, world["complaints"][0].code
    assert act(client, open_code, "publikasi", publikasi="1").status_code == 302
    session.expire_all()
    assert session.get(Complaint, world["complaints"][2].id).publication_approved
    listing = client.get("/open311/v2/requests.json").get_json()
    assert [r["service_request_id"] for r in listing] == [open_code]
    refused = act(client, secret_code, "publikasi", publikasi="1")
    assert refused.status_code == 422 and "yang boleh dipublikasikan" in page(refused)


def test_offline_form_shown_again_keeps_its_files(client, world, session):
    login(client, "ina@uji.test")
    tokens = form_tokens(client, "/inspektorat/baru")
    fields = {
        **tokens,
        "channel": "surat",
        "unit": "Direktorat Beta",
        "category": "suap",
        "privacy": "rahasia",
        "consent": "y",
        "description": "Surat pelapor melampirkan foto amplop untuk panitia pengadaan.",
    }
    first = client.post(
        "/inspektorat/baru",
        data={**fields, "evidence": (io.BytesIO(photo_with_gps()), "amplop.jpg")},
        content_type="multipart/form-data",
    )
    assert first.status_code == 422  # no title
    page = first.get_data(as_text=True)
    assert "amplop.jpg" in page
    kept = re.search(r'name="keep" value="([^"]+)"', page).group(1)
    second = client.post(
        "/inspektorat/baru",
        data={**fields, "title": "Amplop untuk panitia", "keep": kept},
        content_type="multipart/form-data",
    )
    assert second.status_code == 201
    complaint = session.scalar(sa.select(Complaint).where(Complaint.channel == Channel.SURAT))
    stored = session.scalars(sa.select(Attachment).where(Attachment.complaint_id == complaint.id))
    assert [a.original_filename for a in stored] == ["amplop.jpg"]
