"""/api/v1/complaints: filing, following and replying over JSON, and every way it can go wrong."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from models import Attachment, Complaint, ComplaintMessage, OutboundMessage
from models.enums import Channel, ComplaintStatus, MessageKind, Privacy
from portal.extensions import limiter
from portal.services.reference_data import ensure_categories
from tests.factories import gen_agency, gen_unit, photo_with_gps

URL = "/api/v1/complaints"
UNIT = "direktorat-pendaftaran-penduduk"
IDENTITY = {
    "name": "Budi Santoso Rahasia",
    "email": "budi.rahasia@example.org",
    "phone": "0812 3456 7890",
}


@pytest.fixture
def catalogue(session):
    ensure_categories(session)
    agency = gen_agency(session, name="Kementerian Uji API")
    gen_unit(session, agency, name="Direktorat Pendaftaran Penduduk")
    session.commit()


def report(**overrides) -> dict:
    data = {
        "unit": UNIT,
        "category": "pungli",
        "title": "Pungutan di loket KTP",
        "description": "Petugas loket meminta uang Rp50.000 untuk mempercepat KTP elektronik.",
        "incident_date": "2025-11-20",
        "incident_place": "Loket 3",
    }
    data.update(overrides)
    return data


def file_report(client, data: dict | None = None, **kwargs):
    return client.post(URL, json=report() if data is None else data, **kwargs)


def filed(client, **overrides) -> tuple[str, str]:
    response = file_report(client, report(**overrides))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    return body["code"], body["access_key"]


def complaints(session) -> list[Complaint]:
    session.expire_all()
    return list(session.scalars(sa.select(Complaint)))


def stored_files(app) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file() and "staging" not in p.parts)


# --- filing ---------------------------------------------------------------------------------


def test_filing_answers_201_with_code_key_deadlines_and_location(client, session, catalogue):
    response = file_report(client, report(contact={"email": "warga@example.org"}))
    body = response.get_json()
    assert response.status_code == 201
    assert set(body) == {"code", "access_key", "status", "verification_due", "answer_due"}
    assert response.headers["Location"] == f"{URL}/{body['code']}"
    assert response.headers["Cache-Control"] == "no-store"
    [complaint] = complaints(session)
    assert complaint.code == body["code"] and complaint.channel == Channel.API
    assert complaint.status == ComplaintStatus.DITERIMA and body["status"] == "diterima"
    assert (
        complaint.unit.slug == UNIT
        and complaint.verification_due.isoformat() == body["verification_due"]
    )
    assert body["access_key"] not in complaint.access_key_hash
    [ack] = session.scalars(sa.select(OutboundMessage)).all()
    assert ack.recipient == "warga@example.org" and complaint.code in ack.subject


def test_filing_without_contact_queues_no_acknowledgement(client, session, catalogue):
    filed(client)
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboundMessage)) == 0


def test_the_access_key_opens_what_was_filed(client, catalogue):
    code, key = filed(client)
    response = client.get(f"{URL}/{code}", headers={"X-Access-Key": key})
    assert response.status_code == 200 and response.get_json()["code"] == code


def test_privacy_defaults_to_the_category_default(client, session, catalogue):
    filed(client, category="pungli")  # an integrity category: confidential by default
    filed(client, category="aspirasi")
    privacies = {c.category.slug: c.privacy for c in complaints(session)}
    assert privacies == {"pungli": Privacy.RAHASIA, "aspirasi": Privacy.TERBUKA}


def test_unknown_unit_is_filed_with_the_hint(client, session, catalogue):
    filed(client, unit=None, unit_hint="Kantor kecamatan di Bogor")
    [complaint] = complaints(session)
    assert complaint.unit is None and complaint.unit_hint == "Kantor kecamatan di Bogor"


def test_unknown_fields_are_ignored(client, session, catalogue):
    filed(client, status="selesai", channel="web", access_key_hash="x", priority="mendesak")
    [complaint] = complaints(session)
    assert complaint.status == ComplaintStatus.DITERIMA and complaint.channel == Channel.API


def test_csrf_does_not_apply_to_the_api(app, client, catalogue):
    assert app.config.get("WTF_CSRF_ENABLED", True)
    assert file_report(client).status_code == 201  # no token, no session cookie


def test_language_defaults_to_the_request_language(client, session, catalogue):
    file_report(client, report(), query_string={"lang": "en"})
    file_report(client, report(language="id"), query_string={"lang": "en"})
    assert sorted(c.language for c in complaints(session)) == ["en", "id"]


# --- idempotency ----------------------------------------------------------------------------


def test_a_retried_filing_files_nothing_twice(client, session, catalogue):
    key = "5b0e2c57-2f7b-4a8e-9a55-0f1d6c7e3b21"
    first = file_report(client, report(idempotency_key=key))
    again = file_report(client, report(idempotency_key=key, title="Judul yang lain sama sekali"))
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.get_json() == {
        "code": first.get_json()["code"],
        "status": "diterima",
        "duplicate": True,
    }
    assert "access_key" not in again.get_data(as_text=True)
    [complaint] = complaints(session)
    assert complaint.title == "Pungutan di loket KTP"


def test_a_concurrent_retry_that_loses_the_race_answers_as_a_duplicate(
    client, session, catalogue, monkeypatch
):
    import portal.api.complaints as api

    key = "9d1f7a3c-0b2e-4c5d-8e6f-7a8b9c0d1e2f"
    first = file_report(client, report(idempotency_key=key)).get_json()
    real, calls = api.submit_complaint, []

    def racing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:  # as if the other request committed between check and commit
            raise sa.exc.IntegrityError("INSERT INTO complaint", {}, Exception("unique"))
        return real(*args, **kwargs)

    monkeypatch.setattr(api, "submit_complaint", racing)
    again = file_report(client, report(idempotency_key=key))
    assert again.status_code == 200 and again.get_json()["code"] == first["code"]
    assert len(complaints(session)) == 1


def test_different_idempotency_keys_file_separately(client, session, catalogue):
    filed(client, idempotency_key="a" * 16)
    filed(client, idempotency_key="b" * 16)
    assert len(complaints(session)) == 2


@pytest.mark.parametrize("key", ["", "short", "x" * 201])
def test_idempotency_key_must_be_long_enough_to_be_private(client, session, catalogue, key):
    response = file_report(client, report(idempotency_key=key))
    assert response.status_code == 422 and "idempotency_key" in response.get_json()["errors"]
    assert complaints(session) == []


# --- evidence -------------------------------------------------------------------------------


def test_multipart_filing_stores_the_photo_sealed_and_cleaned(app, client, session, catalogue):
    from portal.services.evidence import original_path, viewable_path

    photo = photo_with_gps()
    response = client.post(
        URL,
        data={
            "data": json.dumps(report()),
            "evidence": [
                (io.BytesIO(photo), "foto.jpg", "image/jpeg"),
                (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "surat.pdf"),
            ],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    [complaint] = complaints(session)
    attachments = {a.original_filename: a for a in session.scalars(sa.select(Attachment))}
    assert set(attachments) == {"foto.jpg", "surat.pdf"}
    image = attachments["foto.jpg"]
    assert image.complaint_id == complaint.id and image.media_type == "image/jpeg"
    assert original_path(image, app.config["UPLOAD_DIR"]).read_bytes() == photo
    assert not Image.open(viewable_path(image, app.config["UPLOAD_DIR"])).getexif()


def test_the_data_part_may_be_a_file_part(client, session, catalogue):
    response = client.post(
        URL,
        data={
            "data": (io.BytesIO(json.dumps(report()).encode()), "data.json", "application/json"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 201 and len(complaints(session)) == 1


def test_multipart_without_data_is_400(client, session, catalogue):
    response = client.post(URL, data={"title": "x"}, content_type="multipart/form-data")
    assert response.status_code == 400 and "request" in response.get_json()["errors"]


def test_evidence_sent_as_text_is_refused(client, session, catalogue):
    response = client.post(
        URL,
        data={"data": json.dumps(report()), "evidence": "not a file"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "evidence" in response.get_json()["errors"]
    assert complaints(session) == []


def test_refused_evidence_stores_nothing_at_all(app, client, session, catalogue):
    before = stored_files(app)
    response = client.post(
        URL,
        data={
            "data": json.dumps(report()),
            "evidence": [
                (io.BytesIO(photo_with_gps()), "foto.jpg"),
                (io.BytesIO(b"<html><script>alert(1)</script></html>"), "bukti.jpg"),
            ],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "bukti.jpg" in " ".join(response.get_json()["errors"]["evidence"])
    assert complaints(session) == [] and session.scalars(sa.select(Attachment)).all() == []
    assert stored_files(app) == before


def test_invalid_fields_with_good_evidence_store_nothing(app, client, session, catalogue):
    before = stored_files(app)
    response = client.post(
        URL,
        data={
            "data": json.dumps(report(title="abc")),
            "evidence": [(io.BytesIO(photo_with_gps()), "foto.jpg")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "title" in response.get_json()["errors"]
    assert complaints(session) == [] and stored_files(app) == before


# --- reading --------------------------------------------------------------------------------


def test_the_thread_is_public_only_and_carries_no_identity(client, session, catalogue):
    code, key = filed(
        client, privacy="rahasia", contact=IDENTITY, reported_party="Oknum petugas loket"
    )
    complaint = complaints(session)[0]
    now = datetime.now(UTC)
    session.add_all(
        [
            ComplaintMessage(
                complaint=complaint,
                kind=MessageKind.CATATAN,
                channel=Channel.WEB,
                body="CATATAN INTERNAL: pelapor adalah pegawai bagian umum",
                created_at=now,
            ),
            ComplaintMessage(
                complaint=complaint,
                kind=MessageKind.BALASAN,
                channel=Channel.WEB,
                body="Terima kasih, laporan sedang kami periksa.",
                created_at=now,
            ),
        ]
    )
    session.commit()
    response = client.get(f"{URL}/{code}", headers={"X-Access-Key": key})
    body = response.get_json()
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert set(body) == {
        "code",
        "status",
        "status_label",
        "outcome",
        "created_at",
        "verification_due",
        "answer_due",
        "unit",
        "category",
        "title",
        "messages",
    }
    assert [m["kind"] for m in body["messages"]] == ["masuk", "balasan"]
    assert body["messages"][0]["body"].startswith("Petugas loket meminta")
    assert body["unit"] == {"slug": UNIT, "name": "Direktorat Pendaftaran Penduduk"}
    assert body["category"]["slug"] == "pungli" and body["status_label"].startswith("Diterima")
    assert body["created_at"].endswith("Z")
    assert "CATATAN INTERNAL" not in text and "catatan" not in text
    for secret in (*IDENTITY.values(), "budi.rahasia", key, complaint.access_key_hash):
        assert secret not in text
    for field in ("reporter", "contact", "email", "phone", "access_key", "privacy"):
        assert field not in text


def test_status_label_follows_the_language_and_the_status_code_does_not(client, catalogue):
    code, key = filed(client)
    indonesian = client.get(f"{URL}/{code}", headers={"X-Access-Key": key}).get_json()
    english = client.get(
        f"{URL}/{code}", headers={"X-Access-Key": key}, query_string={"lang": "en"}
    ).get_json()
    assert indonesian["status"] == english["status"] == "diterima"
    assert indonesian["status_label"] == "Diterima — menunggu verifikasi"
    assert english["status_label"] not in ("", indonesian["status_label"])


def test_the_code_may_be_typed_loosely(client, catalogue):
    code, key = filed(client)
    loose = code.lower().replace("-", "")
    response = client.get(f"{URL}/{loose}", headers={"X-Access-Key": key.lower()})
    assert response.status_code == 200 and response.get_json()["code"] == code


def test_every_miss_gets_the_same_404_byte_for_byte(client, session, catalogue):
    code, key = filed(client)
    other_code, _ = filed(client)
    attempts = [
        (f"{URL}/{code}", {"X-Access-Key": "WRONG-WRONG-WRONG-WRONG"}),
        (f"{URL}/{code}", {}),
        (f"{URL}/{code}", {"X-Access-Key": ""}),
        (f"{URL}/{other_code}", {"X-Access-Key": key}),  # the key of another complaint
        (f"{URL}/ZI-2222-2222", {"X-Access-Key": key}),  # well-formed, unknown
        (f"{URL}/not-a-code", {"X-Access-Key": key}),
        (f"{URL}/{'Z' * 500}", {"X-Access-Key": key}),
        (f"{URL}/{code}", {"X-Access-Key": key + "X" * 100}),
    ]
    answers = [client.get(url, headers=headers) for url, headers in attempts]
    assert {a.status_code for a in answers} == {404}
    assert len({a.get_data() for a in answers}) == 1
    assert list(answers[0].get_json()["errors"]) == ["code"]
    limiter.reset()  # eight misses so far: stay under the failure limit
    replies = [
        client.post(f"{url}/messages", json={"body": "Tambahan"}, headers=headers)
        for url, headers in attempts[:3]
    ]
    assert {r.get_data() for r in replies} == {answers[0].get_data()}


# --- failures are limited -------------------------------------------------------------------


def test_eleven_wrong_keys_in_a_row_get_429(client, catalogue):
    code, key = filed(client)
    wrong = {"X-Access-Key": "AAAAA-BBBBB-CCCCC-DDDDD"}
    statuses = [client.get(f"{URL}/{code}", headers=wrong).status_code for _ in range(10)]
    assert statuses == [404] * 10
    refused = client.get(f"{URL}/{code}", headers=wrong)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "request" in refused.get_json()["errors"]
    # Now even the right key waits: the guesser must not learn when they got it right.
    assert client.get(f"{URL}/{code}", headers={"X-Access-Key": key}).status_code == 429


def test_the_failure_limit_is_read_from_the_configuration(app, client, catalogue, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_TRACKING_FAILURES", "2 per minute")
    wrong = {"X-Access-Key": "x"}
    statuses = [client.get(f"{URL}/ZI-2222-3333", headers=wrong).status_code for _ in range(3)]
    assert statuses == [404, 404, 429]


def test_reading_and_replying_share_one_failure_budget(app, client, catalogue, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_TRACKING_FAILURES", "3 per minute")
    code, _ = filed(client)
    wrong = {"X-Access-Key": "x"}
    client.get(f"{URL}/{code}", headers=wrong)
    client.post(f"{URL}/{code}/messages", json={"body": "hai"}, headers=wrong)
    client.get(f"{URL}/{code}", headers=wrong)
    assert (
        client.post(f"{URL}/{code}/messages", json={"body": "hai"}, headers=wrong).status_code
        == 429
    )


def test_guesses_on_one_code_are_limited_across_addresses(app, client, catalogue, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_TRACKING_FAILURES", "3 per minute")
    code, key = filed(client)
    for n in range(3):
        answer = client.get(
            f"{URL}/{code}",
            headers={"X-Access-Key": "x"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{n + 1}"},
        )
        assert answer.status_code == 404
    fresh_client = client.get(
        f"{URL}/{code}", headers={"X-Access-Key": key}, environ_base={"REMOTE_ADDR": "10.0.0.99"}
    )
    assert fresh_client.status_code == 429


def test_guesses_from_one_address_are_limited_across_codes(app, client, catalogue, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_TRACKING_FAILURES", "3 per minute")
    code, key = filed(client)
    for guess in ("ZI-2222-2222", "ZI-3333-3333", "ZI-4444-4444"):
        assert client.get(f"{URL}/{guess}", headers={"X-Access-Key": "x"}).status_code == 404
    assert client.get(f"{URL}/{code}", headers={"X-Access-Key": key}).status_code == 429


def test_successful_reads_cost_nothing(client, catalogue):
    code, key = filed(client)
    statuses = {
        client.get(f"{URL}/{code}", headers={"X-Access-Key": key}).status_code for _ in range(15)
    }
    assert statuses == {200}


def test_filing_is_rate_limited_in_json(app, client, catalogue, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_REPORT", "2 per minute")
    assert [file_report(client).status_code for _ in range(2)] == [201, 201]
    refused = file_report(client)
    assert refused.status_code == 429 and refused.is_json and "Retry-After" in refused.headers


# --- replying -------------------------------------------------------------------------------


def test_a_reply_adds_text_to_the_thread(client, session, catalogue):
    code, key = filed(client)
    response = client.post(
        f"{URL}/{code}/messages",
        headers={"X-Access-Key": key},
        json={"body": "Kejadian terulang <b>hari ini</b>."},
    )
    body = response.get_json()
    assert response.status_code == 201 and set(body) == {"id", "created_at", "status"}
    message = session.get(ComplaintMessage, body["id"])
    assert message.kind == MessageKind.MASUK and message.channel == Channel.API
    assert message.body == "Kejadian terulang hari ini."
    thread = client.get(f"{URL}/{code}", headers={"X-Access-Key": key}).get_json()
    assert thread["messages"][-1]["body"] == "Kejadian terulang hari ini."


def test_a_reply_adds_text_and_a_file(client, session, catalogue):
    code, key = filed(client)
    response = client.post(
        f"{URL}/{code}/messages",
        headers={"X-Access-Key": key},
        data={
            "body": "Foto loket terlampir.",
            "evidence": [(io.BytesIO(photo_with_gps()), "loket.jpg")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    [attachment] = session.scalars(sa.select(Attachment)).all()
    assert attachment.message_id == response.get_json()["id"]
    thread = client.get(f"{URL}/{code}", headers={"X-Access-Key": key}).get_json()
    [listed] = thread["messages"][-1]["attachments"]
    assert listed == {
        "id": attachment.id,
        "filename": "loket.jpg",
        "size": attachment.size,
        "media_type": "image/jpeg",
    }


def test_a_file_alone_is_a_reply(client, session, catalogue):
    code, key = filed(client)
    response = client.post(
        f"{URL}/{code}/messages",
        headers={"X-Access-Key": key},
        data={"evidence": [(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "s.pdf")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "payload", [{}, {"body": ""}, {"body": "   "}, {"body": None}, {"body": "<p></p>"}]
)
def test_an_empty_reply_is_422(client, catalogue, payload):
    code, key = filed(client)
    response = client.post(f"{URL}/{code}/messages", headers={"X-Access-Key": key}, json=payload)
    assert response.status_code == 422 and "body" in response.get_json()["errors"]


@pytest.mark.parametrize("value", [42, ["teks"], {"text": "x"}, True])
def test_a_reply_body_of_the_wrong_type_is_422(client, session, catalogue, value):
    code, key = filed(client)
    response = client.post(
        f"{URL}/{code}/messages", headers={"X-Access-Key": key}, json={"body": value}
    )
    assert response.status_code == 422 and list(response.get_json()["errors"]) == ["body"]
    assert len(session.scalars(sa.select(ComplaintMessage)).all()) == 1


def test_a_reply_to_a_merged_complaint_is_409(client, session, catalogue):
    code, key = filed(client)
    complaint = complaints(session)[0]
    complaint.status = ComplaintStatus.DIGABUNG
    session.commit()
    response = client.post(
        f"{URL}/{code}/messages",
        headers={"X-Access-Key": key},
        json={"body": "Ada perkembangan baru."},
    )
    assert response.status_code == 409
    assert code in response.get_json()["errors"]["complaint"][0]
    assert len(session.scalars(sa.select(ComplaintMessage)).all()) == 1


def test_a_reply_with_a_wrong_key_reveals_nothing_and_stores_nothing(client, session, catalogue):
    code, _ = filed(client)
    response = client.post(
        f"{URL}/{code}/messages",
        headers={"X-Access-Key": "x"},
        data="{not json",
        content_type="text/plain",
    )
    assert response.status_code == 404 and list(response.get_json()["errors"]) == ["code"]
    assert len(session.scalars(sa.select(ComplaintMessage)).all()) == 1


# --- hostile and malformed input ------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [b"{", b"not json", b"", b'{"title": NaN}', b'{"title": "x",}', b"\xff\xfe{}", b"[" * 100_000],
)
def test_malformed_json_is_400(client, session, catalogue, raw):
    response = client.post(URL, data=raw, content_type="application/json")
    assert response.status_code == 400 and "request" in response.get_json()["errors"]
    assert complaints(session) == []


@pytest.mark.parametrize("raw", ["[]", json.dumps([report()]), '"teks"', "42", "null", "true"])
def test_a_body_that_is_not_an_object_is_400(client, session, catalogue, raw):
    response = client.post(URL, data=raw, content_type="application/json")
    assert response.status_code == 400 and "request" in response.get_json()["errors"]
    assert complaints(session) == []


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
        "application/jsonp",
        None,
    ],
)
def test_another_content_type_is_415(client, session, catalogue, content_type):
    kwargs = {"content_type": content_type} if content_type else {}
    response = client.post(URL, data=json.dumps(report()), **kwargs)
    assert response.status_code == 415 and "request" in response.get_json()["errors"]
    assert "application/json" in response.headers["Accept-Post"]
    assert complaints(session) == []


WRONG_TYPES = [
    ("title", 42),
    ("title", ["Pungutan di loket"]),
    ("title", True),
    ("title", {"x": 1}),
    ("description", 3.14),
    ("description", ["a", "b"]),
    ("category", 7),
    ("category", ["pungli"]),
    ("unit", 12),
    ("unit", {"slug": UNIT}),
    ("unit_hint", False),
    ("privacy", True),
    ("privacy", ["rahasia"]),
    ("incident_date", 20251120),
    ("incident_place", 1),
    ("reported_party", []),
    ("language", 1),
    ("idempotency_key", 1234567890123456789),
]
CONTACT_WRONG_TYPES = [
    ("contact", ["budi@example.org"]),
    ("contact", "budi@example.org"),
    ("contact", 5),
    ("contact", True),
    ("contact.name", 1),
    ("contact.email", ["a@example.org"]),
    ("contact.phone", 81234567890),
    ("contact.phone", {"n": 1}),
]


@pytest.mark.parametrize(("field", "value"), WRONG_TYPES + CONTACT_WRONG_TYPES)
def test_a_wrong_json_type_is_422_naming_the_field(client, session, catalogue, field, value):
    if field.startswith("contact."):
        data = report(privacy="rahasia", contact={field.split(".")[1]: value})
    else:
        data = report(**{field: value})
    response = file_report(client, data)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == [field]
    assert complaints(session) == []


TEXT_FIELDS = [
    "title",
    "description",
    "incident_place",
    "reported_party",
    "unit_hint",
    "contact.name",
]


def _with(field: str, value: str) -> dict:
    if field.startswith("contact."):
        return report(privacy="rahasia", contact={field.split(".")[1]: value})
    if field == "unit_hint":
        return report(unit=None, unit_hint=value)
    return report(**{field: value})


def _stored(complaint: Complaint, field: str) -> str:
    return getattr(
        complaint, {"description": "body", "contact.name": "reporter_name"}.get(field, field)
    )


@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize(
    "markup",
    [
        '<script>alert("x")</script>Isi laporan yang cukup panjang',
        "<img src=x onerror=alert(1)>Isi laporan yang cukup panjang",
        '&lt;b&gt;Isi&lt;/b&gt; laporan yang cukup panjang <a href="javascript:x">tautan</a>',
        "<!-- komentar --><iframe src=//evil></iframe>Isi laporan yang cukup panjang",
    ],
)
def test_markup_in_any_text_field_is_stored_as_plain_text(
    client, session, catalogue, field, markup
):
    response = file_report(client, _with(field, markup))
    assert response.status_code == 201, response.get_json()
    stored = _stored(complaints(session)[0], field)
    assert "<" not in stored and ">" not in stored and "Isi" in stored


@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize(
    "hostile",
    [
        "Isi\x00 laporan yang cukup panjang",
        "Isi \u202elaporan\u202c yang cukup \u2066panjang\u2069",
        "Isi\x1b[31m laporan\x7f yang cukup panjang",
    ],
)
def test_nul_controls_and_bidi_overrides_are_dropped(client, session, catalogue, field, hostile):
    response = file_report(client, _with(field, hostile))
    assert response.status_code == 201, response.get_json()
    stored = _stored(complaints(session)[0], field)
    assert stored.startswith("Isi") and stored.endswith("panjang")
    assert not any(c in stored for c in "\x00\x1b\x7f\u202e\u202c\u2066\u2069")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "x" * 201),
        ("title", "x" * 5000),
        ("description", "y" * 20_001),
        ("description", "y" * 200_000),
        ("incident_place", "z" * 201),
        ("reported_party", "p" * 301),
        ("unit_hint", "u" * 281),
        ("contact.name", "n" * 121),
        ("contact.email", "e" * 250 + "@example.org"),
        ("contact.phone", "0812" * 30),
    ],
)
def test_an_over_long_field_is_422_naming_it(client, session, catalogue, field, value):
    response = file_report(client, _with(field, value))
    errors = response.get_json()["errors"]
    assert response.status_code == 422 and list(errors) == [field]
    assert complaints(session) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("category", "tidak-ada"),
        ("category", None),
        ("category", "pung\x00li"),
        ("category", "<script>"),
        ("unit", "unit-yang-tidak-ada"),
        ("unit", "../../etc/passwd"),
        ("privacy", "publik"),
        ("incident_date", "2999-01-01"),
        ("incident_date", "20-11-2025"),
        ("incident_date", "2025-13-45"),
        ("incident_date", "1989-12-31"),
        ("title", "abc"),
        ("title", None),
        ("description", "pendek"),
        ("language", "fr"),
    ],
)
def test_values_the_web_form_refuses_are_refused_here(client, session, catalogue, field, value):
    response = file_report(client, report(**{field: value}))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert complaints(session) == []


@pytest.mark.parametrize(
    ("contact", "field"),
    [
        ({"email": "bukan-email"}, "contact.email"),
        ({"phone": "telepon saya"}, "contact.phone"),
        ({"name": "Budi"}, "contact.name"),  # with privacy anonim: no name is kept
    ],
)
def test_contact_is_checked_as_on_the_web(client, session, catalogue, contact, field):
    response = file_report(client, report(privacy="anonim", contact=contact))
    assert response.status_code == 422 and field in response.get_json()["errors"]


def test_every_problem_is_reported_at_once(client, catalogue):
    response = file_report(
        client, report(title="", description="pendek", category="x-y", contact={"email": "bukan"})
    )
    assert set(response.get_json()["errors"]) == {
        "title",
        "description",
        "category",
        "contact.email",
    }


def test_messages_are_indonesian_unless_english_is_asked_for(client, catalogue):
    indonesian = file_report(client, report(title=""))
    english = file_report(client, report(title=""), query_string={"lang": "en"})
    assert indonesian.get_json()["errors"]["title"] == ["Judul wajib diisi."]
    [message] = english.get_json()["errors"]["title"]
    assert message.startswith("Title is required")
    client.set_cookie("zi_lang", "en")
    assert file_report(client, report(title="")).get_json() == english.get_json()


def test_an_oversize_json_request_is_413_json(app, client, session, catalogue, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    response = file_report(client, report(description="x" * (1024 * 1024 + 10)))
    assert response.status_code == 413 and "request" in response.get_json()["errors"]
    assert complaints(session) == []


def test_an_oversize_upload_is_413_json(app, client, session, catalogue, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    response = client.post(
        URL,
        data={
            "data": json.dumps(report()),
            "evidence": [(io.BytesIO(b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10)), "besar.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 413 and response.is_json
    assert complaints(session) == []


# --- every error from /api/ is JSON ---------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/tidak-ada", 404),
        ("GET", "/api/v2/complaints", 404),
        ("GET", "/api", 404),
        ("POST", "/api/v1/units", 405),
        ("DELETE", f"{URL}/ZI-2222-2222", 405),
        ("PUT", URL, 405),
        ("GET", URL, 405),
        ("GET", f"{URL}/ZI-2222-2222/messages", 405),
    ],
)
def test_routing_errors_under_api_are_json(client, method, path, status):
    response = client.open(path, method=method)
    assert response.status_code == status and response.is_json
    assert list(response.get_json()["errors"]) == ["request"]
    if status == 405:
        assert response.headers["Allow"]


def test_pages_outside_the_api_keep_their_html_errors(client):
    response = client.get("/tidak-ada-halaman-ini")
    assert response.status_code == 404 and not response.is_json


def test_a_server_error_is_json_and_stores_nothing(app, client, session, catalogue, monkeypatch):
    import portal.api.complaints as api

    real = api.submit_complaint

    def file_then_fail(*args, **kwargs):
        real(*args, **kwargs)  # the complaint is flushed, not committed
        raise RuntimeError("boom")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(api, "submit_complaint", file_then_fail)
    response = file_report(client)
    assert response.status_code == 500 and list(response.get_json()["errors"]) == ["request"]
    assert "boom" not in response.get_data(as_text=True)
    assert complaints(session) == []
