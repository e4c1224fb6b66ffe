"""/open311/v2: services, filing through intake, published requests only, and no personal data."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import current_app

from models import Attachment, Complaint, ComplaintMessage
from models.enums import (
    Channel,
    ComplaintOutcome,
    ComplaintStatus,
    Eselon,
    MessageKind,
    Privacy,
    ReferralBody,
)
from portal.services.evidence import Upload
from portal.services.intake import (
    ComplaintSubmission,
    Contact,
    IntakeSettings,
    find_for_reporter,
    submit_complaint,
)
from portal.services.reference_data import ensure_categories
from tests.factories import gen_agency, gen_unit, photo_with_gps

BASE = "/open311/v2"
KEY = "kunci-uji-open311-7Q2M9X4K"
UNIT = "direktorat-pendaftaran-penduduk"
JAKARTA = ZoneInfo("Asia/Jakarta")
# Personal data the reporter gives, and text only staff may read: none of it may ever leave.
IDENTITY = {
    "first_name": "Budi",
    "last_name": "Santosorahasia",
    "email": "budi.rahasia@example.org",
    "phone": "0812 3456 7890",
}
BODY = "Petugas bernama Sutrisno Wibowo meminta uang Rp50.000 agar KTP selesai hari itu."
REPLY = "Yth. Bapak Budi Santosorahasia, laporan Anda sedang kami periksa."
NOTE = "Catatan internal: pelapor tinggal di Jalan Melati Rahasia 7."
EVIDENCE_NAME = "ktp-budi-santosorahasia.jpg"
SECRETS = (
    "Santosorahasia",
    "budi.rahasia@example.org",
    "0812 3456 7890",
    "081234567890",
    "Sutrisno Wibowo",
    "Melati Rahasia",
    EVIDENCE_NAME,
)


@pytest.fixture
def catalogue(session):
    ensure_categories(session)
    agency = gen_agency(session, name="Kementerian Uji Open311")
    parent = gen_unit(session, agency, name="Direktorat Jenderal Kependudukan", eselon=Eselon.I)
    parent.abbreviation = "Ditjen Dukcapil"
    gen_unit(session, agency, name="Direktorat Pendaftaran Penduduk", parent=parent)
    session.commit()


@pytest.fixture
def api_keys(app, monkeypatch):
    monkeypatch.setitem(app.config, "OPEN311_API_KEYS", f"kunci-lain-123, {KEY}")


def gen_complaint(
    session,
    *,
    category: str = "aspirasi",
    title: str = "Antrean loket KTP terlalu panjang",
    privacy: Privacy | None = None,
    published: bool = True,
    status: ComplaintStatus = ComplaintStatus.DITERIMA,
    days_ago: float = 1,
    outcome: ComplaintOutcome | None = None,
    referred_to: ReferralBody | None = None,
    evidence: tuple[Upload, ...] = (),
) -> Complaint:
    """File a complaint with the reporter's identity through intake, then triage it by hand."""
    filed_at = datetime.now(UTC) - timedelta(days=days_ago)
    filed = submit_complaint(
        session,
        ComplaintSubmission(
            channel=Channel.WEB,
            category=category,
            title=title,
            description=BODY,
            unit=UNIT,
            incident_place="Loket 3",
            contact=Contact(
                name=f"{IDENTITY['first_name']} {IDENTITY['last_name']}",
                email=IDENTITY["email"],
                phone=IDENTITY["phone"],
            ),
            evidence=evidence,
        ),
        IntakeSettings.from_config(current_app.config),
        now=filed_at,
    )
    complaint = filed.complaint
    complaint.privacy = privacy or complaint.privacy
    complaint.publication_approved = published
    complaint.status = status
    complaint.outcome = outcome
    complaint.referred_to = referred_to
    complaint.updated_at = filed_at + timedelta(hours=2)
    if status in (ComplaintStatus.SELESAI, ComplaintStatus.DITOLAK):
        complaint.closed_at = filed_at + timedelta(hours=3)
    session.commit()
    return complaint


def post(client, data: dict, fmt: str = "json"):
    return client.post(f"{BASE}/requests.{fmt}", data=data)


def filing(**overrides) -> dict:
    data = {
        "api_key": KEY,
        "service_code": "aspirasi",
        "description": "Antrean loket KTP terlalu panjang\nSetiap pagi antrean mengular sampai"
        " ke parkiran; mohon loket ditambah.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def complaints(session) -> list[Complaint]:
    session.expire_all()
    return list(session.scalars(sa.select(Complaint)))


def listed(response) -> list[str]:
    assert response.status_code == 200, response.data
    return [r["service_request_id"] for r in response.get_json()]


def xml_records(response, item: str) -> list[dict]:
    root = ET.fromstring(response.data)
    return [{child.tag: child.text for child in element} for element in root.iter(item)]


def as_xml_text(record: dict) -> dict:
    """The JSON record as the XML renders it: booleans spelled out, null and "" as no text."""

    def text(value):
        if isinstance(value, bool):
            return "true" if value else "false"
        return None if value in (None, "") else str(value)

    return {k: text(v) for k, v in record.items()}


def error_descriptions(response, status: int) -> list[str]:
    assert response.status_code == status, response.data
    errors = response.get_json()
    assert isinstance(errors, list) and errors
    assert all(set(e) == {"code", "description"} and e["code"] == status for e in errors)
    return [e["description"] for e in errors]


# --- services --------------------------------------------------------------------------------


def test_services_list_every_fileable_category_with_the_spec_fields(client, catalogue):
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    services = {s["service_code"]: s for s in response.get_json()}
    assert all(
        set(s)
        == {"service_code", "service_name", "description", "metadata", "type"}
        | {"keywords", "group"}
        for s in services.values()
    )
    assert services["suap"] == {
        "service_code": "suap",
        "service_name": "Suap",
        "description": "",
        "metadata": False,
        "type": "blackbox",
        "keywords": "Suap, Bribery, Korupsi (whistleblowing), Corruption (whistleblowing)",
        "group": "Korupsi (whistleblowing)",
    }
    # Groups with members are headings, not services; groups without members are services.
    assert "korupsi" not in services and "maladministrasi" not in services
    assert services["aspirasi"]["group"] == "Lainnya"


def test_confidential_categories_are_blackbox_and_the_rest_realtime(client, catalogue):
    types = {s["service_code"]: s["type"] for s in client.get(f"{BASE}/services.json").get_json()}
    assert types["pungli"] == types["gratifikasi"] == types["kode-etik"] == "blackbox"
    assert types["aspirasi"] == types["penundaan-berlarut"] == "realtime"


def test_services_speak_english_on_request(client, catalogue):
    services = {
        s["service_code"]: s for s in client.get(f"{BASE}/services.json?lang=en").get_json()
    }
    assert services["pungli"]["service_name"] == "Extortion/illegal levies"
    assert services["pungli"]["group"] == "Corruption (whistleblowing)"


def test_services_xml_carries_the_same_data(client, catalogue):
    as_json = client.get(f"{BASE}/services.json").get_json()
    response = client.get(f"{BASE}/services.xml")
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert response.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert ET.fromstring(response.data).tag == "services"
    assert xml_records(response, "service") == [as_xml_text(s) for s in as_json]


def test_service_definition_documents_the_optional_attributes(client, catalogue):
    response = client.get(f"{BASE}/services/pungli.json")
    definition = response.get_json()
    assert response.status_code == 200 and definition["service_code"] == "pungli"
    unit, when = definition["attributes"]
    assert (unit["code"], unit["datatype"], unit["required"], unit["order"]) == (
        "unit",
        "singlevaluelist",
        False,
        1,
    )
    assert {"key": UNIT, "name": "Direktorat Pendaftaran Penduduk, Ditjen Dukcapil"} in unit[
        "values"
    ]
    assert (when["code"], when["datatype"], when["required"]) == (
        "incident_date",
        "datetime",
        False,
    )
    root = ET.fromstring(client.get(f"{BASE}/services/pungli.xml").data)
    assert root.tag == "service_definition" and root.findtext("service_code") == "pungli"
    keys = [v.findtext("key") for v in root.iterfind("attributes/attribute/values/value")]
    assert keys == [v["key"] for v in unit["values"]]


@pytest.mark.parametrize("code", ["parkir-liar", "korupsi", "SUAP", "a.b"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_definition_is_an_open311_404(client, catalogue, code, fmt):
    response = client.get(f"{BASE}/services/{code}.{fmt}")
    assert response.status_code == 404
    if fmt == "json":
        assert "service_code" in error_descriptions(response, 404)[0]
    else:
        root = ET.fromstring(response.data)
        assert root.tag == "errors" and root.findtext("error/code") == "404"


def test_another_jurisdiction_is_a_404_and_ours_is_welcome(client, catalogue):
    assert client.get(f"{BASE}/services.json?jurisdiction_id=zi-portal").status_code == 200
    assert client.get(f"{BASE}/services.json?jurisdiction_id=").status_code == 200
    response = client.get(f"{BASE}/services.json?jurisdiction_id=sfgov.org")
    assert "jurisdiction_id" in error_descriptions(response, 404)[0]


# --- filing ----------------------------------------------------------------------------------


def test_filing_a_realtime_service_goes_through_intake_and_returns_the_id(
    client, session, catalogue, api_keys
):
    response = post(
        client,
        filing(
            **IDENTITY,
            **{
                "attribute[unit]": UNIT,
                "attribute[incident_date]": "2025-11-20T23:30:00+00:00",
                "address_string": "Loket 3, Kantor Dukcapil",
                "lat": "-6.1754",
                "long": "106.8272",
                "device_id": "perangkat-123",
                "media_url": "http://example.org/foto.jpg",
            },
        ),
    )
    assert response.status_code == 201, response.data
    assert response.headers["Cache-Control"] == "no-store"
    [answer] = response.get_json()
    assert set(answer) == {"service_request_id", "service_notice", "account_id", "zi_access_key"}
    [complaint] = complaints(session)
    assert answer["service_request_id"] == complaint.code and answer["account_id"] is None
    assert complaint.channel == Channel.API and complaint.privacy == Privacy.TERBUKA
    assert complaint.title == "Antrean loket KTP terlalu panjang"
    assert complaint.body.startswith("Antrean loket KTP terlalu panjang\nSetiap pagi")
    assert complaint.unit.slug == UNIT and complaint.incident_place == "Loket 3, Kantor Dukcapil"
    assert complaint.incident_date == date(2025, 11, 21)  # 06:30 in Jakarta
    assert complaint.reporter_name == "Budi Santosorahasia"
    assert complaint.reporter_email == IDENTITY["email"]
    assert complaint.reporter_phone == IDENTITY["phone"]
    # The key opens the complaint, and travels only in its own field, never in the notice.
    assert find_for_reporter(session, complaint.code, answer["zi_access_key"]) == complaint
    assert answer["zi_access_key"] not in answer["service_notice"]
    assert "zi_access_key" in answer["service_notice"]


def test_filing_a_blackbox_service_is_confidential_and_returns_a_token_as_its_id(
    client, session, catalogue, api_keys
):
    response = post(client, filing(service_code="pungli", **IDENTITY), fmt="xml")
    assert response.status_code == 201, response.data
    [complaint] = complaints(session)
    assert complaint.privacy == Privacy.RAHASIA and complaint.channel == Channel.API
    [answer] = xml_records(response, "request")
    assert set(answer) == {
        "token",
        "service_notice",
        "account_id",
        "zi_access_key",
        "zi_tracking_code",
    }
    assert (
        answer["token"]
        and answer["account_id"] is None
        and complaint.code not in answer["token"]
        and complaint.code not in answer["service_notice"]
    )
    # Only the submitter gets the code, beside the key, so the key is usable.
    assert answer["zi_tracking_code"] == complaint.code
    assert find_for_reporter(session, answer["zi_tracking_code"], answer["zi_access_key"]) == (
        complaint
    )


def test_a_long_first_line_is_cut_to_the_title_limit(client, session, catalogue, api_keys):
    first_line = "Antrean " * 40
    response = post(client, filing(description=f"{first_line}\nSetiap pagi begitu."))
    assert response.status_code == 201, response.data
    [complaint] = complaints(session)
    assert len(complaint.title) == Complaint.TITLE_MAX and complaint.title.endswith("…")


@pytest.mark.parametrize(
    ("configured", "given"),
    [
        (KEY, "kunci-salah"),
        (KEY, None),
        (KEY, ""),
        ([KEY], KEY[:-1]),
        ("", KEY),  # no key configured: filing is disabled
        (None, KEY),
    ],
)
def test_filing_without_a_valid_key_is_403_and_files_nothing(
    app, client, session, catalogue, monkeypatch, configured, given
):
    monkeypatch.setitem(app.config, "OPEN311_API_KEYS", configured)
    response = post(client, filing(api_key=given))
    assert error_descriptions(response, 403)
    assert complaints(session) == []


def test_filing_is_rate_limited_with_an_open311_answer(app, client, catalogue, api_keys):
    answers = [post(client, filing(api_key="kunci-salah")) for _ in range(6)]
    assert [a.status_code for a in answers[:5]] == [403] * 5
    assert error_descriptions(answers[5], 429) and answers[5].headers["Retry-After"]


def test_keys_may_be_configured_as_a_list(app, client, session, catalogue, monkeypatch):
    monkeypatch.setitem(app.config, "OPEN311_API_KEYS", ["kunci-lain-123", KEY])
    assert post(client, filing()).status_code == 201


@pytest.mark.parametrize(
    ("overrides", "parameter"),
    [
        ({"service_code": None}, "service_code"),
        ({"service_code": "  "}, "service_code"),
        ({"service_code": "parkir-liar"}, "service_code"),
        ({"service_code": "korupsi"}, "service_code"),  # a group heading, not a service
        ({"description": None}, "description"),
        ({"description": "x" * 4001}, "description"),
        ({"description": "Terlalu pendek"}, "description"),
        ({"attribute[unit]": "unit-tidak-ada"}, "attribute[unit]"),
        ({"attribute[incident_date]": "kemarin sore"}, "attribute[incident_date]"),
        ({"email": "bukan-email"}, "email"),
        ({"first_name": "B" * 500}, "first_name"),
    ],
)
def test_invalid_filings_are_a_400_list_naming_the_parameter(
    client, session, catalogue, api_keys, overrides, parameter
):
    descriptions = error_descriptions(post(client, filing(**overrides)), 400)
    assert any(d.startswith(f"{parameter}: ") for d in descriptions), descriptions
    assert complaints(session) == []


def test_every_problem_is_listed_at_once(client, catalogue, api_keys):
    response = post(client, filing(service_code="parkir-liar", description="x" * 4001))
    descriptions = error_descriptions(response, 400)
    assert [d.split(":")[0] for d in descriptions] == ["service_code", "description"]


def test_filing_errors_come_as_xml_from_the_xml_address(client, catalogue, api_keys):
    response = post(client, filing(service_code=None), fmt="xml")
    assert response.status_code == 400
    root = ET.fromstring(response.data)
    assert root.tag == "errors" and root.findtext("error/code") == "400"
    assert root.findtext("error/description").startswith("service_code: ")


def test_a_json_body_is_refused(client, session, catalogue, api_keys):
    response = client.post(f"{BASE}/requests.json", json=filing())
    assert error_descriptions(response, 400)
    assert complaints(session) == []


# --- reading ---------------------------------------------------------------------------------


def test_only_published_open_complaints_are_listed(client, session, catalogue):
    shown = gen_complaint(session)
    gen_complaint(session, published=False)  # open, not yet approved
    gen_complaint(session, category="pungli")  # confidential by default, even if approved
    gen_complaint(session, privacy=Privacy.ANONIM)
    gen_complaint(session, privacy=Privacy.RAHASIA, category="aspirasi")
    assert listed(client.get(f"{BASE}/requests.json")) == [shown.code]


def test_a_request_has_the_spec_fields_and_nothing_more(client, session, catalogue):
    complaint = gen_complaint(
        session,
        status=ComplaintStatus.SELESAI,
        outcome=ComplaintOutcome.TERBUKTI,
        referred_to=ReferralBody.OMBUDSMAN,
    )
    [request] = client.get(f"{BASE}/requests.json").get_json()
    assert request == {
        "service_request_id": complaint.code,
        "status": "closed",
        "status_notes": "Selesai. Hasil pemeriksaan: terbukti. Dirujuk ke Ombudsman.",
        "service_name": "Aspirasi",
        "service_code": "aspirasi",
        "description": "Antrean loket KTP terlalu panjang",
        "agency_responsible": "Direktorat Pendaftaran Penduduk, Ditjen Dukcapil",
        "requested_datetime": complaint.created_at.astimezone(JAKARTA)
        .replace(microsecond=0)
        .isoformat(),
        "updated_datetime": complaint.closed_at.astimezone(JAKARTA)
        .replace(microsecond=0)
        .isoformat(),
        "expected_datetime": datetime.combine(
            complaint.answer_due, time(23, 59, 59), tzinfo=JAKARTA
        ).isoformat(),
        "address": "Loket 3",
    }


def test_dates_are_iso_8601_with_a_time_zone(client, session, catalogue):
    gen_complaint(session)
    [request] = client.get(f"{BASE}/requests.json").get_json()
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        moment = datetime.fromisoformat(request[name])
        assert moment.utcoffset() == timedelta(hours=7), name


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (ComplaintStatus.DITERIMA, "open"),
        (ComplaintStatus.VERIFIKASI, "open"),
        (ComplaintStatus.TINDAK_LANJUT, "open"),
        (ComplaintStatus.PERLU_INFO, "open"),
        (ComplaintStatus.SELESAI, "closed"),
        (ComplaintStatus.DITOLAK, "closed"),
        (ComplaintStatus.DITERUSKAN, "closed"),
        (ComplaintStatus.DIGABUNG, "closed"),
    ],
)
def test_our_statuses_map_to_open_or_closed(client, session, catalogue, status, expected):
    complaint = gen_complaint(session, status=status)
    [request] = client.get(f"{BASE}/requests/{complaint.code}.json").get_json()
    assert request["status"] == expected
    assert request["status_notes"]


def test_requests_xml_carries_the_same_data(client, session, catalogue):
    gen_complaint(session, status=ComplaintStatus.TINDAK_LANJUT)
    gen_complaint(session, status=ComplaintStatus.SELESAI, outcome=ComplaintOutcome.SEBAGIAN)
    as_json = client.get(f"{BASE}/requests.json").get_json()
    response = client.get(f"{BASE}/requests.xml")
    assert ET.fromstring(response.data).tag == "service_requests"
    assert xml_records(response, "request") == [as_xml_text(r) for r in as_json]
    assert len(as_json) == 2


@pytest.fixture
def spread(session, catalogue) -> dict[str, str]:
    """Published complaints of different services, statuses and ages."""
    return {
        "recent": gen_complaint(session, days_ago=5).code,
        "closed": gen_complaint(
            session, category="kualitas-pelayanan", status=ComplaintStatus.SELESAI, days_ago=10
        ).code,
        "old": gen_complaint(session, days_ago=120).code,
        "hidden": gen_complaint(session, published=False, days_ago=3).code,
    }


def test_the_default_window_is_the_last_90_days_newest_first(client, spread):
    assert listed(client.get(f"{BASE}/requests.json")) == [spread["recent"], spread["closed"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("service_code=aspirasi", ["recent"]),
        ("service_code=aspirasi,kualitas-pelayanan", ["recent", "closed"]),
        ("status=open", ["recent"]),
        ("status=closed", ["closed"]),
        ("status=open,closed", ["recent", "closed"]),
        ("status=open&status=closed", ["recent", "closed"]),
        ("status=", ["recent", "closed"]),  # empty is the same as absent
    ],
)
def test_requests_filter_by_service_and_status(client, spread, query, expected):
    response = client.get(f"{BASE}/requests.json?{query}")
    assert listed(response) == [spread[name] for name in expected]


def test_requested_ids_override_the_other_filters(client, spread):
    wanted = f"{spread['old']},{spread['recent']},{spread['hidden']},ZI-2222-2222,rubbish"
    response = client.get(
        f"{BASE}/requests.json?service_request_id={wanted}&status=closed&service_code=suap"
    )
    assert set(listed(response)) == {spread["old"], spread["recent"]}


def test_a_date_range_reaches_older_requests(client, spread):
    now = datetime.now(UTC)
    start = (now - timedelta(days=125)).isoformat()
    end = (now - timedelta(days=100)).isoformat()
    response = client.get(f"{BASE}/requests.json", query_string={"start_date": start})
    assert listed(response) == [spread["old"]]  # start alone: the 90 days after it
    response = client.get(
        f"{BASE}/requests.json", query_string={"start_date": start, "end_date": end}
    )
    assert listed(response) == [spread["old"]]
    day = (now - timedelta(days=120)).astimezone(JAKARTA).date().isoformat()
    response = client.get(
        f"{BASE}/requests.json", query_string={"start_date": day, "end_date": day}
    )
    assert listed(response) == [spread["old"]]  # a bare end date counts the whole day


@pytest.mark.parametrize(
    "query",
    [
        {"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-04-01T00:00:01Z"},  # > 90 days
        {"start_date": "2025-03-01T00:00:00Z", "end_date": "2025-02-01T00:00:00Z"},
        {"start_date": "kemarin"},
        {"end_date": "2025-13-01"},
        {"status": "pending"},
        {"service_request_id": ",".join(["ZI-2222-2222"] * 101)},
    ],
)
def test_bad_request_queries_are_a_400_list(client, catalogue, query):
    assert error_descriptions(client.get(f"{BASE}/requests.json", query_string=query), 400)


def test_a_range_of_exactly_90_days_is_allowed(client, catalogue):
    query = {"start_date": "2025-01-01T00:00:00+07:00", "end_date": "2025-04-01T00:00:00+07:00"}
    assert client.get(f"{BASE}/requests.json", query_string=query).status_code == 200


def test_at_most_1000_requests_are_listed(client, session, catalogue, monkeypatch):
    from portal.open311 import views

    monkeypatch.setattr(views, "LIST_MAX", 2)
    for _ in range(3):
        gen_complaint(session)
    assert len(listed(client.get(f"{BASE}/requests.json"))) == 2


def test_one_published_request_by_its_id(client, session, catalogue):
    complaint = gen_complaint(session)
    response = client.get(f"{BASE}/requests/{complaint.code.lower()}.xml")
    assert response.status_code == 200
    [record] = xml_records(response, "request")
    assert record["service_request_id"] == complaint.code and record["status"] == "open"


def test_unpublished_and_unknown_requests_get_the_same_404(client, session, catalogue):
    hidden = gen_complaint(session, published=False)
    confidential = gen_complaint(session, privacy=Privacy.RAHASIA)
    answers = {
        client.get(f"{BASE}/requests/{code}.json").data
        for code in (hidden.code, confidential.code, "ZI-2222-2222", "rubbish", "x" * 300)
    }
    assert len(answers) == 1
    [body] = answers
    assert b'"code": 404' in body


def test_tokens_and_unknown_addresses_are_open311_404s(client, catalogue):
    response = client.get(f"{BASE}/tokens/0123456789abcdef.json")
    assert error_descriptions(response, 404)
    response = client.get(f"{BASE}/services.csv")
    assert ET.fromstring(response.data).tag == "errors" and response.status_code == 404


def test_a_wrong_method_is_an_open311_405(client, catalogue):
    response = client.delete(f"{BASE}/requests.json")
    assert error_descriptions(response, 405)
    assert "POST" in response.headers["Allow"]


# --- no personal data, anywhere --------------------------------------------------------------


def test_no_response_ever_carries_personal_data_or_the_body(client, session, catalogue, api_keys):
    evidence = (Upload(EVIDENCE_NAME, photo_with_gps(), "image/jpeg"),)
    published = gen_complaint(session, evidence=evidence, status=ComplaintStatus.SELESAI)
    hidden = gen_complaint(session, published=False, evidence=evidence)
    confidential = gen_complaint(session, category="pungli", privacy=Privacy.RAHASIA)
    for complaint in (published, hidden, confidential):
        for kind, body in ((MessageKind.BALASAN, REPLY), (MessageKind.CATATAN, NOTE)):
            session.add(
                ComplaintMessage(complaint=complaint, kind=kind, channel=Channel.WEB, body=body)
            )
    session.commit()
    stored = session.scalars(sa.select(Attachment.original_filename)).all()
    assert EVIDENCE_NAME in stored  # there is a file name to leak
    codes = ",".join(c.code for c in (published, hidden, confidential))
    bodies = []
    for fmt in ("json", "xml"):
        for path in (
            f"/services.{fmt}",
            f"/services/aspirasi.{fmt}",
            f"/requests.{fmt}",
            f"/requests.{fmt}?service_request_id={codes}",
            f"/requests.{fmt}?status=closed",
            *(f"/requests/{c.code}.{fmt}" for c in (published, hidden, confidential)),
        ):
            response = client.get(BASE + path)
            assert response.status_code in (200, 404), path
            bodies.append((path, response.data.decode("utf-8")))
        answer = post(client, filing(**IDENTITY, description=BODY + "\nLengkapnya begitu."), fmt)
        assert answer.status_code == 201, answer.data
        bodies.append((f"POST {fmt}", answer.data.decode("utf-8")))
    assert published.code in dict(bodies)["/requests.json"]  # the scan reads real answers
    for path, text in bodies:
        for secret in (*SECRETS, BODY, REPLY, NOTE, IDENTITY["first_name"]):
            assert secret.casefold() not in text.casefold(), (path, secret)
