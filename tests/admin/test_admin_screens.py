"""The ZI administration screens over HTTP: every screen, every action through the lifecycle
services, every refusal in words with the typed values kept, role rules, live scoring, proposal
evidence, and the whole lifecycle from agency to periodic evaluation."""

from __future__ import annotations

import hashlib
import html
import io
import os
import re
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from models import (
    Agency,
    AgencyYear,
    Assessment,
    CoachingActivity,
    Declaration,
    PactSignature,
    Predicate,
    Proposal,
    ProposalDocument,
    Review,
    RevocationCase,
    Unit,
)
from models.enums import (
    AKIPGrade,
    AssessmentKind,
    BPKOpinion,
    CoachingReason,
    Eselon,
    PredicateKind,
    ProposalStatus,
    ReviewOutcome,
    RevocationCause,
    RevocationStatus,
    Role,
    ZIStage,
)
from models.rulebook import load_rulebook
from portal.services import lifecycle
from portal.services.demo import GOOD, STRONG, WEAK, Level, lke_inputs
from portal.services.scoring import score
from tests.factories import (
    gen_agency,
    gen_assessment,
    gen_candidate,
    gen_declaration,
    gen_predicate,
    gen_unit,
    gen_user,
)
from tests.public.conftest import form_tokens

PASSWORD = "kata-sandi-uji-123"
NEW, OLD = "permenpanrb-90-2021", "permenpanrb-52-2014"
EMAILS = {
    "admin": "admin@uji.test",
    "tpi": "tpi@uji.test",
    "tpn": "tpn@uji.test",
    "inspektur": "ina@uji.test",
}
POLICY = lifecycle.LifecyclePolicy(ban_years=2, decision_days=30)


# --- helpers ----------------------------------------------------------------------------------


def text(response) -> str:
    """The page as a reader sees it: no tags, entities decoded, whitespace collapsed."""
    without_tags = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html.unescape(without_tags))


def markup(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def shown(value: float) -> str:
    """A figure as the Indonesian pages write it (2 decimals, decimal comma)."""
    return f"{value:.2f}".replace(".", ",")


class Staff:
    """A signed-in browser session of one staff member, sending the CSRF token with each form."""

    def __init__(self, client, email: str):
        self.client = client
        response = client.post(
            "/masuk", data={**form_tokens(client, "/masuk"), "email": email, "password": PASSWORD}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        self.token = form_tokens(client, "/akun")["csrf_token"]

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, **kwargs):
        return self.client.post(url, data={"csrf_token": self.token, **(data or {})}, **kwargs)

    def score(self, body, *, token: bool = True):
        headers = {"X-CSRFToken": self.token} if token else {}
        return self.client.post("/admin/lke/skor", json=body, headers=headers)


@pytest.fixture
def people(session):
    users = {
        "admin": gen_user(session, Role.ADMIN_ZI, email=EMAILS["admin"]),
        "tpi": gen_user(session, Role.TPI, email=EMAILS["tpi"]),
        "tpn": gen_user(session, Role.TPN, email=EMAILS["tpn"]),
        "inspektur": gen_user(session, Role.INSPEKTUR, email=EMAILS["inspektur"]),
    }
    session.commit()
    return users


@pytest.fixture
def sign_in(app, client, people):
    """Return a signed-in session for a role, each in its own test client (the ``client``
    fixture makes them isolated: each request in a fresh app context, as in production)."""

    def make(role: str) -> Staff:
        return Staff(app.test_client(), EMAILS[role])

    return make


def lke_fields(rulebook_id: str, level: Level) -> dict[str, str]:
    """The worksheet fields a person types for the demo inputs of ``level``."""
    fields = {}
    for key, spec in lke_inputs(rulebook_id, level).items():
        if "index" in spec:
            fields[f"kind-{key}"], fields[f"in-{key}"] = "indeks", f"{spec['index']:g}"
        else:
            fields[f"kind-{key}"], fields[f"in-{key}"] = "nilai", f"{spec['value']:g}"
    return fields


def pdf() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(out, "PDF")
    return out.getvalue()


WINDOWS_EXE = b"MZ" + b"\0" * 62


@pytest.fixture
def world(session, people):
    """An agency with good years, a declared candidate with a WBK self-assessment and a
    proposal awaiting review, and a second unit not yet designated."""
    agency = gen_agency(session, name="Kementerian Uji Admin")
    candidate = gen_candidate(session, agency=agency, name="Direktorat Calon")
    plain = gen_unit(session, agency, name="Direktorat Biasa")
    assessment = gen_assessment(session, candidate, "WBK", assessor="TPI Uji")
    proposal = lifecycle.propose(
        session,
        candidate,
        predicate=PredicateKind.WBK,
        year=2021,
        assessment=assessment,
        submitted_on=date(2022, 8, 2),
    )
    session.commit()
    return {
        "agency": agency,
        "candidate": candidate,
        "plain": plain,
        "assessment": assessment,
        "proposal": proposal,
    }


# --- access -----------------------------------------------------------------------------------


def test_anonymous_visitors_go_to_the_sign_in_page(client, world):
    for url in ("/admin", "/admin/unit", f"/admin/usulan/{world['proposal'].id}"):
        response = client.get(url)
        assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_inspectors_get_the_403_page(sign_in, world):
    inspector = sign_in("inspektur")
    for url in (
        "/admin",
        "/admin/instansi",
        "/admin/unit",
        f"/admin/unit/{world['candidate'].slug}",
        f"/admin/unit/{world['candidate'].slug}/lke/baru",
        "/admin/pencanangan",
        "/admin/usulan",
    ):
        response = inspector.get(url)
        assert response.status_code == 403, url
        assert "Akses ditolak" in text(response)
    assert inspector.score({"rulebook": NEW, "fields": {}}).status_code == 403
    assert inspector.post("/admin/instansi", {"name": "Instansi Penyusup"}).status_code == 403


@pytest.mark.parametrize("role", ["admin", "tpi", "tpn"])
def test_every_screen_renders_for_each_zi_role(sign_in, world, role):
    staff = sign_in(role)
    slug, agency = world["candidate"].slug, world["agency"].slug
    urls = [
        "/admin",
        "/admin/instansi",
        f"/admin/instansi/{agency}",
        f"/admin/instansi/{agency}?tahun=2021",
        "/admin/unit",
        "/admin/unit?tahap=calon",
        f"/admin/unit/{slug}",
        "/admin/pencanangan",
        "/admin/usulan",
        "/admin/usulan?status=diajukan",
        f"/admin/usulan/{world['proposal'].id}",
        f"/admin/lke/{world['assessment'].id}",
    ]
    if role == "admin":
        urls += ["/admin/pencanangan/baru", f"/admin/unit/{slug}/usulan/baru"]
    else:
        urls += [
            f"/admin/unit/{slug}/lke/baru",
            f"/admin/unit/{slug}/lke/baru?rulebook={OLD}",
            f"/admin/unit/{slug}/lke/baru?dari={world['assessment'].id}",
        ]
    for url in urls:
        response = staff.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert 'href="/admin/pencabutan"' in markup(response)
        assert "<script>" not in markup(response) and " style=" not in markup(response)


def test_the_dashboard_counts_stages_and_lists_open_work(sign_in, world, session, people):
    lifecycle.log_coaching(
        session,
        world["plain"],
        reason=CoachingReason.RUTIN,
        held_on=date(2024, 2, 1),
        topic="Pendampingan SOP pelayanan",
    )
    session.commit()
    page = text(sign_in("tpn").get("/admin"))
    assert "Diusulkan" in page and "Belum ditetapkan" in page
    assert "Direktorat Calon" in page and "Diajukan, menunggu reviu" in page
    assert "Pendampingan SOP pelayanan" in page
    assert "Tidak ada peninjauan pencabutan yang terbuka." in page


def test_pages_show_only_the_actions_of_the_viewers_role(sign_in, world):
    slug, proposal = world["candidate"].slug, world["proposal"].id
    admin, tpi, tpn = sign_in("admin"), sign_in("tpi"), sign_in("tpn")
    admin_unit, tpi_unit = (
        text(admin.get(f"/admin/unit/{slug}")),
        text(tpi.get(f"/admin/unit/{slug}")),
    )
    assert "Catat penandatanganan" in admin_unit and "Catat pembinaan" in admin_unit
    assert "Tetapkan sebagai calon" not in admin_unit  # already proposed
    assert "Tetapkan sebagai calon" in text(admin.get(f"/admin/unit/{world['plain'].slug}"))
    assert "Isi LKE penilaian mandiri" not in admin_unit
    assert "Isi LKE penilaian mandiri" in tpi_unit
    assert "Catat penandatanganan" not in tpi_unit and "Ajukan usulan" not in tpi_unit
    tpn_proposal = text(tpn.get(f"/admin/usulan/{proposal}"))
    assert "Catat hasil reviu" in tpn_proposal and "Tetapkan predikat" not in tpn_proposal
    admin_proposal = text(admin.get(f"/admin/usulan/{proposal}"))
    assert "Catat hasil reviu" not in admin_proposal
    assert "Predikat dapat ditetapkan setelah TPN menyatakan" in admin_proposal
    assert "Log audit" in text(admin.get("/admin")) and "Log audit" not in text(tpn.get("/admin"))
    tpi_proposal = text(tpi.get(f"/admin/usulan/{proposal}"))
    assert "Tindakan" not in tpi_proposal and "Catat hasil reviu" not in tpi_proposal


def test_each_role_is_refused_the_others_actions(sign_in, world, session):
    proposal, slug = world["proposal"], world["candidate"].slug
    tpi, admin, tpn = sign_in("tpi"), sign_in("admin"), sign_in("tpn")
    award = {"decree_number": "SK-1", "awarded_on": "2022-12-01"}
    assert tpi.post(f"/admin/usulan/{proposal.id}/penetapan", award).status_code == 403
    assert tpn.post(f"/admin/usulan/{proposal.id}/penetapan", award).status_code == 403
    review = {"outcome": "memenuhi", "reviewed_on": "2022-12-01"}
    assert admin.post(f"/admin/usulan/{proposal.id}/reviu", review).status_code == 403
    assert tpi.post(f"/admin/usulan/{proposal.id}/reviu", review).status_code == 403
    assert tpn.post("/admin/instansi", {"name": "Instansi TPN"}).status_code == 403
    assert tpi.post(f"/admin/unit/{slug}/calon", {"designated_on": "2024-01-01"}).status_code == 403
    assert admin.get(f"/admin/unit/{slug}/lke/baru").status_code == 403
    fields = lke_fields(NEW, GOOD) | {"assessed_on": "2024-01-01", "aksi": "simpan"}
    periodic = tpi.post(
        f"/admin/unit/{slug}/lke/baru?rulebook={NEW}", fields | {"kind": "evaluasi_berkala"}
    )
    assert periodic.status_code == 403
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count(Review.id))) == 0
    assert session.scalar(sa.select(sa.func.count(Predicate.id))) == 0
    assert (
        session.scalar(
            sa.select(sa.func.count(Assessment.id)).where(
                Assessment.kind == AssessmentKind.EVALUASI_BERKALA
            )
        )
        == 0
    )


# --- agencies ---------------------------------------------------------------------------------


def test_admin_creates_an_agency_and_a_duplicate_is_refused_in_words(sign_in, session, people):
    admin = sign_in("admin")
    response = admin.post("/admin/instansi", {"name": "Kementerian Baru", "abbreviation": "KB"})
    assert response.status_code == 302
    agency = session.scalar(sa.select(Agency).where(Agency.name == "Kementerian Baru"))
    assert agency is not None and agency.abbreviation == "KB"
    again = admin.post("/admin/instansi", {"name": "Kementerian Baru", "abbreviation": "KB-2"})
    assert again.status_code == 422
    assert "Instansi Kementerian Baru sudah terdaftar." in text(again)
    assert 'value="KB-2"' in markup(again)
    blank = admin.post("/admin/instansi", {"name": "  "})
    assert blank.status_code == 422 and "Nama instansi wajib diisi." in text(blank)
    missing = admin.post("/admin/instansi", {"abbreviation": "X"})
    assert missing.status_code == 422 and "Wajib diisi." in text(missing)


def test_admin_records_and_corrects_a_years_bpk_opinion_and_akip_grade(sign_in, session, people):
    agency = gen_agency(session, name="Instansi Tahunan", years={})
    session.commit()
    admin = sign_in("admin")
    url = f"/admin/instansi/{agency.slug}/tahun"
    assert (
        admin.post(url, {"year": "2023", "bpk_opinion": "WDP", "akip_grade": "B"}).status_code
        == 302
    )
    assert (
        admin.post(url, {"year": "2023", "bpk_opinion": "WTP", "akip_grade": "BB"}).status_code
        == 302
    )
    rows = session.scalars(sa.select(AgencyYear).where(AgencyYear.agency_id == agency.id)).all()
    assert [(r.year, r.bpk_opinion, r.akip_grade) for r in rows] == [
        (2023, BPKOpinion.WTP, AKIPGrade.BB)
    ]
    page = text(admin.get(f"/admin/instansi/{agency.slug}?tahun=2023"))
    assert "2023" in page and "WTP" in page and "Ubah 2023" in page
    refused = admin.post(url, {"year": "1999", "bpk_opinion": "WTP", "akip_grade": "A"})
    assert refused.status_code == 422
    assert "Tahun 1999 di luar rentang yang masuk akal." in text(refused)
    assert 'value="1999"' in markup(refused)
    assert '<option selected value="A">' in markup(refused) or 'value="A" selected' in markup(
        refused
    )
    garbled = admin.post(url, {"year": "dua ribu", "bpk_opinion": "", "akip_grade": ""})
    assert garbled.status_code == 422 and "Tulis bilangan bulat" in text(garbled)


# --- units, pacts, designation, coaching ------------------------------------------------------


def test_admin_creates_units_under_a_parent_and_a_wrong_level_is_refused(sign_in, session, world):
    admin = sign_in("admin")
    agency = world["agency"]
    top = admin.post(
        "/admin/unit", {"agency": agency.slug, "name": "Direktorat Jenderal Uji", "eselon": "I"}
    )
    assert top.status_code == 302
    parent = session.scalar(sa.select(Unit).where(Unit.name == "Direktorat Jenderal Uji"))
    child = admin.post(
        "/admin/unit",
        {
            "agency": agency.slug,
            "name": "Direktorat Anak",
            "abbreviation": "DA",
            "eselon": "II",
            "parent": parent.slug,
            "email": "da@uji.test",
        },
    )
    assert child.status_code == 302
    made = session.scalar(sa.select(Unit).where(Unit.name == "Direktorat Anak"))
    assert made.parent_id == parent.id and made.eselon == Eselon.II and made.email == "da@uji.test"
    wrong = admin.post(
        "/admin/unit",
        {"agency": agency.slug, "name": "Direktorat Sejajar", "eselon": "I", "parent": parent.slug},
    )
    assert wrong.status_code == 422
    assert "Unit eselon I tidak dapat berada di bawah unit eselon I." in text(wrong)
    assert 'value="Direktorat Sejajar"' in markup(wrong)
    assert session.scalar(sa.select(Unit).where(Unit.name == "Direktorat Sejajar")) is None
    listing = text(admin.get("/admin/unit"))
    assert "Direktorat Anak" in listing and "90 dari 100 pegawai" in listing


def test_pact_signatures_are_counted_and_an_impossible_count_is_refused(sign_in, session, world):
    admin, unit = sign_in("admin"), world["plain"]
    url = f"/admin/unit/{unit.slug}/pakta"
    ok = admin.post(
        url,
        {
            "recorded_on": "2024-03-01",
            "leader_signed": "y",
            "staff_signed": "47",
            "staff_total": "50",
        },
    )
    assert ok.status_code == 302
    latest = session.scalars(
        sa.select(PactSignature)
        .where(PactSignature.unit_id == unit.id)
        .order_by(PactSignature.recorded_on.desc())
    ).first()
    assert (latest.staff_signed, latest.staff_total, latest.leader_signed) == (47, 50, True)
    unit_page = text(admin.get(f"/admin/unit/{unit.slug}"))
    assert "47 dari 50 pegawai (94%)" in unit_page and "Pakta Integritas: Semua (2)" in unit_page
    bad = admin.post(url, {"recorded_on": "2024-03-02", "staff_signed": "60", "staff_total": "50"})
    assert bad.status_code == 422
    assert "Pegawai yang menandatangani (60) melebihi jumlah pegawai (50)." in text(bad)
    assert 'value="60"' in markup(bad) and 'value="2024-03-02"' in markup(bad)


def test_designating_an_eselon_iv_unit_is_refused_in_words(sign_in, session, world):
    agency = world["agency"]
    small = gen_unit(session, agency, name="Seksi Kecil", eselon=Eselon.IV)
    session.commit()
    admin = sign_in("admin")
    response = admin.post(f"/admin/unit/{small.slug}/calon", {"designated_on": "2024-05-06"})
    assert response.status_code == 422
    page = text(response)
    assert (
        "Seksi Kecil adalah unit eselon IV; calon unit ZI harus setingkat eselon I sampai"
        " eselon III." in page
    )
    assert 'value="2024-05-06"' in markup(response)
    session.expire_all()
    assert session.get(Unit, small.id).zi_stage == ZIStage.BELUM


def test_designation_before_any_declaration_says_so_and_succeeds_after(sign_in, session, people):
    agency = gen_agency(session, name="Instansi Belum Canang")
    unit = gen_unit(session, agency, name="Direktorat Menunggu")
    session.commit()
    admin = sign_in("admin")
    url = f"/admin/unit/{unit.slug}/calon"
    refused = admin.post(url, {"designated_on": "2024-05-06"})
    assert "Instansi Belum Canang belum melakukan pencanangan Zona Integritas." in text(refused)
    gen_declaration(session, agency, on=date(2024, 4, 1))
    session.commit()
    assert admin.post(url, {"designated_on": "2024-05-06"}).status_code == 302
    session.expire_all()
    designated = session.get(Unit, unit.id)
    assert designated.zi_stage == ZIStage.CALON and designated.designated_on == date(2024, 5, 6)


def test_coaching_is_logged_per_unit(sign_in, session, world):
    admin, unit = sign_in("admin"), world["plain"]
    url = f"/admin/unit/{unit.slug}/pembinaan"
    data = {"reason": "rutin", "held_on": "2024-07-01", "topic": "Pelatihan antikorupsi"}
    assert admin.post(url, data | {"notes": "Diikuti 40 pegawai."}).status_code == 302
    activity = session.scalar(
        sa.select(CoachingActivity).where(CoachingActivity.unit_id == unit.id)
    )
    assert activity.topic == "Pelatihan antikorupsi" and activity.notes == "Diikuti 40 pegawai."
    assert "Pelatihan antikorupsi" in text(admin.get(f"/admin/unit/{unit.slug}"))
    empty = admin.post(url, {"reason": "rutin", "held_on": "2024-07-02", "topic": ""})
    assert empty.status_code == 422 and "Wajib diisi." in text(empty)
    assert 'value="2024-07-02"' in markup(empty)


# --- declarations -----------------------------------------------------------------------------


def test_a_joint_declaration_with_witnesses_is_recorded(sign_in, session, people):
    first = gen_agency(session, name="Kabupaten Satu")
    second = gen_agency(session, name="Kabupaten Dua")
    gen_unit(session, first)
    gen_unit(session, second)
    session.commit()
    admin = sign_in("admin")
    more = admin.post("/admin/pencanangan/baru", {"aksi": "tambah_saksi", "charter_reference": "X"})
    assert markup(more).count('name="witnesses-3-name"') == 1 and 'value="X"' in markup(more)
    response = admin.post(
        "/admin/pencanangan/baru",
        {
            "agencies": [first.slug, second.slug],
            "declared_on": "2024-04-30",
            "place": "Semarang",
            "charter_reference": "Piagam Bersama 01/2024",
            "publication_url": "https://example.org/pencanangan",
            "witnesses-0-name": "Ani",
            "witnesses-0-organisation": "KPK",
            "witnesses-1-name": "Budi",
            "witnesses-1-organisation": "Ombudsman RI",
            "witnesses-2-name": "",
            "witnesses-2-organisation": "",
            "aksi": "simpan",
        },
    )
    assert response.status_code == 302
    declaration = session.scalar(sa.select(Declaration))
    assert declaration.is_joint and {a.name for a in declaration.agencies} == {
        "Kabupaten Satu",
        "Kabupaten Dua",
    }
    assert [(w.name, w.organisation) for w in declaration.witnesses] == [
        ("Ani", "KPK"),
        ("Budi", "Ombudsman RI"),
    ]
    assert declaration.place == "Semarang"
    listing = text(admin.get("/admin/pencanangan"))
    assert "Piagam Bersama 01/2024" in listing and "pencanangan bersama" in listing


def test_a_declaration_without_signed_pacts_is_refused_with_every_value_kept(
    sign_in, session, people
):
    agency = gen_agency(session, name="Instansi Tanpa Pakta")
    gen_unit(session, agency, pact=False)
    session.commit()
    admin = sign_in("admin")
    response = admin.post(
        "/admin/pencanangan/baru",
        {
            "agencies": [agency.slug],
            "declared_on": "2024-04-30",
            "charter_reference": "Piagam 7/2024",
            "publication_url": "ftp://salah",
            "witnesses-0-name": "Citra",
            "witnesses-0-organisation": "",
            "aksi": "simpan",
        },
    )
    assert response.status_code == 422
    page = text(response)
    assert "Instansi Tanpa Pakta belum mencatat penandatanganan Pakta Integritas." in page
    assert "Tautan publikasi harus berupa alamat web" in page
    assert "Setiap saksi memerlukan nama dan lembaga." in page
    raw = markup(response)
    assert 'value="Piagam 7/2024"' in raw and 'value="Citra"' in raw
    assert re.search(rf'checked[^>]*value="{agency.slug}"|value="{agency.slug}"[^>]*checked', raw)
    assert session.scalar(sa.select(sa.func.count(Declaration.id))) == 0


# --- LKE entry and live scoring ---------------------------------------------------------------


@pytest.mark.parametrize("rulebook_id", [NEW, OLD])
def test_the_worksheet_has_one_input_per_indicator_grouped_with_weights(
    sign_in, world, rulebook_id
):
    response = sign_in("tpi").get(
        f"/admin/unit/{world['candidate'].slug}/lke/baru?rulebook={rulebook_id}"
    )
    raw, rulebook = markup(response), load_rulebook(rulebook_id)
    for indicator in rulebook.indicators:
        assert raw.count(f'name="in-{indicator.id}"') == 1
        assert f'name="kind-{indicator.id}"' in raw
    for area in rulebook.areas:
        assert area.title in raw and f'data-figure="area:{area.id}"' in raw
    assert 'src="/static/js/lke-score.js"' in raw and 'data-score-url="/admin/lke/skor"' in raw


def test_hitung_recalculates_without_javascript_and_keeps_every_value(sign_in, world):
    fields = lke_fields(NEW, GOOD) | {"kind": "mandiri", "assessed_on": "2024-08-01"}
    expected = score(load_rulebook(NEW), lke_inputs(NEW, GOOD))
    response = sign_in("tpi").post(
        f"/admin/unit/{world['candidate'].slug}/lke/baru?rulebook={NEW}",
        fields | {"aksi": "hitung"},
    )
    assert response.status_code == 200
    raw, page = markup(response), text(response)
    assert re.search(rf'data-figure="total">{shown(expected.total)}<', raw)
    assert re.search(rf'data-figure="pengungkit">{shown(expected.pengungkit)}<', raw)
    for area, value in expected.areas.items():
        assert f'data-figure="area:{area}">{shown(value)}<' in raw
    assert "Mencapai predikat WBK" in page
    assert "WBBM — Nilai total: minimal 85,00, tercapai" in page
    assert 'name="in-spbe" id="in-spbe" value="0.8"' in raw


def test_hitung_counts_empty_fields_as_zero_and_says_so(sign_in, world):
    fields = lke_fields(NEW, GOOD)
    fields["in-spbe"] = ""
    response = sign_in("tpn").post(
        f"/admin/unit/{world['candidate'].slug}/lke/baru?rulebook={NEW}",
        fields | {"kind": "reviu", "assessed_on": "2024-08-01", "aksi": "hitung"},
    )
    assert "1 indikator belum diisi dan dihitung 0" in text(response)


def test_saving_an_lke_records_the_self_assessment_through_the_service(sign_in, session, world):
    unit = world["candidate"]
    fields = lke_fields(NEW, STRONG) | {
        "kind": "mandiri",
        "assessed_on": "2024-08-01",
        "assessor": "TPI Itjen",
        "aksi": "simpan",
    }
    response = sign_in("tpi").post(f"/admin/unit/{unit.slug}/lke/baru?rulebook={NEW}", fields)
    assert response.status_code == 302
    saved = session.scalar(
        sa.select(Assessment).where(
            Assessment.assessor == "TPI Itjen", Assessment.unit_id == unit.id
        )
    )
    expected = score(load_rulebook(NEW), lke_inputs(NEW, STRONG))
    assert saved.kind == AssessmentKind.MANDIRI and saved.assessed_on == date(2024, 8, 1)
    assert saved.total == expected.total and saved.predicate_reached == PredicateKind.WBBM
    assert saved.result == expected.to_dict()
    assert response.headers["Location"].endswith(f"/admin/lke/{saved.id}")
    page = text(sign_in("tpi").get(f"/admin/lke/{saved.id}"))
    assert f"Nilai total {shown(expected.total)}" in page and "Semua ambang terpenuhi." in page


def test_unreadable_lke_inputs_are_refused_in_words_and_nothing_is_saved(sign_in, session, world):
    fields = lke_fields(NEW, GOOD) | {"kind": "mandiri", "assessed_on": "2024-08-01"}
    fields |= {
        "in-spbe": "1,5",
        "in-survei_persepsi_korupsi": "9",
        "kind-sop_kegiatan_utama": "jawaban",
        "in-sop_kegiatan_utama": "Ya, Mungkin, 120",
        "in-komitmen_pimpinan": "",
    }
    before = session.scalar(sa.select(sa.func.count(Assessment.id)))
    response = sign_in("tpi").post(
        f"/admin/unit/{world['candidate'].slug}/lke/baru?rulebook={NEW}",
        fields | {"aksi": "simpan"},
    )
    assert response.status_code == 422
    page = text(response)
    assert "Nilai harus angka dari 0 sampai 1, misalnya 0,75; tertulis '1,5'." in page
    assert "Indeks survei harus angka dari 1 sampai 4" in page
    assert "Jawaban ke-2 'Mungkin' bukan Ya/Tidak, huruf A/B/C" in page
    assert "Jawaban ke-3: persentase 120 melebihi 100." in page
    assert "Belum diisi. Tulis 0 bila nilainya memang nol." in page
    raw = markup(response)
    assert 'value="1,5"' in raw and 'value="Ya, Mungkin, 120"' in raw
    assert '<option value="jawaban" selected>' in raw
    assert session.scalar(sa.select(sa.func.count(Assessment.id))) == before


def test_a_candidate_stage_is_needed_for_a_self_assessment(sign_in, world):
    fields = lke_fields(NEW, GOOD) | {"kind": "mandiri", "assessed_on": "2024-08-01"}
    response = sign_in("tpi").post(
        f"/admin/unit/{world['plain'].slug}/lke/baru?rulebook={NEW}", fields | {"aksi": "simpan"}
    )
    assert response.status_code == 422
    assert "Direktorat Biasa belum ditetapkan sebagai calon unit ZI." in text(response)
    assert 'value="2024-08-01"' in markup(response)


@pytest.mark.parametrize(("rulebook_id", "level"), [(NEW, GOOD), (NEW, WEAK), (OLD, STRONG)])
def test_live_scoring_returns_the_numbers_of_the_scoring_service(
    sign_in, world, rulebook_id, level
):
    response = sign_in("tpi").score(
        {"rulebook": rulebook_id, "fields": lke_fields(rulebook_id, level)}
    )
    assert response.status_code == 200
    body = response.get_json()
    expected = score(load_rulebook(rulebook_id), lke_inputs(rulebook_id, level))
    assert body["result"] == expected.to_dict()
    assert body["predicate"] == expected.predicate and body["missing"] == []
    assert [(u["threshold"], u["required"], u["actual"]) for u in body["unmet"]] == [
        (u.threshold, u.required, u.actual) for u in expected.unmet
    ]
    for item in body["unmet"]:
        assert item["gap"] == round(item["required"] - item["actual"], 2) and item["text"]
    assert body["shown"]["total"] == shown(expected.total)


def test_live_scoring_reads_answers_letters_percentages_and_indices(sign_in, world):
    rulebook = load_rulebook(NEW)
    inputs = lke_inputs(NEW, GOOD)
    fields = lke_fields(NEW, GOOD)
    typed = {
        "penyusunan_tim_kerja": ("jawaban", "ya, Tidak, a", ["Ya", "Tidak", "A"]),
        "spbe": ("jawaban", "B, c, 80, 92.5%", ["B", "C", 80.0, 92.5]),
        "capaian_kinerja_lebih_baik": ("jawaban", "75", [75.0]),
    }
    for key, (kind, raw, answers) in typed.items():
        fields[f"kind-{key}"], fields[f"in-{key}"] = kind, raw
        inputs[key] = {"answers": answers}
    fields["in-survei_persepsi_korupsi"] = "3,65"
    inputs["survei_persepsi_korupsi"] = {"index": 3.65}
    body = sign_in("tpn").score({"rulebook": NEW, "fields": fields}).get_json()
    assert body["result"] == score(rulebook, inputs).to_dict()


def test_live_scoring_rejects_bad_input_with_field_errors(sign_in, world):
    tpi = sign_in("tpi")
    fields = lke_fields(NEW, GOOD) | {"in-spbe": "banyak", "kind-spbe": "indeks"}
    fields["in-survei_persepsi_korupsi"] = "0.5"
    response = tpi.score({"rulebook": NEW, "fields": fields})
    assert response.status_code == 422
    body = response.get_json()
    assert body["ok"] is False and body["result"] is None
    assert set(body["errors"]) == {"in-spbe", "in-survei_persepsi_korupsi"}
    assert "tidak berlaku untuk indikator ini" in body["errors"]["in-spbe"][0]
    assert (
        "Indeks survei harus angka dari 1 sampai 4"
        in body["errors"]["in-survei_persepsi_korupsi"][0]
    )
    typed = tpi.score({"rulebook": NEW, "fields": {"in-spbe": 0.5}})
    assert typed.status_code == 422 and "in-spbe" in typed.get_json()["errors"]
    unknown = tpi.score({"rulebook": "permenpanrb-1-1999", "fields": {}})
    assert unknown.status_code == 422 and "rulebook" in unknown.get_json()["errors"]
    assert tpi.score({"rulebook": NEW, "fields": []}).status_code == 422
    assert tpi.score(["bukan", "objek"]).status_code == 400
    assert tpi.score({"rulebook": NEW, "fields": {}}, token=False).status_code == 400
    partial = tpi.score({"rulebook": NEW, "fields": {"in-spbe": "1"}}).get_json()
    assert (
        partial["ok"] is True and len(partial["missing"]) == len(load_rulebook(NEW).indicators) - 1
    )


# --- proposals, evidence, review, award -------------------------------------------------------


def _proposal_data(assessment: Assessment, **overrides) -> dict:
    data = {
        "predicate": "WBK",
        "year": "2023",
        "assessment": str(assessment.id),
        "submitted_on": "2024-09-02",
        "evidence_note": "LKE dan SK tim kerja terlampir.",
    }
    data.update(overrides)
    return data


@pytest.fixture
def fresh_candidate(session, people):
    agency = gen_agency(session, name="Instansi Usulan")
    unit = gen_candidate(session, agency=agency, name="Direktorat Pengusul")
    assessment = gen_assessment(session, unit, "WBK", on=date(2024, 8, 1))
    session.commit()
    return unit, assessment


def test_a_proposal_with_a_pdf_is_recorded_and_its_file_sealed(
    sign_in, session, app, fresh_candidate
):
    unit, assessment = fresh_candidate
    admin = sign_in("admin")
    assert admin.get(f"/admin/unit/{unit.slug}/usulan/baru?lke={assessment.id}").status_code == 200
    content = pdf()
    response = admin.post(
        f"/admin/unit/{unit.slug}/usulan/baru",
        _proposal_data(assessment) | {"files": [(io.BytesIO(content), "lke-2024.pdf")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, text(response)[:2000]
    proposal = session.scalar(sa.select(Proposal).where(Proposal.unit_id == unit.id))
    assert proposal.status == ProposalStatus.DIAJUKAN and proposal.year == 2023
    assert proposal.evidence_note == "LKE dan SK tim kerja terlampir."
    document = session.scalar(sa.select(ProposalDocument))
    assert document.proposal_id == proposal.id and document.media_type == "application/pdf"
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.path.startswith("proposals/") and "lke-2024" not in document.path
    stored = Path(app.config["UPLOAD_DIR"]) / document.path
    assert stored.read_bytes() == content and os.stat(stored).st_mode & 0o777 == 0o400
    page = text(admin.get(f"/admin/usulan/{proposal.id}"))
    assert "lke-2024.pdf" in page
    download = admin.get(f"/admin/usulan/dokumen/{document.id}")
    assert download.status_code == 200 and download.data == content
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_an_executable_is_refused_and_nothing_is_proposed(sign_in, session, app, fresh_candidate):
    unit, assessment = fresh_candidate
    before = set(Path(app.config["UPLOAD_DIR"]).rglob("*"))
    response = sign_in("admin").post(
        f"/admin/unit/{unit.slug}/usulan/baru",
        _proposal_data(assessment)
        | {"files": [(io.BytesIO(pdf()), "ok.pdf"), (io.BytesIO(WINDOWS_EXE), "lampiran.pdf")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = text(response)
    assert "Berkas lampiran.pdf berisi program komputer Windows (EXE)" in page
    assert "pilih kembali berkasnya" in page
    assert 'value="2023"' in markup(response) and "LKE dan SK tim kerja terlampir." in page
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count(Proposal.id))) == 0
    assert session.scalar(sa.select(sa.func.count(ProposalDocument.id))) == 0
    assert session.get(Unit, unit.id).zi_stage == ZIStage.CALON
    assert {p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()} == {
        p for p in before if p.is_file()
    }


def test_proposing_wbk_with_a_wdp_year_is_refused_in_words(sign_in, session, people):
    agency = gen_agency(
        session,
        name="Instansi WDP",
        years={2022: (BPKOpinion.WTP, AKIPGrade.BB), 2023: (BPKOpinion.WDP, AKIPGrade.C)},
    )
    unit = gen_candidate(session, agency=agency, name="Direktorat WDP")
    assessment = gen_assessment(session, unit, "WBK")
    session.commit()
    response = sign_in("admin").post(
        f"/admin/unit/{unit.slug}/usulan/baru", _proposal_data(assessment, year="2023")
    )
    assert response.status_code == 422
    page = text(response)
    assert "Opini BPK Instansi WDP untuk tahun 2023 adalah WDP; usulan WBK memerlukan WTP." in page
    assert "Nilai AKIP Instansi WDP untuk tahun 2023 adalah C; minimal CC." in page
    assert 'value="2023"' in markup(response) and 'value="2024-09-02"' in markup(response)
    assert session.scalar(sa.select(sa.func.count(Proposal.id))) == 0


def test_proposing_within_a_revocation_ban_is_refused_in_words(sign_in, session, people):
    agency = gen_agency(session, name="Instansi Dicabut")
    unit = gen_candidate(session, agency=agency, name="Direktorat Dicabut")
    predicate = gen_predicate(session, unit, PredicateKind.WBK)
    _, case = lifecycle.record_periodic_evaluation(
        session,
        predicate,
        rulebook_id=NEW,
        indicators=lke_inputs(NEW, WEAK),
        evaluated_on=date(2023, 5, 15),
        policy=POLICY,
    )
    lifecycle.decide_revocation_case(
        session,
        case,
        decision=RevocationStatus.DICABUT,
        decided_on=date(2023, 6, 12),
        reasons="Di bawah ambang.",
        decree_number="SK-CABUT-1",
        actor=people["tpn"],
        policy=POLICY,
    )
    assessment = gen_assessment(session, unit, "WBK", on=date(2024, 8, 1))
    session.commit()
    response = sign_in("admin").post(
        f"/admin/unit/{unit.slug}/usulan/baru",
        _proposal_data(assessment, year="2023", submitted_on="2024-09-02"),
    )
    assert response.status_code == 422
    assert (
        "Direktorat Dicabut tidak dapat diusulkan sampai 2025-06-12 karena predikatnya dicabut."
        in text(response)
    )
    assert (
        session.scalar(sa.select(sa.func.count(Proposal.id)).where(Proposal.unit_id == unit.id))
        == 1
    )


def test_awarding_before_a_passing_review_is_refused_in_words(sign_in, session, world):
    proposal = world["proposal"]
    response = sign_in("admin").post(
        f"/admin/usulan/{proposal.id}/penetapan",
        {"decree_number": "SK-Terlalu-Dini", "awarded_on": "2022-09-01"},
    )
    assert response.status_code == 422
    assert (
        "Predikat hanya dapat ditetapkan untuk usulan yang dinyatakan memenuhi oleh TPN."
        in text(response)
    )
    assert 'value="SK-Terlalu-Dini"' in markup(response)
    assert session.scalar(sa.select(sa.func.count(Predicate.id))) == 0


def test_a_review_returning_the_proposal_needs_reasons_then_returns_it(sign_in, session, world):
    tpn, proposal = sign_in("tpn"), world["proposal"]
    url = f"/admin/usulan/{proposal.id}/reviu"
    missing = tpn.post(url, {"outcome": "tidak_memenuhi", "reviewed_on": "2022-07-01"})
    assert missing.status_code == 422
    page = text(missing)
    assert "Tanggal reviu tidak boleh sebelum tanggal usulan." in page
    assert "Tuliskan alasan bila usulan tidak memenuhi syarat." in page
    assert 'value="2022-07-01"' in markup(missing)
    ok = tpn.post(
        url,
        {"outcome": "tidak_memenuhi", "reviewed_on": "2022-11-01", "notes": "Inovasi belum ada."},
    )
    assert ok.status_code == 302
    session.expire_all()
    returned = session.get(Proposal, proposal.id)
    assert returned.status == ProposalStatus.DIKEMBALIKAN
    assert returned.reviews[0].outcome == ReviewOutcome.TIDAK_MEMENUHI
    assert session.get(Unit, world["candidate"].id).zi_stage == ZIStage.PEMBINAAN


def test_a_review_score_below_the_predicate_cannot_be_called_memenuhi(sign_in, session, world):
    unit, proposal = world["candidate"], world["proposal"]
    weak = gen_assessment(session, unit, None, kind=AssessmentKind.REVIU, on=date(2022, 10, 1))
    session.commit()
    response = sign_in("tpn").post(
        f"/admin/usulan/{proposal.id}/reviu",
        {"outcome": "memenuhi", "reviewed_on": "2022-11-01", "assessment": str(weak.id)},
    )
    assert response.status_code == 422
    assert "belum mencapai predikat WBK; hasil 'memenuhi' tidak dapat dicatat." in text(response)


def test_a_periodic_evaluation_needs_a_held_predicate(sign_in, world):
    fields = lke_fields(NEW, GOOD) | {"kind": "evaluasi_berkala", "assessed_on": "2024-08-01"}
    response = sign_in("tpn").post(
        f"/admin/unit/{world['plain'].slug}/lke/baru?rulebook={NEW}", fields | {"aksi": "simpan"}
    )
    assert response.status_code == 422
    assert "Direktorat Biasa tidak sedang memegang predikat WBK/WBBM" in text(response)


# --- the whole lifecycle through the screens --------------------------------------------------


def test_the_whole_lifecycle_runs_from_the_admin_screens(sign_in, session, app, people):
    admin, tpi, tpn = sign_in("admin"), sign_in("tpi"), sign_in("tpn")

    assert admin.post("/admin/instansi", {"name": "Kementerian Jalur Penuh"}).status_code == 302
    agency = session.scalar(sa.select(Agency).where(Agency.name == "Kementerian Jalur Penuh"))
    for year in (2022, 2023):
        figures = {"year": str(year), "bpk_opinion": "WTP", "akip_grade": "BB"}
        assert admin.post(f"/admin/instansi/{agency.slug}/tahun", figures).status_code == 302
    unit_data = {"agency": agency.slug, "name": "Direktorat Jalur Penuh", "eselon": "II"}
    assert admin.post("/admin/unit", unit_data).status_code == 302
    unit = session.scalar(sa.select(Unit).where(Unit.name == "Direktorat Jalur Penuh"))
    pact = {
        "recorded_on": "2024-01-10",
        "leader_signed": "y",
        "staff_signed": "90",
        "staff_total": "100",
    }
    assert admin.post(f"/admin/unit/{unit.slug}/pakta", pact).status_code == 302
    declaration = {
        "agencies": [agency.slug],
        "declared_on": "2024-02-01",
        "charter_reference": "Piagam Jalur Penuh",
        "witnesses-0-name": "Saksi",
        "witnesses-0-organisation": "KPK",
        "aksi": "simpan",
    }
    assert admin.post("/admin/pencanangan/baru", declaration).status_code == 302
    assert (
        admin.post(f"/admin/unit/{unit.slug}/calon", {"designated_on": "2024-02-05"}).status_code
        == 302
    )

    lke_url = f"/admin/unit/{unit.slug}/lke/baru?rulebook={NEW}"
    saved = tpi.post(
        lke_url,
        lke_fields(NEW, GOOD) | {"kind": "mandiri", "assessed_on": "2024-03-01", "aksi": "simpan"},
    )
    assert saved.status_code == 302
    self_assessment = session.scalar(
        sa.select(Assessment).where(
            Assessment.unit_id == unit.id, Assessment.kind == AssessmentKind.MANDIRI
        )
    )
    assert self_assessment.predicate_reached == PredicateKind.WBK

    proposed = admin.post(
        f"/admin/unit/{unit.slug}/usulan/baru",
        _proposal_data(self_assessment, submitted_on="2024-03-05")
        | {"files": [(io.BytesIO(pdf()), "bukti.pdf")]},
        content_type="multipart/form-data",
    )
    assert proposed.status_code == 302
    proposal = session.scalar(sa.select(Proposal).where(Proposal.unit_id == unit.id))

    reviewed_lke = tpn.post(
        lke_url,
        lke_fields(NEW, GOOD) | {"kind": "reviu", "assessed_on": "2024-05-20", "aksi": "simpan"},
    )
    assert reviewed_lke.status_code == 302
    assert "Catat hasil reviu · WBK" in text(tpn.get(reviewed_lke.headers["Location"]))
    review_score = session.scalar(
        sa.select(Assessment).where(
            Assessment.unit_id == unit.id, Assessment.kind == AssessmentKind.REVIU
        )
    )
    assert str(review_score.id) in markup(tpn.get(f"/admin/usulan/{proposal.id}"))
    review = {
        "outcome": "memenuhi",
        "reviewed_on": "2024-06-01",
        "notes": "Memenuhi.",
        "assessment": str(review_score.id),
    }
    assert tpn.post(f"/admin/usulan/{proposal.id}/reviu", review).status_code == 302
    award = {
        "decree_number": "KepmenPANRB 1/2024",
        "awarded_on": "2024-06-10",
        "valid_until": "2027-06-10",
    }
    assert admin.post(f"/admin/usulan/{proposal.id}/penetapan", award).status_code == 302
    session.expire_all()
    predicate = session.scalar(sa.select(Predicate).where(Predicate.unit_id == unit.id))
    assert predicate.kind == PredicateKind.WBK and predicate.decree_number == "KepmenPANRB 1/2024"
    assert predicate.valid_until == date(2027, 6, 10)
    assert session.get(Unit, unit.id).zi_stage == ZIStage.WBK
    assert session.get(Proposal, proposal.id).reviews[0].assessment_id == review_score.id

    evaluated = tpn.post(
        lke_url,
        lke_fields(NEW, WEAK)
        | {"kind": "evaluasi_berkala", "assessed_on": "2025-05-01", "aksi": "simpan"},
    )
    assert evaluated.status_code == 302
    session.expire_all()
    case = session.scalar(sa.select(RevocationCase).where(RevocationCase.unit_id == unit.id))
    assert case is not None and case.status == RevocationStatus.TERBUKA
    assert case.cause == RevocationCause.EVALUASI_BERKALA and case.predicate_id == predicate.id
    assert case.assessment.kind == AssessmentKind.EVALUASI_BERKALA
    followed = tpn.get(evaluated.headers["Location"])
    assert f"kasus pencabutan #{case.id} dibuka" in text(followed)
    dashboard = text(admin.get("/admin"))
    assert f"#{case.id}" in dashboard and "Direktorat Jalur Penuh" in dashboard

    coaching = {"reason": "rutin", "held_on": "2025-05-10", "topic": "Perbaikan pengaduan"}
    assert admin.post(f"/admin/unit/{unit.slug}/pembinaan", coaching).status_code == 302
    assert "Perbaikan pengaduan" in text(admin.get(f"/admin/unit/{unit.slug}"))


def test_the_screens_and_the_live_figures_speak_english(sign_in, world):
    tpi = sign_in("tpi")
    slug = world["candidate"].slug
    tpi.client.get("/bahasa/en?next=/admin")
    page = tpi.get(f"/admin/unit/{slug}/lke/baru?rulebook={NEW}")
    assert page.status_code == 200 and "Evaluation worksheet" in text(page)
    for url in ("/admin", "/admin/unit", f"/admin/usulan/{world['proposal'].id}"):
        assert tpi.get(url).status_code == 200
    body = tpi.score({"rulebook": NEW, "fields": lke_fields(NEW, GOOD)}).get_json()
    expected = score(load_rulebook(NEW), lke_inputs(NEW, GOOD))
    assert body["shown"]["total"] == f"{expected.total:.2f}"
    assert body["predicate_label"] != "Mencapai predikat WBK"
